"""The program and the dynamic providers parse the stack config with one parser: for generated endpoint
overrides, GUIDs and removal overrides, the program's settings (`parse_settings`) and what a provider's
`configure()` builds (`ProviderContext.from_lookup`) accept and refuse exactly the same values, and accepted
values come out the same."""

from __future__ import annotations

import pathlib

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from components.clients.config import ClientConfigError
from components.dynamic.base import ProviderContext
from components.settings import ConfigError, parse_settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV = {
    key.split(":", 1)[1]: value
    for key, value in yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"].items()
}
OVERRIDES = ("authorityHost", "resourceManagerEndpoint", "dataverseApiEndpoint")

_host = st.one_of(
    st.sampled_from(["login.microsoftonline.com", "127.0.0.1", "contoso-dev.crm.dynamics.com", "localhost"]),
    st.text(alphabet="abcXYZ09-. _@:%", min_size=0, max_size=20),
)
_url = st.builds(
    lambda scheme, user, host, port, path, query, fragment: (
        f"{scheme}{user}{host}{port}{path}{query}{fragment}"
    ),
    st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "", "https:/"]),
    st.sampled_from(["", "user:pw@", "user@"]),
    _host,
    st.sampled_from(["", ":8443", ":0", ":abc", ":99999"]),
    st.sampled_from(["", "/", "/api/data/v9.2", "/api/data/v9.2/", "/a b", "//x"]),
    st.sampled_from(["", "?", "?debug=1"]),
    st.sampled_from(["", "#", "#frag"]),
)
_guid_like = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: f" {u} "),
    st.uuids().map(lambda u: str(u).replace("-", "")),
    st.text(alphabet="0123456789abcdefABCDEF-g", min_size=0, max_size=40),
)
_bool_like = st.sampled_from(["true", "false", "True", "FALSE", "yes", "1", "0", "", " ", "maybe"])


def program_says(key: str, value: str):
    """(accepted, parsed value) from the program's settings, the rest of the dev stack unchanged."""
    try:
        parsed = parse_settings({**DEV, key: value}, "dev")
    except ConfigError as error:
        if key in error.keys:
            return False, None
        raise
    return True, {
        "authorityHost": parsed.endpoints.authority_host,
        "resourceManagerEndpoint": parsed.endpoints.resource_manager_endpoint,
        "dataverseApiEndpoint": parsed.endpoints.dataverse_api_endpoint,
        "tenantId": parsed.tenant_id,
        "allowBindingRemoval": parsed.omnichannel.allow_binding_removal,
    }[key]


def provider_says(key: str, value: str):
    """(accepted, parsed value) from what a provider's configure() builds from the engine's strings."""
    engine = {f"handoff:{k}": v if isinstance(v, str) else yaml.safe_dump(v) for k, v in DEV.items()}
    engine[f"handoff:{key}"] = value
    try:
        context = ProviderContext.from_lookup(engine.get)
    except ClientConfigError as error:
        assert list(error.problems) == [f"handoff:{key}"]
        return False, None
    clients = context.clients
    return True, {
        "authorityHost": clients.authority_host_override,
        "resourceManagerEndpoint": clients.resource_manager_endpoint_override,
        "dataverseApiEndpoint": clients.dataverse_api_endpoint_override,
        "tenantId": clients.tenant_id,
        "allowBindingRemoval": context.allow_removal,
    }[key]


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(key=st.sampled_from(OVERRIDES), url=_url)
def test_endpoint_overrides_are_accepted_and_refused_alike(key, url):
    assert program_says(key, url) == provider_says(key, url)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(value=_guid_like)
def test_tenant_guids_are_accepted_and_refused_alike(value):
    if not value.strip():  # absent: the one case that differs on purpose (see the next test)
        return
    assert program_says("tenantId", value) == provider_says("tenantId", value)


def test_an_absent_tenant_is_refused_by_the_program_and_left_to_the_credentials_by_a_provider():
    # The engine always passes the program's config, so a provider never sees a stack without tenantId;
    # the clients alone (tools, tests) take the tenant from ARM_TENANT_ID / AZURE_TENANT_ID.
    assert program_says("tenantId", "") == (False, None)
    assert provider_says("tenantId", "") == (True, None)


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
@given(value=_bool_like)
def test_the_removal_override_is_read_alike(value):
    assert program_says("allowBindingRemoval", value) == provider_says("allowBindingRemoval", value)


def test_the_cases_the_parsers_once_disagreed_on_are_refused_by_both():
    for key, value in (
        ("dataverseApiEndpoint", "https://x.example.com/api?debug=1"),
        ("dataverseApiEndpoint", "https://user:pw@x.example.com/api"),
        ("authorityHost", "https://login example.com"),
    ):
        assert program_says(key, value) == provider_says(key, value) == (False, None), (key, value)
