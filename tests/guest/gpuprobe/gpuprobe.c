// SPDX-License-Identifier: GPL-2.0
/*
 * Bad-input probe for keeld's virtio-gpu, loaded in a guest whose
 * virtio-gpu driver is kept out (module_blacklist=virtio_gpu): drives the
 * device's virtio-mmio (version 2) registers and control queue itself and
 * sends what Linux never would: absurd resource sizes, one beyond the
 * guest's memory bound, backing entries outside RAM, across its end and on
 * a device, scanouts and flushes of unknown resources, transfers without
 * backing, outside the resource and past the backing's end, an unknown
 * command. Each answer is checked against the one the spec asks for:
 * "gpuprobe: NAME: 0xANSWER ok" (or "FAILED, want 0x..."). Then it draws
 * a 64x64 pattern the right way and leaves it on the scanout (the host's
 * screenshot must show exactly it). "gpuprobe: done" ends the run.
 *
 * Pattern of pixel x, y (B8G8R8X8): r = x * 4, g = y * 4, b = (x ^ y) * 4.
 */
#include <linux/module.h>
#include <linux/virtio_gpu.h>

#include "virtio_probe.h"

#define VQ_NUM 8
#define OUTSIDE_RAM 0x10000000ULL       /* below every Keel guest's RAM */
#define SIDE 64

static void __iomem *regs;
static u64 regs_pa, ram_end;
static void *pages;   /* desc, avail, used, request, extra, response, then the image */
static struct vring_desc *desc;
static struct vring_avail *avail;
static struct vring_used *used;
static u8 *req, *extra, *resp;
static u32 *image;    /* SIDE x SIDE pixels: 4 pages */
static u16 idx;
static int failures;

#define NR_PAGES (6 + SIDE * SIDE * 4 / PAGE_SIZE)

static int dev_setup(void)
{
	int r = vp_negotiate(regs, 0);

	if (!r)
		r = vp_queue(regs, 0, VQ_NUM, vp_pa(desc), vp_pa(avail), vp_pa(used));
	if (!r)
		vp_driver_ok(regs);
	return r;
}

/* One command (len bytes at req, xlen at extra) and its answer's type, or
 * 0 when none came within a second. */
static u32 command(u32 len, u32 xlen)
{
	unsigned int n = 0, i;
	u16 want = idx + 1;

	desc[n++] = (struct vring_desc){ cpu_to_le64(vp_pa(req)), cpu_to_le32(len), 0, 0 };
	if (xlen)
		desc[n++] = (struct vring_desc){ cpu_to_le64(vp_pa(extra)), cpu_to_le32(xlen), 0, 0 };
	memset(resp, 0, 64);
	desc[n++] = (struct vring_desc){ cpu_to_le64(vp_pa(resp)), cpu_to_le32(64),
					 cpu_to_le16(VRING_DESC_F_WRITE), 0 };
	for (i = 0; i + 1 < n; i++) {
		desc[i].flags |= cpu_to_le16(VRING_DESC_F_NEXT);
		desc[i].next = cpu_to_le16(i + 1);
	}
	avail->ring[idx % VQ_NUM] = 0;
	idx = want;
	if (vp_publish_kick(regs, 0, avail, used, want, want) != want)
		return 0;
	return le32_to_cpu(((struct virtio_gpu_ctrl_hdr *)resp)->type);
}

static void expect(const char *name, u32 got, u32 want)
{
	if (got == want) {
		pr_info("gpuprobe: %s: 0x%x ok\n", name, got);
	} else {
		pr_info("gpuprobe: %s: 0x%x FAILED, want 0x%x\n", name, got, want);
		failures++;
	}
}

static struct virtio_gpu_ctrl_hdr hdr(u32 type)
{
	return (struct virtio_gpu_ctrl_hdr){ .type = cpu_to_le32(type) };
}

static u32 create(u32 id, u32 w, u32 h)
{
	struct virtio_gpu_resource_create_2d *c = (void *)req;

	*c = (struct virtio_gpu_resource_create_2d){ hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D),
		cpu_to_le32(id), cpu_to_le32(VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM), cpu_to_le32(w),
		cpu_to_le32(h) };
	return command(sizeof(*c), 0);
}

static u32 attach(u32 id, u64 addr, u32 len)
{
	struct virtio_gpu_resource_attach_backing *a = (void *)req;
	struct virtio_gpu_mem_entry *e = (void *)extra;

	*a = (struct virtio_gpu_resource_attach_backing){
		hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING), cpu_to_le32(id), cpu_to_le32(1) };
	*e = (struct virtio_gpu_mem_entry){ cpu_to_le64(addr), cpu_to_le32(len), 0 };
	return command(sizeof(*a), sizeof(*e));
}

static struct virtio_gpu_rect rect(u32 x, u32 y, u32 w, u32 h)
{
	return (struct virtio_gpu_rect){ cpu_to_le32(x), cpu_to_le32(y), cpu_to_le32(w),
					 cpu_to_le32(h) };
}

static u32 scanout(u32 id)
{
	struct virtio_gpu_set_scanout *s = (void *)req;

	*s = (struct virtio_gpu_set_scanout){ hdr(VIRTIO_GPU_CMD_SET_SCANOUT),
		rect(0, 0, SIDE, SIDE), 0, cpu_to_le32(id) };
	return command(sizeof(*s), 0);
}

static u32 transfer(u32 id, u32 x, u32 w, u64 off)
{
	struct virtio_gpu_transfer_to_host_2d *t = (void *)req;

	*t = (struct virtio_gpu_transfer_to_host_2d){ hdr(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D),
		rect(x, 0, w, SIDE), cpu_to_le64(off), cpu_to_le32(id), 0 };
	return command(sizeof(*t), 0);
}

static u32 flush(u32 id)
{
	struct virtio_gpu_resource_flush *f = (void *)req;

	*f = (struct virtio_gpu_resource_flush){ hdr(VIRTIO_GPU_CMD_RESOURCE_FLUSH),
		rect(0, 0, SIDE, SIDE), cpu_to_le32(id), 0 };
	return command(sizeof(*f), 0);
}

static int find_gpu(void)
{
	ram_end = vp_ram_end();
	regs = vp_find(16 /* VIRTIO_ID_GPU */, &regs_pa);
	return ram_end && regs ? 0 : -ENODEV;
}

static int __init gpuprobe_init(void)
{
	const u32 OK = VIRTIO_GPU_RESP_OK_NODATA, PARAM = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	const u32 RES_ID = VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	int x, y, r;

	if (find_gpu()) {
		pr_err("gpuprobe: no virtio-mmio v2 GPU\n");
		return -ENODEV;
	}
	pages = vp_alloc_rings(NR_PAGES, &desc, &avail, &used);
	if (!pages) {
		iounmap(regs);
		return -ENOMEM;
	}
	req = pages + 3 * PAGE_SIZE;
	extra = pages + 4 * PAGE_SIZE;
	resp = pages + 5 * PAGE_SIZE;
	image = pages + 6 * PAGE_SIZE;
	r = dev_setup();
	if (r) {
		pr_err("gpuprobe: device setup: %d\n", r);
		return r;
	}

	expect("4G x 4G resource", create(1, 0xffffffff, 0xffffffff), PARAM);
	expect("resource beyond the memory bound", create(1, 16384, 16384),
	       VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	expect("resource id 0", create(0, SIDE, SIDE), RES_ID);
	expect("64x64 resource", create(1, SIDE, SIDE), OK);
	expect("backing outside RAM", attach(1, OUTSIDE_RAM, SIDE * SIDE * 4), PARAM);
	expect("backing across the end of RAM", attach(1, ram_end - PAGE_SIZE, 2 * PAGE_SIZE),
	       PARAM);
	expect("backing on a device", attach(1, regs_pa, PAGE_SIZE), PARAM);
	expect("scanout of an unknown resource", scanout(77), RES_ID);
	expect("transfer without backing", transfer(1, 0, SIDE, 0), PARAM);
	expect("backing", attach(1, vp_pa(image), SIDE * SIDE * 4), OK);
	expect("transfer outside the resource", transfer(1, SIDE - 4, 10, 0), PARAM);
	expect("transfer past the backing", transfer(1, 0, SIDE, 4096), PARAM);
	expect("flush of an unknown resource", flush(77), RES_ID);
	*(struct virtio_gpu_ctrl_hdr *)req = hdr(0x999);
	expect("unknown command", command(sizeof(struct virtio_gpu_ctrl_hdr), 0),
	       VIRTIO_GPU_RESP_ERR_UNSPEC);

	for (y = 0; y < SIDE; y++)
		for (x = 0; x < SIDE; x++)
			image[y * SIDE + x] = cpu_to_le32((x * 4) << 16 | (y * 4) << 8 | ((x ^ y) * 4));
	expect("draw: transfer", transfer(1, 0, SIDE, 0), OK);
	expect("draw: scanout", scanout(1), OK);
	expect("draw: flush", flush(1), OK);
	pr_info("gpuprobe: done, %d failed\n", failures);
	return 0;
}

/* The device keeps reading the image until it is reset. */
static void __exit gpuprobe_exit(void)
{
	writel(0, regs + VIRTIO_MMIO_STATUS);
	free_pages_exact(pages, NR_PAGES * PAGE_SIZE);
	iounmap(regs);
}

module_init(gpuprobe_init);
module_exit(gpuprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: hostile virtio-gpu commands from a guest");
