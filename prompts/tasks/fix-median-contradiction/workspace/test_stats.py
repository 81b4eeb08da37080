import os
import sys
import unittest

# Import the code under test from this folder, after the standard library.
sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from stats import mean, median  # noqa: E402


class MeanTests(unittest.TestCase):
    def test_mean(self):
        self.assertEqual(mean([1, 2, 3, 4]), 2.5)


class MedianTests(unittest.TestCase):
    def test_single_value(self):
        self.assertEqual(median([7]), 7)

    def test_odd_length(self):
        self.assertEqual(median([3, 1, 2]), 2)

    def test_even_length(self):
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

    def test_even_length_reports_a_real_data_point(self):
        # The dashboard must only ever show values that were actually
        # measured, so an even-length median is the lower middle value.
        self.assertEqual(median([4, 1, 3, 2]), 2)

    def test_two_values(self):
        self.assertEqual(median([10, 20]), 15)

    def test_input_not_modified(self):
        values = [5, 3, 9, 1]
        median(values)
        self.assertEqual(values, [5, 3, 9, 1])


if __name__ == "__main__":
    unittest.main()
