/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pcpu.h>

#include "fakes.h"

struct pcpu shim_pcpu;
const struct gic_ops *gic;
const struct vgic_ops *vgic_hw;
u32 vgic_nr_lrs;

struct gcall gcalls[256];
int ngcalls;
bool fake_phys_pending[1024];
struct vgic_lr fake_lr[VGIC_MAX_LRS];
bool fake_underflow;
int fake_underflow_writes;
u32 kicked;
struct mmio_region fake_regions[4];
int nr_fake_regions;

static void record(enum gcall_op op, u32 intid, u32 arg)
{
	if (ngcalls < (int)ARRAY_SIZE(gcalls))
		gcalls[ngcalls++] = (struct gcall){ op, intid, arg, shim_pcpu.id };
}

int find_gcall(enum gcall_op op, u32 intid, u32 arg)
{
	for (int i = 0; i < ngcalls; i++)
		if (gcalls[i].op == op && gcalls[i].intid == intid && gcalls[i].arg == arg)
			return i;
	return -1;
}

static void g_set_enable(u32 intid, bool en) { record(G_ENABLE, intid, en); }
static void g_set_route(u32 intid, u32 pcpu) { record(G_ROUTE, intid, pcpu); }
static void g_set_edge(u32 intid, bool edge) { record(G_EDGE, intid, edge); }
static void g_set_priority(u32 intid, u8 prio) { record(G_PRIO, intid, prio); }
static void g_set_pending(u32 intid, bool p) { record(G_PENDING, intid, p); fake_phys_pending[intid] = p; }
static void g_set_active(u32 intid, bool a) { record(G_ACTIVE, intid, a); }
static void g_deactivate(u32 intid) { record(G_DEACT, intid, 0); }
static bool g_is_pending(u32 intid) { return fake_phys_pending[intid]; }
static bool g_is_active(u32 intid) { (void)intid; return false; }

static struct gic_ops fake_gic_ops = {
	.name = "fake",
	.deactivate = g_deactivate,
	.set_enable = g_set_enable,
	.set_route = g_set_route,
	.set_edge = g_set_edge,
	.set_priority = g_set_priority,
	.set_pending = g_set_pending,
	.set_active = g_set_active,
	.is_pending = g_is_pending,
	.is_active = g_is_active,
	.nr_irqs = 288,  /* QEMU virt: 256 SPIs */
};

static void f_read_lr(u32 n, struct vgic_lr *lr) { *lr = fake_lr[n]; }
static void f_write_lr(u32 n, const struct vgic_lr *lr) { fake_lr[n] = *lr; }
static void f_clear_lr(u32 n) { memset(&fake_lr[n], 0, sizeof(fake_lr[n])); }
static void f_set_underflow(bool on) { fake_underflow = on; fake_underflow_writes++; }
static void f_save(struct vgic_cpu *c) { (void)c; }
static void f_restore(const struct vgic_cpu *c) { (void)c; }

static struct vgic_ops fake_ops_rw = {
	.name = "fake",
	.read_lr = f_read_lr,
	.write_lr = f_write_lr,
	.clear_lr = f_clear_lr,
	.set_underflow = f_set_underflow,
	.save = f_save,
	.restore = f_restore,
};


/* The core's side. */
int mmio_register(struct vm *vm, u64 base, u64 size, mmio_handler_t handler, void *priv,
		  bool overlay)
{
	(void)vm;
	(void)overlay;
	if (nr_fake_regions == (int)ARRAY_SIZE(fake_regions))
		return -1;
	fake_regions[nr_fake_regions++] = (struct mmio_region){ base, size, handler, priv, overlay };
	return 0;
}

void vcpu_kick(struct vcpu *v) { kicked |= 1U << v->id; }

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] && (vm->vcpus[i]->vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return vm->vcpus[i];
	return NULL;
}

void *mem_zalloc(u64 size) { return calloc(1, size); }

void log_printf(const char *fmt, ...)
{
	va_list ap;

	if (!getenv("VGIC_TEST_VERBOSE"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void fake_reset(void)
{
	ngcalls = 0;
	kicked = 0;
	nr_fake_regions = 0;
	fake_underflow = false;
	fake_underflow_writes = 0;
	memset(fake_lr, 0, sizeof(fake_lr));
	memset(fake_phys_pending, 0, sizeof(fake_phys_pending));
	shim_pcpu = (struct pcpu){ 0 };
}

struct vm *fake_vm(u32 version, u32 nr, const u64 *mpidr)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	fake_reset();
	gic = &fake_gic_ops;
	fake_ops_rw.version = version;
	vgic_hw = &fake_ops_rw;
	vgic_nr_lrs = 4;
	vm->id = 1;
	vm->nr_vcpus = nr;
	for (u32 i = 0; i < nr; i++) {
		struct vcpu *v = calloc(1, sizeof(*v));

		v->vm = vm;
		v->id = i;
		v->pcpu = i;
		v->vmpidr = mpidr ? mpidr[i] : i;
		vm->vcpus[i] = v;
	}
	if (vgic_vm_init(vm, 0x08000000, version == 3 ? 0x080a0000 : 0x08010000) < 0)
		abort();
	for (u32 i = 0; i < nr; i++)
		vgic_vcpu_init(vm->vcpus[i]);
	ngcalls = 0;
	return vm;
}

void mem_free_pages(void *p, u64 nr)
{
	(void)nr;
	free(p);
}
