# SPDX-License-Identifier: GPL-2.0
# Proves the installed toolchain can build every kind of target Keel has, by
# compiling and linking a tiny program for each, before meson tries: a
# missing package then fails here with its Debian name instead of deep in
# meson setup ("cannot find Scrt1.o" on a machine without libc6-dev:arm64).
# The result is remembered per set of package versions, so a rerun costs one
# dpkg-query.

# Each check: "name|packages that provide it|function".
KEEL_TOOLCHAIN_CHECKS=(
	"host C (unit tests)|gcc libc6-dev libcmocka-dev libuv1-dev libjansson-dev libfdt-dev liburing-dev pkg-config|tc_host"
	"aarch64 userspace (keeld, keel)|gcc-aarch64-linux-gnu libc6-dev:arm64 libuv1-dev:arm64 libjansson-dev:arm64 liburing-dev:arm64|tc_arm64_user"
	"EL2 freestanding (keel.bin)|gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu|tc_el2"
	"kernel module (keel.ko)|make gcc kmod gcc-aarch64-linux-gnu (and the cached linux-headers in \$KEEL_KDIR)|tc_kmod"
	"libFuzzer (tests/fuzz)|clang libclang-rt-14-dev|tc_fuzz"
)

tc_host() {
	cat >"$1/host.c" <<'C'
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <uv.h>
#include <jansson.h>
#include <libfdt.h>
#include <liburing.h>
int main(void)
{
	struct io_uring r;
	return uv_version() == 0 || !json_integer(1) || fdt_check_header(NULL) == 0 ||
	       io_uring_queue_init(1, &r, 0) == 1;
}
C
	# shellcheck disable=SC2046
	gcc -o "$1/host" "$1/host.c" $(pkg-config --cflags --libs libuv jansson cmocka liburing) -lfdt
}

tc_arm64_user() {
	cat >"$1/user.c" <<'C'
#include <uv.h>
#include <jansson.h>
#include <liburing.h>
int main(void)
{
	struct io_uring r;
	return uv_version() == 0 || !json_integer(1) || io_uring_queue_init(1, &r, 0) == 1;
}
C
	local pc
	pc=$(PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
		pkg-config --cflags --libs --static libuv-static jansson liburing) || return 1
	# shellcheck disable=SC2086
	aarch64-linux-gnu-gcc -static -o "$1/user" "$1/user.c" $pc
}

tc_el2() {
	cat >"$1/el2.c" <<'C'
void _start(void);
void _start(void) { __asm__ volatile("msr hcr_el2, xzr; hvc #0"); for (;;) ; }
C
	aarch64-linux-gnu-gcc -ffreestanding -nostdlib -mgeneral-regs-only -static \
		-Wl,-Ttext=0x40200000 -o "$1/el2" "$1/el2.c" &&
		aarch64-linux-gnu-objcopy -O binary "$1/el2" "$1/el2.bin"
}

tc_kmod() {
	[ -n "${KEEL_KDIR:-}" ] && [ -f "$KEEL_KDIR/Makefile" ] || {
		echo "no kernel headers tree (KEEL_KDIR=${KEEL_KDIR:-unset})"
		return 1
	}
	mkdir -p "$1/kmod"
	cat >"$1/kmod/tc.c" <<'C'
#include <linux/module.h>
static int __init tc_init(void) { return 0; }
module_init(tc_init);
MODULE_LICENSE("GPL");
C
	echo 'obj-m := tc.o' >"$1/kmod/Kbuild"
	make -s -C "$KEEL_KDIR" M="$1/kmod" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules &&
		[ -s "$1/kmod/tc.ko" ]
}

tc_fuzz() {
	cat >"$1/fuzz.c" <<'C'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n && d[0] == 1 ? 0 : 0; }
C
	clang -fsanitize=fuzzer,address,undefined -o "$1/fuzz" "$1/fuzz.c"
}

# toolchain_check: runs every check not yet passed for these package
# versions; dies naming the packages of the first that fails.
toolchain_check() {
	local key stamp tmp entry name pkgs fn out
	key=$( { dpkg-query -W -f='${Package}:${Architecture}=${Version}\n' \
		gcc gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev libc6-dev:arm64 \
		libuv1-dev libuv1-dev:arm64 libjansson-dev libjansson-dev:arm64 libcmocka-dev \
		liburing-dev liburing-dev:arm64 \
		libfdt-dev clang libclang-rt-14-dev make kmod 2>/dev/null
		echo "${KEEL_KDIR:-}"; sed -n '/^KEEL_TOOLCHAIN_CHECKS=/,/^)/p' \
		"$KEEL_ROOT/scripts/lib/toolchain.sh"; } | sha256sum | cut -c1-16)
	stamp=$KEEL_CACHE/toolchain/$key.ok
	[ -e "$stamp" ] && return 0
	tmp=$(mktemp -d)
	for entry in "${KEEL_TOOLCHAIN_CHECKS[@]}"; do
		IFS='|' read -r name pkgs fn <<<"$entry"
		if ! out=$("$fn" "$tmp" 2>&1); then
			printf '%s\n' "$out" | tail -n 15 >&2
			rm -rf "$tmp"
			die "the toolchain cannot build $name; install (as root): apt-get install $pkgs"
		fi
	done
	rm -rf "$tmp"
	mkdir -p "$KEEL_CACHE/toolchain"
	touch "$stamp"
	log "toolchain checked: host, aarch64 userspace, EL2, kernel module, libFuzzer"
}
