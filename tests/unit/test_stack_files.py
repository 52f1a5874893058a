"""Pulumi.yaml is the contract of every stack file: it declares exactly the keys settings reads (same types,
defaults and descriptions), every stack file key is declared, and the committed stacks use the shared fixture
identities of docs/architecture.md. Also how the offline harness turns them into the engine's config."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml

from components.config_keys import schema_default
from components.settings import KEYS, REQUIRED
from offline.program import StackConfigError, load_stack_config

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
STACK_FILES = sorted(ROOT.glob("Pulumi.*.yaml"))


def stack_config(path: pathlib.Path) -> dict:
    return yaml.safe_load(path.read_text()).get("config") or {}


def test_project_is_handoff_on_python_with_a_pip_virtualenv():
    assert PROJECT["name"] == "handoff"
    assert PROJECT["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}


def test_committed_stack_files_exist():
    assert {p.name for p in STACK_FILES} >= {"Pulumi.dev.yaml", "Pulumi.prod.yaml"}


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_key_in_the_stack_file_is_declared_in_pulumi_yaml(path):
    undeclared = [
        key
        for key in stack_config(path)
        if not key.startswith("handoff:") or key.split(":", 1)[1] not in PROJECT["config"]
    ]
    assert undeclared == []


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_stack_files_hold_no_secrets_encrypted_or_not(path):
    config = stack_config(path)
    assert [k for k, v in config.items() if isinstance(v, dict) and "secure" in v] == []
    # No project key carries a credential: the deployer's come from the environment (ARM_*, AZURE_*).
    assert [name for name, schema in PROJECT["config"].items() if schema.get("secret")] == []


def test_pulumi_yaml_declares_exactly_the_keys_settings_reads():
    assert list(PROJECT["config"]) == [key.name for key in KEYS]


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.name)
def test_pulumi_yaml_schema_matches_the_settings_key_table(key):
    schema = PROJECT["config"][key.name]
    assert schema["type"] == key.type
    assert schema["description"] == key.description
    default = schema_default(key)
    if default is REQUIRED:
        assert "default" not in schema
    else:
        assert schema["default"] == default and type(schema["default"]) is type(default)
    if key.type == "array":
        assert schema["items"] == {"type": "string"}


def _architecture_table() -> dict[str, tuple[str, str]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Configuration contract", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def test_the_architecture_contract_table_lists_the_same_keys_types_and_defaults():
    table = _architecture_table()
    assert list(table) == [key.name for key in KEYS]
    for key in KEYS:
        kind, default = table[key.name]
        assert kind == ("array of string" if key.type == "array" else key.type), key.name
        expected = (
            "–"
            if key.default is REQUIRED
            else (
                f"`{json.dumps(key.default)}`"
                if key.default in ("", []) or isinstance(key.default, bool)
                else f"`{key.default}`"
            )
        )
        assert default == expected, key.name


SHARED_IDENTITIES = {
    "dev": {
        "tenantId": "11111111-1111-4111-8111-111111111111",
        "geography": "unitedstates",
        "dataverseUrl": "https://contoso-dev.crm.dynamics.com",
        "queue": "Bot escalations",
        "workstream": "Contoso chat",
        "copilotAgentSchemaName": "cr5a1_contosoHelper",
        "copilotAgentName": "Contoso Helper",
    },
    "prod": {
        "tenantId": "11111111-1111-4111-8111-111111111111",
        "subscriptionId": "66666666-6666-4666-8666-666666666666",
        "resourceGroupName": "rg-handoff-prod",
        "botName": "contoso-handoff-prod",
        "botLocation": "westeurope",
        "geography": "europe",
        "dataverseUrl": "https://contoso.crm4.dynamics.com",
        "queue": "Bot escalations",
        "workstream": "Contoso chat",
        "botProvider": "other",
    },
}


@pytest.mark.parametrize("stack", SHARED_IDENTITIES)
def test_committed_stacks_use_the_shared_fixture_identities_so_the_emulator_can_run_them(stack):
    config = stack_config(ROOT / f"Pulumi.{stack}.yaml")
    assert {key: config[f"handoff:{key}"] for key in SHARED_IDENTITIES[stack]} == SHARED_IDENTITIES[stack]


def test_harness_passes_strings_like_the_engine_with_schema_defaults_applied():
    config = load_stack_config(ROOT, "dev")
    assert config["handoff:dataSharingAcknowledged"] == "true"
    assert json.loads(config["handoff:githubOidcSubjects"]) == []  # an Azure bot's key, at its default
    assert config["handoff:botCapacity"] == "100" and config["handoff:cloud"] == "public"
    assert config["handoff:azureDevOpsOidc"] == "[]"
    assert all(isinstance(value, str) for value in config.values())
    assert set(config) == {f"handoff:{key.name}" for key in KEYS}


def test_harness_refuses_a_value_of_the_wrong_declared_type_like_the_engine():
    with pytest.raises(StackConfigError, match="'handoff:botCapacity' must be of type 'integer'"):
        load_stack_config(ROOT, "dev", {"botCapacity": "lots"})
    with pytest.raises(StackConfigError, match="'handoff:githubOidcSubjects' must be of type 'array'"):
        load_stack_config(ROOT, "dev", {"githubOidcSubjects": "repo:contoso/handoff:environment:dev"})


def test_harness_refuses_encrypted_values_it_cannot_decrypt():
    with pytest.raises(StackConfigError, match="encrypted secret"):
        load_stack_config(ROOT, "dev", {"clientSecretRotation": {"secure": "v1:abc"}})
