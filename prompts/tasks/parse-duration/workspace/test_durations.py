import os
import sys
import unittest

# Import the code under test from this folder, after the standard library.
sys.path.append(os.path.dirname(os.path.abspath(__file__)))
from durations import parse_duration  # noqa: E402


class ParseDurationTests(unittest.TestCase):
    def test_hours_and_minutes(self):
        self.assertEqual(parse_duration("3h20m"), 200)

    def test_minutes_only(self):
        self.assertEqual(parse_duration("45m"), 45)

    def test_hours_only(self):
        self.assertEqual(parse_duration("2h"), 120)

    def test_whitespace_is_ignored(self):
        self.assertEqual(parse_duration(" 1h5m "), 65)

    def test_zero(self):
        self.assertEqual(parse_duration("0h0m"), 0)

    def test_invalid_strings(self):
        for text in ["", "abc", "5", "20m3h", "h", "3h20"]:
            with self.subTest(text=text):
                with self.assertRaises(ValueError):
                    parse_duration(text)


if __name__ == "__main__":
    unittest.main()
