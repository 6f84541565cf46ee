/* SPDX-License-Identifier: GPL-2.0 */
/* What test_config.c (Keel's schema) and test_config_shyper.c
 * (Rust-Shyper's) share: a folder with the files the configs name, parsing
 * as keeld does, and the example configs the tests edit. */
#ifndef KEELD_TEST_CONFIG_HARNESS_H
#define KEELD_TEST_CONFIG_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <keel/guest.h>

#include "config/config.h"
#include "vswitch/vswitch.h"

/* The folder configs are read from, with Image, guest.cpio, vm1.img and
 * vm2.img in it (setup/teardown of the group). */
extern char dir[256];
extern struct vm_config cfg;
extern char err[CFG_ERR_MAX];

int setup(void **state);
int teardown(void **state);
int parse(const char *text, unsigned id, unsigned npcpus, struct vm_config *out, char *msg);
/* text is refused with exactly msg (VM 1, 4 pCPUs). */
void expect_error(const char *text, const char *msg);

/* Rust-Shyper's example config, and it with the first a replaced by b. */
extern const char *shyper;
char *shyper_with(const char *a, const char *b);
/* The example with one virtio-blk entry (shyper_blk), then a replaced by
 * b (NULL: as is); with more entries after that one. */
extern const char *shyper_blk;
char *shyper_blk_with(const char *a, const char *b);
char *shyper_blk_plus(const char *entries);
/* A Keel config with "disks": [...] spliced in. */
char *keel_disks(const char *disks);

#endif
