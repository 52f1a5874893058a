"""Property values as the engine handles them: secrets unwrapped and re-marked, unknowns, comparisons,
property-level changes, and masking for display."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping, Optional

from pulumi.output import Unknown
from pulumi.runtime import rpc

from .state import PROVIDER_KEY

MASK = "[secret]"


class _Absent:
    """A property missing on one side of a change (not the same as a JSON null)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


def unwrap(value: Any) -> tuple[Any, bool]:
    """(plain value, whether it or anything inside it was secret)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap(value.get("value"))[0], True
        pairs = {k: unwrap(v) for k, v in value.items()}
        return {k: p[0] for k, p in pairs.items()}, any(p[1] for p in pairs.values())
    if isinstance(value, list):
        pairs = [unwrap(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def unwrap_bag(bag: Mapping[str, Any]) -> tuple[dict, frozenset[str]]:
    """Plain values and the top-level keys that held a secret (the engine's granularity for re-marking)."""
    pairs = {k: unwrap(v) for k, v in bag.items()}
    return {k: p[0] for k, p in pairs.items()}, frozenset(k for k, p in pairs.items() if p[1])


def wrap_secrets(bag: Mapping[str, Any], secret: Iterable[str]) -> dict:
    """The bag as the program should see it: values under secret keys marked secret on the wire."""
    keys = frozenset(secret)
    return {k: rpc.wrap_rpc_secret(v) if k in keys else v for k, v in bag.items()}


def has_unknowns(value: Any) -> bool:
    if isinstance(value, Unknown) or value == rpc.UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return False


def unknown_outputs(bag: Mapping[str, Any]) -> dict:
    """What a preview hands the program for a resource not created yet: known inputs pass through, the rest
    is unknown (the SDK also makes every declared output missing from the bag unknown during a preview)."""
    return {k: rpc.UNKNOWN if has_unknowns(v) else v for k, v in bag.items()}


def without_provider(bag: Mapping[str, Any]) -> dict:
    return {k: v for k, v in bag.items() if k != PROVIDER_KEY}


@dataclasses.dataclass(frozen=True)
class PropertyChange:
    """One top-level property that differs: `before` is the recorded (desired) value, `after` the new or
    live one; either may be ABSENT."""

    name: str
    before: Any
    after: Any
    secret: bool = False

    def shown(self, value: Any) -> str:
        if value is ABSENT:
            return "(absent)"
        return MASK if self.secret else _compact(value)


def property_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    secret: Iterable[str] = (),
    keys: Optional[Iterable[str]] = None,
) -> tuple[PropertyChange, ...]:
    """The top-level properties (all, or only `keys`) whose values differ, `__provider` excluded."""
    hidden = frozenset(secret)
    names = sorted(set(before) | set(after) if keys is None else set(keys))
    return tuple(
        PropertyChange(name, before.get(name, ABSENT), after.get(name, ABSENT), name in hidden)
        for name in names
        if name != PROVIDER_KEY and before.get(name, ABSENT) != after.get(name, ABSENT)
    )


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 70 else repr(value[:67] + "...")
    text = repr(value)
    return text if len(text) <= 90 else text[:87] + "..."
