# SPDX-License-Identifier: GPL-2.0
# Shared settings for scripts/*: paths, logging, the download cache.
# Sourced, never run.

KEEL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KEEL_CACHE=${KEEL_CACHE:-$HOME/.cache/keel}
KEEL_BUILD=${KEEL_BUILD:-$KEEL_ROOT/build}
# Everything VM0 boots from, made by scripts/build.
KEEL_IMAGES=$KEEL_BUILD/images

log() { printf 'keel: %s\n' "$*" >&2; }
die() { printf 'keel: error: %s\n' "$*" >&2; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] || die "run as root (it installs Debian packages): from a root shell (su -), $0"
}
