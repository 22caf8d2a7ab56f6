#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Report the in-kernel KUnit tests as a kselftest program:  kunit.sh [SUITE...]
#
# Built-in KUnit suites run at boot (CONFIG_KUNIT_DEFAULT_ENABLED=y) and
# leave their KTAP results in /sys/kernel/debug/kunit/<suite>/results.  This
# prints each test case as TAP and a kselftest "# Totals:" line.  A suite
# that was asked for but is missing fails: it was not built or did not run.
dir=/sys/kernel/debug/kunit
[ -d "$dir" ] || { echo "# no $dir: CONFIG_KUNIT or debugfs missing"; exit 1; }
suites=("$@")
[ ${#suites[@]} -gt 0 ] || mapfile -t suites < <(ls "$dir")
pass=0 fail=0 skip=0 missing=0
for s in "${suites[@]}"; do
	r=$dir/$s/results
	if [ ! -r "$r" ]; then
		echo "not ok - $s # suite missing ($r)"
		missing=$((missing + 1))
		continue
	fi
	echo "# suite $s"
	# Test cases are the indented result lines of the suite.
	while read -r line; do
		case $line in
		"ok "*"# SKIP"*) skip=$((skip + 1)); echo "ok - $s.${line#ok [0-9]* }" ;;
		"ok "*) pass=$((pass + 1)); echo "ok - $s.${line#ok [0-9]* }" ;;
		"not ok "*) fail=$((fail + 1)); echo "not ok - $s.${line#not ok [0-9]* }" ;;
		esac
	done < <(grep -E '^[[:space:]]+(not )?ok [0-9]+ ' "$r")
done
fail=$((fail + missing))
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" = 0 ]
