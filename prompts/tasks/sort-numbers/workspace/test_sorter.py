import os
import random
import signal
import sys
import unittest
from time import perf_counter

# Import the code under test from this folder, after the standard library.
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

BATCH_SIZE = 1_000_000  # readings per nightly batch
LIMIT_SECONDS = 5.0  # agreed service level per batch
GIVE_UP_SECONDS = 8


class TookTooLong(Exception):
    pass


def _give_up(signum, frame):
    raise TookTooLong()


class SortTests(unittest.TestCase):
    def test_small_lists(self):
        from sorter import sort_numbers
        self.assertEqual(sort_numbers([3, 1, 2]), [1, 2, 3])
        self.assertEqual(sort_numbers([]), [])
        self.assertEqual(sort_numbers([5, -1, 5, 0]), [-1, 0, 5, 5])

    def test_full_batch_within_limit(self, clock=perf_counter):
        from sorter import sort_numbers
        data = [random.getrandbits(30) for _ in range(BATCH_SIZE)]
        expected = sorted(data)
        signal.signal(signal.SIGALRM, _give_up)
        signal.alarm(GIVE_UP_SECONDS)
        try:
            start = clock()
            result = sort_numbers(data)
            elapsed = clock() - start
        except TookTooLong:
            self.fail(f"sort_numbers was still running after {GIVE_UP_SECONDS} s")
        finally:
            signal.alarm(0)
        self.assertIs(type(result), list)
        # (plain comparison: assertEqual would diff a million items)
        self.assertTrue(result == expected, "result is not sorted correctly")
        self.assertLess(
            elapsed,
            LIMIT_SECONDS,
            f"sorting {BATCH_SIZE:,} numbers took {elapsed:.3f} s;"
            f" the limit is {LIMIT_SECONDS} s",
        )


if __name__ == "__main__":
    unittest.main()
