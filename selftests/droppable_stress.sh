#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run droppable_stress in the guest:
#
#   droppable_stress.sh [-t SECONDS] [-l default|classic|mglru|both]
#                       [-b BINDIR] [-- DROPPABLE_STRESS_ARGS...]
#
# -t  run time (default 60); with -l both, half of it on each LRU
# -l  which reclaim LRU to run under: the kernel's default (default), the
#     classic LRU, MGLRU (/sys/kernel/mm/lru_gen/enabled), or one run on
#     each, one after the other
# -b  where the droppable_stress binary is (default: the current directory)
#
# Around the run it makes THP available to MADV_HUGEPAGE (enabled=madvise
# if it was never) and makes khugepaged scan quickly, so that droppable and
# normal regions are collapsed behind the workload's back, and puts
# everything back afterwards.  It marks the kernel log before the run and
# fails (exit 1) if the kernel logged a WARN/BUG/bad page/lockdep/RCU stall
# report (KLOG_BAD of kernel/scripts/common.sh) after the mark, printing the
# lines.  The exit status is otherwise droppable_stress's (4: skipped); with
# -l both, the first failing run's.
here=$(cd "$(dirname "$0")" && pwd)
secs=60 lru=default bindir=.

usage() {
	sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}
while getopts "t:l:b:h" o; do
	case $o in
	t) secs=$OPTARG ;;
	l) lru=$OPTARG ;;
	b) bindir=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $secs in *[!0-9]*|''|0) echo "droppable_stress.sh: -t wants seconds, got '$secs'" >&2; exit 1 ;; esac
case $lru in default|classic|mglru|both) ;; *) usage ;; esac
bin=$bindir/droppable_stress
[ -x "$bin" ] || { echo "droppable_stress.sh: no $bin" >&2; exit 1; }

# The one list of what a kernel log must not report.
eval "$(grep '^KLOG_BAD=' "$here/../kernel/scripts/common.sh")"
[ -n "${KLOG_BAD:-}" ] || KLOG_BAD='WARNING:|BUG:|Bad page|Oops|Kernel panic'

THP=/sys/kernel/mm/transparent_hugepage
LRU_GEN=/sys/kernel/mm/lru_gen/enabled
saved=()
# set FILE VALUE: write VALUE, remembering the old value for restore.
set_knob() {
	[ -w "$1" ] || return 1
	local old
	old=$(cat "$1")
	# "always [madvise] never" -> madvise
	case $old in *'['*) old=$(echo "$old" | sed 's/.*\[\(.*\)\].*/\1/') ;; esac
	saved+=("$1=$old")
	echo "$2" >"$1"
}
restore() {
	local i kv
	for ((i = ${#saved[@]} - 1; i >= 0; i--)); do
		kv=${saved[$i]}
		echo "${kv#*=}" >"${kv%%=*}" 2>/dev/null
	done
	saved=()
}
trap restore EXIT

if [ -r $THP/enabled ] && grep -q '\[never\]' $THP/enabled; then
	set_knob $THP/enabled madvise
fi
set_knob $THP/khugepaged/scan_sleep_millisecs 100
set_knob $THP/khugepaged/alloc_sleep_millisecs 100
set_knob $THP/khugepaged/pages_to_scan 4096

# run SECONDS LRU [ARGS...]: one run of droppable_stress; its exit status.
# The LRU setting is restored with everything else, at the end.
run() {
	local s=$1 l=$2
	case $l in
	classic|mglru)
		if [ ! -w $LRU_GEN ]; then
			echo "# droppable_stress.sh: no $LRU_GEN: running on the default LRU"
		elif [ "$l" = mglru ]; then
			set_knob $LRU_GEN y
		else
			set_knob $LRU_GEN n
		fi ;;
	esac
	echo "# droppable_stress.sh: $s s on the $l LRU ($(cat $LRU_GEN 2>/dev/null || echo 'no lru_gen'))," \
		"THP $(cat $THP/enabled 2>/dev/null), $(uname -r)"
	"$bin" -t "$s" "${@:3}"
}

mark="droppable_stress.sh: start $$ $(date +%s)"
echo "$mark" >/dev/kmsg 2>/dev/null

if [ "$lru" = both ]; then
	first=$((secs / 2))
	[ "$first" -gt 0 ] || first=1
	run "$first" classic "$@"
	rc=$?
	run $((secs - first > 0 ? secs - first : 1)) mglru "$@"
	rc2=$?
	[ "$rc" = 0 ] && rc=$rc2
else
	run "$secs" "$lru" "$@"
	rc=$?
fi
restore

# The kernel log since the mark (all of it if the mark has rolled out).
klog=$(dmesg 2>/dev/null)
if echo "$klog" | grep -qF "$mark"; then
	klog=$(echo "$klog" | sed -n "\|$mark|,\$p")
fi
bad=$(echo "$klog" | grep -En -A3 "$KLOG_BAD" | head -60)
if [ -n "$bad" ]; then
	echo "# droppable_stress.sh: the kernel log reports problems during the run:"
	echo "$bad" | sed 's/^/#   /'
	[ "$rc" = 0 ] || [ "$rc" = 4 ] && rc=1
else
	echo "# droppable_stress.sh: kernel log clean (no WARN/BUG/bad page/lockdep/RCU stall reports)"
fi
exit "$rc"
