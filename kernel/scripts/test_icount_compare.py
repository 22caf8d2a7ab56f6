# SPDX-License-Identifier: GPL-2.0
"""Tests of icount_compare.py: python3 -m unittest discover -s kernel/scripts"""
import os
import tempfile
import unittest

import icount_compare as ic

SAMPLE = """INFO kernel 6.12.117
RESULT fault_anon_4k GiB/s 0.5000 0.4900 0.5100 5
STAT fault_anon_4k dropped 0
RESULT zap_dontneed_4k GiB/s 3.0000 2.9 3.1 5
RESULT broken GiB/s n/a 0 0 0
SKIP fault_droppable_4k no MAP_DROPPABLE
"""


class Parse(unittest.TestCase):
    def test_results_only(self):
        self.assertEqual(ic.parse(SAMPLE.splitlines()),
                         {"fault_anon_4k": 0.5, "zap_dontneed_4k": 3.0})

    def test_empty(self):
        self.assertEqual(ic.parse([]), {})


class Compare(unittest.TestCase):
    def test_within(self):
        rows = ic.compare({"a": 1.0}, {"a": 1.009}, 0.01)
        self.assertTrue(rows[0][4])

    def test_beyond(self):
        rows = ic.compare({"a": 1.0}, {"a": 1.03}, 0.01)
        self.assertFalse(rows[0][4])

    def test_only_common_workloads(self):
        rows = ic.compare({"a": 1.0, "b": 2.0}, {"b": 2.0, "c": 1.0}, 0.01)
        self.assertEqual([r[0] for r in rows], ["b"])

    def test_zero_second(self):
        self.assertFalse(ic.compare({"a": 1.0}, {"a": 0.0}, 0.01)[0][4])


class Main(unittest.TestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp()
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_exit_codes(self):
        a = self.write(SAMPLE)
        b = self.write(SAMPLE.replace("0.5000", "0.6000"))
        self.assertEqual(ic.main([a, a]), 0)
        self.assertEqual(ic.main([a, b]), 1)
        self.assertEqual(ic.main([a, self.write("nothing\n")]), 2)
        self.assertEqual(ic.main([a, "/nonexistent/file"]), 2)
        self.assertEqual(ic.main([a, a, "--tolerance", "5"]), 2)


if __name__ == "__main__":
    unittest.main()
