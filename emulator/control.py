"""The control plane under /_emulator/: reset, seed, faults, the request log, config, clock, state.

JSON in and out, no token: it is the test's hand on the emulator, not part of any emulated service.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .core.faults import Fault
from .core.service import json_response

if TYPE_CHECKING:  # pragma: no cover
    from .app import EmulatorApp


class ControlPlane:
    def __init__(self, app: "EmulatorApp") -> None:
        self.app = app
        self.url_map = Map(
            [
                Rule("/_emulator/health", endpoint="health", methods=["GET"]),
                Rule("/_emulator/reset", endpoint="reset", methods=["POST"]),
                Rule("/_emulator/seed", endpoint="seed", methods=["POST"]),
                Rule("/_emulator/faults", endpoint="add_faults", methods=["POST"]),
                Rule("/_emulator/faults", endpoint="list_faults", methods=["GET"]),
                Rule("/_emulator/faults", endpoint="clear_faults", methods=["DELETE"]),
                Rule("/_emulator/requests", endpoint="list_requests", methods=["GET"]),
                Rule("/_emulator/requests", endpoint="clear_requests", methods=["DELETE"]),
                Rule("/_emulator/config", endpoint="get_config", methods=["GET"]),
                Rule("/_emulator/config", endpoint="set_config", methods=["POST"]),
                Rule("/_emulator/clock", endpoint="advance_clock", methods=["POST"]),
                Rule("/_emulator/state/<service>", endpoint="state", methods=["GET"]),
                Rule("/_emulator/federated-token", endpoint="federated_token", methods=["POST"]),
                Rule("/_emulator/certificates/<name>", endpoint="certificate", methods=["GET"]),
                Rule("/_emulator/dataverse/<step>", endpoint="dataverse_portal", methods=["POST"]),
            ]
        )

    def handle(self, request: Request) -> Response:
        try:
            endpoint, values = self.url_map.bind_to_environ(request.environ).match()
            return getattr(self, endpoint)(request, **values)
        except HTTPException as exc:
            return json_response(exc.code or 400, {"error": exc.description})
        except (ValueError, TypeError, KeyError) as exc:
            return json_response(400, {"error": str(exc)})

    @staticmethod
    def _body(request: Request):
        return json.loads(request.get_data(as_text=True) or "{}")

    def health(self, request):
        return json_response(200, {"services": [s.name for s in self.app.services]})

    def reset(self, request):
        self.app.reset()
        return json_response(204)

    def seed(self, request):
        self.app.seed(self._body(request))
        return json_response(204)

    def add_faults(self, request):
        body = self._body(request)
        for item in body if isinstance(body, list) else [body]:
            self.app.ctx.faults.add(Fault.from_json(item))
        return json_response(204)

    def list_faults(self, request):
        return json_response(200, {"value": self.app.ctx.faults.pending()})

    def clear_faults(self, request):
        self.app.ctx.faults.clear()
        return json_response(204)

    def list_requests(self, request):
        return json_response(200, {"value": [e.to_json() for e in self.app.ctx.log.entries()]})

    def clear_requests(self, request):
        self.app.ctx.log.clear()
        return json_response(204)

    def get_config(self, request):
        return json_response(200, self.app.ctx.config.to_json())

    def set_config(self, request):
        self.app.ctx.config.update(self._body(request))
        return json_response(200, self.app.ctx.config.to_json())

    def advance_clock(self, request):
        offset = self.app.ctx.clock.advance(float(self._body(request).get("seconds", 0)))
        return json_response(200, {"offsetSeconds": offset})

    def state(self, request, service):
        if service not in self.app.ctx.services:
            return json_response(
                404, {"error": f"no service {service!r}; known: {sorted(self.app.ctx.services)}"}
            )
        return json_response(200, self.app.ctx.services[service].dump())

    def federated_token(self, request):
        """An ID token of the emulated external issuer (GitHub Actions by default), for workload identity."""
        body = self._body(request)
        unknown = set(body) - {"subject", "issuer", "audience", "lifetimeSeconds"}
        if unknown or not isinstance(body.get("subject"), str):
            raise ValueError(
                f"give 'subject' (and optionally issuer, audience, lifetimeSeconds); unknown: "
                f"{sorted(unknown)}"
            )
        names = {"issuer": "issuer", "audience": "audience", "lifetimeSeconds": "lifetime"}
        options = {names[key]: value for key, value in body.items() if key in names}
        return json_response(
            200, {"token": self.app.ctx.keyring.external_token(subject=body["subject"], **options)}
        )

    def certificate(self, request, name):
        """A client certificate made by the emulator (the fixture names it): PEMs and thumbprints."""
        return json_response(200, self.app.ctx.keyring.certificate(name).to_json())

    def dataverse_portal(self, request, step):
        """A portal step no API performs (connect / disconnect an agent): {"environment", "schemaName"}."""
        body = self._body(request)
        return json_response(
            200, self.app.ctx.services["dataverse"].portal(step, body["environment"], body["schemaName"])
        )
