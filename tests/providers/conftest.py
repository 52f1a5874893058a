"""Fixtures of the provider tests: the SDK's provider server (`python -m pulumi.dynamic`, cwd = the repository
root, so the providers unpickle by reference) configured with the dev stack's config, one process per test
module; the emulator seeded with the default fixture plus the native side the program's other components make
(the bot apps, the Azure Bots with their Teams channels); and a "portal": a Dataverse client that makes
changes
out of band, as an administrator's clicks would.
"""

from __future__ import annotations

import pytest

from emulator.dataverse import testing as dv
from emulator.seeds import native_fixture

from .support import start_server


@pytest.fixture(scope="module")
def server(emulator_server):
    """The provider server of a stack without the removal override."""
    srv = start_server(emulator_server)
    yield srv
    srv.stop()


@pytest.fixture
def unconnected(emulator):
    """The default seed plus the native resources, the dev agent not connected; the request log empty."""
    emulator.seed(native_fixture())
    emulator.clear_requests()
    return emulator


@pytest.fixture
def world(unconnected):
    """As `unconnected`, after Copilot Studio's Connect of the dev stack's agent (its bot user made)."""
    unconnected.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    unconnected.clear_requests()
    return unconnected


@pytest.fixture
def portal(world):
    """Out-of-band changes, made through the emulator's Web API as an administrator would."""
    client = dv.DataverseClient(world)
    yield client
    client.close()
