"""One engine step, whatever reported it: an Automation API engine event or a `--json` preview document.

Both sources describe the same thing (sdk/go/common/apitype StepEventMetadata; pkg/display PreviewStep):
the op, the URN, the keys and detailed per-path diff, and the resource state before and after. This module
turns each into a `Step` so drift.changes has one input shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from pulumi.automation import events as auto_events


@dataclass(frozen=True)
class PathDiff:
    kind: str
    input_diff: Optional[bool]


@dataclass(frozen=True)
class Step:
    op: str
    urn: str
    type: str
    diffs: tuple[str, ...] = ()
    detailed_diff: Optional[Mapping[str, PathDiff]] = None
    old_inputs: Optional[Mapping[str, Any]] = None
    old_outputs: Optional[Mapping[str, Any]] = None
    new_inputs: Optional[Mapping[str, Any]] = None
    new_outputs: Optional[Mapping[str, Any]] = None
    keys: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return urn_name(self.urn)


def urn_name(urn: str) -> str:
    """The logical name in `urn:pulumi:<stack>::<project>::<type>::<name>`."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def urn_type(urn: str) -> str:
    """The resource type in a URN (the last of a parent$child chain)."""
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def step_from_event(metadata: auto_events.StepEventMetadata) -> Step:
    """A Step from the SDK's StepEventMetadata (events carry `diffKind`)."""
    detailed = None
    if metadata.detailed_diff:
        detailed = {
            path: PathDiff(str(_enum_value(diff.diff_kind)), diff.input_diff)
            for path, diff in metadata.detailed_diff.items()
        }
    old, new = metadata.old, metadata.new
    return Step(
        op=str(_enum_value(metadata.op)),
        urn=metadata.urn,
        type=metadata.type or urn_type(metadata.urn),
        diffs=tuple(metadata.diffs or ()),
        detailed_diff=detailed,
        old_inputs=old.inputs if old else None,
        old_outputs=old.outputs if old else None,
        new_inputs=new.inputs if new else None,
        new_outputs=new.outputs if new else None,
        keys=tuple(metadata.keys or ()),
    )


def step_from_digest(document: Mapping[str, Any]) -> Step:
    """A Step from one `steps[]` entry of a PreviewDigest (`pulumi preview|refresh --preview-only --json`).

    The digest names the diff kind `kind`; engine events name it `diffKind`. Both are accepted.
    """
    detailed = None
    raw_detailed = document.get("detailedDiff")
    if isinstance(raw_detailed, Mapping):
        detailed = {
            path: PathDiff(str(diff.get("kind", diff.get("diffKind", "update"))), diff.get("inputDiff"))
            for path, diff in raw_detailed.items()
            if isinstance(diff, Mapping)
        }
    old = document.get("oldState") or {}
    new = document.get("newState") or {}
    urn = str(document.get("urn", ""))
    return Step(
        op=str(document.get("op", "")),
        urn=urn,
        type=str(new.get("type") or old.get("type") or urn_type(urn)),
        diffs=tuple(document.get("diffReasons") or ()),
        detailed_diff=detailed,
        old_inputs=old.get("inputs") if old else None,
        old_outputs=old.get("outputs") if old else None,
        new_inputs=new.get("inputs") if new else None,
        new_outputs=new.get("outputs") if new else None,
        keys=tuple(document.get("replaceReasons") or ()),
    )


def _enum_value(value: Any) -> Any:
    return getattr(value, "value", value)
