"""Fixtures of the client tests: a fresh process-wide credential registry per test, the emulator's CA
trusted through REQUESTS_CA_BUNDLE (as a user would trust a private CA), a ClientConfig pointing every
service at the emulator, the deployer's secret credentials, and a recording sleeper.
"""

from __future__ import annotations

import dataclasses

import pytest

from components.clients import auth
from components.clients.config import ClientConfig
from components.clients.dataverse import DataverseClient

from .support import DEPLOYER, DEPLOYER_SECRET, DEV_URL, TENANT, RecordingSleeper


@pytest.fixture(autouse=True)
def fresh_credentials():
    """Each test starts like a new process: no cached credential or token."""
    auth.forget_credentials()
    yield
    auth.forget_credentials()


@pytest.fixture
def trusted_emulator(emulator, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_path)
    return emulator


@pytest.fixture
def config(trusted_emulator) -> ClientConfig:
    """The stack config of an offline run: every endpoint overridden to the emulator, audiences real."""
    base = trusted_emulator.base_url
    parsed = ClientConfig.from_mapping(
        {
            "handoff:tenantId": TENANT,
            "handoff:cloud": "public",
            "handoff:authorityHost": base,
            "handoff:resourceManagerEndpoint": base,
            "handoff:dataverseApiEndpoint": f"{base}/api/data/v9.2",
        }
    )
    return dataclasses.replace(parsed, graph_endpoint_override=base)


@pytest.fixture
def secret_env() -> dict:
    return {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": DEPLOYER_SECRET}


@pytest.fixture
def sleeper() -> RecordingSleeper:
    return RecordingSleeper()


@pytest.fixture
def dataverse(config, secret_env, sleeper) -> DataverseClient:
    return DataverseClient.connect(config, DEV_URL, environ=secret_env, sleeper=sleeper)
