"""Checks count.txt against notes.txt. Do not edit."""
import hashlib
import sys
from pathlib import Path

NOTES = Path("notes.txt")
# SHA-256 of the notes as approved, so the count cannot drift.
EXPECTED_SHA256 = "815807662fa7beb3c9a01beb4d20dd0bdc51238fdf0d4213cbdbffa57555f6b7"


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


if not NOTES.is_file():
    fail(f"{NOTES} not found")
raw = NOTES.read_bytes()
if hashlib.sha256(raw).hexdigest() != EXPECTED_SHA256:
    fail(f"{NOTES} is not the approved notes (checksum mismatch)")
expected = str(len(raw.decode("utf-8").split()))

out = Path("count.txt")
if not out.is_file():
    fail("count.txt not found")
got = out.read_text(encoding="utf-8").strip()
if got != expected:
    fail(f"count.txt contains {got!r}, which is not the number of words in {NOTES}")
print("OK: count.txt is correct")
