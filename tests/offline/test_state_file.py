"""The offline state file: written atomically, secrets sealed (never in plaintext), engine-like records."""

from __future__ import annotations

import json

import pytest

from offline.secret_box import KEY_FILE, SecretBox, SecretBoxError
from offline.state import ResourceState, StackState, StateFile, StateFileError


def test_secret_inputs_and_outputs_are_sealed_in_state_and_secret_for_the_program(sample):
    result = sample.up(note="s3cret-note")
    assert result.secret_outputs == frozenset({"note"}) and result.outputs["note"] == "s3cret-note"
    text = sample.state_file.path.read_text()
    assert "s3cret-note" not in text
    first = sample.resource("first")
    assert first.inputs["note"] == "s3cret-note" and "note" in first.secret_inputs
    assert "note" in first.secret_outputs  # re-marked: the key was a secret input
    assert (sample.state_dir / KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_state_copied_without_its_key_is_refused_with_the_reason(tmp_path, sample):
    sample.up(note="s3cret-note")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "dev.json").write_bytes(sample.state_file.path.read_bytes())
    with pytest.raises(SecretBoxError, match="does not open with this directory's secrets.key"):
        StateFile(other, "sample", "dev").load()


def test_save_replaces_the_file_atomically_and_round_trips(tmp_path):
    state_file = StateFile(tmp_path, "handoff", "dev")
    resource = ResourceState(
        urn="urn:pulumi:dev::handoff::t:m:T::x",
        type="t:m:T",
        custom=True,
        id="1",
        inputs={"a": [1, {"b": None}], "token": "t0p"},
        outputs={"token": "t0p"},
        secret_inputs=frozenset({"token"}),
        secret_outputs=frozenset({"token"}),
    )
    state = StackState("handoff", "dev", (resource,), {"out": "x"}, frozenset())
    state_file.save(state)
    state_file.save(state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json", KEY_FILE]  # no temporary left behind
    assert state_file.load() == state
    assert "t0p" not in state_file.path.read_text()


def test_a_state_file_of_another_stack_is_refused(tmp_path):
    StateFile(tmp_path, "handoff", "dev").save(StackState("handoff", "dev"))
    (tmp_path / "prod.json").write_text((tmp_path / "dev.json").read_text())
    with pytest.raises(StateFileError, match="belongs to handoff/dev, not handoff/prod"):
        StateFile(tmp_path, "handoff", "prod").load()


def test_a_sealed_value_carries_the_engines_secret_signature():
    box = SecretBox(b"k" * 32)
    sealed = box.seal({"nested": ["value"]})
    assert sealed["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert "value" not in json.dumps(sealed) and box.open(sealed) == {"nested": ["value"]}
