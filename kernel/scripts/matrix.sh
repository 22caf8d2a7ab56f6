#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make matrix:  matrix.sh [CELL...]      (default: every cell below)
#               matrix.sh --doc          only rewrite MATRIX_OUT from the
#                                        results of earlier runs
#
# The build matrix of the regression gate: does the series build in every
# configuration that matters, with no W=1 warning in the files it touches
# that the pristine base tree does not show in the same configuration?
#
# Each cell is one configuration, made the way build.sh makes the guest's
# (x86_64_defconfig + kvm_guest.config + droppable.config + series.config)
# with one option flipped, or a whole-tree minimal configuration:
#
#   cell         configuration                       build
#   drop-y       the guest config (= build.sh on)     vmlinux
#   drop-n       CONFIG_MAP_DROPPABLE=n (= 'off')     vmlinux
#   thp-n        CONFIG_TRANSPARENT_HUGEPAGE=n        objects + symbols
#   memcg-n      CONFIG_MEMCG=n                       objects + symbols
#   lru_gen-n    CONFIG_LRU_GEN=n (no MGLRU)          objects + symbols
#   numa-n       CONFIG_NUMA=n                        objects + symbols
#   allnoconfig  make ARCH=x86_64 allnoconfig         vmlinux
#   tinyconfig   make ARCH=x86_64 tinyconfig          vmlinux
#   tinyconfig-32  make ARCH=i386 tinyconfig          vmlinux
#
# (MGLRU, THP, NUMA and MEMCG are on in the guest config, so drop-y is the
# "on" side of every flip.)  In every cell, for our tree and for the base
# tree configured the same way (minus the options the series adds), the
# touched files are compiled with W=1 to assembly (make W=1 mm/vmscan.s ...:
# the compiler's full set of warnings, without replacing the .o files a
# vmlinux build uses), and the warnings are compared, without line numbers,
# as a multiset: a warning ours shows more often than the base is new.  The
# touched files are the .c files of the patches' "+++ b/" lines (but not
# tools/: user space) and the new .c files of kernel/series/series; a file
# is compiled only where its Makefile lines build it in that configuration.
# W=1's other check, kernel-doc -none on each compiled .c file, is run on
# both trees once (it does not depend on the configuration).
#
# A full vmlinux of ours is linked where a link is cheap or where the
# series itself decides what gets linked: drop-y (the guest config: its
# objects are in ccache from build.sh on, and it links the series' own
# droppable_reclaimer() and tracepoints), drop-n (the same from build.sh
# off: every call the series adds must then resolve to a stub, and the
# vDSO drops vgetrandom), and the small minimal configurations.  In the
# other cells (each a cold build of its own, about 20 min of 2 idle cores)
# the touched files are compiled to objects (W=1) in both trees instead,
# and the link is checked where it can newly break: every symbol our
# objects reference and the base's same objects do not (a call the series
# adds) must be defined in the cell.  Its definition is looked up in
# drop-y's vmlinux.a and lib.a; that object must be built in the cell's
# configuration and, compiled there, define the symbol (a call into code
# the flipped option removes, e.g. unmap_huge_pmd_locked() with THP=n,
# fails unless it finds an inline stub).  MATRIX_FULL=1 links vmlinux in
# every cell instead.  The base tree is never linked: it only provides the
# reference warnings and references.
#
# Every cell has its own build directories, $CACHE/matrix/<cell> (ours) and
# $CACHE/matrix/base-<config> (the base; drop-y and drop-n share
# base-guest), kept between runs, so a rerun rebuilds only what changed.
# Compiles go through ccache ($CACHE/ccache, as build.sh's: drop-y and
# drop-n hit what build.sh on/off compiled) and run under nice -n 19.
#
# Prints one line per cell (configuration, build mode, builds yes/no, new
# W=1 warnings), writes the results of every cell run so far, with the
# commands and versions, to MATRIX_OUT, and exits 1 with a one-line reason
# if any cell of this run fails.
#
# Environment:
#   MATRIX_FULL=1     link vmlinux in every cell (default 0: see above)
#   MATRIX_OUT=FILE   the results page (default docs/build-matrix.md;
#                     empty: none)
#   JOBS              make -j (default 2)
#   CACHE, V          as everywhere
# Logs: $CACHE/logs/matrix-<cell>-<ours|base>-<step>.log.
. "$(dirname "$0")/common.sh"

ALL_CELLS="drop-y thp-n memcg-n drop-n allnoconfig lru_gen-n numa-n tinyconfig tinyconfig-32"
MATRIX=$CACHE/matrix
RESULTS=$MATRIX/results
MATRIX_FULL=${MATRIX_FULL:-0}
OUT=${MATRIX_OUT-$REPO/docs/build-matrix.md}
JOBS=${JOBS:-2}
mkdir -p "$RESULTS"

export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache} CCACHE_BASEDIR=$CACHE \
	CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
CC=gcc
command -v ccache >/dev/null && CC="ccache gcc"

# cell_def CELL: sets what (the configuration in words), kind (guest,
# allnoconfig or tinyconfig), arch (for the minimal ones), frag (the
# fragment of ours after droppable.config), flip (a symbol switched off),
# full (1: link vmlinux), basecfg (the base directory's name) and why.
cell_def() {
	kind=guest arch='' frag=series.config flip='' full=1
	case $1 in
	drop-y)	what="CONFIG_MAP_DROPPABLE=y (guest config)"
		why="the symbol reference of the other cells; links the series' droppable_reclaimer() and tracepoints; ccache-warm from build.sh on" ;;
	drop-n)	frag=off.config what="CONFIG_MAP_DROPPABLE=n"
		why="every call the series adds must resolve to a stub or vanish, and the vDSO loses vgetrandom; ccache-warm from build.sh off" ;;
	lru_gen-n) flip=LRU_GEN full=0 what="CONFIG_LRU_GEN=n (no MGLRU)"
		why="removes only callers (isolate_folio(), should_abort_scan(), get_swappiness()); nothing the series calls is defined under LRU_GEN" ;;
	thp-n)	flip=TRANSPARENT_HUGEPAGE full=0 what="CONFIG_TRANSPARENT_HUGEPAGE=n"
		why="huge_memory.o goes: rmap.c's new unmap_huge_pmd_locked() call must find the !THP stub (symbol check)" ;;
	numa-n)	flip=NUMA full=0 what="CONFIG_NUMA=n"
		why="the series has no code under NUMA and calls nothing defined only with it; the page-flags layout it changes is checked at compile time" ;;
	memcg-n) flip=MEMCG full=0 what="CONFIG_MEMCG=n"
		why="memcontrol.o goes: memcg_page_state() and the memcg event counters the series calls must find their stubs (symbol check)" ;;
	allnoconfig) kind=allnoconfig arch=x86_64 what="allnoconfig (x86_64)"
		why="64-bit with nearly everything off: MAP_DROPPABLE off, no tracepoints, cgroups, THP, swap" ;;
	tinyconfig) kind=tinyconfig arch=x86_64 what="tinyconfig (x86_64)"
		why="as allnoconfig, size-optimised" ;;
	tinyconfig-32) kind=tinyconfig arch=i386 what="tinyconfig (i386)"
		why="32-bit: MAP_DROPPABLE depends on 64BIT, so the option does not exist" ;;
	*)	return 1 ;;
	esac
	case $kind in
	guest)	basecfg=${flip:+$1}; basecfg=base-${basecfg:-guest} ;;
	*)	basecfg=base-$1 ;;
	esac
	[ "$MATRIX_FULL" = 1 ] && full=1
	return 0
}

# The files the series touches: .c files of the patches and its new files.
touched_files() {
	local p
	for p in $(series_patches); do
		sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$p"
	done | grep -v '^tools/'
	series_lines | while read -r _ rest; do
		for p in $rest; do
			case $p in *.c) echo "$p" ;; esac
		done
	done
}

# obj_gates TREE FILE: the CONFIG_ symbols that must be set for kbuild to
# build FILE (a .c file): read from the line of its directory's Makefile
# (or Kbuild) that names its object, then from the line of each parent's
# that names the directory.  Prints "?" if a directory has no Makefile
# naming it (the object is built from elsewhere, e.g. virt/kvm/*.c from
# arch/x86/kvm).
obj_gates() {
	local tree=$1 dir=${2%/*} name=${2##*/} mk line
	name=${name%.c}.o
	while :; do
		mk=$tree/$dir/Kbuild
		[ -f "$mk" ] || mk=$tree/$dir/Makefile
		[ -f "$mk" ] || { echo "?"; return; }
		# Join continued lines; take the first line naming the object.
		line=$(sed -e ':a' -e '/\\$/{N; s/\\\n/ /; ta}' "$mk" |
			awk -v n="$name" '{ for (i = 1; i <= NF; i++) if ($i == n) { print; exit } }')
		[ -n "$line" ] || { echo "?"; return; }
		echo "$line" | sed -n 's/^[^$=:+]*\$(\(CONFIG_[A-Za-z0-9_]*\)).*/\1/p'
		[ "$dir" = . ] && return
		case $dir in
		*/*)	name=${dir##*/}/ dir=${dir%/*} ;;
		*)	name=$dir/ dir=. ;;
		esac
	done
}

# kmake SRC DIR ARGS...: make in the cell's build directory, niced.
kmake() {
	local src=$1 dir=$2
	shift 2
	nice -n 19 make -C "$src" O="$dir" CC="$CC" HOSTCC="$CC" -j"$JOBS" \
		${arch:+ARCH=$arch} "$@"
}

# configure SRC DIR NAME FRAGMENT...: the cell's .config in DIR, made anew
# only when its inputs changed (kbuild then rebuilds what the change
# affects).  FRAGMENTs: files merged after the guest's base configs, for a
# guest cell.
configure() {
	local src=$1 dir=$2 name=$3 stamp log
	shift 3
	log=$LOGDIR/matrix-$name-config.log
	mkdir -p "$dir"
	stamp=$(cat "$src/.prepared" 2>/dev/null || cat "$src/../.extracted")
	stamp="$stamp $kind $arch $(hash_inputs "$@")"
	if [ -f "$dir/.config" ] && [ "$(cat "$dir/.matrix-configured" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	rm -f "$dir/.matrix-configured"
	case $kind in
	guest)	run_logged "configuring $name" "$log" \
			env KCONFIG_CONFIG="$dir/.config" "$src/scripts/kconfig/merge_config.sh" \
			-m -O "$dir" "$src/arch/x86/configs/x86_64_defconfig" \
			"$src/kernel/configs/kvm_guest.config" "$@" >&2 &&
			kmake "$src" "$dir" olddefconfig >>"$log" 2>&1 ;;
	*)	run_logged "configuring $name ($kind, ARCH=$arch)" "$log" \
			kmake "$src" "$dir" "$kind" >&2 ;;
	esac || return 1
	echo "$stamp" >"$dir/.matrix-configured"
}

# warnings LOG SRC DIR: the compiler's warnings in LOG (file:line:col:
# kernel-doc's, without a column, are counted apart), one a line, the file
# named relative to its tree and without line and column numbers, sorted.
# No warning at all is success (grep's exit 1 would fail the pipeline under
# common.sh's pipefail).
warnings() {
	local rel
	rel=$(realpath -m --relative-to="$3" "$2")
	{ grep -E '^[^ :]+:[0-9]+:[0-9]+: warning: ' "$1" || [ $? = 1 ]; } |
		sed -e "s|^$2/||" -e "s|^$rel/||" -e 's|^\./||' \
			-e 's|^\([^:]*\):[0-9]*:[0-9]*: |\1: |' | LC_ALL=C sort
}

# w1_objects SRC DIR NAME SUFFIX: compile the touched files that DIR's
# config builds with W=1, to SUFFIX (s: assembly, o: objects); sets objs
# and skipped; the warnings go to DIR/.matrix-warnings.  The targets are
# removed first, so that a rerun shows the warnings again (ccache replays
# them).  Returns non-zero if a file does not compile.
w1_objects() {
	local src=$1 dir=$2 name=$3 sfx=$4 f g gates ok log=$LOGDIR/matrix-$3-w1.log
	objs=() skipped=()
	for f in $TOUCHED; do
		[ -f "$src/$f" ] || continue
		gates=$(obj_gates "$src" "$f")
		if [ "$gates" = "?" ]; then
			skipped+=("$f (no Makefile line: built from elsewhere)")
			continue
		fi
		ok=1
		for g in $gates; do
			grep -qE "^$g=[ym]$" "$dir/.config" || { ok=0; skipped+=("$f ($g=n)"); break; }
		done
		[ "$ok" = 1 ] && objs+=("${f%.c}.$sfx")
	done
	: >"$dir/.matrix-warnings"
	[ ${#objs[@]} -gt 0 ] || return 0
	# prepare first: with W=1 it recompiles a few generated files (bounds,
	# asm-offsets), whose warnings are not the touched files'.
	run_logged "W=1 prepare for $name" "$LOGDIR/matrix-$name-w1prep.log" \
		kmake "$src" "$dir" W=1 prepare >&2 || return 1
	(cd "$dir" && rm -f "${objs[@]}")
	run_logged "W=1 compile of ${#objs[@]} touched files for $name" "$log" \
		kmake "$src" "$dir" -k W=1 "${objs[@]}" >&2 || return 1
	warnings "$log" "$src" "$dir" >"$dir/.matrix-warnings"
}

# ref_defs: "SYMBOL OBJECT" for every symbol defined in drop-y's vmlinux
# (vmlinux.a and the lib.a archives), cached; fails if drop-y has no
# vmlinux yet.
ref_defs() {
	local ref=$MATRIX/drop-y out=$MATRIX/drop-y.defs
	[ -f "$ref/vmlinux" ] || return 1
	if [ ! -s "$out" ] || [ "$out" -ot "$ref/vmlinux" ]; then
		(cd "$ref" && nm -A --defined-only vmlinux.a lib/lib.a arch/x86/lib/lib.a 2>/dev/null) |
			awk '{ split($1, p, ":"); print $NF, p[2] }' | LC_ALL=C sort -u >"$out.tmp" &&
			mv "$out.tmp" "$out"
	fi
	cat "$out"
}

# symbols_check SRC DIR BDIR NAME: the link check of an objects cell.  Each
# symbol that our touched objects in DIR reference and the base's in BDIR
# do not, and that our touched objects do not define themselves, must be
# defined in this configuration: by the object that defines it in drop-y's
# vmlinux, if that object is built here (compiled now to make sure).
# Prints the problems, one a line; returns non-zero if there is one.
symbols_check() {
	local src=$1 dir=$2 bdir=$3 name=$4 s obj gates g bad=0 defs
	local oo=("${objs[@]/#/$dir/}") bo=("${bobjs[@]/#/$bdir/}")
	[ ${#objs[@]} -gt 0 ] || return 0
	[ ${#bobjs[@]} -gt 0 ] || bo=(/dev/null)
	comm -23 <(nm -u --format=just-symbols "${oo[@]}" | LC_ALL=C sort -u) \
		<( { nm -u --format=just-symbols "${bo[@]}"; nm --defined-only --format=just-symbols "${oo[@]}"; } |
			LC_ALL=C sort -u) >"$dir/.matrix-newrefs"
	[ -s "$dir/.matrix-newrefs" ] || return 0
	defs=$(ref_defs) || { echo "no symbol reference: run the drop-y cell first (matrix.sh drop-y)"; return 1; }
	while read -r s; do
		obj=$(echo "$defs" | awk -v s="$s" '$1 == s { print $2; exit }')
		if [ -z "$obj" ]; then
			echo "undefined reference to $s (defined nowhere in drop-y's vmlinux)"
			bad=1
			continue
		fi
		gates=$(obj_gates "$src" "${obj%.o}.c")
		for g in $gates; do
			[ "$g" = "?" ] && continue
			grep -qE "^$g=[ym]$" "$dir/.config" && continue
			echo "undefined reference to $s: $obj defines it, and $g=n here"
			bad=1
			continue 2
		done
		if ! kmake "$src" "$dir" "$obj" >>"$LOGDIR/matrix-$name-symbols.log" 2>&1; then
			echo "undefined reference to $s: $obj, which defines it, does not compile here"
			bad=1
		elif ! nm --defined-only --format=just-symbols "$dir/$obj" | grep -x "$s" >/dev/null; then
			echo "undefined reference to $s: $obj does not define it here"
			bad=1
		fi
	done <"$dir/.matrix-newrefs"
	return "$bad"
}

# kdoc SRC OUT: W=1's kernel-doc -none check of the touched .c files.
kdoc() {
	local f
	for f in $TOUCHED; do
		[ -f "$1/$f" ] || continue
		(cd "$1" && perl scripts/kernel-doc -none "$f" 2>&1) | grep -i 'warning' |
			sed 's|^\([^:]*\):[0-9]*: |\1: |'
	done | LC_ALL=C sort >"$2"
}

# run_cell CELL: builds both trees of a cell, compares, writes
# $RESULTS/CELL; returns non-zero on failure, with the reason in
# $RESULTS/CELL.
run_cell() {
	local cell=$1 dir=$MATRIX/$1 bdir start line builds=yes new=0 reason='' mode
	local mdline flipfrag sfx w1=0
	cell_def "$cell" || die "unknown cell '$cell' (cells: $ALL_CELLS)"
	bdir=$MATRIX/$basecfg
	start=$(date +%s)
	mode=objects+symbols
	[ "$full" = 1 ] && mode=vmlinux
	say "cell $cell: $what ($mode)" >&2
	mkdir -p "$dir" "$bdir"

	local ofr=() bfr=()
	if [ "$kind" = guest ]; then
		ofr=("$REPO/kernel/config/droppable.config" "$REPO/kernel/config/$frag")
		bfr=("$REPO/kernel/config/droppable.config")
		if [ -n "$flip" ]; then
			flipfrag=$MATRIX/flip-$flip.config
			echo "# CONFIG_$flip is not set" >"$flipfrag"
			ofr+=("$flipfrag")
			bfr+=("$flipfrag")
		fi
	fi

	# Ours.
	if ! configure "$SRC" "$dir" "$cell-ours" "${ofr[@]}"; then
		builds=no reason="configuring failed (log: $LOGDIR/matrix-$cell-ours-config.log)"
	elif [ -n "$flip" ] && grep -q "^CONFIG_$flip=" "$dir/.config"; then
		builds=no reason="CONFIG_$flip=n did not survive olddefconfig"
	fi
	mdline=$(grep -E '^(# )?CONFIG_MAP_DROPPABLE[= ]' "$dir/.config" 2>/dev/null | tr '\n' ';' | sed 's/;$//')
	mdline=${mdline:-absent}
	if [ -z "$reason" ]; then
		case $cell:$mdline in
		drop-y:CONFIG_MAP_DROPPABLE=y*|lru_gen-n:CONFIG_MAP_DROPPABLE=y*|thp-n:CONFIG_MAP_DROPPABLE=y*|numa-n:CONFIG_MAP_DROPPABLE=y*|memcg-n:CONFIG_MAP_DROPPABLE=y*) ;;
		drop-n:"# CONFIG_MAP_DROPPABLE is not set"*|allnoconfig:"# CONFIG_MAP_DROPPABLE is not set"*|tinyconfig:"# CONFIG_MAP_DROPPABLE is not set"*|tinyconfig-32:absent) ;;
		*)	builds=no reason="unexpected MAP_DROPPABLE state in .config: $mdline" ;;
		esac
	fi
	if [ -z "$reason" ] && [ "$full" = 1 ]; then
		if ! run_logged "building vmlinux for $cell" "$LOGDIR/matrix-$cell-ours-vmlinux.log" \
			kmake "$SRC" "$dir" vmlinux >&2; then
			line=$(grep -m1 -E '(error|undefined reference|Error [0-9])' "$LOGDIR/matrix-$cell-ours-vmlinux.log" |
				sed "s|$SRC/||g" | cut -c1-160)
			builds=no reason="vmlinux did not build: $line (log: $LOGDIR/matrix-$cell-ours-vmlinux.log)"
		fi
	fi
	sfx=o
	[ "$full" = 1 ] && sfx=s
	if [ -z "$reason" ] && w1_objects "$SRC" "$dir" "$cell-ours" "$sfx"; then
		w1=1
	elif [ -z "$reason" ]; then
		line=$(grep -m1 -E ': (fatal )?error' "$LOGDIR/matrix-$cell-ours-w1.log" | sed "s|$SRC/||g" | cut -c1-160)
		builds=no reason="a touched file does not compile: ${line:-see log} (log: $LOGDIR/matrix-$cell-ours-w1.log)"
	fi
	local oobjs=("${objs[@]}") oskipped=("${skipped[@]}")

	# The base, configured the same way, for its warnings.
	if [ "$w1" = 1 ]; then
		if ! configure "$BASE" "$bdir" "$cell-base" "${bfr[@]}"; then
			w1=0 reason="configuring the base failed (log: $LOGDIR/matrix-$cell-base-config.log)"
		elif ! w1_objects "$BASE" "$bdir" "$cell-base" "$sfx"; then
			w1=0 reason="the base tree does not compile a touched file here (log: $LOGDIR/matrix-$cell-base-w1.log)"
		fi
	fi
	local bobjs=("${objs[@]}")
	objs=("${oobjs[@]}")

	local newlist=$dir/.matrix-new
	: >"$newlist"
	new=-
	if [ "$w1" = 1 ]; then
		LC_ALL=C comm -23 "$dir/.matrix-warnings" "$bdir/.matrix-warnings" >"$newlist"
		new=$(wc -l <"$newlist")
		[ "$new" = 0 ] || reason="$new new W=1 warning(s), first: $(head -n1 "$newlist" | cut -c1-160)"
	fi

	# The link check of an objects cell.
	if [ "$w1" = 1 ] && [ "$full" = 0 ]; then
		if ! symbols_check "$SRC" "$dir" "$bdir" "$cell-ours" >"$dir/.matrix-symbols"; then
			builds=no reason="$(head -n1 "$dir/.matrix-symbols")${reason:+; $reason}"
		fi
		sed 's/^/    symbols: /' "$dir/.matrix-symbols" >&2
	fi
	local secs=$(($(date +%s) - start))
	{
		echo "cell=$cell"
		echo "what=$what"
		echo "mode=$mode"
		echo "builds=$builds"
		echo "new=$new"
		echo "secs=$secs"
		echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
		echo "mapdroppable=$mdline"
		echo "objs=${oobjs[*]}"
		printf 'skipped=%s\n' "$(printf '%s, ' "${oskipped[@]}" | sed 's/, $//')"
		if [ "$w1" = 1 ]; then
			echo "warnings=$(wc -l <"$dir/.matrix-warnings") base=$(wc -l <"$bdir/.matrix-warnings")"
		else
			echo "warnings="
		fi
		echo "reason=$reason"
	} >"$RESULTS/$cell"
	sed 's/^/    new: /' "$newlist" >&2
	[ -z "$reason" ]
}

# field CELL NAME: a field of a cell's results.
field() {
	sed -n "s/^$2=//p" "$RESULTS/$1" 2>/dev/null
}

cell_line() {
	printf '%-14s %-38s %-15s builds %-3s  new W=1 warnings %-3s %5ss\n' "$1" \
		"$(field "$1" what)" "$(field "$1" mode)" "$(field "$1" builds)" \
		"$(field "$1" new)" "$(field "$1" secs)"
}

write_doc() {
	local c gccv ccv series kd_new=$1
	gccv=$(gcc --version | head -n1)
	ccv=$(ccache -V 2>/dev/null | head -n1)
	series=$(cd "$REPO" && git log -1 --format='%h %cd' --date=short -- kernel/series 2>/dev/null)
	{
		echo "# Build matrix"
		echo
		echo "Generated by \`kernel/scripts/matrix.sh\` (\`make matrix\`, also run by \`make regress\`)."
		echo "Do not edit by hand; the script's header explains every choice."
		echo
		echo "Every cell configures our tree (the base + the series) and the pristine base the"
		echo "same way, compiles the C files the series touches with \`W=1\` in both, and fails"
		echo "if ours shows a warning the base does not (compared per file, without line"
		echo "numbers).  Where linking can newly fail, it also links a full \`vmlinux\` of ours."
		echo
		echo "- base: Debian \`$BASE_PKG\` $(cat "$BASE/../.extracted" >/dev/null 2>&1; dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null) (pinned: $BASE_VERSION)"
		echo "- series: kernel/series as of commit ${series:-?} ($(series_lines | wc -l) patches)"
		echo "- compiler: $gccv; $ccv; make -j$JOBS under nice -n 19"
		echo "- touched files checked: $(echo "$TOUCHED" | paste -sd, | sed 's/,/, /g')"
		echo
		echo "## Cells"
		echo
		echo "| cell | configuration | build | builds | new W=1 warnings | MAP_DROPPABLE in .config | time | run | why this build |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for c in $ALL_CELLS; do
			cell_def "$c"
			if [ -f "$RESULTS/$c" ]; then
				echo "| \`$c\` | $(field "$c" what) | $(field "$c" mode) | $(field "$c" builds) | $(field "$c" new) | \`$(field "$c" mapdroppable)\` | $(field "$c" secs) s (load $(field "$c" load)) | $(field "$c" date) | $why |"
			else
				echo "| \`$c\` | $what | - | not run | - | - | - | - | $why |"
			fi
		done
		echo
		echo "kernel-doc -none (W=1's other check) of the touched files, ours against the base: $kd_new new warning(s)."
		echo
		echo "## What each cell compiles"
		echo
		for c in $ALL_CELLS; do
			[ -f "$RESULTS/$c" ] || continue
			echo "- \`$c\`: $(field "$c" objs | sed 's/\.s\b/.c/g; s/ /, /g')"
			[ -z "$(field "$c" skipped)" ] || echo "  - not built in this configuration: $(field "$c" skipped)"
			[ -z "$(field "$c" warnings)" ] ||
				echo "  - W=1 warnings in these compiles: ours $(field "$c" warnings | sed 's/ base=/, base /')"
			[ -z "$(field "$c" reason)" ] || echo "  - **failed**: $(field "$c" reason)"
		done
		echo
		echo "## Commands"
		echo
		echo '```'
		echo "make matrix                          # every cell; MATRIX_FULL=1 links vmlinux in all"
		echo "kernel/scripts/matrix.sh thp-n       # one cell"
		echo "# what a cell runs, in \$CACHE/matrix/<cell> (ours) and \$CACHE/matrix/base-<config>:"
		echo "scripts/kconfig/merge_config.sh -m -O DIR x86_64_defconfig kvm_guest.config \\"
		echo "    droppable.config series.config FLIP.config && make O=DIR olddefconfig"
		echo "make O=DIR ARCH=x86_64 allnoconfig  # or tinyconfig; ARCH=i386 for tinyconfig-32"
		echo "nice -n 19 make O=DIR -j2 vmlinux   # the cells marked vmlinux, ours only"
		echo "nice -n 19 make O=DIR -j2 -k W=1 mm/rmap.s mm/vmscan.s ...   # vmlinux cells, both trees"
		echo "nice -n 19 make O=DIR -j2 -k W=1 mm/rmap.o mm/vmscan.o ...   # objects cells, both trees"
		echo "nm -u ...; nm -A --defined-only vmlinux.a ...                  # objects cells: the symbol check"
		echo "scripts/kernel-doc -none mm/rmap.c ...                         # both trees"
		echo '```'
	} | sed "s|$CACHE/|\$CACHE/|g" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
}

if [ "${1:-}" = --doc ]; then
	[ -n "$OUT" ] || die "matrix.sh --doc: MATRIX_OUT is empty"
	SRC=$CACHE/src/patched BASE=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1
	TOUCHED=$(touched_files | LC_ALL=C sort -u)
	write_doc "$({ wc -l <"$MATRIX/kdoc-new"; } 2>/dev/null || echo -)"
	exit 0
fi
cells=${*:-$ALL_CELLS}
for c in $cells; do
	cell_def "$c" || die "unknown cell '$c' (cells: $ALL_CELLS)"
done
SRC=$("$REPO/kernel/scripts/prepare.sh" patched) || exit 1
BASE=$("$REPO/kernel/scripts/prepare.sh" base) || exit 1
TOUCHED=$(touched_files | LC_ALL=C sort -u)
[ -n "$TOUCHED" ] || die "found no .c file in the series' patches"

failed=()
kdoc "$SRC" "$MATRIX/kdoc-ours"
kdoc "$BASE" "$MATRIX/kdoc-base"
kd_new=$(LC_ALL=C comm -23 "$MATRIX/kdoc-ours" "$MATRIX/kdoc-base" | tee "$MATRIX/kdoc-new" | wc -l)
sed 's/^/    kernel-doc new: /' "$MATRIX/kdoc-new" >&2
[ "$kd_new" = 0 ] || failed+=("kernel-doc: $kd_new new warning(s), first: $(head -n1 "$MATRIX/kdoc-new")")

for c in $cells; do
	run_cell "$c" || failed+=("$c: $(field "$c" reason)")
	cell_line "$c"
done
printf '%-14s %-38s %-15s %-10s  new W=1 warnings %s\n' kernel-doc "touched .c files, any config" - - "$kd_new"
[ -z "$OUT" ] || write_doc "$kd_new"

if [ ${#failed[@]} -gt 0 ]; then
	die "build matrix: ${#failed[@]} failure(s): $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
fi
say "build matrix: every cell builds, no new W=1 warning${OUT:+ (results: ${OUT#"$REPO"/})}"
