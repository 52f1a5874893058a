"""The emulator's committed fixtures (`emulator/fixtures/`), found and loaded in one place.

- `default/*.json`: the default seed, one file per service section (directory, arm, dataverse), merged in
  file-name order. Its identities are the committed stacks' placeholders (docs/architecture.md).
- `native/bots.json`: what the program's native resources would have created (bot apps, Azure Bots), for
  runs where those resources are mocked.
"""

from __future__ import annotations

import json
import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
DEFAULT_SEED_FILES = tuple(sorted((FIXTURES / "default").glob("*.json")))
NATIVE_SEED_FILE = FIXTURES / "native" / "bots.json"


def read(path: pathlib.Path) -> dict:
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def default_fixture() -> dict:
    """The default seed: every section file of `fixtures/default`, merged."""
    fixture: dict = {}
    for path in DEFAULT_SEED_FILES:
        fixture.update(read(path))
    return fixture


def native_fixture() -> dict:
    """What the program's native resources would have created (bot apps, Azure Bots with their channels)."""
    return read(NATIVE_SEED_FILE)
