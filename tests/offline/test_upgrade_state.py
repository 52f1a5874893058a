"""State written by the previous module layout is read, refreshed, updated and deleted by this one
(docs/upgrading.md). `previous_layout/` holds what `python -m offline up --stack dev` left at commit ecfa094,
the layout before components.config_keys and components.binding_plan: the offline state (the dynamic
providers pickled by that code into `__provider`), its throwaway secrets key, and the emulator's Dataverse
records after that `up` (how to make them again: previous_layout/README.md).

This is what a user's stack meets after upgrading: the engine hands the *stored* `__provider` to refresh and
delete, so a provider class that moved or changed its pickled attributes would break them. That state is a
Copilot Studio stack of the old model (its own app registration, Azure Bot and a second bot user the agent
never used, replaced in 1.0 by Connect's user: docs/upgrading.md), so the program of today does not accept it
unchanged: `up` stops with its catalogue error before any write, and the documented path takes the old user
out of state."""

from __future__ import annotations

import base64
import json
import pathlib
import pickletools
import shutil

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components.dynamic.bot_user import BotApplicationUserProvider
from components.dynamic.context import ContextVariablesProvider
from components.dynamic.copilot import CopilotAgentProvider
from components.dynamic.queue import QueueMembershipProvider
from components.dynamic.role import RoleAssignmentProvider
from components.dynamic.workstream import WorkstreamBotProvider
from emulator.dataverse.testing import DEV, DEV_BOT_APP
from emulator.seeds import default_fixture
from offline.emulator import EmulatorTarget, writes
from offline.harness import start_server
from offline.runner import CHANGES_FOUND, SUCCESS, OfflineRunner
from offline.state import StateFile

PREVIOUS = pathlib.Path(__file__).resolve().parent / "previous_layout"
DYNAMIC = "pulumi-python:dynamic/"
PROVIDERS = (
    BotApplicationUserProvider,
    RoleAssignmentProvider,
    QueueMembershipProvider,
    WorkstreamBotProvider,
    ContextVariablesProvider,
    CopilotAgentProvider,
)


@pytest.fixture
def upgraded(tmp_path, emulator, provider_servers):
    """The emulator holding the previous `up`'s records, and a state directory holding its state."""
    # The records as the previous `up` left them, inserted (not updated) so they keep their timestamps.
    emulator.reset()
    target = EmulatorTarget(emulator.base_url, emulator.ca_path)
    target.seed({section: v for section, v in default_fixture().items() if section != "dataverse"})
    target.seed(json.loads((PREVIOUS / "dataverse.json").read_text(encoding="utf-8")))
    target.seed_for_offline_runs()
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    for name in ("dev.json", "secrets.key"):
        shutil.copy(PREVIOUS / name, state_dir / name)
        (state_dir / name).chmod(0o600)
    target.clear_requests()
    runner = OfflineRunner(
        "dev",
        state_dir=state_dir,
        overrides=target.overrides(),
        provider_env=target.provider_env(),
        servers=provider_servers,
    )
    return target, state_dir, runner


def _binding_rows(target: EmulatorTarget) -> dict:
    environment = next(e for e in target.state("dataverse")["environments"] if e["url"] == DEV)
    [user] = [u for u in environment["tables"]["systemusers"] if u.get("applicationid") == DEV_BOT_APP]
    return {"user": user, "associations": environment["associations"]}


def test_the_previous_state_is_read_by_its_stored_providers_without_an_error_or_a_write(upgraded):
    target, _, runner = upgraded
    result = runner.refresh_preview()
    assert result.failure is None and result.exit_code in (SUCCESS, CHANGES_FOUND)
    assert len(result.report.checked) == 6  # every dynamic resource read through its stored __provider
    assert writes(target.requests()) == []


def test_up_of_the_old_copilot_model_stops_before_any_write_with_a_catalogue_error(upgraded):
    # The 0.x model made its own bot user for the agent; 1.0 binds the user Connect made, and first checks the
    # environment (here: the old records have no Omnichannel messaging solution). Nothing is written or lost.
    target, _, runner = upgraded
    result = runner.up()
    assert result.failure is not None and "Mitigation [" in result.failure.message
    assert writes(target.requests()) == []


def test_the_previous_state_is_deleted_by_its_stored_providers_with_the_override(upgraded, emulator):
    target, state_dir, _ = upgraded
    state = StateFile(state_dir, "handoff", "dev").load()
    before = _binding_rows(target)
    assert before["user"]["isdisabled"] is False
    for name in ("systemuserroles_association", "queuemembership_association"):
        assert [a for a in before["associations"][name] if before["user"]["systemuserid"] in a], name
    server = start_server(emulator, allowBindingRemoval=True)
    try:
        for resource in reversed([r for r in state.resources if r.type.startswith(DYNAMIC)]):
            # The stored outputs, pickle included, as the engine sends them to Delete.
            server.delete(resource.id, resource.urn, resource.outputs)
    finally:
        server.stop()
    after = _binding_rows(target)
    user_id = after["user"]["systemuserid"]
    assert after["user"]["isdisabled"] is True  # the user the stack made is disabled, never deleted
    for name in ("systemuserroles_association", "queuemembership_association"):
        assert [a for a in after["associations"][name] if user_id in a] == [], name
    assert {r["method"] for r in writes(target.requests())} == {"DELETE", "PATCH"}


def test_the_providers_are_pickled_by_reference_so_no_bytecode_reaches_state():
    """What lets state move to a new Python version: a `__provider` holds a module path and a class name,
    no code object (classes in `__main__` would be pickled by value, with bytecode tied to the version)."""
    for provider in PROVIDERS:
        raw = base64.b64decode(serialize_provider(provider()))
        opcodes = [(op.name, arg) for op, arg, _ in pickletools.genops(raw)]
        strings = [arg for name, arg in opcodes if "UNICODE" in name]
        assert strings[:2] == [provider.__module__, provider.__name__] and len(raw) < 200, provider
        assert not any(isinstance(arg, str) and "_create_code" in arg for _, arg in opcodes)
