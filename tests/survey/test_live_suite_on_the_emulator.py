"""tests/live runs unchanged against the emulator when pointed at it (HANDOFF_LIVE_EMULATOR), so the live
scenarios cannot rot while CI skips them; without the variables it is collected and skipped with its
reason."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from emulator.dataverse import testing as dv

from .conftest import DEPLOYER_SECRET, ROOT

_LIVE_VARIABLES = [name for name in os.environ if name.startswith("HANDOFF_LIVE_")]


def _pytest_live(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _LIVE_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", "tests/live"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_live_suite_is_skipped_with_its_reason_without_the_variables():
    result = _pytest_live({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 skipped" in result.stdout
    assert "set HANDOFF_LIVE_TESTS=1" in result.stdout


@pytest.mark.parametrize(
    "stack, extra",
    [("dev", {}), ("prod", {"HANDOFF_LIVE_BOT_APP_ID": dv.PROD_BOT_APP})],
    ids=["copilot-agent", "azure-bot"],
)
def test_live_suite_passes_against_the_emulator(seeded, stack, extra):
    seeded.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    env = {
        "HANDOFF_LIVE_TESTS": "1",
        "HANDOFF_LIVE_STACK": stack,
        "HANDOFF_LIVE_QUEUE": "Bot escalations",
        "HANDOFF_LIVE_WORKSTREAM": "Contoso chat",
        "HANDOFF_LIVE_EMULATOR": seeded.base_url,
        "HANDOFF_LIVE_CA": seeded.ca_path,
        "ARM_CLIENT_ID": dv.DEPLOYER_APP,
        "ARM_TENANT_ID": dv.TENANT,
        "ARM_CLIENT_SECRET": DEPLOYER_SECRET,
        "ARM_USE_CLI": "false",
        "NO_PROXY": "127.0.0.1,localhost",
        **extra,
    }
    result = _pytest_live(env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 passed" in result.stdout
