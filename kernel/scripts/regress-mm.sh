#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regression gate: the base tree's own mm selftests on each kernel.
#
#   regress-mm.sh [VARIANT...]        (default: base on)
#
# For each VARIANT (base, on, off, upto-N; its kernel must already be built in
# $CACHE/build/VARIANT) this builds tools/testing/selftests/mm of the source
# tree that kernel was built from, against the kernel's installed uapi
# headers, in $CACHE/regress/VARIANT.  The kselftest Makefile writes
# local_config.{h,mk} into its own directory, so the build runs in a copy of
# the few selftests files it needs; the source tree is never written to.
#
# Then, category by category of run_vmtests.sh (-t CATEGORY), it boots each
# variant (boot.sh, one guest at a time, boot name regress-VARIANT-CATEGORY:
# a fresh guest per category, so a hang or a crash costs one category only
# and no category sees the sysctls a killed one left behind) and runs
# run_vmtests.sh there under the category's timeout.  The guest is the usual
# one (MEM, CPUS, NODES as for boot.sh) with 1 GiB of zram swap; run_vmtests.sh
# reserves its hugetlb pages itself.  Each line of its output is stamped with
# the guest's time, so the table has a duration per test.  The results go to
# $CACHE/regress/results/VARIANT/CATEGORY/ (out.log, rc, secs, dmesg.txt,
# env.txt).
#
# Finally regress-table.sh compares the first variant (the reference) with
# each other one and writes docs/regress-mm.md.  If it finds regressions,
# their categories run again on every kernel (REGRESS_CONFIRM) and the table
# is written again, telling flaky results from reproducible ones.  The exit
# status is the table's: 1 if any test (or kselftest subtest) that passes on
# the reference fails on another kernel and does not pass there on a rerun,
# or if a kernel log reports a problem that the reference's does not.
#
# Environment:
#   REGRESS_CATEGORIES="thp migration ..."  the categories, in this order
#                          (default: all of run_vmtests.sh, in its order)
#   REGRESS_TIMEOUT=N      seconds per category for all categories
#   REGRESS_TIMEOUTS="cow=1200 thp=1800"  per-category timeouts (win over both)
#   REGRESS_ALL=1          run_vmtests.sh -a (the whole gup_test matrix)
#   REGRESS_NOTABLE=1      run the tests only; no table
#   REGRESS_CONFIRM=1      when the table finds regressions, run their
#                          categories again on every kernel this many times
#                          (in CATEGORY/rerun-K/); a test or subtest that
#                          passes on a rerun is reported as flaky and does
#                          not fail the gate (0: no reruns)
#   REGRESS_HUGEPAGES=N    reserve N hugetlb pages before run_vmtests.sh
#                          (default 0: leave it to run_vmtests.sh, which
#                          reserves 256 MiB at its start and gives them back
#                          after its userfaultfd tests, so that later
#                          categories - cow, pagemap, migration - find none)
#   REGRESS_CONFIRM_ONLY=1 run no category; only write the table from the
#                          results there are, and rerun its regressions
#   REGRESS_RESULTS=DIR    where the results go (default $CACHE/regress/results),
#                          e.g. a second directory to rerun a category
#   REGRESS_REF_FILE=FILE  the first VARIANT is not run: its results are
#                          read from FILE, recorded earlier with
#                          REGRESS_REF_SAVE=FILE (see regress-table.sh); make
#                          check runs its categories on 'on' only so, against
#                          selftests/mm-reference.tsv
#   REGRESS_BIG="migration"  categories that need more vCPUs than CPUS: they
#                          run in a guest of their own with REGRESS_BIG_CPUS
#                          (default 4) vCPUs
#   MEM, CPUS, NODES, ACCEL: the guest, as for boot.sh
. "$(dirname "$0")/common.sh"

S=$REPO/kernel/scripts
RES=${REGRESS_RESULTS:-$CACHE/regress/results}
REGRESS_ALL=${REGRESS_ALL:-0}
REGRESS_NOTABLE=${REGRESS_NOTABLE:-0}
REGRESS_CONFIRM=${REGRESS_CONFIRM:-1}
REGRESS_HUGEPAGES=${REGRESS_HUGEPAGES:-0}
# Bump when build_mm() changes what it builds or how.
BUILD_RECIPE=regress-build-1

# Per-category timeouts.  Measured on TCG, 2 vCPUs, with kernel builds
# sharing the two host cores (docs/regress-mm.md): hugetlb 850 s (its
# charge_reserved_hugetlb.sh alone 430 s), userfaultfd 410-510 s, cow
# 115-385 s, thp 240-270 s, ksm 65-76 s, the others under a minute.  About
# twice the worst seen, and at least 600 s.
default_timeout() {
	case $1 in
	hugetlb)		echo 1800 ;;
	cow|userfaultfd)	echo 1200 ;;
	thp)			echo 900 ;;
	*)			echo 600 ;;
	esac
}

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(base on)
# The kernels to run: all of them, or all but the recorded reference.
runs=("${variants[@]}")
if [ -n "${REGRESS_REF_FILE:-}" ]; then
	[ -f "$REGRESS_REF_FILE" ] || die "REGRESS_REF_FILE: no such file: $REGRESS_REF_FILE"
	[ ${#variants[@]} -ge 2 ] || die "REGRESS_REF_FILE: name the reference and a kernel to compare with it"
	runs=("${variants[@]:1}")
fi
for v in "${variants[@]}"; do
	case $v in
	base|on|off|upto-[1-9]|upto-[1-9][0-9]) ;;
	*) die "unknown variant '$v' (base, on, off or upto-N)" ;;
	esac
done
for v in "${runs[@]}"; do
	[ -f "$CACHE/build/$v/arch/x86/boot/bzImage" ] ||
		die "no kernel for '$v' at $CACHE/build/$v/arch/x86/boot/bzImage: build it first (make build VARIANT=$v)"
	[ -f "$CACHE/build/$v/hdr/include/linux/mman.h" ] ||
		die "no installed uapi headers for '$v' in $CACHE/build/$v/hdr: build it first (make build VARIANT=$v)"
done
case $REGRESS_ALL in 0|1) ;; *) die "REGRESS_ALL must be 0 or 1, got '$REGRESS_ALL'" ;; esac
case $REGRESS_HUGEPAGES in *[!0-9]*|'') die "REGRESS_HUGEPAGES must be a number of hugetlb pages, got '$REGRESS_HUGEPAGES'" ;; esac
case $REGRESS_CONFIRM in *[!0-9]*|'') die "REGRESS_CONFIRM must be a number of reruns (0: none), got '$REGRESS_CONFIRM'" ;; esac
# migration.c runs its threads on CPUs - 1 CPUs and skips every case below
# two: with the usual 2 vCPUs it tests nothing.  Such categories get a guest
# of their own with REGRESS_BIG_CPUS vCPUs (NODES as usual).
REGRESS_BIG=${REGRESS_BIG-migration}
REGRESS_BIG_CPUS=${REGRESS_BIG_CPUS:-4}
case $REGRESS_BIG_CPUS in *[!0-9]*|''|0) die "REGRESS_BIG_CPUS must be a positive number, got '$REGRESS_BIG_CPUS'" ;; esac
if [ -n "${REGRESS_TIMEOUT:-}" ]; then
	case $REGRESS_TIMEOUT in *[!0-9]*|''|0) die "REGRESS_TIMEOUT must be a positive number of seconds, got '$REGRESS_TIMEOUT'" ;; esac
fi
declare -A tmo_over=()
for kv in ${REGRESS_TIMEOUTS:-}; do
	k=${kv%%=*} n=${kv#*=}
	case $kv in *=*) ;; *) die "REGRESS_TIMEOUTS: '$kv' is not CATEGORY=SECONDS" ;; esac
	case $n in *[!0-9]*|''|0) die "REGRESS_TIMEOUTS: '$kv': not a positive number of seconds" ;; esac
	tmo_over[$k]=$n
done
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found: run 'make deps' (as root)"

# The libraries some of the mm tests link with: without them ksm_tests and
# migration (libnuma), mlock-random-test and memfd_secret (libcap) do not
# build, and cow and gup_longterm leave out their io_uring cases (liburing).
need_pkgs() {
	local p missing=()
	for p in libnuma-dev libcap-dev liburing-dev; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] ||
		die "the mm selftests need ${missing[*]}: run as root 'apt-get install -y ${missing[*]}'"
	say "installing ${missing[*]} (the mm selftests link with them)"
	DEBIAN_FRONTEND=noninteractive run_logged "apt-get install" "$LOGDIR/apt-regress.log" \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${missing[@]}" || die "could not install ${missing[*]} (see $LOGDIR/apt-regress.log)"
}
need_pkgs

# build_mm VARIANT: the mm selftests of VARIANT's source tree, against its
# uapi headers, in $CACHE/regress/VARIANT/mm (binaries and the scripts
# run_vmtests.sh calls, i.e. what 'make install' would put there).
build_mm() {
	local v=$1 src hdr work tree out stamp sel f mk
	src=$(readlink -f "$CACHE/build/$v/source" 2>/dev/null)
	[ -d "$src/tools/testing/selftests/mm" ] || src=$(variant_src "$v") ||
		die "no source tree for '$v'"
	sel=$src/tools/testing/selftests
	[ -f "$sel/mm/run_vmtests.sh" ] || die "$sel/mm/run_vmtests.sh is missing"
	hdr=$CACHE/build/$v/hdr
	work=$CACHE/regress/$v
	tree=$work/tree
	out=$work/mm
	stamp="$(hash_inputs "$sel/mm" "$sel/lib.mk" "$sel/kselftest.h" \
		"$sel/kselftest_harness.h" "$hdr/include") $BUILD_RECIPE $(gcc -dumpfullversion)"
	if [ -f "$out/.built" ] && [ "$(cat "$out/.built")" = "$stamp" ]; then
		say "the mm selftests for '$v' are up to date ($out)"
		return 0
	fi
	rm -rf "$tree" "$out"
	mkdir -p "$tree/tools/testing/selftests" "$out"
	for f in lib.mk kselftest.h kselftest_harness.h kselftest mm x86; do
		cp -a "$sel/$f" "$tree/tools/testing/selftests/" ||
			die "cannot copy $sel/$f"
	done
	# What the Makefile reaches outside the selftests (top_srcdir is
	# selftests/../../..): mm/gup_test.h, lib/test_hmm_uapi.h,
	# include/vdso/time64.h, tools/include.
	ln -s "$src/mm" "$tree/mm"
	ln -s "$src/lib" "$tree/lib"
	ln -s "$src/include" "$tree/include"
	ln -s "$src/tools/include" "$tree/tools/include"
	mk=(make -C "$tree/tools/testing/selftests/mm" OUTPUT="$out"
	    KHDR_INCLUDES="-isystem $hdr/include")
	# 6.12.117's khugepaged.c returns KSFT_SKIP without including
	# kselftest.h (a stable backport that missed the include): build it
	# first, with that header forced in, rather than lose the whole THP
	# collapse suite.
	f=$tree/tools/testing/selftests/mm/khugepaged.c
	if grep -q KSFT_SKIP "$f" && ! grep -q 'kselftest\.h' "$f"; then
		run_logged "building khugepaged with kselftest.h forced in" \
			"$LOGDIR/regress-build-$v-khugepaged.log" "${mk[@]}" \
			EXTRA_CFLAGS="-include $tree/tools/testing/selftests/kselftest.h" \
			"$out/khugepaged" || warn "khugepaged of '$v' did not build"
	fi
	# -k: one test that does not build must not cost the others; what is
	# missing shows up as a failed test (exit 127) on that kernel.
	run_logged "building the mm selftests for '$v'" "$LOGDIR/regress-build-$v.log" \
		"${mk[@]}" -k -j"$(nproc)" ||
		warn "some mm selftests of '$v' did not build (see $LOGDIR/regress-build-$v.log)"
	# Which did not, for the table.
	grep -o "$out/[^] ]*\] Error" "$LOGDIR/regress-build-$v.log" |
		sed -e "s|^$out/||" -e 's/\] Error$//' | sort -u >"$out/not-built.txt"
	# run_vmtests.sh runs ./BINARY and ./SCRIPT from its own directory.
	cp "$tree/tools/testing/selftests/mm/"*.sh "$out/"
	cp "$tree/tools/testing/selftests/mm/settings" "$out/" 2>/dev/null
	[ -x "$out/run_vmtests.sh" ] || die "no run_vmtests.sh in $out"
	echo "$stamp" >"$out/.built"
}

# The categories run_vmtests.sh knows, in its order (checked before any
# build).
ref=$(readlink -f "$CACHE/build/${runs[0]}/source" 2>/dev/null)/tools/testing/selftests/mm/run_vmtests.sh
[ -f "$ref" ] || ref=$(variant_src "${runs[0]}")/tools/testing/selftests/mm/run_vmtests.sh
[ -f "$ref" ] || die "no run_vmtests.sh in the source tree of '${runs[0]}'"
mapfile -t known < <(grep -o 'CATEGORY="[a-z_0-9]*"' "$ref" | cut -d'"' -f2 | awk '!seen[$0]++')
[ ${#known[@]} -gt 0 ] || die "found no categories in $ref"
if [ -n "${REGRESS_CATEGORIES:-}" ]; then
	read -r -a cats <<<"$REGRESS_CATEGORIES"
	for c in "${cats[@]}"; do
		printf '%s\n' "${known[@]}" | grep -qx -- "$c" ||
			die "unknown category '$c'; run_vmtests.sh has: ${known[*]}"
	done
else
	cats=("${known[@]}")
fi
for k in "${!tmo_over[@]}"; do
	printf '%s\n' "${known[@]}" | grep -qx -- "$k" ||
		die "REGRESS_TIMEOUTS names unknown category '$k'; run_vmtests.sh has: ${known[*]}"
done

for v in "${runs[@]}"; do build_mm "$v"; done

# write_job BINDIR JOB KCONFIG CATEGORY=TIMEOUT...: the guest's job:
# run_vmtests.sh -t CATEGORY for each category in turn, each under its
# timeout, its output in $SCRATCH/CATEGORY/.
write_job() {
	local bins=$1 job=$2 kconfig=$3 allflag=
	shift 3
	[ "$REGRESS_ALL" = 1 ] && allflag=-a
	cat >"$job" <<-JOB
	#!/bin/bash
	# regress-mm.sh: run_vmtests.sh category by category in the guest.
	set -u
	set -- $*
	bins="$bins"
	# charge_reserved_hugetlb.sh and hugetlb_reparenting_test.sh mount
	# hugetlbfs on /mnt/huge: the guest's / is read-only.
	mount -t tmpfs -o mode=755 tmpfs /mnt
	# va_high_addr_switch.sh reads the kernel's config from /proc/config.gz
	# or /boot/config-RELEASE; the guest's /boot is the host's.
	if [ ! -e /proc/config.gz ] && [ -f "$kconfig" ]; then
		mount -t tmpfs -o mode=755 tmpfs /boot &&
			cp "$kconfig" "/boot/config-\$(uname -r)"
	fi
	# Tests write scratch files into their working directory.
	cp -a "\$bins" /tmp/mm && cd /tmp/mm || exit 1
	# run_vmtests.sh runs on-fault-limit as 'sudo -u nobody' and skips it
	# without sudo: without sudo, a stand-in that drops to that user.
	if ! command -v sudo >/dev/null; then
		mkdir -p /tmp/regress-bin
		cat >/tmp/regress-bin/sudo <<-'SUDO'
		#!/bin/bash
		user=root
		while [ \$# -gt 0 ]; do
			case \$1 in
			-u) user=\$2; shift 2 ;;
			--) shift; break ;;
			-*) shift ;;
			*) break ;;
			esac
		done
		[ "\$user" = root ] && exec "\$@"
		exec setpriv --reuid="\$(id -u "\$user")" --regid="\$(id -g "\$user")" --clear-groups -- "\$@"
		SUDO
		chmod +x /tmp/regress-bin/sudo
		export PATH=/tmp/regress-bin:\$PATH
	fi
	if [ -e /sys/block/zram0/disksize ]; then
		echo 1G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
			swapon /dev/zram0 || echo "regress: no zram swap"
	fi
	if [ $REGRESS_HUGEPAGES -gt 0 ]; then
		echo 3 >/proc/sys/vm/drop_caches
		echo $REGRESS_HUGEPAGES >/proc/sys/vm/nr_hugepages
	fi
	{
		echo "kernel: \$(uname -r)"
		echo "cpus: \$(nproc)"
		grep -E 'MemTotal|SwapTotal|Hugepagesize|HugePages_Total' /proc/meminfo
		echo "thp: \$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
		echo "nodes: \$(ls -d /sys/devices/system/node/node* | wc -l)"
		echo "cpu flags: \$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'la57|pku|ospke|pse|pdpe1gb' | tr '\n' ' ')"
	} >"\$SCRATCH/env.txt"
	# What run_vmtests.sh and the tests change and restore only when they
	# finish: put back after a category that timed out.
	knobs="/proc/sys/vm/nr_hugepages /proc/sys/vm/overcommit_memory
		/proc/sys/kernel/shmmax /proc/sys/kernel/shmall
		/proc/sys/vm/compact_unevictable_allowed
		\$(ls /sys/kernel/mm/transparent_hugepage/*/enabled
		   /sys/kernel/mm/transparent_hugepage/{enabled,defrag,use_zero_page}
		   /sys/kernel/mm/transparent_hugepage/khugepaged/* 2>/dev/null)
		/sys/kernel/mm/ksm/merge_across_nodes /sys/kernel/mm/ksm/use_zero_pages
		/sys/kernel/mm/ksm/pages_to_scan /sys/kernel/mm/ksm/sleep_millisecs
		/sys/kernel/mm/ksm/max_page_sharing"
	declare -A saved=()
	for k in \$knobs; do
		[ -r "\$k" ] || continue
		v=\$(cat "\$k")
		case \$v in *'['*) v=\$(echo "\$v" | sed 's/.*\[\(.*\)\].*/\1/') ;; esac
		saved[\$k]=\$v
	done
	restore() {
		local k
		echo 2 >/sys/kernel/mm/ksm/run 2>/dev/null
		echo 0 >/sys/kernel/mm/ksm/run 2>/dev/null
		for k in "\${!saved[@]}"; do echo "\${saved[\$k]}" >"\$k" 2>/dev/null; done
		grep -q ' /mnt/huge ' /proc/mounts && umount /mnt/huge 2>/dev/null
		rmdir /sys/fs/cgroup/hugetlb_cgroup_test* /sys/fs/cgroup/a/b /sys/fs/cgroup/a 2>/dev/null
		rm -rf /mnt/huge
	}
	for ct in "\$@"; do
		cat=\${ct%%=*} tmo=\${ct#*=}
		mkdir -p "\$SCRATCH/\$cat"
		echo "\$tmo" >"\$SCRATCH/\$cat/started"
		sync
		start=\$(date +%s)
		# Each line stamped with the guest's time (seconds since the epoch).
		timeout -k 10 "\$tmo" ./run_vmtests.sh $allflag -t "\$cat" </dev/null 2>&1 |
			while IFS= read -r line; do printf '%(%s)T %s\n' -1 "\$line"; done >"\$SCRATCH/\$cat/out.log"
		rc=\${PIPESTATUS[0]}
		echo \$((\$(date +%s) - start)) >"\$SCRATCH/\$cat/secs"
		dmesg -c >"\$SCRATCH/\$cat/dmesg.txt" 2>&1
		echo "\$rc" >"\$SCRATCH/\$cat/rc"
		sync
		restore
	done
	exit 0
	JOB
}

# run_set VARIANT CPUS CATEGORY...: boot VARIANT's kernel with CPUS vCPUs
# and run the categories in turn; results in $RES/VARIANT/CATEGORY/.
run_set() {
	local v=$1 cpus=$2 name job pending=() left ct cat src dst boots=0 total
	local hstart brc r summary tag
	shift 2
	name=regress-$v
	[ "$cpus" = "${CPUS:-2}" ] || name=regress-$v-${cpus}cpu
	job=$CACHE/job-$name.sh
	for cat in "$@"; do
		rm -rf "${RES:?}/$v/$cat${SUB:+/$SUB}"
		mkdir -p "$RES/$v/$cat${SUB:+/$SUB}"
		pending+=("$cat=${tmo_over[$cat]:-${REGRESS_TIMEOUT:-$(default_timeout "$cat")}}")
	done
	# A guest that dies (panic, hang, boot timeout) costs the category it
	# was in; the next boot goes on with the categories after it.
	while [ ${#pending[@]} -gt 0 ]; do
		boots=$((boots + 1))
		total=0
		for ct in "${pending[@]}"; do total=$((total + ${ct#*=} + 20)); done
		write_job "$CACHE/regress/$v/mm" "$job" "$CACHE/build/$v/.config" "${pending[@]}"
		say "'$v': ${#pending[@]} categor(ies), $cpus vCPUs, at most ${total}s (boot $boots; console: $LOGDIR/console-$name.log)"
		tag=$name${SUB:+-$SUB}-$boots
		cat /proc/loadavg >"$RES/$v/loadavg-$tag"
		hstart=$(date +%s)
		CPUS=$cpus SHOW_CONSOLE=0 BOOT_TIMEOUT=$((total + 300)) \
			"$S/boot.sh" "$name" "$CACHE/build/$v/arch/x86/boot/bzImage" "$job" \
			>"$RES/$v/boot-$tag.log" 2>&1
		brc=$?
		cat /proc/loadavg >>"$RES/$v/loadavg-$tag"
		cp "$LOGDIR/console-$name.log" "$RES/$v/console-$tag.log" 2>/dev/null
		[ "$cpus" = "${CPUS:-2}" ] && [ -z "$SUB" ] &&
			cp "$CACHE/run/$name/env.txt" "$RES/$v/env.txt" 2>/dev/null
		left=()
		for ct in "${pending[@]}"; do
			cat=${ct%%=*} src=$CACHE/run/$name/$cat dst=$RES/$v/$cat${SUB:+/$SUB}
			if [ ! -f "$src/started" ]; then
				left+=("$ct")
				continue
			fi
			cp "$src"/* "$dst/" 2>/dev/null
			cp "$CACHE/run/$name/env.txt" "$dst/env.txt" 2>/dev/null
			echo "$brc $(($(date +%s) - hstart)) $boots" >"$dst/boot"
			if [ -f "$dst/rc" ]; then
				r=$(cat "$dst/rc")
				summary=$(grep -o 'SUMMARY: .*' "$dst/out.log" | tail -1)
				{ [ "$r" = 124 ] || [ "$r" = 137 ]; } && summary="timed out after ${ct#*=}s"
				echo "    $cat on '$v': $(cat "$dst/secs")s, ${summary:-exit $r}"
			else
				echo "    $cat on '$v': the guest died in it (boot.sh exit $brc; console: $RES/$v/console-$tag.log)"
				# Whatever the guest wrote of its kernel log.
				tail -n 200 "$RES/$v/console-$tag.log" >"$dst/dmesg.txt"
			fi
			if grep -Eq "$KLOG_BAD" "$dst/dmesg.txt" 2>/dev/null; then
				echo "    $cat on '$v': the kernel log reports problems:"
				grep -Eh "$KLOG_BAD" "$dst/dmesg.txt" | head -5 | sed 's/^/      /'
			fi
		done
		if [ ${#left[@]} -eq ${#pending[@]} ]; then
			warn "the '$v' guest ran no category (boot.sh exit $brc, see $RES/$v/boot-$tag.log)"
			return 1
		fi
		pending=("${left[@]}")
	done
}

# run_cats CATEGORY...: every kernel, one after the other; results in
# $RES/VARIANT/CATEGORY[/$SUB].
run_cats() {
	local c v normal=() big=()
	for c in "$@"; do
		case " $REGRESS_BIG " in *" $c "*) big+=("$c") ;; *) normal+=("$c") ;; esac
	done
	for v in "${runs[@]}"; do
		[ ${#normal[@]} -eq 0 ] || run_set "$v" "${CPUS:-2}" "${normal[@]}"
		[ ${#big[@]} -eq 0 ] || run_set "$v" "$REGRESS_BIG_CPUS" "${big[@]}"
	done
}

SUB=
if [ "${REGRESS_CONFIRM_ONLY:-0}" != 1 ]; then
	say "categories: ${cats[*]}"
	say "kernels: ${runs[*]} (one guest at a time; each runs every category in turn)"
	run_cats "${cats[@]}"
fi

[ "$REGRESS_NOTABLE" = 1 ] && exit 0
"$S/regress-table.sh" "${variants[@]}"
rc=$?
# A regression is confirmed, or found flaky, by running its categories again
# on every kernel: one that passes on a rerun is reported as flaky and does
# not fail the gate.
if [ "$rc" = 1 ] && [ "$REGRESS_CONFIRM" -gt 0 ] && [ -s "$RES/regressed-categories" ]; then
	mapfile -t again <"$RES/regressed-categories"
	say "regressions in: ${again[*]}; running them again on every kernel ($REGRESS_CONFIRM time(s))"
	for k in $(seq "$REGRESS_CONFIRM"); do
		SUB=rerun-$k
		run_cats "${again[@]}"
	done
	SUB=
	"$S/regress-table.sh" "${variants[@]}"
	rc=$?
fi
exit "$rc"
