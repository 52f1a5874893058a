"""The base of every emulated service and the context they share.

A service owns a path prefix, routes its own requests (werkzeug routing), keeps its state in models and
answers errors in its real wire shape. The app (emulator/app.py) picks the service, applies faults
and latency, and logs every request.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Optional

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .clock import Clock
from .config import EmulatorConfig
from .faults import Fault, FaultBook
from .keyring import Keyring
from .log import RequestLog
from .tokens import TokenAuthority


@dataclasses.dataclass
class EmulatorContext:
    """What all services share; `services` lets one service consult another's model (Entra -> Graph)."""

    clock: Clock
    tokens: TokenAuthority
    config: EmulatorConfig
    log: RequestLog
    faults: FaultBook
    base_url: str = ""
    services: dict[str, "Service"] = dataclasses.field(default_factory=dict)
    # Certificates and the external OIDC issuer: outside the services, kept across resets.
    keyring: Keyring = dataclasses.field(default_factory=Keyring)


def json_response(status: int, body: Any = None, headers: Optional[dict] = None) -> Response:
    """A JSON answer; `body=None` gives an empty body (204-style)."""
    if body is None:
        return Response(status=status, headers=headers or {})
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json; charset=utf-8"
    )


class Service:
    """Subclasses set `name` and `prefix` and implement `rules`, the handlers and `error`."""

    name: str = ""
    prefix: str = ""  # regular expression matched against the path

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self._prefix = re.compile(self.prefix)
        self.url_map = Map(self.rules(), strict_slashes=False, merge_slashes=False)

    # --- what subclasses provide -------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        """werkzeug rules whose endpoint is the name of a handler method: handler(request, **values)."""
        raise NotImplementedError

    def error(self, status: int, code: str, message: str, *, retry_after: Optional[int] = None) -> Response:
        """An error answer in this service's wire shape."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state."""

    def seed(self, fixture: dict) -> None:
        """Load this service's section(s) of a fixture (emulator/README.md)."""

    def audiences(self) -> set[str]:
        """Resource URIs this service accepts tokens for (Entra issues tokens only for these)."""
        return set()

    def dump(self) -> dict:
        """The whole state as JSON, for assertions (GET /_emulator/state/<name>)."""
        return {}

    def fault_response(self, fault: Fault) -> Response:
        """The answer to an injected status fault; services override to add their codes."""
        retry_after = (
            fault.retry_after
            if fault.retry_after is not None
            else (self.ctx.config.retry_after if fault.status == 429 else None)
        )
        return self.error(
            fault.status,
            fault.code or "InjectedFault",
            f"Injected fault: HTTP {fault.status}.",
            retry_after=retry_after,
        )

    # --- dispatch ----------------------------------------------------------------------------------
    def owns(self, path: str) -> bool:
        return bool(self._prefix.match(path))

    def handle(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except NotFound:
            return self.error(404, "NotFound", f"No route for {request.method} {request.path}.")
        except MethodNotAllowed:
            return self.error(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
        except HTTPException as exc:  # e.g. a redirect werkzeug would make; never wanted here
            return self.error(exc.code or 400, "BadRequest", exc.description or "Bad request.")
        return getattr(self, endpoint)(request, **values)

    @staticmethod
    def set_caller(request: Request, caller: Optional[str]) -> None:
        """Record who made the request (an app id) for the request log."""
        request.environ["emulator.caller"] = caller
