#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kbuild.sh KDIR SRCDIR PROTODIR WORKDIR OUTPUT [MODULE [EXTRA_SOURCE...]]
# EXTRA_SOURCE: files from elsewhere built into the module (keel.ko: kchan/).
# kbuild builds in the module's source folder, so build a copy: the module
# sources and proto/ side by side (Kbuild includes $(src)/../proto).
set -euo pipefail
kdir=$1 src=$2 proto=$3 work=$4 out=$5 name=${6:-keel}
rm -rf "$work"
mkdir -p "$work/vm0-kmod" "$work/proto"
cp "$src"/*.c "$src/Kbuild" "$work/vm0-kmod/"
cp "$src"/*.h "$work/vm0-kmod/" 2>/dev/null || true  # a module may have no headers
cp -r "$proto/keel" "$work/proto/"
[ $# -le 6 ] || cp "${@:7}" "$work/vm0-kmod/"
# Debian's headers ship no vmlinux, so kbuild always skips BTF: not news.
make -s -C "$kdir" M="$work/vm0-kmod" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules 2>&1 |
	{ grep -v '^Skipping BTF generation' || true; }
cp "$work/vm0-kmod/$name.ko" "$out"
