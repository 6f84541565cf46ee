// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's power button as a vdev: the PL061 model (pl061.c) with the
 * button on line GUEST_GPIO_POWER_LINE, which the guest's gpio-keys node
 * turns into KEY_POWER. VDEV_SIG_POWER_BUTTON drives it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>
#include <keel/ioctl.h>

#include "devices/devices.h"
#include "devices/pl061.h"
#include "guest/guest_fdt.h"
#include "log.h"

struct gpio {
	struct vdev vdev;
	struct pl061 m;
};

#define to_gpio(d) ((struct gpio *)(d))

static void gpio_irq(void *opaque, bool level)
{
	struct gpio *g = opaque;
	int r = vdev_irq(&g->vdev, KEEL_GUEST_GPIO_SPI, level ? KEEL_IRQ_HIGH : KEEL_IRQ_LOW);

	if (r < 0)
		klog("vm %u: GPIO interrupt %s: %s", vdev_host(&g->vdev)->vm_id,
		     level ? "high" : "low", strerror(-r));
}

/* Every register write is configuration (the guest's driver at boot). */
static void gpio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct gpio *g = opaque;

	pl061_write(&g->m, off, size, val);
	vdev_changed(&g->vdev);
}

static uint64_t gpio_read(void *opaque, uint64_t off, unsigned size)
{
	return pl061_read(&((struct gpio *)opaque)->m, off, size);
}

static const struct mmio_ops gpio_mmio_ops = {
	.name = "pl061",
	.read = gpio_read,
	.write = gpio_write,
};

static int gpio_attach(struct vdev *d, char *err, size_t errlen)
{
	struct gpio *g = to_gpio(d);

	pl061_init(&g->m, gpio_irq, g);
	return vdev_window(d, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE, &gpio_mmio_ops, g, err,
			   errlen);
}

static void gpio_detach(struct vdev *d)
{
}

static int gpio_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_pl061(fdt, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SPI);
}

static void gpio_signal(struct vdev *d, enum vdev_signal s, bool level)
{
	if (s == VDEV_SIG_POWER_BUTTON)
		pl061_set_input(&to_gpio(d)->m, GUEST_GPIO_POWER_LINE, level);
}

static int gpio_save(struct vdev *d, json_t **state)
{
	*state = pl061_save(&to_gpio(d)->m);
	return *state ? 0 : -ENOMEM;
}

static int gpio_restore(struct vdev *d, const json_t *state)
{
	return pl061_restore(&to_gpio(d)->m, state);
}


static void gpio_destroy(struct vdev *d)
{
	free(to_gpio(d));
}

static const struct vdev_ops gpio_ops = {
	.attach = gpio_attach,
	.detach = gpio_detach,
	.dt_node = gpio_dt_node,
	.signal = gpio_signal,
	.save = gpio_save,
	.restore = gpio_restore,
	.destroy = gpio_destroy,
};

static unsigned gpio_count(const struct vm_config *cfg)
{
	return 1;
}

static int gpio_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		       struct vdev **out, char *err, size_t errlen)
{
	struct gpio *g = calloc(1, sizeof(*g));

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vdev_init(&g->vdev, r, &gpio_type, &gpio_ops, "pl061");
	*out = &g->vdev;
	return 0;
}

const struct vdev_type gpio_type = {
	.name = "pl061",
	.count = gpio_count,
	.create = gpio_create,
};
