"""Start and stop the emulator: an HTTPS server on loopback, in a thread, with a throwaway CA.

    with Emulator().start() as emu:
        emu.seed(json.load(open("emulator/fixtures/default.json")))
        requests.get(emu.base_url + "/_emulator/health", verify=emu.ca_path)

The CA is made at start (trustme) and written to a temporary file; point clients at it with `verify=` or
REQUESTS_CA_BUNDLE. Nothing is trusted system-wide and TLS verification is never turned off.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import tempfile
import threading
from typing import Optional

import trustme
from werkzeug.serving import WSGIRequestHandler, make_server

from .app import EmulatorApp
from .core.config import EmulatorConfig
from .core.faults import Fault
from .core.keyring import ClientCertificate
from .core.log import LoggedRequest


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without a stderr line per request (the request log has them)."""

    def setup(self) -> None:
        super().setup()
        # The handler writes status, headers and body separately; without TCP_NODELAY each answer waits
        # for the client's delayed ACK (about 40 ms a request on loopback).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *args, **kwargs) -> None:
        pass

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 - werkzeug's signature
        if type == "error":
            super().log(type, message, *args)


class Emulator:
    """One running emulator. The methods mirror the control plane for in-process tests."""

    def __init__(self, config: Optional[EmulatorConfig] = None) -> None:
        self.app = EmulatorApp(config)
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self._tmpdir: Optional[str] = None
        self.base_url = ""
        self.ca_path = ""

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0, ca_path: Optional[str] = None) -> "Emulator":
        ca = trustme.CA()
        server_cert = ca.issue_cert(host, "localhost", "127.0.0.1")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_cert.configure_cert(context)
        self._tmpdir = tempfile.mkdtemp(prefix="handoff-emulator-")
        self.ca_path = ca_path or os.path.join(self._tmpdir, "emulator-ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        self._server = make_server(
            host, port, self.app, threaded=True, ssl_context=context, request_handler=_QuietHandler
        )
        self.base_url = f"https://{host}:{self._server.port}"
        self.app.ctx.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="handoff-emulator",
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the control plane, in process -------------------------------------------------------------
    def reset(self) -> None:
        self.app.reset()

    def seed(self, fixture: dict) -> None:
        self.app.seed(fixture)

    def inject(self, **fault) -> Fault:
        """Add a fault: inject(method="POST", path="/systemusers", kind="status", status=429, count=1)."""
        rule = Fault(**fault)
        self.app.ctx.faults.add(rule)
        return rule

    def clear_faults(self) -> None:
        self.app.ctx.faults.clear()

    def requests(self, service: Optional[str] = None, method: Optional[str] = None) -> list[LoggedRequest]:
        return [
            e
            for e in self.app.ctx.log.entries()
            if (service is None or e.service == service) and (method is None or e.method == method)
        ]

    def clear_requests(self) -> None:
        self.app.ctx.log.clear()

    def configure(self, **changes) -> None:
        """configure(retry_after=0, dataverse_max_concurrency=2): attribute names of EmulatorConfig."""
        camel = {v: k for k, v in self.app.ctx.config._FIELDS.items()}
        self.app.ctx.config.update({camel[k]: v for k, v in changes.items()})

    def advance_clock(self, seconds: float) -> None:
        self.app.ctx.clock.advance(seconds)

    def state(self, service: str) -> dict:
        return self.app.ctx.services[service].dump()

    @property
    def config(self) -> EmulatorConfig:
        return self.app.ctx.config

    def federated_token(self, subject: str, **options) -> str:
        """federated_token("repo:o/r:environment:dev", issuer=..., audience=..., lifetime=300): an ID token of
        the emulated external issuer (GitHub Actions by default) to present as a federated credential."""
        return self.app.ctx.keyring.external_token(subject=subject, **options)

    def connect_agent(self, environment: str, schema_name: str) -> dict:
        """Copilot Studio's Connect of an agent (emulator/dataverse/models/portal.py): {appId, userId}."""
        return self.app.ctx.services["dataverse"].portal("connect", environment, schema_name)

    def disconnect_agent(self, environment: str, schema_name: str) -> dict:
        """Copilot Studio's Disconnect: the agent's bot user disabled. {appId, userId}."""
        return self.app.ctx.services["dataverse"].portal("disconnect", environment, schema_name)

    def certificate(self, name: str) -> ClientCertificate:
        """The client certificate a fixture names (`"generate": name`): private key, certificate,
        thumbprints."""
        return self.app.ctx.keyring.certificate(name)
