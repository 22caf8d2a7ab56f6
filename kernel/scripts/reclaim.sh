#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make reclaim:  reclaim.sh
#
# What our reclaim policy for droppable memory costs everybody else: the
# scenarios of selftests/droppable_regress.c (workloads without droppable
# memory; the same beside droppable memory that cannot be dropped, beside a
# droppable cache in another cgroup, on another NUMA node; a hot droppable
# set beside a file stream) run on the pristine base kernel and on ours,
# each on the classic LRU and on MGLRU, with 1 GiB of zram swap at
# swappiness 100, in one run.  For each kernel of RECLAIM_KERNELS it builds
# the kernel (build.sh) and droppable_regress against it, boots it under
# QEMU, hot-adds a zram block device with a vfat filesystem for the files
# the page-cache scenarios read, and runs every scenario on every LRU, one
# invocation each under a timeout; then kernel/scripts/reclaim_report.py
# writes docs/reclaim-regression.md (per scenario and LRU: base, ours,
# ours/base; the targets, met or not) and prints the targets.
#
# Environment:
#   RECLAIM_KERNELS="base on"  kernel variants (base, on, off, upto-N); the
#                         ratios and targets compare 'on' with 'base'
#   RECLAIM_SCENARIOS="1a 1b 1c 2i 2ii 3i 3ii 4 5"  the scenarios to run
#   RECLAIM_LRUS="classic mglru"  the LRUs
#   RECLAIM_RUNS=1        runs of each scenario per LRU (medians reported)
#   RECLAIM_HOT_SECS=10   seconds of 1a's (and 2's) hot phase; 3 holds its
#                         pressure for half of it, 4 re-touches for half
#   RECLAIM_TIMEOUT=420   seconds one scenario may take in the guest
#   RECLAIM_NOBUILD=1     development knob: no build.sh/prepare.sh, use the
#                         built $CACHE/build/<variant> trees as they are
#   RECLAIM_DOC=docs/reclaim-regression.md  where the report goes
#   MEM, CPUS, NODES, ACCEL, BOOT_TIMEOUT: the guest, as for boot.sh
#                         (scenario 4 needs NODES >= 2)
#
# A bad figure never fails the run: it exits non-zero, with a one-line
# reason per problem, only if a kernel or the program does not build, a
# guest does not boot or finish, or a scenario produces no result (error,
# skip or timeout); the report is written with what there is first.
. "$(dirname "$0")/common.sh"

S=$REPO/kernel/scripts
ALL_SCENARIOS="1a 1b 1c 2i 2ii 3i 3ii 4 5"
RECLAIM_KERNELS=${RECLAIM_KERNELS:-base on}
RECLAIM_SCENARIOS=${RECLAIM_SCENARIOS:-$ALL_SCENARIOS}
RECLAIM_LRUS=${RECLAIM_LRUS:-classic mglru}
RECLAIM_RUNS=${RECLAIM_RUNS:-1}
RECLAIM_HOT_SECS=${RECLAIM_HOT_SECS:-10}
RECLAIM_TIMEOUT=${RECLAIM_TIMEOUT:-420}
RECLAIM_NOBUILD=${RECLAIM_NOBUILD:-0}
RECLAIM_DOC=${RECLAIM_DOC:-$REPO/docs/reclaim-regression.md}

case $RECLAIM_NOBUILD in 0|1) ;; *) die "RECLAIM_NOBUILD must be 0 or 1, got '$RECLAIM_NOBUILD'";; esac
case $RECLAIM_RUNS in *[!0-9]*|''|0) die "RECLAIM_RUNS must be a positive number, got '$RECLAIM_RUNS'";; esac
[ "$RECLAIM_RUNS" -le 21 ] || die "RECLAIM_RUNS must be at most 21, got '$RECLAIM_RUNS'"
case $RECLAIM_HOT_SECS in *[!0-9]*|''|0) die "RECLAIM_HOT_SECS must be a positive number of seconds, got '$RECLAIM_HOT_SECS'";; esac
case $RECLAIM_TIMEOUT in *[!0-9]*|''|0) die "RECLAIM_TIMEOUT must be a positive number of seconds, got '$RECLAIM_TIMEOUT'";; esac
[ -n "${RECLAIM_KERNELS// /}" ] || die "RECLAIM_KERNELS is empty"
[ -n "${RECLAIM_SCENARIOS// /}" ] || die "RECLAIM_SCENARIOS is empty"
[ -n "${RECLAIM_LRUS// /}" ] || die "RECLAIM_LRUS is empty"
for v in $RECLAIM_KERNELS; do
	case $v in on|off|base|upto-[1-9]|upto-[1-9][0-9]) ;;
	*) die "RECLAIM_KERNELS may hold base, on, off and upto-N, not '$v'";; esac
done
for s in $RECLAIM_SCENARIOS; do
	case " $ALL_SCENARIOS " in *" $s "*) ;;
	*) die "RECLAIM_SCENARIOS may hold $ALL_SCENARIOS, not '$s'";; esac
done
for l in $RECLAIM_LRUS; do
	case $l in classic|mglru) ;; *) die "RECLAIM_LRUS may hold classic and mglru, not '$l'";; esac
done
case " $RECLAIM_SCENARIOS " in
*" 4 "*) [ "${NODES:-2}" -ge 2 ] 2>/dev/null ||
	die "scenario 4 needs NODES >= 2 (got NODES='${NODES:-}'); leave it out of RECLAIM_SCENARIOS" ;;
esac
command -v python3 >/dev/null || die "python3 is missing: apt-get install python3"

# Creating the files (about 3.7 GiB of writes with a 2 GiB guest) takes
# about a minute under TCG; it has a timeout of its own.
FILES_TIMEOUT=900
nscen=$(echo "$RECLAIM_SCENARIOS" | wc -w)
nlru=$(echo "$RECLAIM_LRUS" | wc -w)
# Every scenario may take its whole timeout; the files and the boot a few
# minutes more.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-$((nscen * nlru * RECLAIM_RUNS * (RECLAIM_TIMEOUT + 15) + FILES_TIMEOUT + 300))}
export BOOT_TIMEOUT

[ "$RECLAIM_NOBUILD" = 1 ] || "$S/deps.sh" || exit 1

failures=()
fail() {
	echo "error: $*" >&2
	failures+=("$*")
}

report_args=()
for v in $RECLAIM_KERNELS; do
	if [ "$RECLAIM_NOBUILD" = 1 ]; then
		out=$CACHE/build/$v
		if ! { [ -f "$out/.built" ] && [ -f "$out/arch/x86/boot/bzImage" ] && [ -d "$out/hdr/include" ]; }; then
			fail "RECLAIM_NOBUILD=1: no finished build of kernel '$v' in $out (.built, bzImage and hdr/)"
			continue
		fi
		src=$(nobuild_src "$v") || { fail "RECLAIM_NOBUILD=1: no source tree for '$v' in $CACHE"; continue; }
	else
		out=$("$S/build.sh" "$v") || { fail "kernel '$v' did not build"; continue; }
		src=$(variant_src "$v") || { fail "the source tree for '$v' could not be prepared"; continue; }
	fi
	bins=$CACHE/tests/$v
	run_logged "building droppable_regress for '$v'" "$LOGDIR/reclaim-tests-$v.log" \
		make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" OUT="$bins" "$bins/droppable_regress" ||
		{ fail "droppable_regress did not build for kernel '$v' (log: $LOGDIR/reclaim-tests-$v.log)"; continue; }

	job=$CACHE/job-reclaim-$v.sh
	cat >"$job" <<-JOB
	#!/bin/bash
	bin=$bins/droppable_regress
	fs=/run/regress-fs
	echo "reclaim: \$(uname -r); scenarios '$RECLAIM_SCENARIOS' on '$RECLAIM_LRUS', $RECLAIM_RUNS run(s) each"
	# The files of the page-cache scenarios live on a real block
	# filesystem: vfat on a zram device of its own (the files are zeroes,
	# which zram keeps as same-filled pages, in almost no memory).
	mem=\$(awk '/^MemTotal:/ { print int(\$2 / 1024) }' /proc/meminfo)
	n=\$(cat /sys/class/zram-control/hot_add) || { echo "ERROR no zram hot_add" >"\$SCRATCH/setup.txt"; exit 1; }
	echo "\$((mem * 7 / 4 + 512))M" >/sys/block/zram\$n/disksize &&
		mkfs.vfat -F 32 /dev/zram\$n >/dev/null &&
		mkdir -p \$fs && mount -t vfat /dev/zram\$n \$fs ||
		{ echo "ERROR cannot make a vfat filesystem on /dev/zram\$n" >"\$SCRATCH/setup.txt"; exit 1; }
	echo "reclaim: creating the files on /dev/zram\$n (vfat)"
	timeout -k 10 $FILES_TIMEOUT "\$bin" -s files -d \$fs >"\$SCRATCH/files.txt" 2>&1
	echo "exit \$?" >>"\$SCRATCH/files.txt"
	grep -q '^ok 1' "\$SCRATCH/files.txt" || exit 1
	for lru in $RECLAIM_LRUS; do
		for s in $RECLAIM_SCENARIOS; do
			for r in \$(seq $RECLAIM_RUNS); do
				f=\$SCRATCH/r-\$s-\$lru-\$r.txt
				echo "reclaim: scenario \$s, \$lru, run \$r (\$(date +%T))"
				start=\$(date +%s)
				timeout -k 10 $RECLAIM_TIMEOUT "\$bin" -s \$s -l \$lru -d \$fs -t $RECLAIM_HOT_SECS >"\$f" 2>"\${f%.txt}.err"
				echo "exit \$?" >>"\$f"
				echo "secs \$((\$(date +%s) - start))" >>"\$f"
				grep -E '^(ERROR|SKIP)' "\$f"
			done
		done
	done
	umount \$fs
	echo \$n >/sys/class/zram-control/hot_remove
	exit 0
	JOB
	blog=$LOGDIR/reclaim-$v.log
	run_logged "running the reclaim scenarios on kernel '$v' ($nscen scenario(s) x $nlru LRU(s) x $RECLAIM_RUNS)" "$blog" \
		env SHOW_CONSOLE=1 "$S/boot.sh" "reclaim-$v" "$out/arch/x86/boot/bzImage" "$job"
	rc=$?
	run=$CACHE/run/reclaim-$v
	if [ ! -s "$run/exit-status" ]; then
		fail "the '$v' guest did not finish (boot exit $rc; console: $LOGDIR/console-reclaim-$v.log)"
		continue
	fi
	if [ -s "$run/setup.txt" ]; then
		fail "kernel '$v': $(head -1 "$run/setup.txt") (console: $LOGDIR/console-reclaim-$v.log)"
		continue
	fi
	if ! grep -q '^ok 1' "$run/files.txt" 2>/dev/null; then
		fail "kernel '$v': the files were not created: $(grep -m1 '^ERROR' "$run/files.txt" 2>/dev/null || tail -1 "$run/files.txt" 2>/dev/null)"
		continue
	fi
	# Every run of every scenario must have produced its figures.
	for l in $RECLAIM_LRUS; do
		for s in $RECLAIM_SCENARIOS; do
			for r in $(seq "$RECLAIM_RUNS"); do
				f=$run/r-$s-$l-$r.txt
				if [ ! -f "$f" ]; then
					fail "kernel '$v', scenario $s, $l, run $r: not run (console: $LOGDIR/console-reclaim-$v.log)"
				elif ! grep -q '^ok 1' "$f"; then
					e=$(sed -n 's/^exit //p' "$f")
					why=$(grep -m1 -E '^(ERROR|SKIP) ' "$f")
					[ "$e" = 124 ] || [ "$e" = 137 ] && why="timed out after ${RECLAIM_TIMEOUT}s${why:+ ($why)}"
					fail "kernel '$v', scenario $s, $l, run $r: no result: ${why:-exit ${e:-?}} (stderr: ${f%.txt}.err)"
				fi
			done
		done
	done
	klog=$run/dmesg.txt
	if [ -s "$klog" ] && grep -Eq "$KLOG_BAD" "$klog"; then
		warn "the kernel log of the '$v' guest reports problems: $klog"
		report_args+=(--klog-bad "$v")
	fi
	accel=$(sed -n 's/^==> booting .* (\(kvm\|tcg\), \([0-9]*\) CPUs, \([0-9]*\) MiB, \([0-9]*\) node.*/\1, \2 vCPUs, \3 MiB, \4 NUMA node(s)/p' "$blog" | head -1)
	report_args+=(--kernel "$v=$run" --guest "$v=${accel:-unknown}")
	say "kernel '$v': results in $run"
done

if [ ${#report_args[@]} -gt 0 ]; then
	cmd="make reclaim"
	[ "$RECLAIM_KERNELS" = "base on" ] || cmd+=" RECLAIM_KERNELS='$RECLAIM_KERNELS'"
	[ "$RECLAIM_SCENARIOS" = "$ALL_SCENARIOS" ] || cmd+=" RECLAIM_SCENARIOS='$RECLAIM_SCENARIOS'"
	[ "$RECLAIM_LRUS" = "classic mglru" ] || cmd+=" RECLAIM_LRUS='$RECLAIM_LRUS'"
	[ "$RECLAIM_RUNS" = 1 ] || cmd+=" RECLAIM_RUNS=$RECLAIM_RUNS"
	[ "$RECLAIM_HOT_SECS" = 10 ] || cmd+=" RECLAIM_HOT_SECS=$RECLAIM_HOT_SECS"
	[ "$RECLAIM_NOBUILD" = 1 ] && cmd+=" RECLAIM_NOBUILD=1"
	mkdir -p "$(dirname "$RECLAIM_DOC")"
	python3 "$S/reclaim_report.py" --out "$RECLAIM_DOC" \
		--scenarios "$RECLAIM_SCENARIOS" --lrus "$RECLAIM_LRUS" --runs "$RECLAIM_RUNS" \
		--hot-secs "$RECLAIM_HOT_SECS" --command "$cmd" --base-version "$BASE_PKG $BASE_VERSION" \
		"${report_args[@]}" || fail "the report could not be written"
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "make reclaim failed (${#failures[@]} problem(s)):" >&2
	for f in "${failures[@]}"; do echo "  - $f" >&2; done
	exit 1
fi
say "wrote $RECLAIM_DOC"
