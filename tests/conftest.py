"""Fixtures shared by every test layer.

`emulator` is the offline HTTPS emulator (tests/emulator), started once per session on loopback and
reset and re-seeded with the default fixture (tests/emulator/fixtures/default/*.json) before each test that
asks for it.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from tests.emulator import Emulator

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_FIXTURE = ROOT / "tests" / "emulator" / "fixtures" / "default"


def load_default_fixture() -> dict:
    """The default seed: one JSON file per service section (directory, arm, dataverse), merged."""
    fixture: dict = {}
    for path in sorted(DEFAULT_FIXTURE.glob("*.json")):
        fixture.update(json.loads(path.read_text(encoding="utf-8")))
    return fixture


@pytest.fixture(scope="session")
def emulator_server():
    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(emulator_server):
    """A freshly reset emulator seeded with the default fixture."""
    emulator_server.reset()
    emulator_server.seed(load_default_fixture())
    yield emulator_server
    emulator_server.clear_faults()
