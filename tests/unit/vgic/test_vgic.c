/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host tests of the vGIC's pure logic: the hypervisor's own vgic*.c built
 * against shim headers, with fake list registers and a fake physical GIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/pcpu.h>

#include "fakes.h"

static struct vm *vm;

/* Access the GICD (region 0) or GICR (region 1) as vCPU `who`. */
static u64 rd(int region, struct vcpu *who, u64 off, u32 size)
{
	struct mmio_access a = { .addr = fake_regions[region].base + off, .offset = off,
				 .size = size, .write = false, .data = 0xdeadbeefdeadbeefULL };

	assert_int_equal(fake_regions[region].handler(who, &a, fake_regions[region].priv), 0);
	return a.data;
}

static void wr(int region, struct vcpu *who, u64 off, u32 size, u64 val)
{
	struct mmio_access a = { .addr = fake_regions[region].base + off, .offset = off,
				 .size = size, .write = true, .data = val };

	assert_int_equal(fake_regions[region].handler(who, &a, fake_regions[region].priv), 0);
}

#define V0 (vm->vcpus[0])
#define D 0  /* GICD region */
#define R 1  /* GICR region */

static struct vgic_irq *spi(u32 intid) { return &vm->vgic.spis[intid - 32]; }

/* Guest boilerplate: enable both groups, enable and set priority of one SPI. */
static void enable_spi(u32 intid, u8 prio)
{
	wr(D, V0, GICD_IPRIORITYR + intid, 1, prio);
	wr(D, V0, GICD_ISENABLER + 4 * (intid / 32), 4, 1U << (intid % 32));
}

static void free_vm(void)
{
	if (!vm)
		return;
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		free(vm->vcpus[i]);
	free(vm->vgic.spis);
	free(vm);
	vm = NULL;
}

static int teardown(void **state)
{
	(void)state;
	free_vm();
	return 0;
}

static struct vm *new_vm(u32 version, u32 nr, const u64 *mpidr)
{
	free_vm();
	return fake_vm(version, nr, mpidr);
}

static int setup_v3(void **state)
{
	(void)state;
	vm = new_vm(3, 4, NULL);
	wr(D, V0, GICD_CTLR, 4, GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	kicked = 0;
	return 0;
}

static int setup_v2(void **state)
{
	(void)state;
	vm = new_vm(2, 4, NULL);
	wr(D, V0, GICD_CTLR, 4, GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	kicked = 0;
	return 0;
}

/* ---- identification registers ---- */

static void test_v3_id_regs(void **state)
{
	u64 typer = rd(D, V0, GICD_TYPER, 4);

	(void)state;
	assert_int_equal(nr_fake_regions, 2);
	assert_int_equal(fake_regions[1].size, 4 * GICR_STRIDE);
	assert_int_equal(typer & 0x1f, 288 / 32 - 1);
	assert_int_equal((typer >> 19) & 0x1f, 9);   /* IDbits: 10-bit INTIDs */
	assert_int_equal(typer & BIT(17), 0);        /* no LPIs */
	assert_int_equal(rd(D, V0, GICD_PIDR2_V3, 4) >> 4 & 0xf, 3);
	assert_int_equal(rd(D, V0, GICD_CTLR, 4),
			 GICD_CTLR_ARE | GICD_CTLR_DS | GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	wr(D, V0, GICD_CTLR, 4, 0);
	assert_int_equal(rd(D, V0, GICD_CTLR, 4), GICD_CTLR_ARE | GICD_CTLR_DS);
	assert_int_equal(rd(D, V0, GICD_TYPER2, 4), 0);
	assert_int_equal(rd(D, V0, GICD_IIDR, 4), VGIC_IIDR);
}

static void test_v2_id_regs(void **state)
{
	u64 typer = rd(D, V0, GICD_TYPER, 4);

	(void)state;
	assert_int_equal(nr_fake_regions, 1);  /* GICC is a stage-2 mapping, no trap */
	assert_int_equal(typer & 0x1f, 8);
	assert_int_equal((typer >> 5) & 7, 3);  /* four CPU interfaces */
	assert_int_equal(rd(D, V0, GICD_PIDR2_V2, 4) >> 4 & 0xf, 2);
	assert_int_equal(rd(D, V0, GICD_CTLR, 4), 3);
	/* GICv3-only registers are not there on v2 */
	assert_int_equal(rd(D, V0, GICD_IROUTER + 8 * 40, 8), 0);
}

/* ---- per-INTID registers ---- */

static void test_enable_pending_active(void **state)
{
	(void)state;
	wr(D, V0, GICD_ISENABLER + 4, 4, BIT(8) | BIT(9));  /* INTIDs 40, 41 */
	assert_true(spi(40)->enabled && spi(41)->enabled);
	assert_int_equal(rd(D, V0, GICD_ISENABLER + 4, 4), BIT(8) | BIT(9));
	assert_int_equal(rd(D, V0, GICD_ICENABLER + 4, 4), BIT(8) | BIT(9));
	/* zeros written to a set/clear register change nothing */
	wr(D, V0, GICD_ICENABLER + 4, 4, BIT(9));
	assert_true(spi(40)->enabled);
	assert_false(spi(41)->enabled);

	wr(D, V0, GICD_ISPENDR + 4, 4, BIT(10));
	assert_true(spi(42)->pending);
	assert_int_equal(rd(D, V0, GICD_ICPENDR + 4, 4), BIT(10));
	wr(D, V0, GICD_ICPENDR + 4, 4, BIT(10));
	assert_false(spi(42)->pending);

	wr(D, V0, GICD_ISACTIVER + 4, 4, BIT(11));
	assert_true(spi(43)->active);
	assert_int_equal(rd(D, V0, GICD_ISACTIVER + 4, 4), BIT(11));
	wr(D, V0, GICD_ICACTIVER + 4, 4, BIT(11));
	assert_false(spi(43)->active);

	wr(D, V0, GICD_IGROUPR + 4, 4, 0xffffffff);
	assert_true(spi(63)->group1);
	assert_int_equal(rd(D, V0, GICD_IGROUPR + 4, 4), 0xffffffff);
	/* nothing was forwarded, so the physical GIC was left alone */
	assert_int_equal(ngcalls, 0);
}

static void test_pending_enabled_kicks_target(void **state)
{
	(void)state;
	wr(D, V0, GICD_IROUTER + 8 * 50, 8, 2);  /* to vCPU 2 (MPIDR 2) */
	wr(D, V0, GICD_ISPENDR + 4, 4, BIT(18));
	assert_int_equal(kicked, 0);  /* disabled: nothing to deliver yet */
	wr(D, V0, GICD_ISENABLER + 4, 4, BIT(18));
	assert_int_equal(kicked, BIT(2));
}

static void test_priority_byte_access(void **state)
{
	(void)state;
	wr(D, V0, GICD_IPRIORITYR + 41, 1, 0x80);
	assert_int_equal(spi(41)->priority, 0x80);
	assert_int_equal(rd(D, V0, GICD_IPRIORITYR + 40, 4), 0x8000);
	assert_int_equal(rd(D, V0, GICD_IPRIORITYR + 41, 1), 0x80);
	wr(D, V0, GICD_IPRIORITYR + 44, 4, 0x10203040);
	assert_int_equal(spi(44)->priority, 0x40);
	assert_int_equal(spi(47)->priority, 0x10);
	/* five priority bits: the low three read as zero */
	wr(D, V0, GICD_IPRIORITYR + 48, 1, 0xff);
	assert_int_equal(rd(D, V0, GICD_IPRIORITYR + 48, 1), 0xf8);
	/* halfword access is not allowed: RAZ/WI */
	wr(D, V0, GICD_IPRIORITYR + 50, 2, 0x4040);
	assert_int_equal(spi(50)->priority, 0);
	assert_int_equal(rd(D, V0, GICD_IPRIORITYR + 48, 2), 0);
}

static void test_config(void **state)
{
	(void)state;
	/* ICFGR2 covers INTIDs 32..47: make 33 edge */
	wr(D, V0, GICD_ICFGR + 8, 4, 0x2 << 2);
	assert_true(spi(33)->edge);
	assert_false(spi(32)->edge);
	assert_int_equal(rd(D, V0, GICD_ICFGR + 8, 4), 0x2 << 2);
	/* SGIs are edge and stay edge (GICR SGI frame ICFGR0) */
	wr(R, V0, GICR_SGI_BASE + GICD_ICFGR, 4, 0);
	assert_true(V0->vgic.private_irqs[3].edge);
	assert_int_equal(rd(R, V0, GICR_SGI_BASE + GICD_ICFGR, 4), 0xaaaaaaaa);
}

static void test_irouter(void **state)
{
	static const u64 mpidr[4] = { 0x0, 0x1, 0x100, 0x100000101ULL };

	(void)state;
	vm = new_vm(3, 4, mpidr);
	wr(D, V0, GICD_IROUTER + 8 * 40, 8, 0x100);
	assert_int_equal(spi(40)->target_vcpu, 2);
	assert_int_equal(rd(D, V0, GICD_IROUTER + 8 * 40, 8), 0x100);
	/* 32-bit halves: Aff3 lives in the upper word */
	wr(D, V0, GICD_IROUTER + 8 * 41, 4, 0x101);
	wr(D, V0, GICD_IROUTER + 8 * 41 + 4, 4, 0x1);
	assert_int_equal(spi(41)->target_vcpu, 3);
	assert_int_equal(rd(D, V0, GICD_IROUTER + 8 * 41 + 4, 4), 1);
	/* an affinity no vCPU has: not delivered anywhere */
	wr(D, V0, GICD_IROUTER + 8 * 42, 8, 0x5);
	assert_int_equal(spi(42)->target_vcpu, VGIC_NO_TARGET);
	/* reserved bits are dropped */
	wr(D, V0, GICD_IROUTER + 8 * 43, 8, 0xff00000000000001ULL);
	assert_int_equal(rd(D, V0, GICD_IROUTER + 8 * 43, 8), 1);
	/* IROUTER0..31 do not exist */
	wr(D, V0, GICD_IROUTER + 8 * 5, 8, 1);
	assert_int_equal(rd(D, V0, GICD_IROUTER + 8 * 5, 8), 0);
}

static void test_itargetsr(void **state)
{
	(void)state;
	/* SGIs/PPIs read as the accessing CPU interface */
	assert_int_equal(rd(D, vm->vcpus[2], GICD_ITARGETSR, 4), 0x04040404);
	wr(D, V0, GICD_ITARGETSR + 40, 1, 0x4);
	assert_int_equal(spi(40)->target_vcpu, 2);
	assert_int_equal(rd(D, V0, GICD_ITARGETSR + 40, 1), 0x04);
	assert_int_equal(rd(D, V0, GICD_ITARGETSR + 40, 4), 0x01010104);  /* 41..43: reset to CPU 0 */
	/* word write: four SPIs at once; CPU interfaces 4..7 do not exist */
	wr(D, V0, GICD_ITARGETSR + 44, 4, 0xf0080201);
	assert_int_equal(spi(44)->target_vcpu, 0);
	assert_int_equal(spi(45)->target_vcpu, 1);
	assert_int_equal(spi(46)->target_vcpu, 3);
	assert_int_equal(spi(47)->target_vcpu, VGIC_NO_TARGET);
	assert_int_equal(rd(D, V0, GICD_ITARGETSR + 44, 4), 0x00080201);
	/* writes to the read-only private bytes are ignored */
	wr(D, V0, GICD_ITARGETSR + 20, 1, 0xf);
	assert_int_equal(rd(D, V0, GICD_ITARGETSR + 20, 1), 0x1);
}

static void test_v3_gicd_private_is_raz(void **state)
{
	(void)state;
	/* with affinity routing, INTIDs 0..31 belong to the redistributors */
	wr(D, V0, GICD_ISENABLER, 4, 0xffffffff);
	assert_false(V0->vgic.private_irqs[27].enabled);
	assert_int_equal(rd(D, V0, GICD_ISENABLER, 4), 0);
	/* the redistributor of vCPU 1, reached from vCPU 0 */
	wr(R, V0, GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(27));
	assert_true(vm->vcpus[1]->vgic.private_irqs[27].enabled);
	assert_false(V0->vgic.private_irqs[27].enabled);
	wr(R, V0, GICR_STRIDE + GICR_SGI_BASE + GICD_IPRIORITYR + 27, 1, 0xa0);
	assert_int_equal(vm->vcpus[1]->vgic.private_irqs[27].priority, 0xa0);
}

static void test_redist_frames(void **state)
{
	static const u64 mpidr[4] = { 0x0, 0x1, 0x100, 0x100000101ULL };
	u64 t;

	(void)state;
	vm = new_vm(3, 4, mpidr);
	t = rd(R, V0, 3 * GICR_STRIDE + GICR_TYPER, 8);
	assert_int_equal(t >> 32, 0x01000101);          /* Aff3.Aff2.Aff1.Aff0 */
	assert_int_equal((t >> 8) & 0xffff, 3);         /* processor number */
	assert_true(t & GICR_TYPER_LAST);
	assert_false(rd(R, V0, 2 * GICR_STRIDE + GICR_TYPER, 8) & GICR_TYPER_LAST);
	assert_int_equal(rd(R, V0, 3 * GICR_STRIDE + GICR_TYPER + 4, 4), 0x01000101);
	assert_int_equal(rd(R, V0, GICR_PIDR2, 4) >> 4 & 0xf, 3);
	/* wake-up handshake */
	assert_int_equal(rd(R, V0, GICR_WAKER, 4), 6);
	wr(R, V0, GICR_WAKER, 4, 0);
	assert_int_equal(rd(R, V0, GICR_WAKER, 4), 0);
	/* beyond the last vCPU: harmless */
	assert_int_equal(rd(R, V0, 4 * GICR_STRIDE + GICR_TYPER, 8), 0);
}

static void test_bad_accesses(void **state)
{
	struct vgic_irq before = *spi(40);

	(void)state;
	/* misaligned, wrong width, unknown offset, past the last INTID */
	wr(D, V0, GICD_ISENABLER + 5, 4, 0xffffffff);
	wr(D, V0, GICD_ISENABLER + 4, 2, 0xffff);
	wr(D, V0, GICD_ISENABLER + 4, 1, 0xff);
	wr(D, V0, GICD_ISENABLER + 4, 8, ~0ULL);
	wr(D, V0, GICD_ISENABLER + 4, 3, 0xff);
	wr(D, V0, 0x5000, 4, 0xffffffff);
	wr(D, V0, 0xfffc, 4, 0xffffffff);
	wr(D, V0, GICD_ISENABLER + 0x7c, 4, 0xffffffff);  /* INTIDs 992.. don't exist */
	wr(D, V0, GICD_IPRIORITYR + 1019, 1, 0x10);
	wr(D, V0, GICD_SGIR, 4, 0x0f0001);              /* v2-only register on v3 */
	assert_memory_equal(&before, spi(40), sizeof(before));
	assert_int_equal(rd(D, V0, 0x5000, 4), 0);
	assert_int_equal(rd(D, V0, GICD_ISENABLER + 6, 2), 0);
	assert_int_equal(rd(D, V0, GICD_ISENABLER + 0x7c, 4), 0);
	assert_int_equal(rd(D, V0, GICD_IPRIORITYR + 1016, 4), 0);
	for (u32 i = 0; i < 32; i++)
		assert_false(V0->vgic.private_irqs[i].pending);
	assert_int_equal(kicked, 0);
}

/* ---- SGIs ---- */

static void test_v3_sgi_targets(void **state)
{
	static const u64 mpidr[4] = { 0x0, 0x1, 0x100, 0x111 };
	u64 v;

	(void)state;
	vm = new_vm(3, 4, mpidr);
	wr(D, V0, GICD_CTLR, 4, 3);
	for (u32 i = 0; i < 4; i++)
		wr(R, V0, i * GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, 0xffff);
	kicked = 0;

	/* Aff1 = 1, TargetList bit 0 -> MPIDR 0x100 = vCPU 2 */
	v = (1ULL << ICC_SGI1R_AFF1_SHIFT) | (5ULL << ICC_SGI1R_INTID_SHIFT) | BIT(0);
	assert_int_equal(vgic_sysreg(V0, SYS_KEY(3, 0, 12, 11, 5), false, &v), 0);
	assert_true(vm->vcpus[2]->vgic.private_irqs[5].pending);
	assert_false(vm->vcpus[0]->vgic.private_irqs[5].pending);
	assert_int_equal(kicked, BIT(2));

	/* RS = 1, bit 1 -> Aff0 = 17 = 0x11 in cluster 1 -> vCPU 3 */
	kicked = 0;
	v = (1ULL << ICC_SGI1R_AFF1_SHIFT) | (1ULL << ICC_SGI1R_RS_SHIFT) |
	    (6ULL << ICC_SGI1R_INTID_SHIFT) | BIT(1);
	assert_int_equal(vgic_sysreg(V0, SYS_KEY(3, 0, 12, 11, 5), false, &v), 0);
	assert_true(vm->vcpus[3]->vgic.private_irqs[6].pending);
	assert_int_equal(kicked, BIT(3));

	/* two targets in cluster 0 */
	v = (7ULL << ICC_SGI1R_INTID_SHIFT) | BIT(0) | BIT(1);
	assert_int_equal(vgic_sysreg(vm->vcpus[2], SYS_KEY(3, 0, 12, 11, 5), false, &v), 0);
	assert_true(vm->vcpus[0]->vgic.private_irqs[7].pending);
	assert_true(vm->vcpus[1]->vgic.private_irqs[7].pending);
	assert_false(vm->vcpus[2]->vgic.private_irqs[7].pending);

	/* IRM: everyone but the sender */
	kicked = 0;
	v = ICC_SGI1R_IRM | (9ULL << ICC_SGI1R_INTID_SHIFT);
	assert_int_equal(vgic_sysreg(vm->vcpus[1], SYS_KEY(3, 0, 12, 11, 5), false, &v), 0);
	assert_false(vm->vcpus[1]->vgic.private_irqs[9].pending);
	for (u32 i = 0; i < 4; i++)
		if (i != 1)
			assert_true(vm->vcpus[i]->vgic.private_irqs[9].pending);
	assert_int_equal(kicked, BIT(0) | BIT(2) | BIT(3));  /* never the sender */

	/* reads of the write-only register, and registers it does not own */
	assert_int_equal(vgic_sysreg(V0, SYS_KEY(3, 0, 12, 11, 5), true, &v), -EINVAL);
	assert_int_equal(vgic_sysreg(V0, SYS_KEY(3, 0, 12, 12, 0), false, &v), -ENOENT);
}

static void test_v2_sgir(void **state)
{
	struct vcpu *v1 = vm->vcpus[1];

	(void)state;
	wr(D, v1, GICD_ISENABLER, 4, 0xffff);
	wr(D, vm->vcpus[3], GICD_ISENABLER, 4, 0xffff);
	/* list filter: from vCPU 1 to interfaces 0 and 3 */
	wr(D, v1, GICD_SGIR, 4, (0x9 << 16) | 4);
	assert_int_equal(V0->vgic.private_irqs[4].sgi_source, BIT(1));
	assert_int_equal(vm->vcpus[3]->vgic.private_irqs[4].sgi_source, BIT(1));
	assert_int_equal(vm->vcpus[2]->vgic.private_irqs[4].sgi_source, 0);
	/* SPENDSGIR reads per source, as seen by the target */
	assert_int_equal(rd(D, vm->vcpus[3], GICD_SPENDSGIR + 4, 1), 0x2);
	/* "all but self" from vCPU 3 */
	wr(D, vm->vcpus[3], GICD_SGIR, 4, (1 << 24) | 2);
	assert_int_equal(V0->vgic.private_irqs[2].sgi_source, BIT(3));
	assert_int_equal(vm->vcpus[3]->vgic.private_irqs[2].sgi_source, 0);
	/* "self" */
	wr(D, v1, GICD_SGIR, 4, (2 << 24) | 3);
	assert_int_equal(v1->vgic.private_irqs[3].sgi_source, BIT(1));
	/* CPENDSGIR clears one source */
	wr(D, V0, GICD_CPENDSGIR, 4, 0x02 << 16);  /* SGI 2, source 1: not set */
	wr(D, V0, GICD_CPENDSGIR + 4, 1, 0x02);    /* SGI 4, source 1 */
	assert_int_equal(V0->vgic.private_irqs[4].sgi_source, 0);
	assert_int_equal(V0->vgic.private_irqs[2].sgi_source, BIT(3));
}

static void test_v2_sgi_sources_in_lrs(void **state)
{
	(void)state;
	wr(D, V0, GICD_ISENABLER, 4, 0xffff);
	wr(D, vm->vcpus[1], GICD_SGIR, 4, (0x1 << 16) | 5);
	wr(D, vm->vcpus[2], GICD_SGIR, 4, (0x1 << 16) | 5);
	vgic_flush(V0);
	/* one source per list register; the other waits, with a way back */
	assert_int_equal(V0->vgic.used_lrs, 1);
	assert_int_equal(fake_lr[0].vintid, 5);
	assert_int_equal(fake_lr[0].pintid, 1);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING);
	assert_true(fake_lr[0].eoi || fake_underflow);
	/* the guest handled it */
	fake_lr[0].state = 0;
	vgic_sync(V0);
	vgic_flush(V0);
	assert_int_equal(fake_lr[0].vintid, 5);
	assert_int_equal(fake_lr[0].pintid, 2);
	fake_lr[0].state = 0;
	vgic_sync(V0);
	assert_false(vgic_has_pending(V0));
}

/* ---- list registers ---- */

static void test_flush_priority_order(void **state)
{
	static const u8 prio[6] = { 0xa0, 0x20, 0x80, 0x20, 0xf0, 0x40 };

	(void)state;
	wr(D, V0, GICD_ICFGR + 8, 4, 0xffffffff);  /* 32..47 edge */
	for (u32 i = 0; i < 6; i++) {
		enable_spi(40 + i, prio[i]);
		assert_int_equal(vgic_inject(vm, 0, 40 + i, true), 0);
	}
	/* equal priorities: lower INTID first */
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 4);
	assert_int_equal(fake_lr[0].vintid, 41);
	assert_int_equal(fake_lr[1].vintid, 43);
	assert_int_equal(fake_lr[2].vintid, 45);
	assert_int_equal(fake_lr[3].vintid, 42);
	for (u32 i = 0; i < 4; i++) {
		assert_int_equal(fake_lr[i].state, VGIC_LR_PENDING);
		assert_false(fake_lr[i].hw);
		assert_true(spi(fake_lr[i].vintid)->in_lr);
	}
	assert_int_equal(fake_lr[0].priority, 0x20);
	assert_true(fake_underflow);  /* 40 and 44 are still waiting */

	/* the guest took and finished three of them, one is still pending */
	fake_lr[0].state = fake_lr[1].state = fake_lr[2].state = 0;
	vgic_sync(V0);
	assert_false(fake_underflow);
	assert_int_equal(V0->vgic.used_lrs, 0);
	assert_false(spi(41)->pending || spi(41)->in_lr);
	assert_true(spi(42)->pending);
	for (u32 i = 0; i < 4; i++)
		assert_int_equal(fake_lr[i].state, 0);  /* emptied */

	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 3);
	assert_int_equal(fake_lr[0].vintid, 42);
	assert_int_equal(fake_lr[1].vintid, 40);
	assert_int_equal(fake_lr[2].vintid, 44);
	assert_false(fake_underflow);
}

/* The underflow request costs a hardware access (an emulator's big lock):
 * made only when it changes, and again after a load rewrote the register. */
static void test_underflow_written_on_change_only(void **state)
{
	(void)state;
	V0->vgic.nr_lrs = 1;
	vgic_flush(V0);  /* nothing pending: exits that touch no interrupt */
	vgic_flush(V0);
	assert_int_equal(fake_underflow_writes, 0);
	wr(D, V0, GICD_ICFGR + 8, 4, 0xffffffff);  /* 32..47 edge */
	enable_spi(40, 0x80);
	enable_spi(41, 0x80);
	vgic_inject(vm, 0, 40, true);
	vgic_inject(vm, 0, 41, true);
	vgic_flush(V0);
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_true(fake_underflow);  /* 41 waits */
	assert_int_equal(fake_underflow_writes, 1);
	/* the guest handled 40: the exit takes the list register back and
	 * puts 41 in; nothing waits any more */
	fake_lr[0].state = 0;
	vgic_sync(V0);
	vgic_flush(V0);
	assert_int_equal(fake_lr[0].vintid, 41);
	assert_false(fake_underflow);
	assert_int_equal(fake_underflow_writes, 2);
	vgic_flush(V0);  /* 41 still in: underflow stays off, untouched */
	assert_int_equal(fake_underflow_writes, 2);
	/* descheduled and loaded again: restore wrote the register without
	 * UIE, so a flush that needs it writes it */
	fake_lr[0].state = 0;
	vgic_sync(V0);
	vgic_inject(vm, 0, 40, true);
	vgic_inject(vm, 0, 41, true);
	vgic_flush(V0);
	assert_true(fake_underflow);
	vgic_restore(V0);
	fake_underflow = false;
	fake_underflow_writes = 0;
	vgic_flush(V0);
	assert_true(fake_underflow);
	assert_true(fake_underflow_writes >= 1);
}

static void test_active_first_and_pending_again(void **state)
{
	(void)state;
	wr(D, V0, GICD_ICFGR + 8, 4, 0xffffffff);  /* 32..47 edge */
	enable_spi(40, 0xf0);
	enable_spi(41, 0x10);
	vgic_inject(vm, 0, 40, true);
	vgic_flush(V0);
	/* guest acknowledged 40: active */
	fake_lr[0].state = VGIC_LR_ACTIVE;
	vgic_sync(V0);
	assert_true(spi(40)->active);
	assert_false(spi(40)->pending);
	/* another edge on 40 meanwhile, and a higher-priority 41 */
	vgic_inject(vm, 0, 40, true);
	vgic_inject(vm, 0, 41, true);
	V0->vgic.nr_lrs = 1;
	vgic_flush(V0);
	/* the active one keeps its list register, now pending and active */
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING | VGIC_LR_ACTIVE);
	assert_true(fake_underflow);
}

static void test_not_delivered_when_disabled(void **state)
{
	(void)state;
	wr(D, V0, GICD_IPRIORITYR + 40, 1, 0x80);
	vgic_inject(vm, 0, 40, true);
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 0);       /* not enabled */
	assert_false(vgic_has_pending(V0));
	wr(D, V0, GICD_ISENABLER + 4, 4, BIT(8));
	wr(D, V0, GICD_CTLR, 4, GICD_CTLR_ENABLE_G1);  /* group 0 off, 40 is group 0 */
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 0);
	wr(D, V0, GICD_IGROUPR + 4, 4, BIT(8));
	assert_true(vgic_has_pending(V0));
	assert_false(vgic_has_pending(vm->vcpus[1]));  /* routed to vCPU 0 */
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 1);
	assert_true(fake_lr[0].group1);
}

static void test_level_virtual_irq(void **state)
{
	(void)state;
	enable_spi(50, 0x80);  /* level (ICFGR reset) */
	assert_int_equal(vgic_inject(vm, 0, 50, true), 0);
	vgic_flush(V0);
	assert_int_equal(fake_lr[0].vintid, 50);
	assert_true(fake_lr[0].eoi);  /* we want to hear when the guest is done */
	/* guest acked and EOId while the line stays high: pending again */
	fake_lr[0].state = 0;
	vgic_sync(V0);
	assert_true(vgic_has_pending(V0));
	vgic_flush(V0);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING);
	/* device lowers the line before the guest took it: withdrawn */
	vgic_inject(vm, 0, 50, false);
	vgic_sync(V0);
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 0);
}

static void test_flush_twice_without_exit(void **state)
{
	(void)state;
	enable_spi(40, 0x80);
	vgic_inject(vm, 0, 40, true);
	vgic_flush(V0);
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 1);
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_int_equal(fake_lr[1].state, 0);
}

/* ---- forwarded (HW) interrupts ---- */

static void test_hw_spi_mirrors(void **state)
{
	(void)state;
	assert_int_equal(vgic_assign_hw(vm, 48), 0);
	assert_true(find_gcall(G_ENABLE, 48, 0) >= 0);  /* off until the guest enables */
	assert_true(find_gcall(G_ROUTE, 48, 0) >= 0);
	ngcalls = 0;

	enable_spi(48, 0x80);
	assert_true(find_gcall(G_ENABLE, 48, 1) >= 0);
	wr(D, V0, GICD_IROUTER + 8 * 48, 8, 3);
	assert_true(find_gcall(G_ROUTE, 48, 3) >= 0);  /* vCPU 3 runs on pCPU 3 */
	wr(D, V0, GICD_ICFGR + 12, 4, 0x2);
	assert_true(find_gcall(G_EDGE, 48, 1) >= 0);
	wr(D, V0, GICD_ICENABLER + 4, 4, BIT(16));
	assert_true(find_gcall(G_ENABLE, 48, 0) >= 0);
	wr(D, V0, GICD_ISENABLER + 4, 4, BIT(16));

	/* the guest's ISPENDR goes to the physical GIC, not the virtual state */
	wr(D, V0, GICD_ISPENDR + 4, 4, BIT(16));
	assert_true(find_gcall(G_PENDING, 48, 1) >= 0);
	assert_false(spi(48)->pending);
	assert_int_equal(rd(D, V0, GICD_ISPENDR + 4, 4), BIT(16));  /* physical view */
	fake_phys_pending[48] = false;

	/* it fires: forwarded with HW = 1 to vCPU 3 */
	kicked = 0;
	vgic_forward_phys(vm, 48);
	assert_int_equal(kicked, BIT(3));
	shim_pcpu.id = 3;
	vgic_flush(vm->vcpus[3]);
	assert_true(fake_lr[0].hw);
	assert_int_equal(fake_lr[0].pintid, 48);
	assert_int_equal(fake_lr[0].vintid, 48);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING);
	assert_false(fake_lr[0].eoi);
	/* a HW list register is never pending and active at once */
	fake_lr[0].state = VGIC_LR_ACTIVE;
	vgic_sync(vm->vcpus[3]);
	spi(48)->pending = 1;
	vgic_flush(vm->vcpus[3]);
	assert_int_equal(fake_lr[0].state, VGIC_LR_ACTIVE);
	fake_lr[0].state = 0;  /* guest deactivated: hardware deactivates the physical one */
	vgic_sync(vm->vcpus[3]);
	assert_false(spi(48)->active);

	/* software may not inject a forwarded interrupt */
	assert_int_equal(vgic_inject(vm, 0, 48, true), -EINVAL);
}

static void test_hw_cpending_deactivates(void **state)
{
	(void)state;
	vgic_assign_hw(vm, 40);
	enable_spi(40, 0x80);
	vgic_forward_phys(vm, 40);
	ngcalls = 0;
	/* the guest discards it before taking it: nobody would deactivate it */
	wr(D, V0, GICD_ICPENDR + 4, 4, BIT(8));
	assert_false(spi(40)->pending);
	assert_true(find_gcall(G_PENDING, 40, 0) >= 0);
	assert_true(find_gcall(G_ACTIVE, 40, 0) >= 0);
}

/* vCPU v is the one loaded on pCPU pcpu, where the test now runs. */
static void run_on(u32 pcpu, struct vcpu *v)
{
	if (shim_pcpu.current)
		shim_pcpu.current->loaded = false;
	shim_pcpu.id = pcpu;
	shim_pcpu.current = v;
	v->loaded = true;
}

static void test_hw_ppi(void **state)
{
	struct vcpu *v1 = vm->vcpus[1];

	(void)state;
	assert_int_equal(vgic_assign_hw(vm, 16 - 1), -EINVAL);  /* SGI */
	assert_int_equal(vgic_assign_hw(vm, 27), 0);
	assert_true(V0->vgic.private_irqs[27].hw && v1->vgic.private_irqs[27].hw);

	/* vCPU 1's redistributor written while vCPU 0 runs on pCPU 0: deferred */
	run_on(0, V0);
	ngcalls = 0;
	wr(R, V0, GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(27));
	assert_int_equal(find_gcall(G_ENABLE, 27, 1), -1);
	run_on(1, v1);
	vgic_flush(v1);
	assert_true(find_gcall(G_ENABLE, 27, 1) >= 0);
	assert_int_equal(gcalls[find_gcall(G_ENABLE, 27, 1)].pcpu, 1);

	/* on its own pCPU: at once */
	ngcalls = 0;
	wr(R, v1, GICR_STRIDE + GICR_SGI_BASE + GICD_ICENABLER, 4, BIT(27));
	assert_true(find_gcall(G_ENABLE, 27, 0) >= 0);

	/* the banked physical PPI fired on pCPU 1: it belongs to vCPU 1 */
	wr(R, v1, GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(27));
	wr(R, v1, GICR_STRIDE + GICR_SGI_BASE + GICD_IGROUPR, 4, BIT(27));
	vgic_forward_phys(vm, 27);
	assert_true(v1->vgic.private_irqs[27].pending);
	assert_false(V0->vgic.private_irqs[27].pending);
	vgic_flush(v1);
	assert_true(fake_lr[0].hw);
	assert_int_equal(fake_lr[0].pintid, 27);
}

/* Two vCPUs of a VM placed on one pCPU (or one that moved there): a
 * banked PPI that fires belongs to the one loaded, not to the first placed
 * there; a redistributor access touches the physical PPI only for it. */
static void test_hw_ppi_shared_pcpu(void **state)
{
	struct vcpu *v1 = vm->vcpus[1];

	(void)state;
	assert_int_equal(vgic_assign_hw(vm, 27), 0);
	v1->pcpu = 0;  /* with vCPU 0 */
	run_on(0, v1);
	wr(R, v1, GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(27));
	wr(R, v1, GICR_STRIDE + GICR_SGI_BASE + GICD_IGROUPR, 4, BIT(27));
	wr(R, V0, GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(27));
	wr(R, V0, GICR_SGI_BASE + GICD_IGROUPR, 4, BIT(27));
	vgic_forward_phys(vm, 27);
	assert_true(v1->vgic.private_irqs[27].pending);
	assert_false(V0->vgic.private_irqs[27].pending);
	/* vCPU 0 is placed here but not loaded: its enable waits for its load */
	V0->vgic.ppi_hw_dirty = 0;
	ngcalls = 0;
	wr(R, v1, GICR_SGI_BASE + GICD_ICENABLER, 4, BIT(27));
	assert_int_equal(find_gcall(G_ENABLE, 27, 0), -1);
	assert_true(V0->vgic.ppi_hw_dirty & BIT(27));
}

/* ---- injection API ---- */

static void test_inject_checks(void **state)
{
	(void)state;
	assert_int_equal(vgic_inject(vm, 0, 288, true), -EINVAL);
	assert_int_equal(vgic_inject(vm, 0, 5000, true), -EINVAL);
	assert_int_equal(vgic_inject(vm, 4, 3, true), -EINVAL);   /* no such vCPU */
	/* SPIs ignore vcpu_id and follow routing */
	wr(D, V0, GICD_IROUTER + 8 * 60, 8, 2);
	enable_spi(60, 0x80);
	kicked = 0;
	assert_int_equal(vgic_inject(vm, 0, 60, true), 0);
	assert_int_equal(kicked, BIT(2));
	/* a private interrupt goes to the named vCPU */
	wr(R, V0, GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(3));
	kicked = 0;
	assert_int_equal(vgic_inject(vm, 1, 3, true), 0);
	assert_true(vm->vcpus[1]->vgic.private_irqs[3].pending);
	assert_int_equal(kicked, BIT(1));
}

/* ---- per-vCPU locking ---- */

/* Every vGIC lock of the VM is free (the shim asserts on double locking). */
static void assert_unlocked(void)
{
	assert_int_equal(vm->vgic.lock.next, vm->vgic.lock.owner);
	assert_int_equal(vm->vgic.unrouted_lock.next, vm->vgic.unrouted_lock.owner);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		assert_int_equal(vm->vcpus[i]->vgic.lock.next, vm->vcpus[i]->vgic.lock.owner);
}

/* Route an SPI to vCPU t (MPIDR t / CPU interface t), or nowhere if t < 0. */
static void route_spi(u32 intid, int t)
{
	if (vm->vgic.version == 3)
		wr(D, V0, GICD_IROUTER + 8 * intid, 8, t < 0 ? 0x5 : (u64)t);
	else
		wr(D, V0, GICD_ITARGETSR + intid, 1, t < 0 ? 0 : 1U << t);
}

static void test_spi_state_follows_route(void **state)
{
	struct vcpu *v1 = vm->vcpus[1], *v2 = vm->vcpus[2], *v3 = vm->vcpus[3];

	(void)state;
	wr(D, V0, GICD_ICFGR + 8, 4, 0x2 << 16);  /* 40 edge */
	enable_spi(40, 0x80);
	route_spi(40, 1);
	assert_int_equal(spi(40)->home, 1);

	/* injected from another pCPU: lands with vCPU 1, only vCPU 1 kicked */
	shim_pcpu.id = 3;
	kicked = 0;
	assert_int_equal(vgic_inject(vm, 0, 40, true), 0);
	assert_unlocked();
	assert_int_equal(kicked, BIT(1));
	assert_true(vgic_has_pending(v1));
	assert_false(vgic_has_pending(V0) || vgic_has_pending(v2));

	/* rerouted while pending: the pending state moves with it */
	kicked = 0;
	route_spi(40, 2);
	assert_unlocked();
	assert_int_equal(spi(40)->home, 2);
	assert_int_equal(spi(40)->target_vcpu, 2);
	assert_true(spi(40)->pending);
	assert_int_equal(kicked, BIT(2));
	assert_false(vgic_has_pending(v1));
	assert_true(vgic_has_pending(v2));
	shim_pcpu.id = 1;
	vgic_flush(v1);
	assert_int_equal(v1->vgic.used_lrs, 0);
	shim_pcpu.id = 2;
	vgic_flush(v2);
	assert_int_equal(v2->vgic.used_lrs, 1);
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_true(spi(40)->in_lr);

	/* vCPU 2's guest acknowledges it (active in its list register), then
	 * it is rerouted to vCPU 0 and fires again: it stays with vCPU 2
	 * until vCPU 2 gives its list registers back. */
	fake_lr[0].state = VGIC_LR_ACTIVE;
	shim_pcpu.id = 0;
	kicked = 0;
	route_spi(40, 0);
	assert_unlocked();
	assert_int_equal(spi(40)->target_vcpu, 0);
	assert_int_equal(spi(40)->home, 2);
	assert_int_equal(vgic_inject(vm, 0, 40, true), 0);
	assert_unlocked();
	assert_true(kicked & BIT(2));  /* the old home must let go of it */
	assert_false(vgic_has_pending(V0));
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 0);  /* not its to take yet */

	/* vCPU 2 exits: the active state and the new edge move to vCPU 0 */
	shim_pcpu.id = 2;
	kicked = 0;
	vgic_sync(v2);
	assert_unlocked();
	assert_int_equal(spi(40)->home, 0);
	assert_false(spi(40)->in_lr);
	assert_true(spi(40)->active && spi(40)->pending);
	assert_int_equal(kicked, BIT(0));
	assert_false(vgic_has_pending(v2));
	assert_true(vgic_has_pending(V0));
	shim_pcpu.id = 0;
	vgic_flush(V0);
	assert_int_equal(V0->vgic.used_lrs, 1);
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING | VGIC_LR_ACTIVE);
	fake_lr[0].state = 0;  /* handled both */
	vgic_sync(V0);
	assert_false(spi(40)->active || spi(40)->pending);

	/* routed nowhere: kept pending, nobody takes it, until routed again */
	route_spi(40, -1);
	assert_int_equal(spi(40)->home, VGIC_NO_TARGET);
	kicked = 0;
	assert_int_equal(vgic_inject(vm, 0, 40, true), 0);
	assert_unlocked();
	assert_int_equal(kicked, 0);
	for (u32 i = 0; i < 4; i++)
		assert_false(vgic_has_pending(vm->vcpus[i]));
	assert_true(rd(D, V0, GICD_ISPENDR + 4, 4) & BIT(8));
	route_spi(40, 3);
	assert_unlocked();
	assert_int_equal(spi(40)->home, 3);
	assert_int_equal(kicked, BIT(3));
	shim_pcpu.id = 3;
	vgic_flush(v3);
	assert_int_equal(v3->vgic.used_lrs, 1);
	assert_int_equal(fake_lr[0].vintid, 40);
	assert_int_equal(fake_lr[0].state, VGIC_LR_PENDING);
	fake_lr[0].state = 0;
	vgic_sync(v3);
	assert_unlocked();
}

static void test_cross_vcpu_private(void **state)
{
	struct vcpu *v2 = vm->vcpus[2];

	(void)state;
	/* vCPU 2's PPI 20 and SGI 3, enabled through its own interface */
	if (vm->vgic.version == 3) {
		wr(R, v2, 2 * GICR_STRIDE + GICR_SGI_BASE + GICD_ISENABLER, 4, BIT(20) | BIT(3));
	} else {
		wr(D, v2, GICD_ISENABLER, 4, BIT(20) | BIT(3));
	}
	/* the hypervisor injects from pCPU 0 while vCPU 2 runs on pCPU 2 */
	shim_pcpu.id = 0;
	kicked = 0;
	assert_int_equal(vgic_inject(vm, 2, 20, true), 0);
	assert_unlocked();
	assert_int_equal(kicked, BIT(2));
	assert_true(vgic_has_pending(v2));
	assert_false(vgic_has_pending(V0));
	/* vCPU 0 sends vCPU 2 an SGI */
	kicked = 0;
	if (vm->vgic.version == 3) {
		u64 v = (3ULL << ICC_SGI1R_INTID_SHIFT) | BIT(2);

		assert_int_equal(vgic_sysreg(V0, SYS_KEY(3, 0, 12, 11, 5), false, &v), 0);
	} else {
		wr(D, V0, GICD_SGIR, 4, (0x4 << 16) | 3);
	}
	assert_unlocked();
	assert_int_equal(kicked, BIT(2));
	shim_pcpu.id = 2;
	vgic_flush(v2);
	assert_int_equal(v2->vgic.used_lrs, 2);
	assert_int_equal(fake_lr[0].vintid, 3);
	assert_int_equal(fake_lr[1].vintid, 20);
	fake_lr[0].state = fake_lr[1].state = 0;
	vgic_sync(v2);
	assert_unlocked();
}

static void test_hw_spi_rerouted_in_lr(void **state)
{
	(void)state;
	assert_int_equal(vgic_assign_hw(vm, 48), 0);
	enable_spi(48, 0x80);
	route_spi(48, 1);
	vgic_forward_phys(vm, 48);
	shim_pcpu.id = 1;
	vgic_flush(vm->vcpus[1]);
	assert_true(fake_lr[0].hw && fake_lr[0].vintid == 48);
	fake_lr[0].state = VGIC_LR_ACTIVE;
	/* the guest moves it while handling it: the physical one follows at
	 * once, the virtual state when vCPU 1 syncs */
	ngcalls = 0;
	route_spi(48, 3);
	assert_true(find_gcall(G_ROUTE, 48, 3) >= 0);
	assert_int_equal(spi(48)->home, 1);
	vgic_sync(vm->vcpus[1]);
	assert_int_equal(spi(48)->home, 3);
	assert_true(spi(48)->active);
	shim_pcpu.id = 3;
	vgic_flush(vm->vcpus[3]);
	assert_true(fake_lr[0].hw);
	assert_int_equal(fake_lr[0].state, VGIC_LR_ACTIVE);
	fake_lr[0].state = 0;
	vgic_sync(vm->vcpus[3]);
	assert_false(spi(48)->active);
	assert_unlocked();
}

/* ---- reset ---- */

static void test_vm_reset(void **state)
{
	(void)state;
	vgic_assign_hw(vm, 40);
	vgic_assign_hw(vm, 27);
	enable_spi(40, 0x80);
	enable_spi(41, 0x80);
	wr(D, V0, GICD_IROUTER + 8 * 41, 8, 1);
	vgic_forward_phys(vm, 40);
	vgic_inject(vm, 0, 41, true);
	vgic_flush(V0);
	assert_int_equal(vgic_vm_reset(vm), -EBUSY);  /* list registers loaded */
	vgic_save(V0);
	ngcalls = 0;
	assert_int_equal(vgic_vm_reset(vm), 0);
	assert_true(find_gcall(G_ENABLE, 40, 0) >= 0);
	assert_true(find_gcall(G_ACTIVE, 40, 0) >= 0);  /* the guest never finished it */
	assert_true(spi(40)->hw);
	assert_false(spi(40)->enabled || spi(40)->pending || spi(40)->active);
	assert_false(spi(41)->enabled || vgic_irq_is_pending(vm, spi(41)));
	assert_int_equal(spi(41)->target_vcpu, 0);
	assert_int_equal(rd(D, V0, GICD_CTLR, 4), GICD_CTLR_ARE | GICD_CTLR_DS);
	assert_true(vm->vcpus[2]->vgic.private_irqs[27].hw);
	assert_true(vm->vcpus[2]->vgic.ppi_hw_dirty & BIT(27));
	vgic_vm_destroy(vm);
	assert_null(vm->vgic.spis);
}

/* ---- list register formats ---- */

static void assert_lr_equal(const struct vgic_lr *a, const struct vgic_lr *b)
{
	assert_int_equal(a->vintid, b->vintid);
	assert_int_equal(a->pintid, b->pintid);
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->group1, b->group1);
	assert_int_equal(a->hw, b->hw);
	assert_int_equal(a->eoi, b->eoi);
}

static void test_lr_formats(void **state)
{
	struct vgic_lr a = { .vintid = 40, .pintid = 40, .priority = 0xa0, .state = VGIC_LR_PENDING,
			     .group1 = true, .hw = true };
	struct vgic_lr b = { .vintid = 5, .pintid = 3, .priority = 0x80,
			     .state = VGIC_LR_ACTIVE, .eoi = true };
	struct vgic_lr out;
	u64 v3;
	u32 v2;

	(void)state;
	v3 = vgic_v3_lr_pack(&a);
	assert_int_equal(v3, (1ULL << 62) | BIT(61) | BIT(60) | (0xa0ULL << 48) | (40ULL << 32) | 40);
	vgic_v3_lr_unpack(v3, &out);
	assert_lr_equal(&a, &out);

	v3 = vgic_v3_lr_pack(&(struct vgic_lr){ .vintid = 50, .priority = 0x80,
						 .state = VGIC_LR_PENDING, .eoi = true });
	assert_int_equal(v3, (1ULL << 62) | BIT(41) | (0x80ULL << 48) | 50);

	v2 = vgic_v2_lr_pack(&a);
	assert_int_equal(v2, BIT(31) | BIT(30) | (1U << 28) | ((0xa0U >> 3) << 23) | (40U << 10) | 40);
	vgic_v2_lr_unpack(v2, &out);
	assert_lr_equal(&a, &out);

	v2 = vgic_v2_lr_pack(&b);
	assert_int_equal(v2, (2U << 28) | ((0x80U >> 3) << 23) | BIT(19) | (3U << 10) | 5);
	vgic_v2_lr_unpack(v2, &out);
	assert_lr_equal(&b, &out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v3_id_regs, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_v2_id_regs, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_enable_pending_active, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_enable_pending_active, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_pending_enabled_kicks_target, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_priority_byte_access, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_priority_byte_access, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_irouter, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_itargetsr, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v3_gicd_private_is_raz, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_redist_frames, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_bad_accesses, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_v3_sgi_targets, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_v2_sgir, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_v2_sgi_sources_in_lrs, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_flush_priority_order, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_flush_priority_order, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_active_first_and_pending_again, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_not_delivered_when_disabled, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_level_virtual_irq, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_flush_twice_without_exit, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_hw_spi_mirrors, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_hw_cpending_deactivates, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_hw_ppi, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_hw_ppi_shared_pcpu, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_inject_checks, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_spi_state_follows_route, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_spi_state_follows_route, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_cross_vcpu_private, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_cross_vcpu_private, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_hw_spi_rerouted_in_lr, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_hw_spi_rerouted_in_lr, setup_v2, teardown),
		cmocka_unit_test_setup_teardown(test_vm_reset, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_underflow_written_on_change_only, setup_v3, teardown),
		cmocka_unit_test_setup_teardown(test_underflow_written_on_change_only, setup_v2, teardown),
		cmocka_unit_test(test_lr_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
