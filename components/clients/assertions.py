"""What the deployer proves itself with, turned into msal's `client_credential`: a secret, a certificate
(PEM or PKCS#12, loaded and checked up front), or a federated assertion fetched anew on every token request.

Federated assertions are callables because they rotate: AKS re-projects its token file, and a GitHub
Actions ID token lives minutes. msal calls the callable only when it must send a token request (its cache
answers otherwise), so re-reading on each call costs nothing and never presents a stale token.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Callable, Union

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from . import errors
from .credentials import CredentialKind, CredentialSpec

_REQUEST_TIMEOUT = (10.0, 30.0)
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.S)


def client_credential(spec: CredentialSpec) -> Union[str, dict]:
    """msal's client_credential for a service-principal spec."""
    if spec.kind is CredentialKind.SECRET:
        return spec.secret
    if spec.kind is CredentialKind.CERTIFICATE:
        return load_certificate(spec.certificate_path, spec.certificate_password)
    return {"client_assertion": assertion_source(spec)}


def load_certificate(path: str, password: str) -> dict:
    """{"private_key", "public_certificate"} PEM text for msal from a PEM or PKCS#12 file.

    msal derives the SHA-256 thumbprint and the x5c header from the certificate. The private key is
    handed over unencrypted, in memory only.
    """
    operation = f"load the client certificate {path}"
    secret = password.encode() if password else None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(_pem_block(data, b"PRIVATE KEY"), password=secret)
            cert = x509.load_pem_x509_certificate(_pem_block(data, b"CERTIFICATE"))
        else:
            key, cert, _ = pkcs12.load_key_and_certificates(data, secret)
    except (OSError, ValueError, TypeError) as exc:
        raise errors.from_entry(
            "certificate-unreadable",
            operation,
            type(exc).__name__ + ": " + errors.scrub(str(exc), [password]),
        ) from None
    if key is None or cert is None:
        raise errors.from_entry(
            "certificate-unreadable", operation, "the file must hold both the private key and its certificate"
        )
    return {
        "private_key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "public_certificate": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


def _pem_block(data: bytes, label: bytes) -> bytes:
    """The first PEM block whose label ends with `label` ("PRIVATE KEY" also matches "RSA PRIVATE KEY")."""
    for match in _PEM.finditer(data):
        if match.group(1).endswith(label):
            return match.group(0)
    raise ValueError(f"no PEM block labelled {label.decode()!r}")


def assertion_source(spec: CredentialSpec) -> Callable[[], str]:
    """A no-argument callable returning a fresh federated assertion for the spec."""
    if spec.kind is CredentialKind.OIDC_TOKEN:
        token = spec.token
        return lambda: token
    if spec.kind in (CredentialKind.OIDC_TOKEN_FILE, CredentialKind.WORKLOAD_IDENTITY):
        path = spec.token_file
        return lambda: read_token_file(path)
    if spec.kind is CredentialKind.OIDC_REQUEST:
        url, bearer, audience = spec.request_url, spec.request_token, spec.audience
        return lambda: request_oidc_token(url, bearer, audience)
    raise ValueError(f"{spec.kind.value} has no federated assertion")


def read_token_file(path: str) -> str:
    """The token in `path`, read now (the file rotates)."""
    try:
        with open(path, encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as exc:
        raise errors.from_entry(
            "federated-token-unavailable",
            "read the federated token file",
            f"{path}: {exc.strerror or type(exc).__name__}",
        ) from None
    if not token:
        raise errors.from_entry(
            "federated-token-unavailable", "read the federated token file", f"{path} is empty"
        )
    return token


def request_oidc_token(url: str, bearer: str, audience: str) -> str:
    """GitHub Actions' ID token: GET <request URL>&audience=<audience> with the request token as bearer."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in query if k != "audience"] + [("audience", audience)]
    target = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    operation = "request the CI's OIDC token"
    try:
        response = requests.get(
            target,
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
            timeout=_REQUEST_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise errors.from_entry(
            "federated-token-unavailable", operation, f"{parts.scheme}://{parts.netloc}: {type(exc).__name__}"
        ) from None
    try:
        value = response.json().get("value") if response.status_code == 200 else None
    except (ValueError, AttributeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, str) or not value:
        raise errors.from_entry(
            "federated-token-unavailable",
            operation,
            f"{parts.scheme}://{parts.netloc} answered HTTP {response.status_code} without a token",
        )
    return value
