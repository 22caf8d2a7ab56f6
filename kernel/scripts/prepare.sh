#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare kernel source trees in the cache:
#
#   prepare.sh base      extract the pinned base tarball (checked against its
#                        sha256) and print the path of the pristine tree
#   prepare.sh patched   base + new files from include/ and mm/ + the series,
#                        synced into $CACHE/src/patched; print its path
#   prepare.sh upto N    the same with the first N patches of the series (and
#                        only their new files), in $CACHE/src/upto-N: the
#                        kernel as it was before the later patches
#
# The patched tree is assembled in a staging copy and then synced into the
# build source with checksums, so only files whose content changed get a new
# mtime: kbuild then rebuilds exactly what a changed patch or new file affects.
# A patch that does not apply stops everything with a message naming it.
#
# BASE_SRC=<dir> replaces the extracted base (used by the script's own tests).
. "$(dirname "$0")/common.sh"

what=${1:-patched}

base_tree() {
	local have dir
	if [ -n "${BASE_SRC:-}" ]; then
		echo "$BASE_SRC"
		return
	fi
	[ -r "$BASE_TARBALL" ] || die "$BASE_TARBALL is missing: run 'make deps' (as root) to install $BASE_PKG"
	have=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null)
	dir=$CACHE/base/$have
	if [ ! -f "$dir/.extracted" ]; then
		if [ "$have" = "$BASE_VERSION" ]; then
			say "checking sha256 of $BASE_TARBALL" >&2
			echo "$BASE_SHA256  $BASE_TARBALL" | sha256sum -c --quiet >&2 ||
				die "$BASE_TARBALL ($BASE_PKG $have) does not match the pinned sha256 in kernel/BASE"
		else
			warn "pinned base is $BASE_PKG $BASE_VERSION but $have is installed (the pinned version is no longer served?); building on $have"
		fi
		rm -rf "$dir"
		mkdir -p "$dir"
		run_logged "extracting $BASE_PKG $have" "$LOGDIR/extract.log" \
			tar -C "$dir" -xf "$BASE_TARBALL" >&2 || die "extraction failed"
		sha256sum "$BASE_TARBALL" | cut -d' ' -f1 >"$dir/.extracted"
	elif [ "$have" != "$BASE_VERSION" ]; then
		warn "pinned base is $BASE_PKG $BASE_VERSION but $have is installed; building on $have"
	fi
	echo "$dir/$BASE_TOPDIR"
}

base=$(base_tree) || exit 1
[ -d "$base/mm" ] || die "base tree $base has no mm/ directory"

if [ "$what" = base ]; then
	echo "$base"
	exit 0
fi
upto=
case $what in
patched) src=$CACHE/src/patched stage=$CACHE/src/stage ;;
upto)	upto=${2:-}
	total=$(series_lines | wc -l)
	case $upto in *[!0-9]*|''|0) die "prepare.sh upto N: N must be a patch number, 1 to $total" ;; esac
	[ "$upto" -le "$total" ] || die "prepare.sh upto $upto: the series has $total patches"
	src=$CACHE/src/upto-$upto stage=$CACHE/src/stage-upto-$upto ;;
*)	die "usage: prepare.sh base|patched|upto N" ;;
esac

mapfile -t patches < <(series_patches | head -n "${upto:-100000}")
# The new files of those patches (all of them for the whole series).
mapfile -t newfiles < <(series_lines | head -n "${upto:-100000}" |
	while read -r _ rest; do for f in $rest; do echo "$f"; done; done)
stamp=$(hash_inputs "$base/Makefile" "$REPO/include" "$REPO/mm" \
	"$REPO/kernel/series" "$0")${upto:+ upto $upto}
if [ -f "$src/.prepared" ] && [ "$(cat "$src/.prepared")" = "$stamp" ]; then
	echo "$src"
	exit 0
fi

say "assembling the patched tree (${#patches[@]} patch(es) in the series)" >&2
mkdir -p "$stage" "$src"
rsync -a --delete "$base/" "$stage/" || die "rsync of the base tree failed"
for d in include mm; do
	if [ -d "$REPO/$d" ] && [ -n "$(ls -A "$REPO/$d")" ]; then
		while IFS= read -r -d '' f; do
			rel=${f#"$REPO"/}
			if [ -n "$upto" ] && ! printf '%s\n' "${newfiles[@]}" | grep -qxF "$rel"; then
				continue
			fi
			if [ -e "$base/$rel" ]; then
				die "$rel exists in the base tree: change it with a patch in kernel/series, not an overlay file"
			fi
			mkdir -p "$stage/$(dirname "$rel")"
			cp "$f" "$stage/$rel"
			echo "    new file: $rel" >&2
		done < <(find "$REPO/$d" -type f ! -name '.*' -print0 | LC_ALL=C sort -z)
	fi
done
n=0
for p in "${patches[@]}"; do
	n=$((n + 1))
	name=kernel/series/${p##*/}
	[ -f "$p" ] || die "$name is listed in kernel/series/series but does not exist"
	if ! out=$(cd "$stage" && patch -p1 --batch --forward --fuzz=0 -s <"$p" 2>&1); then
		echo "$out" | sed 's/^/    /' >&2
		die "patch $n of ${#patches[@]}, $name, does not apply to the base + the patches before it"
	fi
	echo "    applied $name" >&2
done
find "$stage" \( -name '*.orig' -o -name '*.rej' \) -delete
# Sync: checksums decide, so unchanged files keep their mtimes.
rsync -rlc --delete --exclude=/.prepared "$stage/" "$src/" ||
	die "sync of the patched tree failed"
echo "$stamp" >"$src/.prepared"
echo "$src"
