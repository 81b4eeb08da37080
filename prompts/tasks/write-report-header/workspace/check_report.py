"""Checks report.json against results.csv. Do not edit."""
import csv
import json
import sys
from pathlib import Path


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


with open("results.csv", newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
failed_tests = [row["test"] for row in rows if row["status"] == "fail"]
expected = {
    "passed": len(rows) - len(failed_tests),
    "failed": len(failed_tests),
    "failed_tests": failed_tests,
}

path = Path("report.json")
if not path.is_file():
    fail("report.json not found")
text = path.read_text(encoding="utf-8")
lines = text.splitlines()
if not lines or lines[0] != "# report":
    fail("the first line of report.json must be exactly: # report")
try:
    report = json.loads(text)
except ValueError as error:
    fail(f"report.json is not valid JSON: {error}")
if not isinstance(report, dict):
    fail("report.json must contain a JSON object")
for key, value in expected.items():
    if report.get(key) != value:
        fail(f"report.json has the wrong value for {key!r}")
print("OK: report.json is correct")
