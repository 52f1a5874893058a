"""From engine steps to the report's resource and property changes.

Faithful to the engine: a resource counts as drifted only when the refresh's result op says so ("update":
changed outside Pulumi, "delete": gone; pkg/resource/deploy/step.go `RefreshStep.ResultOp`). Its properties
are the paths of the engine's detailed diff when the provider gave one, else the difference between the
step's old and new states (drift.state_diff: a Python dynamic provider never gives one). Providers already
normalise what their services normalise (GUID case, trailing slashes), so this module adds no normalisation
of its own; it only leaves out the dynamic providers' pickled `__provider` blob, which is state bookkeeping
and a secret, never a change in the cloud. A resource the engine says changed stays reported even when
only such bookkeeping differs: the engine (and `--expect-no-changes`) counts it.

Values: `before` is what the stack's state recorded, `after` what the cloud (drift) or the program
(pending changes) has. Both are masked (drift.values).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional, Sequence

from drift import state_diff, values
from drift.model import ABSENT, IgnoredChange, PropertyChange, ResourceChange
from drift.steps import PathDiff, Step

# Result ops of a refresh preview (pkg/resource/deploy/step.go RefreshStep.ResultOp): same, update, delete.
_DRIFT_OPS = MappingProxyType({"update": "modified", "delete": "deleted"})
# Ops of a preview that change nothing.
_NO_CHANGE_OPS = frozenset(
    {"same", "read", "refresh", "discard", "discard-replaced", "remove-pending-replace"}
)
_REPLACEMENT_OPS = frozenset({"replace", "create-replacement", "delete-replaced", "import-replacement"})
_STACK_TYPE = "pulumi:pulumi:Stack"
IGNORED_PROVIDER_BLOB = "dynamic-provider-state"

_Documents = Sequence[Optional[Mapping[str, Any]]]


def drift_changes(steps: Iterable[Step]) -> tuple[tuple[ResourceChange, ...], tuple[IgnoredChange, ...]]:
    """Drifted resources of a refresh, and the differences left out as noise."""
    drifted: list[ResourceChange] = []
    ignored: list[IgnoredChange] = []
    for step in steps:
        change = _DRIFT_OPS.get(step.op)
        if change is None or step.type == _STACK_TYPE:
            continue
        properties: tuple[PropertyChange, ...] = ()
        if change == "modified":
            properties, noise = _drift_properties(step)
            ignored.extend(noise)
        drifted.append(ResourceChange(step.urn, step.type, step.name, change, properties))
    return tuple(drifted), tuple(ignored)


def _drift_properties(step: Step) -> tuple[tuple[PropertyChange, ...], list[IgnoredChange]]:
    if step.detailed_diff:
        kept, noise = _split_noise(step)
        return tuple(_property(step, path, diff, _drift_documents(step, diff)) for path, diff in kept), noise
    properties, internal = state_diff.property_changes(
        step.old_inputs, step.new_inputs, step.old_outputs, step.new_outputs, external=step.external
    )
    return properties, [IgnoredChange(step.urn, key, IGNORED_PROVIDER_BLOB) for key in internal]


def pending_changes(steps: Sequence[Step], drifted: Sequence[ResourceChange]) -> tuple[ResourceChange, ...]:
    """What `pulumi up` would change after a refresh, one entry per resource, replacements merged."""
    drifted_paths = {(resource.urn, prop.path) for resource in drifted for prop in resource.properties}
    by_urn: dict[str, list[Step]] = {}
    for step in steps:
        if step.op in _NO_CHANGE_OPS or step.type == _STACK_TYPE:
            continue
        by_urn.setdefault(step.urn, []).append(step)
    pending = []
    for urn, urn_steps in by_urn.items():
        ops = {step.op for step in urn_steps}
        op = "replace" if ops & _REPLACEMENT_OPS else urn_steps[-1].op
        detailed = next((s for s in urn_steps if s.detailed_diff or s.diffs), urn_steps[-1])
        kept, _noise = _split_noise(detailed)
        found = tuple(
            _property(detailed, path, diff, _pending_documents(detailed, diff)) for path, diff in kept
        )
        if not detailed.detailed_diff and not detailed.diffs:
            # A dynamic provider's Diff names no keys: the program's inputs against the refreshed ones.
            found, _internal = state_diff.property_changes(
                detailed.old_inputs, detailed.new_inputs, None, None
            )
        properties = tuple(_with_revert(prop, urn, drifted_paths) for prop in found)
        pending.append(ResourceChange(urn, detailed.type, detailed.name, op, properties))
    return tuple(pending)


def _split_noise(step: Step) -> tuple[list[tuple[str, PathDiff]], list[IgnoredChange]]:
    kept, noise = [], []
    for path, diff in _path_diffs(step):
        if values.is_provider_blob_path(values.parse_path(path), path):
            noise.append(IgnoredChange(step.urn, path, IGNORED_PROVIDER_BLOB))
        else:
            kept.append((path, diff))
    return kept, noise


def _path_diffs(step: Step) -> list[tuple[str, PathDiff]]:
    """The detailed diff when the provider gave one, else the changed top-level keys."""
    if step.detailed_diff:
        return sorted(step.detailed_diff.items())
    return [(key, PathDiff("update", None)) for key in sorted(step.diffs)]


def _drift_documents(step: Step, diff: PathDiff) -> tuple[_Documents, _Documents]:
    """before: what state recorded (inputs, else outputs); after: what the refresh read from the cloud."""
    after = (
        (step.new_outputs, step.new_inputs)
        if diff.input_diff is False
        else (step.new_inputs, step.new_outputs)
    )
    return (step.old_inputs, step.old_outputs), after


def _pending_documents(step: Step, diff: PathDiff) -> tuple[_Documents, _Documents]:
    """before: the current (refreshed) state; after: what the program declares (its new inputs)."""
    before = (
        (step.old_outputs, step.old_inputs)
        if diff.input_diff is False
        else (step.old_inputs, step.old_outputs)
    )
    return before, (step.new_inputs,)


def _property(
    step: Step, path: str, diff: PathDiff, documents: tuple[_Documents, _Documents]
) -> PropertyChange:
    before_documents, after_documents = documents
    segments = values.parse_path(path)
    base = diff.kind.split("-", 1)[0]  # add-replace -> add: which sides exist does not depend on replacement
    before = ABSENT if base == "add" else _value(before_documents, segments)
    after = ABSENT if base == "delete" else _value(after_documents, segments)
    if values.MASK in (before, after):
        # A value secret on one side is secret on both: a side that arrives unmarked (a provider that does not
        # re-mark its outputs) must not print what the other side hides.
        before, after = (v if v is ABSENT else values.MASK for v in (before, after))
    return PropertyChange(path=path, kind=diff.kind, input_diff=diff.input_diff, before=before, after=after)


def _value(documents: _Documents, segments) -> Any:
    if segments is None:
        return ABSENT
    for document in documents:
        found, value = values.lookup(document, segments)
        if found:
            return values.MASK if values.contains_secret(document, segments) else values.mask(value)
    return ABSENT


def _with_revert(prop: PropertyChange, urn: str, drifted_paths: set[tuple[str, str]]) -> PropertyChange:
    return PropertyChange(
        prop.path,
        prop.kind,
        prop.input_diff,
        prop.before,
        prop.after,
        reverts_drift=(urn, prop.path) in drifted_paths,
    )
