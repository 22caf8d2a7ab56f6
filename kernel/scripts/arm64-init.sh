#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the arm64 test guest (kernel/scripts/arm64.sh), from its
# initramfs: a static busybox and bash, the cross-built selftests in /tests,
# the runner, tests.list and kunit.sh in /selftests, and /job.env (FILTER,
# SCALE).  Sets the guest up like guest-init.sh does, runs the tests that
# apply to the 'on' variant, prints their TAP on the serial console as they
# run, and writes the TAP, the counts and the kernel log to the virtio
# console /dev/hvc0, which the host reads back; then powers the guest off.
# busybox finds itself through /proc/self/exe: mount /proc first.
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TERM=linux

mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm /tmp /run /root
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# As in guest-init.sh: flip the memcg static keys while nothing else runs.
if echo +memory >/sys/fs/cgroup/cgroup.subtree_control; then
	mkdir -p /sys/fs/cgroup/guest-init
fi
mount -t debugfs debugfs /sys/kernel/debug
ln -sf /proc/self/fd /dev/fd
hostname droppable-arm64

FILTER=.
SCALE=1
# shellcheck source=/dev/null
[ -f /job.env ] && . /job.env

res=/dev/hvc0
[ -c $res ] || { echo "arm64-init: no $res (CONFIG_VIRTIO_CONSOLE?)"; res=/dev/console; }
echo "arm64-init: up, kernel $(uname -r) $(uname -m), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB"

DROPPABLE_TIMEOUT_SCALE=$SCALE bash /selftests/run-in-guest.sh on /tests /tmp/results "$FILTER"
status=$?
{
	cat /tmp/results/results.tap
	echo "arm64-init: counts $(cat /tmp/results/counts 2>/dev/null)"
	echo "arm64-init: dmesg"
	dmesg
	echo "arm64-init: done, status $status"
} >$res 2>&1
sync
echo "arm64-init: finished with status $status, powering off"
poweroff -f
sleep 10
