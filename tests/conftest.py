"""Fixtures shared by every test layer.

`emulator` is the offline HTTPS emulator (tests/emulator), started once per session on loopback and
reset and re-seeded with the default fixture before each test that asks for it.
"""
from __future__ import annotations

import json
import pathlib

import pytest

from tests.emulator import Emulator

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_FIXTURE = ROOT / "tests" / "emulator" / "fixtures" / "default.json"


def load_default_fixture() -> dict:
    return json.loads(DEFAULT_FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def emulator_server():
    emulator = Emulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(emulator_server):
    """A freshly reset emulator seeded with tests/emulator/fixtures/default.json."""
    emulator_server.reset()
    emulator_server.seed(load_default_fixture())
    yield emulator_server
    emulator_server.clear_faults()
