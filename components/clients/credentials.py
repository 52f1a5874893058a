"""Which credential the deployer signs in with, read from the environment variables the native providers
(pulumi-azure-native, pulumi-azuread) read, so one login serves the whole stack.

Precedence, first match wins (the order pulumi-azure-native's provider uses: certificate, secret, OIDC,
then the Azure CLI; a configured method that is incomplete is an error, never a silent fall-through):

1. Certificate    ARM_CLIENT_CERTIFICATE_PATH | AZURE_CLIENT_CERTIFICATE_PATH
                  (+ ARM_CLIENT_CERTIFICATE_PASSWORD | AZURE_CLIENT_CERTIFICATE_PASSWORD); PEM or PKCS#12
2. Client secret  ARM_CLIENT_SECRET | AZURE_CLIENT_SECRET
3. OIDC           ARM_USE_OIDC=true, then the first of: ARM_OIDC_TOKEN; ARM_OIDC_TOKEN_FILE_PATH |
                  AZURE_FEDERATED_TOKEN_FILE; ARM_OIDC_REQUEST_URL + ARM_OIDC_REQUEST_TOKEN (falling back to
                  GitHub's ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN, audience
                  api://AzureADTokenExchange or ARM_OIDC_AUDIENCE)
4. Workload identity  AZURE_FEDERATED_TOKEN_FILE without ARM_USE_OIDC (AKS injects it with AZURE_CLIENT_ID
                  and AZURE_TENANT_ID, as azure-identity's WorkloadIdentityCredential reads them)
5. Azure CLI      `az account get-access-token` with the engineer's `az login`, unless ARM_USE_CLI=false

The client id comes from ARM_CLIENT_ID | AZURE_CLIENT_ID; the tenant from ARM_TENANT_ID | AZURE_TENANT_ID,
falling back to the stack's tenantId. Azure DevOps: map the AzureCLI task's `idToken` to ARM_OIDC_TOKEN.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from typing import Mapping, Optional

from . import errors

GITHUB_AUDIENCE = "api://AzureADTokenExchange"
_OPERATION = "resolve the deployer's credentials"


class CredentialKind(str, enum.Enum):
    CERTIFICATE = "client certificate"
    SECRET = "client secret"
    OIDC_TOKEN = "federated token (ARM_OIDC_TOKEN)"
    OIDC_TOKEN_FILE = "federated token file"
    OIDC_REQUEST = "federated token from the CI's OIDC endpoint"
    WORKLOAD_IDENTITY = "workload identity (AZURE_FEDERATED_TOKEN_FILE)"
    AZURE_CLI = "Azure CLI login"


@dataclasses.dataclass(frozen=True)
class CredentialSpec:
    """A resolved credential. Secret material is kept out of repr() and never logged."""

    kind: CredentialKind
    client_id: Optional[str]
    tenant_id: Optional[str]
    source: str  # the variables that chose it, for messages
    secret: str = dataclasses.field(default="", repr=False)
    certificate_path: str = ""
    certificate_password: str = dataclasses.field(default="", repr=False)
    token: str = dataclasses.field(default="", repr=False)
    token_file: str = ""
    request_url: str = ""
    request_token: str = dataclasses.field(default="", repr=False)
    audience: str = GITHUB_AUDIENCE

    def fingerprint(self) -> str:
        """A digest of the credential material: two specs with equal fingerprints are the same login."""
        material = "\0".join(
            (
                self.kind.name,
                self.client_id or "",
                self.tenant_id or "",
                self.secret,
                self.certificate_path,
                self.certificate_password,
                self.token,
                self.token_file,
                self.request_url,
                self.request_token,
                self.audience,
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()[:32]

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a message (handed to errors.scrub)."""
        return tuple(v for v in (self.secret, self.certificate_password, self.token, self.request_token) if v)

    def __reduce__(self):
        raise TypeError("credentials are not picklable: resolve them in the process that uses them")


def _first(environ: Mapping[str, str], *names: str) -> tuple[str, str]:
    """(value, name) of the first non-empty variable, or ("", "")."""
    for name in names:
        value = (environ.get(name) or "").strip()
        if value:
            return value, name
    return "", ""


def _flag(environ: Mapping[str, str], name: str) -> Optional[bool]:
    value = (environ.get(name) or "").strip().lower()
    if not value:
        return None
    return value in ("1", "true", "yes", "on")


def resolve_credentials(environ: Mapping[str, str], default_tenant: Optional[str] = None) -> CredentialSpec:
    """The credential the environment configures (see the module docstring for the precedence)."""
    client_id, _ = _first(environ, "ARM_CLIENT_ID", "AZURE_CLIENT_ID")
    tenant_id, _ = _first(environ, "ARM_TENANT_ID", "AZURE_TENANT_ID")
    tenant_id = (tenant_id or default_tenant or "").lower() or None
    cert_path, cert_var = _first(environ, "ARM_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PATH")
    secret, secret_var = _first(environ, "ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET")
    federated_file, federated_var = _first(environ, "AZURE_FEDERATED_TOKEN_FILE")

    def service_principal(kind: CredentialKind, source: str, **material) -> CredentialSpec:
        missing = [
            n
            for n, v in (
                ("ARM_CLIENT_ID (or AZURE_CLIENT_ID)", client_id),
                ("ARM_TENANT_ID (or AZURE_TENANT_ID, or the stack's tenantId)", tenant_id),
            )
            if not v
        ]
        if missing:
            raise errors.from_entry(
                "credentials-missing",
                _OPERATION,
                f"{source} selects a {kind.value} but {' and '.join(missing)} is not set",
            )
        return CredentialSpec(
            kind=kind, client_id=client_id.lower(), tenant_id=tenant_id, source=source, **material
        )

    if cert_path:
        password, _ = _first(environ, "ARM_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD")
        return service_principal(
            CredentialKind.CERTIFICATE, cert_var, certificate_path=cert_path, certificate_password=password
        )
    if secret:
        return service_principal(CredentialKind.SECRET, secret_var, secret=secret)
    if _flag(environ, "ARM_USE_OIDC"):
        audience = _first(environ, "ARM_OIDC_AUDIENCE")[0] or GITHUB_AUDIENCE
        token, token_var = _first(environ, "ARM_OIDC_TOKEN")
        if token:
            return service_principal(CredentialKind.OIDC_TOKEN, f"ARM_USE_OIDC + {token_var}", token=token)
        token_file, file_var = _first(environ, "ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE")
        if token_file:
            return service_principal(
                CredentialKind.OIDC_TOKEN_FILE, f"ARM_USE_OIDC + {file_var}", token_file=token_file
            )
        url, url_var = _first(environ, "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL")
        bearer, _ = _first(environ, "ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        if url and bearer:
            return service_principal(
                CredentialKind.OIDC_REQUEST,
                f"ARM_USE_OIDC + {url_var}",
                request_url=url,
                request_token=bearer,
                audience=audience,
            )
        raise errors.from_entry(
            "federated-token-unavailable",
            _OPERATION,
            "ARM_USE_OIDC is true but none of ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, or "
            "ARM_OIDC_REQUEST_URL with ARM_OIDC_REQUEST_TOKEN (or GitHub's ACTIONS_ID_TOKEN_REQUEST_*) is "
            "set",
        )
    if federated_file:
        return service_principal(CredentialKind.WORKLOAD_IDENTITY, federated_var, token_file=federated_file)
    if _flag(environ, "ARM_USE_CLI") is False:
        raise errors.from_entry(
            "credentials-missing",
            _OPERATION,
            "ARM_USE_CLI is false and no service-principal credential variable is set",
        )
    return CredentialSpec(
        kind=CredentialKind.AZURE_CLI,
        client_id=None,
        tenant_id=tenant_id,
        source="Azure CLI (no ARM_* credential variable set)",
    )
