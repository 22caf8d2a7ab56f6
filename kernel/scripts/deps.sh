#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make sure the Debian packages the build, the guest and the tests need are
# installed.  As root, install what is missing; otherwise print the exact
# command and fail.
. "$(dirname "$0")/common.sh"

PKGS="build-essential flex bison bc libelf-dev libssl-dev dwarves cpio kmod
xz-utils rsync git ccache qemu-system-x86 bpftrace busybox-static util-linux
python3-ply python3-git graphviz
procps trinity gnuplot-nox sparse
libnuma-dev libcap-dev liburing-dev dosfstools"

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

# The base: pinned linux-source-6.12, or the newest one if the pin is gone.
src_want="$BASE_PKG=$BASE_VERSION"
src_have=$(dpkg-query -W -f='${Status} ${Version}' "$BASE_PKG" 2>/dev/null |
	sed -n 's/^install ok installed //p')
if [ "$src_have" != "$BASE_VERSION" ]; then
	if apt-cache madison "$BASE_PKG" 2>/dev/null |
			awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qx "$BASE_VERSION"; then
		missing+=("$src_want")
	elif [ -z "$src_have" ]; then
		warn "$BASE_PKG $BASE_VERSION is no longer served; installing the newest $BASE_PKG instead"
		missing+=("$BASE_PKG")
	fi
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "error: missing packages: ${missing[*]}" >&2
	echo "       run as root:  apt-get update && $cmd" >&2
	exit 1
fi
say "installing ${#missing[@]} missing package(s): ${missing[*]}"
run_logged "apt-get update" "$LOGDIR/apt-update.log" apt-get update ||
	warn "apt-get update failed; trying the install with the current lists"
DEBIAN_FRONTEND=noninteractive run_logged "apt-get install" "$LOGDIR/apt-install.log" \
	env DEBIAN_FRONTEND=noninteractive $cmd || die "package install failed (see $LOGDIR/apt-install.log)"
