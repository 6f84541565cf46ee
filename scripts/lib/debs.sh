# SPDX-License-Identifier: GPL-2.0
# Debian arm64 packages VM0 is made from: downloaded once with apt-get download
# into $KEEL_CACHE/debs, extracted into folders named by package version.
# Versions come from the local apt lists (apt-cache, no network), so a rerun
# with everything cached touches no network.

KEEL_ROOTFS_PKGS=(
	busybox-static:arm64 dropbear-bin:arm64 libtomcrypt1:arm64 libtommath1:arm64
	libgmp10:arm64 libcrypt1:arm64 zlib1g:arm64 libc6:arm64
	picocom:arm64 minicom:arm64 libncursesw6:arm64 libtinfo6:arm64 ncurses-base
	nftables:arm64 libnftables1:arm64 libedit2:arm64 libbsd0:arm64 libmd0:arm64
	libjansson4:arm64 libmnl0:arm64 libnftnl11:arm64 libxtables12:arm64
	iperf3:arm64 libiperf0:arm64 libsctp1:arm64 libssl3:arm64
	rt-tests:arm64 libnuma1:arm64
)
# What guests get beyond busybox (mkfs.ext4 for their virtio-blk disks,
# iperf3 for tests/bench/net, cyclictest from rt-tests for tests/bench/rt,
# which VM0 gets too),
# extracted apart from VM0's set (with VM0's libc6) so the guest initramfs
# takes only these.
KEEL_GUEST_PKGS=(
	e2fsprogs:arm64 libext2fs2:arm64 libcom-err2:arm64 libblkid1:arm64 libuuid1:arm64
	libss2:arm64
	iperf3:arm64 libiperf0:arm64 libsctp1:arm64 libssl3:arm64
	rt-tests:arm64 libnuma1:arm64
)

# Static libraries keeld links (aarch64, not in VM0's image): extracted
# apart, their folders given to meson (-Dlibfdt_arm64, -Dzlib_arm64,
# -Dlibdrm_arm64).
KEEL_BUILD_LIB_PKGS=(libfdt-dev:arm64 zlib1g-dev:arm64 libdrm-dev:arm64)

# Filled by debs_resolve: package name (without :arch) -> .deb path.
declare -A KEEL_DEB
# Filled by debs_resolve: package name -> version.
declare -A KEEL_DEBVER
KEEL_ABI=

# Prints "package version arch" for each candidate of "$@".
debs_candidates() {
	apt-cache show --no-all-versions "$@" 2>/dev/null |
		awk '/^Package:/ {p=$2} /^Version:/ {v=$2} /^Architecture:/ {a=$2}
		     /^$/ {if (p != "") print p, v, a; p=""} END {if (p != "") print p, v, a}'
}

# Resolves the kernel ABI and every package's version, downloads the .debs
# that are not cached yet. apt-cache takes about a second a call, so the
# answer is kept for as long as the apt lists stay the same.
debs_resolve() {
	local lists saved
	lists=$( { ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null
		printf '%s\n' "${KEEL_ROOTFS_PKGS[@]}" "${KEEL_GUEST_PKGS[@]}" "${KEEL_BUILD_LIB_PKGS[@]}"; } |
		sha256sum | cut -c1-16)
	saved=$KEEL_CACHE/resolved/$lists.sh
	if [ -s "$saved" ]; then
		. "$saved"
		local p ok=1
		for p in "${!KEEL_DEB[@]}"; do
			[ -s "${KEEL_DEB[$p]}" ] || ok=0
		done
		[ $ok = 1 ] && [ ${#KEEL_DEB[@]} -gt 0 ] && return 0
	fi
	debs_resolve_apt
	mkdir -p "$KEEL_CACHE/resolved"
	{ declare -p KEEL_DEB KEEL_DEBVER KEEL_ABI | sed 's/^declare -A/declare -gA/; s/^declare --/declare -g/'; } >"$saved.tmp"
	mv "$saved.tmp" "$saved"
}

debs_resolve_apt() {
	local dep
	dep=$(apt-cache show --no-all-versions linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*\)-arm64 .*/\1/p' | head -n1)
	[ -n "$dep" ] || die "apt-cache knows no linux-image-arm64:arm64 (run scripts/setup as root)"
	KEEL_ABI=$dep
	local kbuild
	kbuild=linux-kbuild-$(echo "$KEEL_ABI" | cut -d. -f1,2)
	local pkgs=(
		"linux-image-$KEEL_ABI-arm64:arm64" "linux-headers-$KEEL_ABI-arm64:arm64"
		"linux-headers-$KEEL_ABI-common" "$kbuild:amd64" "${KEEL_BUILD_LIB_PKGS[@]}"
		"${KEEL_ROOTFS_PKGS[@]}" "${KEEL_GUEST_PKGS[@]}"
	)
	local p v a f want=() n=0
	mkdir -p "$KEEL_CACHE/debs"
	while read -r p v a; do
		f=$KEEL_CACHE/debs/${p}_${v//:/%3a}_$a.deb
		KEEL_DEB[$p]=$f
		KEEL_DEBVER[$p]=$v
		n=$((n + 1))
		[ -s "$f" ] || want+=("$p:$a=$v")
	done < <(debs_candidates "${pkgs[@]}")
	[ $n = ${#pkgs[@]} ] || die "apt-cache found $n of ${#pkgs[@]} packages: ${pkgs[*]}"
	[ ${#want[@]} = 0 ] && return 0
	log "downloading ${#want[@]} Debian packages into $KEEL_CACHE/debs"
	local tmp
	tmp=$(mktemp -d "$KEEL_CACHE/debs/.dl.XXXXXX")
	# apt-get download drops privileges to _apt: let it write there.
	chmod 777 "$tmp"
	if ! (cd "$tmp" && apt-get download -qq "${want[@]}" >/dev/null); then
		rm -rf "$tmp"
		# Old point releases leave the archive: refresh the lists once.
		[ -z "${KEEL_DEBS_RETRIED:-}" ] || die "apt-get download ${want[*]} failed"
		need_root
		log "download failed; apt-get update and retry"
		apt-get update -qq || die "apt-get update failed"
		KEEL_DEBS_RETRIED=1
		debs_resolve_apt
		return
	fi
	mv "$tmp"/*.deb "$KEEL_CACHE/debs/"
	rmdir "$tmp"
	for p in "${!KEEL_DEB[@]}"; do
		[ -s "${KEEL_DEB[$p]}" ] || die "missing after download: ${KEEL_DEB[$p]}"
	done
}

# debs_extract DIR DEB...: extracts into DIR once (DIR/.done marks success).
debs_extract() {
	local dir=$1 d
	shift
	[ -e "$dir/.done" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$@"; do
		dpkg-deb -x "$d" "$dir" || die "dpkg-deb -x $d failed"
	done
	touch "$dir/.done"
}

# Sets KEEL_KERNEL_DIR (extracted linux-image), KEEL_KDIR (headers tree for
# kbuild), KEEL_LIBFDT_DIR, KEEL_ZLIB_DIR,
# KEEL_LIBDRM_DIR, KEEL_ROOTFS_DEBS_DIR (busybox, dropbear, libs).
debs_prepare() {
	debs_resolve
	local img=linux-image-$KEEL_ABI-arm64 hdr=linux-headers-$KEEL_ABI-arm64
	local com=linux-headers-$KEEL_ABI-common kb p key=
	kb=linux-kbuild-$(echo "$KEEL_ABI" | cut -d. -f1,2)

	KEEL_KVER=$KEEL_ABI-arm64
	KEEL_KERNEL_DIR=$KEEL_CACHE/kernel/${KEEL_DEBVER[$img]}-$KEEL_ABI
	debs_extract "$KEEL_KERNEL_DIR" "${KEEL_DEB[$img]}"
	KEEL_VMLINUZ=$KEEL_KERNEL_DIR/boot/vmlinuz-$KEEL_KVER

	local hroot=$KEEL_CACHE/headers/${KEEL_DEBVER[$hdr]}-$KEEL_ABI
	if [ ! -e "$hroot/.done" ]; then
		debs_extract "$hroot" "${KEEL_DEB[$hdr]}" "${KEEL_DEB[$com]}" "${KEEL_DEB[$kb]}"
		# The arm64 Makefile includes the common tree by absolute path.
		printf 'include %s/usr/src/%s/Makefile\n' "$hroot" "$com" \
			>"$hroot/usr/src/$hdr/Makefile"
	fi
	KEEL_KDIR=$hroot/usr/src/$hdr

	KEEL_LIBFDT_DIR=$KEEL_CACHE/libfdt/${KEEL_DEBVER[libfdt-dev]}
	debs_extract "$KEEL_LIBFDT_DIR" "${KEEL_DEB[libfdt-dev]}"
	KEEL_ZLIB_DIR=$KEEL_CACHE/zlib/${KEEL_DEBVER[zlib1g-dev]}
	debs_extract "$KEEL_ZLIB_DIR" "${KEEL_DEB[zlib1g-dev]}"
	KEEL_LIBDRM_DIR=$KEEL_CACHE/libdrm/${KEEL_DEBVER[libdrm-dev]}
	debs_extract "$KEEL_LIBDRM_DIR" "${KEEL_DEB[libdrm-dev]}"

	local debs=()
	for p in "${KEEL_ROOTFS_PKGS[@]}"; do
		p=${p%:*}
		key+="${p}_${KEEL_DEBVER[$p]}"$'\n'
		debs+=("${KEEL_DEB[$p]}")
	done
	key=$(printf '%s' "$key" | sha256sum | cut -c1-16)
	KEEL_ROOTFS_DEBS_DIR=$KEEL_CACHE/rootfs/$key
	debs_extract "$KEEL_ROOTFS_DEBS_DIR" "${debs[@]}"

	# The guests' extra packages: KEEL_GUEST_DEBS_DIR.
	key= debs=()
	for p in "${KEEL_GUEST_PKGS[@]}" libc6:arm64; do
		p=${p%:*}
		key+="${p}_${KEEL_DEBVER[$p]}"$'\n'
		debs+=("${KEEL_DEB[$p]}")
	done
	key=$(printf '%s' "$key" | sha256sum | cut -c1-16)
	KEEL_GUEST_DEBS_DIR=$KEEL_CACHE/guest-debs/$key
	debs_extract "$KEEL_GUEST_DEBS_DIR" "${debs[@]}"
}
