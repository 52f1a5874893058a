"""`refresh --preview-only` (compare every recorded dynamic resource with the live service; never write state)
and the refresh that `up --refresh` starts with.

The engine's refresh (pkg/resource/deploy/step.go `RefreshStep.Apply`, `ResultOp`; pulumi/pulumi#16146):
Read(id, recorded outputs, recorded inputs); an empty id means the resource is gone ("delete"); otherwise
the inputs Read returned (or the recorded ones when it returned none) and the outputs it read become the new
state, and Diff(olds = the new outputs, news = the recorded inputs) decides "update" or "same", so only what
the provider's `diff` compares counts (output-only changes are not drift). DIFF_UNKNOWN falls back to the
new inputs against the recorded ones.

The offline `refresh --preview-only` writes what the engine would write to `--event-log FILE`
(offline/event_log.py: `detailedDiff: null` for every dynamic resource, as a real run) and its drift report
is made from that log by the drift command's own code (`drift.stream.refresh_result`), so the trial shows
exactly what `python -m drift --from-event-log` shows for a real pipeline, with the same exit code.

Native resources (Entra, ARM) are mocked offline: they are not read, not in the log, and the report says so.

`up --refresh` first reads every dynamic resource the same way and continues from what it read (a resource
gone is created again, a drifted one is diffed from its live outputs and updated), which is how the engine
remediates drift: a plain `up` diffs against recorded state and does not see it.
"""

from __future__ import annotations

import dataclasses
import pathlib
from typing import Callable, Optional

from drift import stream
from drift.events import EventCollector
from drift.model import ABSENT as DRIFT_ABSENT
from drift.model import ResourceChange, StackResult

from .event_log import EventLog
from .provider_server import ProviderError, ProviderServer
from .state import ResourceState, StackState
from .steps import StepError
from .values import ABSENT, PropertyChange

_KIND = {"update": "changed", "delete": "deleted"}


@dataclasses.dataclass(frozen=True)
class Drift:
    """One resource whose live state differs from what was deployed, as the drift report names it."""

    urn: str
    type: str
    kind: str  # "changed" or "deleted"
    properties: tuple[PropertyChange, ...] = ()

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclasses.dataclass(frozen=True)
class RefreshReport:
    checked: tuple[str, ...]  # URNs read through the provider server
    drifts: tuple[Drift, ...]
    not_checked: tuple[ResourceState, ...]  # mocked native resources
    result: Optional[StackResult] = None  # the drift command's result for the event log
    error: Optional[StepError] = None  # the read that failed (the log then ends with it)

    @property
    def clean(self) -> bool:
        return not self.drifts and self.error is None and (self.result is None or self.result.exit_code == 0)


def refresh_preview(
    state: StackState,
    server: Callable[[], ProviderServer],
    on_resource: Callable[[ResourceState, Optional[Drift]], None] = lambda r, d: None,
    event_log: Optional[pathlib.Path] = None,
) -> RefreshReport:
    """Read every dynamic resource, write the engine's event log (when asked) and report it as drift does."""
    log = EventLog()
    checked, not_checked = [], []
    error: Optional[StepError] = None
    try:
        for resource in state.resources:
            if not resource.custom:
                continue
            if not resource.dynamic:
                not_checked.append(resource)
                continue
            live, op = read_live(server(), resource)
            log.refreshed(resource, live, op)
            checked.append(resource)
    except StepError as exc:
        # The engine stops at a failed read: an error diagnostic and a failed summary, never "clean".
        error = exc
        log.failed(exc.urn, exc.message)
    else:
        log.finish()
    _write(log, event_log)
    collector = EventCollector()
    for event in log.events:
        collector(event)
    result = stream.refresh_result(state.stack, collector)
    drifts = tuple(_drift(change) for change in result.drift)
    by_urn = {drift.urn: drift for drift in drifts}
    for resource in checked:
        on_resource(resource, by_urn.get(resource.urn))
    return RefreshReport(tuple(r.urn for r in checked), drifts, tuple(not_checked), result, error)


def read_live(server: ProviderServer, recorded: ResourceState) -> tuple[Optional[ResourceState], str]:
    """The resource as the service has it now (None when gone) and the refresh's result op."""
    try:
        read = server.read(recorded.id, recorded.urn, recorded.outputs, recorded.inputs)
        if read.gone:
            return None, "delete"
        live_inputs = read.inputs or dict(recorded.inputs)
        diff = server.diff(recorded.id, recorded.urn, read.outputs, recorded.inputs, live_inputs)
    except ProviderError as exc:
        raise StepError(exc.operation.lower(), recorded.urn, exc.message, exc.details) from None
    secret = recorded.secret_inputs | recorded.secret_outputs
    live = dataclasses.replace(
        recorded,
        inputs=live_inputs,
        outputs=read.outputs,
        secret_inputs=recorded.secret_inputs & frozenset(live_inputs),
        secret_outputs=secret & frozenset(read.outputs),
    )
    changed = diff.changed if diff.changes != "unknown" else live_inputs != dict(recorded.inputs)
    return live, "update" if changed else "same"


def refreshed_state(
    state: StackState,
    server: Callable[[], ProviderServer],
    on_resource: Callable[[ResourceState, Optional[Drift]], None] = lambda r, d: None,
) -> StackState:
    """What `up --refresh` starts from: every dynamic resource as read now; gone ones dropped (re-created)."""
    resources = []
    for resource in state.resources:
        if not (resource.custom and resource.dynamic):
            resources.append(resource)
            continue
        live, op = read_live(server(), resource)
        on_resource(resource, Drift(resource.urn, resource.type, _KIND[op]) if op in _KIND else None)
        if live is not None:
            resources.append(live)
    return state.with_resources(resources)


def _drift(change: ResourceChange) -> Drift:
    """The drift command's resource change, for the offline display (values already masked by drift)."""
    properties = tuple(
        PropertyChange(p.path, *(ABSENT if v is DRIFT_ABSENT else v for v in (p.before, p.after)))
        for p in change.properties
    )
    return Drift(change.urn, change.type, "deleted" if change.change == "deleted" else "changed", properties)


def _write(log: EventLog, path: Optional[pathlib.Path]) -> None:
    if path is not None:
        log.write(path)
