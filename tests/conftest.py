"""Fixtures shared by every test layer.

`emulator` is the offline HTTPS emulator (`emulator/`), started once per session on loopback and
reset and re-seeded with the default fixture (emulator/fixtures/default/*.json) before each test that
asks for it.
"""

from __future__ import annotations

import pytest

from emulator import Emulator
from emulator.seeds import default_fixture


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
    emulator_server.seed(default_fixture())
    yield emulator_server
    emulator_server.clear_faults()
