"""Pure parts of the clients: config parsing, cloud endpoints, credential precedence, the error messages
and the catalogue's lookups. No request is sent.
"""

from __future__ import annotations

import pickle

import pytest

from components import validation
from components.clients import catalogue, errors
from components.clients.cloud import CLOUDS, cloud_named
from components.clients.config import ClientConfig, ClientConfigError
from components.clients.credentials import CredentialKind, resolve_credentials

from .support import DEPLOYER, TENANT

GUID_A = "abcdefab-1234-4234-8234-123456789abc"


def test_defaults_are_the_public_cloud_without_overrides():
    config = ClientConfig.from_mapping({})
    assert config.authority_host == "https://login.microsoftonline.com" and not config.authority_is_override
    assert config.resource_manager.base_url == "https://management.azure.com"
    assert config.resource_manager.scope == "https://management.azure.com/.default"
    endpoint = config.dataverse("https://Contoso-Dev.crm.dynamics.com/")
    assert endpoint.base_url == "https://contoso-dev.crm.dynamics.com/api/data/v9.2"
    assert endpoint.scope == "https://contoso-dev.crm.dynamics.com/.default"


def test_overrides_move_requests_but_never_the_audience():
    config = ClientConfig.from_lookup(
        {
            "handoff:cloud": "usgovernment",
            "handoff:tenantId": TENANT.upper(),
            "handoff:authorityHost": "https://127.0.0.1:8443/",
            "handoff:resourceManagerEndpoint": "https://127.0.0.1:8443",
            "handoff:dataverseApiEndpoint": "https://127.0.0.1:8443/api/data/v9.2",
        }.get
    )
    assert config.tenant_id == TENANT and config.authority_is_override
    assert config.authority_host == "https://127.0.0.1:8443"
    assert config.resource_manager.scope == "https://management.usgovcloudapi.net/.default"
    endpoint = config.dataverse("https://contoso.crm.microsoftdynamics.us")
    assert endpoint.base_url == "https://127.0.0.1:8443/api/data/v9.2"
    assert endpoint.scope == "https://contoso.crm.microsoftdynamics.us/.default"


def test_every_bad_key_is_named_at_once():
    with pytest.raises(ClientConfigError) as info:
        ClientConfig.from_mapping(
            {
                "handoff:cloud": "azurestack",
                "handoff:tenantId": "contoso",
                "handoff:authorityHost": "http://login.example.com",
                "handoff:dataverseApiEndpoint": "https://x.example.com/api?debug=1",
            }
        )
    assert sorted(info.value.problems) == [
        "handoff:authorityHost",
        "handoff:cloud",
        "handoff:dataverseApiEndpoint",
        "handoff:tenantId",
    ]
    message = str(info.value)
    assert "use one of public, usgovernment, china" in message and "not a GUID" in message
    assert "leave it empty to use the cloud's endpoint" in message


def test_a_dataverse_url_of_another_cloud_is_refused():
    with pytest.raises(ValueError, match="is a public cloud host, not china"):
        ClientConfig.from_mapping({"handoff:cloud": "china"}).dataverse("https://contoso.crm.dynamics.com")


@pytest.mark.parametrize(
    "name, authority, arm, graph",
    [
        (
            "public",
            "https://login.microsoftonline.com",
            "https://management.azure.com",
            "https://graph.microsoft.com",
        ),
        (
            "usgovernment",
            "https://login.microsoftonline.us",
            "https://management.usgovcloudapi.net",
            "https://graph.microsoft.us",
        ),
        (
            "china",
            "https://login.partner.microsoftonline.cn",
            "https://management.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
    ],
)
def test_cloud_endpoints(name, authority, arm, graph):
    cloud = cloud_named(name)
    assert (cloud.authority_host, cloud.resource_manager, cloud.graph) == (authority, arm, graph)
    assert cloud.graph_scope == graph + "/.default"


def test_cloud_dataverse_domains_agree_with_the_validators():
    for suffix, (cloud, _) in validation._DATAVERSE_SUFFIXES.items():
        assert any(suffix.endswith(domain) for domain in CLOUDS[cloud].dataverse_domains), suffix
    with pytest.raises(ValueError, match="use one of public, usgovernment, china"):
        cloud_named("german")


BASE = {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT}


@pytest.mark.parametrize(
    "extra, kind",
    [
        (
            {"ARM_CLIENT_CERTIFICATE_PATH": "/c.pem", "ARM_CLIENT_SECRET": "s" * 8, "ARM_USE_OIDC": "true"},
            CredentialKind.CERTIFICATE,
        ),
        (
            {"ARM_CLIENT_SECRET": "s" * 8, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": "t"},
            CredentialKind.SECRET,
        ),
        ({"AZURE_CLIENT_SECRET": "s" * 8}, CredentialKind.SECRET),
        (
            {"ARM_USE_OIDC": "TRUE", "ARM_OIDC_TOKEN": "t", "ARM_OIDC_TOKEN_FILE_PATH": "/f"},
            CredentialKind.OIDC_TOKEN,
        ),
        (
            {
                "ARM_USE_OIDC": "1",
                "ARM_OIDC_TOKEN_FILE_PATH": "/f",
                "ACTIONS_ID_TOKEN_REQUEST_URL": "https://u",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "r",
            },
            CredentialKind.OIDC_TOKEN_FILE,
        ),
        (
            {
                "ARM_USE_OIDC": "true",
                "ACTIONS_ID_TOKEN_REQUEST_URL": "https://u",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "r",
            },
            CredentialKind.OIDC_REQUEST,
        ),
        (
            {"AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token"},
            CredentialKind.WORKLOAD_IDENTITY,
        ),
        ({}, CredentialKind.AZURE_CLI),
    ],
)
def test_credential_precedence_follows_the_native_providers(extra, kind):
    assert resolve_credentials({**BASE, **extra}).kind is kind


def test_the_stack_tenant_is_used_when_no_variable_names_one():
    spec = resolve_credentials(
        {"ARM_CLIENT_ID": DEPLOYER.upper(), "ARM_CLIENT_SECRET": "s" * 8}, default_tenant=TENANT
    )
    assert (spec.client_id, spec.tenant_id) == (DEPLOYER, TENANT)
    assert (
        resolve_credentials(
            {"ARM_TENANT_ID": GUID_A, "ARM_CLIENT_ID": DEPLOYER, "ARM_CLIENT_SECRET": "s" * 8},
            default_tenant=TENANT,
        ).tenant_id
        == GUID_A
    )


def test_secrets_stay_out_of_a_credential_repr():
    spec = resolve_credentials({**BASE, "ARM_CLIENT_SECRET": "super-secret-value"})
    assert "super-secret-value" not in repr(spec)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(spec)


def test_message_format_names_operation_status_code_message_and_request_id():
    error = errors.ConflictError(
        "create the bot user",
        status=400,
        code="0x8004F511",
        service_message="Application ID = x already exists.",
        request_id="req-1",
        entry=catalogue.get("dataverse-duplicate-application-user"),
    )
    first, mitigation = str(error).split("\n")
    assert first == (
        "create the bot user failed: HTTP 400 0x8004F511: Application ID = x already exists. "
        "(request-id req-1)"
    )
    assert mitigation.startswith("  Mitigation [dataverse-duplicate-application-user]: The stack adopts")


def test_errors_survive_pickling_between_processes():
    error = errors.AmbiguousWriteError(
        "create the bot user",
        status=503,
        code="0x80040216",
        service_message="busy",
        request_id="r",
        entry=catalogue.get("ambiguous-write"),
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.AmbiguousWriteError and str(copy) == str(error) and copy.retryable


def test_scrub_removes_tokens_and_secret_fields():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl"
    text = f"Authorization: Bearer abc.def.ghi token {jwt} client_secret=hunter22&client_assertion={jwt} pw"
    cleaned = errors.scrub(text, secrets=["pw-never"])
    assert jwt not in cleaned and "hunter22" not in cleaned and "abc.def.ghi" not in cleaned
    assert "client_secret=[redacted]" in cleaned and len(errors.scrub("x" * 5000)) == 600


def test_catalogue_lookup_by_code_prefers_the_message_discriminator():
    assert (
        catalogue.match("arm", "UnknownError", 'Error converting value "FallbackDeploymentEnvironment"').key
        == "arm-teams-deployment-environment"
    )
    assert catalogue.match("arm", "UnknownError", "something else") is None
    assert catalogue.match("dataverse", "0X8004F511").key == "dataverse-duplicate-application-user"
    assert catalogue.match("entra", "AADSTS700213").key == "entra-federation-mismatch"
    assert catalogue.match("graph", "") is None
    with pytest.raises(KeyError, match="no catalogue entry 'nope'"):
        catalogue.get("nope")


def test_every_entry_is_complete():
    for entry in catalogue.ENTRIES:
        assert entry.title and entry.cause.endswith((".", ")")) and entry.mitigation.endswith((".", ")"))
        assert entry.link.startswith("https://learn.microsoft.com/"), entry.key
