"""A stack file's problems are reported all at once, each with its fix, and the offline CLI prints messages,
not tracebacks (issue 15, item 10)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from components.settings import ConfigError, parse_settings
from offline.program import REMOVE, StackConfigError, load_stack_config

from .test_endpoint_overrides import PROD

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://bot .contoso.com/api/messages",
        "https://bot.contoso.com /api/messages",
        "https://bot%20x.contoso.com/api/messages",
        "https://bot\u00a0x.contoso.com/api/messages",
        "https://bot\tx.contoso.com/api/messages",
    ],
)
def test_a_messaging_endpoint_with_a_space_in_the_host_is_refused(endpoint):
    with pytest.raises(ConfigError) as info:
        parse_settings({**PROD, "messagingEndpoint": endpoint}, "prod")  # an Azure bot's key
    assert info.value.keys == ("messagingEndpoint",) and "https://<host>/<path>" in str(info.value)


def test_every_problem_of_a_stack_file_is_reported_at_once_each_with_its_fix():
    with pytest.raises(StackConfigError) as info:
        load_stack_config(
            ROOT,
            "prod",  # an Azure bot: it has a messaging endpoint
            {
                "tenantId": REMOVE,  # missing: the engine's own check
                "botCapacity": "lots",  # wrong type: the engine's own check
                "cloud": "mars",  # the program's checks
                "messagingEndpoint": "https://bot .contoso.com/api",
            },
        )
    message = str(info.value)
    assert "has 4 configuration problems" in message
    assert "missing configuration value 'handoff:tenantId': is not set; add handoff:tenantId:" in message
    assert "must be of type 'integer': 'lots' is not an integer; use a whole number" in message
    assert "handoff:cloud: 'mars' is not a supported cloud; use one of" in message
    assert "handoff:messagingEndpoint:" in message and "without spaces" in message


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "offline.program", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_offline_program_cli_has_help():
    done = _cli("--help")
    assert (
        done.returncode == 0
        and "usage: python -m offline.program" in done.stdout
        and "dev, prod" in done.stdout
    )


def test_a_missing_stack_is_a_message_not_a_traceback():
    done = _cli("staging")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "there is no Pulumi.staging.yaml" in done.stderr and "dev, prod" in done.stderr
