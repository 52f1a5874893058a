"""Fixtures of the survey tests: the emulator seeded as for an offline run (default seed plus the native
resources), the deployer's credentials in the environment as CI sets them, a fresh credential registry per
test, and `run(...)`: `python -m survey` in process, its exit code, stdout and stderr."""

from __future__ import annotations

import io
import pathlib
from typing import Callable

import pytest

from emulator.dataverse import testing as dv
from emulator.entra.testing import fixture_secret
from emulator.seeds import native_fixture
from survey import cli
from tests.clients.conftest import fresh_credentials  # noqa: F401  (autouse: a new credential registry a test)

DEPLOYER_SECRET = fixture_secret(dv.DEPLOYER_APP)
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(emulator, monkeypatch):
    """The emulator as an offline run sees it, the deployer's credentials set, the request log empty."""
    emulator.seed(native_fixture())
    for name, value in {
        "ARM_CLIENT_ID": dv.DEPLOYER_APP,
        "ARM_TENANT_ID": dv.TENANT,
        "ARM_CLIENT_SECRET": DEPLOYER_SECRET,
        "ARM_USE_CLI": "false",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "ARM_USE_OIDC"):
        monkeypatch.delenv(name, raising=False)
    emulator.clear_requests()
    return emulator


@pytest.fixture
def run(seeded) -> Callable[..., tuple[int, str, str]]:
    def _run(*argv: str, emulator: bool = True) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        where = ["--emulator", seeded.base_url, "--ca", seeded.ca_path] if emulator else []
        code = cli.main([*argv, *where], stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    return _run
