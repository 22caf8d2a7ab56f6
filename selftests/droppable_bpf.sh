#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bpftrace tools of bpf/ against droppable_load, as a kselftest program:
#
#   DROPPABLE_TESTS=<selftests dir> droppable_bpf.sh	(as root)
#
# Run from the directory of the built tests (./droppable_load).  Each tool is
# started in the background; once bpftrace has attached, droppable_load runs
# in a memory cgroup of its own, the tool is stopped with SIGINT, and what it
# printed is compared with what the workload counted (memory.stat):
#
#   drops           droppable-drops.bt: the KB of the workload's drop lines
#                   are its droppable_drop pages * 4, within 10%
#   drops_fields    droppable-drops.bt: those lines name the workload as
#                   owner and reclaimer, "proactive" (memory.reclaim) and the
#                   workload's cgroup id
#   top             droppable-top.bt: @lost_kb[pid, droppable_load] adds up
#                   to droppable_drop * 4 KB, within 10%
#   lifetime        droppable-lifetime.bt: a mark was seen for every faulted
#                   folio (at least faulted_pages / 512), the histogram
#                   counts at least 90% of the drop events the tool saw,
#                   which are as many as the dropped pages (within 10%) or,
#                   with huge pages, at least their number / 512
#   keep            droppable-keep.bt, the workload's region pinned by
#                   io_uring: the "pinned" pages are at least 90% of
#                   memory.stat's droppable_keep
#
# Everything is skipped without bpftrace, without the droppable tracepoints
# (/sys/kernel/tracing/events/droppable) or without ./droppable_load.  Every
# wait is bounded: ATTACH_TIMEOUT (default 180 s, bpftrace compiles its
# program first, slow under emulation), STOP_TIMEOUT after SIGINT (60 s, then
# SIGKILL) and LOAD_TIMEOUT for the workload (300 s).  LOAD_MIB sets the
# workload's size (default 16).  The tools are taken from DROPPABLE_BPF
# (default $DROPPABLE_TESTS/../bpf).  With DROPPABLE_BPF_SAVE=DIR, what each
# tool and workload printed is kept in DIR.
here=$(cd "$(dirname "$0")" && pwd)
bpfdir=${DROPPABLE_BPF:-${DROPPABLE_TESTS:-$here}/../bpf}
load=./droppable_load
attach_timeout=${ATTACH_TIMEOUT:-180}
stop_timeout=${STOP_TIMEOUT:-60}
load_timeout=${LOAD_TIMEOUT:-300}
mib=${LOAD_MIB:-16}
cases=(drops drops_fields top lifetime keep)

# Room in the perf buffers for a line per dropped page (droppable-drops).
export BPFTRACE_PERF_RB_PAGES=${BPFTRACE_PERF_RB_PAGES:-1024}
# droppable-lifetime keeps a map entry per resident folio: room for twice
# the workload's pages (bpftrace's default is 4096 keys, 16 MiB of pages).
keys=$((mib * 512))
[ "$keys" -ge 65536 ] || keys=65536

pass=0 fail=0 skip=0 n=0
tool_pid=
tool_env=()
tmp=

echo "TAP version 13"
echo "1..${#cases[@]}"

totals()
{
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
}

ok()
{
	n=$((n + 1)) pass=$((pass + 1))
	echo "ok $n $1"
}

not_ok()
{
	n=$((n + 1)) fail=$((fail + 1))
	echo "not ok $n $1"
}

skip_rest()
{
	local c

	for c in "${cases[@]:$n}"; do
		n=$((n + 1)) skip=$((skip + 1))
		echo "ok $n $c # SKIP $1"
	done
}

tracefs_events=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events/droppable" ] && tracefs_events=$d/events/droppable
done
why=
if ! command -v bpftrace >/dev/null; then
	why="bpftrace not installed"
elif [ -z "$tracefs_events" ]; then
	why="no droppable tracepoints (/sys/kernel/tracing/events/droppable)"
elif [ ! -x "$load" ]; then
	why="no $load in $(pwd)"
elif [ ! -d "$bpfdir" ]; then
	why="no bpftrace tools in $bpfdir"
elif [ "$(id -u)" != 0 ]; then
	why="not root"
fi
if [ -n "$why" ]; then
	skip_rest "$why"
	totals
	exit 4
fi
echo "# $(bpftrace --version), tools in $bpfdir"

cleanup()
{
	if [ -n "$tool_pid" ]; then
		kill -KILL "$tool_pid" 2>/dev/null
		wait "$tool_pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
tmp=$(mktemp -d /tmp/droppable_bpf.XXXXXX) || exit 1

# Keep a copy of file $1 in $DROPPABLE_BPF_SAVE, if set.
save()
{
	[ -n "${DROPPABLE_BPF_SAVE:-}" ] || return 0
	mkdir -p "$DROPPABLE_BPF_SAVE" &&
		cp "$1" "$DROPPABLE_BPF_SAVE/$(basename "$1")"
}

# Whether process $1 runs (a zombie child does not).
alive()
{
	local st

	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# Print file $1 as TAP diagnostics, at most its first and last $2 lines.
show()
{
	local lines max=${2:-40}

	lines=$(wc -l <"$1")
	if [ "$lines" -le $((2 * max)) ]; then
		sed 's/^/#   /' "$1"
	else
		head -n "$max" "$1" | sed 's/^/#   /'
		echo "#   [... $((lines - 2 * max)) lines ...]"
		tail -n "$max" "$1" | sed 's/^/#   /'
	fi
}

# start_tool TOOL [ARG...]: run bpf/TOOL.bt in the background (with the
# environment settings of the array tool_env), its output in $tmp/TOOL.out,
# and wait until it has attached its probes: bpftrace prints "Attaching N
# probes...", loads and attaches them, then runs BEGIN, which prints a
# line "Tracing ..." in each tool.
start_tool()
{
	local tool=$1 i

	shift
	tool_out=$tmp/$tool.out
	: >"$tool_out"
	env "${tool_env[@]}" bpftrace "$bpfdir/$tool.bt" "$@" >"$tool_out" 2>&1 &
	tool_pid=$!
	for ((i = 0; i < attach_timeout * 2; i++)); do
		if grep -q '^Attaching [0-9]* probe' "$tool_out" &&
		   grep -q '^Tracing ' "$tool_out"; then
			sleep 1
			alive "$tool_pid" && return 0
			break
		fi
		alive "$tool_pid" || break
		sleep 0.5
	done
	if alive "$tool_pid"; then
		echo "# $tool.bt did not attach in ${attach_timeout}s; its output:"
	else
		echo "# $tool.bt failed to attach; its output:"
	fi
	show "$tool_out"
	stop_tool
	return 1
}

# Stop the running tool with SIGINT (it prints its summary), or SIGKILL.
stop_tool()
{
	local i

	kill -INT "$tool_pid" 2>/dev/null
	for ((i = 0; i < stop_timeout * 2; i++)); do
		alive "$tool_pid" || break
		sleep 0.5
	done
	if alive "$tool_pid"; then
		echo "# bpftrace did not exit ${stop_timeout}s after SIGINT: killed"
		kill -KILL "$tool_pid" 2>/dev/null
	fi
	wait "$tool_pid" 2>/dev/null
	tool_pid=
	save "$tool_out"
	if grep -q 'Lost [0-9]* events' "$tool_out"; then
		echo "# bpftrace: $(grep -m1 'Lost [0-9]* events' "$tool_out")"
	fi
}

# run_load MODE: droppable_load -m MODE, its output in $load_out (named
# after the running tool's output).
run_load()
{
	local rc

	load_out=${tool_out%.out}.load
	timeout -k 10 "$load_timeout" "$load" -m "$1" -s "$mib" >"$load_out" 2>&1
	rc=$?
	save "$load_out"
	if [ "$rc" != 0 ]; then
		echo "# droppable_load -m $1 failed (exit $rc):"
		show "$load_out"
		return 1
	fi
	echo "# droppable_load -m $1: $(grep -E '^[a-z_]+=' "$load_out" | grep -v cgroup_path | tr '\n' ' ')"
	return 0
}

# The number of key $1 in the workload's output, -1 if there is none.
kv()
{
	local v

	v=$(sed -n "s/^$1=//p" "$load_out" | tail -n 1)
	[[ $v =~ ^-?[0-9]+$ ]] || v=-1
	echo "$v"
}

# Whether $1 is within 10% of $2 (and $2 is not zero).
within10()
{
	[ "$2" -gt 0 ] && [ $((($1 - $2) * 10)) -le "$2" ] &&
		[ $((($2 - $1) * 10)) -le "$2" ]
}

# The sum of the map lines "@NAME[KEY]: N" of the tool's output whose key is
# exactly $2 (empty $2: every key, or a map without keys).
map_sum()
{
	awk -v map="@$1" -v key="$2" '
		/: *-?[0-9]+$/ {
			name = $0
			sub(/: *-?[0-9]+$/, "", name)
			if (name == map "[" key "]" ||
			    (key == "" && (name == map ||
			     substr(name, 1, length(map) + 1) == map "[")))
				sum += $NF
		}
		END { print sum + 0 }' "$tool_out"
}

# The number of values in histogram @NAME of the tool's output.
hist_total()
{
	awk -v map="@$1:" '
		{ line = $0; sub(/ +$/, "", line) }
		line == map { in_hist = 1; next }
		in_hist && /^\[/ { split($0, bar, "|"); n = split(bar[1], f, " ");
				   sum += f[n]; next }
		in_hist { in_hist = 0 }
		END { print sum + 0 }' "$tool_out"
}

# --- droppable-drops.bt: drops, drops_fields --------------------------------
if start_tool droppable-drops; then
	if run_load reclaim; then
		stop_tool
		pid=$(kv pid) cgid=$(kv cgroup_id) drop=$(kv droppable_drop)
		lines=$tmp/drops.lines
		awk -v pid="$pid" '$1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ &&
				   $2 == pid' "$tool_out" >"$lines"
		got=$(awk '{ kb += $4 } END { print kb + 0 }' "$lines")
		nl=$(wc -l <"$lines")
		echo "# drops: workload pid $pid dropped $drop pages ($((drop * 4)) KB, memory.stat); tool: $nl lines, $got KB"
		if within10 "$got" $((drop * 4)); then
			ok drops
		else
			show "$tool_out" 20
			not_ok drops
		fi
		bad=$tmp/drops.bad
		awk -v pid="$pid" -v cg="$cgid" '$3 != "droppable_load" ||
			$5 != "proactive" || $6 != pid ||
			$7 != "droppable_load" || $8 != cg' "$lines" >"$bad"
		echo "# drops_fields: $(wc -l <"$bad") of $nl lines of pid $pid not \"droppable_load proactive $pid droppable_load $cgid\""
		if [ "$nl" -gt 0 ] && [ ! -s "$bad" ]; then
			ok drops_fields
		else
			show "$bad" 10
			not_ok drops_fields
		fi
	else
		stop_tool
		not_ok drops
		not_ok drops_fields
	fi
else
	not_ok drops
	not_ok drops_fields
fi

# --- droppable-top.bt --------------------------------------------------------
if start_tool droppable-top; then
	if run_load reclaim; then
		stop_tool
		pid=$(kv pid) drop=$(kv droppable_drop)
		got=$(map_sum lost_kb "$pid, droppable_load")
		by=$(map_sum reclaimed_kb "proactive, droppable_load")
		echo "# top: workload pid $pid dropped $((drop * 4)) KB (memory.stat); @lost_kb[$pid, droppable_load]: $got KB in all intervals; @reclaimed_kb[proactive, droppable_load]: $by KB"
		if within10 "$got" $((drop * 4)); then
			ok top
		else
			show "$tool_out"
			not_ok top
		fi
	else
		stop_tool
		not_ok top
	fi
else
	not_ok top
fi

# --- droppable-lifetime.bt ---------------------------------------------------
tool_env=("BPFTRACE_MAP_KEYS_MAX=$keys")
if start_tool droppable-lifetime; then
	if run_load reclaim; then
		stop_tool
		faulted=$(kv faulted_pages) drop=$(kv droppable_drop)
		marked=$(map_sum folios marked)
		matched=$(map_sum folios dropped_marked)
		unmarked=$(map_sum folios dropped_unmarked)
		hist=$(hist_total lifetime_ms)
		events=$((matched + unmarked))
		echo "# lifetime: workload faulted $faulted and dropped $drop pages (memory.stat); tool: $marked marks, $events drop events ($matched with their mark, $unmarked without), histogram count $hist"
		res=ok
		if [ "$marked" -lt $((faulted / 512)) ] || [ "$marked" = 0 ]; then
			echo "# lifetime: fewer marks ($marked) than faulted folios (>= $((faulted / 512)))"
			res=fail
		fi
		if [ "$hist" = 0 ] || [ $((hist * 10)) -lt $((events * 9)) ]; then
			echo "# lifetime: histogram count $hist is not 90% of $events drop events"
			res=fail
		fi
		if [ "$events" -lt $((drop / 512)) ] || [ "$events" = 0 ] ||
		   [ $((events * 10)) -gt $((drop * 11)) ]; then
			echo "# lifetime: $events drop events for $drop dropped pages"
			res=fail
		fi
		if [ $res = ok ]; then
			ok lifetime
		else
			show "$tool_out"
			not_ok lifetime
		fi
	else
		stop_tool
		not_ok lifetime
	fi
else
	not_ok lifetime
fi

# --- droppable-keep.bt -------------------------------------------------------
tool_env=()
if start_tool droppable-keep; then
	if run_load pin; then
		stop_tool
		kept=$(kv kept_pages)
		pinned=$(map_sum total_kept_pages pinned)
		all=$(map_sum total_kept_pages)
		echo "# keep: workload kept_pages $kept while pinned (memory.stat droppable_keep), dropped $(kv dropped_pages) while pinned, $(kv dropped_after_unpin) of $(kv pages) after unpin; tool: $pinned pages kept as pinned, $all for all reasons"
		if [ "$kept" -gt 0 ] && [ $((pinned * 10)) -ge $((kept * 9)) ]; then
			ok keep
		else
			show "$tool_out"
			not_ok keep
		fi
	else
		stop_tool
		not_ok keep
	fi
else
	not_ok keep
fi

totals
[ "$fail" = 0 ]
