#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The live demo of 'make run', run in the guest:  demo.sh BINDIR
#
# A process fills a droppable cache inside a memory-limited cgroup, then
# allocates ordinary memory until the limit forces reclaim; droppable_demo
# reports, step by step, how much of its cache the kernel dropped and shows
# that the process carried on.  Meanwhile bpf/droppable-drops.bt (when the
# kernel has the droppable tracepoints and bpftrace is installed) shows the
# drops as the kernel reports them: its first lines, one per drop, then its
# summaries (lines prefixed "bpftrace|").
bins=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
tool=$repo/bpf/droppable-drops.bt
out=/tmp/droppable-drops.txt
bt= follow=

echo
echo "=================== MAP_DROPPABLE live demo ($(uname -r)) ==================="
if [ -d /sys/kernel/tracing/events/droppable ] && [ -f "$tool" ] &&
   command -v bpftrace >/dev/null; then
	echo "starting bpf/droppable-drops.bt (bpftrace, takes a few seconds to attach)"
	bpftrace "$tool" >"$out" 2>&1 &
	bt=$!
	for _ in $(seq 240); do
		grep -q '^Attaching' "$out" 2>/dev/null && break
		kill -0 "$bt" 2>/dev/null || break
		sleep 0.5
	done
	if grep -q '^Attaching' "$out"; then
		# The first drops line by line, then only the summaries.
		tail -n +1 -f "$out" | awk '
			/^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] +[0-9]+ / {
				if (++n <= 8)
					print "  bpftrace| " $0
				else if (n == 9)
					print "  bpftrace| ... (one line per drop; the 5 s summaries follow)"
				fflush(); next
			}
			/^Lost [0-9]+ events/ { next }	# counted at the end
			/^Total drops/ { exit }		# printed at the end
			NF { print "  bpftrace| " $0; fflush() }' &
		follow=$!
		sleep 1
	else
		echo "bpftrace did not attach; its output:"
		cat "$out"
		kill "$bt" 2>/dev/null
		bt=
	fi
else
	echo "(no droppable tracepoints or no bpftrace: the demo runs without bpf/droppable-drops.bt)"
fi

"$bins/droppable_demo"
rc=$?

if [ -n "$bt" ]; then
	sleep 6		# the tool's last 5 s summary
	kill -INT "$bt" 2>/dev/null
	for _ in $(seq 120); do
		kill -0 "$bt" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$bt" 2>/dev/null
	sleep 1
	[ -n "$follow" ] && kill "$follow" 2>/dev/null
	pkill -f "tail -n +1 -f $out" 2>/dev/null
	sed -n '/^Total drops/,$p' "$out" | sed '/^$/d; s/^/  bpftrace| /'
	echo "bpf/droppable-drops.bt printed $(grep -cE '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] +[0-9]+ ' "$out") drop lines;" \
		"bpftrace lost $(awk '/^Lost [0-9]+ events/ { n += $2 } END { print n + 0 }' "$out") events it could not print in time"
fi
echo "=================== demo finished (exit $rc) ==================="
exit "$rc"
