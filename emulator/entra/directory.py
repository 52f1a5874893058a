"""The directory: tenants, applications with their credentials, service principals with their app roles.

One model shared by Entra ID (which authenticates against it) and Microsoft Graph (which edits it), as in
the real service. Secrets are kept only as SHA-256 digests: Graph shows a secret once and never again.
All state is guarded by one re-entrant lock (`Directory.lock`); callers hold it across compound changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import string
import threading
import uuid
from typing import Iterable, Optional

from ..core.keyring import describe_certificate

SECRET_ALPHABET = string.ascii_letters + string.digits + "~._-"
TWO_YEARS = 2 * 365 * 24 * 3600


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret_text() -> str:
    """40 characters in the shape Entra makes them (three characters, `8Q~`, then 34 more)."""
    pick = lambda n: "".join(secrets.choice(SECRET_ALPHABET) for _ in range(n))  # noqa: E731
    return pick(3) + "8Q~" + pick(34)


@dataclasses.dataclass
class PasswordCredential:
    key_id: str
    display_name: Optional[str]
    hint: str
    secret_sha256: str
    start: float
    end: float

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_sha256, _digest(secret))


@dataclasses.dataclass
class KeyCredential:
    key_id: str
    display_name: Optional[str]
    der: bytes
    sha1: str
    sha256: str
    start: float
    end: float

    @classmethod
    def from_der(
        cls, der: bytes, display_name: Optional[str] = None, key_id: Optional[str] = None
    ) -> "KeyCredential":
        sha1, sha256, start, end = describe_certificate(der)
        return cls(
            key_id=key_id or str(uuid.uuid4()),
            display_name=display_name,
            der=der,
            sha1=sha1,
            sha256=sha256,
            start=start,
            end=end,
        )


@dataclasses.dataclass
class FederatedCredential:
    id: str
    name: str
    issuer: str
    subject: str
    audiences: list[str]
    description: Optional[str] = None


@dataclasses.dataclass
class Tenant:
    id: str
    display_name: str
    domains: list[str]

    @property
    def default_domain(self) -> str:
        return self.domains[0] if self.domains else self.id


@dataclasses.dataclass
class Application:
    id: str
    app_id: str
    tenant_id: str
    created: float
    properties: dict  # Graph's writable properties (displayName, uniqueName, signInAudience, ...)
    passwords: list[PasswordCredential] = dataclasses.field(default_factory=list)
    keys: list[KeyCredential] = dataclasses.field(default_factory=list)
    federated: list[FederatedCredential] = dataclasses.field(default_factory=list)
    owners: set[str] = dataclasses.field(default_factory=set)  # object ids of owning service principals

    @property
    def display_name(self) -> str:
        return self.properties.get("displayName") or ""

    def add_password(
        self, display_name: Optional[str], start: float, end: float, secret: Optional[str] = None
    ) -> tuple[PasswordCredential, str]:
        """Add a secret (made here unless given, as seeds do) and return it with its text, shown once."""
        text = secret or new_secret_text()
        credential = PasswordCredential(
            key_id=str(uuid.uuid4()),
            display_name=display_name,
            hint=text[:3],
            secret_sha256=_digest(text),
            start=start,
            end=end,
        )
        self.passwords.append(credential)
        return credential, text

    def password_matching(self, secret: str) -> Optional[PasswordCredential]:
        return next((p for p in self.passwords if p.matches(secret)), None)

    def key_with_thumbprint(self, sha1: Optional[str], sha256: Optional[str]) -> Optional[KeyCredential]:
        for key in self.keys:
            if (sha256 and key.sha256 == sha256.lower()) or (sha1 and key.sha1 == sha1.lower()):
                return key
        return None


@dataclasses.dataclass
class ServicePrincipal:
    id: str
    app_id: str
    tenant_id: str
    created: float
    properties: dict
    app_roles: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # resource -> roles
    owners: set[str] = dataclasses.field(default_factory=set)

    def roles_for(self, resource: str) -> tuple[str, ...]:
        wanted = resource.rstrip("/").lower()
        return next((roles for res, roles in self.app_roles.items() if res.rstrip("/").lower() == wanted), ())


class Directory:
    """Thread-safe store; lookups are case-insensitive on GUIDs and domains, as Entra's are."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self.applications: dict[str, Application] = {}
        self.service_principals: dict[str, ServicePrincipal] = {}

    def clear(self) -> None:
        with self.lock:
            self.tenants.clear()
            self.applications.clear()
            self.service_principals.clear()

    # --- lookups -----------------------------------------------------------------------------------
    def tenant(self, ref: str) -> Optional[Tenant]:
        """A tenant by GUID or by one of its verified domains."""
        key = ref.lower()
        with self.lock:
            return self.tenants.get(key) or next(
                (t for t in self.tenants.values() if key in (d.lower() for d in t.domains)), None
            )

    def application(
        self, tenant_id: str, *, object_id: str = "", app_id: str = "", unique_name: str = ""
    ) -> Optional[Application]:
        with self.lock:
            for app in self.applications.values():
                if app.tenant_id != tenant_id:
                    continue
                if (
                    (object_id and app.id == object_id.lower())
                    or (app_id and app.app_id == app_id.lower())
                    or (
                        unique_name
                        and (app.properties.get("uniqueName") or "").lower() == unique_name.lower()
                    )
                ):
                    return app
        return None

    def service_principal(
        self, tenant_id: str, *, object_id: str = "", app_id: str = ""
    ) -> Optional[ServicePrincipal]:
        with self.lock:
            for sp in self.service_principals.values():
                if sp.tenant_id == tenant_id and (
                    (object_id and sp.id == object_id.lower()) or (app_id and sp.app_id == app_id.lower())
                ):
                    return sp
        return None

    def applications_in(self, tenant_id: str) -> list[Application]:
        with self.lock:
            return sorted(
                (a for a in self.applications.values() if a.tenant_id == tenant_id), key=lambda a: a.created
            )

    def service_principals_in(self, tenant_id: str) -> list[ServicePrincipal]:
        with self.lock:
            return sorted(
                (s for s in self.service_principals.values() if s.tenant_id == tenant_id),
                key=lambda s: s.created,
            )

    # --- changes -----------------------------------------------------------------------------------
    def add_application(
        self, tenant_id: str, properties: dict, now: float, *, app_id: str = "", object_id: str = ""
    ) -> Application:
        app = Application(
            id=(object_id or str(uuid.uuid4())).lower(),
            app_id=(app_id or str(uuid.uuid4())).lower(),
            tenant_id=tenant_id,
            created=now,
            properties=properties,
        )
        with self.lock:
            self.applications[app.id] = app
        return app

    def remove_application(self, app: Application) -> None:
        """Delete an app and, as Entra does, its service principal in the home tenant."""
        with self.lock:
            self.applications.pop(app.id, None)
            sp = self.service_principal(app.tenant_id, app_id=app.app_id)
            if sp is not None:
                self.service_principals.pop(sp.id, None)

    def add_service_principal(
        self, app: Application, properties: dict, now: float, *, object_id: str = ""
    ) -> ServicePrincipal:
        sp = ServicePrincipal(
            id=(object_id or str(uuid.uuid4())).lower(),
            app_id=app.app_id,
            tenant_id=app.tenant_id,
            created=now,
            properties=properties,
        )
        with self.lock:
            self.service_principals[sp.id] = sp
        return sp

    def remove_service_principal(self, sp: ServicePrincipal) -> None:
        with self.lock:
            self.service_principals.pop(sp.id, None)

    def identifier_uri_owner(self, tenant_id: str, uris: Iterable[str]) -> Optional[Application]:
        """The app that already uses one of these identifier URIs (unique tenant-wide)."""
        wanted = {u.lower() for u in uris}
        with self.lock:
            for app in self.applications.values():
                if app.tenant_id == tenant_id and wanted & {
                    u.lower() for u in app.properties.get("identifierUris", [])
                }:
                    return app
        return None

    # --- state dump --------------------------------------------------------------------------------
    def dump(self) -> dict:
        with self.lock:
            return {
                "tenants": [
                    {"id": t.id, "displayName": t.display_name, "domains": list(t.domains)}
                    for t in self.tenants.values()
                ],
                "applications": [_dump_app(a) for a in self.applications.values()],
                "servicePrincipals": [
                    {
                        "id": s.id,
                        "appId": s.app_id,
                        "tenantId": s.tenant_id,
                        "owners": sorted(s.owners),
                        "appRoles": {k: list(v) for k, v in s.app_roles.items()},
                    }
                    for s in self.service_principals.values()
                ],
            }


def _dump_app(app: Application) -> dict:
    return {
        "id": app.id,
        "appId": app.app_id,
        "tenantId": app.tenant_id,
        "displayName": app.display_name,
        "uniqueName": app.properties.get("uniqueName"),
        "owners": sorted(app.owners),
        "passwordCredentials": [
            {"keyId": p.key_id, "displayName": p.display_name, "hint": p.hint} for p in app.passwords
        ],
        "keyCredentials": [
            {"keyId": k.key_id, "displayName": k.display_name, "thumbprint": k.sha1} for k in app.keys
        ],
        "federatedIdentityCredentials": [
            {
                "id": f.id,
                "name": f.name,
                "issuer": f.issuer,
                "subject": f.subject,
                "audiences": list(f.audiences),
            }
            for f in app.federated
        ],
    }
