"""Signing in with real msal against the emulator's Entra ID: secret, certificate (PEM and PKCS#12),
federated assertions (token file, environment variable, GitHub's request URL, AKS workload identity), and
the failures each gives, with its catalogue entry.
"""

from __future__ import annotations

import datetime
import pathlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from components.clients import auth, errors
from components.clients.arm import ArmBotReader
from components.clients.dataverse import DataverseClient

from .support import DEPLOYER, DEPLOYER_SECRET, DEV_URL, GITHUB_DEV_SUBJECT, PROD_URL, TENANT, raises_entry

DEV_SCOPE = f"{DEV_URL}/.default"
PROD_SCOPE = f"{PROD_URL}/.default"


def token_requests(emulator) -> list:
    return [r for r in emulator.requests(service="entra", method="POST") if r.path.endswith("/token")]


def certificate_pem(emulator) -> tuple[str, str]:
    cert = emulator.certificate("deployer-certificate")
    return cert.private_key_pem, cert.certificate_pem


def test_secret_gives_one_token_request_per_audience_per_process(config, secret_env, trusted_emulator):
    first = DataverseClient.connect(config, DEV_URL, environ=secret_env)
    second = DataverseClient.connect(config, DEV_URL, environ=secret_env)  # another provider instance
    other_env = DataverseClient.connect(config, PROD_URL, environ=secret_env)
    arm = ArmBotReader.connect(config, environ=secret_env)
    for client in (first, second, first):
        assert client.who_am_i().user_id == "a1300000-0000-4000-8000-000000000001"
    assert other_env.who_am_i().organization_id.startswith("b1010000")
    arm.channel("33333333-3333-4333-8333-333333333333", "rg-handoff-dev", "no-such-bot", "Omnichannel")
    assert len(token_requests(trusted_emulator)) == 3  # dev, prod, ARM: never twice for one audience


def test_certificate_in_pem_signs_in(config, trusted_emulator, tmp_path):
    key, cert = certificate_pem(trusted_emulator)
    path = tmp_path / "deployer.pem"
    path.write_text(key + cert)
    env = {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_CERTIFICATE_PATH": str(path)}
    assert DataverseClient.connect(config, DEV_URL, environ=env).who_am_i().user_id.startswith("a13")


def test_certificate_in_pkcs12_with_password_signs_in(config, trusted_emulator, tmp_path):
    key_pem, cert_pem = certificate_pem(trusted_emulator)
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    path = tmp_path / "deployer.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"deployer", key, cert, None, serialization.BestAvailableEncryption(b"pfx-password")
        )
    )
    env = {
        "AZURE_CLIENT_ID": DEPLOYER,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_CERTIFICATE_PATH": str(path),
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pfx-password",
    }
    assert DataverseClient.connect(config, DEV_URL, environ=env).who_am_i().user_id.startswith("a13")


def test_certificate_with_the_wrong_password_fails_before_any_request(config, trusted_emulator, tmp_path):
    key_pem, cert_pem = certificate_pem(trusted_emulator)
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right-password"),
    ).decode()
    path = tmp_path / "deployer.pem"
    path.write_text(encrypted + cert_pem)
    env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_CLIENT_CERTIFICATE_PATH": str(path),
        "ARM_CLIENT_CERTIFICATE_PASSWORD": "wrong-password",
    }
    client = DataverseClient.connect(config, DEV_URL, environ=env)
    with raises_entry(errors.AuthenticationError, "certificate-unreadable", str(path)) as info:
        client.who_am_i()
    assert "wrong-password" not in str(info.value)
    assert token_requests(trusted_emulator) == []


def test_federated_token_file_is_read_again_for_each_token_request(config, trusted_emulator, tmp_path):
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(trusted_emulator.federated_token(GITHUB_DEV_SUBJECT))
    env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_TOKEN_FILE_PATH": str(token_file),
    }
    assert DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()
    # The CI rotates the file; the next token request presents the new content (here, another subject).
    token_file.write_text(trusted_emulator.federated_token("repo:contoso/bot-handoff:ref:refs/heads/main"))
    with raises_entry(
        errors.AuthenticationError,
        "entra-federation-mismatch",
        "AADSTS700213",
        "repo:contoso/bot-handoff:ref:refs/heads/main",
    ):
        DataverseClient.connect(config, PROD_URL, environ=env).who_am_i()


def test_federated_token_from_the_environment_signs_in(config, trusted_emulator):
    env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_TOKEN": trusted_emulator.federated_token(GITHUB_DEV_SUBJECT),
    }
    assert DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_aks_workload_identity_file_signs_in_without_arm_use_oidc(config, trusted_emulator, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(trusted_emulator.federated_token(GITHUB_DEV_SUBJECT))
    env = {
        "AZURE_CLIENT_ID": DEPLOYER,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
    }
    provider = auth.token_provider(config, env)
    assert provider.kind == "workload identity (AZURE_FEDERATED_TOKEN_FILE)"
    assert DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_missing_token_file_names_the_file(config, trusted_emulator, tmp_path):
    env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_TOKEN_FILE_PATH": str(tmp_path / "absent"),
    }
    with raises_entry(errors.AuthenticationError, "federated-token-unavailable", "absent"):
        DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_wrong_secret_reports_aadsts7000215_without_the_secret(config, trusted_emulator):
    env = {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": "not-the-secret-value"}
    with raises_entry(
        errors.AuthenticationError, "entra-invalid-secret", "HTTP 401 AADSTS7000215", "(request-id "
    ) as info:
        DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()
    assert "not-the-secret-value" not in str(info.value)
    assert info.value.status == 401 and info.value.request_id


def test_unknown_tenant_reports_aadsts90002(config, trusted_emulator):
    env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": "99999999-9999-4999-8999-999999999999",
        "ARM_CLIENT_SECRET": DEPLOYER_SECRET,
    }
    with raises_entry(errors.AuthenticationError, "entra-tenant-not-found", "AADSTS90002"):
        DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_unknown_application_reports_aadsts700016(config, trusted_emulator):
    env = {
        "ARM_CLIENT_ID": "12345678-1234-4234-8234-123456789012",
        "ARM_TENANT_ID": TENANT,
        "ARM_CLIENT_SECRET": DEPLOYER_SECRET,
    }
    with raises_entry(errors.AuthenticationError, "entra-app-not-found", "AADSTS700016"):
        DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_expired_secret_reports_aadsts7000222(config, trusted_emulator):
    app = "12121212-1212-4212-8212-121212121212"
    trusted_emulator.seed(
        {
            "directory": {
                "applications": [
                    {
                        "appId": app,
                        "tenantId": TENANT,
                        "servicePrincipal": True,
                        "passwordCredentials": [
                            {
                                "secretText": "an-expired-secret-value",
                                "startDateTime": "2020-01-01T00:00:00Z",
                                "endDateTime": "2021-01-01T00:00:00Z",
                            }
                        ],
                    }
                ]
            }
        }
    )
    env = {"ARM_CLIENT_ID": app, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": "an-expired-secret-value"}
    with raises_entry(errors.AuthenticationError, "entra-secret-expired", "AADSTS7000222"):
        DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()


def test_token_for_an_unknown_environment_reports_aadsts500011(config, secret_env, trusted_emulator):
    with raises_entry(errors.AuthenticationError, "entra-resource-not-found", "AADSTS500011"):
        auth.token_provider(config, secret_env).token("https://nowhere.crm.dynamics.com/.default")


def test_conditional_access_block_reports_aadsts53003(config, secret_env, trusted_emulator):
    trusted_emulator.inject(method="POST", path=r"/oauth2/v2\.0/token$", status=400, code="AADSTS53003")
    with raises_entry(errors.AuthenticationError, "entra-conditional-access", "AADSTS53003"):
        auth.token_provider(config, secret_env).token(DEV_SCOPE)


def test_other_sign_in_failures_point_to_the_aadsts_reference(config, trusted_emulator):
    app = "13131313-1313-4313-8313-131313131313"  # registered, but no service principal in the tenant
    trusted_emulator.seed(
        {
            "directory": {
                "applications": [
                    {
                        "appId": app,
                        "tenantId": TENANT,
                        "passwordCredentials": [{"secretText": "a-secret-of-an-app"}],
                    }
                ]
            }
        }
    )
    env = {"ARM_CLIENT_ID": app, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": "a-secret-of-an-app"}
    with raises_entry(errors.AuthenticationError, "entra-sign-in-failed", "AADSTS"):
        auth.token_provider(config, env).token(DEV_SCOPE)


def test_entra_outage_is_unavailable_not_a_credential_problem(config, secret_env, trusted_emulator):
    trusted_emulator.inject(method="POST", path=r"/oauth2/v2\.0/token$", status=503, count=3)
    with raises_entry(errors.UnavailableError, "service-unavailable", "HTTP 503"):
        auth.token_provider(config, secret_env).token(DEV_SCOPE)


@pytest.mark.parametrize(
    "fault",
    [{"status": 503, "retry_after": 0}, {"status": 429, "retry_after": 0}, {"kind": "drop"}],
    ids=["503", "429", "dropped-connection"],
)
def test_a_token_request_that_fails_once_is_sent_again(config, secret_env, trusted_emulator, fault):
    # A token request is safe to repeat (no state changes at Entra): a passing fault must not fail a
    # deployment.
    trusted_emulator.inject(method="POST", path=r"/oauth2/v2\.0/token$", count=1, **fault)
    assert auth.token_provider(config, secret_env).token(DEV_SCOPE)
    assert [r.status for r in token_requests(trusted_emulator)][-1] == 200
    assert len(token_requests(trusted_emulator)) == 2


def test_no_credentials_and_no_azure_cli(config, trusted_emulator, tmp_path):
    with raises_entry(errors.AuthenticationError, "credentials-missing", "az"):
        auth.token_provider(config, {"PATH": str(tmp_path)}).token(DEV_SCOPE)


def test_a_secret_without_client_id_names_the_missing_variable(config):
    with raises_entry(errors.AuthenticationError, "credentials-missing", "ARM_CLIENT_ID"):
        auth.token_provider(config, {"ARM_CLIENT_SECRET": "x" * 12})


def test_arm_use_oidc_without_a_token_source(config):
    with raises_entry(errors.AuthenticationError, "federated-token-unavailable", "ARM_OIDC_TOKEN"):
        auth.token_provider(config, {"ARM_CLIENT_ID": DEPLOYER, "ARM_USE_OIDC": "true"})


def test_expired_api_token_gets_exactly_one_fresh_token(dataverse, trusted_emulator):
    assert dataverse.who_am_i()
    trusted_emulator.advance_clock(4000)  # the cached token is now expired for Dataverse, not for msal
    assert dataverse.root_business_unit().parent_id is None
    assert len(token_requests(trusted_emulator)) == 2
    api = [r.status for r in trusted_emulator.requests(service="dataverse")]
    assert api == [200, 401, 200]


def test_a_fresh_token_rejected_again_is_an_authentication_error(dataverse, trusted_emulator):
    trusted_emulator.configure(token_lifetime=0)  # every token is born expired
    with raises_entry(errors.AuthenticationError, "token-rejected", "HTTP 401"):
        dataverse.who_am_i()
    assert [r.status for r in trusted_emulator.requests(service="dataverse")] == [401, 401]
    assert len(token_requests(trusted_emulator)) == 2


def test_clients_refuse_to_be_pickled(dataverse):
    import pickle

    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(dataverse)


def test_expiry_of_the_azure_cli_answer_is_read_in_both_formats():
    from components.clients.azcli import _expiry

    assert _expiry({"expires_on": 1900000000}) == 1900000000.0
    local = datetime.datetime(2030, 1, 2, 3, 4, 5)
    assert _expiry({"expiresOn": "2030-01-02 03:04:05.000000"}) == local.timestamp()


@pytest.fixture
def fake_az(tmp_path) -> pathlib.Path:
    """An `az` on PATH that records its arguments and answers as the Azure CLI does."""
    script = tmp_path / "az"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {tmp_path}/calls\n'
        f"if [ -f {tmp_path}/logged-out ]; then echo \"ERROR: Please run 'az login' to setup account.\" "
        f">&2; exit 1; fi\n"
        'echo \'{"accessToken": "cli-token-for-tests", "expires_on": 4102444800, "tokenType": "Bearer"}\'\n'
    )
    script.chmod(0o755)
    return tmp_path


def test_azure_cli_token_is_cached_per_scope(config, fake_az):
    provider = auth.token_provider(config, {"PATH": str(fake_az)})
    assert provider.kind == "Azure CLI login"
    assert provider.token(DEV_SCOPE) == provider.token(DEV_SCOPE) == "cli-token-for-tests"
    calls = (fake_az / "calls").read_text().splitlines()
    assert calls == [f"account get-access-token --output json --resource {DEV_URL} --tenant {TENANT}"]


def test_azure_cli_not_logged_in_reports_the_cli_error_line(config, fake_az):
    (fake_az / "logged-out").write_text("")
    with raises_entry(errors.AuthenticationError, "azure-cli-failed", "Please run 'az login'"):
        auth.token_provider(config, {"PATH": str(fake_az)}).token(DEV_SCOPE)
