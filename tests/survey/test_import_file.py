"""docs/live.md's `pulumi import` file for taking over an Azure bot's native resources names them as the
program registers them (type token, name, parent component, explicit provider; the ids of the stack's Azure
Bot and channels), checked against the program evaluated under mocks for the prod stack."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from offline.program import run_program

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "live.md"
IMPORTED_ROLES = ("bot-app", "bot-sp", "channel-bot", "channel-omnichannel", "channel-teams")


def _engine_urn(reference: str) -> str:
    """The SDK's mocks qualify a top-level resource's URN with the root stack's type
    (`pulumi:pulumi:Stack$…`); the engine does not (a top-level URN is
    `urn:pulumi:<stack>::<project>::<type>::<name>`), and the import file must use the engine's."""
    return reference.replace("::pulumi:pulumi:Stack$", "::", 1)


@pytest.fixture(scope="module")
def import_file() -> dict:
    taking_over = DOC.read_text(encoding="utf-8").split("## Taking over an existing setup", 1)[1]
    (block,) = re.findall(r"```json\n(.*?)```", taking_over, re.S)
    return json.loads(block)


@pytest.fixture(scope="module")
def prod():
    return run_program(stack="prod")


def test_import_file_names_every_native_resource_as_the_program_registers_it(import_file, prod):
    entries = {entry["name"]: entry for entry in import_file["resources"]}
    assert set(IMPORTED_ROLES) <= set(entries)
    for name in IMPORTED_ROLES:
        entry, registered = entries[name], prod.named(name)
        assert entry["type"] == registered.type, name
        parent = prod.by_urn(registered.parent)
        assert (entries[entry["parent"]]["type"], entry["parent"]) == (parent.type, parent.name), name
        assert entries[entry["parent"]]["component"] is True
        provider_urn = import_file["nameTable"][entry["provider"]]
        assert _engine_urn(registered.provider).startswith(provider_urn + "::"), name


def test_import_ids_of_the_azure_bot_and_its_channels_are_the_stacks_arm_ids(import_file, prod):
    entries = {entry["name"]: entry for entry in import_file["resources"]}
    bot = prod.named("channel-bot").inputs
    bot_id = (
        f"/subscriptions/{prod.config['handoff:subscriptionId']}/resourceGroups/{bot['resourceGroupName']}"
        f"/providers/Microsoft.BotService/botServices/{bot['resourceName']}"
    )
    assert entries["channel-bot"]["id"] == bot_id
    for name in ("channel-omnichannel", "channel-teams"):
        channel = prod.named(name).inputs["channelName"]
        assert entries[name]["id"] == f"{bot_id}/channels/{channel}"
