/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM configs: Keel's own JSON schema and Rust-Shyper's VM JSON, both parsed
 * into one struct vm_config. Parsing is a pure function of the text (plus
 * file-existence checks when asked), so it can be fuzzed.
 */
#ifndef KEELD_CONFIG_H
#define KEELD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/passthrough.h>
#include <keel/stat.h>
#include <keel/chan.h>
#include <keel/vm.h>

#include "config/mediated.h"

#define CFG_PATH_MAX 1024
#define CFG_CMDLINE_MAX 1024
#define CFG_MIN_MEM (32ULL << 20)
#define CFG_ERR_MAX 512

#define CFG_MAX_DISKS 8
#define CFG_SERIAL_MAX 21               /* VIRTIO_BLK_ID_BYTES + NUL */
#define CFG_BACKEND_MAX 16

/* A virtio-blk disk backed by a mediated disk in VM0 (file or block device). */
struct cfg_disk {
	char path[CFG_PATH_MAX];        /* backing in VM0; "" until a mediated index is resolved */
	int mediated;                   /* index into mediated-cfg.json's list, or -1 */
	bool readonly;
	char serial[CFG_SERIAL_MAX];    /* VIRTIO_BLK_T_GET_ID answer; "" = derived from the path */
	char backend[CFG_BACKEND_MAX];  /* disk I/O backend (backend/blkio.h); "" = auto */
	uint64_t base;                  /* virtio-mmio window (KEEL_GUEST_VIRTIO_STRIDE bytes) */
	unsigned spi;                   /* its SPI (INTID - 32), edge-triggered */
	unsigned entry;                 /* in disks[] or emulated_device_list[], for messages */
	uint64_t sectors;               /* Shyper's cfg_list[1]: informational, 0 if not given */
};

/* The guest's consoles: devices it gets (bits), both printing into
 * /dev/hvc<id>; the main one also takes what is typed there and is
 * /chosen's stdout-path. */
enum cfg_console { CFG_CONSOLE_PL011 = 1, CFG_CONSOLE_VIRTIO = 2 };
#define CFG_MAX_NICS 4
#define CFG_SWITCH_MAX 16               /* IFNAMSIZ: the switch's uplink TAP may carry its name */

/* A virtio-net NIC, a port of one of keeld's vswitches. */
struct cfg_nic {
	uint8_t mac[6];
	bool mac_given;                 /* false: generated from the VM's name (config_parse) */
	char sw[CFG_SWITCH_MAX];        /* the switch it plugs into */
	uint64_t base;                  /* virtio-mmio window (KEEL_GUEST_VIRTIO_STRIDE bytes) */
	unsigned spi;                   /* its SPI (INTID - 32), edge-triggered */
	unsigned entry;                 /* in nics[] or emulated_device_list[], for messages */
};

/* A device of the machine the guest gets for itself (passthrough.h): its
 * pages at IPA = PA, its SPIs with the hardware link. From the config's
 * regions and irqs, or from the host DT node dt_path names
 * (config_resolve_passthrough). */
#define CFG_PT_COMPAT_MAX 64
#define CFG_PT_PATH_MAX 128
struct cfg_pt {
	char name[KEEL_PT_NAME_LEN];
	char dt_path[CFG_PT_PATH_MAX];  /* "": regions and irqs are given */
	char compat[CFG_PT_COMPAT_MAX]; /* guest DT compatible list (NUL-separated); empty: no node */
	unsigned compat_len;            /* bytes of compat used, NULs included */
	unsigned nr_regions;
	struct keel_pt_region region[KEEL_PT_MAX_REGIONS]; /* as the guest DT's reg says */
	unsigned nr_irqs;
	uint32_t irq[KEEL_PT_MAX_IRQS]; /* SPI INTIDs */
	bool edge;                      /* the guest DT says edge-triggered (else level) */
	bool dma;                       /* masters DMA: an identity-mapped guest only */
	unsigned entry;                 /* in passthrough[] or passthrough_device_list[] */
};

/* An inter-VM channel (config/chan.c, proto/keel/chan.h). */
#define CFG_MAX_CHANS KEEL_GUEST_CHAN_MAX
struct cfg_chan {
	char name[KEEL_CHAN_NAME_LEN];
	char peer[KEEL_VM_NAME_LEN];    /* the other end's VM name, or "vm0" */
	uint64_t size;
	uint64_t ipa;                   /* where this guest sees the region */
	unsigned spi;                   /* the peer's kicks (INTID - 32), edge-triggered */
	unsigned entry;                 /* in channels[], for messages */
};

enum cfg_on_poweroff { CFG_POWEROFF_STOP, CFG_POWEROFF_REMOVE };
/* How the kernel file is loaded (config/image.c): a Linux arm64 Image, or a
 * bare-metal program / RTOS (an ELF64 by its program headers, else a raw
 * binary at kernel_ipa). */
enum cfg_image_type { CFG_IMAGE_LINUX, CFG_IMAGE_BARE };
enum cfg_on_reboot { CFG_REBOOT_RESTART, CFG_REBOOT_STOP };
/* config/lifecycle.c */
enum cfg_on_crash { CFG_CRASH_STOP, CFG_CRASH_RESTART };
#define CFG_CRASH_RESTARTS_DEFAULT 3
#define CFG_CRASH_RESTARTS_MAX 100
#define CFG_CRASH_BACKOFF_MAX_S 60
#define CFG_CRASH_RESET_S 300

/* "display": {"width": 1024, "height": 768, "memory": "64M"}: a virtio-gpu
 * with one scanout of that size, its resources bounded by memory. */
#define CFG_DISPLAY_MIN 64
#define CFG_DISPLAY_MAX 4095            /* EDID's detailed timing has 12 bits */
#define CFG_DISPLAY_WIDTH 1024
#define CFG_DISPLAY_HEIGHT 768
#define CFG_DISPLAY_MEMORY (64ULL << 20)
#define CFG_DISPLAY_MEMORY_MAX (1ULL << 30)
struct cfg_display {
	bool on;
	uint32_t width, height;
	uint64_t memory;
	uint64_t base;                  /* virtio-mmio window (slot KEEL_GUEST_GPU_SLOT) */
	unsigned spi;
};

struct vm_config {
	char label[64];                 /* config file name, for messages */
	char source[CFG_PATH_MAX];      /* config file path ("" if inline) */
	bool shyper;                    /* came in Rust-Shyper's schema */
	char name[KEEL_VM_NAME_LEN];
	unsigned nr_vcpus;
	uint8_t pcpu[KEEL_MAX_VCPUS];   /* pCPU of each vCPU */
	bool pinned;                    /* the config named them: they never move (KEEL_VM_F_PINNED) */
	unsigned pool, priority, slice_us; /* CPU pool index, keel/stat.h (config/sched.c) */
	unsigned nr_mem;
	struct keel_vm_mem mem[KEEL_VM_MAX_MEM];
	bool identity_map;
	char kernel[CFG_PATH_MAX];
	enum cfg_image_type image_type;
	uint64_t kernel_ipa;            /* 0: first region's 2 MiB-aligned base + text_offset
					 * (bare: the first region's base) */
	uint64_t entry;                 /* bare only; 0: kernel_ipa, or the ELF's e_entry */
	char initramfs[CFG_PATH_MAX];   /* "": none */
	uint64_t initramfs_ipa;         /* 0: after the kernel */
	char dtb[CFG_PATH_MAX];         /* "": generate one */
	uint64_t dtb_ipa;               /* 0: near the top of the first region */
	char cmdline[CFG_CMDLINE_MAX];
	enum cfg_on_poweroff on_poweroff;
	enum cfg_on_reboot on_reboot;
	bool autostart;
	enum cfg_on_crash on_crash;
	unsigned crash_restarts;        /* restarts in a row before it stays stopped */
	uint64_t uart_base;             /* PL011 (default KEEL_GUEST_UART_BASE) */
	unsigned uart_spi;
	unsigned consoles;              /* CFG_CONSOLE_* bits (default: the PL011) */
	enum cfg_console console_main;
	uint64_t vcon_base;             /* virtio-console window (default slot KEEL_GUEST_VCON_SLOT) */
	unsigned vcon_spi;
	int vcon_entry;                 /* Shyper: its emulated_device_list index, for messages */
	unsigned nr_disks;
	struct cfg_disk disk[CFG_MAX_DISKS];
	unsigned nr_nics;
	struct cfg_nic nic[CFG_MAX_NICS];
	unsigned nr_pt;
	struct cfg_pt pt[KEEL_PT_MAX_DEVICES];
	struct cfg_display display;     /* virtio-gpu (config/display.c) */
	unsigned nr_chans;
	struct cfg_chan chan[CFG_MAX_CHANS];
	uint64_t gicd_ipa, gicr_ipa;    /* Shyper placement, 0 if none (informational) */
	char notes[1024];               /* things ignored, for the log */
};

struct config_env {
	unsigned id;          /* VM id the config is for (default pCPUs) */
	unsigned nr_pcpus;    /* 0: unknown, no pCPU checks */
	/* CPU pools and who holds which pCPU (KEEL_HC_STAT); NULL: the
	 * default pool alone, over every pCPU. */
	const struct keel_stat *stat;
	/* The GIC guests get (keel_sysinfo): RAM and device windows must stay
	 * off its frames, SPIs below nr_irqs. 0: unknown, not checked (a
	 * Shyper config's own GIC placement is checked instead). */
	unsigned gic_version;
	uint64_t gicd, gicr, gicc;
	unsigned nr_irqs;
	bool check_files;     /* stat kernel/initramfs/dtb/disk paths (off in fuzzing) */
	const char *dir;      /* relative file names resolve here ("" = cwd) */
	const char *label;    /* name for messages, e.g. "vm1.json" */
};

/* Parse JSON text. Returns 0 or -errno with a message in err naming the
 * file, the field and the value ("vm1.json: cpu.num: 9 is more than 8"). */
int config_parse(const char *text, size_t len, const struct config_env *env,
		 struct vm_config *cfg, char *err, size_t errlen);

/* Read and parse a file; env->dir and env->label are taken from path. */
int config_load(const char *path, const struct config_env *env, struct vm_config *cfg,
		char *err, size_t errlen);

/* Fill the path of every disk given as an index into mediated-cfg.json's
 * list from the daemon's list m (NULL: keeld has none). Returns 0, or
 * -EINVAL with a message ("vm1.json: disks[0].mediated: 2, but
 * mediated-cfg.json lists 1 disk"). Idempotent. */
int config_resolve_disks(struct vm_config *cfg, const struct mediated_cfg *m, char *err,
			 size_t errlen);

/* Fill the regions, interrupts and compatible of every passthrough device
 * given by dt_path from the host's device tree (fdt, len bytes: VM0's
 * GUEST_FDT_HOST_DTB), then check them as config_parse checks given ones;
 * a device given by address without a compatible takes the compatible of
 * the host node at that address (none there: it gets no guest DT node).
 * Returns 0 or -errno with a message naming the entry and the node. */
int config_resolve_passthrough(struct vm_config *cfg, const struct config_env *env,
			       const void *fdt, size_t len, char *err, size_t errlen);

/* The defaults of a config without console fields: the PL011 alone. */
void config_default_consoles(struct vm_config *cfg);

/* Parse a memory size: 268435456, "256M", "1G", "512MiB", "0x10000000". */
int config_parse_size(const char *s, uint64_t *out);

#endif
