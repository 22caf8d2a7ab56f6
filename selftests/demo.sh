#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The live demo of 'make run', run in the guest:  demo.sh BINDIR
#
# A process fills a droppable cache inside a memory-limited cgroup, then
# allocates ordinary memory until the limit forces reclaim; droppable_demo
# reports, step by step, how much of its cache the kernel dropped and shows
# that the process carried on.
bins=$1
echo
echo "=================== MAP_DROPPABLE live demo ($(uname -r)) ==================="
"$bins/droppable_demo"
rc=$?
echo "=================== demo finished (exit $rc) ==================="
exit "$rc"
