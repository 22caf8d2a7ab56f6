#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# trinity against the mm system calls, with droppable memory in its way, as
# a kselftest program:
#
#   droppable_fuzz.sh [SECONDS]		(as root, in the test guest; default 60)
#
# Run from the directory of the built tests.  trinity (Debian's package)
# fuzzes the mm system calls (mmap, munmap, mremap, mprotect, madvise,
# mlock*, msync, mincore, mbind, move_pages, migrate_pages,
# process_vm_readv/writev, remap_file_pages, userfaultfd, pkey_mprotect)
# for SECONDS with ./droppable_preload.so preloaded, which turns trinity's
# pool of initial mappings (the addresses it hands to those calls) into
# MAP_DROPPABLE mappings.  Meanwhile the cgroup trinity runs in is asked,
# every second, to reclaim 16 MiB (memory.reclaim), so that droppable
# folios are dropped while trinity splits, moves, locks and remaps their
# VMAs, and ./droppable_load drops and pins its own droppable memory beside
# it.  Test cases:
#
#   pool        trinity's mappings were made droppable (the shim's count)
#   ran         trinity ran and stopped on SIGINT within STOP_TIMEOUT
#               (default 60 s), having made system calls
#   dropped     droppable folios were faulted and dropped during the run
#               (/proc/vmstat droppable_fault/droppable_drop; skipped on
#               kernels without those counters)
#   klog        the kernel logged no warning, BUG, KASAN report, lockdep
#               splat or bad page while trinity ran
#
# The clock starts when trinity has set up (its "fd providers" line, at
# most START_TIMEOUT, default 300 s, after it was started: it waits 10 s
# when run as root, and its victim files are a small directory of its own
# instead of a walk of /proc and /sys, slow over 9p under emulation).
# trinity stops by itself if the kernel taints itself with a warning, a bad
# page or an oops (-T WARN,BAD_PAGE,DIE; taints already set, e.g. KUnit's,
# are ignored).
#
# Skipped without trinity, without ./droppable_preload.so, or where
# mmap(MAP_DROPPABLE) is not supported.  Longer runs: make stress (see
# README.md), or FUZZ_SECS for this script from kernel/scripts/stress.sh.
secs=${1:-60}
stop_timeout=${STOP_TIMEOUT:-60}
start_timeout=${START_TIMEOUT:-300}
case $secs in *[!0-9]*|''|0) echo "droppable_fuzz: SECONDS must be a positive number, got '$secs'" >&2; exit 2;; esac
here=$(pwd)
cases=(pool ran dropped klog)
n=0 pass=0 fail=0 skip=0

echo "TAP version 13"
echo "1..${#cases[@]}"
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $1${2:+ # $2}"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $1${2:+ # $2}"; }
skip_case() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n $1 # SKIP $2"; }
finish() {
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	[ "$fail" = 0 ] || exit 1
	[ "$pass" = 0 ] && [ "$skip" != 0 ] && exit 4
	exit 0
}
skip_all() {
	local c
	for c in "${cases[@]}"; do skip_case "$c" "$1"; done
	finish
}

command -v trinity >/dev/null || skip_all "trinity is not installed (apt-get install trinity)"
[ -f "$here/droppable_preload.so" ] || skip_all "no ./droppable_preload.so"
vmstat() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print -1 }' /proc/vmstat; }

tmp=$(mktemp -d /tmp/droppable_fuzz.XXXXXX)
cg=/sys/fs/cgroup/droppable_fuzz-$$
load_pid= pressure_pid= tri_pid=
cleanup() {
	[ -n "$pressure_pid" ] && kill "$pressure_pid" 2>/dev/null
	[ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
	[ -n "$tri_pid" ] && kill -KILL "$tri_pid" 2>/dev/null
	wait 2>/dev/null
	if [ -d "$cg" ]; then
		# trinity's children may outlive it for a moment.
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		for i in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.2; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

grep -q memory /sys/fs/cgroup/cgroup.subtree_control ||
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir "$cg" || { not_ok pool "cannot create $cg"; finish; }

fault0=$(vmstat droppable_fault) drop0=$(vmstat droppable_drop)
dmesg_lines=$(dmesg | wc -l)
mkdir -p "$tmp/victims"
for f in a b c; do head -c 65536 /dev/urandom >"$tmp/victims/$f"; done

# trinity, in its own cgroup, with the shim; it refuses to run as root
# without --dangerous.  Its children are its fuzzing processes.  No socket
# and no perf fds in its pool: the mm syscalls need neither, and opening
# perf events flips static branches in the page-fault path (the minor-fault
# software event in handle_mm_fault()) while droppable_load faults there,
# which crashes a guest under QEMU's multi-threaded TCG (README, "Known
# emulator issue").
(
	echo $BASHPID >"$cg/cgroup.procs"
	cd "$tmp" || exit 1
	exec env LD_PRELOAD="$here/droppable_preload.so" \
		DROPPABLE_PRELOAD_LOG="$tmp/preload.log" \
		trinity --dangerous -q -l off -C 4 --disable-fds=sockets,perf \
		-V "$tmp/victims" -T WARN,BAD_PAGE,DIE \
		-c mmap -c munmap -c mremap -c mprotect -c madvise -c mlock \
		-c mlock2 -c munlock -c mlockall -c munlockall -c msync \
		-c mincore -c mbind -c move_pages -c migrate_pages \
		-c process_vm_readv -c process_vm_writev -c remap_file_pages \
		-c userfaultfd -c pkey_mprotect
) >"$tmp/trinity.out" 2>&1 &
tri_pid=$!

# Reclaim pressure on trinity's cgroup, and a droppable workload beside it.
(
	while sleep 1; do echo 16M >"$cg/memory.reclaim" 2>/dev/null; done
) &
pressure_pid=$!
if [ -x "$here/droppable_load" ]; then
	(
		while :; do
			"$here/droppable_load" -s 16 -m reclaim >/dev/null 2>&1
			"$here/droppable_load" -s 16 -m pin >/dev/null 2>&1
		done
	) &
	load_pid=$!
fi

started=0
for i in $(seq $((start_timeout * 2))); do
	grep -q 'fd providers' "$tmp/trinity.out" 2>/dev/null && { started=1; break; }
	kill -0 "$tri_pid" 2>/dev/null || break
	sleep 0.5
done
t0=$(date +%s)
[ "$started" = 1 ] && sleep "$secs"
ran_secs=$(($(date +%s) - t0))
kill "$pressure_pid" "$load_pid" 2>/dev/null
wait "$pressure_pid" "$load_pid" 2>/dev/null
pressure_pid= load_pid=
kill -INT "$tri_pid" 2>/dev/null
stopped=0
for i in $(seq $((stop_timeout * 2))); do
	kill -0 "$tri_pid" 2>/dev/null || { stopped=1; break; }
	sleep 0.5
done
[ "$stopped" = 1 ] || kill -KILL "$tri_pid" 2>/dev/null
wait "$tri_pid" 2>/dev/null
tri_pid=
fault1=$(vmstat droppable_fault) drop1=$(vmstat droppable_drop)

sed 's/^/# trinity: /' "$tmp/trinity.out" | tail -15
converted=$(awk '{ c += $4 } END { print c + 0 }' "$tmp/preload.log" 2>/dev/null)
refused=$(awk '{ r += $6 } END { print r + 0 }' "$tmp/preload.log" 2>/dev/null)
echo "# shim: $converted mappings of /dev/zero made droppable, $refused refused"
if [ "${converted:-0}" -gt 0 ]; then
	ok pool "$converted droppable mappings"
elif [ "${refused:-0}" -gt 0 ]; then
	skip_all_rest=1
	skip_case pool "mmap(MAP_DROPPABLE) refused: not supported by this kernel"
else
	not_ok pool "trinity made no mapping the shim could convert (see its output above)"
fi

# "Ran 12345 syscalls. Successes: ... Failures: ..." at the end of a run.
calls=$(grep -oE 'Ran [0-9]+ syscalls' "$tmp/trinity.out" | tail -1 | grep -oE '[0-9]+')
if [ "$started" != 1 ]; then
	not_ok ran "trinity did not finish setting up within ${start_timeout}s (or died; output above)"
elif [ "$stopped" != 1 ]; then
	not_ok ran "trinity did not stop within ${stop_timeout}s of SIGINT"
elif [ "${calls:-0}" -gt 0 ]; then
	ok ran "$calls system calls in ${ran_secs}s"
else
	not_ok ran "trinity reported no system calls (output above)"
fi

if [ "$fault0" = -1 ] || [ "$drop0" = -1 ]; then
	skip_case dropped "no droppable_fault/droppable_drop in /proc/vmstat"
elif [ "${skip_all_rest:-0}" = 1 ]; then
	skip_case dropped "MAP_DROPPABLE not supported"
else
	df=$((fault1 - fault0)) dd=$((drop1 - drop0))
	echo "# /proc/vmstat: droppable_fault +$df, droppable_drop +$dd pages"
	if [ "$df" -gt 0 ] && [ "$dd" -gt 0 ]; then
		ok dropped "faulted $df, dropped $dd pages"
	else
		not_ok dropped "faulted $df, dropped $dd pages"
	fi
fi

bad='WARNING:|BUG:|Bad page|KASAN|UBSAN|Oops|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|soft lockup'
if dmesg | tail -n +"$((dmesg_lines + 1))" | grep -Eq "$bad"; then
	dmesg | tail -n +"$((dmesg_lines + 1))" | grep -E -A5 "$bad" | head -40 | sed 's/^/# /'
	not_ok klog "the kernel reported problems"
else
	ok klog
fi
finish
