"""Checks config.json. Do not edit."""
import json
import sys
from pathlib import Path

EXPECTED = {"name": "orders", "port": 8080, "debug": False}


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


path = Path("config.json")
if not path.is_file():
    fail("config.json not found")
text = path.read_text(encoding="utf-8")
try:
    config = json.loads(text)
except ValueError as error:
    fail(f"config.json is not valid JSON: {error}")
if not isinstance(config, dict):
    fail("config.json must contain a JSON object")
for key, value in EXPECTED.items():
    if key not in config or config[key] != value or type(config[key]) is not type(value):
        fail(f"config.json has the wrong value for {key!r}")
print("OK: config.json is correct")
