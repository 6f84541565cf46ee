# SPDX-License-Identifier: GPL-2.0
# A Keel guest's initramfs: busybox, the modules in images/guest/modules,
# images/guest/rootfs, and the test probe module. Needs debs_prepare and
# image.sh (image_find_module).

# image_guest_initramfs OUT [TEST_KO...]: rebuilt only when an input changed.
# The test modules go to /lib/modules/<kver>/extra/; the guest loads them
# when its command line says keel.insmod=NAME[,NAME].
image_guest_initramfs() {
	local out=$1 src=$KEEL_ROOT/images/guest
	shift
	local probe
	local key stage=$KEEL_IMAGES/guest-root
	key=$( {
		echo "$KEEL_KERNEL_DIR $KEEL_ROOTFS_DEBS_DIR"
		sha256sum "${BASH_SOURCE[0]}"
		[ $# = 0 ] || sha256sum "$@"
		find "$src" -type f -print0 | sort -z | xargs -0 sha256sum
		find "$src" -type f -printf '%p %m\n' | sort
	} | sha256sum)
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0

	log "making the guest initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"
	(cd "$stage" && mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp run root mnt lib/modules)
	cp -a "$src/rootfs/." "$stage/"
	cp "$KEEL_ROOTFS_DEBS_DIR/bin/busybox" "$stage/bin/"
	local a
	for a in $(qemu-aarch64-static "$stage/bin/busybox" --list-full); do
		[ -e "$stage/$a" ] || [ -L "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
	ln -sf /sbin/init "$stage/init"

	local kmods=$KEEL_KERNEL_DIR/lib/modules/$KEEL_KVER m rel
	local smods=$stage/lib/modules/$KEEL_KVER
	mkdir -p "$smods/extra"
	: >"$stage/etc/guest-modules"
	while read -r m; do
		case "$m" in '' | '#'*) continue ;; esac
		rel=$(image_find_module "$m")
		mkdir -p "$smods/$(dirname "$rel")"
		cp "$kmods/$rel" "$smods/$rel"
		echo "$m" >>"$stage/etc/guest-modules"
	done <"$src/modules"
	cp "$kmods"/modules.builtin* "$kmods/modules.order" "$smods/"
	for probe in "$@"; do
		cp "$probe" "$smods/extra/"
	done
	depmod -b "$stage" "$KEEL_KVER" || die "depmod failed (guest)"

	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$out.tmp" || die "cpio failed (guest)"
	mv "$out.tmp" "$out"
	printf '%s\n' "$key" >"$out.key"
}
