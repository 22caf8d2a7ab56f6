#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint:  lint.sh
#
# Writes the mail-ready series (patches.sh) and runs the base tree's
# scripts/checkpatch.pl --strict on every patch.  Fails on any error, warning
# or check, naming the patch.
. "$(dirname "$0")/common.sh"

# checkpatch's SPDX check runs scripts/spdxcheck.py with python3, which
# needs Debian's python3-ply and python3-git: use the system python3.
export PATH=/usr/bin:$PATH
base=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1
out=$CACHE/lint
"$REPO/kernel/scripts/patches.sh" "$out" || exit 1
bad=0 n=0
for p in "$out"/*.patch; do
	case ${p##*/} in 0000-*) continue ;; esac
	n=$((n + 1))
	res=$(cd "$base" && ./scripts/checkpatch.pl --strict --showfile "$p" 2>&1)
	total=$(echo "$res" | grep -E '^total: ' | tail -1)
	if echo "$total" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
		echo "ok   ${p##*/}"
	else
		echo "$res" | grep -vE '^(total:|NOTE:|$)' | sed 's/^/    /'
		echo "FAIL ${p##*/}: ${total:-checkpatch produced no verdict}"
		bad=$((bad + 1))
	fi
done
[ "$bad" = 0 ] || die "checkpatch --strict: $bad of $n patch(es) not clean"
say "checkpatch --strict: all $n patch(es) clean"
