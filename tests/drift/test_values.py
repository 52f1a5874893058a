"""Property paths and secret masking, for every shape a secret takes in engine output."""

from __future__ import annotations

import pytest

from drift import values
from tests.drift import engine_shapes as shapes


@pytest.mark.parametrize(
    "path, segments",
    [
        ("value", ("value",)),
        ("properties.properties.isEnabled", ("properties", "properties", "isEnabled")),
        ('tags["handoff-geography"]', ("tags", "handoff-geography")),
        ('tags["a.b"].c', ("tags", "a.b", "c")),
        ("variables[1]", ("variables", 1)),
        ("rules[0].ports[12]", ("rules", 0, "ports", 12)),
        ('m["quote\\"d"]', ("m", 'quote"d')),
    ],
)
def test_engine_property_paths_are_split_into_segments(path, segments):
    assert values.parse_path(path) == segments


@pytest.mark.parametrize("path", ["", ".a", "a.", "a..b", "a[x]", 'a["unterminated', "a]b"])
def test_paths_outside_the_grammar_give_none_rather_than_a_guess(path):
    assert values.parse_path(path) is None


def test_lookup_walks_objects_lists_and_secret_envelopes():
    document = {"a": [{"b": 1}], "s": {shapes.SIG: shapes.SECRET, "value": {"inner": "x"}}}
    assert values.lookup(document, ("a", 0, "b")) == (True, 1)
    assert values.lookup(document, ("a", 3)) == (False, None)
    assert values.lookup(document, ("missing",)) == (False, None)
    assert values.lookup(document, ("s", "inner")) == (True, "x")


@pytest.mark.parametrize(
    "secret",
    [
        shapes.blinded_secret(),
        shapes.plaintext_secret("p@ss"),
        {shapes.SIG: shapes.SECRET, "value": "p@ss"},
        {shapes.SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "p@ss", "secret": True},
        "[secret]",
    ],
)
def test_every_secret_shape_is_masked(secret):
    assert values.mask(secret) == "[secret]"
    assert values.mask({"nested": [secret]}) == {"nested": ["[secret]"]}


def test_provider_blob_is_dropped_from_printed_values():
    assert values.mask({"queue": "Bot escalations", "__provider": "gASV..."}) == {"queue": "Bot escalations"}


def test_plain_output_values_and_unknowns_are_rendered_readably():
    plain_output = {shapes.SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4", "value": "x"}
    unknown_output = {shapes.SIG: "d0e6a833031e9bbcd3f4e8bde6ca49a4"}
    assert values.mask(plain_output) == "x"
    assert values.mask(unknown_output) == "[unknown]"
    assert values.mask("04da6b54-80e4-46f7-96ec-b56ff0331ba9") == "[unknown]"


def test_a_value_inside_a_secret_is_masked_whole():
    document = {"creds": {shapes.SIG: shapes.SECRET, "value": {"password": "p@ss", "user": "bot"}}}
    assert values.contains_secret(document, ("creds", "user"))
    assert not values.contains_secret({"creds": {"user": "bot"}}, ("creds", "user"))


def test_provider_blob_paths_are_recognised():
    assert values.is_provider_blob_path(values.parse_path("__provider"), "__provider")
    assert not values.is_provider_blob_path(values.parse_path("provider"), "provider")


def test_messages_lose_colour_directives_and_stay_bounded():
    assert values.clean_text("<{%fg 1%}>error:<{%reset%}> read failed") == "error: read failed"
    assert len(values.clean_text("x" * 5000)) == values.MAX_MESSAGE_CHARS
