"""One engine step, whatever reported it: an engine event (event log line) or a `--json` preview document.

Both describe the same thing (sdk/go/common/apitype/events.go StepEventMetadata; pkg/display PreviewStep):
the op, the URN, the changed keys and the detailed per-path diff when the provider gave one, and the
resource state before and after. This module turns each into a `Step` so drift.changes has one input shape.

Events are read as the JSON the engine writes (`--event-log FILE`), not through the SDK's parsed event
objects: `pulumi.automation.events` drops `external` and turns `"detailedDiff": null` into `{}`, and both
matter here (an external resource is diffed on outputs only; no detailed diff means "compute it").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional


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
    detailed_diff: Optional[Mapping[str, PathDiff]] = None  # None: the provider gave none
    old_inputs: Optional[Mapping[str, Any]] = None
    old_outputs: Optional[Mapping[str, Any]] = None
    new_inputs: Optional[Mapping[str, Any]] = None
    new_outputs: Optional[Mapping[str, Any]] = None
    keys: tuple[str, ...] = field(default=())
    external: bool = False  # not managed by Pulumi: the engine diffs its outputs only

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


def step_from_metadata(metadata: Mapping[str, Any]) -> Step:
    """A Step from an event's `metadata` (apitype StepEventMetadata: diffs carry `diffKind`)."""
    old = _mapping(metadata.get("old"))
    new = _mapping(metadata.get("new"))
    urn = str(metadata.get("urn", ""))
    return Step(
        op=str(metadata.get("op", "")),
        urn=urn,
        type=str(metadata.get("type") or urn_type(urn)),
        diffs=tuple(str(key) for key in metadata.get("diffs") or ()),
        detailed_diff=_detailed(metadata.get("detailedDiff"), "diffKind"),
        old_inputs=old.get("inputs") if old else None,
        old_outputs=old.get("outputs") if old else None,
        new_inputs=new.get("inputs") if new else None,
        new_outputs=new.get("outputs") if new else None,
        keys=tuple(str(key) for key in metadata.get("keys") or ()),
        external=bool((old or new or {}).get("external")),
    )


def step_from_digest(document: Mapping[str, Any]) -> Step:
    """A Step from one `steps[]` entry of a PreviewDigest (`pulumi preview|refresh --preview-only --json`).

    The digest names the diff kind `kind` (pkg/display PropertyDiff JSON); engine events name it `diffKind`.
    """
    old = _mapping(document.get("oldState")) or {}
    new = _mapping(document.get("newState")) or {}
    urn = str(document.get("urn", ""))
    return Step(
        op=str(document.get("op", "")),
        urn=urn,
        type=str(new.get("type") or old.get("type") or urn_type(urn)),
        diffs=tuple(document.get("diffReasons") or ()),
        detailed_diff=_detailed(document.get("detailedDiff"), "kind"),
        old_inputs=old.get("inputs") if old else None,
        old_outputs=old.get("outputs") if old else None,
        new_inputs=new.get("inputs") if new else None,
        new_outputs=new.get("outputs") if new else None,
        keys=tuple(document.get("replaceReasons") or ()),
        external=bool(old.get("external") or new.get("external")),
    )


def _detailed(raw: Any, kind_key: str) -> Optional[dict[str, PathDiff]]:
    if not isinstance(raw, Mapping):
        return None
    return {
        str(path): PathDiff(str(diff.get(kind_key, "update")), diff.get("inputDiff"))
        for path, diff in raw.items()
        if isinstance(diff, Mapping)
    }


def _mapping(value: Any) -> Optional[Mapping[str, Any]]:
    return value if isinstance(value, Mapping) else None
