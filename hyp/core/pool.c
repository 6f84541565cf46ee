// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A sorted list of free ranges; allocations and frees merge and split them.
 * VM creation and destruction only: simple beats fast. */
#include <hyp/log.h>
#include <hyp/pool.h>
#include <hyp/spinlock.h>

static struct mem_range free_list[POOL_MAX_RANGES];
static u32 nr_free;
static u64 total;
static spinlock_t pool_lock = SPINLOCK_INIT;

static void insert_range(u64 base, u64 size)
{
	u32 i = 0;

	while (i < nr_free && free_list[i].base < base)
		i++;
	/* Merge with the neighbours where they touch. */
	if (i > 0 && free_list[i - 1].base + free_list[i - 1].size == base) {
		free_list[i - 1].size += size;
		if (i < nr_free && base + size == free_list[i].base) {
			free_list[i - 1].size += free_list[i].size;
			for (u32 j = i; j + 1 < nr_free; j++)
				free_list[j] = free_list[j + 1];
			nr_free--;
		}
		return;
	}
	if (i < nr_free && base + size == free_list[i].base) {
		free_list[i].base = base;
		free_list[i].size += size;
		return;
	}
	if (nr_free == POOL_MAX_RANGES) {
		pr_err("pool: too many fragments, %llu MiB at %#llx lost", (unsigned long long)(size >> 20),
		       (unsigned long long)base);
		return;
	}
	for (u32 j = nr_free; j > i; j--)
		free_list[j] = free_list[j - 1];
	free_list[i] = (struct mem_range){ base, size };
	nr_free++;
}

void pool_add(u64 base, u64 size)
{
	u64 start = ALIGN_UP(base, POOL_ALIGN), end = ALIGN_DOWN(base + size, POOL_ALIGN);

	if (end <= start)
		return;
	spin_lock(&pool_lock);
	insert_range(start, end - start);
	total += end - start;
	spin_unlock(&pool_lock);
}

u64 pool_alloc(u64 size)
{
	u64 pa = 0;

	size = ALIGN_UP(size, POOL_ALIGN);
	if (!size)
		return 0;
	spin_lock(&pool_lock);
	for (u32 i = 0; i < nr_free; i++) {
		if (free_list[i].size < size)
			continue;
		pa = free_list[i].base;
		free_list[i].base += size;
		free_list[i].size -= size;
		if (!free_list[i].size) {
			for (u32 j = i; j + 1 < nr_free; j++)
				free_list[j] = free_list[j + 1];
			nr_free--;
		}
		break;
	}
	spin_unlock(&pool_lock);
	return pa;
}

void pool_free(u64 base, u64 size)
{
	size = ALIGN_UP(size, POOL_ALIGN);
	spin_lock(&pool_lock);
	insert_range(base, size);
	spin_unlock(&pool_lock);
}

u64 pool_free_total(void)
{
	u64 sum = 0;

	spin_lock(&pool_lock);
	for (u32 i = 0; i < nr_free; i++)
		sum += free_list[i].size;
	spin_unlock(&pool_lock);
	return sum;
}

u64 pool_total(void)
{
	return total;
}
