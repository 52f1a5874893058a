"""The committed stacks pass every mandatory policy: the real program's registrations (evaluated under
mocks by offline.program in the program's venv) fed to the pack's policies (in the pack's venv).

The two venvs cannot share a process (pulumi-policy needs protobuf 5, the program protobuf 6), so the
program runs in a subprocess that prints its registrations as JSON: what the engine would hand the analyzer
(type, URN, wire-name inputs, protect), apart from the engine's own defaults.
"""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

pytest.importorskip(
    "pulumi_policy", reason="the policy pack has its own venv: `make test` runs these tests in policy/venv"
)

from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError  # noqa: E402
from pulumi_policy.proxy import unknown_checking_proxy  # noqa: E402

from policy.rules import POLICIES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
_DUMP = """
import json, sys
from offline.program import run_program
run = run_program(stack=sys.argv[1])
print(json.dumps([{"urn": r.urn, "type": r.type, "name": r.name, "protect": r.protect, "custom": r.custom,
                   "inputs": r.inputs, "outputs": r.outputs} for r in run.registrations], default=str))
"""


def _program_python() -> pathlib.Path:
    for venv in ("venv", ".venv"):
        candidate = ROOT / venv / "bin" / "python"
        if candidate.is_file():
            return candidate
    pytest.skip("no program virtualenv (venv/ or .venv/): run `make setup`")


@pytest.fixture(scope="module", params=STACKS)
def registrations(request) -> list[dict]:
    completed = subprocess.run(
        [str(_program_python()), "-c", _DUMP, request.param],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return [
        r
        for r in json.loads(completed.stdout)
        if not r["type"].startswith(("pulumi:providers:", "pulumi:pulumi:"))
    ]


def _opts(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def _mandatory(kind):
    return [p for p in POLICIES if isinstance(p, kind) and p.enforcement_level is EnforcementLevel.MANDATORY]


def test_every_resource_of_the_committed_stacks_passes_the_mandatory_resource_policies(registrations):
    violations = []
    for registration in registrations:
        args = ResourceValidationArgs(
            resource_type=registration["type"],
            props=unknown_checking_proxy(registration["inputs"]),
            urn=registration["urn"],
            name=registration["name"],
            opts=_opts(registration["protect"]),
            provider=None,
        )
        for policy in _mandatory(ResourceValidationPolicy):
            policy.validate(
                args, lambda message, urn=None, name=policy.name: violations.append((name, message))
            )
    assert violations == []
    assert any(r["type"].startswith("pulumi-python:dynamic/") for r in registrations)


def test_committed_stacks_pass_the_mandatory_stack_policies(registrations):
    resources = [
        PolicyResource(
            resource_type=r["type"],
            props=unknown_checking_proxy({**r["inputs"], **r["outputs"]}),
            urn=r["urn"],
            name=r["name"],
            opts=_opts(r["protect"]),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
        for r in registrations
    ]
    violations: list[str] = []
    applicable = []
    for policy in _mandatory(StackValidationPolicy):
        try:
            policy.validate(
                StackValidationArgs(resources=resources), lambda message, urn=None: violations.append(message)
            )
            applicable.append(policy.name)
        except _NotApplicableError:
            pass
    assert violations == []
    # An Azure bot's stack has an Azure Bot for both stack policies; a Copilot Studio agent's has none.
    azure = any(r.resource_type == "azure-native:botservice:Bot" for r in resources)
    expected = ["dataverse-matches-geography", "azure-bot-has-omnichannel-channel"] if azure else []
    assert applicable == expected
