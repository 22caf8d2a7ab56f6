#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write the edit tree's commits back as the series:  export.sh
#
# Each commit after droppable-base in $CACHE/tree becomes
# kernel/series/NNNN-<subject>.patch (git format-patch, zero commit hash,
# no signature, so re-exporting unchanged commits changes nothing).  Files a
# commit adds under include/ or mm/ are new kernel files: they are copied to
# the repository's include/ and mm/ and listed beside the patch in
# kernel/series/series, not carried in the patch.
. "$(dirname "$0")/common.sh"

tree=$CACHE/tree
[ -d "$tree/.git" ] || die "no edit tree at $tree: run 'make tree' first"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	die "$tree has uncommitted changes: commit them first"

out=$REPO/kernel/series
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t commits < <(git -C "$tree" rev-list --reverse droppable-base..HEAD)
{
	echo "# The ordered patch series, applied with 'patch -p1' on top of the base"
	echo "# tree after the new files under include/ and mm/ are copied in."
	echo "# One patch a line: its file name, then the new files (repository paths)"
	echo "# that belong to it.  Written by 'make export'; '#' starts a comment."
} >"$tmp/series"
n=0
for c in "${commits[@]}"; do
	n=$((n + 1))
	newfiles=$(git -C "$tree" diff --name-only --diff-filter=A "$c^" "$c" -- include mm | tr '\n' ' ')
	name=$(git -C "$tree" format-patch -1 --zero-commit --no-signature --no-numbered \
		--start-number "$n" -o "$tmp" "$c" -- . \
		$(for f in $newfiles; do printf ':(exclude)%s ' "$f"; done))
	name=${name##*/}
	for f in $newfiles; do
		mkdir -p "$REPO/$(dirname "$f")"
		git -C "$tree" show "$c:$f" >"$REPO/$f"
	done
	echo "$name${newfiles:+ ${newfiles% }}" >>"$tmp/series"
done
# Replace the old patches; keep unchanged files byte-identical.
find "$out" -name '*.patch' -delete
cp "$tmp"/*.patch "$out/" 2>/dev/null
cp "$tmp/series" "$out/series"
say "exported $n patch(es) to kernel/series"
git -C "$REPO" status --short -- kernel/series include mm
