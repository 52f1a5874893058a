"""An application's secrets (addPassword / removePassword) and federated identity credentials.

addPassword answers the secret text once; the directory keeps only its digest, so no later read shows it,
and the secret then authenticates at the token endpoint (reference §2.1). Federated identity credentials
follow reference §2.3: at most 20 per app, `name` up to 120 URL-friendly characters and immutable, `issuer`
and `subject` up to 600 characters and unique together, exactly one audience.
"""

from __future__ import annotations

import re
import uuid
from typing import Optional

from ..core.clock import parse_iso
from ..entra.directory import TWO_YEARS, Application, FederatedCredential, PasswordCredential
from .access import Caller
from .errors import GraphError, bad_request, not_found
from .models import GraphModel, parse_ref

MAX_FEDERATED = 20
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_FIC_FIELDS = {"name", "issuer", "subject", "audiences", "description", "@odata.type"}


class CredentialModel:
    def __init__(self, graph: GraphModel) -> None:
        self.graph = graph
        self.directory = graph.directory

    # --- secrets -----------------------------------------------------------------------------------
    def add_password(self, caller: Caller, ref: str, body: dict) -> tuple[PasswordCredential, str]:
        caller.require_read()
        wanted = body.get("passwordCredential", {}) if isinstance(body, dict) else None
        if not isinstance(wanted, dict):
            raise bad_request("Invalid value specified for property 'passwordCredential'.")
        now = self.graph.ctx.clock.now()
        start = _date(wanted, "startDateTime", now)
        end = _date(wanted, "endDateTime", start + TWO_YEARS)
        if end <= start:
            raise bad_request(
                "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'."
            )
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            caller.require_write(app)
            return app.add_password(wanted.get("displayName"), start, end)

    def remove_password(self, caller: Caller, ref: str, body: dict) -> None:
        caller.require_read()
        key_id = body.get("keyId") if isinstance(body, dict) else None
        if not isinstance(key_id, str) or not key_id:
            raise bad_request("Invalid value specified for property 'keyId'.")
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            caller.require_write(app)
            kept = [p for p in app.passwords if p.key_id != key_id.lower()]
            if len(kept) == len(app.passwords):
                raise bad_request(f"No password credential found with keyId '{key_id}'.")
            app.passwords = kept

    # --- federated identity credentials ------------------------------------------------------------
    def list_federated(self, caller: Caller, ref: str) -> tuple[Application, list[FederatedCredential]]:
        caller.require_read()
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            return app, list(app.federated)

    def get_federated(
        self, caller: Caller, ref: str, fic_ref: str
    ) -> tuple[Application, FederatedCredential]:
        caller.require_read()
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            return app, _find(app, fic_ref)

    def create_federated(
        self, caller: Caller, ref: str, body: dict
    ) -> tuple[Application, FederatedCredential]:
        caller.require_read()
        fields = _fic_fields(body, creating=True)
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            caller.require_write(app)
            if len(app.federated) >= MAX_FEDERATED:
                raise bad_request(
                    f"The application already has the maximum of {MAX_FEDERATED} federated identity "
                    "credentials."
                )
            if any(f.name.lower() == fields["name"].lower() for f in app.federated):
                raise GraphError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    f"FederatedIdentityCredential with name {fields['name']} already exists.",
                )
            _check_pair_unique(app, fields["issuer"], fields["subject"], None)
            credential = FederatedCredential(
                id=str(uuid.uuid4()),
                name=fields["name"],
                issuer=fields["issuer"],
                subject=fields["subject"],
                audiences=fields["audiences"],
                description=fields.get("description"),
            )
            app.federated.append(credential)
            return app, credential

    def update_federated(self, caller: Caller, ref: str, fic_ref: str, body: dict) -> None:
        caller.require_read()
        fields = _fic_fields(body, creating=False)
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            caller.require_write(app)
            credential = _find(app, fic_ref)
            if "name" in fields and fields["name"] != credential.name:
                raise bad_request("Property 'name' of a federated identity credential cannot be changed.")
            _check_pair_unique(
                app,
                fields.get("issuer", credential.issuer),
                fields.get("subject", credential.subject),
                credential,
            )
            for attr in ("issuer", "subject", "audiences", "description"):
                if attr in fields:
                    setattr(credential, attr, fields[attr])

    def delete_federated(self, caller: Caller, ref: str, fic_ref: str) -> None:
        caller.require_read()
        with self.directory.lock:
            app = self.graph.find_application(caller, ref)
            caller.require_write(app)
            credential = _find(app, fic_ref)
            app.federated = [f for f in app.federated if f is not credential]


def _find(app: Application, fic_ref: str) -> FederatedCredential:
    kind, value = parse_ref(fic_ref)
    for credential in app.federated:
        if (kind == "name" and credential.name == value) or (kind == "id" and credential.id == value.lower()):
            return credential
    raise not_found(value)


def _fic_fields(body: dict, *, creating: bool) -> dict:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    unknown = set(body) - _FIC_FIELDS
    if unknown:
        raise bad_request(
            f"Property '{sorted(unknown)[0]}' does not exist as a declared property or extension property."
        )
    required = ("name", "issuer", "subject", "audiences") if creating else ()
    for key in required:
        if key not in body:
            raise bad_request(f"Property '{key}' is required for a federated identity credential.")
    if "name" in body and not (
        isinstance(body["name"], str) and 0 < len(body["name"]) <= 120 and _NAME.match(body["name"])
    ):
        raise bad_request(
            "Invalid value specified for property 'name' of resource 'FederatedIdentityCredential': "
            "up to 120 characters, letters, digits, '-', '_' and '.', starting with a letter or digit."
        )
    for key in ("issuer", "subject"):
        if key in body and not (isinstance(body[key], str) and 0 < len(body[key]) <= 600):
            raise bad_request(
                f"Invalid value specified for property '{key}' of resource "
                "'FederatedIdentityCredential': 1 to 600 characters."
            )
    audiences = body.get("audiences", [""])
    if "audiences" in body and not (
        isinstance(audiences, list) and len(audiences) == 1 and isinstance(audiences[0], str) and audiences[0]
    ):
        raise bad_request(
            "Invalid value specified for property 'audiences' of resource "
            "'FederatedIdentityCredential': exactly one audience is allowed."
        )
    return {k: v for k, v in body.items() if k != "@odata.type"}


def _check_pair_unique(
    app: Application, issuer: str, subject: str, current: Optional[FederatedCredential]
) -> None:
    for other in app.federated:
        if other is not current and other.issuer == issuer and other.subject == subject:
            raise GraphError(
                400,
                "InvalidFederatedIdentityCredentialValue",
                "The combination of issuer and subject must be unique for the application. "
                f"Issuer {issuer} and Subject: {subject} already exist.",
            )


def _date(body: dict, key: str, default: float) -> float:
    if body.get(key) is None:
        return default
    try:
        return parse_iso(str(body[key]))
    except ValueError:
        raise bad_request(
            f"Invalid value specified for property '{key}' of resource 'PasswordCredential'."
        ) from None
