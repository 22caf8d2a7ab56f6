#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress:  stress.sh
#
# Builds kernel VARIANT (default on) and selftests/droppable_stress against
# it, boots it under QEMU and runs selftests/droppable_stress.sh there for
# STRESS_SECS seconds: processes and threads that map, split, move, fork,
# advise, pin, direct-read into and migrate droppable and normal memory
# under memory-cgroup pressure with zram swap, checking every word (see the
# top of selftests/droppable_stress.c).  Prints the run's summary line and
# test results, then scans the guest's kernel log for WARN/BUG/bad-page/
# lockdep/RCU-stall reports.  Then, in the same guest, trinity fuzzes the mm
# system calls for FUZZ_SECS with droppable mappings in its pool
# (selftests/droppable_fuzz.sh).  Exits non-zero on any failure.
#
# The default kernel is 'debug' (kernel/config/debug.config: KASAN,
# lockdep, DEBUG_VM_PGFLAGS, DEBUG_LIST, page poisoning): the run that
# finds what a normal kernel would let pass silently.  A cold build of it
# takes about 30 minutes on two cores.  To fuzz longer, raise FUZZ_SECS
# (e.g. FUZZ_SECS=3600 STRESS_SECS=60 make stress).
#
# Environment:
#   VARIANT=debug       the kernel: debug, on, off, base or upto-N
#   STRESS_SECS=600     run time of droppable_stress in the guest
#   FUZZ_SECS=600       run time of trinity afterwards (0: no fuzzing)
#   STRESS_LRU=both     default|classic|mglru|both: the reclaim LRU; both
#                       runs half the time on each
#   STRESS_ARGS=        more droppable_stress options (-p PROCS -T THREADS
#                       -n SLOTS -s SLOT_MIB -S SEED -v)
#   STRESS_NAME=stress-VARIANT   the boot's name (scratch and console log)
#   STRESS_BINS=$CACHE/tests/VARIANT   where the test program is built
#   STRESS_NOBUILD=1    development knob: no build.sh/prepare.sh; use the
#                       existing $CACHE/build/VARIANT and source trees
#   MEM, CPUS, NODES, ACCEL: the guest, as for boot.sh;
#   BOOT_TIMEOUT        default STRESS_SECS + FUZZ_SECS + 900 (+ 1800 on
#                       the debug kernel)
. "$(dirname "$0")/common.sh"

S=$REPO/kernel/scripts
VARIANT=${VARIANT:-debug}
STRESS_SECS=${STRESS_SECS:-600}
FUZZ_SECS=${FUZZ_SECS:-600}
STRESS_LRU=${STRESS_LRU:-both}
STRESS_ARGS=${STRESS_ARGS:-}
STRESS_NAME=${STRESS_NAME:-stress-$VARIANT}
STRESS_BINS=${STRESS_BINS:-$CACHE/tests/$VARIANT}
STRESS_NOBUILD=${STRESS_NOBUILD:-0}
case $VARIANT in debug|on|off|base|upto-[1-9]|upto-[1-9][0-9]) ;;
*) die "VARIANT may be debug, on, off, base or upto-N, not '$VARIANT'" ;; esac
case $STRESS_SECS in *[!0-9]*|''|0) die "STRESS_SECS must be a positive number of seconds, got '$STRESS_SECS'" ;; esac
case $FUZZ_SECS in *[!0-9]*|'') die "FUZZ_SECS must be a number of seconds (0: no fuzzing), got '$FUZZ_SECS'" ;; esac
kcmd=
extra=0
if [ "$VARIANT" = debug ]; then
	kcmd=$DEBUG_KCMDLINE
	extra=1800
	export UP_TIMEOUT=${UP_TIMEOUT:-$DEBUG_UP_TIMEOUT}
fi
export KCMDLINE_EXTRA="${KCMDLINE_EXTRA:-} $kcmd"
case $STRESS_LRU in default|classic|mglru|both) ;;
*) die "STRESS_LRU may be default, classic, mglru or both, not '$STRESS_LRU'" ;; esac
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-$((STRESS_SECS + FUZZ_SECS + 900 + extra))}

if [ "$STRESS_NOBUILD" = 1 ]; then
	out=$CACHE/build/$VARIANT
	{ [ -f "$out/arch/x86/boot/bzImage" ] && [ -d "$out/hdr/include" ]; } ||
		die "STRESS_NOBUILD=1: no built kernel '$VARIANT' in $out (bzImage and hdr/)"
	src=
	if [ "$VARIANT" = base ]; then
		for d in "$CACHE/base/$BASE_VERSION/$BASE_TOPDIR" "$CACHE"/base/*/"$BASE_TOPDIR"; do
			[ -f "$d/../.extracted" ] && { src=$d; break; }
		done
	else
		src=$CACHE/src/patched
		case $VARIANT in upto-*) src=$CACHE/src/$VARIANT ;; esac
	fi
	[ -d "$src/tools/testing/selftests" ] ||
		die "STRESS_NOBUILD=1: no source tree for '$VARIANT' in $CACHE"
	run_logged "building droppable_stress for '$VARIANT'" "$LOGDIR/stress-tests-$VARIANT.log" \
		make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" OUT="$STRESS_BINS" \
		"$STRESS_BINS/droppable_stress" "$STRESS_BINS/droppable_load" \
		"$STRESS_BINS/droppable_preload.so" ||
		die "droppable_stress did not build (log: $LOGDIR/stress-tests-$VARIANT.log)"
else
	"$S/deps.sh" || exit 1
	out=$("$S/build.sh" "$VARIANT") || die "kernel '$VARIANT' did not build"
	src=$(variant_src "$VARIANT") || die "the source tree for '$VARIANT' could not be prepared"
	run_logged "building droppable_stress for '$VARIANT'" "$LOGDIR/stress-tests-$VARIANT.log" \
		make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" OUT="$STRESS_BINS" \
		"$STRESS_BINS/droppable_stress" "$STRESS_BINS/droppable_load" \
		"$STRESS_BINS/droppable_preload.so" ||
		die "droppable_stress did not build (log: $LOGDIR/stress-tests-$VARIANT.log)"
fi

job=$CACHE/job-$STRESS_NAME.sh
cat >"$job" <<JOB
#!/bin/bash
bash "$REPO/selftests/droppable_stress.sh" -t "$STRESS_SECS" -l "$STRESS_LRU" \\
	-b "$STRESS_BINS" -- $STRESS_ARGS 2>&1 | tee "\$SCRATCH/stress.log"
rc=\${PIPESTATUS[0]}
if [ "$FUZZ_SECS" -gt 0 ]; then
	cd "$STRESS_BINS" &&
	DROPPABLE_TESTS="$REPO/selftests" bash "$REPO/selftests/droppable_fuzz.sh" "$FUZZ_SECS" 2>&1 |
		tee "\$SCRATCH/fuzz.log"
	frc=\${PIPESTATUS[0]}
	[ "\$rc" = 0 ] && rc=\$frc
fi
exit \$rc
JOB
say "stress: $STRESS_SECS s of droppable_stress, then $FUZZ_SECS s of trinity, on kernel '$VARIANT' (LRU: $STRESS_LRU)"
"$S/boot.sh" "$STRESS_NAME" "$out/arch/x86/boot/bzImage" "$job"
rc=$?

res=$CACHE/run/$STRESS_NAME/stress.log
klog=$CACHE/run/$STRESS_NAME/dmesg.txt
[ -s "$klog" ] || klog=$LOGDIR/console-$STRESS_NAME.log
fail=0
echo
if [ -s "$res" ]; then
	say "results ($res):"
	grep -E '^# droppable_stress.sh: [0-9]+ s on|summary:|^(not )?ok [0-9]|^# Totals:' "$res"
	fz=$CACHE/run/$STRESS_NAME/fuzz.log
	if [ "$FUZZ_SECS" -gt 0 ]; then
		if [ -s "$fz" ]; then
			say "trinity, $FUZZ_SECS s ($fz):"
			grep -E '^# (shim|trinity: \[main\] Ran|/proc/vmstat)|^(not )?ok [0-9]|^# Totals:' "$fz"
		else
			echo "no trinity results from the guest (console: $LOGDIR/console-$STRESS_NAME.log)" >&2
			fail=1
		fi
	fi
else
	echo "no results from the guest (console: $LOGDIR/console-$STRESS_NAME.log)" >&2
	fail=1
fi
case $rc in
0) ;;
4) say "droppable_stress skipped on '$VARIANT' (no MAP_DROPPABLE?)" ;;
*) echo "FAILED: droppable_stress in the '$VARIANT' guest (exit $rc)" >&2; fail=1 ;;
esac
if grep -Eq "$KLOG_BAD" "$klog"; then
	echo "---- kernel log of the '$VARIANT' guest reports problems ($klog):" >&2
	grep -En -A3 "$KLOG_BAD" "$klog" | head -60 >&2
	fail=1
else
	say "kernel log of the '$VARIANT' guest: no WARN/BUG/bad page/lockdep/RCU stall reports"
fi
if [ "$fail" = 0 ]; then
	say "stress on '$VARIANT': passed"
else
	echo "stress on '$VARIANT': FAILED" >&2
fi
exit "$fail"
