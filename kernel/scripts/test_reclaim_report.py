# SPDX-License-Identifier: GPL-2.0
"""Unit tests of reclaim_report.py:

    cd kernel/scripts && python3 -m unittest test_reclaim_report
"""

import io
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

# No __pycache__ in the repository.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reclaim_report as rr  # noqa: E402


def result_text(**kv):
    lines = ["INFO uname 6.12.117", "INFO mem_mib 1986", "scenario 1a",
             "lru classic"]
    lines += ["%s %s" % (k, v) for k, v in kv.items()]
    lines += ["ok 1", "exit 0", "secs 30"]
    return "\n".join(lines) + "\n"


BASE_1A = dict(pgscan_kswapd=1000, pgscan_direct=100, pgsteal_kswapd=800,
               pgsteal_direct=50, kswapd_anon=700, kswapd_file=100,
               pswpout=700, allocstall=2, workingset_refault_file=0,
               workingset_refault_anon=300, psi=0, oom_kill=0,
               throughput_mib_s=100.0)


class Parse(unittest.TestCase):
    def test_numbers_only(self):
        r = rr.parse_result("INFO uname 6.12\nscenario 1a\nlru classic\n"
                            "pgscan_kswapd 12\nthroughput_mib_s 3.5\n"
                            "ERROR something 1\nok 1\n")
        self.assertEqual(r, {"pgscan_kswapd": 12, "throughput_mib_s": 3.5,
                             "ok": 1})

    def test_info(self):
        self.assertEqual(rr.parse_info("INFO uname 6.12.117\nok 1\n"),
                         {"uname": "6.12.117"})

    def test_median(self):
        m = rr.median_of([{"a": 1, "b": 5}, {"a": 3}, {"a": 2, "b": 7}])
        self.assertEqual(m, {"a": 2, "b": 6})


class Judge(unittest.TestCase):
    def test_ratio(self):
        self.assertEqual(rr.ratio(110, 100), 1.1)
        self.assertEqual(rr.ratio(0, 0), 1.0)
        self.assertIsNone(rr.ratio(5, 0))
        self.assertIsNone(rr.ratio(None, 3))

    def test_within_lower(self):
        self.assertTrue(rr.within(1100, 1000, "lower"))
        self.assertFalse(rr.within(1101, 1000, "lower"))
        self.assertTrue(rr.within(10, 1000, "lower"))    # better

    def test_within_both(self):
        self.assertTrue(rr.within(900, 1000, "both"))
        self.assertFalse(rr.within(899, 1000, "both"))
        self.assertFalse(rr.within(1101, 1000, "both"))

    def test_within_higher(self):
        self.assertTrue(rr.within(90, 100, "higher"))
        self.assertFalse(rr.within(89, 100, "higher"))

    def test_floor(self):
        self.assertTrue(rr.within(256, 0, "lower", floor=256))
        self.assertFalse(rr.within(257, 0, "lower", floor=256))
        self.assertFalse(rr.within(1, 0, "lower", floor=0))

    def test_unknown(self):
        self.assertIsNone(rr.within(None, 1, "lower"))
        self.assertIsNone(rr.within(1, 1, None))
        with self.assertRaises(ValueError):
            rr.within(1, 2, "sideways")

    def test_no_worse(self):
        self.assertTrue(rr.no_worse(10, 10))
        self.assertFalse(rr.no_worse(11, 10))
        self.assertTrue(rr.no_worse(11, 10, floor=1))
        self.assertIsNone(rr.no_worse(None, 10))


class Targets(unittest.TestCase):
    def data(self, ours_1a=None, ours_2i=None, base_2i=None):
        base = dict(BASE_1A)
        ours = dict(BASE_1A, **(ours_1a or {}))
        return {
            "base": {("1a", "classic"): base,
                     ("2i", "classic"): dict(BASE_1A, **(base_2i or {}))},
            "on": {("1a", "classic"): ours,
                   ("2i", "classic"): dict(BASE_1A, **(ours_2i or {}))},
        }

    def test_within_met(self):
        v, _ = rr.target_within("1a", "classic", self.data())
        self.assertTrue(v)

    def test_within_not_met_names_the_figure(self):
        v, text = rr.target_within("1a", "classic",
                                   self.data({"pgscan_direct": 5000}))
        self.assertFalse(v)
        self.assertIn("pgscan_direct", text)

    def test_throughput_not_judged(self):
        v, _ = rr.target_within("1a", "classic",
                                self.data({"throughput_mib_s": 1.0}))
        self.assertTrue(v)

    def test_within_missing_base(self):
        d = self.data()
        del d["base"]
        v, text = rr.target_within("1a", "classic", d)
        self.assertIsNone(v)
        self.assertIn("base", text)

    def test_pinned(self):
        d = self.data(ours_2i={"kswapd_anon": 560})    # 0.8 x 700
        self.assertTrue(rr.target_pinned("2i", "classic", "on", d)[0])
        d = self.data(ours_2i={"kswapd_anon": 559})
        self.assertFalse(rr.target_pinned("2i", "classic", "on", d)[0])

    def test_pinned_no_anon_in_1a(self):
        d = self.data(ours_1a={"kswapd_anon": 0})
        self.assertIsNone(rr.target_pinned("2i", "classic", "on", d)[0])

    def test_bystander(self):
        b = {"b_workingset_refault_file": 1000, "b_workingset_refault_anon": 0,
             "b_swap_current_kib": 4096}
        worse = dict(b, b_workingset_refault_file=2000)
        d = {"base": {("3i", "mglru"): b}, "on": {("3i", "mglru"): worse}}
        (rv, _, _), (sv, _, _) = rr.target_bystander("3i", "mglru", d)
        self.assertFalse(rv)
        self.assertTrue(sv)

    def test_hotset(self):
        d = {"base": {("5", "classic"): {"hot_drops": 3}},
             "on": {("5", "classic"): {"hot_drops": 3}}}
        self.assertTrue(rr.target_hotset("classic", d)[0])
        d["on"][("5", "classic")]["hot_drops"] = 4
        self.assertFalse(rr.target_hotset("classic", d)[0])

    def test_scenario5_only_drops_judged(self):
        judged = [k for k, _l, d, _f in rr.metrics("5") if d]
        self.assertEqual(judged, ["hot_drops"])


class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        for k, vals in (("base", BASE_1A),
                        ("on", dict(BASE_1A, pgscan_direct=1000))):
            d = os.path.join(self.tmp, k)
            os.mkdir(d)
            with open(os.path.join(d, "r-1a-classic-1.txt"), "w") as f:
                f.write(result_text(**vals))
            # A failed run has no "ok 1": it must not count.
            with open(os.path.join(d, "r-1a-mglru-1.txt"), "w") as f:
                f.write("ERROR the anonymous writer killed by signal 9\n"
                        "exit 1\n")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_main(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            rc = rr.main(list(args))
        return rc, out.getvalue(), err.getvalue()

    def test_report(self):
        md = os.path.join(self.tmp, "r.md")
        rc, out, _ = self.run_main(
            "--out", md, "--scenarios", "1a", "--lrus", "classic mglru",
            "--kernel", "base=" + os.path.join(self.tmp, "base"),
            "--kernel", "on=" + os.path.join(self.tmp, "on"))
        self.assertEqual(rc, 0)
        with open(md, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("| pgscan_direct (pages) | 100 | 1000 | 10.00 |", text)
        self.assertIn("**not met**", text)
        self.assertIn("no result for base", text)    # the mglru run failed
        self.assertIn("CONFIG_PSI", text)
        self.assertIn("not met", out)

    def test_bad_scenario(self):
        rc, _, err = self.run_main("--out", "x", "--scenarios", "1a 7",
                                   "--kernel", "on=" + self.tmp)
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1)
        self.assertIn("'7'", err)

    def test_bad_lru(self):
        rc, _, err = self.run_main("--out", "x", "--lrus", "lfu",
                                   "--kernel", "on=" + self.tmp)
        self.assertEqual(rc, 2)
        self.assertIn("'lfu'", err)

    def test_bad_runs(self):
        rc, _, err = self.run_main("--out", "x", "--runs", "two",
                                   "--kernel", "on=" + self.tmp)
        self.assertEqual(rc, 2)
        self.assertIn("--runs", err)

    def test_missing_dir(self):
        rc, _, err = self.run_main("--out", "x", "--kernel",
                                   "on=" + os.path.join(self.tmp, "nope"))
        self.assertEqual(rc, 2)
        self.assertIn("no directory", err)

    def test_unknown_option(self):
        rc, _, err = self.run_main("--out", "x", "--frobnicate")
        self.assertEqual(rc, 2)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_no_kernel(self):
        rc, _, err = self.run_main("--out", "x")
        self.assertEqual(rc, 2)
        self.assertIn("--kernel", err)


if __name__ == "__main__":
    unittest.main()
