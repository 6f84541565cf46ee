# SPDX-License-Identifier: GPL-2.0
# VM0's boot images: the initramfs (busybox, dropbear, kernel modules,
# keel.ko, images/vm0/rootfs) and a small ext4 disk. Needs debs_prepare.

# none or gzip. Uncompressed boots a little faster under TCG (medians of 5
# direct boots to the ready line: 3.3 s uncompressed, 3.4-4.0 s gzip -1).
KEEL_INITRAMFS_COMPRESS=${KEEL_INITRAMFS_COMPRESS:-none}

# The ssh key scripts/ssh and the tests log in with.
ssh_key_ensure() {
	KEEL_SSH_KEY=$KEEL_CACHE/ssh/id_ed25519
	[ -s "$KEEL_SSH_KEY" ] && return 0
	mkdir -p "$KEEL_CACHE/ssh"
	chmod 700 "$KEEL_CACHE/ssh"
	ssh-keygen -q -t ed25519 -N '' -C keel-vm0 -f "$KEEL_SSH_KEY" || die "ssh-keygen failed"
}

# Prints the path of module NAME under the extracted kernel, relative to
# lib/modules/<kver>; Debian mixes '-' and '_' in file names.
image_find_module() {
	local mods=$KEEL_KERNEL_DIR/lib/modules/$KEEL_KVER f
	f=$(find "$mods/kernel" \( -name "$1.ko" -o -name "${1//_/-}.ko" -o -name "${1//-/_}.ko" \) \
		-print -quit)
	[ -n "$f" ] || die "module $1 not in ${KEEL_DEB[linux-image-$KEEL_ABI-arm64]}"
	printf '%s\n' "${f#"$mods"/}"
}

# image_tree_key DIR: every file's content and mode under DIR, for an image's
# cache key (a changed file or permission makes a new image).
image_tree_key() {
	find "$1" -type f -print0 | sort -z | xargs -0 sha256sum
	find "$1" -type f -printf '%p %m\n' | sort
}

# image_stage_busybox STAGE: busybox and the links `busybox --install -s`
# would make, without running in that root; /init is busybox's init.
image_stage_busybox() {
	local stage=$1 a
	cp "$KEEL_ROOTFS_DEBS_DIR/bin/busybox" "$stage/bin/"
	for a in $(qemu-aarch64-static "$stage/bin/busybox" --list-full); do
		[ -e "$stage/$a" ] || [ -L "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done
	ln -sf /sbin/init "$stage/init"
}

# image_stage_modules STAGE LIST LOADLIST [EXTRA_KO...]: the modules named in
# LIST (and their load order, as paths under /lib/modules/<kver>, in
# LOADLIST inside STAGE), the extra modules in extra/, and depmod's files.
image_stage_modules() {
	local stage=$1 list=$2 loadlist=$3 m rel ko
	shift 3
	local kmods=$KEEL_KERNEL_DIR/lib/modules/$KEEL_KVER
	local smods=$stage/lib/modules/$KEEL_KVER
	mkdir -p "$smods/extra" "$(dirname "$stage/$loadlist")"
	: >"$stage/$loadlist"
	while read -r m; do
		case "$m" in '' | '#'*) continue ;; esac
		rel=$(image_find_module "$m")
		mkdir -p "$smods/$(dirname "$rel")"
		cp "$kmods/$rel" "$smods/$rel"
		echo "$rel" >>"$stage/$loadlist"
	done <"$list"
	cp "$kmods"/modules.builtin* "$kmods/modules.order" "$smods/"
	for ko in "$@"; do
		cp "$ko" "$smods/extra/"
	done
	depmod -b "$stage" "$KEEL_KVER" || die "depmod failed for $stage"
}

# image_stage_elf STAGE SRCROOT FILE...: copies FILE (paths inside SRCROOT,
# an extracted Debian tree) into STAGE with every shared library it needs,
# following DT_NEEDED through SRCROOT's library folders, and the dynamic
# loader. Symlinks (libfoo.so.1 -> libfoo.so.1.2.3) are kept.
image_stage_elf() {
	local stage=$1 root=$2 f lib dir found
	shift 2
	local todo=("$@") seen=" "
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		case $seen in *" $f "*) continue ;; esac
		seen+="$f "
		[ -e "$root/$f" ] || die "$f is not in $root"
		mkdir -p "$stage/$(dirname "$f")"
		cp -a "$root/$f" "$stage/$f"
		# A symlink: stage what it points to as well.
		if [ -L "$root/$f" ]; then
			todo+=("$(dirname "$f")/$(readlink "$root/$f")")
			continue
		fi
		for lib in $(aarch64-linux-gnu-readelf -d "$root/$f" 2>/dev/null |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			found=
			for dir in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
				if [ -e "$root/$dir/$lib" ]; then
					found=$dir/$lib
					break
				fi
			done
			[ -n "$found" ] || die "$f needs $lib, which is not in $root"
			todo+=("$found")
		done
		if aarch64-linux-gnu-readelf -l "$root/$f" 2>/dev/null | grep -q 'interpreter: /lib/ld-linux-aarch64.so.1'; then
			todo+=(lib/ld-linux-aarch64.so.1)
		fi
	done
}

# image_pack STAGE OUT: a newc cpio of STAGE (owned by root), compressed as
# KEEL_INITRAMFS_COMPRESS says.
image_pack() {
	local stage=$1 out=$2 tmp=$2.tmp
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$tmp.cpio" || die "cpio failed for $stage"
	case $KEEL_INITRAMFS_COMPRESS in
	gzip) gzip -1 -n -c "$tmp.cpio" >"$tmp" && rm "$tmp.cpio" ;;
	none) mv "$tmp.cpio" "$tmp" ;;
	*) die "KEEL_INITRAMFS_COMPRESS: none or gzip" ;;
	esac
	mv "$tmp" "$out"
}

# The disk benchmark tool (tests/bench/blk), in VM0 and in guests.
KEEL_BLKBENCH=$KEEL_BUILD/tests/bench/blkbench/blkbench
# Draws on a guest's display (tests/system/test_display.py, tests/bench/display).
KEEL_FBPROBE=$KEEL_BUILD/tests/guest/fbprobe/fbprobe
# Channel round trips and throughput (tests/bench/chan), in guests.
KEEL_CHANBENCH=$KEEL_BUILD/tests/bench/chanbench/chanbench
# /dev/keel's ioctls with bad arguments (tests/system/test_bad_input.py).
KEEL_KEELTEST=$KEEL_BUILD/tests/kmod/keeltest
# The bare-metal example guest (tests/guest/baremetal, configs/baremetal*.json).
KEEL_BAREMETAL=$KEEL_BUILD/tests/guest/baremetal

# Keel's own userspace in VM0: keeld, keel, example configs, guest images.
image_keel_files() {
	printf '%s\n' "$KEEL_BUILD/vm0-daemon/keeld" "$KEEL_BUILD/cli/keel" "$KEEL_BLKBENCH" "$KEEL_KEELTEST" \
		"$KEEL_IMAGES/guest-initramfs.img" "$KEEL_ROOT"/configs/*.json \
		"$KEEL_BAREMETAL/baremetal.elf" "$KEEL_BAREMETAL/baremetal.bin"
}

# image_initramfs KEEL_KO OUT [TEST_KO...]: rebuilt only when an input
# changed. TEST_KOs (test doubles, e.g. cpufreq_rec) go to extra/ beside
# keel.ko, for tests to modprobe; nothing loads them at boot.
image_initramfs() {
	local ko=$1 out=$2 src=$KEEL_ROOT/images/vm0
	local key stage=$KEEL_IMAGES/vm0-root
	shift 2
	local test_kos=("$@")
	key=$( {
		echo "$KEEL_KERNEL_DIR $KEEL_ROOTFS_DEBS_DIR $KEEL_INITRAMFS_COMPRESS"
		cat "$KEEL_SSH_KEY.pub"
		sha256sum "$ko" "${test_kos[@]}" "${BASH_SOURCE[0]}"
		image_keel_files | xargs sha256sum
		image_tree_key "$src"
	} | sha256sum)
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0

	log "making VM0's initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"
	(cd "$stage" && mkdir -p bin sbin usr/bin usr/sbin usr/lib proc sys dev tmp run \
		var/log mnt root/.ssh etc/keel etc/dropbear lib/modules)
	cp -a "$src/rootfs/." "$stage/"

	image_stage_busybox "$stage"

	# dropbear and the shared libraries it needs.
	cp -a "$KEEL_ROOTFS_DEBS_DIR/lib" "$stage/"
	cp -a "$KEEL_ROOTFS_DEBS_DIR/usr/lib/aarch64-linux-gnu" "$stage/usr/lib/"
	rm -rf "$stage/usr/lib/aarch64-linux-gnu/gconv" "$stage/usr/lib/aarch64-linux-gnu/audit"
	cp "$KEEL_ROOTFS_DEBS_DIR/usr/sbin/dropbear" "$stage/usr/sbin/"
	cp "$KEEL_ROOTFS_DEBS_DIR/usr/bin/dbclient" "$KEEL_ROOTFS_DEBS_DIR/usr/bin/dropbearkey" \
		"$stage/usr/bin/"
	qemu-aarch64-static -L "$stage" "$stage/usr/sbin/dropbear" -V >/dev/null 2>&1 ||
		die "dropbear does not start in the staged root (missing library?)"
	install -m 600 "$KEEL_SSH_KEY.pub" "$stage/root/.ssh/authorized_keys"
	# Serial terminals for /dev/hvcN, and the terminfo they need.
	cp "$KEEL_ROOTFS_DEBS_DIR/usr/bin/picocom" "$KEEL_ROOTFS_DEBS_DIR/usr/bin/minicom" "$stage/usr/bin/"
	mkdir -p "$stage/usr/share"
	cp -a "$KEEL_ROOTFS_DEBS_DIR/lib/terminfo" "$stage/lib/" 2>/dev/null || true
	# (minicom -v exits 1 after printing its version: look at what it says.)
	{ qemu-aarch64-static -L "$stage" "$stage/usr/bin/minicom" -v 2>&1 || true; } | grep -q "^minicom version" ||
		die "minicom does not start in the staged root (missing library?)"

	# The guests' network: nft for /etc/keel/network's NAT; iperf3 for
	# tests/bench/net. image_stage_elf checks their libraries are there (nft
	# cannot start under qemu-user, which lacks netfilter's netlink).
	image_stage_elf "$stage" "$KEEL_ROOTFS_DEBS_DIR" usr/sbin/nft usr/bin/iperf3
	qemu-aarch64-static -L "$stage" "$stage/usr/bin/iperf3" --version >/dev/null 2>&1 ||
		die "iperf3 does not start in the staged root (missing library?)"
	image_stage_cyclictest "$stage" "$KEEL_ROOTFS_DEBS_DIR"  # tests/bench/rt, direct boots

	# Keel: the daemon, the CLI, example configs, a guest kernel and initramfs.
	install -m 755 "$KEEL_BUILD/vm0-daemon/keeld" "$stage/usr/sbin/keeld"
	install -m 755 "$KEEL_BUILD/cli/keel" "$stage/usr/bin/keel"
	install -m 644 "$KEEL_ROOT"/configs/*.json "$stage/etc/keel/"
	install -m 755 "$KEEL_BLKBENCH" "$stage/usr/bin/blkbench"
	install -m 755 "$KEEL_KEELTEST" "$stage/usr/bin/keeltest"
	mkdir -p "$stage/var/lib/keel"
	cp "$KEEL_VMLINUZ" "$stage/var/lib/keel/Image"
	cp "$KEEL_IMAGES/guest-initramfs.img" "$stage/var/lib/keel/guest-initramfs.img"
	cp "$KEEL_BAREMETAL/baremetal.elf" "$KEEL_BAREMETAL/baremetal.bin" "$stage/var/lib/keel/"
	chmod 700 "$stage/root" "$stage/root/.ssh"
	chmod 600 "$stage/etc/shadow"

	# Kernel modules, in load order, plus keel.ko (extra/keel.ko).
	local kodir
	kodir=$(mktemp -d)
	cp "$ko" "$kodir/keel.ko"
	image_stage_modules "$stage" "$src/modules" etc/keel/modules "$kodir/keel.ko" "${test_kos[@]}"
	rm -rf "$kodir"

	image_pack "$stage" "$out"
	printf '%s\n' "$key" >"$out.key"
}

# VM0's data disk (/data: guest disk images, benchmark files): an empty
# sparse ext4 filesystem, labelled so VM0 mounts it by label.
KEEL_DATA_DISK_SIZE=${KEEL_DATA_DISK_SIZE:-2G}
KEEL_DATA_DISK_LABEL=keel-data

# image_data_disk OUT: made once per size and mkfs version, then copied
# sparse (2 GiB apparent, a few MiB allocated).
image_data_disk() {
	local out=$1 key cached
	key=$(printf '%s %s %s\n' "$KEEL_DATA_DISK_SIZE" "$KEEL_DATA_DISK_LABEL" \
		"$(mkfs.ext4 -V 2>&1 | head -n1)" | sha256sum | cut -c1-16)
	cached=$KEEL_CACHE/disks/data-$key.ext4
	if [ ! -s "$cached" ]; then
		mkdir -p "$KEEL_CACHE/disks"
		rm -f "$cached.tmp"
		truncate -s "$KEEL_DATA_DISK_SIZE" "$cached.tmp"
		# Inode tables and journal initialised now: no lazy-init thread
		# writing behind the benchmarks' back in VM0.
		mkfs.ext4 -q -F -L "$KEEL_DATA_DISK_LABEL" -E lazy_itable_init=0,lazy_journal_init=0 \
			"$cached.tmp" >/dev/null || die "mkfs.ext4 failed for the data disk"
		# mkfs wrote the journal as zeros: make those holes again.
		fallocate --dig-holes "$cached.tmp" || die "fallocate --dig-holes failed"
		mv "$cached.tmp" "$cached"
	fi
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
	rm -f "$out"
	cp --sparse=always "$cached" "$out.tmp" || die "copying the data disk failed"
	mv "$out.tmp" "$out"
	echo "$key" >"$out.key"
}

# image_disk OUT: a small ext4 disk from images/vm0-disk, made once per content.
image_disk() {
	local out=$1 src=$KEEL_ROOT/images/vm0-disk key cached
	key=$(cd "$src" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
	cached=$KEEL_CACHE/disks/vm0-$key.ext4
	if [ ! -s "$cached" ]; then
		mkdir -p "$KEEL_CACHE/disks"
		mkfs.ext4 -q -F -L keel-vm0 -d "$src" "$cached.tmp" 16M >/dev/null || die "mkfs.ext4 failed"
		mv "$cached.tmp" "$cached"
	fi
	# QEMU writes to the disk: give each build its own copy of the pristine one.
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
	cp "$cached" "$out"
	echo "$key" >"$out.key"
}
