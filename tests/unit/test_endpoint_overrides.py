"""Endpoint overrides keep credentials at Microsoft (issue 15): `handoff:authorityHost`,
`handoff:resourceManagerEndpoint` and `handoff:dataverseApiEndpoint` name only a Microsoft host of the
stack's cloud or loopback (the offline emulator); anything else is refused, by the program and by the
providers alike, unless `handoff:allowForeignEndpoints` opts in, and then every run warns and the program
declares the ApiEndpoints component the policy pack judges."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from components.clients.config import ClientConfig, ClientConfigError
from components.dynamic.base import ProviderContext
from components.endpoints import ApiEndpoints  # noqa: F401 - the type the program declares
from components.names import ENDPOINTS_COMPONENT
from components.settings import ConfigError, foreign_endpoint_warnings, parse_settings
from offline.program import _engine_string, run_program

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _stack(name: str) -> dict:
    document = yaml.safe_load((ROOT / f"Pulumi.{name}.yaml").read_text(encoding="utf-8"))["config"]
    return {key.split(":", 1)[1]: value for key, value in document.items()}


DEV = _stack("dev")  # a Copilot Studio agent
PROD = _stack("prod")  # an Azure bot
FOREIGN = [
    ("dataverseApiEndpoint", "https://proxy.example.net/api/data/v9.2"),
    ("dataverseApiEndpoint", "https://contoso.crm.microsoftdynamics.us/api/data/v9.2"),  # another cloud
    ("authorityHost", "https://login.example.net"),
    ("authorityHost", "https://login.microsoftonline.com.evil.example"),
    ("resourceManagerEndpoint", "https://management.chinacloudapi.cn"),
]
ALLOWED = [
    ("authorityHost", "https://127.0.0.1:8443"),
    ("authorityHost", "https://localhost:8443"),
    ("authorityHost", "https://login.microsoftonline.com"),
    ("resourceManagerEndpoint", "https://management.azure.com"),
    ("dataverseApiEndpoint", "https://contoso-dev.api.crm.dynamics.com/api/data/v9.2"),
    ("dataverseApiEndpoint", "https://contoso.crm4.dynamics.com/api/data/v9.2"),
    ("dataverseApiEndpoint", "https://127.0.0.1:9443/api/data/v9.2"),
]


def engine(values: dict) -> dict:
    """The config as the engine passes it to a provider's configure(): every value a string."""
    return {f"handoff:{k}": _engine_string(v) for k, v in values.items()}


@pytest.mark.parametrize("key, url", FOREIGN)
def test_a_foreign_endpoint_override_is_refused_by_the_program_naming_the_key_and_the_opt_in(key, url):
    with pytest.raises(ConfigError) as info:
        parse_settings({**DEV, key: url}, "dev")
    assert info.value.keys == (key,)
    message = str(info.value)
    assert url in message and "handoff:allowForeignEndpoints: true" in message and "credentials" in message


@pytest.mark.parametrize("key, url", FOREIGN)
def test_a_foreign_endpoint_override_is_refused_by_the_providers_too(key, url):
    with pytest.raises(ClientConfigError) as info:
        ProviderContext.from_lookup(engine({**DEV, key: url}).get)
    assert list(info.value.problems) == [f"handoff:{key}"]


@pytest.mark.parametrize("key, url", ALLOWED)
def test_the_clouds_hosts_and_loopback_need_no_opt_in(key, url):
    settings = parse_settings({**DEV, key: url}, "dev")
    assert settings.endpoints.foreign == () and foreign_endpoint_warnings(settings) == []
    ProviderContext.from_lookup(engine({**DEV, key: url}).get)


def test_the_opt_in_lets_a_foreign_override_through_with_a_warning_on_every_run():
    url = "https://dataverse.private.example/api/data/v9.2"
    settings = parse_settings({**DEV, "dataverseApiEndpoint": url, "allowForeignEndpoints": True}, "dev")
    [warning] = foreign_endpoint_warnings(settings)
    assert url in warning and "handoff:allowForeignEndpoints is true" in warning
    context = ProviderContext.from_lookup(
        engine({**DEV, "dataverseApiEndpoint": url, "allowForeignEndpoints": "true"}).get
    )
    assert context.clients.allow_foreign_endpoints


def test_msal_keeps_instance_discovery_for_a_microsoft_authority_and_skips_it_for_loopback():
    def config(url: str) -> ClientConfig:
        return ClientConfig.from_mapping({"handoff:cloud": "public", "handoff:authorityHost": url})

    assert config("https://login.microsoftonline.com").authority_is_override is False
    assert config("https://127.0.0.1:8443").authority_is_override is True


def test_the_program_declares_the_overrides_for_the_policy_pack_only_when_there_are_some():
    assert run_program(ROOT, "dev").of_type(ENDPOINTS_COMPONENT) == ()
    url = "https://127.0.0.1:9443/api/data/v9.2"
    [endpoints] = run_program(ROOT, "dev", overrides={"dataverseApiEndpoint": url}).of_type(
        ENDPOINTS_COMPONENT
    )
    assert endpoints.inputs["dataverseApiEndpoint"] == url and endpoints.inputs["cloud"] == "public"
    assert endpoints.inputs["allowForeignEndpoints"] is False


def test_the_publish_timeout_is_a_stack_key_the_providers_read():
    assert parse_settings(DEV, "dev").agent.publish_timeout_seconds == 120
    assert parse_settings({**DEV, "publishTimeoutSeconds": 300}, "dev").agent.publish_timeout_seconds == 300
    context = ProviderContext.from_lookup(engine({**DEV, "publishTimeoutSeconds": 300}).get)
    assert context.publish_timeout_seconds == 300
    for bad in (5, 7200, "soon"):
        with pytest.raises(ConfigError) as info:
            parse_settings({**DEV, "publishTimeoutSeconds": bad}, "dev")
        assert info.value.keys == ("publishTimeoutSeconds",) and "whole number from 10 to 3600" in str(
            info.value
        )
