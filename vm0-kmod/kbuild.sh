#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kbuild.sh KDIR SRCDIR PROTODIR WORKDIR OUTPUT
# kbuild builds in the module's source folder, so build a copy: the module
# sources and proto/ side by side (Kbuild includes $(src)/../proto).
set -euo pipefail
kdir=$1 src=$2 proto=$3 work=$4 out=$5
rm -rf "$work"
mkdir -p "$work/vm0-kmod" "$work/proto"
cp "$src"/*.c "$src"/*.h "$src/Kbuild" "$work/vm0-kmod/"
cp -r "$proto/keel" "$work/proto/"
# Debian's headers ship no vmlinux, so kbuild always skips BTF: not news.
make -s -C "$kdir" M="$work/vm0-kmod" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules 2>&1 |
	{ grep -v '^Skipping BTF generation' || true; }
cp "$work/vm0-kmod/keel.ko" "$out"
