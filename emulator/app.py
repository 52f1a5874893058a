"""The emulator's WSGI application: picks the service that owns a path, applies injected faults and
latency, answers, and logs every API request. The control plane lives under /_emulator/.

A reset waits (at most RESET_DRAIN_SECONDS) for the API requests still being answered, and ends a trickled
answer at once: a request of the world before the reset (a client that gave up on a slow answer) must not
take a fault or write a log entry of the next one.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import traceback
from typing import Callable, Iterable, Optional

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import ClosingIterator

from .control import ControlPlane
from .core.clock import Clock
from .core.config import EmulatorConfig
from .core.faults import FaultBook
from .core.log import RequestLog
from .core.service import EmulatorContext, Service, json_response
from .core.tokens import TokenAuthority, bearer_token
from .registry import service_classes

RESET_DRAIN_SECONDS = 10.0  # bounded: a reset never hangs on an answer that does not end
_TRICKLE_SLICE = 0.05  # how often a trickled answer looks whether a reset ended its world
_ANSWERED = "emulator.answered"  # environ flag: the request is already counted out of the in-flight ones


class EmulatorApp:
    """WSGI callable; one instance per running emulator."""

    def __init__(self, config: Optional[EmulatorConfig] = None) -> None:
        self._generation = 0  # moved on by every reset
        self._in_flight = 0
        self._idle = threading.Condition()
        clock = Clock()
        self.ctx = EmulatorContext(
            clock=clock,
            tokens=TokenAuthority(clock),
            config=config or EmulatorConfig(),
            log=RequestLog(),
            faults=FaultBook(),
        )
        # Order matters: the first service whose prefix matches owns the path (Entra, the catch-all
        # of tenant paths, comes last).
        self.services: list[Service] = [cls(self.ctx) for cls in service_classes()]
        for service in self.services:
            self.ctx.services[service.name] = service
        self.control = ControlPlane(self)

    def reset(self) -> None:
        with self._idle:
            self._generation += 1
            self._idle.wait_for(lambda: self._in_flight == 0, timeout=RESET_DRAIN_SECONDS)
        for service in self.services:
            service.reset()
        self.ctx.faults.clear()
        self.ctx.log.clear()
        self.ctx.clock.reset()
        self.ctx.config.reset()

    def seed(self, fixture: dict) -> None:
        for service in self.services:
            service.seed(fixture)

    def service_for(self, path: str) -> Optional[Service]:
        return next((s for s in self.services if s.owns(path)), None)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_emulator/"):
            return self.control.handle(request)(environ, start_response)
        with self._idle:
            self._in_flight += 1
            generation = self._generation
        try:
            answer = self._serve(request, environ, start_response, lambda: self._generation != generation)
        except BaseException:
            self._done()
            raise
        if environ.get(_ANSWERED):  # a dropped connection: nothing more is sent, nor closed by the server
            return answer
        return ClosingIterator(answer, [self._done])

    def _done(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def _serve(self, request: Request, environ: dict, start_response, stale: Callable[[], bool]):
        started = time.time()
        service = self.service_for(request.path)
        fault = self.ctx.faults.take(request.method, request.path)
        latency_ms = self.ctx.config.latency_ms + (
            fault.latency_ms if fault and fault.kind == "latency" else 0
        )
        if latency_ms:
            time.sleep(latency_ms / 1000.0)
        if fault is not None and fault.kind == "drop":
            self._record(request, service, 0, "drop", started)
            environ[_ANSWERED] = True
            self._done()
            _drop_connection(environ)
            # The socket is gone: werkzeug's write fails with a connection error, which it treats as
            # a dropped client and does not log.
            start_response("500 Dropped", [("Content-Length", "0")])
            return [b""]
        if fault is not None and fault.kind in ("redirect", "body", "trickle"):
            self._record(request, service, fault.status, f"{fault.kind}:{fault.status}", started)
            return hostile_answer(fault, stale)(environ, start_response)
        response = self._answer(request, service, fault)
        self._record(
            request,
            service,
            response.status_code,
            f"{fault.kind}:{fault.status}"
            if fault and fault.kind == "status"
            else ("latency" if fault else None),
            started,
        )
        return response(environ, start_response)

    def _answer(self, request: Request, service: Optional[Service], fault) -> Response:
        if service is None:
            return json_response(
                404,
                {"error": {"code": "NotFound", "message": f"The emulator serves nothing at {request.path}."}},
            )
        if fault is not None and fault.kind == "status":
            return service.fault_response(fault)
        try:
            return service.handle(request)
        except Exception:  # noqa: BLE001 - the process edge: a bug in a model becomes the service's 500
            traceback.print_exc(file=sys.stderr)
            return service.error(500, "InternalServerError", "The emulator failed to handle the request.")

    def _record(
        self, request: Request, service: Optional[Service], status: int, fault: Optional[str], started: float
    ) -> None:
        caller = request.environ.get("emulator.caller")
        if caller is None:
            token = bearer_token(request.headers.get("Authorization"))
            caller = TokenAuthority.peek(token).get("appid") if token else None
        self.ctx.log.record(
            method=request.method,
            path=request.path,
            query=request.query_string.decode("latin-1"),
            status=status,
            service=service.name if service else "none",
            caller=caller,
            fault=fault,
            started=started,
            duration_ms=(time.time() - started) * 1000.0,
        )


def hostile_answer(fault, stale: Callable[[], bool] = lambda: False) -> Response:
    """The synthetic answers of a hostile proxy (core/faults.py): a redirect, a raw body, a trickle (cut
    short when `stale`: the emulator was reset meanwhile)."""
    if fault.kind == "redirect":
        return Response(b"", status=fault.status, headers={"Location": fault.location})
    if fault.kind == "body":
        return Response(fault.body.encode(), status=fault.status, content_type=fault.content_type)
    interval = max(fault.latency_ms, 1) / 1000.0

    def trickle() -> Iterable[bytes]:
        yield b"{"  # the first byte goes out with the headers; then one more now and then, never all 1000
        for _ in range(999):
            until = time.monotonic() + interval
            while time.monotonic() < until:
                if stale():
                    return
                time.sleep(min(_TRICKLE_SLICE, max(until - time.monotonic(), 0)))
            yield b" "

    return Response(
        trickle(),
        status=fault.status,
        headers={"Content-Length": "1000", "Content-Type": "application/json"},
        direct_passthrough=True,
    )


def _drop_connection(environ: dict) -> None:
    """Close the client's connection without an answer (what a reset or a dead proxy looks like)."""
    sock = environ.get("werkzeug.socket")
    if sock is None:  # not served by werkzeug's server (e.g. a test client): nothing to drop
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
