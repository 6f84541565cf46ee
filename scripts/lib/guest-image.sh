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
	image_stage_busybox "$stage"
	image_stage_modules "$stage" "$src/modules" etc/guest-modules "$@"
	image_pack "$stage" "$out"
	printf '%s\n' "$key" >"$out.key"
}
