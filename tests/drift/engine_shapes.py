"""Engine events and CLI outputs shaped as Pulumi documents them, for tests that run without the CLI.

Event dicts follow sdk/go/common/apitype/events.go (the JSON the CLI writes to `--event-log`, which the
Automation API parses with `pulumi.automation.events.EngineEvent.from_json`): `resourcePreEvent` /
`resOutputsEvent` with `metadata` {op, urn, type, provider, old, new, keys, diffs, detailedDiff{path:
{diffKind, inputDiff}}}, `diagnosticEvent`, `summaryEvent` {resourceChanges}. Secrets in event state are
serialised with the blinding crypter (pkg/backend/display/events.go): the secret signature envelope with
`"ciphertext": "[secret]"`. CommandError texts follow automation/_cmd.py CommandResult.__str__.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from pulumi.automation import events as auto_events
from pulumi.automation._cmd import CommandResult
from pulumi.automation.errors import create_command_error

PROJECT = "handoff"
SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
PICKLE_MARKER = "gASVdGlsbC5fZGlsbJSMDF9jcmVhdGVfdHlwZZSTlCiMCENvcGlsb3Q"  # what a dill pickle looks like


def urn(stack: str, type_chain: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_chain}::{name}"


def blinded_secret() -> dict:
    """A secret as engine events carry it (BlindingCrypter)."""
    return {SIG: SECRET, "ciphertext": "[secret]"}


def plaintext_secret(value: str) -> dict:
    """A secret serialised with showSecrets (plaintext is the JSON text of the value)."""
    return {SIG: SECRET, "plaintext": f'"{value}"'}


def state(
    urn_: str,
    type_: str,
    inputs: dict,
    outputs: Optional[dict] = None,
    *,
    parent: str = "",
    protect: bool = False,
    custom: bool = True,
) -> dict:
    return {
        "type": type_,
        "urn": urn_,
        "id": f"id-{urn_.rsplit('::', 1)[-1]}",
        "parent": parent,
        "provider": f"urn:pulumi:dev::{PROJECT}::pulumi:providers:x::default",
        "custom": custom,
        "protect": protect,
        "inputs": inputs,
        "outputs": outputs if outputs is not None else dict(inputs),
    }


def metadata(
    op: str,
    urn_: str,
    type_: str,
    *,
    old: Optional[dict] = None,
    new: Optional[dict] = None,
    detailed: Optional[dict[str, tuple[str, bool]]] = None,
    diffs: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> dict:
    document: dict[str, Any] = {"op": op, "urn": urn_, "type": type_, "provider": ""}
    if old is not None:
        document["old"] = old
    if new is not None:
        document["new"] = new
    if detailed is not None:
        document["detailedDiff"] = {
            path: {"diffKind": kind, "inputDiff": input_diff} for path, (kind, input_diff) in detailed.items()
        }
    if diffs:
        document["diffs"] = list(diffs)
    if keys:
        document["keys"] = list(keys)
    return document


def pre_event(sequence: int, step: dict) -> dict:
    return {
        "sequence": sequence,
        "timestamp": 1_760_000_000 + sequence,
        "resourcePreEvent": {"metadata": step, "planning": True},
    }


def outputs_event(sequence: int, step: dict) -> dict:
    return {
        "sequence": sequence,
        "timestamp": 1_760_000_000 + sequence,
        "resOutputsEvent": {"metadata": step, "planning": True},
    }


def diagnostic_event(sequence: int, severity: str, message: str, urn_: str = "") -> dict:
    return {
        "sequence": sequence,
        "timestamp": 1_760_000_000 + sequence,
        "diagnosticEvent": {
            "urn": urn_,
            "prefix": f"{severity}: ",
            "message": message,
            "color": "raw",
            "severity": severity,
        },
    }


def summary_event(sequence: int, changes: dict[str, int]) -> dict:
    return {
        "sequence": sequence,
        "timestamp": 1_760_000_000 + sequence,
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 3,
            "resourceChanges": changes,
            "PolicyPacks": {},
        },
    }


def refresh_events(
    steps: list[tuple[dict, dict]], *, extra: Iterable[dict] = ()
) -> list[auto_events.EngineEvent]:
    """The events of `pulumi refresh --preview-only`: per resource a pre-event (op refresh, no diff) and an
    outputs event carrying the result op; then a summary counting the result ops."""
    events: list[dict] = [{"sequence": 0, "timestamp": 1_760_000_000, "preludeEvent": {"config": {}}}]
    counts: dict[str, int] = {}
    for announced, finished in steps:
        events.append(pre_event(len(events), announced))
        events.append(outputs_event(len(events), finished))
        counts[finished["op"]] = counts.get(finished["op"], 0) + 1
    events.extend(extra)
    events.append(summary_event(len(events), counts))
    return [auto_events.EngineEvent.from_json(event) for event in events]


def refreshed(
    urn_: str,
    type_: str,
    old: dict,
    *,
    new: Optional[dict] = None,
    detailed: Optional[dict[str, tuple[str, bool]]] = None,
) -> tuple[dict, dict]:
    """A (pre, outputs) pair for one resource of a refresh preview: same when nothing changed, update
    when `detailed` names changed paths, delete when `new` is None and the resource is gone."""
    announced = metadata("refresh", urn_, type_, old=old, new=old)
    if detailed is None and new is not None:
        return announced, metadata("same", urn_, type_, old=old, new=new)
    if new is None:
        return announced, metadata("delete", urn_, type_, old=old)
    return announced, metadata(
        "update",
        urn_,
        type_,
        old=old,
        new=new,
        detailed=detailed,
        diffs=sorted({path.split(".")[0].split("[")[0] for path in detailed}),
    )


def command_error(code: int, stderr: str, stdout: str = ""):
    """The exception the Automation API raises for a failed CLI command (SDK's own classification)."""
    return create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=code))
