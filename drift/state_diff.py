"""What changed in a step that carries no detailed diff: the difference between its `old` and `new` states.

A Python dynamic provider's Diff never returns a detailed diff (pulumi/dynamic/__main__.py sets only
`changes`, `replaces`, `deleteBeforeReplace`), so the engine stores none for a refresh
(pkg/resource/deploy/step.go `RefreshStep.Apply`: `diff.Invert()` of a nil detailed diff) and the event
says `"detailedDiff": null` with no `diffs`. Which property drifted can then only be found by comparing the
states, as the CLI's own diff display does (pkg/backend/display/object_diff.go
`getResourcePropertiesDetails`). The keys that matter, in order:

1. the inputs: a refresh records the inputs the provider's Read returned (`ReadResult(inputs=...)`, the
   managed keys as they are live), and the engine's drift is relative to them (pulumi/pulumi#16146);
2. when Read returned no inputs (the engine keeps the recorded ones), the outputs of the input keys;
3. when neither differs, every output: what the engine diffs for an external resource (`ResultOp`).

Internal keys (`__provider` and every other `__` key, sdk/go/common/resource `IsInternalPropertyKey`) are
state bookkeeping, never a change in the cloud: they are returned apart so the report can say it left them
out. Values are masked (drift.values); a value secret on one side is masked on both.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from drift import values
from drift.model import ABSENT, PropertyChange

_INTERNAL_PREFIX = "__"

_Bag = Optional[Mapping[str, Any]]


def property_changes(
    old_inputs: _Bag, new_inputs: _Bag, old_outputs: _Bag, new_outputs: _Bag, *, external: bool = False
) -> tuple[tuple[PropertyChange, ...], tuple[str, ...]]:
    """(the changed properties, the internal keys that differed)."""
    internal = tuple(
        sorted(
            key
            for key in _changed_keys(old_inputs, new_inputs) | _changed_keys(old_outputs, new_outputs)
            if key.startswith(_INTERNAL_PREFIX)
        )
    )
    if not external:
        changed = _public(_changed_keys(old_inputs, new_inputs))
        if changed:
            return _changes(changed, old_inputs, new_inputs, input_diff=True), internal
        input_keys = set(old_inputs or {}) | set(new_inputs or {})
        changed = _public(_changed_keys(old_outputs, new_outputs) & input_keys)
        if changed:
            return _changes(changed, old_outputs, new_outputs, input_diff=False), internal
    changed = _public(_changed_keys(old_outputs, new_outputs))
    return _changes(changed, old_outputs, new_outputs, input_diff=False), internal


def _changed_keys(before: _Bag, after: _Bag) -> set[str]:
    before, after = before or {}, after or {}
    return {key for key in set(before) | set(after) if before.get(key, ABSENT) != after.get(key, ABSENT)}


def _public(keys: Iterable[str]) -> list[str]:
    return sorted(key for key in keys if not key.startswith(_INTERNAL_PREFIX))


def _changes(
    keys: Iterable[str], before: _Bag, after: _Bag, *, input_diff: bool
) -> tuple[PropertyChange, ...]:
    return tuple(_change(key, before or {}, after or {}, input_diff) for key in keys)


def _change(
    key: str, before: Mapping[str, Any], after: Mapping[str, Any], input_diff: bool
) -> PropertyChange:
    old, new = before.get(key, ABSENT), after.get(key, ABSENT)
    kind = "add" if old is ABSENT else "delete" if new is ABSENT else "update"
    old, new = (v if v is ABSENT else values.mask(v) for v in (old, new))
    if values.MASK in (old, new):
        old, new = (v if v is ABSENT else values.MASK for v in (old, new))
    return PropertyChange(path=key, kind=kind, input_diff=input_diff, before=old, after=new)
