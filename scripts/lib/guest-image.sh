# SPDX-License-Identifier: GPL-2.0
# A Keel guest's initramfs: busybox, the modules in images/guest/modules,
# images/guest/rootfs, mkfs.ext4 and blkbench for virtio-blk disks, iperf3,
# and the test probe modules. Needs debs_prepare and image.sh (image_find_module,
# image_stage_elf, KEEL_BLKBENCH).

# image_guest_initramfs OUT [TEST_KO...]: rebuilt only when an input changed.
# The test modules go to /lib/modules/<kver>/extra/; the guest loads them
# when its command line says keel.insmod=NAME[,NAME].
image_guest_initramfs() {
	local out=$1 src=$KEEL_ROOT/images/guest
	shift
	local key stage=$KEEL_IMAGES/guest-root
	key=$( {
		echo "$KEEL_KERNEL_DIR $KEEL_ROOTFS_DEBS_DIR $KEEL_GUEST_DEBS_DIR"
		sha256sum "${BASH_SOURCE[0]}" "$KEEL_BLKBENCH" "$KEEL_FBPROBE" "$KEEL_CHANBENCH"
		[ $# = 0 ] || sha256sum "$@"
		image_tree_key "$src"
	} | sha256sum)
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0

	log "making the guest initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"
	(cd "$stage" && mkdir -p bin sbin usr/bin usr/sbin proc sys dev tmp run root mnt lib/modules)
	cp -a "$src/rootfs/." "$stage/"
	image_stage_busybox "$stage"
	image_guest_disk_tools "$stage"
	image_guest_net_tools "$stage"
	image_stage_cyclictest "$stage" "$KEEL_GUEST_DEBS_DIR"
	image_stage_modules "$stage" "$src/modules" etc/guest-modules "$@"
	image_pack "$stage" "$out"
	printf '%s\n' "$key" >"$out.key"
}

# image_guest_disk_tools STAGE: e2fsprogs' mke2fs as mkfs.ext4 (busybox's
# mke2fs makes only ext2) with its libraries, blkbench, and fbprobe (the
# display's test and benchmark tool).
image_guest_disk_tools() {
	local stage=$1 t
	# busybox's mke2fs link goes: e2fsprogs' takes its place.
	rm -f "$stage/sbin/mke2fs"
	image_stage_elf "$stage" "$KEEL_GUEST_DEBS_DIR" sbin/mke2fs
	for t in mkfs.ext4 mkfs.ext3 mkfs.ext2; do
		ln -sf mke2fs "$stage/sbin/$t"
	done
	install -D -m 644 "$KEEL_GUEST_DEBS_DIR/etc/mke2fs.conf" "$stage/etc/mke2fs.conf"
	# (Not `| grep -q`: under pipefail mke2fs's second line could hit a closed pipe.)
	case $(qemu-aarch64-static -L "$stage" "$stage/sbin/mke2fs" -V 2>&1) in
	"mke2fs 1."*) ;;
	*) die "mke2fs does not start in the guest's staged root (missing library?)" ;;
	esac
	install -m 755 "$KEEL_BLKBENCH" "$stage/usr/bin/blkbench"
	install -m 755 "$KEEL_FBPROBE" "$stage/usr/bin/fbprobe"
	install -m 755 "$KEEL_CHANBENCH" "$stage/usr/bin/chanbench"
}

# image_guest_net_tools STAGE: iperf3 and its libraries (tests/bench/net).
image_guest_net_tools() {
	local stage=$1
	image_stage_elf "$stage" "$KEEL_GUEST_DEBS_DIR" usr/bin/iperf3
	case $(qemu-aarch64-static -L "$stage" "$stage/usr/bin/iperf3" --version 2>&1) in
	"iperf 3."*) ;;
	*) die "iperf3 does not start in the guest's staged root (missing library?)" ;;
	esac
}

# image_stage_cyclictest STAGE DEBSDIR: rt-tests' cyclictest and its
# libraries (tests/bench/rt), in a guest's or VM0's root.
image_stage_cyclictest() {
	local stage=$1
	image_stage_elf "$stage" "$2" usr/bin/cyclictest
	case $(qemu-aarch64-static -L "$stage" "$stage/usr/bin/cyclictest" --help 2>&1) in
	*cyclictest*) ;;
	*) die "cyclictest does not start in the staged root (missing library?)" ;;
	esac
}
