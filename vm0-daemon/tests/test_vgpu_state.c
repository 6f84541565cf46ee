// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-gpu across a keeld restart. The device is saved, the
 * model and transport destroyed (the guest RAM and the queues' live page
 * stay, as they outlive keeld) and made anew, and the saved state restored:
 * the same resources and the same picture, refilled from guest RAM. A saved
 * state someone tampered with is refused and leaves nothing behind. */
#include "vgpu_harness.h"

/* Resource 1 (the W x H image, backed and shown), resource 2 (cursor-sized,
 * no backing), the cursor on 2 at 100,50. */
static void draw(void)
{
	struct virtio_gpu_update_cursor c = { .hdr = hdr(VIRTIO_GPU_CMD_UPDATE_CURSOR) };
	struct virtio_gpu_mem_entry e[3];

	backing(e);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(attach(1, e, 3), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(create(2, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 64, 64), VIRTIO_GPU_RESP_OK_NODATA);
	c.resource_id = htole32(2);
	c.pos.x = htole32(100);
	c.pos.y = htole32(50);
	assert_int_equal(submit(CURSORQ, &c, sizeof(c), NULL, 0, NULL, 0), 0);
}

/* keeld dies and a new one attaches the device: a fresh model and
 * transport over the same RAM and live page (vgpu.c's attach). */
static void restart(void)
{
	const struct vgpu_params p = { 1024, 768, MEM_MAX };
	const struct vgpu_io io = { on_update, NULL };
	/* A dead keeld resets nothing: its live page stays as it was. */
	const struct virtio_live dead = live;

	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
	live = dead;
	memset(&t, 0, sizeof(t));
	assert_int_equal(vgpu_create(&g, &t, &p, &io), 0);
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	virtio_mmio_persist(&t, &live, true, on_changed, NULL);
}

/* vgpu.c's restore: the model, then the transport. */
static int restore(const json_t *model, const json_t *transport)
{
	char err[160] = "";
	int r = vgpu_restore(g, model, err, sizeof(err));

	if (r) {
		assert_true(err[0]);  /* refused with a reason */
		return r;
	}
	assert_int_equal(virtio_mmio_restore(&t, transport), 0);
	return 0;
}

static void test_save_restore(void **state)
{
	struct vgpu_image img;
	struct vgpu_stats s0;
	uint8_t shot[W * H * 4];
	json_t *m, *tr, *again;
	unsigned c0;

	/* What changes the saved state says so; a transfer or flush does not. */
	c0 = changes;
	draw();
	assert_true(changes >= c0 + 5);  /* 2 creates, attach, scanout, cursor */
	c0 = changes;
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(changes, c0);

	assert_int_equal(vgpu_scanout(g, &img), 0);
	for (unsigned y = 0; y < H; y++)
		memcpy(shot + y * W * 4, img.pixels + (size_t)y * img.stride, W * 4);
	s0 = stats();
	assert_non_null(m = vgpu_save(g));
	assert_non_null(tr = virtio_mmio_save(&t));

	restart();
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
	updates = 0;
	assert_int_equal(restore(m, tr), 0);
	/* The same picture, redrawn from guest RAM, and the screen told. */
	assert_int_equal(vgpu_scanout(g, &img), 0);
	assert_int_equal(img.w, W);
	assert_int_equal(img.h, H);
	assert_int_equal(img.format, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM);
	for (unsigned y = 0; y < H; y++)
		assert_memory_equal(shot + y * W * 4, img.pixels + (size_t)y * img.stride, W * 4);
	check_image(&img, 0, 0, W, H);
	assert_true(updates >= 1);
	/* The same resources, memory and counters: saved again, the same. */
	assert_int_equal(stats().resources, s0.resources);
	assert_int_equal(stats().res_bytes, s0.res_bytes);
	assert_int_equal(stats().created, s0.created);
	assert_int_equal(stats().cmds, s0.cmds);
	assert_non_null(again = vgpu_save(g));
	assert_true(json_equal(again, m));
	json_decref(again);

	/* The device goes on where it was: its queues, its resources. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(create(2, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 8, 8),
			 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(unref(2), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(unref(1), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(stats().res_bytes, 0);
	json_decref(m);
	json_decref(tr);
}

/* A pristine device saved with nothing on it comes back as one. */
static void test_save_restore_empty(void **state)
{
	json_t *m = vgpu_save(g), *tr = virtio_mmio_save(&t);
	struct vgpu_image img;

	restart();
	assert_int_equal(restore(m, tr), 0);
	assert_int_equal(stats().resources, 0);
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	json_decref(m);
	json_decref(tr);
}

static json_t *res_of(json_t *m, uint32_t id)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(m, "resources"), i, r)
		if (json_integer_value(json_object_get(r, "id")) == id)
			return r;
	fail_msg("no resource %u saved", id);
	return NULL;
}

static void set_int(json_t *o, const char *key, json_int_t v)
{
	assert_int_equal(json_object_set_new(o, key, json_integer(v)), 0);
}

/* Resource 1's backing entry 1 made (addr, len), or its hex text. */
static void set_entry_hex(json_t *m, const char *entry)
{
	json_t *r = res_of(m, 1);
	char hex[3 * 24 + 1];

	assert_int_equal(json_string_length(json_object_get(r, "backing")), 3 * 24);
	memcpy(hex, json_string_value(json_object_get(r, "backing")), sizeof(hex));
	memcpy(hex + 24, entry, strlen(entry) < 24 ? strlen(entry) : 24);
	assert_int_equal(json_object_set_new(r, "backing", json_string(hex)), 0);
}

static void set_entry(json_t *m, uint64_t addr, uint32_t len)
{
	char e[25];

	for (unsigned i = 0; i < 12; i++)
		snprintf(e + 2 * i, 3, "%02x",
			 (unsigned)(i < 8 ? addr >> (8 * i) : len >> (8 * (i - 8))) & 0xff);
	set_entry_hex(m, e);
}

/* One way to spoil a saved state, and the error it must get. */
struct spoil {
	const char *what;
	void (*fn)(json_t *m);
	int err;
};

#define SPOIL(name, ...)            \
	static void name(json_t *m) \
	{                           \
		__VA_ARGS__;        \
	}
SPOIL(entry_outside_ram, set_entry(m, RAM_BASE + RAM_SIZE, 4096))
SPOIL(entry_below_ram, set_entry(m, RAM_BASE - 4096, 4096))
SPOIL(entry_across_ram_end, set_entry(m, RAM_BASE + RAM_SIZE - 100, 4096))
SPOIL(entry_wraps, set_entry(m, UINT64_MAX - 100, 4096))
SPOIL(entry_too_long, set_entry(m, RAM_BASE, UINT32_MAX))
SPOIL(entry_not_hex, set_entry_hex(m, "0000g000"))
SPOIL(backing_cut, json_object_set_new(res_of(m, 1), "backing", json_string("00112233")))
SPOIL(backing_empty, json_object_set_new(res_of(m, 1), "backing", json_string("")))
SPOIL(backing_not_text, json_object_set_new(res_of(m, 1), "backing", json_true()))
SPOIL(width_absurd, set_int(res_of(m, 1), "width", 100000))
SPOIL(width_zero, set_int(res_of(m, 1), "width", 0))
SPOIL(width_negative, set_int(res_of(m, 1), "width", -64))
SPOIL(over_memory, (set_int(res_of(m, 1), "width", VGPU_DIM_MAX),
		    set_int(res_of(m, 1), "height", VGPU_DIM_MAX)))
SPOIL(format_unknown, set_int(res_of(m, 1), "format", 12345))
SPOIL(id_taken, set_int(res_of(m, 2), "id", 1))
SPOIL(id_zero, set_int(res_of(m, 2), "id", 0))
SPOIL(id_missing, json_object_del(res_of(m, 2), "id"))
SPOIL(scanout_unknown, set_int(json_object_get(m, "scanout"), "resource", 99))
SPOIL(scanout_outside, set_int(json_object_get(m, "scanout"), "width", W + 1))
SPOIL(scanout_missing, json_object_del(m, "scanout"))
SPOIL(cursor_unknown, set_int(json_object_get(m, "cursor"), "resource", 99))
SPOIL(resources_not_list, json_object_set_new(m, "resources", json_object()))
SPOIL(stats_missing, json_object_del(m, "stats"))

static void test_restore_refuses(void **state)
{
	static const struct spoil spoils[] = {
#define S(f, e) { #f, f, e }
		S(entry_outside_ram, -EINVAL), S(entry_below_ram, -EINVAL),
		S(entry_across_ram_end, -EINVAL), S(entry_wraps, -EINVAL),
		S(entry_too_long, -EINVAL), S(entry_not_hex, -EINVAL),
		S(backing_cut, -EINVAL), S(backing_empty, -EINVAL),
		S(backing_not_text, -EINVAL), S(width_absurd, -EINVAL),
		S(width_zero, -EINVAL), S(width_negative, -EINVAL),
		S(over_memory, -ENOMEM), S(format_unknown, -EINVAL),
		S(id_taken, -EINVAL), S(id_zero, -EINVAL),
		S(id_missing, -EINVAL), S(scanout_unknown, -EINVAL),
		S(scanout_outside, -EINVAL), S(scanout_missing, -EINVAL),
		S(cursor_unknown, -EINVAL), S(resources_not_list, -EINVAL),
		S(stats_missing, -EINVAL),
#undef S
	};
	json_t *m, *tr;
	struct vgpu_image img;

	draw();
	assert_non_null(m = vgpu_save(g));
	assert_non_null(tr = virtio_mmio_save(&t));
	for (size_t i = 0; i < sizeof(spoils) / sizeof(spoils[0]); i++) {
		json_t *bad = json_deep_copy(m);

		spoils[i].fn(bad);
		restart();
		if (restore(bad, tr) != spoils[i].err)
			fail_msg("%s: not refused with %d", spoils[i].what, spoils[i].err);
		/* Nothing of it stays: no resource, no memory, no picture. */
		assert_int_equal(stats().resources, 0);
		assert_int_equal(stats().res_bytes, 0);
		assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
		json_decref(bad);
	}
	/* And the unspoilt state still restores on the same device. */
	restart();
	assert_int_equal(restore(m, tr), 0);
	assert_int_equal(stats().resources, 2);
	json_decref(m);
	json_decref(tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_restore, up, down),
		cmocka_unit_test_setup_teardown(test_save_restore_empty, up, down),
		cmocka_unit_test_setup_teardown(test_restore_refuses, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
