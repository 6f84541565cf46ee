// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A sorted list of free ranges; allocations and frees merge and split them.
 * VM creation and destruction only: simple beats fast. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/pool.h>
#include <hyp/spinlock.h>

static struct mem_range free_list[POOL_MAX_RANGES];
static u32 nr_free;
/* What pool_add gave: a freed block must lie wholly inside one of these. */
static struct mem_range added[POOL_MAX_RANGES];
static u32 nr_added;
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
	if (nr_added == POOL_MAX_RANGES) {
		spin_unlock(&pool_lock);
		pr_err("pool: too many ranges, %llu MiB at %#llx left out",
		       (unsigned long long)((end - start) >> 20), (unsigned long long)start);
		return;
	}
	added[nr_added++] = (struct mem_range){ start, end - start };
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

static bool range_inside(u64 base, u64 size, const struct mem_range *r)
{
	return base >= r->base && base + size <= r->base + r->size;
}

/* Could [base, base + size) be a block pool_alloc handed out and nobody
 * gave back yet? Inside what pool_add gave, and touching no free range: a
 * second free of a block would otherwise make it free twice, and two
 * guests would share it. */
static bool block_was_allocated(u64 base, u64 size)
{
	bool in_pool = false;

	if (!size || base + size < base || !IS_ALIGNED(base, POOL_ALIGN))
		return false;
	for (u32 i = 0; i < nr_added && !in_pool; i++)
		in_pool = range_inside(base, size, &added[i]);
	if (!in_pool)
		return false;
	for (u32 i = 0; i < nr_free; i++)
		if (base < free_list[i].base + free_list[i].size && free_list[i].base < base + size)
			return false;
	return true;
}

int pool_free(u64 base, u64 size)
{
	int ret = 0;

	size = ALIGN_UP(size, POOL_ALIGN);
	spin_lock(&pool_lock);
	if (block_was_allocated(base, size))
		insert_range(base, size);
	else
		ret = -EINVAL;
	spin_unlock(&pool_lock);
	if (ret)
		pr_err("pool: refused to free %#llx+%#llx: not a block the pool handed out",
		       (unsigned long long)base, (unsigned long long)size);
	return ret;
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

u32 pool_ranges(struct mem_range *out, u32 max)
{
	u32 n;

	spin_lock(&pool_lock);
	n = nr_added;
	for (u32 i = 0; i < n && i < max; i++)
		out[i] = added[i];
	spin_unlock(&pool_lock);
	return n;
}
