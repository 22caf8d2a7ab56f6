#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tests of the build and boot machinery itself, run on the host by
# 'make check':  selftest.sh VARIANT BZIMAGE COUNTS_FILE
#
# On a throw-away repository and a tiny fake base tree: new files are
# overlaid, the series is applied in order, a broken patch stops everything
# with a message naming it, an overlay may not replace a base file.  On the
# real build: a second build with nothing changed rebuilds nothing.  On the
# real kernel: a guest whose job hangs is killed at the timeout and the
# failure names the console log.  Prints TAP; writes "PASS FAIL SKIP".
. "$(dirname "$0")/common.sh"

variant=$1 kernel=$2 counts=$3
S=$REPO/kernel/scripts
n=0 pass=0 fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $*"; }

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# A fake base tree and a fake repository using the real scripts.
mkdir -p "$t/base/mm" "$t/repo/kernel/series" "$t/repo/mm" "$t/repo/include/linux" "$t/cache"
printf 'VERSION = 6\n' >"$t/base/Makefile"
printf 'obj-y := a.o\n' >"$t/base/mm/Makefile"
cp "$REPO/kernel/BASE" "$t/repo/kernel/BASE"
ln -s "$S" "$t/repo/kernel/scripts"
printf '/* new */\n' >"$t/repo/mm/new_file.c"
printf '/* new header */\n' >"$t/repo/include/linux/new_file.h"
cat >"$t/repo/kernel/series/0001-good.patch" <<'P'
--- a/mm/Makefile
+++ b/mm/Makefile
@@ -1 +1,2 @@
 obj-y := a.o
+obj-y += new_file.o
P
cat >"$t/repo/kernel/series/0002-broken.patch" <<'P'
--- a/mm/Makefile
+++ b/mm/Makefile
@@ -1 +1,2 @@
 obj-y := nothing-like-this.o
+obj-y += b.o
P
fake() { # run prepare.sh on the fake repository
	env REPO="$t/repo" CACHE="$t/cache" BASE_SRC="$t/base" \
		bash "$S/prepare.sh" patched 2>"$t/err"
}

echo "0001-good.patch mm/new_file.c" >"$t/repo/kernel/series/series"
if src=$(fake) && [ -f "$src/mm/new_file.c" ] && [ -f "$src/include/linux/new_file.h" ] &&
   grep -q new_file.o "$src/mm/Makefile"; then
	ok "overlay files are copied in and the series is applied"
else
	notok "overlay files are copied in and the series is applied"; cat "$t/err"
fi

printf '0001-good.patch\n0002-broken.patch\n' >"$t/repo/kernel/series/series"
if ! fake >/dev/null && grep -q "0002-broken.patch, does not apply" "$t/err"; then
	ok "a broken patch fails the build with a message naming it"
else
	notok "a broken patch fails the build with a message naming it"; cat "$t/err"
fi

echo "0001-good.patch" >"$t/repo/kernel/series/series"
cp "$t/base/mm/Makefile" "$t/repo/mm/Makefile"
if ! fake >/dev/null && grep -q "mm/Makefile exists in the base tree" "$t/err"; then
	ok "an overlay file may not replace a file of the base"
else
	notok "an overlay file may not replace a file of the base"; cat "$t/err"
fi
rm "$t/repo/mm/Makefile"

echo "0003-missing.patch" >"$t/repo/kernel/series/series"
if ! fake >/dev/null && grep -q "0003-missing.patch is listed" "$t/err"; then
	ok "a patch listed but missing is named"
else
	notok "a patch listed but missing is named"; cat "$t/err"
fi

start=$(date +%s)
if "$S/build.sh" "$variant" >/dev/null 2>"$t/err" && grep -q "is up to date" "$t/err" &&
   [ $(($(date +%s) - start)) -lt 60 ]; then
	ok "a second build of '$variant' with nothing changed rebuilds nothing ($(($(date +%s) - start))s)"
else
	notok "a second build of '$variant' with nothing changed rebuilds nothing"; cat "$t/err"
fi

printf '#!/bin/bash\necho hanging on purpose\nsleep 100000\n' >"$t/hang.sh"
start=$(date +%s)
if ! BOOT_TIMEOUT=60 SHOW_CONSOLE=0 "$S/boot.sh" selftest-hang "$kernel" "$t/hang.sh" \
	>"$t/out" 2>&1 && grep -q "timed out after 60s; full console log:" "$t/out"; then
	ok "a hanging guest fails at its timeout ($(($(date +%s) - start))s) and names its console log"
else
	notok "a hanging guest fails at its timeout and names its console log"; cat "$t/out"
fi

echo "$pass $fail 0" >"$counts"
