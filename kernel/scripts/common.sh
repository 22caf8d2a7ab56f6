# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the build and boot scripts.  Sourced, not executed.
#
# Environment (set by the top-level Makefile, all optional):
#   CACHE   cache directory (default $XDG_CACHE_HOME/map-droppable or
#           ~/.cache/map-droppable); holds the base tree, build trees, ccache,
#           logs and guest scratch space.  Nothing is written to the repository.
#   V=1     show full command output instead of one-line progress.

set -o pipefail

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/map-droppable}
V=${V:-0}
LOGDIR=$CACHE/logs
mkdir -p "$CACHE" "$LOGDIR"

# shellcheck source=../BASE
. "$REPO/kernel/BASE"

die() {
	echo "error: $*" >&2
	exit 1
}

say() {
	echo "==> $*"
}

warn() {
	echo "WARNING: $*" >&2
}

# run_logged DESC LOG CMD...
# Run CMD with all output in LOG.  With V=1 the output is also shown.
# Otherwise a progress line is printed every 20 s (the log's last line), so a
# long step never sits silent.  Returns CMD's exit status; on failure prints
# the log's tail and the log's path.
run_logged() {
	local desc=$1 log=$2 rc start now last
	shift 2
	start=$(date +%s)
	if [ "$V" = 1 ]; then
		say "$desc (log: $log)"
		"$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	else
		say "$desc (log: $log)"
		"$@" >"$log" 2>&1 &
		local pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			for _ in $(seq 20); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 1
			done
			kill -0 "$pid" 2>/dev/null || break
			now=$(date +%s)
			last=$(tail -n 1 "$log" 2>/dev/null | tr -s ' \t' ' ' | cut -c1-70)
			printf '    %s: %ds, %s lines, at: %s\n' "$desc" \
				$((now - start)) "$(wc -l <"$log")" "$last"
		done
		wait "$pid"
		rc=$?
	fi
	now=$(date +%s)
	if [ "$rc" -ne 0 ]; then
		echo "---- last 30 lines of $log ----" >&2
		tail -n 30 "$log" >&2
		echo "---- $desc failed (exit $rc) after $((now - start))s; full log: $log" >&2
	else
		echo "    $desc: done in $((now - start))s"
	fi
	return "$rc"
}

# hash_inputs FILE|DIR...: one sha256 over the names and contents of the
# given files (directories recursively), for build stamps.
hash_inputs() {
	local p
	for p in "$@"; do
		if [ -d "$p" ]; then
			(cd "$p" && find . -type f ! -name '.*' -print0 | LC_ALL=C sort -z |
				xargs -0r sha256sum)
		elif [ -e "$p" ]; then
			# By content and base name: the same file named through
			# another path must give the same stamp.
			echo "$(sha256sum <"$p" | cut -d' ' -f1) ${p##*/}"
		else
			echo "absent ${p##*/}"
		fi
	done | sha256sum | cut -d' ' -f1
}

# series_lines: the series file without comments and blank lines, one
# "PATCH [NEWFILE...]" line per patch, in order.
series_lines() {
	sed -e 's/#.*//' -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' \
		"$REPO/kernel/series/series" | grep -v '^$'
}

# series_patches: the patch files of the series, in order, as absolute paths.
series_patches() {
	local name rest
	series_lines | while read -r name rest; do
		echo "$REPO/kernel/series/$name"
	done
}

# What a guest's kernel log must not report: one list for every script
# that boots a guest (make check, make bench).
KLOG_BAD='WARNING:|BUG:|Bad page|KASAN|UBSAN|Oops|general protection fault|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu: INFO:|self-detected stall|detected stalls on CPUs|hung_task|soft lockup|hard LOCKUP'

# The debug kernel (build.sh debug): page poisoning is a boot option, and
# under emulation with KASAN the ACPI interpreter is slow enough for the
# PCI interrupt routing methods to hit ACPICA's 30 s loop timeout, once per
# device: route interrupts without ACPI.  Booting takes minutes.
DEBUG_KCMDLINE="page_poison=1 acpi=noirq"
DEBUG_UP_TIMEOUT=900

# Source tree of a variant as it is, without prepare.sh (BENCH_NOBUILD=1,
# RECLAIM_NOBUILD=1: use the trees of the last build).
nobuild_src() {
	local d
	if [ "$1" = base ]; then
		for d in "$CACHE/base/$BASE_VERSION/$BASE_TOPDIR" "$CACHE"/base/*/"$BASE_TOPDIR"; do
			[ -f "$d/../.extracted" ] && { echo "$d"; return 0; }
		done
	else
		d=$CACHE/src/patched
		[ -f "$d/.prepared" ] && { echo "$d"; return 0; }
	fi
	return 1
}

# variant_src VARIANT: the source tree a kernel variant is built from (the
# pristine base for 'base', the patched tree otherwise), prepared if needed.
variant_src() {
	case $1 in
	base)	"$REPO/kernel/scripts/prepare.sh" base ;;
	upto-*)	"$REPO/kernel/scripts/prepare.sh" upto "${1#upto-}" ;;
	*)	"$REPO/kernel/scripts/prepare.sh" patched ;;
	esac
}

# build_tests VARIANT BUILDDIR LOG [TARGET...]: the test programs for a
# kernel variant, against its uapi headers, into $CACHE/tests/VARIANT.
build_tests() {
	local v=$1 out=$2 log=$3 src
	shift 3
	src=$(variant_src "$v") || return 1
	run_logged "building the test programs for '$v'" "$log" \
		make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" \
		OUT="$CACHE/tests/$v" "$@"
}
