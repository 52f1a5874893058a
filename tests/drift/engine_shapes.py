"""Engine events in the shape the Pulumi engine writes them, for tests that run without the CLI.

Source of every shape (nothing here is invented):
- step events, states, summary, prelude and cancel events: the recorded streams in
  tests/drift/data/engine-events (pulumi/pulumi v3.259.0 lifecycle tests, converted by
  pkg/backend/display `ConvertEngineEvent`, the `--event-log` writer). As there: `detailedDiff` is always
  present and `null` unless the provider gave one, `diffs` only with a detailed diff, `planning: true` in a
  preview, state keys `type, urn, custom, id, parent, inputs, outputs, provider` (`delete`, `external`,
  `protect` only when true: apitype `omitempty`);
- `diagnosticEvent`: sdk/go/common/apitype/events.go `DiagnosticEvent` (no recorded stream has one);
- secrets in event state: pkg/backend/display/events.go `convertStepEventStateMetadata` serialises with the
  blinding crypter (the secret signature envelope with `"ciphertext": "[secret]"`); with show-secrets
  (`stack.SerializeProperties`) the envelope carries `plaintext`;
- CommandError texts: automation/_cmd.py CommandResult.__str__.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

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
    document: dict[str, Any] = {"type": type_, "urn": urn_}
    if custom:
        document["custom"] = True
    document.update({"id": f"id-{urn_.rsplit('::', 1)[-1]}", "parent": parent})
    if protect:
        document["protect"] = True
    document.update(
        {
            "inputs": inputs,
            "outputs": outputs if outputs is not None else dict(inputs),
            "provider": f"urn:pulumi:dev::{PROJECT}::pulumi:providers:x::default",
        }
    )
    return document


def metadata(
    op: str,
    urn_: str,
    type_: str,
    *,
    old: Optional[dict] = None,
    new: Optional[dict] = None,
    detailed: Optional[dict[str, tuple[str, bool]]] = None,
    keys: Iterable[str] = (),
) -> dict:
    """StepEventMetadata; `diffs` (the changed top-level keys) comes with a detailed diff, as recorded."""
    document: dict[str, Any] = {"op": op, "urn": urn_, "type": type_, "old": old, "new": new}
    if keys:
        document["keys"] = list(keys)
    if detailed is not None:
        document["diffs"] = sorted({path.split(".")[0].split("[")[0] for path in detailed})
    document["detailedDiff"] = (
        None
        if detailed is None
        else {
            path: {"diffKind": kind, "inputDiff": input_diff} for path, (kind, input_diff) in detailed.items()
        }
    )
    document["provider"] = (old or new or {}).get("provider", "")
    return document


def pre_event(sequence: int, step: dict) -> dict:
    return {"sequence": sequence, "timestamp": 0, "resourcePreEvent": {"metadata": step, "planning": True}}


def outputs_event(sequence: int, step: dict) -> dict:
    return {"sequence": sequence, "timestamp": 0, "resOutputsEvent": {"metadata": step, "planning": True}}


def diagnostic_event(sequence: int, severity: str, message: str, urn_: str = "") -> dict:
    return {
        "sequence": sequence,
        "timestamp": 0,
        "diagnosticEvent": {
            "urn": urn_,
            "prefix": f"{severity}: ",
            "message": message,
            "color": "raw",
            "severity": severity,
        },
    }


def summary_event(sequence: int, changes: dict[str, int], result: str = "succeeded") -> dict:
    return {
        "sequence": sequence,
        "timestamp": 0,
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 1,
            "resourceChanges": changes,
            "PolicyPacks": {},
            "isPreview": True,
            "result": result,
        },
    }


def refresh_events(steps: list[tuple[dict, dict]], *, extra: Iterable[dict] = ()) -> list[dict]:
    """The events of `pulumi refresh --preview-only`: prelude; per resource a pre-event (op refresh,
    old = new = recorded) and an outputs event carrying the result op; a summary counting the result
    ops; the closing cancel event."""
    events: list[dict] = [{"sequence": 0, "timestamp": 0, "preludeEvent": {"config": {}}}]
    counts: dict[str, int] = {}
    for announced, finished in steps:
        events.append(pre_event(0, announced))
        events.append(outputs_event(0, finished))
        counts[finished["op"]] = counts.get(finished["op"], 0) + 1
    events.extend(extra)
    events.append(summary_event(0, counts))
    events.append({"sequence": 0, "timestamp": 0, "cancelEvent": {}})
    return events


def refreshed(
    urn_: str,
    type_: str,
    old: dict,
    *,
    new: Optional[dict] = None,
    detailed: Optional[dict[str, tuple[str, bool]]] = None,
) -> tuple[dict, dict]:
    """A (pre, outputs) pair for one resource of a refresh preview: `same` when the read found the recorded
    state, `delete` when `new` is None (gone), else `update`. `detailed` only for a provider that returns a
    detailed diff (native providers); a Python dynamic provider never does, so its update has
    `detailedDiff: null` and no `diffs` (TestRefreshPreservesInputsWhenReadReturnsNoInputs)."""
    announced = metadata("refresh", urn_, type_, old=old, new=old)
    if new is None:
        return announced, metadata("delete", urn_, type_, old=old, new=None)
    if new == old:
        return announced, metadata("same", urn_, type_, old=old, new=new)
    return announced, metadata("update", urn_, type_, old=old, new=new, detailed=detailed)


def command_error(code: int, stderr: str, stdout: str = ""):
    """The exception the Automation API raises for a failed CLI command (SDK's own classification)."""
    return create_command_error(CommandResult(stdout=stdout, stderr=stderr, code=code))
