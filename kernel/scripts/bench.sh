#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench:  bench.sh
#
# Benchmarks MAP_DROPPABLE side by side on several kernels, in one run: for
# each kernel of BENCH_KERNELS it builds the kernel (build.sh) and
# selftests/droppable_bench.c against it, boots it under QEMU and runs
# droppable_bench there; then writes docs/benchmarks.md (a table, the
# targets, the guest and the kernels) and docs/benchmarks.csv, prints the
# table, and draws docs/benchmarks.png and docs/benchmarks-scaling.png
# with gnuplot (make deps installs gnuplot-nox).
#
# Environment:
#   BENCH_RUNS=11         measured runs per workload (after one warm-up)
#   BENCH_PRECISE_RUNS=41 measured runs of the workloads whose targets are
#                         a percent or two, on every kernel: fault-in
#                         (droppable / anonymous >= 0.99) and the 4 KiB
#                         reclaim pair (counters and tracepoints off: on /
#                         upto-N >= 0.99); their run-to-run spread is as
#                         large as that over 11 runs (at most 101)
#   BENCH_MIB=256         MiB mapped per run
#   BENCH_KERNELS="base upto-N on"  the kernel variants (base, on, off,
#                         upto-N), in order; "base" is the pristine upstream
#                         kernel, the others are compared with it when it is
#                         in the list; upto-N is the series up to patch N, by
#                         default the last patch before the observability
#                         patches (tracepoints and counters), to measure what
#                         they cost when they are off
#   BENCH_SCALE_MIB=auto  sizes (MiB) of the scaling runs of the reclaim and
#                         MADV_DONTNEED workloads on base and on; auto: 128,
#                         256, 512 and the largest the guest holds (70% of
#                         its MemAvailable, 64 MiB steps); "" skips them
#   BENCH_SCALE_RUNS=5    measured runs per size
#   BENCH_PRESSURE_RUNS=5 runs of selftests/droppable_pressure (mixed,
#                         kswapd-driven pressure with zram swap) per LRU on
#                         base and on (0: skip)
#   BENCH_TRACE_RUNS=11   runs of reclaim_droppable_4k on 'on': detached,
#                         with a count-only bpftrace program and with one
#                         that prints a number per drop (each on our
#                         droppable_drop and, for comparison, on upstream's
#                         kmem:mm_page_free_batched), with
#                         bpf/droppable-drops.bt, with droppable-top.bt,
#                         detached; and of reclaim_droppable_thp detached,
#                         with droppable-drops.bt, detached (0: skip)
#   BENCH_NOBUILD=1       development knob: do not run build.sh/prepare.sh
#                         but use the existing $CACHE/build/<variant> trees
#                         and source trees as they are (e.g. while a build is
#                         running); the report says so
#   BENCH_ICOUNT=1        boot the guests with instruction counting (QEMU
#                         -icount shift=0,sleep=off, boot.sh ICOUNT=1): the
#                         guest's clock follows the instructions it executes,
#                         so a median repeats within ~1% across boots (wall
#                         clock under TCG drifts by tens of percent); it
#                         measures instructions, not real-hardware time (no
#                         cache or TLB model).  0: wall clock, as before
#   MEM, CPUS, NODES, ACCEL, BOOT_TIMEOUT: the guest, as for boot.sh
#
# A low number never fails the benchmark: it exits non-zero, with a one-line
# reason, only if a kernel or the benchmark does not build, a guest does not
# boot or finish, or a workload produces no result.
. "$(dirname "$0")/common.sh"

S=$REPO/kernel/scripts
BENCH_RUNS=${BENCH_RUNS:-11}
BENCH_PRECISE_RUNS=${BENCH_PRECISE_RUNS:-41}
BENCH_MIB=${BENCH_MIB:-256}
# The last patch before "mm: count droppable faults, drops and keeps".
obs=$(series_lines | grep -n 'count-droppable-faults' | cut -d: -f1 | head -1)
BEFORE_OBS=$(( ${obs:-1} - 1 ))
if [ "$BEFORE_OBS" -gt 0 ]; then
	BENCH_KERNELS=${BENCH_KERNELS:-base upto-$BEFORE_OBS on}
else
	BENCH_KERNELS=${BENCH_KERNELS:-base on}
fi
BENCH_TRACE_RUNS=${BENCH_TRACE_RUNS:-11}
BENCH_SCALE_MIB=${BENCH_SCALE_MIB-auto}
BENCH_SCALE_RUNS=${BENCH_SCALE_RUNS:-5}
BENCH_PRESSURE_RUNS=${BENCH_PRESSURE_RUNS:-5}
BENCH_NOBUILD=${BENCH_NOBUILD:-0}
BENCH_ICOUNT=${BENCH_ICOUNT:-1}
case $BENCH_ICOUNT in 0|1) ;; *) die "BENCH_ICOUNT must be 0 or 1, got '$BENCH_ICOUNT'";; esac
export ICOUNT=$BENCH_ICOUNT
case $BENCH_RUNS in *[!0-9]*|''|0) die "BENCH_RUNS must be a positive number, got '$BENCH_RUNS'";; esac
case $BENCH_PRECISE_RUNS in *[!0-9]*|''|0) die "BENCH_PRECISE_RUNS must be a positive number, got '$BENCH_PRECISE_RUNS'";; esac
[ "$BENCH_RUNS" -le 101 ] && [ "$BENCH_PRECISE_RUNS" -le 101 ] ||
	die "BENCH_RUNS and BENCH_PRECISE_RUNS must be at most 101 (droppable_bench's limit)"
case $BENCH_TRACE_RUNS in *[!0-9]*|'') die "BENCH_TRACE_RUNS must be a number (0: skip), got '$BENCH_TRACE_RUNS'";; esac
case $BENCH_MIB in *[!0-9]*|''|0|1) die "BENCH_MIB must be a number of MiB >= 2, got '$BENCH_MIB'";; esac
case $BENCH_SCALE_RUNS in *[!0-9]*|''|0) die "BENCH_SCALE_RUNS must be a positive number, got '$BENCH_SCALE_RUNS'";; esac
case $BENCH_PRESSURE_RUNS in *[!0-9]*|'') die "BENCH_PRESSURE_RUNS must be a number (0: skip), got '$BENCH_PRESSURE_RUNS'";; esac
if [ "$BENCH_SCALE_MIB" != auto ]; then
	for m in $BENCH_SCALE_MIB; do
		case $m in *[!0-9]*|0|1) die "BENCH_SCALE_MIB must be auto or MiB sizes >= 2, got '$m'";; esac
	done
fi
[ -n "${BENCH_KERNELS// /}" ] || die "BENCH_KERNELS is empty"
for v in $BENCH_KERNELS; do
	case $v in on|off|base|upto-[1-9]|upto-[1-9][0-9]) ;;
	*) die "BENCH_KERNELS may hold base, on, off and upto-N, not '$v'";; esac
done

WORKLOADS="fault_anon_4k fault_droppable_4k fault_anon_thp fault_droppable_thp
reclaim_droppable_4k reclaim_lazyfree_4k reclaim_droppable_thp reclaim_lazyfree_thp
zap_dontneed_4k zap_dontneed_thp"
SCALE_WORKLOADS="reclaim_droppable_4k reclaim_lazyfree_4k zap_dontneed_4k
reclaim_droppable_thp reclaim_lazyfree_thp zap_dontneed_thp"
PRESSURE_KEYS="swapout_while_resident_mib resident_at_first_swapout_mib
dropped_mib swapout_mib steal_kswapd_mib steal_direct_mib"
DOCS=$REPO/docs
MD=$DOCS/benchmarks.md CSV=$DOCS/benchmarks.csv PNG=$DOCS/benchmarks.png
SPNG=$DOCS/benchmarks-scaling.png

[ "$BENCH_NOBUILD" = 1 ] || "$S/deps.sh" || exit 1

SCALE_RESOLVED=
declare -A MED MIN MAX NRUN STAT UNAME ACCELS SKIPS PMED PMIN PMAX TMED TMIN TMAX \
	SMED SMIN SMAX SIZES QMED QMIN QMAX QN QSKIP
for v in $BENCH_KERNELS; do
	if [ "$BENCH_NOBUILD" = 1 ]; then
		out=$CACHE/build/$v
		{ [ -f "$out/arch/x86/boot/bzImage" ] && [ -d "$out/hdr/include" ]; } ||
			die "BENCH_NOBUILD=1: no built kernel '$v' in $out (bzImage and hdr/)"
		src=$(nobuild_src "$v") || die "BENCH_NOBUILD=1: no source tree for '$v' in $CACHE"
	else
		out=$("$S/build.sh" "$v") || die "kernel '$v' did not build"
		src=$(variant_src "$v") || die "the source tree for '$v' could not be prepared"
	fi
	bins=$CACHE/tests/$v
	run_logged "building droppable_bench for '$v'" "$LOGDIR/bench-tests-$v.log" \
		make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" OUT="$bins" \
			"$bins/droppable_bench" "$bins/droppable_pressure" ||
		die "droppable_bench did not build for kernel '$v' (log: $LOGDIR/bench-tests-$v.log)"

	job=$CACHE/job-bench-$v.sh
	cat >"$job" <<-JOB
	#!/bin/bash
	echo "bench: \$(uname -r), $BENCH_PRECISE_RUNS (fault-in, 4 KiB reclaim) and $BENCH_RUNS (others) runs x $BENCH_MIB MiB"
	"$bins/droppable_bench" -r "$BENCH_PRECISE_RUNS" -s "$BENCH_MIB" -w 'fault_*' -w 'reclaim_*_4k' >"\$SCRATCH/bench.txt"
	"$bins/droppable_bench" -r "$BENCH_RUNS" -s "$BENCH_MIB" -w 'reclaim_*_thp' -w 'zap_*' >>"\$SCRATCH/bench.txt"
	JOB
	case $v in
	base|on)
		# Scaling: the reclaim and MADV_DONTNEED workloads at several
		# sizes, up to the largest the guest holds.
		if [ -n "${BENCH_SCALE_MIB// /}" ]; then
			cat >>"$job" <<-JOB
			sizes="${SCALE_RESOLVED:-$BENCH_SCALE_MIB}"
			if [ "\$sizes" = auto ]; then
				avail=\$(awk '/^MemAvailable:/ { print int(\$2 / 1024 * 0.7 / 64) * 64 }' /proc/meminfo)
				sizes=
				for s in 128 256 512; do [ "\$s" -lt "\$avail" ] && sizes+=" \$s"; done
				sizes+=" \$avail"
			fi
			echo \$sizes >"\$SCRATCH/scale-sizes.txt"
			for s in \$sizes; do
				echo "bench: scaling, \$s MiB"
				"$bins/droppable_bench" -r "$BENCH_SCALE_RUNS" -s "\$s" -w 'reclaim_*' -w 'zap_*' >"\$SCRATCH/scale-\$s.txt"
			done
			JOB
		fi
		if [ "$BENCH_PRESSURE_RUNS" -gt 0 ]; then
			cat >>"$job" <<-JOB
			echo "bench: mixed pressure, $BENCH_PRESSURE_RUNS runs per LRU"
			"$bins/droppable_pressure" -r "$BENCH_PRESSURE_RUNS" >"\$SCRATCH/pressure.txt"
			JOB
		fi
		;;
	esac
	if [ "$v" = on ] && [ "$BENCH_TRACE_RUNS" -gt 0 ]; then
		# The cost of watching: drops with droppable-drops.bt attached,
		# between two runs without it (A B A), of 4 KiB folios (one
		# drop event per page) and of THPs (one per 512 pages).
		cat >>"$job" <<-JOB
		# one NAME [WORKLOAD]: NAME's runs of WORKLOAD (reclaim_droppable_4k)
		one() { "$bins/droppable_bench" -r "$BENCH_TRACE_RUNS" -s "$BENCH_MIB" -w "\${2:-reclaim_droppable_4k}" >"\$SCRATCH/\$1.txt"; }
		# attached SCRIPT NAME [WORKLOAD]: NAME's runs with the bpftrace SCRIPT attached
		attached() {
			bpftrace "\$1" >/tmp/\$2.out 2>&1 &
			bt=\$!
			for i in \$(seq 240); do grep -q Attaching /tmp/\$2.out && break; sleep 0.5; done
			sleep 1
			one \$2 \$3
			kill -INT \$bt
			for i in \$(seq 120); do kill -0 \$bt 2>/dev/null || break; sleep 0.5; done
			kill -KILL \$bt 2>/dev/null; wait \$bt
			grep -c . /tmp/\$2.out >"\$SCRATCH/\$2-lines.txt"
		}
		if [ -d /sys/kernel/tracing/events/droppable ] && [ -f "$REPO/bpf/droppable-drops.bt" ] && command -v bpftrace >/dev/null; then
			# The floor of any BPF observer of drops: count them, nothing else.
			echo 'tracepoint:droppable:droppable_drop { @drops = count(); }' >/tmp/count.bt
			# A line per drop with nothing in it but a number: what the
			# output of a line costs, apart from drops.bt's fields.
			echo 'tracepoint:droppable:droppable_drop { printf("%d\\n", args->nr_pages); }' >/tmp/line.bt
			# The same two on an upstream tracepoint that fires once per
			# page freed, so once per page dropped here: what any
			# per-page BPF observer costs, ours or not.
			echo 'tracepoint:kmem:mm_page_free_batched { @frees = count(); }' >/tmp/ucount.bt
			echo 'tracepoint:kmem:mm_page_free_batched { printf("%lu\\n", args->pfn); }' >/tmp/uline.bt
			one trace-detached1
			attached /tmp/count.bt trace-count
			attached /tmp/ucount.bt trace-ucount
			attached /tmp/line.bt trace-line
			attached /tmp/uline.bt trace-uline
			attached "$REPO/bpf/droppable-drops.bt" trace-attached
			attached "$REPO/bpf/droppable-top.bt" trace-top
			one trace-detached2
			one trace-thp-detached1 reclaim_droppable_thp
			attached "$REPO/bpf/droppable-drops.bt" trace-thp-attached reclaim_droppable_thp
			one trace-thp-detached2 reclaim_droppable_thp
		fi
		JOB
	fi
	# The boot's output, with the guest's console, is the step's log: its
	# progress lines show the workload the guest is at.
	blog=$LOGDIR/bench-$v.log
	run_logged "benchmarking kernel '$v' in the guest ($BENCH_PRECISE_RUNS/$BENCH_RUNS runs x $BENCH_MIB MiB)" "$blog" \
		env SHOW_CONSOLE=1 "$S/boot.sh" "bench-$v" "$out/arch/x86/boot/bzImage" "$job"
	rc=$?
	run=$CACHE/run/bench-$v
	res=$run/bench.txt
	[ -s "$run/exit-status" ] ||
		die "the '$v' guest did not finish the benchmark (boot exit $rc; console: $LOGDIR/console-bench-$v.log)"
	grep -q '^RESULT ' "$res" 2>/dev/null ||
		die "kernel '$v' produced no RESULT lines (exit $(cat "$run/exit-status"); console: $LOGDIR/console-bench-$v.log)"

	# "booting build/on/arch/x86/boot/bzImage (tcg, 2 CPUs, 2048 MiB, 2 node(s)); ..."
	ACCELS[$v]=$(sed -n 's/^==> booting .* (\(kvm\|tcg\), \([0-9]*\) CPUs, \([0-9]*\) MiB, \([0-9]*\) node.*/\1 \2 \3 \4/p' "$blog" | head -1)
	while read -r tag a b c d e f; do
		case $tag in
		INFO)	[ "$a" = uname ] && UNAME[$v]=$b ;;
		RESULT)	MED[$v,$a]=$c MIN[$v,$a]=$d MAX[$v,$a]=$e NRUN[$v,$a]=$f ;;
		STAT)	STAT[$v,$a,$b]=$c ;;
		SKIP)	SKIPS[$v,$a]="$b $c $d $e $f" ;;
		PAIR)	PMED[$v,$a]=$c PMIN[$v,$a]=$d PMAX[$v,$a]=$e ;;
		esac
	done <"$res"
	for w in $WORKLOADS; do
		[ -n "${MED[$v,$w]:-}" ] ||
			die "kernel '$v': workload $w did not run: ${SKIPS[$v,$w]:-no result (see $LOGDIR/console-bench-$v.log)}"
	done
	for t in trace-detached1 trace-count trace-ucount trace-line trace-uline trace-attached trace-top trace-detached2 \
			trace-thp-detached1 trace-thp-attached trace-thp-detached2; do
		[ -f "$run/$t.txt" ] || continue
		# shellcheck disable=SC2034
		while read -r tag a b c d e f; do
			[ "$tag" = RESULT ] && TMED[$t]=$c TMIN[$t]=$d TMAX[$t]=$e
		done <"$run/$t.txt"
	done
	if [ -s "$run/scale-sizes.txt" ]; then
		SIZES[$v]=$(cat "$run/scale-sizes.txt")
		# The kernels after the first measure the same sizes.
		SCALE_RESOLVED=${SCALE_RESOLVED:-${SIZES[$v]}}
		for m in ${SIZES[$v]}; do
			[ -s "$run/scale-$m.txt" ] ||
				die "kernel '$v': the scaling run at $m MiB produced nothing (console: $LOGDIR/console-bench-$v.log)"
			while read -r tag a b c d e f; do
				[ "$tag" = RESULT ] && SMED[$v,$a,$m]=$c SMIN[$v,$a,$m]=$d SMAX[$v,$a,$m]=$e
			done <"$run/scale-$m.txt"
		done
	fi
	if [ -f "$run/pressure.txt" ]; then
		while read -r tag a b c d e f; do
			case $tag in
			RESULT) QMED[$v,$a]=$c QMIN[$v,$a]=$d QMAX[$v,$a]=$e QN[$v,$a]=$f ;;
			SKIP) QSKIP[$v]="$a $b $c $d $e $f" ;;
			esac
		done <"$run/pressure.txt"
		[ -n "${QMED[$v,pressure_dropped_mib_classic]:-}${QSKIP[$v]:-}" ] ||
			die "kernel '$v': droppable_pressure produced no result (console: $LOGDIR/console-bench-$v.log)"
	fi
	klog=$run/dmesg.txt
	if [ -s "$klog" ] && grep -Eq "$KLOG_BAD" "$klog"; then
		warn "the kernel log of the '$v' guest reports problems: $klog"
		STAT[$v,klog,bad]=1
	fi
	say "kernel '$v' (${UNAME[$v]}): $(grep -c '^RESULT ' "$res") results in $res"
done

# ---- the report --------------------------------------------------------

# detached RUN1 RUN2: the mean of the two detached medians around the
# attached runs, or the one there is.
detached() {
	awk -v a="${TMED[$1]:-}" -v b="${TMED[$2]:-}" \
		'BEGIN { if (a != "" && b != "") print (a + b) / 2; else print a b }'
}

# What observing costs: the tracepoints compiled in but off (on against the
# kernel before the observability patches), and bpf/droppable-drops.bt
# attached (the A B A runs of the 'on' guest).
tracecost() {
	local before=upto-$BEFORE_OBS w b det tdet n
	has on || return 0
	echo
	echo "## Observability cost"
	echo
	echo "| measurement | value | target | |"
	echo "|---|--:|--:|---|"
	if has "$before"; then
		for w in fault_droppable_4k reclaim_droppable_4k; do
			tline2 "\`$w\`, tracepoints and counters compiled in, off: ours / ours 1–$BEFORE_OBS" \
				"$(ratio "${MED[on,$w]}" "${MED[$before,$w]}" 3)" "≥ 0.99"
		done
		# Each boot drifts as a whole (10% between two boots is common):
		# the same divided by each boot's paired ratio against the
		# workload that no observability code touches.
		for w in fault_droppable_4k reclaim_droppable_4k; do
			[ -n "${PMED[on,$w]:-}" ] && [ -n "${PMED[$before,$w]:-}" ] || continue
			case $w in fault_*) b=fault_anon_4k;; *) b=reclaim_lazyfree_4k;; esac
			echo "| the same corrected for the drift between the two boots: ours' paired \`$w\` / \`$b\` over ours 1–$BEFORE_OBS's (\`$b\` passes no observability code) | $(ratio "${PMED[on,$w]}" "${PMED[$before,$w]}" 3) | | |"
		done
	fi
	if [ -n "${TMED[trace-attached]:-}" ]; then
		det=$(detached trace-detached1 trace-detached2)
		tline2 "\`reclaim_droppable_4k\` with \`bpf/droppable-drops.bt\` attached / detached" \
			"$(ratio "${TMED[trace-attached]}" "$det" 3)" "≥ 0.9"
		trow trace-top "$det" "the same with \`bpf/droppable-top.bt\` (aggregates in the kernel, no line per drop)"
		trow trace-count "$det" "the same with a bpftrace program that only counts drop events (\`@drops = count()\`: the floor for any BPF observer of every drop)"
		trow trace-line "$det" "the same with a bpftrace program that prints a line of one number per drop event (\`printf(\"%d\\n\", args->nr_pages)\`: the cost of a line, without drops.bt's fields)"
		trow trace-ucount "$det" "for comparison, counting upstream's \`kmem:mm_page_free_batched\` (one event per page freed, so per page dropped: any per-page observer, not only ours)"
		trow trace-uline "$det" "for comparison, a line of one number per \`kmem:mm_page_free_batched\` event"
		if [ -n "${TMED[trace-thp-attached]:-}" ]; then
			tdet=$(detached trace-thp-detached1 trace-thp-detached2)
			tline2 "\`reclaim_droppable_thp\` (one drop event per 2 MiB) with \`bpf/droppable-drops.bt\` attached / detached" \
				"$(ratio "${TMED[trace-thp-attached]}" "$tdet" 3)" "≥ 0.9"
		fi
		n=$(cat "$CACHE/run/bench-on/trace-attached-lines.txt" 2>/dev/null)
		echo
		echo "Drop throughput on \`on\` (GiB/s, median [min–max] of $BENCH_TRACE_RUNS runs each,"
		echo "in this order): detached $(tspan trace-detached1),"
		[ -n "${TMED[trace-count]:-}" ] &&
			echo "counting only $(tspan trace-count),"
		echo "attached $(tspan trace-attached),"
		[ -n "${TMED[trace-top]:-}" ] &&
			echo "with droppable-top.bt $(tspan trace-top),"
		echo "detached $(tspan trace-detached2)."
		[ -n "${TMED[trace-line]:-}" ] &&
			echo "A line of one number per drop: $(tspan trace-line)."
		[ -n "${TMED[trace-ucount]:-}" ] &&
			echo "Upstream's \`kmem:mm_page_free_batched\`, counting: $(tspan trace-ucount), a line per event: $(tspan trace-uline)."
		[ -n "${TMED[trace-thp-attached]:-}" ] &&
			echo "THPs (\`reclaim_droppable_thp\`): detached $(tspan trace-thp-detached1), attached $(tspan trace-thp-attached), detached $(tspan trace-thp-detached2)."
		echo "droppable-drops.bt printed ${n:-?} lines while attached (one per drop event,"
		echo "plus its headers and summaries; bpftrace loses events it cannot print in"
		echo "time) into a file in the guest's tmpfs.  Under emulation the guest's two"
		echo "vCPUs run both the reclaim and bpftrace's formatting of every line."
		echo "droppable-top.bt shows what the tracepoint and a BPF program cost without"
		echo "the output."
	else
		echo
		echo "(\`bpf/droppable-drops.bt\` was not run: no bpftrace, no tool, or no"
		echo "droppable tracepoints in the 'on' kernel.)"
	fi
}
# Cost per GiB as the size grows: the reclaim and MADV_DONTNEED workloads
# at each size of the scaling runs.
scaling() {
	local v w m line sep sizes=
	for v in $BENCH_KERNELS; do
		[ -n "${SIZES[$v]:-}" ] && { sizes=${SIZES[$v]}; break; }
	done
	[ -n "$sizes" ] || return 0
	echo
	echo "## Scaling"
	echo
	echo "Drop and zap cost as the size grows: the reclaim and MADV_DONTNEED"
	echo "workloads at $(echo $sizes | sed 's/ /, /g') MiB$([ "$BENCH_SCALE_MIB" = auto ] && echo " (the largest: 70% of the
guest's MemAvailable)"), median [min–max] of $BENCH_SCALE_RUNS runs each, in GiB/s,"
	echo "and the median's cost in ms per GiB (1000 / GiB/s).  The droppable and"
	echo "lazyfree figures count only what was dropped (pages that read back as zero)."
	[ -n "$chart" ] && { echo; echo "![cost per GiB](benchmarks-scaling.png)"; }
	echo
	line="| workload | MiB |" sep="|---|--:|"
	for v in $BENCH_KERNELS; do
		[ -n "${SIZES[$v]:-}" ] || continue
		line+=" $(label "$v") GiB/s | $(label "$v") ms/GiB |" sep+="--:|--:|"
	done
	has base && has on && [ -n "${SIZES[on]:-}" ] && line+=" ours/base |" sep+="--:|"
	echo "$line"
	echo "$sep"
	for w in $SCALE_WORKLOADS; do
		for m in $sizes; do
			line="| \`$w\` | $m |"
			for v in $BENCH_KERNELS; do
				[ -n "${SIZES[$v]:-}" ] || continue
				if [ -n "${SMED[$v,$w,$m]:-}" ]; then
					line+=" $(span "${SMED[$v,$w,$m]}" "${SMIN[$v,$w,$m]}" "${SMAX[$v,$w,$m]}") | $(msgib "${SMED[$v,$w,$m]}") |"
				else
					line+=" – | – |"
				fi
			done
			has base && has on && [ -n "${SIZES[on]:-}" ] &&
				line+=" $(ratio "${SMED[on,$w,$m]:-}" "${SMED[base,$w,$m]:-}") |"
			echo "$line"
		done
	done
}
msgib() { awk -v x="$1" 'BEGIN { if (x + 0 > 0) printf "%.0f", 1000 / x; else print "–" }'; }

# Mixed, kswapd-driven pressure with zram swap (droppable_pressure).
pressure() {
	local v l k any= line
	for v in $BENCH_KERNELS; do
		[ -n "${QMED[$v,pressure_dropped_mib_classic]:-}${QSKIP[$v]:-}" ] && any=1
	done
	[ -n "$any" ] || return 0
	echo
	echo "## Mixed pressure"
	echo
	echo "\`selftests/droppable_pressure\`: with zram swap on and the page cache"
	echo "dropped, one process writes droppable memory (a quarter of the guest's"
	echo "memory) and keeps it; another then writes plain anonymous memory in 4 MiB"
	echo "chunks, 2 ms apart, until it holds what was available before the first"
	echo "started plus 128 MiB, so that all droppable memory must go and then some"
	echo "anonymous memory must be swapped out; kswapd does most of the reclaim."
	echo "Sampled every 5 ms.  Droppable memory is the cheapest memory to reclaim:"
	echo "the goal is that nothing is swapped out while any of it is resident."
	echo "MiB, median [min–max] of $BENCH_PRESSURE_RUNS runs (after a warm-up) on each LRU."
	echo
	echo "Columns: swapped out while droppable memory was resident (pswpout over the"
	echo "5 ms intervals at the end of which some was); droppable memory resident at"
	echo "the end of the first interval with a swap-out (0: nothing was swapped out);"
	echo "droppable memory dropped by the end; everything swapped out; pgsteal by"
	echo "kswapd and by direct reclaim (the base kernel does not count dropped"
	echo "droppable memory as stolen)."
	echo
	echo "| kernel | LRU | swapped out while droppable resident | droppable resident at the first swap-out | droppable dropped | swapped out in all | stolen by kswapd | stolen by direct reclaim |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|"
	for v in $BENCH_KERNELS; do
		if [ -n "${QSKIP[$v]:-}" ] && [ -z "${QMED[$v,pressure_dropped_mib_classic]:-}" ]; then
			echo "| $(label "$v") | | skipped: ${QSKIP[$v]} | | | | | |"
			continue
		fi
		for l in classic mglru; do
			[ -n "${QMED[$v,pressure_dropped_mib_$l]:-}" ] || continue
			line="| $(label "$v") | $l |"
			for k in $PRESSURE_KEYS; do
				k=pressure_${k}_$l
				line+=" ${QMED[$v,$k]} [${QMIN[$v,$k]}–${QMAX[$v,$k]}] |"
			done
			echo "$line"
		done
	done
}

tline2() {
	echo "| $1 | $2 | $3 | $(target "$2" "${3#≥ }") |"
}

has() { case " $BENCH_KERNELS " in *" $1 "*) return 0;; esac; return 1; }
ours=
for v in $BENCH_KERNELS; do
	[ "$v" != base ] && [ -z "$ours" ] && ours=$v
done
has on && ours=on
label() { case $1 in base) echo base;; on) echo ours;; off) echo "ours, off";; upto-*) echo "ours 1–${1#upto-}";; esac; }
desc() {
	case $1 in
	base) echo "the pristine upstream kernel (Debian $BASE_PKG $BASE_VERSION): VMA-based MAP_DROPPABLE" ;;
	on) echo "base + this series, CONFIG_MAP_DROPPABLE=y: folio-flag MAP_DROPPABLE" ;;
	off) echo "base + this series, CONFIG_MAP_DROPPABLE=n" ;;
	upto-*) echo "base + patches 1–${1#upto-} of this series (before the observability patches when N is $BEFORE_OBS), CONFIG_MAP_DROPPABLE=y" ;;
	esac
}
# ratio A B [DECIMALS]: A / B (two decimals), or "–" if either is missing
# or B is 0.
ratio() {
	awk -v a="${1:-}" -v b="${2:-}" -v d="${3:-2}" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.*f\n", d, a / b }'
}
fmt() { awk -v x="$1" 'BEGIN { printf (x >= 10 ? "%.1f" : x >= 1 ? "%.2f" : "%.3f"), x }'; }
# "median [min–max]" of three figures, and of a trace run by name.
span() { echo "$(fmt "$1") [$(fmt "$2")–$(fmt "$3")]"; }
tspan() { span "${TMED[$1]:-0}" "${TMIN[$1]:-0}" "${TMAX[$1]:-0}"; }
# trow RUN DETACHED TEXT: the table row of a trace run, if it ran: RUN's
# median over the DETACHED one.
trow() {
	[ -z "${TMED[$1]:-}" ] ||
		echo "| $3 attached / detached | $(ratio "${TMED[$1]}" "$2" 3) | | |"
}
# target VALUE MIN: "met" or "not met"
target() {
	awk -v a="$1" -v t="$2" 'BEGIN { if (a == "–") print "n/a"; else print (a + 0 >= t ? "met" : "**not met**") }'
}

mkdir -p "$DOCS"
qemu_version=$(qemu-system-x86_64 --version 2>/dev/null | sed -n '1s/^QEMU emulator version //p')
{
	echo "kernel,release,accel,vcpus,mem_mib,nodes,qemu,workload,unit,median,min,max,n"
	for v in $BENCH_KERNELS; do
		read -r a c m n <<<"${ACCELS[$v]:-? ? ? ?}"
		g="$v,${UNAME[$v]},$a,$c,$m,$n,$qemu_version"
		for w in $WORKLOADS; do
			echo "$g,$w,GiB/s,${MED[$v,$w]},${MIN[$v,$w]},${MAX[$v,$w]},${NRUN[$v,$w]}"
		done
		for m in ${SIZES[$v]:-}; do
			for w in $SCALE_WORKLOADS; do
				[ -n "${SMED[$v,$w,$m]:-}" ] &&
					echo "$g,scale_${w}_${m}M,GiB/s,${SMED[$v,$w,$m]},${SMIN[$v,$w,$m]},${SMAX[$v,$w,$m]},$BENCH_SCALE_RUNS"
			done
		done
		for l in classic mglru; do
			for k in $PRESSURE_KEYS; do
				[ -n "${QMED[$v,pressure_${k}_$l]:-}" ] &&
					echo "$g,pressure_${k}_$l,MiB,${QMED[$v,pressure_${k}_$l]},${QMIN[$v,pressure_${k}_$l]},${QMAX[$v,pressure_${k}_$l]},${QN[$v,pressure_${k}_$l]}"
			done
		done
	done
} >"$CSV"

table() {
	local v w line sep
	line="| workload (GiB/s) |" sep="|---|"
	for v in $BENCH_KERNELS; do
		line+=" $(label "$v") median [min–max] |" sep+="--:|"
	done
	if has base; then
		for v in $BENCH_KERNELS; do
			[ "$v" = base ] || { line+=" $(label "$v")/base |" sep+="--:|"; }
		done
	fi
	echo "$line"
	echo "$sep"
	for w in $WORKLOADS; do
		line="| \`$w\` |"
		for v in $BENCH_KERNELS; do
			line+=" $(span "${MED[$v,$w]}" "${MIN[$v,$w]}" "${MAX[$v,$w]}") |"
		done
		if has base; then
			for v in $BENCH_KERNELS; do
				[ "$v" = base ] || line+=" $(ratio "${MED[$v,$w]}" "${MED[base,$w]}") |"
			done
		fi
		echo "$line"
	done
}

# One line of the targets: NAME VALUE [TARGET [KERNEL WORKLOAD]]: VALUE is the
# ratio of the medians; with KERNEL and WORKLOAD (the droppable workload of
# a pair) the paired median of droppable_bench's PAIR line is shown too, and
# the target is judged on it.
tline() {
	local p="–" judged=$2
	if [ -n "${4:-}" ] && [ -n "${PMED[$4,$5]:-}" ]; then
		p="$(span "${PMED[$4,$5]}" "${PMIN[$4,$5]}" "${PMAX[$4,$5]}")"
		judged=${PMED[$4,$5]}
	fi
	echo "| $1 | $2 | $p | ${3:-} | $([ -n "${3:-}" ] && target "$judged" "${3#≥ }") |"
}

targets() {
	local v k r
	echo "| ratio | of the medians | paired median [min–max] | target | |"
	echo "|---|--:|--:|--:|---|"
	for k in 4k thp; do
		r=$(ratio "${MED[$ours,fault_droppable_$k]}" "${MED[$ours,fault_anon_$k]}" 3)
		tline "fault-in $k, $(label "$ours"): droppable / anon" "$r" "≥ 0.99" \
			"$ours" "fault_droppable_$k"
		has base && tline "fault-in $k, base: droppable / anon" \
			"$(ratio "${MED[base,fault_droppable_$k]}" "${MED[base,fault_anon_$k]}" 3)" "" \
			base "fault_droppable_$k"
		r=$(ratio "${MED[$ours,reclaim_droppable_$k]}" "${MED[$ours,reclaim_lazyfree_$k]}" 3)
		tline "reclaim $k, $(label "$ours"): droppable / lazyfree" "$r" "≥ 1.0" \
			"$ours" "reclaim_droppable_$k"
		if has base; then
			tline "reclaim $k, base: droppable / lazyfree" \
				"$(ratio "${MED[base,reclaim_droppable_$k]}" "${MED[base,reclaim_lazyfree_$k]}" 3)" "" \
				base "reclaim_droppable_$k"
			tline "reclaim $k droppable: $(label "$ours") / base" \
				"$(ratio "${MED[$ours,reclaim_droppable_$k]}" "${MED[base,reclaim_droppable_$k]}" 3)"
			tline "reclaim $k: $(label "$ours") droppable / base lazyfree" \
				"$(ratio "${MED[$ours,reclaim_droppable_$k]}" "${MED[base,reclaim_lazyfree_$k]}" 3)"
		fi
	done
	echo
	echo "Reclaim accounting (medians per run; \`pgscan\`/\`pgsteal\` from the cgroup's"
	echo "memory.stat, \`thp_split_pmd\` from /proc/vmstat; EAGAIN: runs whose write to"
	echo "memory.reclaim failed with EAGAIN, of $BENCH_RUNS; THPs: \`thp_fault_alloc\` while"
	echo "writing the memory):"
	echo
	echo "| kernel | workload | dropped MiB | pgscan | pgsteal | pgscan/pgsteal | THPs | thp_split_pmd | EAGAIN |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
	for v in $BENCH_KERNELS; do
		for w in reclaim_droppable_4k reclaim_lazyfree_4k reclaim_droppable_thp reclaim_lazyfree_thp; do
			echo "| $(label "$v") | \`$w\` | ${STAT[$v,$w,dropped_mib]:-–} |" \
				"${STAT[$v,$w,pgscan]:-–} | ${STAT[$v,$w,pgsteal]:-–} |" \
				"$(ratio "${STAT[$v,$w,pgscan]:-}" "${STAT[$v,$w,pgsteal]:-}") |" \
				"${STAT[$v,$w,thp_fault_alloc]:-–} | ${STAT[$v,$w,thp_split_pmd]:-–} | ${STAT[$v,$w,reclaim_eagain_runs]:-–} |"
		done
	done
}

cmd="make bench BENCH_RUNS=$BENCH_RUNS BENCH_PRECISE_RUNS=$BENCH_PRECISE_RUNS BENCH_MIB=$BENCH_MIB"
[ "$BENCH_KERNELS" = "base on" ] || cmd+=" BENCH_KERNELS='$BENCH_KERNELS'"
[ "$BENCH_NOBUILD" = 1 ] && cmd+=" BENCH_NOBUILD=1"
first=${BENCH_KERNELS%% *}
read -r accel cpus mem nodes <<<"${ACCELS[$first]:-? ? ? ?}"
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

rm -f "$PNG"
chart=
if command -v gnuplot >/dev/null; then
	dat=$CACHE/bench/chart.dat
	mkdir -p "${dat%/*}"
	{
		echo "workload $BENCH_KERNELS"
		for w in $WORKLOADS; do
			line=$w
			for v in $BENCH_KERNELS; do line+=" ${MED[$v,$w]}"; done
			echo "$line"
		done
	} >"$dat"
	ncol=$(($(echo "$BENCH_KERNELS" | wc -w) + 1))
	term=png
	gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo && term=pngcairo
	if gnuplot >"$LOGDIR/bench-gnuplot.log" 2>&1 <<-GP
	set terminal $term size 1000,560 noenhanced
	set output "$PNG"
	set title "MAP_DROPPABLE benchmark, median of $BENCH_RUNS ($BENCH_PRECISE_RUNS fault-in and 4 KiB reclaim), $BENCH_MIB MiB ($accel guest)"
	set ylabel "GiB/s (log scale)"
	set logscale y
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set xtics rotate by -30
	set key top left autotitle columnheader
	set grid ytics
	plot for [i=2:$ncol] "$dat" using i:xtic(1)
	GP
	then
		chart=1
	else
		warn "gnuplot failed, no chart (log: $LOGDIR/bench-gnuplot.log)"
		rm -f "$PNG"
	fi
	# The scaling chart: ms per GiB against the size, 4 KiB pages on the
	# left, THP on the right; one line per kernel and workload.
	sk= ssizes=
	for v in $BENCH_KERNELS; do
		[ -n "${SIZES[$v]:-}" ] && { sk+=" $v"; ssizes=${ssizes:-${SIZES[$v]}}; }
	done
	rm -f "$SPNG"
	if [ -n "$chart" ] && [ -n "$sk" ]; then
		sdat=$CACHE/bench/scaling.dat
		{
			line=MiB
			for v in $sk; do for w in $SCALE_WORKLOADS; do line+=" $(label "$v" | tr ' ' _):$w"; done; done
			echo "$line"
			for m in $ssizes; do
				line=$m
				for v in $sk; do
					for w in $SCALE_WORKLOADS; do
						line+=" $(awk -v x="${SMED[$v,$w,$m]:-}" 'BEGIN { if (x + 0 > 0) printf "%.2f", 1000 / x; else print "NaN" }')"
					done
				done
				echo "$line"
			done
		} >"$sdat"
		nk=$(echo $sk | wc -w)
		gnuplot >>"$LOGDIR/bench-gnuplot.log" 2>&1 <<-GP || { warn "gnuplot failed on the scaling chart (log: $LOGDIR/bench-gnuplot.log)"; rm -f "$SPNG"; }
		set terminal $term size 1100,620 noenhanced
		set output "$SPNG"
		set multiplot layout 1,2 title "Cost per GiB against size, median of $BENCH_SCALE_RUNS ($accel guest)"
		set xlabel "MiB per run"
		set ylabel "ms per GiB (log scale)"
		set logscale y
		set grid
		set key below
		set datafile missing "NaN"
		set title "4 KiB pages"
		plot for [v=0:$((nk - 1))] for [j=0:2] "$sdat" using 1:(column(2 + v * 6 + j)) with linespoints title columnheader(2 + v * 6 + j)
		set title "THP (MADV_HUGEPAGE)"
		plot for [v=0:$((nk - 1))] for [j=3:5] "$sdat" using 1:(column(2 + v * 6 + j)) with linespoints title columnheader(2 + v * 6 + j)
		unset multiplot
		GP
	fi
fi

{
	echo "# Benchmarks"
	echo
	echo "<!-- Generated by \`make bench\` (kernel/scripts/bench.sh); do not edit. -->"
	echo
	echo "How fast droppable memory is faulted in and dropped, next to the same"
	echo "kernel's plain anonymous memory and MADV_FREE'd (lazyfree) memory, on the"
	echo "pristine upstream kernel (\`base\`, VMA-based MAP_DROPPABLE) and on this"
	echo "series (\`ours\`), each booted in the same QEMU guest in one run."
	echo "\`selftests/droppable_bench\` runs every workload once as a warm-up and then"
	echo "$BENCH_RUNS times ($BENCH_PRECISE_RUNS times the fault-in and 4 KiB reclaim workloads,"
	echo "whose targets are a percent or two, as small as the emulator's noise over"
	echo "fewer runs), each workload in a fresh memory cgroup, the droppable"
	echo "workload and its baseline alternately; it times only the operation itself"
	echo "(CLOCK_MONOTONIC): the first-touch write of every page of a fresh mapping"
	echo "(\`fault_*\`), the write of \"${BENCH_MIB}M\" to the cgroup's \`memory.reclaim\` after"
	echo "writing every page (\`reclaim_*\`; throughput = bytes that read back as zero"
	echo "afterwards / time, so memory that is not dropped does not count), and"
	echo "MADV_DONTNEED of written anonymous memory (\`zap_dontneed_4k\`, the floor)."
	echo "\`_thp\` workloads use 2 MiB aligned MADV_HUGEPAGE memory.  The guest has no"
	echo "swap.  Under software emulation (TCG) absolute figures mean little; the"
	echo "ratios between workloads of one boot, and between the kernels, do."
	echo "Numbers are reported, never asserted."
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`$cmd\`"
	echo "- Guest: QEMU, accelerator $accel, $cpus vCPUs, $mem MiB, $nodes NUMA node(s)"
	if [ "$BENCH_ICOUNT" = 1 ]; then
		echo "- Clock: instruction-counted (\`-icount shift=0,sleep=off\`, BENCH_ICOUNT=1): times are guest instructions at a fixed rate, repeatable within ~1% across boots, not real-hardware time (no cache or TLB model)"
	else
		echo "- Clock: wall clock (BENCH_ICOUNT=0): drifts by tens of percent between boots under TCG"
	fi
	echo "- Host CPU: ${cpu_model:-unknown}, $(nproc) CPUs; host load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- QEMU ${qemu_version:-unknown}; bpftrace $(bpftrace --version 2>/dev/null | awk '{ print $2 }'); $(gcc --version | head -1)"
	echo "- Each run maps $BENCH_MIB MiB; median [min–max] of $BENCH_RUNS runs ($BENCH_PRECISE_RUNS of \`fault_*\` and \`reclaim_*_4k\`), GiB = 2^30 bytes"
	for v in $BENCH_KERNELS; do
		k=""
		[ -n "${STAT[$v,klog,bad]:-}" ] && k=" (its kernel log reports problems: see \`$CACHE/run/bench-$v/dmesg.txt\`)"
		echo "- Kernel \`$v\` ($(label "$v")): \`${UNAME[$v]}\`, $(desc "$v")$k"
		[ "${ACCELS[$v]}" = "${ACCELS[$first]}" ] ||
			echo "  (booted as: ${ACCELS[$v]:-unknown})"
	done
	echo
	echo "## Results"
	echo
	table
	echo
	[ -n "$chart" ] && { echo "![medians](benchmarks.png)"; echo; }
	echo "The same numbers: [benchmarks.csv](benchmarks.csv)."
	echo
	echo "## Targets"
	echo
	echo "Fault-in of droppable memory as fast as plain anonymous memory; dropping"
	echo "written droppable memory through memory.reclaim at least as fast as the"
	echo "same kernel reclaims clean MADV_FREE'd memory.  \"Of the medians\" divides"
	echo "the two workloads' medians; \"paired\" is the median of the ratios of their"
	echo "runs made back to back, which cancels the emulator's drift (it moves both"
	echo "runs of a pair alike); targets are judged on the paired median."
	echo
	targets
	scaling
	pressure
	tracecost
} >"$MD"

echo
table
echo
say "wrote $MD and $CSV${chart:+ and $PNG}$([ -f "$SPNG" ] && echo " and $SPNG")"
