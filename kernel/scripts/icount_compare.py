#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two droppable_bench outputs of the same kernel, booted twice
with instruction counting (boot.sh ICOUNT=1), workload by workload.

    icount_compare.py FIRST SECOND [--tolerance 0.01]

Reads the "RESULT <workload> GiB/s <median> <min> <max> <n>" lines of both
files and prints, per workload found in both, the two medians and their
ratio.  Exit status: 0 if every ratio is within the tolerance of 1, 1 if
one is not, 2 if the input holds no comparable result (a one-line reason
on stderr).
"""
import argparse
import sys


def parse(lines):
    """Map workload -> median GiB/s from droppable_bench RESULT lines."""
    out = {}
    for line in lines:
        f = line.split()
        if len(f) >= 4 and f[0] == "RESULT" and f[2] == "GiB/s":
            try:
                out[f[1]] = float(f[3])
            except ValueError:
                continue
    return out


def compare(first, second, tolerance):
    """[(workload, a, b, ratio, ok)] for the workloads of both, sorted."""
    rows = []
    for w in sorted(set(first) & set(second)):
        a, b = first[w], second[w]
        ratio = a / b if b else float("inf")
        rows.append((w, a, b, ratio, abs(ratio - 1) <= tolerance))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--tolerance", type=float, default=0.01)
    args = ap.parse_args(argv)
    if not 0 < args.tolerance < 1:
        print("icount_compare: --tolerance must be between 0 and 1",
              file=sys.stderr)
        return 2
    try:
        with open(args.first) as f1, open(args.second) as f2:
            rows = compare(parse(f1), parse(f2), args.tolerance)
    except OSError as e:
        print(f"icount_compare: {e}", file=sys.stderr)
        return 2
    if not rows:
        print("icount_compare: no workload with a result in both files",
              file=sys.stderr)
        return 2
    for w, a, b, r, ok in rows:
        print(f"    {w:24s} boot 1 {a:8.4f}  boot 2 {b:8.4f} GiB/s  "
              f"ratio {r:.4f}  {'ok' if ok else 'DIFFERS'}")
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
