"""The provider-server harness drives a dynamic provider through `python -m pulumi.dynamic` over gRPC."""

import json
import pathlib

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from offline.provider_server import ProviderError, ProviderServer, secret, urn
from tests.offline.sample_provider import SampleProvider

ROOT = pathlib.Path(__file__).resolve().parents[2]
URN = urn("dev", "handoff", "pulumi-python:dynamic/sample:Thing", "thing")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("sample") / "store.json"
    with ProviderServer(cwd=str(ROOT)) as srv:
        srv.configure({"handoff:store": str(store), "handoff:token": secret("not-a-real-token")})
        srv.store = store
        yield srv


def bag(value):
    return {"value": value, "__provider": serialize_provider(SampleProvider())}


def test_provider_is_pickled_by_reference_so_state_stays_small():
    assert len(serialize_provider(SampleProvider())) < 200


def test_full_lifecycle_through_the_real_provider_server(server):
    checked = server.check(URN, {}, bag("one"))
    assert checked.failures == ()
    id_, outs = server.create(URN, checked.inputs)
    assert outs["value"] == "one" and outs["tokenSeen"] is True  # secret config reached configure()
    assert server.diff(id_, URN, outs, bag("one")).changes == "none"
    assert server.diff(id_, URN, outs, bag("two")).changed
    outs = server.update(id_, URN, outs, bag("two"))
    assert outs["value"] == "two"
    server.delete(id_, URN, outs)
    assert server.read(id_, URN, outs).gone


def test_read_reports_an_out_of_band_change(server):
    id_, outs = server.create(URN, server.check(URN, {}, bag("before")).inputs)
    data = json.loads(server.store.read_text())
    data[id_] = "after"
    server.store.write_text(json.dumps(data))
    read = server.read(id_, URN, outs)
    assert read.outputs["value"] == "after" and read.inputs["value"] == "after"
    assert server.diff(id_, URN, read.outputs, bag("before")).changed


def test_check_failures_come_back_as_property_and_reason(server):
    assert server.check(URN, {}, bag("")).failures == (("value", "value is required"),)


def test_a_provider_exception_surfaces_with_its_own_message(server):
    with pytest.raises(ProviderError) as caught:
        server.create(URN, server.check(URN, {}, bag("boom")).inputs)
    assert caught.value.message == "refusing value boom"
    assert caught.value.operation == "Create"


def test_a_message_of_several_lines_surfaces_whole_without_its_cause(server):
    with pytest.raises(ProviderError) as caught:
        server.create(URN, server.check(URN, {}, bag("chained")).inputs)
    assert caught.value.message == "service said no\n  code: 0x80040220\nwhat to do: ask an admin"
