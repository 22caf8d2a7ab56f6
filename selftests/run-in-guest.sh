#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the test suite inside the guest:
#
#   run-in-guest.sh VARIANT BINDIR OUTDIR [FILTER]
#
# Runs every test of tests.list that applies to VARIANT (on, off or base), in
# order, each under its timeout, from BINDIR.  Prints kselftest-style TAP on
# stdout (each test's own output prefixed with "# ") and writes it to
# OUTDIR/results.tap; OUTDIR/counts gets "PASS FAIL SKIP" summed over the
# test cases of all programs (from their kselftest "# Totals:" lines; a
# program without one counts as one case by its exit status).  FILTER is an
# extended regular expression on test names.  DROPPABLE_TIMEOUT_SCALE
# (default 1) multiplies every timeout (slow debug kernels); it is exported
# to the tests, so that tests.list can scale a run time with it too.
# DROPPABLE_REPEAT=N (default 1) runs the selected list N times over, to
# catch an intermittent failure; each run is numbered in the TAP output.
here=$(cd "$(dirname "$0")" && pwd)
variant=$1 bindir=$2 outdir=$3 filter=${4:-.}
[ -d "$bindir" ] || { echo "run-in-guest: no test directory $bindir" >&2; exit 1; }
mkdir -p "$outdir"
tap=$outdir/results.tap
: >"$tap"
export DROPPABLE_VARIANT=$variant DROPPABLE_TESTS=$here
scale=${DROPPABLE_TIMEOUT_SCALE:-1}
case $scale in *[!0-9]*|''|0) echo "run-in-guest: DROPPABLE_TIMEOUT_SCALE must be a positive number, got '$scale'" >&2; exit 1;; esac
export DROPPABLE_TIMEOUT_SCALE=$scale
repeat=${DROPPABLE_REPEAT:-1}
case $repeat in *[!0-9]*|''|0) echo "run-in-guest: DROPPABLE_REPEAT must be a positive number, got '$repeat'" >&2; exit 1;; esac

out() { echo "$*" | tee -a "$tap"; }

mapfile -t lines < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/tests.list")
selected=()
for l in "${lines[@]}"; do
	read -r name tmo variants cmd <<<"$l"
	case ",$variants," in *",$variant,"*) ;; *) continue ;; esac
	echo "$name" | grep -Eq -- "$filter" || continue
	selected+=("$l")
done
once=("${selected[@]}")
for ((r = 1; r < repeat; r++)); do selected+=("${once[@]}"); done

pass=0 fail=0 skip=0 n=0
out "TAP version 13"
out "1..${#selected[@]}"
for l in "${selected[@]}"; do
	read -r name tmo variants cmd <<<"$l"
	tmo=$((tmo * scale))
	n=$((n + 1))
	log=$outdir/$(echo "$name" | tr '/' '_').log
	echo "# [$n/${#selected[@]}] $name (timeout ${tmo}s)" | tee -a "$tap"
	start=$(date +%s)
	(cd "$bindir" && timeout -k 10 "$tmo" bash -c "$cmd") >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	sed 's/^/# /' "$log" | tee -a "$tap"
	totals=$(grep -E '^# Totals: pass:[0-9]+ fail:[0-9]+' "$log" | tail -1)
	if [ -n "$totals" ]; then
		# "# Totals: pass:N fail:N xfail:N xpass:N skip:N error:N"
		field() { echo "$totals" | tr ' ' '\n' | sed -n "s/^$1:\([0-9]*\)$/\1/p"; }
		p=$(field pass) f=$(field fail) s=$(field skip) e=$(field error)
		xf=$(field xfail) xp=$(field xpass)
		f=$((f + ${e:-0}))
		# Expected failures (XFAIL_ADD, documented open items) count as
		# skipped; an unexpected pass as passed: the harness exits
		# non-zero for it, which is not a failure of its own here.
		s=$((s + ${xf:-0})) p=$((p + ${xp:-0}))
		# A crash or bad exit after the totals is a failure of its own.
		if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$f" = 0 ] &&
		   [ "${xp:-0}" = 0 ]; then
			f=1
		fi
	else
		p=0 f=0 s=0
		case $rc in 0) p=1 ;; 4) s=1 ;; *) f=1 ;; esac
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	why=
	[ "$rc" = 124 ] || [ "$rc" = 137 ] && why=" (timed out after ${tmo}s)"
	if [ "$f" != 0 ]; then
		out "not ok $n selftests: $name # exit=$rc${why}, ${secs}s"
	elif [ "$rc" = 4 ] && [ "$p" = 0 ]; then
		out "ok $n selftests: $name # SKIP ${secs}s"
	else
		out "ok $n selftests: $name # ${secs}s, $p passed, $s skipped"
	fi
done
echo "$pass $fail $skip" >"$outdir/counts"
out "# $variant: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
