"""`refresh --preview-only` (compare every recorded dynamic resource with the live service; never write state)
and the refresh that `up --refresh` starts with.

The engine's refresh (pulumi/pulumi#16146, reference §1.6): Read(id, recorded outputs, recorded inputs); an
empty id means the resource is gone; otherwise Diff(olds = the outputs just read, news = the recorded
inputs) decides whether it drifted, so only what the provider's `diff` compares counts (output-only changes
are not drift). DIFF_UNKNOWN falls back to the inputs the read returned against the recorded ones.

The per-property report names, for each drifted resource, the recorded (desired) value and the live one:
the inputs Read returned (`ReadResult(inputs=...)`) against the recorded inputs, or, when the provider
returns no inputs or the change is only in outputs, the outputs read against the recorded outputs.

Native resources (Entra, ARM) are mocked offline: their drift is out of scope here and the report says so.

`up --refresh` first reads every dynamic resource the same way and continues from what it read (a resource
gone is created again, a drifted one is diffed from its live outputs and updated), which is how the engine
remediates drift: a plain `up` diffs against recorded state and does not see it.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from .provider_server import ProviderError, ProviderServer
from .state import ResourceState, StackState
from .steps import StepError
from .values import PropertyChange, property_changes


@dataclasses.dataclass(frozen=True)
class Drift:
    """One resource whose live state differs from what was deployed."""

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

    @property
    def clean(self) -> bool:
        return not self.drifts


def refresh_preview(
    state: StackState,
    server: Callable[[], ProviderServer],
    on_resource: Callable[[ResourceState, Optional[Drift]], None] = lambda r, d: None,
) -> RefreshReport:
    checked, drifts, not_checked = [], [], []
    for resource in state.resources:
        if not resource.custom:
            continue
        if not resource.dynamic:
            not_checked.append(resource)
            continue
        _, drift = read_live(server(), resource)
        checked.append(resource.urn)
        if drift is not None:
            drifts.append(drift)
        on_resource(resource, drift)
    return RefreshReport(tuple(checked), tuple(drifts), tuple(not_checked))


def read_live(
    server: ProviderServer, recorded: ResourceState
) -> tuple[Optional[ResourceState], Optional[Drift]]:
    """The resource as the service has it now (None when gone) and its drift from what was recorded."""
    try:
        read = server.read(recorded.id, recorded.urn, recorded.outputs, recorded.inputs)
        if read.gone:
            return None, Drift(recorded.urn, recorded.type, "deleted")
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
    if not changed:
        return live, None
    # Read may return only the keys it manages: compare those, not what it left out.
    properties = (
        property_changes(
            recorded.inputs, live_inputs, secret=secret, keys=set(recorded.inputs) & set(live_inputs)
        )
        if read.inputs
        else ()
    )
    properties = properties or property_changes(recorded.outputs, read.outputs, secret=secret)
    return live, Drift(recorded.urn, recorded.type, "changed", properties)


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
        live, drift = read_live(server(), resource)
        on_resource(resource, drift)
        if live is not None:
            resources.append(live)
    return state.with_resources(resources)
