#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make static:  static.sh
#
# Static checks of the series, each compared with the pristine base, so that
# only what the series adds can fail them:
#
#   sparse      every kernel .c file the series changes or adds (from the
#               patches' "+++ b/" lines and kernel/series/series) is
#               compiled with W=1 C=1 in scratch build trees of the base
#               (build/base's .config) and of ours (build/on's .config);
#               sparse's messages (CF=-fdiagnostic-prefix) are compared,
#               by file and message, line numbers left out
#   W=1         the compiler's warnings of the same compilation, compared
#               the same way (KCFLAGS=-Wno-error: CONFIG_WERROR would stop
#               at the first one)
#   kernel-doc  scripts/kernel-doc -none, and -none -Wall, of each tree on
#               every kernel .c and .h file the series changes or adds
#   checkpatch  every new file under include/ and mm/ belongs to a patch in
#               kernel/series/series, so the mail-ready patches carry it;
#               then lint.sh (make lint: checkpatch --strict on each patch)
#   bpftrace    a guest of ours (build/on) runs 'bpftrace -d' (a dry run:
#               parse, semantic analysis against the kernel's tracepoint
#               formats, code generation; nothing is loaded) on each tool
#               in bpf/, and looks up every probe a tool names with
#               'bpftrace -l'; a control, a dry run of a tracepoint the
#               kernel lacks, must fail ("tracepoint not found")
#
# Files that the 'on' config does not build (their object is missing from
# $CACHE/build/on) are compiled in a second pair of scratch trees whose
# configs add kernel/config/static-wide.config.  The build trees of the
# other scripts are only read: the scratch trees are $CACHE/static/NAME.
# Compilations and the guest run under 'nice -n 19'.
#
# Prints one verdict line per check; writes the results, the commands and
# the kernel versions to docs/static-checks.md (STATIC_DOC); exits 1 with a
# one-line reason if a check finds anything new in ours.
#
# Environment:
#   STATIC_BPF=0     skip the bpftrace check (no guest boot)
#   STATIC_BPF_TIMEOUT=N  seconds for one tool's dry run (default 900;
#                    under TCG with the host's cores busy one took 350 s)
#   UP_TIMEOUT=N     seconds the guest may take to reach init (default 600)
#   STATIC_LINT=0    skip running lint.sh (the coverage check still runs)
#   STATIC_DOC=FILE  where the report goes (default docs/static-checks.md)
#   JOBS=N           parallel compilations (default: the number of CPUs)
#   MEM, CPUS, NODES, ACCEL: the guest, as for boot.sh
. "$(dirname "$0")/common.sh"

S=$REPO/kernel/scripts
ST=$CACHE/static
RES=$ST/results
DOC=${STATIC_DOC:-$REPO/docs/static-checks.md}
STATIC_BPF=${STATIC_BPF:-1}
STATIC_LINT=${STATIC_LINT:-1}
JOBS=${JOBS:-$(nproc)}
WIDE=$REPO/kernel/config/static-wide.config

command -v sparse >/dev/null || die "sparse not found: run 'make deps' (as root)"
for v in base on; do
	[ -f "$CACHE/build/$v/.config" ] ||
		die "no kernel config in $CACHE/build/$v: build it first (make build VARIANT=$v)"
done
base_src=$(variant_src base) || die "no base tree"
ours_src=$(variant_src on) || die "no patched tree"
export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$CACHE CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
CC="gcc"
command -v ccache >/dev/null && CC="ccache gcc"
rm -rf "$RES"
mkdir -p "$RES"
start=$(date +%s)

# --- what the series touches -------------------------------------------------
mapfile -t touched < <(series_patches | xargs grep -h '^+++ b/' |
	sed -e 's|^+++ b/||' -e 's/[[:space:]].*//' | LC_ALL=C sort -u)
mapfile -t added < <(series_lines | while read -r _ rest; do
	for f in $rest; do echo "$f"; done; done | LC_ALL=C sort -u)
[ ${#touched[@]} -gt 0 ] || die "found no '+++ b/' lines in the series' patches"
# Kernel sources only: not the tools, scripts or documentation.
mapfile -t kfiles < <(printf '%s\n' "${touched[@]}" "${added[@]}" |
	grep -Ev '^(tools|scripts|samples|Documentation|usr)/' |
	grep -E '\.[ch]$' | LC_ALL=C sort -u)
mapfile -t cfiles < <(printf '%s\n' "${kfiles[@]}" | grep '\.c$')
# The files whose kernel-doc comments the series adds or changes: a line a
# patch adds (not a bare " *") is, in the patched tree, a line of a "/**"
# comment.
mapfile -t kdoc_changed < <(series_patches | xargs awk '
	/^\+\+\+ b\// { f = substr($2, 3); next }
	/^\+/ && f != "" {
		t = substr($0, 2); gsub(/^[ \t]+|[ \t]+$/, "", t)
		if (t != "" && t != "*" && t != "*/") print f "\t" t
	}' | awk -F '\t' -v tree="$ours_src" '
	function scan(file,   l, in_doc) {
		while ((getline l < (tree "/" file)) > 0) {
			if (l ~ /^[ \t]*\/\*\*([ \t]|$)/) in_doc = 1
			if (in_doc) { gsub(/^[ \t]+|[ \t]+$/, "", l); doc[file, l] = 1 }
			if (l ~ /\*\//) in_doc = 0
		}
		close(tree "/" file)
		scanned[file] = 1
	}
	{ if (!($1 in scanned)) scan($1); if (($1, $2) in doc) print $1 }' | LC_ALL=C sort -u)
for f in "${added[@]}"; do
	grep -q '^/\*\*' "$ours_src/$f" 2>/dev/null && kdoc_changed+=("$f")
done
mapfile -t kdoc_changed < <(printf '%s\n' "${kdoc_changed[@]}" | grep . | LC_ALL=C sort -u)

# Which variant's full build compiles a file: the object is in its tree.
built_in() { # VARIANT FILE.c
	[ -f "$CACHE/build/$1/${2%.c}.o" ]
}
exact_on=() exact_base=() wide=()
for f in "${cfiles[@]}"; do
	if built_in on "$f"; then
		exact_on+=("${f%.c}.o")
		built_in base "$f" && [ -f "$base_src/$f" ] && exact_base+=("${f%.c}.o")
	else
		wide+=("$f")
	fi
done
wide_on=() wide_base=()
for f in "${wide[@]}"; do
	wide_on+=("${f%.c}.o")
	[ -f "$base_src/$f" ] && wide_base+=("${f%.c}.o")
done
say "the series changes or adds ${#cfiles[@]} kernel .c file(s): ${#exact_on[@]} built by the 'on' config, ${#wide[@]} only with static-wide.config${wide:+ (${wide[*]})}"

# --- scratch build trees -----------------------------------------------------
smake() { # SRC OUT MAKE-ARGS...
	local src=$1 out=$2
	shift 2
	nice -n 19 make -C "$src" O="$out" CC="$CC" HOSTCC="$CC" -j"$JOBS" "$@"
}

# scratch NAME SRC CONFIG [FRAGMENT]: $ST/NAME configured with CONFIG (and
# FRAGMENT on top), reconfigured only when that changed.
scratch() {
	local name=$1 src=$2 cfg=$3 frag=${4:-} dir=$ST/$1 want l n
	want=$(mktemp)
	cat "$cfg" ${frag:+"$frag"} >"$want"
	mkdir -p "$dir"
	if ! cmp -s "$want" "$dir/.static-config" || [ ! -f "$dir/.config" ]; then
		cp "$want" "$dir/.config"
		run_logged "configuring the scratch tree '$name'" "$LOGDIR/static-config-$name.log" \
			smake "$src" "$dir" olddefconfig || die "make olddefconfig failed in $dir"
		if [ -n "$frag" ]; then
			while read -r l; do
				case $l in
				CONFIG_*) grep -qx "$l" "$dir/.config" ||
					die "scratch tree '$name': ${frag##*/} wants $l, the config has '$(grep -E "^(# )?${l%%=*}[= ]" "$dir/.config")'" ;;
				"# CONFIG_"*" is not set")
					n=${l#\# }; n=${n%% *}
					grep -q "^$n=" "$dir/.config" &&
						die "scratch tree '$name': ${frag##*/} wants $n off" ;;
				esac
			done <"$frag"
		fi
		cp "$want" "$dir/.static-config"
	fi
	rm -f "$want"
}

# compile NAME SRC OBJ...: W=1 and sparse on the objects in $ST/NAME; the
# raw log in $RES/NAME.log, the normalised messages in $RES/NAME.{sparse,w1}.
compile() {
	local name=$1 src=$2 dir=$ST/$1 o rel rc
	shift 2
	: >"$RES/$name.sparse"
	: >"$RES/$name.w1"
	[ $# -gt 0 ] || return 0
	# Compile them again, so the compiler and sparse speak (ccache replays
	# the compiler's messages).
	for o in "$@"; do rm -f "$dir/$o"; done
	run_logged "W=1 C=1 on $# file(s) in '$name'" "$RES/$name.log" \
		smake "$src" "$dir" -k W=1 C=1 CF=-fdiagnostic-prefix KCFLAGS=-Wno-error "$@"
	rc=$?
	rel=$(realpath -m --relative-to="$dir" "$src")
	normalise "$src" "$rel" <"$RES/$name.log" >"$RES/$name.all"
	grep ' sparse: ' "$RES/$name.all" >"$RES/$name.sparse"
	grep -v ' sparse: ' "$RES/$name.all" >"$RES/$name.w1"
	return "$rc"
}

# normalise SRC REL: the diagnostics of a log, one a line as "FILE: [sparse:]
# warning: MESSAGE", paths relative to the tree, line and column numbers
# left out (also where a message names a place).
normalise() {
	local src=$1 rel=$2
	grep -E '^[^ :]+:[0-9]+(:[0-9]+)?: (sparse: )?(warning|error)?' |
		grep -Ev '^[^ :]+:[0-9]+(:[0-9]+)?: note: ' |
		grep -E ': sparse: |: (warning|error): ' |
		sed -E -e "s#$(re "$src/")##g" -e "s#$(re "$rel/")##g" \
			-e 's#([A-Za-z0-9_./-]+\.[chS]):[0-9]+(:[0-9]+)?#\1#g'
}

re() { # a string as a sed regular expression
	printf '%s' "$1" | sed -e 's/[]\/$*.^[#]/\\&/g'
}

# new_in BASE OURS: the lines of OURS that BASE does not have as often.
new_in() {
	awk 'NR == FNR { seen[$0]++; next }
	     { if (seen[$0] > 0) seen[$0]--; else print }' "$1" "$2"
}

# bpf_check: boot ours once; in the guest each tool of bpf/ gets a dry run
# (bpftrace -d, at most two at a time, each under STATIC_BPF_TIMEOUT) and
# each probe it names is looked up with 'bpftrace -l'.  Results in
# $RES/bpf/.
STATIC_BPF_TIMEOUT=${STATIC_BPF_TIMEOUT:-900}
bpf_check() {
	local job=$CACHE/job-static-bpf.sh tools=() t n rc bad=() out=$RES/bpf secs
	local kernel=$CACHE/build/on/arch/x86/boot/bzImage
	for t in "$REPO"/bpf/*.bt; do [ -f "$t" ] && tools+=("${t##*/}"); done
	if [ ${#tools[@]} -eq 0 ]; then
		verdict bpftrace skip "no tools in bpf/"
		return
	fi
	[ -f "$kernel" ] || { verdict bpftrace FAIL "no kernel at $kernel (make build VARIANT=on)"; return; }
	cat >"$job" <<-JOB
	#!/bin/bash
	# static.sh: bpftrace dry runs of bpf/*.bt on this kernel.
	cd "\$SCRATCH" || exit 1
	uname -r >kernel
	bpftrace --version >bpftrace-version 2>&1
	dry() { # TOOL
		local s=\$(date +%s)
		timeout -k 10 $STATIC_BPF_TIMEOUT bpftrace -d "$REPO/bpf/\$1" >"\$1.d" 2>&1
		echo \$? >"\$1.rc"
		echo \$((\$(date +%s) - s)) >"\$1.secs"
	}
	# The control: a dry run must fail on a tracepoint the kernel lacks.
	bpftrace -d -e 'tracepoint:droppable:static_no_such_event { exit(); }' >control.d 2>&1
	echo \$? >control.rc
	n=0
	for t in ${tools[*]}; do
		# Every probe the tool names (not in comments), as bpftrace sees it.
		sed -e 's#//.*##' -e '/^[[:space:]]*\*/d' "$REPO/bpf/\$t" |
			grep -oE '\b(tracepoint|kprobe|kretprobe|rawtracepoint):[A-Za-z0-9_:.*]+' |
			sort -u | while read -r p; do
				if [ -n "\$(bpftrace -l "\$p" 2>/dev/null)" ]; then
					echo "ok \$p"
				else
					echo "missing \$p"
				fi
			done >"\$t.probes"
		dry "\$t" &
		n=\$((n + 1))
		[ \$((n % 2)) = 0 ] && wait
	done
	wait
	exit 0
	JOB
	if ! run_logged "bpftrace -d of ${#tools[@]} tools in a guest of ours" "$RES/bpf-boot.log" \
		nice -n 19 env SHOW_CONSOLE=0 UP_TIMEOUT="${UP_TIMEOUT:-600}" \
		BOOT_TIMEOUT=$((STATIC_BPF_TIMEOUT * (${#tools[@]} + 1) / 2 + 300)) \
		"$S/boot.sh" static-bpf "$kernel" "$job"; then
		verdict bpftrace FAIL "the guest failed: $(tail -1 "$RES/bpf-boot.log")"
		return
	fi
	rm -rf "$out"
	cp -a "$CACHE/run/static-bpf" "$out"
	bpf_kernel=$(cat "$out/kernel" 2>/dev/null)
	if [ "$(cat "$out/control.rc" 2>/dev/null)" = 0 ] ||
	   ! grep -q 'tracepoint not found' "$out/control.d" 2>/dev/null; then
		bad+=("the control (a tracepoint the kernel lacks) did not fail with 'tracepoint not found': bpftrace -d does not check tracepoints here")
	fi
	for t in "${tools[@]}"; do
		rc=$(cat "$out/$t.rc" 2>/dev/null)
		secs=$(cat "$out/$t.secs" 2>/dev/null)
		if [ "$rc" != 0 ]; then
			bad+=("$t: bpftrace -d exit ${rc:-none}${secs:+ after ${secs}s}")
		elif grep -q '^missing ' "$out/$t.probes"; then
			bad+=("$t: no $(grep '^missing ' "$out/$t.probes" | cut -d' ' -f2 | tr '\n' ' ')")
		elif ! grep -q '^ok ' "$out/$t.probes"; then
			bad+=("$t: names no probe")
		fi
	done
	if [ ${#bad[@]} -gt 0 ]; then
		verdict bpftrace FAIL "${bad[*]}"
	else
		verdict bpftrace ok "${#tools[@]} tool(s) pass 'bpftrace -d', $(cat "$out"/*.probes | sort -u | wc -l) probe(s) present, a missing tracepoint fails it; kernel $bpf_kernel, $(cat "$out/bpftrace-version")"
	fi
}

# write_doc: the report, docs/static-checks.md.
write_doc() {
	local k f
	{
	echo "# Static checks: base and ours"
	echo
	echo "Generated by \`make static\` (\`kernel/scripts/static.sh\`, also run by \`make regress\`)"
	echo "on $(date -u '+%Y-%m-%d %H:%M') UTC in $((end - start)) s.  Base: \`$BASE_PKG\` $BASE_VERSION"
	echo "(\`$(make -s -C "$base_src" kernelversion 2>/dev/null)\`); ours: the base + the $(series_lines | wc -l) patches of"
	echo "\`kernel/series\` and the new files (the patched tree's stamp \`$(cut -c1-12 "$ours_src/.prepared" 2>/dev/null)\`)."
	echo "$(gcc --version | head -1), sparse $(sparse --version 2>&1 | head -1).  Do not edit by hand."
	echo
	echo "## Verdicts"
	echo
	echo '```'
	printf '%s\n' "${verdicts[@]}"
	echo '```'
	echo
	echo "A check fails only on what ours has and the base does not: messages are"
	echo "compared by file and text, line and column numbers left out, each as many"
	echo "times as it occurs."
	echo
	echo "## Commands"
	echo
	echo "- sparse and W=1, in scratch trees \`\$CACHE/static/{base,on}\` configured with"
	echo "  \`build/base/.config\` and \`build/on/.config\` (each object removed first, so it"
	echo "  is compiled again):"
	echo
	echo "      make -C SRC O=\$CACHE/static/NAME -k W=1 C=1 CF=-fdiagnostic-prefix KCFLAGS=-Wno-error OBJECTS"
	echo
	echo "  \`CF=-fdiagnostic-prefix\` marks sparse's messages (\"sparse: \"); the others are the"
	echo "  compiler's.  \`KCFLAGS=-Wno-error\` keeps \`CONFIG_WERROR\` from stopping at the first"
	echo "  W=1 warning."
	if [ ${#wide[@]} -gt 0 ]; then
		echo "  Files the \`on\` config does not build are compiled in \`\$CACHE/static/{base,on}-wide\`,"
		echo "  the same configs plus \`kernel/config/static-wide.config\`: $(printf '`%s` ' "${wide[@]}")"
	fi
	echo "- kernel-doc, from the top of each tree, on every kernel .c and .h file the series"
	echo "  changes or adds:"
	echo
	echo "      scripts/kernel-doc -none FILE; scripts/kernel-doc -none -Wall FILE"
	echo
	echo "- checkpatch: every file under \`include/\` and \`mm/\` is listed beside a patch in"
	echo "  \`kernel/series/series\`, so \`make patches\` puts it into that patch; then"
	echo "  \`kernel/scripts/lint.sh\` (\`make lint\`): \`scripts/checkpatch.pl --strict\` of the base"
	echo "  on each patch."
	echo "- bpftrace: one guest of ours (\`build/on\`), kernel \`${bpf_kernel:-not booted}\`; for each"
	echo "  tool \`bpftrace -d bpf/TOOL.bt\` (bpftrace 0.17 has no \`--dry-run\`; \`-d\` and \`-dd\`"
	echo "  are its dry runs: parse, semantic analysis with the kernel's tracepoint formats,"
	echo "  code generation, nothing loaded) and \`bpftrace -l PROBE\` for each probe the tool"
	echo "  names.  Attaching the tools and checking what they print is \`droppable_bpf\` in"
	echo "  \`make check\`."
	echo
	echo "## Files"
	echo
	echo "Kernel sources the series changes or adds (from the patches' \`+++ b/\` lines and"
	echo "\`kernel/series/series\`):"
	echo
	echo "| file | compiled | sparse base | sparse ours | W=1 base | W=1 ours | kernel-doc -Wall base | ours |"
	echo "|---|---|---|---|---|---|---|---|"
	for f in "${kfiles[@]}"; do
		local how=-
		case $f in *.c)
			how=on
			printf '%s\n' "${wide[@]}" | grep -qxF "$f" && how=static-wide ;;
		esac
		printf '| `%s`%s | %s | %s | %s | %s | %s | %s | %s |\n' "$f" \
			"$(printf '%s\n' "${kdoc_changed[@]}" | grep -qxF "$f" && echo ' (kernel-doc changed)')" "$how" \
			"$(grep -c "^$(re "$f"): " "$RES/all-base.sparse")" \
			"$(grep -c "^$(re "$f"): " "$RES/all-ours.sparse")" \
			"$(grep -c "^$(re "$f"): " "$RES/all-base.w1")" \
			"$(grep -c "^$(re "$f"): " "$RES/all-ours.w1")" \
			"$(grep -c "^$(re "$f"): " "$RES/kdoc-base.wall")" \
			"$(grep -c "^$(re "$f"): " "$RES/kdoc-ours.wall")"
	done
	echo
	echo "A message is counted under the file it points at: one in a header appears once for"
	echo "each compiled file that includes it, and headers are counted only where they are"
	echo "in the list."
	for k in sparse w1 kdoc-none kdoc-wall; do
		[ -s "$RES/new.$k" ] || continue
		echo
		echo "## New in ours: $k"
		echo
		echo '```'
		head -n 50 "$RES/new.$k"
		echo '```'
	done
	if [ -d "$RES/bpf" ]; then
		echo
		echo "## bpftrace"
		echo
		echo "| tool | bpftrace -d | seconds | probes |"
		echo "|---|---|---|---|"
		for f in "$RES"/bpf/*.bt.rc; do
			[ -f "$f" ] || continue
			k=${f##*/}
			k=${k%.rc}
			printf '| `%s` | exit %s | %s | %s |\n' "$k" "$(cat "$f")" \
				"$(cat "$RES/bpf/$k.secs" 2>/dev/null)" \
				"$(sed 's/^\(ok\|missing\) \(.*\)/`\2` \1/' "$RES/bpf/$k.probes" | paste -sd, - | sed 's/,/, /g')"
		done
		echo
		echo "The control, \`bpftrace -d -e 'tracepoint:droppable:static_no_such_event { exit(); }'\`:"
		echo "exit $(cat "$RES/bpf/control.rc" 2>/dev/null), \"$(grep -v BTF "$RES/bpf/control.d" 2>/dev/null | head -1)\"."
	fi
	} >"$DOC.tmp" && mv "$DOC.tmp" "$DOC"
}

verdicts=() fails=()
verdict() { # CHECK ok|FAIL|skip TEXT
	local line
	line=$(printf '%-11s %-4s %s' "$1" "$2" "$3")
	verdicts+=("$line")
	[ "$2" = FAIL ] && fails+=("$1: $3")
}

# --- sparse and W=1 ------------------------------------------------------------
say "sparse $(sparse --version 2>&1 | head -1), $(gcc -dumpfullversion 2>/dev/null | sed 's/^/gcc /')"
cerr=()
scratch base "$base_src" "$CACHE/build/base/.config"
scratch on "$ours_src" "$CACHE/build/on/.config"
compile base "$base_src" "${exact_base[@]}" || cerr+=("base")
compile on "$ours_src" "${exact_on[@]}" || cerr+=("on")
if [ ${#wide[@]} -gt 0 ]; then
	scratch base-wide "$base_src" "$CACHE/build/base/.config" "$WIDE"
	scratch on-wide "$ours_src" "$CACHE/build/on/.config" "$WIDE"
	compile base-wide "$base_src" "${wide_base[@]}" || cerr+=("base-wide")
	compile on-wide "$ours_src" "${wide_on[@]}" || cerr+=("on-wide")
else
	for n in base-wide on-wide; do : >"$RES/$n.sparse"; : >"$RES/$n.w1"; done
fi
for k in sparse w1; do
	cat "$RES/base.$k" "$RES/base-wide.$k" >"$RES/all-base.$k"
	cat "$RES/on.$k" "$RES/on-wide.$k" >"$RES/all-ours.$k"
	new_in "$RES/all-base.$k" "$RES/all-ours.$k" >"$RES/new.$k"
done
nfiles="${#cfiles[@]} files"
[ ${#wide[@]} -gt 0 ] && nfiles="$nfiles, ${#wide[@]} with static-wide.config"
if [ ${#cerr[@]} -gt 0 ]; then
	verdict sparse FAIL "compilation failed in the scratch tree(s) ${cerr[*]} (see $RES/*.log)"
	verdict W=1 FAIL "compilation failed in the scratch tree(s) ${cerr[*]}"
else
	n=$(wc -l <"$RES/new.sparse")
	verdict sparse "$([ "$n" = 0 ] && echo ok || echo FAIL)" \
		"$(wc -l <"$RES/all-base.sparse") base, $(wc -l <"$RES/all-ours.sparse") ours, $n new ($nfiles)"
	n=$(wc -l <"$RES/new.w1")
	verdict W=1 "$([ "$n" = 0 ] && echo ok || echo FAIL)" \
		"$(wc -l <"$RES/all-base.w1") base, $(wc -l <"$RES/all-ours.w1") ours, $n new ($nfiles)"
fi

# --- kernel-doc --------------------------------------------------------------
# kdoc TREE OUT ARGS...: kernel-doc of the tree, run from its top, on those
# of the files it has.
kdoc() {
	local tree=$1 out=$2 f have=()
	shift 2
	for f in "${kfiles[@]}"; do [ -f "$tree/$f" ] && have+=("$f"); done
	(cd "$tree" && for f in "${have[@]}"; do
		perl scripts/kernel-doc "$@" "$f" 2>&1 >/dev/null
	done) | normalise "$tree" . >"$out"
}
kd=()
for mode in none wall; do
	args=(-none)
	[ $mode = wall ] && args=(-none -Wall)
	kdoc "$base_src" "$RES/kdoc-base.$mode" "${args[@]}"
	kdoc "$ours_src" "$RES/kdoc-ours.$mode" "${args[@]}"
	new_in "$RES/kdoc-base.$mode" "$RES/kdoc-ours.$mode" >"$RES/new.kdoc-$mode"
	kd+=("${args[*]}: $(wc -l <"$RES/kdoc-base.$mode") base, $(wc -l <"$RES/kdoc-ours.$mode") ours, $(wc -l <"$RES/new.kdoc-$mode") new")
done
n=$(cat "$RES/new.kdoc-none" "$RES/new.kdoc-wall" | wc -l)
verdict kernel-doc "$([ "$n" = 0 ] && echo ok || echo FAIL)" \
	"${kd[0]}; ${kd[1]} (${#kfiles[@]} .c/.h files; comments changed in ${#kdoc_changed[@]})"

# --- checkpatch ----------------------------------------------------------------
# patches.sh puts each new file into the patch the series file lists it
# with: a file under include/ or mm/ that no line lists would escape
# make lint.
unlisted=()
while IFS= read -r -d '' f; do
	f=${f#"$REPO"/}
	printf '%s\n' "${added[@]}" | grep -qxF "$f" || unlisted+=("$f")
done < <(find "$REPO/include" "$REPO/mm" -type f ! -name '.*' -print0 2>/dev/null)
if [ ${#unlisted[@]} -gt 0 ]; then
	verdict checkpatch FAIL "new file(s) in no patch of kernel/series/series, so make lint misses them: ${unlisted[*]}"
elif [ "$STATIC_LINT" = 0 ]; then
	verdict checkpatch skip "STATIC_LINT=0; the ${#added[@]} new file(s) are in the patches make lint checks"
elif run_logged "make lint (checkpatch --strict)" "$RES/lint.log" "$S/lint.sh"; then
	verdict checkpatch ok "make lint: $(grep -c '^ok ' "$RES/lint.log") patch(es) clean with --strict, the ${#added[@]} new file(s) in them"
else
	verdict checkpatch FAIL "make lint: $(grep -c '^FAIL ' "$RES/lint.log") patch(es) not clean (see $RES/lint.log)"
fi

# --- bpftrace ------------------------------------------------------------------
bpf_kernel=
if [ "$STATIC_BPF" = 0 ]; then
	verdict bpftrace skip "STATIC_BPF=0"
else
	bpf_check
fi

end=$(date +%s)
# --- report --------------------------------------------------------------------
write_doc
echo "static checks ($((end - start))s; details in $RES, report in ${DOC#"$REPO"/}):"
printf '  %s\n' "${verdicts[@]}"
if [ ${#fails[@]} -gt 0 ]; then
	die "static checks: ${fails[0]}"
fi
say "static checks: nothing new in ours"
