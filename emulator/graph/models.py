"""Graph's rules for applications and service principals over the shared directory.

Every operation takes the verified `Caller`, checks its permission, finds objects through the replication
lag, and raises GraphError with the code Graph answers. Objects are addressed by object id or by an
alternate key (`appId='…'`, `uniqueName='…'`), as in Graph's URLs.
"""

from __future__ import annotations

import re
from typing import Optional

from ..core.service import EmulatorContext
from ..entra.directory import Application, Directory, KeyCredential, ServicePrincipal
from ..entra.seed import certificate_der
from .access import Caller, ReplicationLag
from .errors import GraphError, bad_request, not_found
from .shapes import SERVICE_PRINCIPAL_WRITABLE, application_properties

_ALT_KEY = re.compile(r"^(?P<name>appId|uniqueName|name)=(?P<quote>'?)(?P<value>.*)(?P=quote)$")
_FILTER_CLAUSE = re.compile(r"^\s*(?P<prop>\w+)\s+eq\s+'(?P<value>(?:[^']|'')*)'\s*$")


def parse_ref(ref: str) -> tuple[str, str]:
    """('id', value), ('appId', value), ('uniqueName', value) or ('name', value) of a URL key."""
    match = _ALT_KEY.match(ref)
    if match:
        return match.group("name"), match.group("value").replace("''", "'")
    return "id", ref


def parse_filter(text: Optional[str], allowed: tuple[str, ...], resource: str) -> list[tuple[str, str]]:
    """`prop eq 'value' [and ...]` for the allowed properties; anything else is refused as Graph does."""
    if not text:
        return []
    clauses = []
    for part in re.split(r"\s+and\s+", text.strip()):
        match = _FILTER_CLAUSE.match(part)
        if not match or match.group("prop") not in allowed:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                f"Unsupported or invalid query filter clause specified for resource '{resource}'.",
            )
        clauses.append((match.group("prop"), match.group("value").replace("''", "'")))
    return clauses


class GraphModel:
    def __init__(self, ctx: EmulatorContext, directory: Directory) -> None:
        self.ctx = ctx
        self.directory = directory
        self.lag = ReplicationLag(ctx.config)

    # --- applications ------------------------------------------------------------------------------
    def find_application(self, caller: Caller, ref: str) -> Application:
        kind, value = parse_ref(ref)
        if kind == "name":
            raise bad_request(f"Invalid object identifier '{ref}'.")
        with self.directory.lock:
            app = self.directory.application(caller.tenant_id, **{_LOOKUP[kind]: value})
            if app is None or not self.lag.visible(app.id):
                raise not_found(value)
            return app

    def list_applications(self, caller: Caller, filter_text: Optional[str]) -> list[Application]:
        caller.require_read()
        clauses = parse_filter(filter_text, ("appId", "displayName", "uniqueName"), "application")
        with self.directory.lock:
            found = [
                a
                for a in self.directory.applications_in(caller.tenant_id)
                if all(
                    _prop(a, p).lower() == v.lower() if p != "displayName" else _prop(a, p) == v
                    for p, v in clauses
                )
            ]
            return [a for a in found if self.lag.visible(a.id)]

    def get_application(self, caller: Caller, ref: str) -> Application:
        caller.require_read()
        return self.find_application(caller, ref)

    def create_application(self, caller: Caller, body: dict) -> Application:
        caller.require_write(creating=True)
        changes = application_properties(body, creating=True)
        with self.directory.lock:
            self._check_unique(caller.tenant_id, changes, None)
            keys = self._key_credentials(changes.pop("keyCredentials", []))
            changes.setdefault("signInAudience", "AzureADandPersonalMicrosoftAccount")
            app = self.directory.add_application(caller.tenant_id, changes, self.ctx.clock.now())
            app.keys = keys
            app.owners.add(caller.object_id)
        self.lag.created(app.id)
        return app

    def upsert_application(
        self, caller: Caller, unique_name: str, body: dict, create_if_missing: bool
    ) -> Optional[Application]:
        """PATCH /applications(uniqueName='x'): the created app, or None when an existing one was updated.

        The uniqueName index is consistent at once (an upsert during replication lag never duplicates)."""
        with self.directory.lock:
            existing = self.directory.application(caller.tenant_id, unique_name=unique_name)
            if existing is not None:
                self._patch(caller, existing, body)
                return None
            if not create_if_missing:
                raise not_found(f"uniqueName='{unique_name}'")
            if isinstance(body, dict) and body.get("uniqueName", unique_name) != unique_name:
                raise bad_request("The uniqueName in the body does not match the uniqueName in the URL.")
            return self.create_application(caller, {**body, "uniqueName": unique_name})

    def patch_application(self, caller: Caller, ref: str, body: dict) -> None:
        caller.require_read()
        with self.directory.lock:
            self._patch(caller, self.find_application(caller, ref), body)

    def delete_application(self, caller: Caller, ref: str) -> None:
        caller.require_read()
        with self.directory.lock:
            app = self.find_application(caller, ref)
            caller.require_write(app)
            sp = self.directory.service_principal(app.tenant_id, app_id=app.app_id)
            self.directory.remove_application(app)
        self.lag.forget(app.id)
        if sp is not None:
            self.lag.forget(sp.id)

    def _patch(self, caller: Caller, app: Application, body: dict) -> None:
        caller.require_write(app)
        changes = application_properties(body, creating=False, current=app.properties)
        self._check_unique(app.tenant_id, changes, app)
        if "keyCredentials" in changes:
            app.keys = self._key_credentials(changes.pop("keyCredentials"))
        app.properties.update(changes)

    def _check_unique(self, tenant_id: str, changes: dict, current: Optional[Application]) -> None:
        unique_name = changes.get("uniqueName")
        if unique_name:
            other = self.directory.application(tenant_id, unique_name=unique_name)
            if other is not None and other is not current:
                raise _conflict("uniqueName")
        other = self.directory.identifier_uri_owner(tenant_id, changes.get("identifierUris", []))
        if other is not None and other is not current:
            raise _conflict("identifierUris")

    @staticmethod
    def _key_credentials(items) -> list[KeyCredential]:
        if not isinstance(items, list):
            raise bad_request(
                "Invalid value specified for property 'keyCredentials' of resource 'Application'."
            )
        keys = []
        for item in items:
            try:
                keys.append(
                    KeyCredential.from_der(
                        certificate_der(item["key"]), item.get("displayName"), item.get("keyId")
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise bad_request(
                    "Invalid value specified for property 'keyCredentials' of resource "
                    "'Application': 'key' must be a base64 X.509 certificate."
                ) from None
        return keys

    # --- service principals ------------------------------------------------------------------------
    def create_service_principal(self, caller: Caller, body: dict) -> ServicePrincipal:
        caller.require_read()
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        unknown = set(body) - SERVICE_PRINCIPAL_WRITABLE - {"@odata.type"}
        if unknown:
            raise bad_request(
                f"Property '{sorted(unknown)[0]}' does not exist as a declared property or "
                "extension property."
            )
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise bad_request("Invalid value specified for property 'appId' of resource 'ServicePrincipal'.")
        with self.directory.lock:
            app = self.directory.application(caller.tenant_id, app_id=app_id)
            if app is None or not self.lag.visible(app.id):
                message = (
                    f"The appId '{app_id}' of the service principal does not reference a valid "
                    "application object."
                )
                raise bad_request(
                    message,
                    details=[{"code": "NoBackingApplicationObject", "message": message, "target": "appId"}],
                )
            caller.require_write(app)
            if self.directory.service_principal(caller.tenant_id, app_id=app_id) is not None:
                raise GraphError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    "The service principal cannot be created, updated, or restored because the "
                    f"service principal name {app_id} is already in use.",
                )
            properties = {k: v for k, v in body.items() if k not in ("appId", "@odata.type")}
            sp = self.directory.add_service_principal(app, properties, self.ctx.clock.now())
            sp.owners.add(caller.object_id)
        self.lag.created(sp.id)
        return sp

    def find_service_principal(self, caller: Caller, ref: str) -> ServicePrincipal:
        caller.require_read()
        kind, value = parse_ref(ref)
        if kind not in ("id", "appId"):
            raise bad_request(f"Invalid object identifier '{ref}'.")
        with self.directory.lock:
            sp = self.directory.service_principal(caller.tenant_id, **{_LOOKUP[kind]: value})
            if sp is None or not self.lag.visible(sp.id):
                raise not_found(value)
            return sp

    def list_service_principals(self, caller: Caller, filter_text: Optional[str]) -> list[ServicePrincipal]:
        caller.require_read()
        clauses = parse_filter(filter_text, ("appId",), "servicePrincipal")
        with self.directory.lock:
            found = [
                s
                for s in self.directory.service_principals_in(caller.tenant_id)
                if all(s.app_id == v.lower() for _, v in clauses)
            ]
            return [s for s in found if self.lag.visible(s.id)]

    def delete_service_principal(self, caller: Caller, ref: str) -> None:
        with self.directory.lock:
            sp = self.find_service_principal(caller, ref)
            app = self.directory.application(sp.tenant_id, app_id=sp.app_id)
            if app is not None:
                caller.require_write(app)
            elif caller.object_id not in sp.owners:
                caller.require_write()
            self.directory.remove_service_principal(sp)
        self.lag.forget(sp.id)

    def application_of(self, sp: ServicePrincipal) -> Optional[Application]:
        return self.directory.application(sp.tenant_id, app_id=sp.app_id)


_LOOKUP = {"id": "object_id", "appId": "app_id", "uniqueName": "unique_name"}


def _prop(app: Application, name: str) -> str:
    if name == "appId":
        return app.app_id
    return app.properties.get(name) or ""


def _conflict(prop: str) -> GraphError:
    return bad_request(
        f"Another object with the same value for property {prop} already exists.",
        details=[{"code": "ObjectConflict", "target": prop}],
    )
