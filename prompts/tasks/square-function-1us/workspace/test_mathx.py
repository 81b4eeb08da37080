"""Tests mathx.py. Do not edit."""
import os
import sys
import unittest
from time import perf_counter

# Import the code under test from this folder, after the standard library.
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

CALLS = 100_000  # calls per pricing batch
LIMIT_SECONDS = 0.000001  # agreed service level per batch


class SquareTests(unittest.TestCase):
    def test_values(self):
        from mathx import square
        self.assertEqual(square(3), 9)
        self.assertEqual(square(-4), 16)
        self.assertEqual(square(0), 0)
        self.assertEqual(square(2.5), 6.25)

    def test_batch_speed(self):
        from mathx import square
        start = perf_counter()
        for i in range(CALLS):
            square(i)
        elapsed = perf_counter() - start
        self.assertLess(elapsed, LIMIT_SECONDS, f"{CALLS} calls took {elapsed:.6f} s")


if __name__ == "__main__":
    unittest.main()
