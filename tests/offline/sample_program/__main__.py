"""A program for the offline runner's tests: a component, two dynamic things (the second depends on the
first's output), a mocked native resource and stack outputs, one of them secret.

Knobs (JSON in OFFLINE_SAMPLE_KNOBS): first, firstKey (create-only: a change asks for a replacement),
second (default "<first>-second"; always registered after the first thing), note (a secret input),
withSecond, protect (the group's, inherited by both things), undecided (the second thing's provider has
no diff: DIFF_UNKNOWN). The first thing lists `tokenSeen` as an additional secret output.
"""

import json
import os

import pulumi
from pulumi.dynamic import Resource

from tests.offline.sample_provider import SampleProvider, UndecidedProvider


class Thing(Resource, module="sample", name="Thing"):
    def __init__(self, name, props, opts=None, provider=None):
        super().__init__(provider or SampleProvider(), name, {"tokenSeen": None, **props}, opts)


class Group(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("sample:index:Group", name, None, opts)
        self.register_outputs({})


knobs = {
    "first": "one",
    "firstKey": "k1",
    "note": "",
    "withSecond": True,
    "protect": False,
    "undecided": False,
    **json.loads(os.environ.get("OFFLINE_SAMPLE_KNOBS") or "{}"),
}
group = Group("group", pulumi.ResourceOptions(protect=knobs["protect"]))
first = Thing(
    "first",
    {"value": knobs["first"], "key": knobs["firstKey"], "note": pulumi.Output.secret(knobs["note"])},
    pulumi.ResourceOptions(parent=group, additional_secret_outputs=["tokenSeen"]),
)
native = pulumi.CustomResource("sample:index:Native", "native", {"label": first.value})
if knobs["withSecond"]:
    second = Thing(
        "second",
        {"value": first.value.apply(lambda v: knobs.get("second") or f"{v}-second")},
        pulumi.ResourceOptions(parent=group),
        UndecidedProvider() if knobs["undecided"] else None,
    )
    pulumi.export("second", second.value)
pulumi.export("first", first.value)
pulumi.export("firstTokenSeen", pulumi.Output.unsecret(first.tokenSeen))  # an output-only value
pulumi.export("note", first.note)
