"""Drive dynamic providers through the Pulumi SDK's real provider server, over gRPC, as the engine does.

The engine runs every Python dynamic resource of a stack through one plugin process,
`python -m pulumi.dynamic` (the `pulumi-resource-pulumi-python` shim), and talks to it with the
ResourceProvider gRPC protocol: Configure once, then Check, Diff, Create, Read, Update and Delete, with the
provider object pickled into each property bag's `__provider` key. This module starts that same process
and speaks that same protocol, so tests and the offline runner exercise pickling, config delivery and
secrets for real.

What it does NOT simulate is the engine's own logic (planning, state, protect, replace ordering,
re-marking outputs as secrets): callers that need those say so (see offline/runner.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import select
import subprocess
import sys
import tempfile
from typing import Any, Mapping, Optional

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

PROVIDER_KEY = "__provider"
_START_TIMEOUT = 30.0  # seconds for the server to print its port
_RPC_TIMEOUT = 300.0  # seconds for one RPC: bounded, like every loop here


class ProviderError(Exception):
    """A provider method raised: `message` is the provider's own message, `details` the full traceback."""

    def __init__(self, operation: str, urn: str, message: str, details: str) -> None:
        super().__init__(f"{operation} {urn}: {message}")
        self.operation = operation
        self.urn = urn
        self.message = message
        self.details = details


@dataclasses.dataclass(frozen=True)
class CheckOutcome:
    inputs: dict
    failures: tuple[tuple[str, str], ...]  # (property, reason)


@dataclasses.dataclass(frozen=True)
class DiffOutcome:
    changes: str  # "none", "some" or "unknown" (DIFF_UNKNOWN: the engine decides)
    replaces: tuple[str, ...]
    delete_before_replace: bool
    diffs: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.changes == "some"


@dataclasses.dataclass(frozen=True)
class ReadOutcome:
    id: str  # "" when the resource is gone
    outputs: dict
    inputs: dict

    @property
    def gone(self) -> bool:
        return not self.id


def urn(stack: str, project: str, type_: str, name: str, parent_type: Optional[str] = None) -> str:
    """The URN the engine would give a resource (a parent's type is prefixed with `$`)."""
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def secret(value: Any) -> Any:
    """Mark a value secret on the wire, as the engine does for secret config."""
    return rpc.wrap_rpc_secret(value)


def unwrap_secrets(props: Mapping[str, Any]) -> dict:
    """Strip secret markers (the engine sends plaintext to a provider that does not accept secrets)."""
    return {key: _unwrap(value) for key, value in props.items()}


def _unwrap(value: Any) -> Any:
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _serialize(props: Mapping[str, Any]):
    # The SDK serialises property bags with an async function; a fresh loop per call keeps this
    # usable from any thread (the offline runner calls it from the mock monitor's executor threads).
    return asyncio.run(rpc.serialize_properties(dict(props), {}))


def _deserialize(struct) -> dict:
    return rpc.deserialize_properties(struct, keep_unknowns=True) or {}


def _provider_message(details: str) -> str:
    """The provider's exception message, all its lines, out of the traceback the servicer sends (the last
    exception of a chain): a catalogue error's service message, code and mitigation each take a line."""
    text = (details or "").strip()
    if not text:
        return "the provider failed without a message"
    block = text.rsplit("Traceback (most recent call last):", 1)[-1].splitlines()
    # Frames are indented ("  File ...", "    code", "    ^^^"); the exception starts at the first line that
    # is not, and runs to the end (its own continuation lines may be indented).
    start = next((i for i, line in enumerate(block) if line.strip() and not line[:1].isspace()), None)
    if start is None:
        return [line for line in block if line.strip()][-1].strip()
    lines = [line.rstrip() for line in block[start:]]
    # "pkg.module.SomeError: message" -> "message"; the type name stays when there is no message.
    head, sep, tail = lines[0].partition(": ")
    if sep and " " not in head:
        lines[0] = tail
    return "\n".join(lines).strip()


class ProviderServer:
    """One `python -m pulumi.dynamic` process and a gRPC stub to it."""

    def __init__(
        self,
        cwd: str,
        env: Optional[Mapping[str, str]] = None,
        project: str = "handoff",
        base_env: Optional[Mapping[str, str]] = None,
    ) -> None:
        """`env` is added to `base_env` (default: this process's environment) for the server process."""
        self.cwd = cwd
        self.project = project
        base = os.environ if base_env is None else base_env
        self._env = {**base, "PULUMI_PROJECT": project, **(env or {})}
        self._proc: Optional[subprocess.Popen] = None
        self._channel: Optional[grpc.Channel] = None
        self._stub: Optional[provider_pb2_grpc.ResourceProviderStub] = None
        self._stderr = tempfile.NamedTemporaryFile(prefix="provider-server-", suffix=".log", delete=False)

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "ProviderServer":
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pulumi.dynamic"],
            cwd=self.cwd,
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        ready, _, _ = select.select([self._proc.stdout], [], [], _START_TIMEOUT)
        line = self._proc.stdout.readline().decode().strip() if ready else ""
        if not line.isdigit():
            log = self.stderr()  # before stop(), which deletes the log
            self.stop()
            raise RuntimeError(f"the provider server did not start (printed {line!r}); stderr: {log}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        return self

    def stop(self) -> None:
        """Stop the process and delete its log (read `stderr()` first if you need it)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        if not self._stderr.closed:
            self._stderr.close()
            os.unlink(self._stderr.name)

    def __enter__(self) -> "ProviderServer":
        return self.start() if self._proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stderr(self) -> str:
        """Everything the provider process wrote to stderr (its log), for diagnostics and secret scans."""
        self._stderr.flush()
        with open(self._stderr.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    # --- the protocol ------------------------------------------------------------------------------
    def _call(self, operation: str, urn_: str, method: str, request):
        try:
            return getattr(self._stub, method)(request, timeout=_RPC_TIMEOUT)
        except grpc.RpcError as exc:
            details = exc.details() or ""
            raise ProviderError(operation, urn_, _provider_message(details), details) from None

    def configure(self, config: Mapping[str, Any]) -> None:
        """Send the whole stack config, keys namespaced (`handoff:cloud`), secrets via `secret()`."""
        request = provider_pb2.ConfigureRequest(
            args=_serialize(config), acceptSecrets=True, acceptResources=True
        )
        self._call("Configure", "", "Configure", request)

    def check(self, urn_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckOutcome:
        response = self._call(
            "Check",
            urn_,
            "Check",
            provider_pb2.CheckRequest(urn=urn_, olds=_serialize(olds), news=_serialize(news)),
        )
        return CheckOutcome(
            inputs=_deserialize(response.inputs),
            failures=tuple((f.property, f.reason) for f in response.failures),
        )

    def diff(
        self,
        id_: str,
        urn_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Optional[Mapping[str, Any]] = None,
    ) -> DiffOutcome:
        response = self._call(
            "Diff",
            urn_,
            "Diff",
            provider_pb2.DiffRequest(
                id=id_,
                urn=urn_,
                olds=_serialize(olds),
                news=_serialize(news),
                old_inputs=_serialize(old_inputs or {}),
            ),
        )
        names = {provider_pb2.DiffResponse.DIFF_NONE: "none", provider_pb2.DiffResponse.DIFF_SOME: "some"}
        return DiffOutcome(
            changes=names.get(response.changes, "unknown"),
            replaces=tuple(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
            diffs=tuple(response.diffs),
        )

    def create(self, urn_: str, properties: Mapping[str, Any], preview: bool = False) -> tuple[str, dict]:
        response = self._call(
            "Create",
            urn_,
            "Create",
            provider_pb2.CreateRequest(urn=urn_, properties=_serialize(properties), preview=preview),
        )
        return response.id, _deserialize(response.properties)

    def read(
        self, id_: str, urn_: str, properties: Mapping[str, Any], inputs: Optional[Mapping[str, Any]] = None
    ) -> ReadOutcome:
        response = self._call(
            "Read",
            urn_,
            "Read",
            provider_pb2.ReadRequest(
                id=id_, urn=urn_, properties=_serialize(properties), inputs=_serialize(inputs or {})
            ),
        )
        return ReadOutcome(
            id=response.id, outputs=_deserialize(response.properties), inputs=_deserialize(response.inputs)
        )

    def update(
        self,
        id_: str,
        urn_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Optional[Mapping[str, Any]] = None,
    ) -> dict:
        response = self._call(
            "Update",
            urn_,
            "Update",
            provider_pb2.UpdateRequest(
                id=id_,
                urn=urn_,
                olds=_serialize(olds),
                news=_serialize(news),
                old_inputs=_serialize(old_inputs or {}),
            ),
        )
        return _deserialize(response.properties)

    def delete(self, id_: str, urn_: str, properties: Mapping[str, Any]) -> None:
        self._call(
            "Delete",
            urn_,
            "Delete",
            provider_pb2.DeleteRequest(id=id_, urn=urn_, properties=_serialize(properties)),
        )

    def plugin_version(self) -> str:
        return self._stub.GetPluginInfo(empty_pb2.Empty(), timeout=_RPC_TIMEOUT).version
