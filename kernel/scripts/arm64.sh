#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The series on a second architecture:  arm64.sh [all|deps|build|tests|boot]
#
#   deps   install what only this command needs (as root; otherwise print
#          the apt-get command): Debian's aarch64 cross compiler and
#          qemu-system-aarch64, and fetch the arm64 busybox-static and
#          bash-static packages (apt-get download, extracted, not installed)
#   build  cross-build the patched tree for arm64 (allnoconfig +
#          kernel/config/droppable.config + series.config + arm64.config,
#          4 KiB pages) in $CACHE/arm64/build, through ccache
#          ($CACHE/ccache-arm64), and install its uapi headers
#   tests  cross-build the droppable selftests statically against them
#   boot   pack an initramfs (busybox, bash, the tests, the runner), boot
#          it under qemu-system-aarch64 -M virt (TCG), run the tests
#   all    all of the above (make arm64)
#
# Prints "N passed, N failed, N skipped"; exits non-zero on a failed test,
# a kernel warning in the guest's log (common.sh's KLOG_BAD), or a guest
# that panics, hangs or times out (then with the console log's path).
# Environment:
#   ARM64_FILTER   extended regular expression on tests.list names
#                  (default: the droppable tests that run without host tools)
#   ARM64_CPU=cortex-a57  MEM=2048  CPUS=2  NODES=2
#   ARM64_TIMEOUT_SCALE=2  multiplies every test's tests.list timeout
#   BOOT_TIMEOUT=5400      seconds for the whole boot
#   UP_TIMEOUT=300         seconds until the guest's init must report in
#   JOBS=2                 parallel compile jobs
. "$(dirname "$0")/common.sh"

step=${1:-all}
case $step in all|deps|build|tests|boot) ;; *)
	die "usage: arm64.sh [all|deps|build|tests|boot]" ;;
esac

ARM64_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"
ARM64_DEBS="busybox-static bash-static"
ARM64_FILTER=${ARM64_FILTER:-'^(kunit/mm_droppable|droppable_(api|semantics|reclaim|pin|flag|integrity|observe|badinput|stress)|mm/droppable)$'}
ARM64_CPU=${ARM64_CPU:-cortex-a57}
ARM64_TIMEOUT_SCALE=${ARM64_TIMEOUT_SCALE:-2}
MEM=${MEM:-2048}
CPUS=${CPUS:-2}
NODES=${NODES:-2}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-5400}
UP_TIMEOUT=${UP_TIMEOUT:-300}
JOBS=${JOBS:-2}
case $MEM in *[!0-9]*|'') die "MEM must be a number of MiB, got '$MEM'";; esac
case $CPUS in *[!0-9]*|''|0) die "CPUS must be a positive number, got '$CPUS'";; esac
case $NODES in *[!0-9]*|''|0) die "NODES must be a positive number, got '$NODES'";; esac
[ $((CPUS % NODES)) = 0 ] || die "CPUS ($CPUS) must be a multiple of NODES ($NODES)"

A=$CACHE/arm64
out=$A/build
tests=$A/tests
debs=$A/debs
export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
export CCACHE_DIR=$CACHE/ccache-arm64 CCACHE_BASEDIR=$CACHE CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}
mkdir -p "$A"

timed() { # NAME CMD...: run CMD, record its wall time in $A/times
	local name=$1 t0=$SECONDS rc
	shift
	"$@"
	rc=$?
	echo "$name $((SECONDS - t0))s" >>"$A/times"
	return "$rc"
}

do_deps() {
	local missing=() p
	command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
	[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || missing+=(libc6-dev-arm64-cross)
	command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm)
	if [ ${#missing[@]} -gt 0 ]; then
		[ "$(id -u)" = 0 ] || die "missing ${missing[*]}: run 'apt-get install $ARM64_PKGS' as root"
		# shellcheck disable=SC2086
		run_logged "installing $ARM64_PKGS" "$LOGDIR/arm64-deps.log" \
			apt-get install -y --no-install-recommends $ARM64_PKGS ||
			die "apt-get install $ARM64_PKGS failed"
	fi
	mkdir -p "$debs"
	for p in $ARM64_DEBS; do
		ls "$debs/${p}_"*_arm64.deb >/dev/null 2>&1 && continue
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			[ "$(id -u)" = 0 ] || die "no arm64 package lists: run 'dpkg --add-architecture arm64 && apt-get update' as root"
			dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64 failed"
			run_logged "apt-get update (arm64 package lists)" "$LOGDIR/arm64-deps.log" \
				apt-get update || die "apt-get update failed"
		fi
		(cd "$debs" && apt-get download "$p:arm64") >>"$LOGDIR/arm64-deps.log" 2>&1 ||
			die "apt-get download $p:arm64 failed (see $LOGDIR/arm64-deps.log)"
	done
	rm -rf "$debs/root"
	for p in "$debs"/*_arm64.deb; do
		dpkg-deb -x "$p" "$debs/root" || die "cannot extract $p"
	done
	[ -x "$debs/root/bin/busybox" ] && [ -x "$debs/root/bin/bash-static" ] ||
		die "no bin/busybox or bin/bash-static in $debs/*.deb"
}

src=
frags="$REPO/kernel/config/droppable.config $REPO/kernel/config/series.config $REPO/kernel/config/arm64.config"

kmake() {
	local cc=${CROSS_COMPILE}gcc hostcc=gcc
	command -v ccache >/dev/null && cc="ccache $cc" hostcc="ccache gcc"
	nice -n 19 make -C "$src" O="$out" CC="$cc" HOSTCC="$hostcc" -j"$JOBS" "$@"
}

# check_config: every line of every fragment survived, unless a later
# fragment names the same symbol (arm64.config overrides droppable.config).
check_config() {
	local fa i j f l n bad=0 overridden
	read -r -a fa <<<"$frags"
	for ((i = 0; i < ${#fa[@]}; i++)); do
		f=${fa[i]}
		while read -r l; do
			case $l in
			"# CONFIG_"*" is not set") n=${l#\# }; n=${n%% *} ;;
			CONFIG_*) n=${l%%=*} ;;
			*) continue ;;
			esac
			overridden=0
			for ((j = i + 1; j < ${#fa[@]}; j++)); do
				grep -Eq "^(# )?${n}[= ]" "${fa[j]}" && overridden=1
			done
			[ "$overridden" = 1 ] && continue
			case $l in
			"# "*)	if grep -q "^$n=" "$out/.config"; then
					warn "arm64: ${f##*/} wants $n off, the config has $(grep "^$n=" "$out/.config")"
					bad=1
				fi ;;
			*)	if ! grep -qx "$l" "$out/.config"; then
					warn "arm64: ${f##*/} wants $l, the config has '$(grep -E "^(# )?${n}[= ]" "$out/.config")'"
					bad=1
				fi ;;
			esac
		done <"$f"
	done
	return "$bad"
}

do_build() {
	local srcstamp cfgstamp stamp log
	src=$("$REPO/kernel/scripts/prepare.sh" patched) || die "cannot prepare the patched tree"
	mkdir -p "$out"
	srcstamp=$(cat "$src/.prepared" 2>/dev/null || cat "$src/../.extracted")
	# shellcheck disable=SC2086
	cfgstamp=$(hash_inputs $frags "$src/arch/arm64/Kconfig")
	stamp="$srcstamp $cfgstamp"
	if [ -f "$out/.built" ] && [ "$(cat "$out/.built")" = "$stamp" ] &&
	   [ -f "$out/arch/arm64/boot/Image" ] && [ -d "$out/hdr/include" ]; then
		say "arm64 kernel is up to date: $out/arch/arm64/boot/Image"
		return 0
	fi
	if [ "$(cat "$out/.configured" 2>/dev/null)" != "$cfgstamp" ] || [ ! -f "$out/.config" ]; then
		log=$LOGDIR/config-arm64.log
		# shellcheck disable=SC2086
		env KCONFIG_CONFIG="$out/allno.config" "$src/scripts/kconfig/merge_config.sh" \
			-m -O "$out" $frags >"$log" 2>&1 || die "merging the config fragments failed (see $log)"
		run_logged "configuring the arm64 kernel (allnoconfig + fragments)" "$log.2" \
			kmake KCONFIG_ALLCONFIG="$out/allno.config" allnoconfig ||
			die "make allnoconfig failed"
		check_config || die "the arm64 kernel config does not honour the fragments (see above)"
		echo "$cfgstamp" >"$out/.configured"
	fi
	log=$LOGDIR/build-arm64.log
	run_logged "cross-building the arm64 kernel with $JOBS jobs" "$log" kmake Image ||
		die "the arm64 kernel did not build (full log: $log)"
	run_logged "installing the arm64 uapi headers" "$LOGDIR/headers-arm64.log" \
		kmake headers_install INSTALL_HDR_PATH="$out/hdr" || die "headers_install failed"
	echo "$stamp" >"$out/.built"
}

# The selftests of tests.list that ARM64_FILTER selects, built statically
# (the guest has no libc) with the cross compiler, through the selftests
# Makefile: its CC is the only knob needed.
do_tests() {
	local t targets=()
	src=$("$REPO/kernel/scripts/prepare.sh" patched) || die "cannot prepare the patched tree"
	[ -d "$out/hdr/include" ] || die "no arm64 uapi headers in $out/hdr: run 'arm64.sh build' first"
	while read -r t _ _ cmd; do
		echo "$t" | grep -Eq -- "$ARM64_FILTER" || continue
		# A program, or a script of selftests/ that drives one of
		# the same name (droppable_stress.sh: droppable_stress).
		cmd=${cmd%% *}
		case $cmd in
		./*)	targets+=("$tests/${cmd#./}") ;;
		'$DROPPABLE_TESTS/'*.sh)
			t=${cmd#*/}; t=${t%.sh}
			[ -f "$REPO/selftests/$t.c" ] && targets+=("$tests/$t") ;;
		esac
	done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$REPO/selftests/tests.list")
	[ ${#targets[@]} -gt 0 ] || die "ARM64_FILTER '$ARM64_FILTER' selects no test program"
	run_logged "cross-building ${#targets[@]} test programs (static)" "$LOGDIR/tests-arm64.log" \
		nice -n 19 make -C "$REPO/selftests" KSRC="$src" HDR="$out/hdr" OUT="$tests" \
		CC="${CROSS_COMPILE}gcc -static" "${targets[@]}" ||
		die "the arm64 test programs did not build (see $LOGDIR/tests-arm64.log)"
}

# The initramfs: busybox (its applets are linked at boot), bash for the
# runner, the test programs, the runner and its list, and the job's knobs.
do_initramfs() {
	local root=$A/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,root,selftests,tests}
	cp "$debs/root/bin/busybox" "$root/bin/busybox"
	cp "$debs/root/bin/bash-static" "$root/bin/bash"
	ln -s busybox "$root/bin/sh"
	cp "$REPO/kernel/scripts/arm64-init.sh" "$root/init"
	chmod 755 "$root/init"
	cp "$REPO/selftests/run-in-guest.sh" "$REPO/selftests/tests.list" \
		"$REPO/selftests/"*.sh "$root/selftests/"
	# The selftests' scripts read KLOG_BAD from there.
	mkdir -p "$root/kernel/scripts"
	cp "$REPO/kernel/scripts/common.sh" "$root/kernel/scripts/"
	cp -a "$tests/." "$root/tests/"
	printf 'FILTER=%q\nSCALE=%q\n' "$ARM64_FILTER" "$ARM64_TIMEOUT_SCALE" >"$root/job.env"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$A/initramfs.cpio" ||
		die "cannot pack the initramfs"
}

do_boot() {
	local run=$A/run console=$LOGDIR/console-arm64.log results numa=() per i memarg
	local qpid rc start up=0 why="" status counts pass fail skip bad
	command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 not found: run 'arm64.sh deps'"
	[ -f "$out/arch/arm64/boot/Image" ] || die "no arm64 kernel at $out/arch/arm64/boot/Image: run 'arm64.sh build'"
	[ -x "$debs/root/bin/busybox" ] || die "no arm64 busybox in $debs/root: run 'arm64.sh deps'"
	timed initramfs do_initramfs
	rm -rf "$run"
	mkdir -p "$run"
	results=$run/results.txt
	memarg=$MEM
	if [ "$NODES" -gt 1 ]; then
		per=$((MEM / NODES))
		memarg=$((per * NODES))
		for ((i = 0; i < NODES; i++)); do
			local ncpu=$((CPUS / NODES)) first
			first=$((i * ncpu))
			numa+=(-object "memory-backend-ram,id=m$i,size=${per}M"
			       -numa "node,nodeid=$i,cpus=$first-$((first + ncpu - 1)),memdev=m$i")
		done
	fi
	say "booting the arm64 kernel (TCG, $ARM64_CPU, $CPUS CPUs, $memarg MiB, $NODES node(s)); console log: $console"
	start=$SECONDS
	: >"$console"
	timeout -k 10 "$BOOT_TIMEOUT" nice -n 19 qemu-system-aarch64 \
		-M virt -accel tcg -cpu "$ARM64_CPU" -smp "$CPUS" -m "${memarg}M" "${numa[@]}" \
		-nographic -no-reboot \
		-kernel "$out/arch/arm64/boot/Image" -initrd "$A/initramfs.cpio" \
		-device virtio-serial-device \
		-chardev "file,id=results,path=$run/results.raw" \
		-device "virtconsole,chardev=results" \
		-append "console=ttyAMA0 rdinit=/init panic=-1 loglevel=5 mminit_loglevel=4" \
		</dev/null >"$console" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$console" &
	local tpid=$!
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		if [ "$up" = 0 ]; then
			if grep -q "arm64-init: up" "$console"; then
				up=1
				echo "arm64 boot to init: $((SECONDS - start))s" >>"$A/times"
			elif [ $((SECONDS - start)) -ge "$UP_TIMEOUT" ]; then
				why="the guest did not reach init within ${UP_TIMEOUT}s"
				kill "$qpid" 2>/dev/null
			fi
		fi
	done
	wait "$qpid"
	rc=$?
	sleep 0.5
	kill "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	echo "arm64 boot+tests $((SECONDS - start))s" >>"$A/times"
	[ "$rc" = 124 ] && why="the guest timed out after ${BOOT_TIMEOUT}s"
	# The virtio console is a tty: its lines end in CR LF.
	tr -d '\r' <"$run/results.raw" >"$results" 2>/dev/null
	status=$(sed -n 's/^arm64-init: done, status \([0-9]*\).*/\1/p' "$results" 2>/dev/null | tail -1)
	if [ -z "$status" ]; then
		[ -z "$why" ] && grep -q "Kernel panic" "$console" && why="the guest kernel panicked"
		[ -z "$why" ] && why="the guest stopped before its job finished (qemu exit $rc)"
		echo "---- last 40 lines of the console ----" >&2
		tail -n 40 "$console" >&2
		die "$why; full console log: $console"
	fi
	counts=$(sed -n 's/^arm64-init: counts //p' "$results" | tail -1)
	read -r pass fail skip <<<"$counts"
	[ -n "$skip" ] || die "no counts in the guest's results ($results); console log: $console"
	# The guest's kernel log as it wrote it, and the console: no warnings.
	# Kernel lines carry a timestamp (CONFIG_PRINTK_TIME), the tests' own
	# output on the console does not.
	bad=$(sed -n '/^arm64-init: dmesg$/,/^arm64-init: done/p' "$results" | cat - "$console" |
		grep -E "^\[ *[0-9]+\.[0-9]+\].*($KLOG_BAD)" | sort -u)
	echo "TAP, counts and kernel log: $results"
	echo "arm64: $pass passed, $fail failed, $skip skipped"
	if [ -n "$bad" ]; then
		echo "$bad" | head -n 20 >&2
		die "the arm64 guest's kernel log reports the above; kernel log: $results, console log: $console"
	fi
	[ "$fail" = 0 ] && [ "$status" = 0 ] ||
		die "arm64: $fail test(s) failed (runner status $status); TAP: $results, console log: $console"
}

: >>"$A/times"
echo "# arm64.sh $step, $(date -u '+%F %T') UTC" >>"$A/times"
case $step in
deps)	do_deps ;;
build)	timed build do_build ;;
tests)	timed tests do_tests ;;
boot)	do_boot ;;
all)	do_deps
	timed build do_build
	timed tests do_tests
	do_boot ;;
esac
