"""Load the `directory` section of a fixture (format: emulator/README.md, "Fixture format").

Seeding is additive: an application whose appId is already present is replaced, everything else stays.
Object ids not given in the fixture are derived from the appId, so dumps are stable between runs.
"""

from __future__ import annotations

import base64
import uuid
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..core.clock import parse_iso
from ..core.keyring import Keyring
from .directory import TWO_YEARS, Application, Directory, FederatedCredential, KeyCredential, Tenant

_SEED_NAMESPACE = uuid.UUID("5e3d0f6c-3b3a-4c55-9a57-6f2f63d2e0a1")
_APP_FIELDS = {
    "id",
    "appId",
    "tenantId",
    "displayName",
    "uniqueName",
    "signInAudience",
    "identifierUris",
    "passwordCredentials",
    "keyCredentials",
    "federatedIdentityCredentials",
    "owners",
    "servicePrincipal",
    "tags",
    "description",
    "notes",
}


def derived_id(kind: str, app_id: str) -> str:
    return str(uuid.uuid5(_SEED_NAMESPACE, f"{kind}:{app_id.lower()}"))


def load_directory(directory: Directory, section: dict, keyring: Keyring, now: float) -> None:
    if not isinstance(section, dict):
        raise ValueError("directory: must be an object with 'tenants' and 'applications'")
    with directory.lock:
        for tenant in section.get("tenants", []):
            _load_tenant(directory, tenant)
        owners: list[tuple[Application, list[str]]] = []
        for index, entry in enumerate(section.get("applications", [])):
            app = _load_application(directory, entry, keyring, now, f"directory.applications[{index}]")
            owners.append((app, entry.get("owners", [])))
        for app, owner_app_ids in owners:
            _resolve_owners(directory, app, owner_app_ids)


def _load_tenant(directory: Directory, entry: dict) -> None:
    tenant_id = _required(entry, "id", "directory.tenants[]").lower()
    directory.tenants[tenant_id] = Tenant(
        id=tenant_id, display_name=entry.get("displayName", tenant_id), domains=list(entry.get("domains", []))
    )


def _load_application(
    directory: Directory, entry: dict, keyring: Keyring, now: float, where: str
) -> Application:
    unknown = set(entry) - _APP_FIELDS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(_APP_FIELDS)}")
    app_id = _required(entry, "appId", where).lower()
    tenant_id = _required(entry, "tenantId", where).lower()
    if tenant_id not in directory.tenants:
        raise ValueError(f"{where}.tenantId: tenant {tenant_id} is not in directory.tenants")
    existing = directory.application(tenant_id, app_id=app_id)
    if existing is not None:
        directory.remove_application(existing)
    properties = {
        k: entry[k]
        for k in (
            "displayName",
            "uniqueName",
            "signInAudience",
            "identifierUris",
            "tags",
            "description",
            "notes",
        )
        if k in entry
    }
    properties.setdefault("displayName", app_id)
    properties.setdefault("signInAudience", "AzureADMyOrg")
    app = directory.add_application(
        tenant_id,
        properties,
        now,
        app_id=app_id,
        object_id=entry.get("id") or derived_id("application", app_id),
    )
    for credential in entry.get("passwordCredentials", []):
        secret = _required(credential, "secretText", f"{where}.passwordCredentials[]")
        start = parse_iso(credential["startDateTime"]) if "startDateTime" in credential else now
        end = parse_iso(credential["endDateTime"]) if "endDateTime" in credential else start + TWO_YEARS
        app.add_password(credential.get("displayName"), start, end, secret=secret)
    for credential in entry.get("keyCredentials", []):
        app.keys.append(_key_credential(credential, keyring, f"{where}.keyCredentials[]"))
    for credential in entry.get("federatedIdentityCredentials", []):
        app.federated.append(
            FederatedCredential(
                id=credential.get("id") or str(uuid.uuid4()),
                name=_required(credential, "name", where),
                issuer=_required(credential, "issuer", where),
                subject=_required(credential, "subject", where),
                audiences=list(credential.get("audiences", ["api://AzureADTokenExchange"])),
                description=credential.get("description"),
            )
        )
    _load_service_principal(directory, app, entry.get("servicePrincipal"), now, where)
    return app


def _load_service_principal(directory: Directory, app: Application, entry, now: float, where: str) -> None:
    """`servicePrincipal`: absent or false (none), true, or {"id"?, "appRoles": {resource: [roles]}}."""
    if not entry:
        return
    entry = entry if isinstance(entry, dict) else {}
    sp = directory.add_service_principal(
        app,
        {"accountEnabled": entry.get("accountEnabled", True)},
        now,
        object_id=entry.get("id") or derived_id("servicePrincipal", app.app_id),
    )
    roles = entry.get("appRoles", {})
    if not isinstance(roles, dict):
        raise ValueError(
            f"{where}.servicePrincipal.appRoles: must map a resource URI to a list of role names"
        )
    sp.app_roles = {resource.rstrip("/"): tuple(names) for resource, names in roles.items()}


def _key_credential(entry: dict, keyring: Keyring, where: str) -> KeyCredential:
    """{"generate": name} (a key pair made by the emulator) or {"certificate": PEM or base64 DER}."""
    if "generate" in entry:
        der = keyring.certificate(entry["generate"]).certificate_der
    elif "certificate" in entry:
        der = certificate_der(entry["certificate"])
    else:
        raise ValueError(f"{where}: give 'generate' (a certificate name) or 'certificate' (PEM)")
    return KeyCredential.from_der(der, display_name=entry.get("displayName"), key_id=entry.get("keyId"))


def certificate_der(text: str) -> bytes:
    """DER bytes of a PEM certificate or of base64 DER (Graph's keyCredentials `key`)."""
    if "-----BEGIN" in text:
        return x509.load_pem_x509_certificate(text.encode()).public_bytes(serialization.Encoding.DER)
    der = base64.b64decode(text)
    x509.load_der_x509_certificate(der)  # raises ValueError on anything that is not a certificate
    return der


def _resolve_owners(directory: Directory, app: Application, owner_app_ids: list[str]) -> None:
    for owner_app_id in owner_app_ids:
        sp = directory.service_principal(app.tenant_id, app_id=owner_app_id)
        if sp is None:
            raise ValueError(f"directory: owner {owner_app_id} of app {app.app_id} has no service principal")
        app.owners.add(sp.id)
        owned_sp = directory.service_principal(app.tenant_id, app_id=app.app_id)
        if owned_sp is not None:
            owned_sp.owners.add(sp.id)


def _required(entry: dict, key: str, where: str) -> str:
    value: Optional[str] = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key}: required (a non-empty string)")
    return value
