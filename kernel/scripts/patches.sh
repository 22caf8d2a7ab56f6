#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make patches:  patches.sh OUTDIR
#
# Writes the series as a mail-ready set (git format-patch, with a cover
# letter) into OUTDIR.  Each patch carries the new files that
# kernel/series/series lists beside it, so the set applies to the pristine
# base with 'git am' on its own.  The commits are built in the object store
# of the edit tree ($CACHE/tree, created if missing) through a private index:
# the edit tree's working copy and branches are not touched.
. "$(dirname "$0")/common.sh"

outdir=${1:?usage: patches.sh OUTDIR}
tree=$CACHE/tree
[ -d "$tree/.git" ] || "$REPO/kernel/scripts/tree.sh" >&2 || exit 1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export GIT_DIR=$tree/.git GIT_INDEX_FILE=$t/index
git read-tree droppable-base || die "$tree has no droppable-base tag"
head=$(git rev-parse 'droppable-base^{commit}')
n=0
while read -r name files; do
	n=$((n + 1))
	p=$REPO/kernel/series/$name
	[ -f "$p" ] || die "$name is listed in kernel/series/series but does not exist"
	git mailinfo "$t/msg" "$t/diff" <"$p" >"$t/info" || die "kernel/series/$name is not a mail-formatted patch"
	git apply --cached "$t/diff" 2>"$t/err" ||
		{ cat "$t/err" >&2; die "patch $n, kernel/series/$name, does not apply"; }
	for f in $files; do
		[ -f "$REPO/$f" ] || die "series line for $name lists $f, which is not in the repository"
		git update-index --add --cacheinfo "100644,$(git hash-object -w "$REPO/$f"),$f"
	done
	field() { sed -n "s/^$1: //p" "$t/info" | head -1; }
	{ field Subject; echo; cat "$t/msg"; } >"$t/commitmsg"
	head=$(GIT_AUTHOR_NAME=$(field Author) GIT_AUTHOR_EMAIL=$(field Email) \
		GIT_AUTHOR_DATE=$(field Date) GIT_COMMITTER_NAME=$(field Author) \
		GIT_COMMITTER_EMAIL=$(field Email) GIT_COMMITTER_DATE=$(field Date) \
		git commit-tree "$(git write-tree)" -p "$head" -F "$t/commitmsg") ||
		die "could not commit patch $n"
done < <(series_lines)
[ "$n" -gt 0 ] || die "the series is empty: nothing to send"
git update-ref refs/droppable/outgoing "$head"

rm -rf "$outdir"
mkdir -p "$outdir"
# The cover letter is from the author of the series' first patch.
first=$(series_patches | head -1)
GIT_AUTHOR_NAME=$(git mailinfo /dev/null /dev/null <"$first" | sed -n 's/^Author: //p')
GIT_AUTHOR_EMAIL=$(git mailinfo /dev/null /dev/null <"$first" | sed -n 's/^Email: //p')
GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
git format-patch -q --cover-letter --zero-commit --no-signature --thread=shallow \
	-o "$outdir" droppable-base.."$head" || die "git format-patch failed"
cover=$(ls "$outdir"/0000-*.patch)
subject=$(head -1 "$REPO/kernel/series/cover-letter.txt")
# Fill the cover letter's template from kernel/series/cover-letter.txt.
awk -v subject="$subject" -v blurbfile="$REPO/kernel/series/cover-letter.txt" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
	/\*\*\* BLURB HERE \*\*\*/ {
		getline line < blurbfile	# skip the subject line
		getline line < blurbfile	# and the blank line after it
		if (line != "") print line
		while ((getline line < blurbfile) > 0) print line
		next
	}
	{ print }' "$cover" >"$t/cover" && mv "$t/cover" "$cover"
say "wrote $n patch(es) and a cover letter to $outdir"
