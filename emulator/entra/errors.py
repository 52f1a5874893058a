"""Entra ID error answers: the AADSTS catalogue and the body of reference §1.3.

Each code carries its OAuth `error` value, HTTP status and message template. Messages follow the wording
the real service sends (reference §1.3, §6 #23-24 and the threads cited there); codes the reference tags
[C] or [I] are marked so in emulator/README.md. Clients must branch on `error`/`error_codes`, never
on the text, so only the codes are load-bearing.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Optional

from werkzeug.wrappers import Response

_FIC_HINT = (
    "Check your federated identity credential Subject, Audience and Issuer against the presented "
    "assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
)
_CERT_DOC = (
    "Review the documentation at "
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."
)
_NOT_INSTALLED = (
    "This can happen if the application has not been installed by the administrator of the tenant "
    "or consented to by any user in the tenant. You might have sent your authentication request to "
    "the wrong tenant."
)

# code: (error, HTTP status, message template)
CATALOGUE: dict[int, tuple[str, int, str]] = {
    70003: ("unsupported_grant_type", 400, "The app requested an unsupported grant type '{grant_type}'."),
    900144: ("invalid_request", 400, "The request body must contain the following parameter: '{parameter}'."),
    90002: (
        "invalid_tenant",
        400,
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
        "the correct cloud. Check with your subscription administrator, this may happen if there are no "
        "active subscriptions for the tenant.",
    ),
    700016: (
        "unauthorized_client",
        400,
        "Application with identifier '{app_id}' was not found in the directory '{tenant_name}'. "
        + _NOT_INSTALLED,
    ),
    7000229: (
        "invalid_client",
        401,
        "The client application {app_id} is missing service principal in the tenant {tenant_id}.",
    ),
    7000215: (
        "invalid_client",
        401,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        "value, not the client secret ID, for a secret added to app '{app_id}'.",
    ),
    7000222: (
        "invalid_client",
        401,
        "The provided client secret keys for app '{app_id}' are expired. Visit the Azure portal to create "
        "new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials "
        "for added security: https://aka.ms/certCreds.",
    ),
    7000218: (
        "invalid_client",
        401,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
    500011: (
        "invalid_resource",
        400,
        "The resource principal named {resource} was not found in the tenant named {tenant_name}. "
        + _NOT_INSTALLED,
    ),
    70011: (
        "invalid_scope",
        400,
        "The provided request must include a 'scope' input parameter. The provided value for the input "
        "parameter 'scope' is not valid. The scope {scope} is not valid.",
    ),
    1002012: (
        "invalid_scope",
        400,
        "The provided value for scope {scope} is not valid. Client credential flows must have a scope value "
        "with /.default suffixed to the resource identifier (application ID URI).",
    ),
    50027: ("invalid_request", 400, "JWT token is invalid or malformed. {detail}"),
    700023: (
        "invalid_client",
        401,
        "Client assertion audience claim does not match Realm issuer. " + _CERT_DOC,
    ),
    700024: (
        "invalid_client",
        401,
        "Client assertion is not within its valid time range. Current time: {now}, assertion valid from "
        "{not_before}, expiry time of assertion {expires}. " + _CERT_DOC,
    ),
    700027: (
        "invalid_client",
        401,
        "Client assertion contains an invalid signature. [Reason - {reason}, Thumbprint of key used by "
        "client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to "
        "see configured keys for app Id '{app_id}'.]",
    ),
    70021: (
        "invalid_client",
        401,
        "No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. "
        "Assertion Subject: '{subject}'. Assertion Audience: '{audience}'. " + _FIC_HINT,
    ),
    700211: (
        "invalid_client",
        401,
        "No matching federated identity record found for presented assertion issuer '{issuer}'. " + _FIC_HINT,
    ),
    700212: (
        "invalid_client",
        401,
        "No matching federated identity record found for presented assertion audience '{audience}'. "
        + _FIC_HINT,
    ),
    700213: (
        "invalid_client",
        401,
        "No matching federated identity record found for presented assertion subject '{subject}'. "
        + _FIC_HINT,
    ),
    7002138: (
        "invalid_client",
        401,
        "No matching federated identity record found for presented assertion subject '{subject}'. The "
        "subject matches with case-insensitive comparison, but not with case-sensitive comparison. "
        + _FIC_HINT,
    ),
}


class AadError(Exception):
    """An AADSTS answer; `params` fill the catalogue's message template."""

    def __init__(self, code: int, **params: str) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return CATALOGUE[self.code][2].format(**self.params).strip()

    @property
    def status(self) -> int:
        return CATALOGUE[self.code][1]

    @property
    def error(self) -> str:
        return CATALOGUE[self.code][0]


def timestamp(now: float) -> str:
    """`2024-01-01 00:00:00Z`, the form of the body's `timestamp`."""
    return datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def error_body(
    error: str, description: str, codes: list[int], now: float, correlation_id: Optional[str] = None
) -> dict:
    trace_id, correlation_id = str(uuid.uuid4()), correlation_id or str(uuid.uuid4())
    stamp = timestamp(now)
    body = {
        "error": error,
        "error_description": f"{description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}"
        f"\r\nTimestamp: {stamp}",
        "error_codes": codes,
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    if codes:
        body["error_uri"] = f"https://login.microsoftonline.com/error?code={codes[0]}"
    return body


def aad_response(exc: AadError, now: float, correlation_id: Optional[str] = None) -> Response:
    body = error_body(exc.error, f"AADSTS{exc.code}: {exc.message}", [exc.code], now, correlation_id)
    return json_no_store(exc.status, body)


def json_no_store(status: int, body: dict, headers: Optional[dict] = None) -> Response:
    """Token endpoint answers are never cached (RFC 6749 §5.1)."""
    merged = {
        "Cache-Control": "no-store, no-cache",
        "Pragma": "no-cache",
        "x-ms-request-id": str(uuid.uuid4()),
    }
    merged.update(headers or {})
    return Response(
        json.dumps(body), status=status, headers=merged, content_type="application/json; charset=utf-8"
    )
