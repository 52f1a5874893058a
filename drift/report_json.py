"""The JSON report: a stable, versioned document (docs/drift-report.schema.json, prose in docs/ci.md).

SCHEMA_VERSION changes only on a backwards-incompatible change (a field removed, renamed or re-typed);
new optional fields keep the version. A property that does not exist on one side of a change has no
`before` (or `after`) key at all, which is different from a JSON null value.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from drift import exitcodes
from drift.model import ABSENT, PropertyChange, Report, ResourceChange, StackFailure, StackResult

SCHEMA_VERSION = 1


def to_document(report: Report) -> dict[str, Any]:
    stacks = [_stack(stack) for stack in report.stacks]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "generatedAt": report.generated_at,
        "status": report.status.value,
        "exitCode": report.exit_code,
        "exitCodeMeaning": exitcodes.MEANINGS.get(
            report.exit_code, exitcodes.MEANINGS[exitcodes.OTHER_ERROR]
        ),
        "pendingChangesIncluded": report.pending_requested,
        "summary": {
            "stacks": len(report.stacks),
            "clean": sum(1 for s in stacks if s["status"] == "clean"),
            "drifted": sum(1 for s in stacks if s["status"] == "drift"),
            "failed": sum(1 for s in stacks if s["status"] == "error"),
            "driftedResources": sum(len(stack.drift) for stack in report.stacks),
            "unnamedChanges": sum(stack.unnamed for stack in report.stacks),
            "pendingChanges": sum(len(stack.pending or ()) for stack in report.stacks),
        },
        "stacks": stacks,
    }


def dumps(report: Report) -> str:
    return json.dumps(to_document(report), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _stack(stack: StackResult) -> dict[str, Any]:
    return {
        "name": stack.name,
        "status": stack.status.value,
        "exitCode": stack.exit_code,
        "changeSummary": dict(stack.change_summary),
        "unnamedChanges": stack.unnamed,
        "drift": [_resource(resource) for resource in stack.drift],
        "ignored": [{"urn": i.urn, "path": i.path, "reason": i.reason} for i in stack.ignored],
        "pendingChanges": None if stack.pending is None else [_resource(r) for r in stack.pending],
        "error": _error(stack.failure),
        "diagnostics": [
            {"severity": d.severity, "message": d.message, **({"urn": d.urn} if d.urn else {})}
            for d in stack.diagnostics
        ],
    }


def _resource(resource: ResourceChange) -> dict[str, Any]:
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "change": resource.change,
        "properties": [_property(prop) for prop in resource.properties],
    }


def _property(prop: PropertyChange) -> dict[str, Any]:
    document: dict[str, Any] = {"path": prop.path, "kind": prop.kind}
    if prop.input_diff is not None:
        document["inputDiff"] = prop.input_diff
    if prop.before is not ABSENT:
        document["before"] = prop.before
    if prop.after is not ABSENT:
        document["after"] = prop.after
    if prop.reverts_drift is not None:
        document["revertsDrift"] = prop.reverts_drift
    return document


def _error(failure: Optional[StackFailure]) -> Optional[dict[str, Any]]:
    if failure is None:
        return None
    return {
        "category": failure.category.value,
        "exitCode": failure.exit_code,
        "pulumiExitCode": failure.pulumi_exit_code,
        "message": failure.message,
        "hint": failure.hint,
    }
