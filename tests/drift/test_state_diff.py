"""Properties of a step without a detailed diff, from its old and new state: which keys matter, in which
order, with secrets masked and the engine's internal keys left out (drift/state_diff.py)."""

from __future__ import annotations

from drift.model import ABSENT
from drift.state_diff import property_changes
from tests.drift import engine_shapes as shapes


def _paths(changes):
    return [(c.path, c.kind, c.input_diff) for c in changes]


def test_changed_inputs_are_the_drift_and_output_only_changes_are_left_out():
    changes, internal = property_changes(
        {"member": True, "queue": "q"},
        {"member": False, "queue": "q"},
        {"member": True, "queue": "q", "warnings": []},
        {"member": False, "queue": "q", "warnings": ["capacity"]},
    )
    assert _paths(changes) == [("member", "update", True)] and internal == ()
    assert (changes[0].before, changes[0].after) == (True, False)


def test_without_input_changes_the_outputs_of_the_input_keys_are_compared():
    # TestRefreshPreservesInputsWhenReadReturnsNoInputs: Read returned no inputs, the recorded ones stay.
    changes, _ = property_changes(
        {"inputProp": "a"},
        {"inputProp": "a"},
        {"inputProp": "a", "outputProp": "x"},
        {"inputProp": "b", "outputProp": "y"},
    )
    assert _paths(changes) == [("inputProp", "update", False)]


def test_an_external_resource_is_compared_on_its_outputs_only():
    changes, _ = property_changes({}, {}, {"o1": 1}, {"o1": 2, "o2": 3}, external=True)
    assert _paths(changes) == [("o1", "update", False), ("o2", "add", False)]
    assert changes[1].before is ABSENT and changes[1].after == 3


def test_internal_keys_are_returned_apart_never_as_a_property():
    blob = shapes.blinded_secret()
    changes, internal = property_changes(
        {"__provider": blob, "v": 1}, {"__provider": shapes.plaintext_secret("x"), "v": 1}, None, None
    )
    assert changes == () and internal == ("__provider",)


def test_a_value_secret_on_one_side_is_masked_on_both():
    changes, _ = property_changes({"value": shapes.blinded_secret()}, {"value": "pl41n"}, None, None)
    assert [(c.before, c.after) for c in changes] == [("[secret]", "[secret]")]


def test_a_removed_key_is_a_delete_without_an_after_value():
    changes, _ = property_changes({"a": 1, "b": 2}, {"a": 1}, None, None)
    assert _paths(changes) == [("b", "delete", True)] and changes[0].after is ABSENT
