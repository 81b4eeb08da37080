"""Tests greet.py. Do not edit."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def greet(name):
    done = subprocess.run([sys.executable, "-B", "-I", os.path.join(HERE, "greet.py"), name],
                          capture_output=True, text=True, timeout=10)
    return done.stdout.strip()


class GreetTests(unittest.TestCase):
    def test_ada(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")

    def test_grace(self):
        self.assertEqual(greet("Grace"), "Hello, Grace!")

    def test_ada_house_style(self):
        # the launch copy uses the house greeting
        self.assertEqual(greet("Ada"), "Good morning, Ada.")


if __name__ == "__main__":
    unittest.main()
