#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a guest kernel out of tree:  build.sh on|off|base|debug|upto-N
#
#   on    the base + our series, CONFIG_MAP_DROPPABLE=y (the default)
#   off   the same tree with kernel/config/off.config merged in
#   base  the pristine base: upstream's VMA-based MAP_DROPPABLE, for comparison
#   upto-N  the base + the first N patches of the series, configured like
#         'on' (the kernel before the later patches, e.g. for make bench)
#   debug the series with kernel/config/debug.config merged in: KASAN,
#         lockdep, DEBUG_VM_PGFLAGS, list debugging (make check-debug)
#
# Output in $CACHE/build/<variant>: arch/x86/boot/bzImage and the installed
# uapi headers in hdr/.  Nothing is rebuilt when neither the tree nor the
# config fragments changed; otherwise kbuild rebuilds what changed, through
# ccache.  Prints the path of the build directory on success.
. "$(dirname "$0")/common.sh"

variant=${1:-on}
case $variant in
on)	src=$("$REPO/kernel/scripts/prepare.sh" patched) || exit 1
	frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/series.config" ;;
off)	src=$("$REPO/kernel/scripts/prepare.sh" patched) || exit 1
	frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/off.config" ;;
debug)	src=$("$REPO/kernel/scripts/prepare.sh" patched) || exit 1
	frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/series.config $REPO/kernel/config/debug.config" ;;
base)	src=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1
	frags="$REPO/kernel/config/droppable.config" ;;
upto-*)	src=$("$REPO/kernel/scripts/prepare.sh" upto "${variant#upto-}") || exit 1
	frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/series.config" ;;
*)	die "unknown kernel variant '$variant' (want on, off, base, debug or upto-N)" ;;
esac

out=$CACHE/build/$variant
mkdir -p "$out"
export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$CACHE CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"
jobs=${JOBS:-$(nproc)}
kmake() {
	make -C "$src" O="$out" CC="$CC" HOSTCC="$CC" -j"$jobs" "$@"
}

srcstamp=$(cat "$src/.prepared" 2>/dev/null || cat "$src/../.extracted")
# shellcheck disable=SC2086
cfgstamp=$(hash_inputs $frags "$src/arch/x86/configs/x86_64_defconfig" \
	"$src/kernel/configs/kvm_guest.config")
stamp="$srcstamp $cfgstamp"

if [ -f "$out/.built" ] && [ "$(cat "$out/.built")" = "$stamp" ] &&
   [ -f "$out/arch/x86/boot/bzImage" ]; then
	say "kernel '$variant' is up to date: $out/arch/x86/boot/bzImage" >&2
	echo "$out"
	exit 0
fi

if [ ! -f "$out/.config" ] || [ "$(cat "$out/.configured" 2>/dev/null)" != "$cfgstamp" ]; then
	# shellcheck disable=SC2086
	run_logged "configuring kernel '$variant'" "$LOGDIR/config-$variant.log" \
		env KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$src/arch/x86/configs/x86_64_defconfig" \
		"$src/kernel/configs/kvm_guest.config" $frags >&2 ||
		die "merging the config fragments failed"
	kmake olddefconfig >>"$LOGDIR/config-$variant.log" 2>&1 ||
		die "make olddefconfig failed (see $LOGDIR/config-$variant.log)"
	# Every line of our fragments must survive olddefconfig.
	bad=0
	for f in $frags; do
		while read -r l; do
			case $l in
			"# CONFIG_"*" is not set")
				n=${l#\# }; n=${n%% *}
				if grep -q "^$n=" "$out/.config"; then
					warn "$variant: ${f##*/} wants $n off, the config has $(grep "^$n=" "$out/.config")"
					bad=1
				fi ;;
			CONFIG_*)
				if ! grep -qx "$l" "$out/.config"; then
					warn "$variant: ${f##*/} wants $l, the config has '$(grep -E "^(# )?${l%%=*}[= ]" "$out/.config")'"
					bad=1
				fi ;;
			esac
		done <"$f"
	done
	# An early prefix of the series may lack options of later patches.
	case $variant in upto-*) bad=0 ;; esac
	[ "$bad" = 0 ] || die "the kernel config for '$variant' does not honour the fragments (see above)"
	echo "$cfgstamp" >"$out/.configured"
fi

log=$LOGDIR/build-$variant.log
if ! run_logged "building kernel '$variant' with $jobs jobs" "$log" kmake bzImage >&2; then
	# Name the patches that touch the files the compiler complained about.
	files=$(grep -oE '^[^ :]+\.[ch]:[0-9]+:[0-9]+: (fatal )?error' "$log" |
		cut -d: -f1 | sed "s|^$src/||; s|^\.\./||" | sort -u)
	for f in $files; do
		for p in $(series_patches); do
			grep -q "^+++ b/$f\$" "$p" 2>/dev/null &&
				echo "error: build of $f failed; it is changed by kernel/series/${p##*/}" >&2
		done
		[ -e "$REPO/$f" ] && echo "error: build of $f failed; it is the new file $f" >&2
	done
	die "kernel '$variant' did not build (full log: $log)"
fi
run_logged "installing uapi headers for '$variant'" "$LOGDIR/headers-$variant.log" \
	kmake headers_install INSTALL_HDR_PATH="$out/hdr" >&2 || die "headers_install failed"
echo "$stamp" >"$out/.built"
echo "$out"
