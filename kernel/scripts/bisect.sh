#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bisect:  bisect.sh
#
# Proves the series bisectable: the kernel (bzImage, the 'on' config:
# droppable.config + series.config, merged anew at every step) builds after
# every patch, not only after the last one.
#
# It works backwards from the built 'on' kernel, so that every step is an
# incremental build: copies of the patched tree and of build/on, then
# "build, revert the last patch (and remove its new files), build again",
# down to the first patch.  kbuild rebuilds exactly what each revert
# touched (patch -R gives the files a new mtime; fixdep tracks the config).
# The copies are mounted, in a private mount namespace, at the paths of the
# real tree and build directory, so that the compiler sees the same paths
# and ccache recognises what it compiled before.  A patch that changes a
# header included everywhere (mm.h, page-flags.h, mmzone.h) still costs a
# full build: expect about an hour on 2 cores.
#
# Environment: JOBS (default: nproc), BISECT_DOWNTO=N stops after proving
# patch N (default 1: all of them; the build with patches 1..N-1 is not
# needed then, so e.g. BISECT_DOWNTO=9 skips the full rebuilds that the
# header changes of patches 1, 2 and 9 cause when reverted), BISECT_KEEP=1
# keeps the copies in $CACHE/bisect.  Logs: $CACHE/logs/bisect-<n>.log.
. "$(dirname "$0")/common.sh"

if [ "${1:-}" != --inside ]; then
	command -v unshare >/dev/null || die "unshare (util-linux) not found"
	[ "$(id -u)" = 0 ] || die "make bisect needs root (a private mount namespace)"
	out=$("$REPO/kernel/scripts/build.sh" on) || die "kernel 'on' did not build"
	src=$("$REPO/kernel/scripts/prepare.sh" patched) || exit 1
	work=$CACHE/bisect
	rm -rf "$work"
	mkdir -p "$work"
	say "copying the patched tree and build/on to $work"
	cp -a "$src" "$work/src" && cp -a "$out" "$work/build" &&
		cp -a "$REPO/kernel/series" "$work/series" ||
		die "copying the trees to $work failed (disk full?)"
	unshare -m --propagation private "$0" --inside "$src" "$out" "$work"
	rc=$?
	[ "${BISECT_KEEP:-0}" = 1 ] || rm -rf "$work"
	exit $rc
fi

src=$2 out=$3 work=$4
mount --bind "$work/src" "$src" && mount --bind "$work/build" "$out" ||
	die "cannot bind-mount the copies over $src and $out"

export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$CACHE CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"
jobs=${JOBS:-$(nproc)}
frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/series.config"

# The series as it was when the copies were made (make export may run).
mapfile -t lines < <(sed -e 's/#.*//' -e 's/[[:space:]]\+/ /g' -e 's/^ //' \
	-e 's/ $//' "$work/series/series" | grep -v '^$')
total=${#lines[@]}
[ "$total" -gt 0 ] || die "the series is empty"
downto=${BISECT_DOWNTO:-1}
case $downto in *[!0-9]*|''|0) die "BISECT_DOWNTO must be a patch number, 1 to $total";; esac
[ "$downto" -le "$total" ] || die "BISECT_DOWNTO=$downto, but the series has $total patches"

for ((k = total; k >= downto; k--)); do
	read -r name newfiles <<<"${lines[k - 1]}"
	log=$LOGDIR/bisect-$k.log
	# shellcheck disable=SC2086
	if ! run_logged "patch $k/$total, $name: building" "$log" bash -c '
		set -e
		env KCONFIG_CONFIG="$2/.config" "$1/scripts/kconfig/merge_config.sh" \
			-m -O "$2" "$1/arch/x86/configs/x86_64_defconfig" \
			"$1/kernel/configs/kvm_guest.config" $4
		make -C "$1" O="$2" CC="$3" HOSTCC="$3" olddefconfig
		make -C "$1" O="$2" CC="$3" HOSTCC="$3" -j"$5" bzImage
	' bisect "$src" "$out" "$CC" "$frags" "$jobs"; then
		die "the series does not build with patches 1-$k applied; $name is the last one (log: $log)"
	fi
	[ "$k" = "$downto" ] && [ "$downto" -gt 1 ] && break
	p=$work/series/$name
	(cd "$src" && patch -R -p1 --batch --fuzz=0 -s <"$p") ||
		die "reverting $name from the patched tree failed"
	for f in $newfiles; do
		rm -f "$src/$f"
	done
done
if [ "$downto" -gt 1 ]; then
	say "the kernel builds after each of patches $downto to $total (BISECT_DOWNTO=$downto)"
	exit 0
fi
# What is left must be the pristine base: the copy ran backwards correctly.
base=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1
if ! diff -rq -x .prepared -x '*.orig' "$base" "$src" >"$LOGDIR/bisect-base.diff" 2>&1; then
	die "after reverting every patch the tree differs from the base (see $LOGDIR/bisect-base.diff)"
fi
say "the kernel builds after each of the $total patches; all reverted, the tree is the base again"
