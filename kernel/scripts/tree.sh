#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The edit loop's git tree:  tree.sh [--force]
#
# Creates $CACHE/tree: the pristine base committed as "base" (tagged
# droppable-base), then every patch of kernel/series as one commit, in order,
# with the new files that kernel/series/series lists beside the patch added to
# that commit.  Edit there (git commit --amend, rebase -i, new commits), then
# run 'make export' to write the commits back as the series.
#
# An existing tree is left alone unless its commits are already exported
# (nothing to lose) or --force is given.
. "$(dirname "$0")/common.sh"

tree=$CACHE/tree
force=${1:-}
base=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1

if [ -d "$tree/.git" ]; then
	if [ "$force" != --force ]; then
		if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
			die "$tree has uncommitted changes: commit them and 'make export', or 'make tree FORCE=1' to start over"
		fi
		ahead=$(git -C "$tree" rev-list --count droppable-base..HEAD)
		exported=$(series_patches | wc -l)
		if [ "$ahead" != "$exported" ]; then
			die "$tree has $ahead commit(s) on the base but the series has $exported patch(es): 'make export' first, or 'make tree FORCE=1' to start over"
		fi
	fi
	say "resetting $tree to the base"
	git -C "$tree" checkout -q -f droppable-base 2>/dev/null || die "$tree has no droppable-base tag; remove it"
	git -C "$tree" branch -f -q series droppable-base
	git -C "$tree" checkout -q series
	git -C "$tree" clean -q -fdx
else
	say "creating the git tree of the base in $tree (about a minute)"
	rm -rf "$tree"
	mkdir -p "$tree"
	rsync -a "$base/" "$tree/" || die "copying the base failed"
	rm -f "$tree/.extracted"
	(cd "$tree" && git init -q -b series && git config gc.auto 0 &&
		git add -A -f . &&
		git -c user.name=base -c user.email=base@localhost \
			commit -q -m "base: $BASE_PKG $BASE_VERSION" &&
		git tag droppable-base) || die "git init of the tree failed"
fi

n=0
while read -r name files; do
	n=$((n + 1))
	p=$REPO/kernel/series/$name
	[ -f "$p" ] || die "$name is listed in kernel/series/series but does not exist"
	for f in $files; do
		[ -f "$REPO/$f" ] || die "series line for $name lists $f, which is not in the repository"
		mkdir -p "$tree/$(dirname "$f")"
		cp "$REPO/$f" "$tree/$f"
		git -C "$tree" add "$f"
	done
	if ! git -C "$tree" am -q --keep-cr --committer-date-is-author-date "$p" >/dev/null 2>&1; then
		git -C "$tree" am --abort 2>/dev/null
		die "patch $n, kernel/series/$name, does not apply with git am"
	fi
done < <(series_lines)
say "$tree: base + $n commit(s) on branch 'series'; edit, commit, then 'make export'"
