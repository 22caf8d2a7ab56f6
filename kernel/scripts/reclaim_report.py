#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make reclaim's report: docs/reclaim-regression.md from the guests' results.

    reclaim_report.py --out FILE --kernel NAME=DIR [--kernel NAME=DIR ...]
                      [--scenarios "1a 1b ..."] [--lrus "classic mglru"]
                      [--runs N] [--guest NAME=TEXT] [--klog-bad NAME]
                      [--command TEXT] [--base-version TEXT] [--hot-secs N]

DIR holds a guest's r-<scenario>-<lru>-<run>.txt files, each the "key value"
lines of one run of selftests/droppable_regress.  The report compares the
kernel named 'on' (ours) with the one named 'base'; with one of them
missing it shows what there is and judges nothing that needs both.
Python 3 standard library only.  Bad arguments: one line on stderr, exit 2.
"""

import argparse
import datetime
import os
import statistics
import sys

SCENARIOS = ["1a", "1b", "1c", "2i", "2ii", "3i", "3ii", "4", "5"]
LRUS = ["classic", "mglru"]
# The scenarios whose every reclaim figure must be within 10% of base.
WITHIN_SCENARIOS = ["1a", "1b", "1c", "2i", "2ii", "3i", "3ii", "4"]
TOLERANCE = 0.10

TITLES = {
    "1a": "1a: anonymous memory, MemTotal × 1.25 written, 64 MiB hot",
    "1b": "1b: page-cache stream, a file of MemTotal × 1.25 read once, "
          "one of MemTotal / 2 read twice",
    "1c": "1c: a memcg at 384 MiB, 256 MiB anonymous written, "
          "a 256 MiB file read four times",
    "2i": "2i: 1a beside 16 MiB of droppable memory spliced into pipes "
          "(vmsplice, unprivileged)",
    "2ii": "2ii: 1a beside 16 MiB of droppable memory registered as an "
           "io_uring buffer (unprivileged)",
    "3i": "3i: droppable cache (256 MiB) in cgroup A, bystander B "
          "(hot 128 MiB file, cold 256 MiB anonymous); global pressure",
    "3ii": "3ii: the same; pressure: the common parent's memory.max "
           "lowered by 256 MiB",
    "4": "4: 256 MiB droppable bound to node 0, anonymous pressure bound "
         "to node 1",
    "5": "5: a hot droppable set (32 MiB, rwx, checked every 2 ms) beside "
         "a file stream (MemTotal / 2, read once) in a memcg at 256 MiB",
}

# key, label, direction ("lower" is better, "higher" is better, "both":
# neither, within the tolerance either way, None: not judged), floor (a
# difference of at most this much is taken as equal: one run's noise).
PAGES = 256     # 1 MiB of 4 KiB pages
COMMON = [
    ("pgscan_kswapd", "pgscan_kswapd (pages)", "lower", PAGES),
    ("pgscan_direct", "pgscan_direct (pages)", "lower", PAGES),
    ("pgsteal_kswapd", "pgsteal_kswapd (pages)", "both", PAGES),
    ("pgsteal_direct", "pgsteal_direct (pages)", "lower", PAGES),
    ("kswapd_anon", "kswapd reclaimed anon (trace, pages)", "both", PAGES),
    ("kswapd_file", "kswapd reclaimed file (trace, pages)", "both", PAGES),
    ("pswpout", "pswpout (pages)", "lower", PAGES),
    ("allocstall", "allocstall (all zones)", "lower", 16),
    ("workingset_refault_file", "workingset_refault_file", "lower", PAGES),
    ("workingset_refault_anon", "workingset_refault_anon", "lower", PAGES),
    ("psi_some_us", "PSI memory some (µs)", "lower", 100000),
    ("psi_full_us", "PSI memory full (µs)", "lower", 100000),
    ("oom_kill", "oom_kill", "lower", 0),
]
THROUGHPUT = ("throughput_mib_s", "workload throughput (MiB/s)", None, 0)
# Shown last in every table: events the tracefs reader missed (the
# kswapd rows undercount if it is not 0).
LOST = ("trace_lost", "tracepoint events lost", None, 0)
SECS = ("secs", "wall time of the run in the guest (s)", None, 0)
EXTRA = {
    "1a": [("hot_mib_s", "hot set re-touch (MiB/s)", None, 0)],
    "2i": [("hot_mib_s", "hot set re-touch (MiB/s)", None, 0)],
    "2ii": [("hot_mib_s", "hot set re-touch (MiB/s)", None, 0)],
    "1c": [
        ("cg_pgscan", "memcg pgscan", "lower", PAGES),
        ("cg_pgsteal", "memcg pgsteal", "both", PAGES),
        ("cg_workingset_refault_file", "memcg workingset_refault_file",
         "lower", PAGES),
        ("cg_workingset_refault_anon", "memcg workingset_refault_anon",
         "lower", PAGES),
        ("cg_swap_current_kib", "memcg memory.swap.current (KiB)",
         "lower", 1024),
    ],
    "3i": [
        ("b_workingset_refault_file", "B workingset_refault_file",
         "lower", PAGES),
        ("b_workingset_refault_anon", "B workingset_refault_anon",
         "lower", PAGES),
        ("b_swap_current_kib", "B memory.swap.current (KiB)", "lower", 1024),
        ("b_pgscan", "B pgscan", "lower", PAGES),
        ("b_pgsteal", "B pgsteal", "lower", PAGES),
        ("a_dropped_mib", "A's droppable memory dropped (MiB)", None, 0),
    ],
    "4": [
        ("kswapd1_anon", "kswapd1 reclaimed anon (pages)", "both", PAGES),
        ("kswapd1_file", "kswapd1 reclaimed file (pages)", "both", PAGES),
        ("kswapd0_anon", "kswapd0 reclaimed anon (pages)", None, 0),
        ("kswapd0_file", "kswapd0 reclaimed file (pages)", None, 0),
        ("droppable_dropped_mib", "node 0's droppable memory dropped (MiB)",
         None, 0),
    ],
    "5": [
        ("hot_drops", "hot set: pages found dropped", "lower", 0),
        ("hot_checks", "hot set: passes of the checker", None, 0),
        ("cg_pgscan", "memcg pgscan", None, 0),
        ("cg_pgsteal", "memcg pgsteal", None, 0),
        ("cg_workingset_refault_file", "memcg workingset_refault_file",
         None, 0),
    ],
}
EXTRA["3ii"] = EXTRA["3i"]
# Scenario 5's global figures are shown, not judged (its target is the
# hot set's drops).


class ReportError(Exception):
    """Bad input: reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (ReportError)."""

    def error(self, message):
        raise ReportError(message)


def metrics(scenario):
    """The rows of a scenario's table."""
    rows = list(COMMON) + [THROUGHPUT] + EXTRA.get(scenario, []) + [LOST, SECS]
    if scenario == "5":
        rows = [(k, label, d if k == "hot_drops" else None, f)
                for k, label, d, f in rows]
    return rows


def parse_result(text):
    """The numeric "key value" lines of one run (INFO lines apart)."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 2 or parts[0] in ("INFO", "ERROR", "SKIP"):
            continue
        try:
            out[parts[0]] = float(parts[1])
        except ValueError:
            continue
    return out


def parse_info(text):
    """The INFO lines of one run: {key: value}."""
    out = {}
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] == "INFO":
            out[parts[1]] = parts[2]
    return out


def load_kernel(directory, scenarios, lrus, runs):
    """{(scenario, lru): {key: median}} of the runs that finished, and the
    INFO of the first one."""
    res, info = {}, {}
    for s in scenarios:
        for lru in lrus:
            found = []
            for r in range(1, runs + 1):
                path = os.path.join(directory, "r-%s-%s-%d.txt" % (s, lru, r))
                try:
                    with open(path, encoding="utf-8", errors="replace") as f:
                        text = f.read()
                except OSError:
                    continue
                one = parse_result(text)
                if one.get("ok") != 1:
                    continue
                found.append(one)
                if not info:
                    info = parse_info(text)
            if found:
                res[(s, lru)] = median_of(found)
    return res, info


def median_of(results):
    """Per key, the median over the runs that have it."""
    keys = set()
    for r in results:
        keys.update(r)
    return {k: statistics.median([r[k] for r in results if k in r])
            for k in keys}


def ratio(ours, base):
    """ours / base, or None where it means nothing."""
    if ours is None or base is None:
        return None
    if base == 0:
        return 1.0 if ours == 0 else None
    return ours / base


def within(ours, base, direction, floor=0, tol=TOLERANCE):
    """Whether ours is within tol of base (or better), None if unknown."""
    if ours is None or base is None or direction is None:
        return None
    if abs(ours - base) <= floor:
        return True
    if direction == "lower":
        return ours <= base * (1 + tol)
    if direction == "higher":
        return ours >= base * (1 - tol)
    if direction == "both":
        return base * (1 - tol) <= ours <= base * (1 + tol)
    raise ValueError("unknown direction %r" % direction)


def no_worse(ours, base, floor=0):
    """ours <= base, give or take floor; None if unknown."""
    if ours is None or base is None:
        return None
    return ours <= base + floor


def fmt(x):
    if x is None:
        return "–"
    if x == int(x) and abs(x) < 1e15:
        return "%d" % x
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x


def fmt_ratio(r):
    return "–" if r is None else "%.2f" % r


def verdict(v):
    return {True: "met", False: "**not met**", None: "not judged"}[v]


def scenario_table(scenario, lrus, data):
    """The markdown table of one scenario: rows of figures, per LRU base,
    ours and ours/base."""
    head = "| figure |"
    sep = "|---|"
    for lru in lrus:
        head += " %s base | %s ours | ours/base |" % (lru, lru)
        sep += "--:|--:|--:|"
    lines = [head, sep]
    for key, label, direction, _floor in metrics(scenario):
        row = "| %s%s |" % (label, "" if direction else " ¹")
        any_value = False
        for lru in lrus:
            b = data.get("base", {}).get((scenario, lru), {}).get(key)
            o = data.get("on", {}).get((scenario, lru), {}).get(key)
            any_value = any_value or b is not None or o is not None
            row += " %s | %s | %s |" % (fmt(b), fmt(o), fmt_ratio(ratio(o, b)))
        if any_value:
            lines.append(row)
    return lines


def target_within(scenario, lru, data):
    """Target 1: every judged figure of ours within 10% of base.  Returns
    (verdict, text)."""
    b = data.get("base", {}).get((scenario, lru))
    o = data.get("on", {}).get((scenario, lru))
    if b is None or o is None:
        return None, "no result for %s" % ("base" if b is None else "ours")
    bad, judged = [], 0
    for key, _label, direction, floor in metrics(scenario):
        if direction is None or key == THROUGHPUT[0]:
            continue
        v = within(o.get(key), b.get(key), direction, floor)
        if v is None:
            continue
        judged += 1
        if not v:
            bad.append("%s %s vs %s" % (key, fmt(o.get(key)), fmt(b.get(key))))
    if not judged:
        return None, "no figure to compare"
    if bad:
        return False, "outside: " + "; ".join(bad)
    return True, "%d figures within %d%%" % (judged, TOLERANCE * 100)


def target_pinned(scenario, lru, kernel, data):
    """Target 2: kswapd's anon reclaim in 2 >= 0.8 x 1a, same kernel."""
    one = data.get(kernel, {}).get(("1a", lru), {}).get("kswapd_anon")
    two = data.get(kernel, {}).get((scenario, lru), {}).get("kswapd_anon")
    if one is None or two is None:
        return None, "no result"
    if one == 0:
        return None, "kswapd reclaimed no anonymous memory in 1a"
    return two >= 0.8 * one, "%s / %s = %.2f" % (fmt(two), fmt(one), two / one)


def target_bystander(scenario, lru, data):
    """Target 3: B's refaults and swap-outs no worse than on base."""
    b = data.get("base", {}).get((scenario, lru))
    o = data.get("on", {}).get((scenario, lru))
    if b is None or o is None:
        return [(None, "refaults", "no result"), (None, "swap", "no result")]

    def refaults(d):
        f = d.get("b_workingset_refault_file")
        a = d.get("b_workingset_refault_anon")
        return None if f is None or a is None else f + a

    rb, ro = refaults(b), refaults(o)
    sb, so = b.get("b_swap_current_kib"), o.get("b_swap_current_kib")
    return [
        (no_worse(ro, rb, PAGES), "refaults",
         "ours %s, base %s" % (fmt(ro), fmt(rb))),
        (no_worse(so, sb, 1024), "swap",
         "ours %s KiB, base %s KiB" % (fmt(so), fmt(sb))),
    ]


def target_hotset(lru, data):
    """Target 5: the hot set's drops on ours <= on base."""
    b = data.get("base", {}).get(("5", lru), {}).get("hot_drops")
    o = data.get("on", {}).get(("5", lru), {}).get("hot_drops")
    if b is None or o is None:
        return None, "no result"
    return o <= b, "ours %s, base %s" % (fmt(o), fmt(b))


def targets(scenarios, lrus, data):
    """[(target, scenario, lru, verdict, text)]"""
    out = []
    for lru in lrus:
        for s in scenarios:
            if s in WITHIN_SCENARIOS:
                v, t = target_within(s, lru, data)
                out.append(("every reclaim figure of ours within 10% of base",
                            s, lru, v, t))
        for s in ("2i", "2ii"):
            if s in scenarios and "1a" in scenarios:
                v, t = target_pinned(s, lru, "on", data)
                bv, bt = target_pinned(s, lru, "base", data)
                out.append(("ours: kswapd's anon reclaim ≥ 0.8 × 1a's", s, lru,
                            v, t + (" (base: %s)" % bt if bv is not None else "")))
        for s in ("3i", "3ii"):
            if s in scenarios:
                for v, what, t in target_bystander(s, lru, data):
                    name = ("B's refaults (file + anon) no worse than base"
                            if what == "refaults" else
                            "B's swap-outs (memory.swap.current) no worse than base")
                    out.append((name, s, lru, v, t))
        if "5" in scenarios:
            v, t = target_hotset(lru, data)
            out.append(("hot droppable set: drops ours ≤ base", "5", lru, v, t))
    return out


def render(args, data, infos):
    scenarios, lrus = args.scenarios, args.lrus
    have = [k for k in ("base", "on") if k in data]
    lines = [
        "# Reclaim regression: what the droppable reclaim policy costs "
        "everybody else",
        "",
        "<!-- Generated by `make reclaim` (kernel/scripts/reclaim.sh, "
        "reclaim_report.py); do not edit. -->",
        "",
        "Workloads that do not use droppable memory, run on the pristine "
        "upstream kernel (`base`, VMA-based MAP_DROPPABLE) and on this "
        "series (`ours`, folio-flag MAP_DROPPABLE), each booted in the same "
        "QEMU guest in one run, on the classic LRU and on MGLRU, with 1 GiB "
        "of zram swap at swappiness 100 and the page cache dropped before "
        "each scenario (`selftests/droppable_regress.c`, one scenario per "
        "invocation).  Files live on vfat on a zram block device of their "
        "own.  Figures are deltas over the measured phase of each scenario: "
        "/proc/vmstat (`allocstall` sums all zones), PSI memory totals, and "
        "the pages kswapd reclaimed according to the "
        "`vmscan:mm_vmscan_lru_shrink_inactive` tracepoint (a tracefs "
        "instance of the program's own; anon: `RECLAIM_WB_ANON`, file: the "
        "rest; kswapd recognised by its pid).  Throughput is the workload's "
        "own (MiB/s written or read; 3: what B read during the pressure; "
        "5: the stream).",
        "",
        "- Date: %s" % datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "- Command: `%s`" % args.command,
        "- Runs: %d per scenario and LRU%s; hot phase %d s" % (
            args.runs, " (medians)" if args.runs > 1 else
            " (single runs: under TCG one run's noise can exceed 10%)",
            args.hot_secs),
    ]
    names = {"base": "base", "on": "ours"}
    for k in sorted(data, key=lambda x: (x != "base", x)):
        extra = ""
        if k in args.klog_bad:
            extra = " (its kernel log reports problems: see dmesg.txt)"
        desc = {"base": "the pristine upstream kernel (%s)" % args.base_version,
                "on": "base + this series, CONFIG_MAP_DROPPABLE=y"}.get(
                    k, "kernel variant %s" % k)
        lines.append("- Kernel `%s` (%s): `%s`, %s; guest: %s%s" % (
            k, names.get(k, k), infos.get(k, {}).get("uname", "?"), desc,
            args.guest.get(k, "unknown"), extra))
    if any(d.get("psi") == 0 for r in data.values() for d in r.values()):
        lines.append("- PSI: not measured: the guest kernels are built without "
                     "`CONFIG_PSI` (/proc/pressure/memory is absent); "
                     "`CONFIG_PSI=y` in kernel/config/droppable.config would "
                     "add the rows")
    if len(have) < 2:
        lines.append("- Only %s ran: no ratios, no targets that need both "
                     "kernels" % (", ".join(names.get(k, k) for k in data) or
                                  "nothing"))
    lines += ["", "## Results", "",
              "Pages are 4 KiB.  Memory-cgroup reclaim (1c, 3ii, 5) shows in "
              "the cgroups' memory.stat rows, not in /proc/vmstat's "
              "pgscan/pgsteal nor in kswapd's.  Rows marked ¹ are shown, not "
              "judged; the others are judged \"within 10% of base, or "
              "better\" (lower is better, except pgsteal_kswapd, kswapd's "
              "reclaim and a memcg's pgsteal, which must be within 10% "
              "either way) in scenarios 1-4.  A difference of at most 1 MiB "
              "(256 pages, 1024 KiB), 16 allocation stalls or 0.1 s of PSI "
              "counts as none.", ""]
    for s in scenarios:
        lines += ["### " + TITLES[s], ""]
        lines += scenario_table(s, lrus, data)
        lines.append("")
    lines += ["## Targets", "",
              "1. In scenarios 1-4 every judged figure of ours within 10% of "
              "base, or better (the rows without ¹ above).",
              "2. In 2i and 2ii kswapd's anonymous reclaim (tracepoint) at "
              "least 0.8 × its value in 1a, on the same kernel and LRU: "
              "droppable memory that cannot be dropped must not turn "
              "kswapd away from anonymous memory.",
              "3. In 3i and 3ii the bystander B's refaults "
              "(workingset_refault_file + _anon of its memory.stat) and its "
              "swap-outs (memory.swap.current at the end of the pressure) no "
              "worse than on base.",
              "4. In 5 the hot droppable set survives at least as well as on "
              "base: pages found dropped, ours ≤ base.",
              "",
              "| target | scenario | LRU | | figures |",
              "|---|---|---|---|---|"]
    tl = targets(scenarios, lrus, data)
    for name, s, lru, v, t in tl:
        lines.append("| %s | %s | %s | %s | %s |" % (name, s, lru, verdict(v), t))
    met = sum(1 for t in tl if t[3] is True)
    notmet = sum(1 for t in tl if t[3] is False)
    lines += ["", "%d met, %d not met, %d not judged." % (
        met, notmet, len(tl) - met - notmet), ""]
    return "\n".join(lines), tl


def split_words(text, allowed, what):
    words = text.split()
    if not words:
        raise ReportError("%s is empty" % what)
    for w in words:
        if w not in allowed:
            raise ReportError("%s may hold %s, not '%s'" % (
                what, " ".join(allowed), w))
    return words


def name_value(text, what):
    if "=" not in text or not text.split("=", 1)[0]:
        raise ReportError("%s must be NAME=VALUE, got '%s'" % (what, text))
    return text.split("=", 1)


def parse_args(argv):
    p = Parser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--kernel", action="append", default=[])
    p.add_argument("--guest", action="append", default=[])
    p.add_argument("--klog-bad", action="append", default=[])
    p.add_argument("--scenarios", default=" ".join(SCENARIOS))
    p.add_argument("--lrus", default=" ".join(LRUS))
    p.add_argument("--runs", default="1")
    p.add_argument("--hot-secs", default="10")
    p.add_argument("--command", default="make reclaim")
    p.add_argument("--base-version", default="?")
    args = p.parse_args(argv)
    args.scenarios = split_words(args.scenarios, SCENARIOS, "--scenarios")
    args.lrus = split_words(args.lrus, LRUS, "--lrus")
    for name in ("runs", "hot_secs"):
        val = getattr(args, name)
        if not val.isdigit() or int(val) < 1:
            raise ReportError("--%s must be a positive number, got '%s'" % (
                name.replace("_", "-"), val))
        setattr(args, name, int(val))
    if not args.kernel:
        raise ReportError("no --kernel NAME=DIR given")
    kernels = {}
    for k in args.kernel:
        name, d = name_value(k, "--kernel")
        if not os.path.isdir(d):
            raise ReportError("--kernel %s: no directory %s" % (name, d))
        kernels[name] = d
    args.kernel = kernels
    args.guest = dict(name_value(g, "--guest") for g in args.guest)
    return args


def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except ReportError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    data, infos = {}, {}
    for name, d in args.kernel.items():
        data[name], infos[name] = load_kernel(d, args.scenarios, args.lrus,
                                              args.runs)
    text, tl = render(args, data, infos)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.out)
    for name, s, lru, v, t in tl:
        print("%-11s %-4s %-8s %s: %s" % (verdict(v).replace("*", ""), s, lru,
                                          name, t))
    return 0


if __name__ == "__main__":
    sys.exit(main())
