# SPDX-License-Identifier: GPL-2.0
# Host packages: installed once, checked with dpkg-query (no apt, no network)
# on every later run.

KEEL_HOST_PKGS=(
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm
	qemu-user-static device-tree-compiler meson ninja-build pkg-config cpio
	e2fsprogs libuv1-dev libjansson-dev libcmocka-dev python3-pytest
	python3-pexpect libfdt-dev openssh-client make gcc libc6-dev kmod
	libuv1-dev:arm64 libjansson-dev:arm64 libc6-dev:arm64
	clang libclang-rt-14-dev
	liburing-dev liburing-dev:arm64
	zlib1g-dev
	iperf3
)

# Prints the packages of "$@" that are not installed.
deps_missing() {
	local p
	# A plain name matches every installed architecture: ask for the native
	# (or arch: all) one unless the name says otherwise.
	for p in "$@"; do
		dpkg-query -W -f='${Architecture} ${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -Eq "^(${p#*:}|$(dpkg --print-architecture)|all) installed$" ||
			printf '%s\n' "$p"
	done
}

deps_install() {
	local missing
	mapfile -t missing < <(deps_missing "${KEEL_HOST_PKGS[@]}")
	[ ${#missing[@]} -eq 0 ] && return 0
	need_root
	local update=0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "adding the arm64 architecture to dpkg"
		dpkg --add-architecture arm64
		update=1
	fi
	# Lists missing (fresh machine) or lacking a package: refresh them.
	apt-cache show "${missing[@]}" >/dev/null 2>&1 || update=1
	if [ $update = 1 ]; then
		log "apt-get update"
		apt-get update -qq || die "apt-get update failed"
	fi
	log "installing: ${missing[*]}"
	local out
	out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" 2>&1) || { printf '%s\n' "$out" >&2; die "apt-get install failed"; }
}
