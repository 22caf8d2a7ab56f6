#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a guest kernel under QEMU and run a job in it.
#
#   boot.sh NAME BZIMAGE JOB [interactive]
#
# NAME     names the boot: scratch in $CACHE/run/NAME, console log in
#          $CACHE/logs/console-NAME.log
# JOB      a bash script run in the guest (see guest-init.sh) as root, with
#          $SCRATCH pointing at the writable scratch share
#
# The guest's root is the host's /, read-only over virtio-9p.  Environment:
#   MEM=2048 (MiB)  CPUS=2  NODES=2 (NUMA nodes, memory split evenly)
#   ACCEL=auto|kvm|tcg   auto probes KVM once (bounded) and caches the answer
#   BOOT_TIMEOUT=2400    seconds for the whole boot, job included
#   UP_TIMEOUT=180       seconds until the guest's init must report in
#   SHOW_CONSOLE=1       copy the console to stdout while it runs
#   KCMDLINE_EXTRA=      more kernel command line
#   ICOUNT=0|1           1: TCG with -icount shift=0,sleep=off: the guest's
#                        clock follows the instructions it executes (one
#                        host thread for all vCPUs, idle time skipped), so
#                        guest-timed benchmarks repeat within ~1% across
#                        boots; it counts instructions, not real time
# Exit status: the job's, or 1 after a timeout, panic or lost guest, with the
# console's last 40 lines and the path of the full log.
. "$(dirname "$0")/common.sh"

name=$1 kernel=$2 job=$3 mode=${4:-batch}
[ -n "$job" ] || die "usage: boot.sh NAME BZIMAGE JOB [interactive]"
[ -f "$kernel" ] || die "no kernel image at $kernel (build it first)"
[ -f "$job" ] || die "no job script at $job"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found: run 'make deps' (as root)"

MEM=${MEM:-2048}
CPUS=${CPUS:-2}
NODES=${NODES:-2}
ACCEL=${ACCEL:-auto}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-2400}
UP_TIMEOUT=${UP_TIMEOUT:-180}
SHOW_CONSOLE=${SHOW_CONSOLE:-1}
ICOUNT=${ICOUNT:-0}
case $ICOUNT in 0|1) ;; *) die "ICOUNT must be 0 or 1, got '$ICOUNT'";; esac
case $MEM in *[!0-9]*|'') die "MEM must be a number of MiB, got '$MEM'";; esac
case $CPUS in *[!0-9]*|''|0) die "CPUS must be a positive number, got '$CPUS'";; esac
case $NODES in *[!0-9]*|''|0) die "NODES must be a positive number, got '$NODES'";; esac
[ $((CPUS % NODES)) = 0 ] || die "CPUS ($CPUS) must be a multiple of NODES ($NODES)"

scratch=$CACHE/run/$name
console=$LOGDIR/console-$name.log
rm -rf "$scratch"
mkdir -p "$scratch"
cp "$job" "$scratch/job.sh"

qemu_cmd() { # ACCEL CONSOLE_APPEND...
	local accel=$1 i per cpu0=0 numa=()
	shift
	if [ "$NODES" -gt 1 ]; then
		per=$((MEM / NODES))
		for ((i = 0; i < NODES; i++)); do
			local ncpu=$((CPUS / NODES)) first
			first=$((i * ncpu))
			[ "$i" -eq $((NODES - 1)) ] && ncpu=$((CPUS - first))
			numa+=(-object "memory-backend-ram,id=m$i,size=${per}M"
			       -numa "node,nodeid=$i,cpus=$first-$((first + ncpu - 1)),memdev=m$i")
		done
		MEMARG=$((per * NODES))
	else
		MEMARG=$MEM
	fi
	local cpu=max icount=()
	[ "$accel" = kvm ] && cpu=host
	[ "$ICOUNT" = 1 ] && [ "$accel" = tcg ] && icount=(-icount shift=0,sleep=off)
	# One socket per NUMA node, so no CPU shares a cache with a CPU of
	# another node (the kernel warns about such a topology).
	echo qemu-system-x86_64 -accel "$accel" "${icount[@]}" -cpu "$cpu" \
		-smp "$CPUS,sockets=$NODES,cores=$((CPUS / NODES)),threads=1" -m "${MEMARG}M" \
		"${numa[@]}" -nographic -no-reboot \
		-kernel "$kernel" \
		-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
		-device "virtio-9p-pci,fsdev=root,mount_tag=/dev/root" \
		-fsdev "local,id=scratch,path=$scratch,security_model=none" \
		-device "virtio-9p-pci,fsdev=scratch,mount_tag=scratch"
}
CMDLINE="console=ttyS0 root=/dev/root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144 ro init=$REPO/kernel/scripts/guest-init.sh droppable_repo=$REPO droppable_cache=$CACHE panic=-1 loglevel=4 mminit_loglevel=4 ${KCMDLINE_EXTRA:-}"

# Decide the accelerator: KVM only if a bounded probe boot reaches init.
if [ "$ACCEL" = auto ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ]; then
		key="$(uname -r) $(qemu-system-x86_64 --version | head -1)"
		probe=$CACHE/accel-probe
		if [ -f "$probe" ] && [ "$(sed -n 2p "$probe")" = "$key" ]; then
			ACCEL=$(head -1 "$probe")
		else
			say "probing KVM (bounded to 40 s; falls back to TCG)"
			plog=$LOGDIR/console-kvm-probe.log
			# shellcheck disable=SC2046
			timeout -k 5 40 $(qemu_cmd kvm) -append "$CMDLINE" </dev/null >"$plog" 2>&1 &
			ppid=$!
			for _ in $(seq 40); do
				grep -q "guest-init: up" "$plog" 2>/dev/null && break
				kill -0 "$ppid" 2>/dev/null || break
				sleep 1
			done
			if grep -q "guest-init: up" "$plog"; then ACCEL=kvm; fi
			kill "$ppid" 2>/dev/null
			wait "$ppid" 2>/dev/null
			printf '%s\n%s\n' "$ACCEL" "$key" >"$probe"
			rm -rf "${scratch:?}"/*
			cp "$job" "$scratch/job.sh"
		fi
	fi
fi
case $ACCEL in kvm|tcg) ;; *) die "ACCEL must be auto, kvm or tcg, got '$ACCEL'";; esac
if [ "$ICOUNT" = 1 ] && [ "$ACCEL" = kvm ]; then
	warn "ICOUNT=1 needs TCG: booting with TCG instead of KVM"
	ACCEL=tcg
fi

say "booting ${kernel#"$CACHE"/} ($ACCEL, $CPUS CPUs, $MEM MiB, $NODES node(s)); console log: $console"
# shellcheck disable=SC2046
if [ "$mode" = interactive ]; then
	echo "    (QEMU: press Ctrl-A X to kill the guest)"
	$(qemu_cmd "$ACCEL") -append "$CMDLINE" 2>&1 | tee "$console"
else
	start=$(date +%s)
	: >"$console"
	# shellcheck disable=SC2046
	timeout -k 10 "$BOOT_TIMEOUT" $(qemu_cmd "$ACCEL") -append "$CMDLINE" \
		</dev/null >"$console" 2>&1 &
	qpid=$!
	if [ "$SHOW_CONSOLE" = 1 ]; then
		tail -n +1 -f --pid="$qpid" "$console" &
		tpid=$!
	fi
	up=0 why=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		if [ "$up" = 0 ]; then
			if grep -q "guest-init: up" "$console"; then
				up=1
			elif [ $(($(date +%s) - start)) -ge "$UP_TIMEOUT" ]; then
				why="the guest did not reach init within ${UP_TIMEOUT}s"
				kill "$qpid" 2>/dev/null
			fi
		fi
	done
	wait "$qpid"
	rc=$?
	[ -n "${tpid:-}" ] && { sleep 0.5; kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null; }
	[ "$rc" = 124 ] && why="the guest timed out after ${BOOT_TIMEOUT}s"
fi

status=$(cat "$scratch/exit-status" 2>/dev/null)
if [ -z "$status" ]; then
	[ -z "${why:-}" ] && grep -q "Kernel panic" "$console" && why="the guest kernel panicked"
	[ -z "${why:-}" ] && why="the guest stopped before its job finished (qemu exit ${rc:-?})"
	echo "---- last 40 lines of the console ----" >&2
	tail -n 40 "$console" >&2
	echo "error: $why; full console log: $console" >&2
	exit 1
fi
exit "$status"
