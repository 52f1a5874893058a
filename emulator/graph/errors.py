"""Microsoft Graph answers on the wire: the error body of reference §2.4 and the JSON headers Graph sends.

{"error": {"code": "Request_ResourceNotFound", "message": "...",
           "innerError": {"date": "2024-01-01T00:00:00", "request-id": "<guid>", "client-request-id":
           "<guid>"}}}
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any, Optional

from werkzeug.wrappers import Response

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


class GraphError(Exception):
    """An answer Graph gives instead of the resource; `details` fill error.details when Graph sends them."""

    def __init__(self, status: int, code: str, message: str, *, details: Optional[list] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def not_found(object_id: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def bad_request(message: str, *, details: Optional[list] = None) -> GraphError:
    return GraphError(400, "Request_BadRequest", message, details=details)


def denied() -> GraphError:
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def error_body(
    code: str,
    message: str,
    now: float,
    client_request_id: Optional[str] = None,
    details: Optional[list] = None,
) -> dict:
    request_id = str(uuid.uuid4())
    date = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    error["innerError"] = {
        "date": date,
        "request-id": request_id,
        "client-request-id": client_request_id or request_id,
    }
    return {"error": error}


def graph_response(
    status: int, body: Any = None, *, client_request_id: Optional[str] = None, headers: Optional[dict] = None
) -> Response:
    """A Graph answer with its request-id headers; `body=None` gives an empty body (204)."""
    request_id = str(uuid.uuid4())
    merged = {"request-id": request_id, "client-request-id": client_request_id or request_id}
    merged.update(headers or {})
    if body is None:
        return Response(status=status, headers=merged)
    return Response(json.dumps(body), status=status, headers=merged, content_type=ODATA_JSON)
