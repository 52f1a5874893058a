"""Nothing secret in a message or a log record: secrets, certificate keys, federated assertions and the
access tokens themselves, across successful calls, retries and failures, with every logger at DEBUG
(msal's and urllib3's included)."""

from __future__ import annotations

import logging

from components.clients import auth, errors
from components.clients.dataverse import DataverseClient

from .support import DEPLOYER, DEPLOYER_SECRET, DEV_URL, GITHUB_DEV_SUBJECT, PROD_URL, TENANT

WRONG_SECRET = "a-wrong-secret-that-must-not-leak"


def test_no_secret_token_or_assertion_reaches_a_message_or_a_log(
    config, trusted_emulator, tmp_path, caplog, sleeper
):
    caplog.set_level(logging.DEBUG)
    secrets = {DEPLOYER_SECRET, WRONG_SECRET}
    messages: list[str] = []

    secret_env = {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": DEPLOYER_SECRET}
    client = DataverseClient.connect(config, DEV_URL, environ=secret_env, sleeper=sleeper)
    trusted_emulator.inject(method="GET", path=r"/WhoAmI$", status=429, count=1, retry_after=1)
    client.who_am_i()
    trusted_emulator.advance_clock(4000)  # a 401 and a refresh
    client.root_business_unit()
    secrets.add(auth.token_provider(config, secret_env).token(f"{DEV_URL}/.default"))

    assertion = trusted_emulator.federated_token(GITHUB_DEV_SUBJECT)
    secrets.add(assertion)
    oidc_env = {
        "ARM_CLIENT_ID": DEPLOYER,
        "ARM_TENANT_ID": TENANT,
        "ARM_USE_OIDC": "true",
        "ARM_OIDC_TOKEN": assertion,
    }
    secrets.add(auth.token_provider(config, oidc_env).token(f"{PROD_URL}/.default"))

    key = trusted_emulator.certificate("deployer-certificate")
    secrets.add(key.private_key_pem.splitlines()[1])  # a line of the key's body
    pem = tmp_path / "deployer.pem"
    pem.write_text(key.private_key_pem + key.certificate_pem)
    cert_env = {"ARM_CLIENT_ID": DEPLOYER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_CERTIFICATE_PATH": str(pem)}
    secrets.add(auth.token_provider(config, cert_env).token("https://management.azure.com/.default"))

    for env in (
        {**secret_env, "ARM_CLIENT_SECRET": WRONG_SECRET},
        {**oidc_env, "ARM_OIDC_TOKEN": trusted_emulator.federated_token("repo:other/repo:ref:x")},
    ):
        try:
            DataverseClient.connect(config, DEV_URL, environ=env).who_am_i()
        except errors.ClientError as exc:
            messages.append(str(exc))
    trusted_emulator.inject(method="POST", path=r"/systemusers$", status=503, count=1)
    try:
        client.session.request("POST", "systemusers", operation="create a user", json={"lastname": "x"})
    except errors.ClientError as exc:
        messages.append(str(exc))

    assert len(messages) == 3
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "POST /api/data/v9.2/systemusers -> 503" in logged  # the log does say what happened
    for secret in secrets:
        assert secret not in logged
        assert all(secret not in message for message in messages)
    assert "eyJ" not in logged and all("eyJ" not in m for m in messages)  # no JWT of any kind
