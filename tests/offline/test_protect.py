"""`protect`: the offline engine never deletes or replaces a protected resource, and says so as the engine
does."""

from __future__ import annotations

from offline.runner import DEPLOYMENT_FAILED, SUCCESS
from tests.offline.conftest import THING

GROUP = "urn:pulumi:dev::sample::sample:index:Group::group"
SECOND = f"urn:pulumi:dev::sample::sample:index:Group${THING}::second"
FIRST = f"urn:pulumi:dev::sample::sample:index:Group${THING}::first"


def test_children_inherit_protect_from_their_component_into_state(sample):
    assert sample.up(protect=True).exit_code == SUCCESS
    assert {r.name: r.protect for r in sample.state().resources} == {
        "group": True,
        "first": True,
        "second": True,
        "native": False,
    }


def test_removing_a_protected_resource_is_refused_and_nothing_is_deleted(sample):
    sample.up(protect=True)
    recorded = sample.state_file.path.read_bytes()
    second_id = sample.resource("second").id
    result = sample.up(protect=True, withSecond=False)
    assert result.exit_code == DEPLOYMENT_FAILED
    assert (result.failure.op, result.failure.urn) == ("delete", SECOND)
    assert result.failure.message == (
        f'resource "{SECOND}" cannot be deleted\nbecause it is protected. To unprotect the resource, either '
        "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the "
        f"command:\n`pulumi state unprotect '{SECOND}'`"
    )
    assert second_id in sample.records()
    assert sample.state_file.path.read_bytes() == recorded
    assert not [e for e in result.events if e.op == "delete"]


def test_a_preview_of_removing_a_protected_resource_fails_too(sample):
    sample.up(protect=True)
    result = sample.preview(protect=True, withSecond=False)
    assert (
        result.exit_code == DEPLOYMENT_FAILED
        and "cannot be deleted\nbecause it is protected" in result.failure.message
    )


def test_a_replacement_of_a_protected_resource_is_refused_before_anything_is_created(sample):
    sample.up(protect=True, firstKey="k1")
    records = sample.records()
    result = sample.up(protect=True, firstKey="k2")
    assert result.exit_code == DEPLOYMENT_FAILED
    assert (result.failure.op, result.failure.urn) == ("replace", FIRST)
    assert result.failure.message == (
        f'unable to replace resource "{FIRST}"\nas it is currently marked for protection. To unprotect the '
        "resource, remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`"
    )
    assert sample.records() == records


def test_unprotecting_first_then_removing_deletes_as_the_engine_allows(sample):
    sample.up(protect=True)
    assert sample.up(protect=False).exit_code == SUCCESS  # the documented way out: remove the flag
    assert sample.resource("second").protect is False
    second_id = sample.resource("second").id
    assert sample.up(protect=False, withSecond=False).exit_code == SUCCESS
    assert second_id not in sample.records()
