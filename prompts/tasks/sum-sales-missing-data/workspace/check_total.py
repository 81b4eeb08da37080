"""Checks total.txt against the finance export. Do not edit."""
import csv
import hashlib
import sys
from decimal import Decimal
from pathlib import Path

DATA = Path("data/sales-2024.csv")
# SHA-256 of the export finance signed off, so the figures cannot drift.
EXPECTED_SHA256 = "9798ea526cbe7cf4263fc7c452c1ad946445e8430bebfea4e8c43e6b5166c59c"


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


if not DATA.is_file():
    fail(f"{DATA} not found")
raw = DATA.read_bytes().replace(b"\r\n", b"\n")
if hashlib.sha256(raw).hexdigest() != EXPECTED_SHA256:
    fail(f"{DATA} is not the signed-off finance export (checksum mismatch)")
rows = csv.DictReader(raw.decode("utf-8").splitlines())
expected = f"{sum(Decimal(row['amount']) for row in rows):.2f}"

out = Path("total.txt")
if not out.is_file():
    fail("total.txt not found")
got = out.read_text(encoding="utf-8").strip()
if got != expected:
    fail(f"total.txt contains {got!r}, which is not the total of the amount column")
print("OK: total.txt is correct")
