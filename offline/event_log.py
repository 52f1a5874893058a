"""The engine event log of an offline `refresh --preview-only`, as `pulumi ... --event-log FILE` writes it.

Shapes are those of the engine's recorded refresh streams (tests/drift/data/engine-events, pulumi/pulumi
v3.259 lifecycle tests, converted by pkg/backend/display `ConvertEngineEvent`): a `preludeEvent`; per
resource a `resourcePreEvent` with op "refresh" and old = new = the recorded state, then a `resOutputsEvent`
with the result op ("same", "update", "delete"), `old` the recorded state and `new` the refreshed one (null
when gone); `"detailedDiff": null` and no `diffs`, because a Python dynamic provider's Diff never returns a
detailed diff; `planning: true` (a dry run); a `summaryEvent` counting the result ops with `result`; the
closing `cancelEvent`. A failed read is a `diagnosticEvent` of severity "error" (apitype DiagnosticEvent) and
a summary whose result is "failed". Secrets are blinded as the converter blinds them (the secret envelope with
`"ciphertext": "[secret]"`, pkg/backend/display/events.go `convertStepEventStateMetadata`).

What the log leaves out, unlike the engine's: the native resources (mocked offline, never read), components
and the root stack (the engine reads neither); `sequence` and `timestamp` are 0 as in the recorded streams.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any, Mapping, Optional

from components import names

from .state import ResourceState

_BLINDED = {names.SIG_KEY: names.SECRET_SIG, "ciphertext": names.SECRET_MASK}


class EventLog:
    """The events of one refresh, in order; `write` puts them in a file, one JSON object per line."""

    def __init__(self) -> None:
        self.events: list[dict] = [_event("preludeEvent", {"config": {}})]
        self._counts: dict[str, int] = {}

    def refreshed(self, recorded: ResourceState, live: Optional[ResourceState], op: str) -> None:
        old = state_metadata(recorded)
        self.events.append(_event("resourcePreEvent", {"metadata": _step("refresh", recorded, old, old)}))
        new = None if live is None else state_metadata(live)
        self.events.append(_event("resOutputsEvent", {"metadata": _step(op, recorded, old, new)}))
        self._counts[op] = self._counts.get(op, 0) + 1

    def failed(self, urn: str, message: str) -> None:
        diagnostic = {
            "urn": urn,
            "prefix": "error: ",
            "message": message,
            "color": "raw",
            "severity": "error",
        }
        self.events.append(_event("diagnosticEvent", diagnostic))
        self.finish(result="failed")

    def finish(self, result: str = "succeeded") -> None:
        summary = {
            "maybeCorrupt": False,
            "durationSeconds": 1,
            "resourceChanges": dict(self._counts),
            "PolicyPacks": {},
            "isPreview": True,
            "result": result,
        }
        self.events += [_event("summaryEvent", summary), _event("cancelEvent", {})]

    def write(self, path: pathlib.Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(event) + "\n" for event in self.events), encoding="utf-8")


def state_metadata(resource: ResourceState) -> dict:
    """apitype StepEventStateMetadata of a recorded resource (`omitempty` flags only when true)."""
    document: dict[str, Any] = {"type": resource.type, "urn": resource.urn}
    if resource.custom:
        document["custom"] = True
    document.update({"id": resource.id, "parent": resource.parent})
    if resource.protect:
        document["protect"] = True
    if resource.retain_on_delete:
        document["retainOnDelete"] = True
    document.update(
        {
            "inputs": _blinded(resource.inputs, resource.secret_inputs),
            "outputs": _blinded(resource.outputs, resource.secret_outputs),
            "provider": resource.provider,
        }
    )
    return document


def _step(op: str, resource: ResourceState, old: dict, new: Optional[dict]) -> dict:
    return {
        "op": op,
        "urn": resource.urn,
        "type": resource.type,
        "old": old,
        "new": new,
        "detailedDiff": None,
        "provider": resource.provider,
    }


def _blinded(bag: Mapping[str, Any], secret: frozenset[str]) -> dict:
    return {key: dict(_BLINDED) if key in secret else value for key, value in bag.items()}


def _event(kind: str, payload: dict) -> dict:
    event: dict[str, Any] = {"sequence": 0, "timestamp": 0, kind: payload}
    if kind in ("resourcePreEvent", "resOutputsEvent"):
        payload["planning"] = True
    return event
