#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest.  The root filesystem is the host's, shared
# read-only over virtio-9p; the host's scratch directory for this boot is the
# 9p tag "scratch".  The host writes the job to run into scratch/job.sh; this
# script sets the guest up, runs it, records its exit status and the kernel
# log in scratch/, and powers the guest off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux} LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
# The guest's /tmp is its own tmpfs.  The repository and the cache may live
# under the host's /tmp (a CI clone, say): keep them reachable at the same
# paths.  boot.sh passes them on the kernel command line, which hands
# unknown name=value parameters to init as environment variables.
mkdir -p /run/host-tmp
mount --bind /tmp /run/host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
for d in "${droppable_repo:-}" "${droppable_cache:-}"; do
	case $d in
	/tmp/?*)
		mkdir -p "$d"
		mount --bind "/run/host-tmp/${d#/tmp/}" "$d" ||
			echo "guest-init: cannot reach the host's $d" >&2 ;;
	esac
done
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The first memory cgroup flips the memcg static keys, i.e. live-patches
# hot allocator code.  Under TCG a vCPU that runs that code while it is
# patched has been seen to take a stray int3 ("Oops: int3" in
# kmem_cache_alloc_noprof, from the tests' first mkdir).  Flip them here,
# while nothing else runs, and keep the cgroup so that they stay on.
if echo +memory >/sys/fs/cgroup/cgroup.subtree_control; then
	mkdir -p /sys/fs/cgroup/guest-init
fi
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /run/scratch
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 scratch /run/scratch; then
	echo "guest-init: cannot mount the scratch share" >&2
	echo o >/proc/sysrq-trigger
fi
ln -sf /proc/self/fd /dev/fd 2>/dev/null
hostname droppable-guest 2>/dev/null
ip link set lo up 2>/dev/null

SCRATCH=/run/scratch
export SCRATCH
echo "guest-init: up, kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB"

status=1
if [ -f $SCRATCH/job.sh ]; then
	(cd /tmp && bash $SCRATCH/job.sh)
	status=$?
else
	echo "guest-init: no job in $SCRATCH/job.sh" >&2
fi
dmesg >$SCRATCH/dmesg.txt 2>&1
echo "$status" >$SCRATCH/exit-status
sync
echo "guest-init: job finished with status $status, powering off"
echo o >/proc/sysrq-trigger
sleep 10
