"""`python -m survey` against the emulator: what it lists, and that it only reads."""

from __future__ import annotations

import io
import json

from emulator.dataverse import testing as dv
from survey import cli

from .conftest import DEPLOYER_SECRET


def _sections(out: str) -> dict:
    return json.loads(out)["sections"]


def test_survey_of_a_connected_agent_lists_its_bot_user_queue_and_workstream(run, seeded):
    connected = seeded.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    code, out, err = run("--stack", "dev", "--format", "json")
    assert code == 0, err
    sections = _sections(out)
    agents = {a["schema_name"]: a for a in sections["agents"]}
    assert agents[dv.CONTOSO_HELPER_SCHEMA]["name_length"] == len(agents[dv.CONTOSO_HELPER_SCHEMA]["name"])
    assert agents[dv.CONTOSO_HELPER_SCHEMA]["bot_user_app_ids"] == [connected["appId"]]
    assert agents["cr5a1_draftAgent"]["bot_user_app_ids"] == []
    users = {u["app_id"]: u for u in sections["botUsers"]}
    assert users[connected["appId"]]["provider"] == "copilotStudio"
    assert users[connected["appId"]]["soft_deleted"] is False
    assert "Bot escalations" in {q["name"] for q in sections["queues"]}
    assert "Contoso chat" in {w["name"] for w in sections["workstreams"]}
    resources = {r["resource"]: r for r in sections["stackResources"]}
    assert resources["bot user (omnichannel-user)"]["exists"] is True
    assert resources["Copilot Studio agent"]["exists"] is True


def test_survey_sends_only_get_requests_besides_token_requests(run, seeded):
    seeded.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    seeded.clear_requests()
    for stack in ("dev", "prod"):
        code, _, err = run("--stack", stack, "--format", "json")
        assert code == 0, err
    log = seeded.requests()
    assert {r.service for r in log} >= {"dataverse", "arm"}
    assert [(r.method, r.path) for r in log if r.method != "GET" and r.service != "entra"] == []


def test_survey_of_an_azure_bot_stack_lists_its_channels_and_existing_native_resources(run):
    code, out, err = run("--stack", "prod", "--format", "json")
    assert code == 0, err
    sections = _sections(out)
    channels = {c["channel"]: c for c in sections["channels"]}
    assert channels["MsTeamsChannel"]["exists"] is True
    resources = {r["resource"]: r for r in sections["stackResources"]}
    assert resources["Azure Bot (channel-bot)"]["exists"] is True
    assert resources["app registration (bot-app, bot-sp)"]["exists"] is True


def test_markdown_survey_has_a_table_per_section(run):
    code, out, err = run("--dataverse-url", dv.DEV)
    assert code == 0, err
    assert out.startswith(f"# Hand-off survey of {dv.DEV}")
    for title in ("## Copilot Studio agents", "## Bot application users", "## Omnichannel queues"):
        assert title in out
    assert "| schema_name |" in out


def test_survey_of_an_azure_bot_stack_without_its_azure_bot_says_up_creates_it(emulator, monkeypatch):
    """The default seed has no prod Azure Bot (the native seed adds it): nothing to import, up creates it."""
    for name, value in {"ARM_CLIENT_ID": dv.DEPLOYER_APP, "ARM_TENANT_ID": dv.TENANT}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ARM_CLIENT_SECRET", DEPLOYER_SECRET)
    monkeypatch.setenv("ARM_USE_CLI", "false")
    out, err = io.StringIO(), io.StringIO()
    where = ["--emulator", emulator.base_url, "--ca", emulator.ca_path]
    assert cli.main(["--stack", "prod", "--format", "json", *where], stdout=out, stderr=err) == 0, (
        err.getvalue()
    )
    document = json.loads(out.getvalue())
    resources = {r["resource"]: r for r in document["sections"]["stackResources"]}
    assert resources["Azure Bot (channel-bot)"]["exists"] is False
    assert resources["Azure Bot (channel-bot)"]["detail"] == "created by up"
    assert any("does not exist (yet)" in note for note in document["notes"])
