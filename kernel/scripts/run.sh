#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run / make shell:  run.sh demo|shell
#
# Builds kernel $VARIANT (default on) and the test programs, boots the guest
# and runs the live demo (selftests/demo.sh) or an interactive shell.
. "$(dirname "$0")/common.sh"

mode=${1:-demo}
VARIANT=${VARIANT:-on}
S=$REPO/kernel/scripts
"$S/deps.sh" || exit 1
out=$("$S/build.sh" "$VARIANT") || exit 1
bins=$CACHE/tests/$VARIANT
build_tests "$VARIANT" "$out" "$LOGDIR/tests-$VARIANT.log" || exit 1

job=$CACHE/job-$mode-$VARIANT.sh
case $mode in
demo)
	cat >"$job" <<-JOB
	#!/bin/bash
	exec bash "$REPO/selftests/demo.sh" "$bins"
	JOB
	exec "$S/boot.sh" "demo-$VARIANT" "$out/arch/x86/boot/bzImage" "$job" ;;
shell)
	cat >"$job" <<-JOB
	#!/bin/bash
	export PS1='droppable-guest:\w# ' BINS="$bins"
	cd /tmp
	echo "guest shell: the test programs are in \\\$BINS=$bins; 'exit' powers off"
	setsid -c bash --norc -i </dev/ttyS0 >/dev/ttyS0 2>&1
	JOB
	exec "$S/boot.sh" "shell-$VARIANT" "$out/arch/x86/boot/bzImage" "$job" interactive ;;
*)	die "usage: run.sh demo|shell" ;;
esac
