"""Azure Resource Manager answers on the wire: `{"error": {"code", "message"[, "details"]}}` (reference §3.3).

The constructors below carry the messages ARM and the Bot Service resource provider send; the tags of each
fact are in emulator/README.md ("Fidelity").
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Optional

from werkzeug.wrappers import Response

SUPPORTED_API_VERSIONS = ("2022-09-15", "2023-09-15-preview")
ALLOWED_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)


class ArmError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Optional[list] = None,
        headers: Optional[dict] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def arm_response(status: int, body: Any = None, headers: Optional[dict] = None) -> Response:
    request_id = str(uuid.uuid4())
    merged = {"x-ms-request-id": request_id, "x-ms-correlation-request-id": request_id}
    merged.update(headers or {})
    if body is None:
        return Response(status=status, headers=merged)
    return Response(
        json.dumps(body), status=status, headers=merged, content_type="application/json; charset=utf-8"
    )


def error_body(code: str, message: str, details: Optional[list] = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


# --- authentication and authorisation ----------------------------------------------------------------
def missing_token() -> ArmError:
    return ArmError(
        401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
    )


def invalid_token() -> ArmError:
    return ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.")


def expired_token(expired_at: str, now: str) -> ArmError:
    return ArmError(
        401,
        "ExpiredAuthenticationToken",
        f"The access token expiry UTC time '{expired_at}' is earlier than current UTC time '{now}'.",
    )


def wrong_audience(audience: str) -> ArmError:
    allowed = ",".join(f"'{a}'" for a in ALLOWED_AUDIENCES)
    return ArmError(
        401,
        "InvalidAuthenticationToken",
        f"The access token has been obtained for wrong audience or resource '{audience}'. It should "
        f"exactly match with one of the allowed audiences {allowed}.",
    )


def wrong_tenant(issuer: str, tenant_id: str) -> ArmError:
    return ArmError(
        401,
        "InvalidAuthenticationTokenTenant",
        f"The access token is from the wrong issuer '{issuer}'. It must match the tenant "
        f"'https://sts.windows.net/{tenant_id}/' associated with this subscription.",
    )


def authorization_failed(app_id: str, object_id: str, action: str, scope: str) -> ArmError:
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{app_id}' with object id '{object_id}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently "
        "granted, please refresh your credentials.",
    )


# --- request shape -------------------------------------------------------------------------------------
def missing_api_version() -> ArmError:
    return ArmError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
    )


def unsupported_api_version(version: str, resource_type: str) -> ArmError:
    return ArmError(
        400,
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location 'global' and API version '{version}' for "
        f"type '{resource_type}'. The supported api-versions are '{', '.join(SUPPORTED_API_VERSIONS)}'. "
        "The supported locations are 'global, westeurope, westus, centralindia'.",
    )


def invalid_json() -> ArmError:
    return ArmError(
        400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."
    )


# --- scope ---------------------------------------------------------------------------------------------
def subscription_not_found(subscription_id: str) -> ArmError:
    return ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found.")


def not_registered(namespace: str = "Microsoft.BotService") -> ArmError:
    message = (
        f"The subscription is not registered to use namespace '{namespace}'. See "
        "https://aka.ms/rps-not-found for how to register subscriptions."
    )
    return ArmError(
        409,
        "MissingSubscriptionRegistration",
        message,
        details=[{"code": "MissingSubscriptionRegistration", "target": namespace, "message": message}],
    )


def group_not_found(group: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{group}' could not be found.")


def resource_not_found(resource: str, group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource}' under resource group '{group}' was not found. For more details "
        "please go to https://aka.ms/ARMResourceNotFoundFix",
    )


# --- the Bot Service resource provider -----------------------------------------------------------------
def invalid_bot(error: str) -> ArmError:
    return ArmError(400, "InvalidBotData", f"Bot is not valid. Errors: {error}. ")


def unknown_error(message: str) -> ArmError:
    """The resource provider's catch-all (reference §3.2, §6 #16 and #21: a 500, not a 400)."""
    return ArmError(500, "UnknownError", message)


def invalid_channel(message: str) -> ArmError:
    return ArmError(400, "InvalidChannelData", message)
