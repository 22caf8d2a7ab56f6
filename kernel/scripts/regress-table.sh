#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The regression gate's table: the mm selftests' results of regress-mm.sh,
# kernel against kernel.
#
#   regress-table.sh [VARIANT...]     (default: base on)
#
# Reads $REGRESS_RESULTS/VARIANT/CATEGORY/ (default $CACHE/regress/results:
# run_vmtests.sh's output, each line stamped with the guest's time; exit
# status; duration; kernel log)
# and writes $REGRESS_OUT (default docs/regress-mm.md): one row per test
# (category, command), each kernel's result and time, and a note; one row
# per category with its time on each kernel; the kselftest subtests of each
# program are compared too.  The first VARIANT is the reference.
#
# A regression, on any other kernel against the reference, is
#   - a test that passes on the reference and fails, times out, dies with
#     its guest or is not reached,
#   - a kselftest subtest ("ok N desc") that passes on the reference and
#     fails ("not ok N desc"),
#   - a category whose kernel log reports WARNING/BUG/bad page/lockdep/RCU
#     stalls (common.sh's KLOG_BAD) where the reference's does not.
# Exit status: 0 if there is none, 1 if there is any (each is listed), 2 if
# a kernel has no results at all.  $REGRESS_RESULTS/gate.txt gets the
# numbers: "TESTS REGRESSIONS FLAKY".
#
# REGRESS_REF_SAVE=FILE writes the reference's parsed results (its guest,
# tests, subtests and categories) to FILE; REGRESS_REF_FILE=FILE reads the
# reference from such a file instead of from $REGRESS_RESULTS/REFERENCE, so
# that a kernel can be compared with results recorded earlier (make check
# compares its subset of categories with the base kernel's recorded results,
# selftests/mm-reference.tsv, without running the base kernel).  Only the
# categories present both in the file and in the other kernels' results are
# compared then.
. "$(dirname "$0")/common.sh"

RES=${REGRESS_RESULTS:-$CACHE/regress/results}
OUTFILE=${REGRESS_OUT:-$REPO/docs/regress-mm.md}
REF_FILE=${REGRESS_REF_FILE:-}
REF_SAVE=${REGRESS_REF_SAVE:-}
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(base on)
[ ${#variants[@]} -ge 2 ] || die "need two kernels to compare, got '${variants[*]}'"
ref=${variants[0]}
if [ -n "$REF_FILE" ]; then
	[ -f "$REF_FILE" ] || die "REGRESS_REF_FILE: no such file: $REF_FILE"
	grep -q '^C	' "$REF_FILE" || die "REGRESS_REF_FILE: $REF_FILE holds no recorded categories"
	[ -z "$REF_SAVE" ] || die "REGRESS_REF_FILE and REGRESS_REF_SAVE do not go together"
fi
for v in "${variants[@]}"; do
	case $v in
	base|on|off|upto-[1-9]|upto-[1-9][0-9]) ;;
	*) die "unknown variant '$v' (base, on, off or upto-N)" ;;
	esac
	[ "$v" = "$ref" ] && [ -n "$REF_FILE" ] && continue
	[ -d "$RES/$v" ] || { echo "error: no results for '$v' in $RES/$v: run regress-mm.sh $v first" >&2; exit 2; }
done

# ref_has CATEGORY: the reference has results for it (and, with a recorded
# reference, the kernels compared with it have too).
ref_has() {
	if [ -n "$REF_FILE" ]; then
		awk -F'\t' -v c="$1" '$1 == "C" && $2 == c { f = 1 } END { exit !f }' "$REF_FILE" &&
			[ -d "$RES/${variants[1]}/$1" ]
	else
		[ -d "$RES/$ref/$1" ]
	fi
}

# The categories in run_vmtests.sh's order, then any others found.
order=()
rv=$CACHE/regress/$ref/mm/run_vmtests.sh
[ -n "$REF_FILE" ] && rv=$CACHE/regress/${variants[1]}/mm/run_vmtests.sh
# (top-level lines first: run_gup_matrix, defined at the top, runs later)
[ -f "$rv" ] && mapfile -t order < <({ grep -o '^CATEGORY="[a-z_0-9]*"' "$rv"
	grep -o 'CATEGORY="[a-z_0-9]*"' "$rv"; } | cut -d'"' -f2 | awk '!seen[$0]++')
cats=()
for c in "${order[@]}" $(for v in "${variants[@]}"; do ls "$RES/$v" 2>/dev/null; done | sort -u); do
	ref_has "$c" || continue
	printf '%s\n' "${cats[@]}" | grep -qx -- "$c" && continue
	cats+=("$c")
done
[ ${#cats[@]} -gt 0 ] || { echo "error: no category results for '$ref' in ${REF_FILE:-$RES/$ref}" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# parse CATEGORY DIR: one line per test on stdout,
#   T <tab> cat <tab> seq <tab> name <tab> result <tab> exit <tab> secs <tab>
#     pass/fail/skip of its subtests <tab> reason
# and one per kselftest subtest,
#   S <tab> cat <tab> name <tab> ok|fail|skip <tab> description
# result: PASS, PASS* (passed with every subtest skipped), FAIL, SKIP,
# TIMEOUT (the category's timeout hit it), DIED (the guest died in it).
parse() {
	local cat=$1 dir=$2 rc=
	[ -f "$dir/rc" ] && rc=$(cat "$dir/rc")
	[ -f "$dir/out.log" ] || return 0
	awk -v cat="$cat" -v rc="$rc" '
	function pretty(s) { sub(/^bash \.\//, "", s); sub(/^\.\//, "", s); return s }
	function clean(s) {
		gsub(/\|/, "/", s); gsub(/\t/, " ", s); gsub(/[[:cntrl:]]/, "", s)
		sub(/^[ #]+/, "", s); sub(/ +$/, "", s)
		return length(s) > 110 ? substr(s, 1, 107) "..." : s
	}
	function subtest(st, d, sr) {
		if (d == "") d = "(unnamed)"
		if (d in seen) { seen[d]++; d = d " [" seen[d] "]" } else seen[d] = 1
		if (st == "fail" && firstfail == "") firstfail = "not ok: " d
		if (st == "ok") sp++; else if (st == "fail") sf++; else ss++
		printf "S\t%s\t%s\t%s\t%s\t%s\n", cat, cur, st, clean(d), clean(sr)
	}
	function uffd(r,   st) {
		st = (r ~ /^done/) ? "ok" : ((r ~ /^skipped/) ? "skip" : "fail")
		if (st == "skip" && skipline == "") skipline = r
		sr = r; sub(/^skipped \[reason: */, "", sr); sub(/\]$/, "", sr)
		subtest(st, pend, (st == "skip") ? sr : "")
		pend = ""
	}
	function emit(res, ex, secs,   tot) {
		# the kselftest totals, else the subtests counted here
		if (tp == "" && sp + sf + ss > 0) { tp = sp; tf = sf; ts = ss }
		tot = (tp == "" || tp + tf + ts == 0) ? "" : tp "/" tf "/" ts
		if (res == "PASS" && tp == 0 && tf == 0 && ts > 0) res = "PASS*"
		why = ""
		if (res == "FAIL" || res == "TIMEOUT" || res == "DIED")
			why = (firstfail != "") ? firstfail : failline
		else if (res == "SKIP" || res == "PASS*")
			why = skipline
		if (ex == "127") why = "not built (exit 127)"
		seq++
		printf "T\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", cat, seq, cur, res, ex, secs, tot, clean(why)
		cur = ""
	}
	{
		t = $1 + 0; line = substr($0, length($1) + 2); last = t
		gsub(/\033\[[0-9;]*m/, "", line)
	}
	line ~ /^# running / {
		if (cur != "") emit("DIED", "", t - start)
		cur = pretty(substr(line, 11)); start = t; res = ""
		tp = tf = ts = ""; firstfail = failline = skipline = pend = sect = ""
		sp = sf = ss = 0
		delete seen
		next
	}
	line ~ /^# SKIP \.\// {	# run_vmtests.sh: on-fault-limit without sudo
		cur = pretty(substr(line, 8)); skipline = "run_vmtests.sh skips it: sudo not installed"
		tp = ""; emit("SKIP", "", 0); next
	}
	line ~ /^(not )?ok [0-9]+ / {
		if (cur == "") next
		ex = ""
		if (match(line, /# exit=[0-9]+/)) ex = substr(line, RSTART + 7, RLENGTH - 7)
		if (res == "") res = (line ~ /^not ok/) ? "FAIL" : ((line ~ /# SKIP/) ? "SKIP" : "PASS")
		emit(res, ex, t - start)
		next
	}
	cur == "" { next }
	line ~ /^# \[(PASS|FAIL|SKIP)\]$/ { res = substr(line, 4, 4); next }
	# uffd-unit-tests: "Testing NAME... done|skipped [reason: ..]|failed [reason: ..]"
	line ~ /^# Testing .*\.\.\. / {
		pend = line; sub(/^# Testing /, "", pend)
		r = pend; sub(/\.\.\. .*$/, "", pend); sub(/^.*\.\.\. /, "", r)
		if (r != "") uffd(r)
		next
	}
	pend != "" && line ~ /^# (done|skipped|failed)/ { r = line; sub(/^# /, "", r); uffd(r); next }
	line ~ /^# Userfaults unit tests: pass=/ {
		split(line, f, /[=,]/); tp = f[2] + 0; ts = f[4] + 0; tf = f[6] + 0; next
	}
	# khugepaged: "Run test: NAME (MODE)", then "What..... OK|Fail"
	line ~ /^# Run test: / { sect = line; sub(/^# Run test: /, "", sect); next }
	sect != "" && line ~ / (OK|Fail)$/ {
		d = line; st = (d ~ /Fail$/) ? "fail" : "ok"
		sub(/^# /, "", d); sub(/ (OK|Fail)$/, "", d); sub(/\.+$/, "", d)
		subtest(st, sect ": " d)
		next
	}
	line ~ /^# (not )?ok [0-9]+/ {
		d = line; st = "ok"
		if (d ~ /^# not ok/) st = "fail"
		if (d ~ /# (SKIP|XFAIL)/) st = (st == "fail" && d !~ /XFAIL/) ? "fail" : "skip"
		sr = ""
		if (d ~ /# (SKIP|XFAIL)/) { sr = d; sub(/.*# (SKIP|XFAIL) */, "", sr) }
		if (sr != "" && skipline == "") skipline = sr
		sub(/^# (not )?ok [0-9]+ */, "", d); sub(/ *# (SKIP|XFAIL|TODO).*$/, "", d)
		subtest(st, d, sr)
		next
	}
	line ~ /^# # Totals: / {
		n = split(line, f, /[ :]+/)
		tp = tf = ts = 0
		for (i = 1; i < n; i++) {
			if (f[i] == "pass") tp = f[i + 1]
			else if (f[i] == "fail" || f[i] == "error") tf += f[i + 1]
			else if (f[i] == "skip" || f[i] == "xfail") ts += f[i + 1]
		}
		next
	}
	{
		b = line; sub(/^# /, "", b)
		if (failline == "" && b ~ /[Ff]ail|FAIL|[Ee]rror|ERROR|[Bb]ail out|No such|[Ii]nvalid|[Aa]bort|[Ss]egmentation|[Kk]illed|[Cc]annot|[Cc]an.t / && b !~ /^# Totals/)
			failline = b
		if (b ~ /SKIP|[Ss]kip|[Nn]ot (supported|available|enabled|found)|[Pp]lease|CONFIG_|[Mm]issing|[Rr]equires/ && b !~ /^# Totals/)
			skipline = b
	}
	END {
		if (cur != "")
			emit((rc == 124 || rc == 137) ? "TIMEOUT" : "DIED", "", last - start)
	}' "$dir/out.log"
}

# Per kernel: tests, subtests, categories.
for v in "${variants[@]}"; do
	: >"$tmp/$v.T"
	: >"$tmp/$v.S"
	: >"$tmp/$v.C"
	: >"$tmp/$v.RT"
	: >"$tmp/$v.RS"
	: >"$tmp/$v.RC"
	if [ "$v" = "$ref" ] && [ -n "$REF_FILE" ]; then
		for c in "${cats[@]}"; do
			for k in T S C; do
				awk -F'\t' -v k="$k" -v c="$c" '$1 == k && $2 == c' "$REF_FILE" |
					cut -f2- >>"$tmp/$v.$k"
			done
		done
		continue
	fi
	for c in "${cats[@]}"; do
		d=$RES/$v/$c
		if [ ! -d "$d" ] || [ ! -f "$d/started" ]; then
			printf '%s\tnot run\t\t\t0\n' "$c" >>"$tmp/$v.C"
			continue
		fi
		parse "$c" "$d" >"$tmp/parse"
		grep '^T' "$tmp/parse" | cut -f2- >>"$tmp/$v.T"
		grep '^S' "$tmp/parse" | cut -f2- >>"$tmp/$v.S"
		# Reruns of the category (regress-mm.sh's REGRESS_CONFIRM).
		for r in "$d"/rerun-*/; do
			[ -f "$r/started" ] || continue
			parse "$c" "$r" >"$tmp/parse"
			grep '^T' "$tmp/parse" | cut -f2- >>"$tmp/$v.RT"
			grep '^S' "$tmp/parse" | cut -f2- >>"$tmp/$v.RS"
			printf '%s\n' "$c" >>"$tmp/$v.RC"
		done
		rc=$(cat "$d/rc" 2>/dev/null)
		tmo=$(cat "$d/started")
		if [ -z "$rc" ]; then
			st="guest died"
		elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			st="timed out (${tmo}s)"
		else
			st="done"
		fi
		bad=$(grep -Ec "$KLOG_BAD" "$d/dmesg.txt" 2>/dev/null)
		# A category run in a guest of its own (REGRESS_BIG).
		cpus=$(sed -n 's/^cpus: //p' "$d/env.txt" 2>/dev/null)
		[ "$cpus" = "$(sed -n 's/^cpus: //p' "$RES/$v/env.txt" 2>/dev/null)" ] && cpus=
		# hugetlb pages reserved before run_vmtests.sh (REGRESS_HUGEPAGES)
		hp=$(awk '/HugePages_Total/ {print $2}' "$d/env.txt" 2>/dev/null)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$st" "$(cat "$d/secs" 2>/dev/null)" "$tmo" "${bad:-0}" "$cpus" "${hp:-0}" >>"$tmp/$v.C"
	done
done

# Why a test cannot do its job in this guest, the same on every kernel:
# shown when its result is the same everywhere and not a plain pass.
known_reason() { # TEST
	case $1 in
	gup_test*)		echo "needs CONFIG_GUP_TEST=y (/sys/kernel/debug/gup_test), not in the guest config: it then reports a pass without testing anything" ;;
	test_vmalloc.sh*)	echo "needs the test_vmalloc module (CONFIG_TEST_VMALLOC=m); the guest kernels have CONFIG_MODULES=n" ;;
	test_hmm.sh*)		echo "needs the test_hmm module (CONFIG_TEST_HMM=m); the guest kernels have CONFIG_MODULES=n" ;;
	soft-dirty*)		echo "needs CONFIG_MEM_SOFT_DIRTY (depends on CHECKPOINT_RESTORE), not in the guest config" ;;
	split_huge_page_test*)	echo "file-backed cases need an XFS image (CONFIG_XFS_FS, loop, mkfs.xfs), not in the guest" ;;
	va_high_addr_switch*)	echo "reads the kernel config from /proc/config.gz or /boot/config-RELEASE, which this guest lacked before regress-mm.sh put the build's .config in /boot; given it (measured on 'on'), its plain mmap cases pass on the la57 TCG CPU and its MAP_HUGETLB cases fail for want of free hugetlb pages (REGRESS_HUGEPAGES)" ;;
	virtual_address_range*)	echo "fails on a CPU with 5-level paging (la57, which QEMU's TCG -cpu max has): it gets a mapping above 128 TiB where 6.12's test expects none; the same on every kernel" ;;
	thuge-gen*)		echo "needs 1 GiB hugetlb pages reserved at boot (it asks for hugepagesz=1G hugepages=4: 4 GiB, twice the guest's memory)" ;;
	migration*)		echo "migration.c skips every case below 3 CPUs (it runs CPUs - 1 threads, at least 2), so regress-mm.sh runs it in a guest of REGRESS_BIG_CPUS (4) vCPUs; its two hugetlb cases fail to mmap MAP_HUGETLB when no hugetlb page is free: run_vmtests.sh gives its reserved pages back after the userfaultfd tests, before it reaches migration (REGRESS_HUGEPAGES=N reserves some for the whole run)" ;;
	esac
}

# The comparison, and the markdown.
{
	now=$(date -u '+%Y-%m-%d %H:%M UTC')
	echo "# mm selftests: ${variants[*]}"
	echo
	echo "Generated by \`kernel/scripts/regress-table.sh ${variants[*]}\` on $now from"
	echo "the results of \`kernel/scripts/regress-mm.sh ${variants[*]}\`: the base tree's own"
	echo "\`tools/testing/selftests/mm/run_vmtests.sh -t CATEGORY\`, built from each kernel's"
	echo "source tree against its uapi headers, run in the test guest, one category after"
	echo "another, each under a timeout.  \`$ref\` is the reference.  Do not edit by hand."
	echo
	echo "## The guests"
	echo
	for v in "${variants[@]}"; do
		if [ "$v" = "$ref" ] && [ -n "$REF_FILE" ]; then
			printf -- '- `%s`: recorded in `%s` (%s):\n' "$v" "${REF_FILE#"$REPO"/}" \
				"$(sed -n 's/^# recorded: //p' "$REF_FILE" | head -1)"
			sed -n 's/^G\t/  - /p' "$REF_FILE"
			continue
		fi
		env=$RES/$v/env.txt
		accel=$(grep -ho 'booting [^ ]* ([a-z]*' "$RES/$v"/boot*.log 2>/dev/null | head -1 | sed 's/.*(//')
		load=$(cat "$RES/$v"/loadavg-* 2>/dev/null | awk '{s += $1; n++} END { if (n) printf "%.1f", s / n }')
		if [ -f "$env" ]; then
			printf -- '- `%s`: kernel %s, %s, %s vCPUs, %s MiB (%s NUMA nodes), swap %s MiB (zram), THP `%s`, hugetlb page %s KiB%s; host load average %s\n' \
				"$v" "$(sed -n 's/^kernel: //p' "$env")" "${accel:-?}" \
				"$(sed -n 's/^cpus: //p' "$env")" \
				"$(awk '/MemTotal/ {print int($2 / 1024)}' "$env")" \
				"$(sed -n 's/^nodes: //p' "$env")" \
				"$(awk '/SwapTotal/ {print int($2 / 1024)}' "$env")" \
				"$(sed -n 's/^thp: //p' "$env")" \
				"$(awk '/Hugepagesize/ {print $2}' "$env")" \
				"$(sed -n 's/^cpu flags: \(..*\)/, CPU flags of note: \1/p' "$env" | sed 's/ *$//')" "${load:-?}"
		else
			printf -- '- `%s`: no guest environment recorded\n' "$v"
		fi
		nb=$CACHE/regress/$v/mm/not-built.txt
		if [ -s "$nb" ]; then
			printf '  - not built: %s\n' "$(tr '\n' ' ' <"$nb")"
		fi
		# run_vmtests.sh runs these only if they exist, silently.
		[ -e "$CACHE/regress/$v/mm/protection_keys_32" ] ||
			echo '  - `protection_keys_32` (category pkey) not built: no 32-bit build environment (Debian gcc-multilib); run_vmtests.sh leaves it out'
		[ -e "$CACHE/regress/$v/mm/protection_keys_64" ] ||
			echo '  - `protection_keys_64` (category pkey) not built; run_vmtests.sh leaves it out'
		[ -e "$CACHE/regress/$v/mm/memfd_secret" ] ||
			echo '  - `memfd_secret` not built; run_vmtests.sh leaves it out'
		[ -e "$CACHE/regress/$v/mm/soft-dirty" ] ||
			echo '  - `soft-dirty` not built; run_vmtests.sh leaves it out'
	done >"$tmp/guests.md"
	cat "$tmp/guests.md"
	echo
} >"$tmp/head.md"

if [ -n "$REF_SAVE" ]; then
	{
		echo "# The recorded results of the mm selftests on the reference kernel '$ref',"
		echo "# parsed by kernel/scripts/regress-table.sh (REGRESS_REF_SAVE) from the"
		echo "# results of kernel/scripts/regress-mm.sh; make check compares its subset"
		echo "# of categories with them (REGRESS_REF_FILE).  Do not edit by hand."
		echo "# recorded: $(date -u -r "$RES/$ref/env.txt" '+%Y-%m-%d %H:%M UTC' 2>/dev/null), kernel $(sed -n 's/^kernel: //p' "$RES/$ref/env.txt" 2>/dev/null)"
		# The reference's guest line and its notes, as the table shows them.
		awk -v v="$ref" 'index($0, "- `" v "`:") == 1 { on = 1; sub(/^- /, ""); print "G\t" $0; next }
			/^- `/ { on = 0 } on { sub(/^ +- /, ""); print "G\t" $0 }' "$tmp/guests.md"
		for k in T S C; do sed "s/^/$k\t/" "$tmp/$ref.$k"; done
	} >"$REF_SAVE.tmp" && mv "$REF_SAVE.tmp" "$REF_SAVE" ||
		die "cannot write $REF_SAVE"
	say "the reference's results: $REF_SAVE"
fi

awk -F'\t' -v vars="${variants[*]}" -v tmpd="$tmp" -v klognote="$KLOG_BAD" '
function cell(r, s) { return (r == "") ? "not run" : r " (" s " s)" }
BEGIN {
	nv = split(vars, V, " ")
	for (i = 1; i <= nv; i++) {
		f = tmpd "/" V[i] ".T"
		while ((getline l < f) > 0) {
			split(l, a, "\t")
			k = a[1] SUBSEP a[3]
			if (!(k in order)) { order[k] = ++nk; kcat[nk] = a[1]; kname[nk] = a[3]; kseq[nk] = a[2] + 0 }
			res[i, k] = a[4]; ex[i, k] = a[5]; secs[i, k] = a[6]; tot[i, k] = a[7]; why[i, k] = a[8]
		}
		close(f)
		f = tmpd "/" V[i] ".S"
		while ((getline l < f) > 0) {
			split(l, a, "\t")
			sub_[i, a[1] SUBSEP a[2] SUBSEP a[4]] = a[3]
			if (a[3] == "skip") {
				sk = a[1] SUBSEP a[2] SUBSEP ((a[5] == "") ? "(no reason given)" : a[5])
				if (!(sk in skord)) { skord[sk] = ++nsk; skkey[nsk] = sk }
				skn[i, sk]++
			}
			if (i == 1) { ns[a[1] SUBSEP a[2]]++; sdesc[a[1] SUBSEP a[2], ns[a[1] SUBSEP a[2]]] = a[4] }
		}
		close(f)
		f = tmpd "/" V[i] ".RT"
		while ((getline l < f) > 0) {
			split(l, a, "\t")
			if (a[4] ~ /^PASS/) rpass[i, a[1] SUBSEP a[3]] = 1; else if (a[4] != "SKIP") rfail[i, a[1] SUBSEP a[3]] = 1
		}
		close(f)
		f = tmpd "/" V[i] ".RS"
		while ((getline l < f) > 0) {
			split(l, a, "\t")
			if (a[3] == "ok") rsok[i, a[1] SUBSEP a[2] SUBSEP a[4]] = 1
		}
		close(f)
		f = tmpd "/" V[i] ".RC"
		while ((getline l < f) > 0) { rran[i, l]++ }
		close(f)
		f = tmpd "/" V[i] ".C"
		while ((getline l < f) > 0) {
			split(l, a, "\t")
			if (i == 1) { cord[++nc] = a[1] }
			cst[i, a[1]] = a[2]; csec[i, a[1]] = a[3]; ctmo[i, a[1]] = a[4]; cbad[i, a[1]] = a[5]; ccpu[i, a[1]] = a[6]; chp[i, a[1]] = a[7]
		}
		close(f)
	}
}
END {
	# The categories in order, and the tests in each in order of appearance.
	nreg = 0
	for (c = 1; c <= nc; c++) catpos[cord[c]] = c
	n = 0
	for (j = 1; j <= nk; j++) idx[++n] = j
	# insertion sort by (category position, sequence, first-seen order)
	for (a1 = 2; a1 <= n; a1++) {
		x = idx[a1]; b1 = a1 - 1
		while (b1 >= 1 && (catpos[kcat[idx[b1]]] > catpos[kcat[x]] ||
		       (catpos[kcat[idx[b1]]] == catpos[kcat[x]] && kseq[idx[b1]] > kseq[x]))) {
			idx[b1 + 1] = idx[b1]; b1--
		}
		idx[b1 + 1] = x
	}
	out = tmpd "/tests.md"
	printf "| Category | Test |" > out
	for (i = 1; i <= nv; i++) printf " %s |", V[i] > out
	printf " Note |\n|---|---|" > out
	for (i = 1; i <= nv; i++) printf "---|" > out
	printf "---|\n" > out
	for (q = 1; q <= n; q++) {
		j = idx[q]; k = kcat[j] SUBSEP kname[j]
		note = ""; same = 1
		for (i = 1; i <= nv; i++) {
			r = res[i, k]
			if (r == "") {
				r = "NOT RUN"
				res[i, k] = r
			}
			if (r != res[1, k]) same = 0
			cnt[i, r]++
		}
		for (i = 2; i <= nv; i++) {
			r0 = res[1, k]; r = res[i, k]
			if ((r0 == "PASS" || r0 == "PASS*") && r != "PASS" && r != "PASS*" && r != "SKIP" && rpass[i, k]) {
				# Passed when the category was run again: flaky.
				note = note sprintf("**flaky on %s**: %s, then passed on a rerun of the category (%d rerun(s))%s. ", V[i], r, rran[i, kcat[j]], (why[i, k] != "") ? "; " why[i, k] : "")
				nflaky++
			} else if ((r0 == "PASS" || r0 == "PASS*") && r != "PASS" && r != "PASS*" && r != "SKIP") {
				nreg++; reg[nreg] = sprintf("`%s` `%s`: %s on %s, %s on %s%s", kcat[j], kname[j], r0, V[1], r, V[i], rran[i, kcat[j]] ? sprintf(", and again on %d rerun(s)", rran[i, kcat[j]]) : "")
				rcat[kcat[j]] = 1
				note = note sprintf("**REGRESSION on %s**%s. ", V[i], (why[i, k] != "") ? ": " why[i, k] : "")
			} else if ((r0 == "FAIL" || r0 == "TIMEOUT" || r0 == "DIED") && (r == "PASS")) {
				note = note sprintf("passes on %s%s. ", V[i], rpass[1, k] ? sprintf(" (and on %s when rerun: flaky there)", V[1]) : "")
			}
			# Subtests that pass on the reference and fail here.
			m = 0; lst = ""; mf = 0
			testreg = (note ~ ("REGRESSION on " V[i]))
			for (s = 1; s <= ns[k]; s++) {
				d = sdesc[k, s]
				if (sub_[1, k SUBSEP d] == "ok" && sub_[i, k SUBSEP d] == "fail") {
					if (rsok[i, k SUBSEP d]) { mf++; continue }
					m++; if (m <= 4) lst = lst (m > 1 ? "; " : "") d
				}
			}
			if (mf > 0 && note !~ ("flaky on " V[i])) {
				note = note sprintf("**%d subtest(s) flaky on %s** (failed, then passed on a rerun). ", mf, V[i])
				nflaky++
			}
			if (m > 0) {
				if (!testreg) {
					nreg++; reg[nreg] = sprintf("`%s` `%s`: %d subtest(s) pass on %s and fail on %s: %s%s", kcat[j], kname[j], m, V[1], V[i], lst, (m > 4) ? "; ..." : "")
					rcat[kcat[j]] = 1
				}
				note = note sprintf("**%d subtest(s) regress on %s**: %s%s. ", m, V[i], lst, (m > 4) ? "; ..." : "")
			}
		}
		# Subtest counts where there are some.
		tl = ""
		for (i = 1; i <= nv; i++) if (tot[i, k] != "") tl = tl (tl == "" ? "" : ", ") V[i] " " tot[i, k]
		if (tl != "") note = note "subtests pass/fail/skip: " tl ". "
		# Why it did not pass, once if the same everywhere.
		if (same && res[1, k] != "PASS") {
			w = why[1, k]
			if (w != "") note = note w ". "
		} else {
			for (i = 1; i <= nv; i++)
				if (res[i, k] != "PASS" && why[i, k] != "" && note !~ "REGRESSION on " V[i])
					note = note V[i] ": " why[i, k] ". "
		}
		printf "| %s | `%s` |", kcat[j], kname[j] > out
		for (i = 1; i <= nv; i++) printf " %s |", (res[i, k] == "NOT RUN") ? "NOT RUN" : cell(res[i, k], secs[i, k]) > out
		printf " %s|\n", note > out
		print kcat[j] "\t" kname[j] "\t" same "\t" res[1, k] > (tmpd "/rows.tsv")
	}
	# Categories.
	out = tmpd "/cats.md"
	printf "| Category |" > out
	for (i = 1; i <= nv; i++) printf " %s: time | %s: pass/fail/skip |", V[i], V[i] > out
	printf " Timeout | Note |\n|---|" > out
	for (i = 1; i <= nv; i++) printf "---|---|" > out
	printf "---|---|\n" > out
	for (c = 1; c <= nc; c++) {
		ca = cord[c]; note = ""
		printf "| %s |", ca > out
		for (i = 1; i <= nv; i++) {
			p = f = s = 0
			for (q = 1; q <= n; q++) {
				j = idx[q]; if (kcat[j] != ca) continue
				r = res[i, kcat[j] SUBSEP kname[j]]
				if (r ~ /^PASS/) p++; else if (r == "SKIP") s++; else f++
			}
			printf " %s | %d/%d/%d |", (csec[i, ca] == "") ? "-" : csec[i, ca] " s", p, f, s > out
			if (cst[i, ca] != "done") note = note V[i] ": " cst[i, ca] ". "
			if (ccpu[i, ca] != "") note = note V[i] ": a guest of its own with " ccpu[i, ca] " vCPUs. "
			if (chp[i, ca] + 0 > 0) note = note V[i] ": " chp[i, ca] " hugetlb pages reserved before run_vmtests.sh. "
			if (cbad[i, ca] > 0) note = note V[i] ": kernel log reports " cbad[i, ca] " problem line(s). "
			if (i > 1 && cbad[i, ca] > 0 && cbad[1, ca] == 0) {
				nreg++; reg[nreg] = sprintf("category `%s`: the kernel log of %s reports problems, that of %s does not", ca, V[i], V[1])
				rcat[ca] = 1
			}
		}
		printf " %s s | %s|\n", ctmo[1, ca], note > out
		for (i = 1; i <= nv; i++) tsec[i] += csec[i, ca]
	}
	printf "| **all** |" > out
	for (i = 1; i <= nv; i++) printf " %d s | |", tsec[i] > out
	printf " | |\n" > out
	# Skipped subtests, by reason.
	out = tmpd "/skips.md"
	if (nsk > 0) {
		printf "| Category | Test | Reason |" > out
		for (i = 1; i <= nv; i++) printf " %s |", V[i] > out
		printf "\n|---|---|---|" > out
		for (i = 1; i <= nv; i++) printf "---|" > out
		printf "\n" > out
		for (c = 1; c <= nc; c++) for (q = 1; q <= nsk; q++) {
			split(skkey[q], a, SUBSEP)
			if (a[1] != cord[c]) continue
			printf "| %s | `%s` | %s |", a[1], a[2], a[3] > out
			for (i = 1; i <= nv; i++) printf " %d |", skn[i, skkey[q]] > out
			printf "\n" > out
		}
	}
	# Totals and regressions.
	out = tmpd "/sum.md"
	for (i = 1; i <= nv; i++) {
		printf "- `%s`: %d pass (%d of them with every subtest skipped), %d fail, %d skip, %d timed out, %d died with the guest, %d not run\n", \
			V[i], cnt[i, "PASS"] + cnt[i, "PASS*"], cnt[i, "PASS*"], cnt[i, "FAIL"], cnt[i, "SKIP"], \
			cnt[i, "TIMEOUT"], cnt[i, "DIED"], cnt[i, "NOT RUN"] > out
	}
	print "" > out
	if (nreg == 0) print "**No regressions** against `" V[1] "`." > out
	else {
		print "**" nreg " regression(s)** against `" V[1] "`:" > out
		print "" > out
		for (r = 1; r <= nreg; r++) print "- " reg[r] > out
	}
	if (nflaky > 0) {
		print "" > out
		print nflaky " flaky result(s) (failed on a kernel, then passed there when the category ran again) are not counted; see the notes." > out
	}
	print nreg > (tmpd "/nreg")
	# For make check: tests compared, regressions, flaky results.
	print nk, nreg, nflaky + 0 > (tmpd "/gate")
	for (c in rcat) print c > (tmpd "/rcat")
}' /dev/null

# Known, kernel-independent reasons, for the rows that did not plainly pass
# the same way on every kernel.
known=$tmp/known.md
: >"$known"
while IFS=$'\t' read -r c t same r0; do
	[ "$r0" = PASS ] && [ "$same" = 1 ] && continue
	k=$(known_reason "$t")
	[ -n "$k" ] && printf -- '- `%s` `%s` (%s): %s\n' "$c" "$t" "$r0" "$k" >>"$known"
done <"$tmp/rows.tsv"

{
	cat "$tmp/head.md"
	echo "## Summary"
	echo
	cat "$tmp/sum.md"
	echo
	echo "## Categories"
	echo
	echo "Time: the guest's wall time for \`run_vmtests.sh -t CATEGORY\` (its hugetlb reservation"
	echo "included), under TCG when the guest line above says so; the host's load average shows"
	echo "whether other work shared the two host cores.  A category that reaches its timeout is"
	echo "killed; its test in progress is TIMEOUT and the tests after it are NOT RUN."
	echo
	cat "$tmp/cats.md"
	echo
	echo "## Tests"
	echo
	echo "Result (time in the guest).  PASS\\*: exit 0 with every kselftest subtest skipped, i.e."
	echo "nothing was tested.  The note gives the subtests' pass/fail/skip counts and, for a test"
	echo "that did not pass, the first failed subtest or the line that tells why."
	echo
	cat "$tmp/tests.md"
	echo
	if [ -s "$known" ]; then
		echo "## Tests this guest cannot run, on any kernel"
		echo
		cat "$known"
		echo
	fi
	if [ -s "$tmp/skips.md" ]; then
		echo "## Skipped subtests"
		echo
		echo "The kselftest subtests each program skipped, by the reason it gave, on each kernel."
		echo
		cat "$tmp/skips.md"
		echo
	fi
} >"$OUTFILE.tmp" && mv "$OUTFILE.tmp" "$OUTFILE"

nreg=$(cat "$tmp/nreg")
# The categories with regressions, for regress-mm.sh to run again.
sort -u "$tmp/rcat" 2>/dev/null >"$RES/regressed-categories"
cp "$tmp/gate" "$RES/gate.txt"
cat "$tmp/sum.md"
echo "table: $OUTFILE"
[ "$nreg" = 0 ]
