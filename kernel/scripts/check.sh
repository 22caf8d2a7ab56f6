#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check:  check.sh
#
# Builds each kernel variant of $VARIANTS (default: on off) and the test suite
# against it, runs the host-side tests of the build machinery once, boots each
# variant under QEMU and runs selftests/run-in-guest.sh there, then scans the
# guest's kernel log for WARN/BUG/bad-page/lockdep/RCU-stall reports.  Prints
# a final line "N passed, N failed, N skipped" and exits non-zero on any
# failure.  FILTER=<regex> runs only the matching tests.  The 'debug'
# variant (make check-debug: KASAN, lockdep, DEBUG_VM_PGFLAGS, page
# poisoning) runs the tests of 'on', with their timeouts scaled by
# DEBUG_TIMEOUT_SCALE (default 4).  REPEAT=N runs the selected tests N times
# in each guest (chasing an intermittent failure; the machinery's own tests
# are skipped then).
#
# Then, when 'on' is among the variants (and no FILTER or REPEAT is given),
# the base tree's own mm selftests of the categories that exercise what the
# series changes (CHECK_MM_CATEGORIES) run on 'on' (regress-mm.sh) and are
# compared with the base kernel's recorded results, selftests/mm-reference.tsv
# (make regress records them): a test or kselftest subtest that passes on
# the base and fails on ours, twice, fails the check.  CHECK_MM=0 skips them
# (about 8 minutes under TCG on an idle host); make regress runs every
# category on both kernels.
#
# Then (same conditions) the method of the benchmarks: 'on' is booted twice
# with instruction counting (boot.sh ICOUNT=1) and runs the same short
# droppable_bench workloads; their medians must agree within 1% between the
# two boots (icount_compare.py).  CHECK_ICOUNT=0 skips it.  The host-side
# Python tests (kernel/scripts/test_*.py) run with the machinery's own.
. "$(dirname "$0")/common.sh"

VARIANTS=${VARIANTS:-on off}
CHECK_MM=${CHECK_MM:-1}
CHECK_ICOUNT=${CHECK_ICOUNT:-1}
# rmap, THP split and collapse, COW, pins, migration, mlock, KSM, madvise,
# mremap, userfaultfd: the paths the series touches.  About 8 minutes on an
# idle host (thp 164 s, userfaultfd 113 s, migration 86 s in a 4-vCPU guest).
# Not ksm_numa: its "ksm_tests -N -m 1" fails at random in this guest, on
# the base kernel too (7 of 12 runs in one boot of base, 3 of 12 of ours),
# more often than one rerun can absorb; make regress runs it.
CHECK_MM_CATEGORIES=${CHECK_MM_CATEGORIES:-thp cow ksm mlock madv_populate mkdirty gup_test mremap compaction userfaultfd migration}
case $CHECK_MM in 0|1) ;; *) die "CHECK_MM must be 0 or 1, got '$CHECK_MM'";; esac
case $CHECK_ICOUNT in 0|1) ;; *) die "CHECK_ICOUNT must be 0 or 1, got '$CHECK_ICOUNT'";; esac
FILTER=${FILTER:-.}
REPEAT=${REPEAT:-1}
case $REPEAT in *[!0-9]*|''|0) die "REPEAT must be a positive number, got '$REPEAT'";; esac
S=$REPO/kernel/scripts
pass=0 fail=0 skip=0
failures=()
excerpt=	# the first kernel problem or guest failure, for the end of the output

add_counts() { # PASS FAIL SKIP WHAT
	pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	[ "$2" = 0 ] || failures+=("$4")
}

"$S/deps.sh" || exit 1

first=1
for v in $VARIANTS; do
	case $v in on|off|base|debug) ;; *) die "VARIANTS may hold on, off, base and debug, not '$v'";; esac
	# The tests.list variant whose tests run, their timeout scale, and
	# extra kernel parameters.
	tv=$v scale=1 kcmd=
	if [ "$v" = debug ]; then
		tv=on scale=${DEBUG_TIMEOUT_SCALE:-4} kcmd=$DEBUG_KCMDLINE
		export UP_TIMEOUT=${UP_TIMEOUT:-$DEBUG_UP_TIMEOUT}
		case $scale in *[!0-9]*|''|0) die "DEBUG_TIMEOUT_SCALE must be a positive number, got '$scale'";; esac
	fi
	out=$("$S/build.sh" "$v") || { add_counts 0 1 0 "build of kernel '$v'"; continue; }
	bins=$CACHE/tests/$v
	if ! build_tests "$v" "$out" "$LOGDIR/tests-$v.log"; then
		add_counts 0 1 0 "build of the tests for '$v'"
		continue
	fi
	if [ "$first" = 1 ] && [ "$FILTER" = . ] && [ "$REPEAT" = 1 ]; then
		# The machinery itself: overlay, series, broken patch, up-to-date
		# build, guest timeout.  Once per run, after a kernel exists.
		first=0
		say "testing the build and boot machinery"
		"$S/selftest.sh" "$v" "$out/arch/x86/boot/bzImage" "$CACHE/selftest.counts"
		read -r p f s <"$CACHE/selftest.counts" || { p=0 f=1 s=0; }
		add_counts "$p" "$f" "$s" "the build machinery's own tests"
		say "testing the host-side Python scripts (kernel/scripts/test_*.py)"
		if python3 -m unittest discover -s "$S" -p 'test_*.py' >"$LOGDIR/python-tests.log" 2>&1; then
			add_counts 1 0 0 ""
		else
			tail -n 20 "$LOGDIR/python-tests.log" >&2
			add_counts 0 1 0 "the Python scripts' tests (log: $LOGDIR/python-tests.log)"
		fi
	fi

	job=$CACHE/job-check-$v.sh
	cat >"$job" <<-JOB
	#!/bin/bash
	export DROPPABLE_TIMEOUT_SCALE=$scale DROPPABLE_REPEAT=$REPEAT
	exec bash "$REPO/selftests/run-in-guest.sh" "$tv" "$bins" "\$SCRATCH/results" "$FILTER"
	JOB
	say "running the tests in a '$v' guest"
	KCMDLINE_EXTRA="${KCMDLINE_EXTRA:-} $kcmd" BOOT_TIMEOUT=${BOOT_TIMEOUT:-$((2400 * scale * REPEAT))} \
		"$S/boot.sh" "check-$v" "$out/arch/x86/boot/bzImage" "$job"
	rc=$?
	res=$CACHE/run/check-$v/results
	if read -r p f s 2>/dev/null <"$res/counts"; then
		add_counts "$p" "$f" "$s" "tests in the '$v' guest (TAP: $res/results.tap)"
	else
		add_counts 0 1 0 "the '$v' guest (exit $rc, console: $LOGDIR/console-check-$v.log)"
		[ -n "$excerpt" ] || excerpt=$(printf "last lines of the '%s' console:\n%s" "$v" \
			"$(tail -n 12 "$LOGDIR/console-check-$v.log" 2>/dev/null | cut -c1-160)")
	fi
	klog=$CACHE/run/check-$v/dmesg.txt
	[ -s "$klog" ] || klog=$LOGDIR/console-check-$v.log
	if grep -Eq "$KLOG_BAD" "$klog"; then
		echo "---- kernel log of the '$v' guest reports problems ($klog):" >&2
		grep -En -A3 "$KLOG_BAD" "$klog" | head -60 >&2
		case $excerpt in ''|last*)
			excerpt=$(printf "first kernel problem in the '%s' guest:\n%s" "$v" \
				"$(grep -E -m1 -A18 "$KLOG_BAD" "$klog" | cut -c1-160)") ;;
		esac
		add_counts 0 1 0 "kernel log of the '$v' guest ($klog)"
	else
		say "kernel log of the '$v' guest: no WARN/BUG/bad page/lockdep/RCU stall reports"
		pass=$((pass + 1))
	fi
done

if [ "$CHECK_MM" = 1 ] && [ "$FILTER" = . ] && [ "$REPEAT" = 1 ] &&
		[[ " $VARIANTS " == *" on "* ]]; then
	mm=$CACHE/run/check-mm
	say "the base tree's mm selftests ($CHECK_MM_CATEGORIES) on 'on', against the base kernel's recorded results (log: $LOGDIR/check-mm.log)"
	rm -rf "$mm"
	mkdir -p "$mm"
	REGRESS_CATEGORIES=$CHECK_MM_CATEGORIES REGRESS_REF_FILE=$REPO/selftests/mm-reference.tsv \
		REGRESS_RESULTS=$mm REGRESS_OUT=$mm/table.md REGRESS_CONFIRM=1 \
		"$S/regress-mm.sh" base on >"$LOGDIR/check-mm.log" 2>&1
	rc=$?
	if read -r n r fl 2>/dev/null <"$mm/gate.txt"; then
		sed -n '/^- `on`:/p; /regression(s)\*\*/,$p' "$LOGDIR/check-mm.log" | sed 's/^/    /'
		say "mm selftests: $n tests compared with the base kernel's, $r regression(s), $fl flaky (table: $mm/table.md)"
		add_counts $((n - r)) "$r" 0 "the base tree's mm selftests on 'on' (table: $mm/table.md)"
		[ "$rc" = 0 ] || [ "$r" -gt 0 ] ||
			add_counts 0 1 0 "the mm selftests' comparison (exit $rc, log: $LOGDIR/check-mm.log)"
	else
		tail -n 5 "$LOGDIR/check-mm.log" >&2
		add_counts 0 1 0 "the base tree's mm selftests on 'on' (exit $rc, log: $LOGDIR/check-mm.log)"
	fi
fi

if [ "$CHECK_ICOUNT" = 1 ] && [ "$FILTER" = . ] && [ "$REPEAT" = 1 ] &&
		[[ " $VARIANTS " == *" on "* ]]; then
	say "instruction-counted timing: two ICOUNT=1 boots of 'on', the same droppable_bench workloads, medians within 1%"
	job=$CACHE/job-icount.sh
	cat >"$job" <<-JOB
	#!/bin/bash
	"$CACHE/tests/on/droppable_bench" -r 5 -s 128 -w fault_anon_4k -w fault_droppable_4k -w zap_dontneed_4k -w 'reclaim_*_4k' >"\$SCRATCH/icount.txt"
	JOB
	ok=1
	for i in 1 2; do
		ICOUNT=1 SHOW_CONSOLE=0 BOOT_TIMEOUT=600 "$S/boot.sh" "icount-$i" \
			"$CACHE/build/on/arch/x86/boot/bzImage" "$job" >"$LOGDIR/icount-$i.log" 2>&1 || ok=0
	done
	if [ "$ok" = 1 ] && python3 "$S/icount_compare.py" "$CACHE/run/icount-1/icount.txt" \
			"$CACHE/run/icount-2/icount.txt"; then
		add_counts 1 0 0 ""
	else
		add_counts 0 1 0 "two instruction-counted runs of one kernel differ by more than 1% (logs: $LOGDIR/icount-1.log, icount-2.log)"
	fi
fi

# Repeated at the end, where a CI log's tail shows it.
[ -n "$excerpt" ] && printf -- '---- %s\n----\n' "$excerpt"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
