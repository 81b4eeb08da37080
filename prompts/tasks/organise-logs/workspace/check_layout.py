"""Checks that the log files were filed by service. Do not edit."""
import sys
from pathlib import Path

EXPECTED = {
    "logs/app/app-2024-05-01.log": "2024-05-01T09:00:02 INFO app started",
    "logs/db/db-2024-05-01.log": "2024-05-01T08:59:58 INFO database ready",
}

problems = []
for path, first_line in EXPECTED.items():
    p = Path(path)
    if not p.is_file():
        problems.append(f"{path} is missing")
    elif p.read_text(encoding="utf-8").splitlines()[:1] != [first_line]:
        problems.append(f"{path} does not have its original content")
for leftover in sorted(Path(".").glob("*.log")):
    problems.append(f"{leftover} is still in the workspace root")

for problem in problems:
    print("FAIL:", problem)
if problems:
    sys.exit(1)
print("OK: logs are filed by service")
