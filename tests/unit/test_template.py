"""Pulumi.yaml's `template:` section, what `pulumi new <repository URL>` prompts for: every key a stack of the
default kind of bot (a Copilot Studio agent) must set has a prompt, described as the config schema describes
it, and no prompt names a key the project lacks or one of the other kind (a new Azure bot stack sets
`botProvider: other` and its keys afterwards, README "Adding an environment")."""

from __future__ import annotations

import pathlib

import yaml

from components.config_keys import COPILOT_STUDIO, KEYS, KEYS_BY_NAME, REQUIRED, applies

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
PROMPTS = PROJECT["template"]["config"]


def test_the_template_has_a_name_and_a_description():
    assert PROJECT["template"]["displayName"] and PROJECT["template"]["description"]


def test_every_key_a_copilot_studio_stack_must_set_has_a_prompt_and_none_of_the_other_kind():
    required = [
        f"handoff:{key.name}" for key in KEYS if key.default is REQUIRED and applies(key, COPILOT_STUDIO)
    ]
    assert required and [name for name in required if name not in PROMPTS] == []
    assert [n for n in PROMPTS if not applies(KEYS_BY_NAME[n.split(":", 1)[1]], COPILOT_STUDIO)] == []


def test_the_acknowledgement_is_asked_for_never_assumed():
    prompt = PROMPTS["handoff:dataSharingAcknowledged"]
    assert prompt["default"] is False  # the stack is refused until the user answers true


def test_every_prompt_is_a_project_key_described_and_defaulted_as_the_schema_says():
    for name, prompt in PROMPTS.items():
        namespace, key = name.split(":", 1)
        assert namespace == PROJECT["name"] and key in KEYS_BY_NAME, name
        assert prompt["description"] == PROJECT["config"][key]["description"], name
        assert prompt.get("default", REQUIRED) in (REQUIRED, PROJECT["config"][key].get("default")), name
        assert ("default" in prompt) == (KEYS_BY_NAME[key].default is not REQUIRED), name
