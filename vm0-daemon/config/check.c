// SPDX-License-Identifier: GPL-2.0
/*
 * VM configs, checks common to both schemas: what the hypervisor's
 * VM_CREATE and MMIO_REGISTER would refuse (proto/keel/guest.h), refused
 * here first with the field and the value; RAM, device windows,
 * interrupts and disk backings that collide.
 */
#include <keel/hypercall.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "priv.h"

/* The hypervisor refuses GICv2 guests with more vCPUs; no vcpus value
 * keeld accepts can reach that. */
_Static_assert(KEEL_MAX_VCPUS <= KEEL_GUEST_GICV2_MAX_VCPUS, "a GICv2 vCPU check is needed");

/* ---- checks common to both schemas ---- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int in_ram(const struct vm_config *c, uint64_t ipa)
{
	for (unsigned i = 0; i < c->nr_mem; i++)
		if (ipa >= c->mem[i].ipa && ipa - c->mem[i].ipa < c->mem[i].size)
			return 1;
	return 0;
}

/* A guest address range keeld must keep clear, for messages. */
struct frame {
	const char *name;
	uint64_t base, size;
};

/* The GIC frames the guest gets: the host's (keel_sysinfo) when keeld
 * knows them, else what a Shyper config says of its own. */
static unsigned gic_frames(const struct pctx *p, struct frame f[2])
{
	const struct config_env *e = p->env;
	const struct vm_config *c = p->cfg;
	const uint64_t gicr_len = (uint64_t)c->nr_vcpus * KEEL_GUEST_GICR_STRIDE;
	unsigned n = 0;

	if (e->gic_version) {
		f[n++] = (struct frame){ "the GIC distributor", e->gicd, KEEL_GUEST_GICD_SIZE };
		if (e->gic_version == KEEL_GIC_V3)
			f[n++] = (struct frame){ "the GIC redistributors", e->gicr, gicr_len };
		else
			f[n++] = (struct frame){ "the GIC CPU interface", e->gicc, KEEL_GUEST_GICC_SIZE };
		return n;
	}
	if (c->gicd_ipa)
		f[n++] = (struct frame){ "the GIC distributor", c->gicd_ipa, KEEL_GUEST_GICD_SIZE };
	if (c->gicr_ipa)
		f[n++] = (struct frame){ "the GIC redistributors", c->gicr_ipa, gicr_len };
	return n;
}

/* "disks[1]" or "emulated_device_list[3]", then sub (".path", ...). */
void cfg_disk_field(const struct vm_config *c, const struct cfg_disk *d, const char *sub,
		    char *out, size_t outlen)
{
	snprintf(out, outlen, "%s[%u]%s", c->shyper ? "emulated_device_list" : "disks", d->entry,
		 sub);
}

/* Two disks on one backing corrupt it unless neither writes. */
int cfg_disk_shares(const struct vm_config *c, unsigned i)
{
	const struct cfg_disk *d = &c->disk[i];

	for (unsigned j = 0; j < i; j++) {
		const struct cfg_disk *o = &c->disk[j];

		if (d->readonly && o->readonly)
			continue;
		if ((d->path[0] && !strcmp(d->path, o->path)) ||
		    (d->mediated >= 0 && d->mediated == o->mediated))
			return (int)j;
	}
	return -1;
}

/* A virtio-mmio device of the config (the virtio-console, a disk or a
 * NIC), for the checks of where windows and interrupts go. */
struct vwin {
	uint64_t base;
	unsigned spi;
	char name[40];   /* "disks[1]", "nics[0]", "emulated_device_list[3]", "console" */
	const char *label; /* what it is, when its field does not say: "the virtio-console" */
	const char *where; /* the field the window comes from: "" or ".base_ipa" */
	const char *irq;   /* the field the interrupt comes from: "" or ".irq_id" */
};

/* Every virtio window: the virtio-console, the disks, the NICs, the display. */
#define VWIN_MAX (1 + CFG_MAX_DISKS + CFG_MAX_NICS + 1)
static unsigned virtio_windows(const struct vm_config *c, struct vwin *w)
{
	unsigned n = 0;

	if (c->consoles & CFG_CONSOLE_VIRTIO) {
		w[n] = (struct vwin){ c->vcon_base, c->vcon_spi, "", "the virtio-console", "", "" };
		if (c->shyper)
			snprintf(w[n].name, sizeof(w[n].name), "emulated_device_list[%d]", c->vcon_entry);
		else
			snprintf(w[n].name, sizeof(w[n].name), "console");
		n++;
	}
	for (unsigned i = 0; i < c->nr_disks && i < CFG_MAX_DISKS; i++, n++) {
		w[n] = (struct vwin){ c->disk[i].base, c->disk[i].spi, "", NULL, "", "" };
		cfg_disk_field(c, &c->disk[i], "", w[n].name, sizeof(w[n].name));
	}
	for (unsigned i = 0; i < c->nr_nics && i < CFG_MAX_NICS; i++, n++) {
		w[n] = (struct vwin){ c->nic[i].base, c->nic[i].spi, "", NULL, "", "" };
		snprintf(w[n].name, sizeof(w[n].name), "%s[%u]",
			 c->shyper ? "emulated_device_list" : "nics", c->nic[i].entry);
	}
	if (c->display.on)
		w[n++] = (struct vwin){ c->display.base, c->display.spi, "display", "the virtio-gpu",
					"", "" };
	for (unsigned i = 0; i < n; i++) {
		w[i].label = w[i].label ? w[i].label : w[i].name;
		w[i].where = c->shyper ? ".base_ipa" : "";
		w[i].irq = c->shyper ? ".irq_id" : "";
	}
	return n;
}

/* Where virtio window d (of w[]) and its interrupt may go: not on RAM,
 * another emulated device or the GIC, not on another device's interrupt. */
static int check_virtio_window(struct pctx *p, const struct vwin *w, unsigned d)
{
	const struct vm_config *c = p->cfg;
	const uint64_t len = KEEL_GUEST_VIRTIO_SIZE;
	const uint64_t base = w[d].base;
	char field[80];
	unsigned intid = KEEL_GUEST_SPI_BASE + w[d].spi;
	struct frame gic[2];
	unsigned ngic = gic_frames(p, gic);

	snprintf(field, sizeof(field), "%s%s", w[d].name, w[d].where);
	if (base & (len - 1))
		return cfg_fail(p, EINVAL, field, NULL, "0x%llx is not 0x200 aligned",
				(unsigned long long)base);
	if (base + len < base || base + len > KEEL_GUEST_IPA_LIMIT)
		return cfg_fail(p, EINVAL, field, NULL, "0x%llx+0x200 ends beyond 2^%d, the guest IPA limit",
				(unsigned long long)base, KEEL_GUEST_IPA_BITS);
	for (unsigned j = 0; j < c->nr_mem; j++)
		if (overlaps(base, len, c->mem[j].ipa, c->mem[j].size))
			return cfg_fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps guest RAM (%s)",
					(unsigned long long)base,
					c->shyper ? "memory.region" : "memory");
	if ((c->consoles & CFG_CONSOLE_PL011) &&
	    overlaps(base, len, c->uart_base, KEEL_GUEST_UART_SIZE))
		return cfg_fail(p, EINVAL, field, NULL,
				"0x%llx+0x200 overlaps the emulated UART (0x%llx)",
				(unsigned long long)base, (unsigned long long)c->uart_base);
	if (overlaps(base, len, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE))
		return cfg_fail(p, EINVAL, field, NULL,
				"0x%llx+0x200 overlaps the emulated GPIO (0x%llx)",
				(unsigned long long)base, KEEL_GUEST_GPIO_BASE);
	for (unsigned k = 0; k < ngic; k++)
		if (overlaps(base, len, gic[k].base, gic[k].size))
			return cfg_fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps %s (0x%llx+0x%llx)",
					(unsigned long long)base, gic[k].name,
					(unsigned long long)gic[k].base, (unsigned long long)gic[k].size);
	for (unsigned o = 0; o < d; o++) {
		if (!overlaps(base, len, w[o].base, len))
			continue;
		if (w[o].label != w[o].name)
			return cfg_fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps %s (%s, 0x%llx)",
					(unsigned long long)base, w[o].label, w[o].name,
					(unsigned long long)w[o].base);
		return cfg_fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps %s (0x%llx)",
				(unsigned long long)base, w[o].name, (unsigned long long)w[o].base);
	}

	snprintf(field, sizeof(field), "%s%s", w[d].name, w[d].irq);
	if ((c->consoles & CFG_CONSOLE_PL011) && w[d].spi == c->uart_spi)
		return cfg_fail(p, EINVAL, field, NULL, "%u is the emulated UART's interrupt", intid);
	if (w[d].spi == KEEL_GUEST_GPIO_SPI)
		return cfg_fail(p, EINVAL, field, NULL, "%u is the emulated GPIO's interrupt", intid);
	for (unsigned o = 0; o < d; o++)
		if (w[d].spi == w[o].spi)
			return cfg_fail(p, EINVAL, field, NULL, "%u is also %s's interrupt", intid,
					w[o].label);
	return 0;
}

/* Every window, and a MAC for each NIC that has none: stable for the VM's
 * name and the NIC's place (locally administered, unicast), so a guest
 * keeps its address (and its DHCP lease) across boots and restarts. */
static int check_nics(struct pctx *p)
{
	struct vm_config *c = p->cfg;
	struct vwin w[VWIN_MAX];
	unsigned n = virtio_windows(c, w);
	int r;

	if (c->nr_nics > CFG_MAX_NICS)
		return cfg_fail(p, EINVAL, c->shyper ? "emulated_device_list" : "nics", NULL,
				"%u NICs, at most %d", c->nr_nics, CFG_MAX_NICS);
	for (unsigned i = 0; i < n; i++)
		if ((r = check_virtio_window(p, w, i)))
			return r;
	for (unsigned i = 0; i < c->nr_nics; i++) {
		struct cfg_nic *nic = &c->nic[i];
		uint32_t h = 2166136261u; /* FNV-1a */
		static const uint8_t zero[6];
		char field[48];

		snprintf(field, sizeof(field), "%s[%u].%s", c->shyper ? "emulated_device_list" : "nics",
			 nic->entry, c->shyper ? "cfg_list" : "mac");
		if (nic->mac_given && ((nic->mac[0] & 1) || !memcmp(nic->mac, zero, 6)))
			return cfg_fail(p, EINVAL, field, NULL,
					"%02x:%02x:%02x:%02x:%02x:%02x is not a unicast address",
					nic->mac[0], nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4],
					nic->mac[5]);
		snprintf(field, sizeof(field), "%s[%u].switch",
			 c->shyper ? "emulated_device_list" : "nics", nic->entry);
		if (!nic->sw[0])
			return cfg_fail(p, EINVAL, field, NULL, "is empty");
		/* It names the switch's uplink TAP too: an interface name. */
		for (const char *s = nic->sw; *s; s++)
			if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
			    !(*s >= '0' && *s <= '9') && *s != '-' && *s != '_' && *s != '.')
				return cfg_fail(p, EINVAL, field, NULL,
						"\"%s\" has characters other than letters, digits, -, _ and .",
						nic->sw);
		if (nic->mac_given)
			continue;
		for (const char *s = c->name; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619u;
		h = (h ^ i) * 16777619u;
		nic->mac[0] = 0x02; /* locally administered, unicast */
		nic->mac[1] = 0x4b; /* 'K' */
		nic->mac[2] = (uint8_t)(h >> 24);
		nic->mac[3] = (uint8_t)(h >> 16);
		nic->mac[4] = (uint8_t)(h >> 8);
		nic->mac[5] = (uint8_t)h;
	}
	for (unsigned i = 0; i < c->nr_nics; i++)
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(c->nic[i].mac, c->nic[j].mac, 6)) {
				char field[48];

				snprintf(field, sizeof(field), "%s[%u].mac",
					 c->shyper ? "emulated_device_list" : "nics", c->nic[i].entry);
				return cfg_fail(p, EINVAL, field, NULL, "is also %s[%u]'s MAC",
						c->shyper ? "emulated_device_list" : "nics",
						c->nic[j].entry);
			}
	return 0;
}

static int check_disks(struct pctx *p)
{
	const struct vm_config *c = p->cfg;
	char field[80], other[48];
	int r, j;

	if (c->nr_disks > CFG_MAX_DISKS)
		return cfg_fail(p, EINVAL, c->shyper ? "emulated_device_list" : "disks", NULL,
				"%u disks, at most %d", c->nr_disks, CFG_MAX_DISKS);
	for (unsigned i = 0; i < c->nr_disks; i++) {
		const struct cfg_disk *d = &c->disk[i];

		/* An inline config has no folder to resolve a relative path
		 * against, and keeld's working directory means nothing to the
		 * user. */
		cfg_disk_field(c, d, ".path", field, sizeof(field));
		if (d->path[0] && d->path[0] != '/')
			return cfg_fail(p, EINVAL, field, NULL,
					"\"%.64s\" is not an absolute path (and this config has no folder to resolve it against)",
					d->path);
		cfg_disk_field(c, d, ".serial", field, sizeof(field));
		for (const char *s = d->serial; *s; s++)
			if (*s < 0x20 || *s > 0x7e) {
				json_t *v = json_string(d->serial);

				r = cfg_fail(p, EINVAL, field, v,
					     "has a character that is not printable ASCII");
				json_decref(v);
				return r;
			}
		if ((j = cfg_disk_shares(c, i)) >= 0) {
			cfg_disk_field(c, &c->disk[j], "", other, sizeof(other));
			if (d->mediated >= 0) {
				cfg_disk_field(c, d, c->shyper ? ".cfg_list[0]" : ".mediated", field,
					   sizeof(field));
				return cfg_fail(p, EINVAL, field, NULL,
						"%d is also %s's backing: two disks on one backing need both to be read-only",
						d->mediated, other);
			}
			cfg_disk_field(c, d, ".path", field, sizeof(field));
			return cfg_fail(p, EINVAL, field, NULL,
					"\"%.64s\" is also %s's backing: two disks on one backing need both to be read-only",
					d->path, other);
		}
	}
	return 0;
}

/* "33 MiB", or bytes in hex when not whole MiB. */
static void show_size(uint64_t n, char *out, size_t outlen)
{
	if (n && !(n & ((1ULL << 20) - 1)))
		snprintf(out, outlen, "%llu MiB", (unsigned long long)(n >> 20));
	else
		snprintf(out, outlen, "0x%llx", (unsigned long long)n);
}

/* Region i's shape, as the hypervisor's VM_CREATE checks it. */
static int check_region(struct pctx *p, unsigned i)
{
	const struct keel_vm_mem *m = &p->cfg->mem[i];
	const uint64_t align = KEEL_GUEST_RAM_ALIGN;
	char base[48], size[48], val[32];

	if (p->cfg->shyper) {
		snprintf(base, sizeof(base), "memory.region[%u].ipa_start", i);
		snprintf(size, sizeof(size), "memory.region[%u].length", i);
	} else {
		/* Keel's schema: one region at KEEL_GUEST_RAM_BASE */
		snprintf(base, sizeof(base), "memory");
		snprintf(size, sizeof(size), "memory");
	}
	show_size(m->size, val, sizeof(val));
	if (!m->size)
		return cfg_fail(p, EINVAL, size, NULL, "size 0");
	if (m->size & (align - 1))
		return cfg_fail(p, EINVAL, size, NULL, "%s is not a multiple of %llu MiB", val,
				(unsigned long long)(align >> 20));
	if (m->ipa & (align - 1))
		return cfg_fail(p, EINVAL, base, NULL, "0x%llx is not %llu MiB aligned",
				(unsigned long long)m->ipa, (unsigned long long)(align >> 20));
	if (m->ipa + m->size < m->ipa || m->ipa + m->size > KEEL_GUEST_IPA_LIMIT)
		return cfg_fail(p, EINVAL, size, NULL,
				"%s at 0x%llx ends beyond 2^%d, the guest IPA limit", val,
				(unsigned long long)m->ipa, KEEL_GUEST_IPA_BITS);
	return 0;
}

int cfg_check_common(struct pctx *p)
{
	struct vm_config *c = p->cfg;
	const char *mf = c->shyper ? "memory.region" : "memory";
	uint64_t total = 0;
	char field[48];
	char val[32];
	struct frame gic[2];
	unsigned ngic = gic_frames(p, gic);
	int r;

	if ((r = cfg_check_sched(p)))
		return r;

	for (unsigned i = 0; i < c->nr_mem; i++) {
		const struct keel_vm_mem *m = &c->mem[i];

		if ((r = check_region(p, i)))
			return r;
		if (c->shyper)
			snprintf(field, sizeof(field), "memory.region[%u]", i);
		else
			snprintf(field, sizeof(field), "memory");
		for (unsigned j = 0; j < i; j++)
			if (overlaps(m->ipa, m->size, c->mem[j].ipa, c->mem[j].size))
				return cfg_fail(p, EINVAL, field, NULL, "overlaps memory.region[%u]", j);
		if (overlaps(m->ipa, m->size, c->uart_base, KEEL_GUEST_UART_SIZE) ||
		    overlaps(m->ipa, m->size, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE))
			return cfg_fail(p, EINVAL, field, NULL,
					"0x%llx+0x%llx overlaps the emulated UART or GPIO (0x9000000..0x9031000)",
					(unsigned long long)m->ipa, (unsigned long long)m->size);
		for (unsigned k = 0; k < ngic; k++)
			if (overlaps(m->ipa, m->size, gic[k].base, gic[k].size))
				return cfg_fail(p, EINVAL, field, NULL,
						"0x%llx+0x%llx overlaps %s (0x%llx+0x%llx)",
						(unsigned long long)m->ipa, (unsigned long long)m->size,
						gic[k].name, (unsigned long long)gic[k].base,
						(unsigned long long)gic[k].size);
		total += m->size;
	}
	if (total < CFG_MIN_MEM) {
		snprintf(val, sizeof(val), "%llu MiB", (unsigned long long)(total >> 20));
		return cfg_fail(p, EINVAL, mf, NULL, "%s is less than the 32 MiB minimum", val);
	}
	if (c->kernel_ipa && !in_ram(c, c->kernel_ipa))
		return cfg_fail(p, EINVAL, "image.kernel_load_ipa", NULL, "0x%llx is outside guest RAM",
				(unsigned long long)c->kernel_ipa);
	if (c->initramfs_ipa && !in_ram(c, c->initramfs_ipa))
		return cfg_fail(p, EINVAL, "image.ramdisk_load_ipa", NULL, "0x%llx is outside guest RAM",
				(unsigned long long)c->initramfs_ipa);
	if (c->dtb_ipa && !in_ram(c, c->dtb_ipa))
		return cfg_fail(p, EINVAL, "image.device_tree_load_ipa", NULL,
				"0x%llx is outside guest RAM", (unsigned long long)c->dtb_ipa);
	if (c->dtb_ipa & 7)
		return cfg_fail(p, EINVAL, "image.device_tree_load_ipa", NULL,
				"0x%llx is not 8-byte aligned", (unsigned long long)c->dtb_ipa);
	if (c->initramfs_ipa & (PAGE_SIZE - 1))
		return cfg_fail(p, EINVAL, "image.ramdisk_load_ipa", NULL,
				"0x%llx is not page aligned", (unsigned long long)c->initramfs_ipa);
	if ((r = check_disks(p)))
		return r;
	if ((r = check_nics(p)))
		return r;
	return cfg_check_passthrough(p);
}

bool cfg_range_taken(const struct pctx *p, uint64_t base, uint64_t size, char *what, size_t len)
{
	const struct vm_config *c = p->cfg;
	struct vwin w[VWIN_MAX];
	unsigned nw = virtio_windows(c, w);
	struct frame gic[2];
	unsigned ngic = gic_frames(p, gic);

	for (unsigned i = 0; i < c->nr_mem; i++)
		if (overlaps(base, size, c->mem[i].ipa, c->mem[i].size))
			return snprintf(what, len, "guest RAM"), true;
	if (overlaps(base, size, c->uart_base, KEEL_GUEST_UART_SIZE) ||
	    overlaps(base, size, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE))
		return snprintf(what, len, "the emulated UART or GPIO"), true;
	for (unsigned k = 0; k < ngic; k++)
		if (overlaps(base, size, gic[k].base, gic[k].size))
			return snprintf(what, len, "%s", gic[k].name), true;
	for (unsigned i = 0; i < nw; i++)
		if (overlaps(base, size, w[i].base, KEEL_GUEST_VIRTIO_SIZE))
			return snprintf(what, len, "the virtio window of %s", w[i].label), true;
	return false;
}
