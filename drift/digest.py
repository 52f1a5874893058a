"""Builds a stack's result from a `pulumi refresh --preview-only --json` document (a PreviewDigest).

For pipelines that already run the CLI themselves (for example with the Pulumi@1 task) and want the same
report and exit code: `python -m drift --from-preview-json dev=refresh-dev.json`. The digest shape is
pkg/display PreviewDigest: `steps[]` with op/urn/oldState/newState/diffReasons/detailedDiff (each diff
`{"kind", "inputDiff"}`), `diagnostics[]`, `changeSummary`. In a refresh preview the CLI replaces a
step's "refresh" op by the result op ("update" with a detailed diff, or "delete") when the resource
drifted (pkg/backend/display/json.go ShowPreviewDigest); a step still saying "refresh" did not drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from drift import changes, values
from drift.model import Diagnostic, ErrorCategory, StackFailure, StackResult
from drift.steps import step_from_digest


class DigestError(ValueError):
    """The file is not a PreviewDigest this command can read."""


def load_digest(path: Path) -> Mapping[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DigestError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise DigestError(
            f"{path} is not JSON (line {error.lineno}): pass the output of "
            "`pulumi refresh --preview-only --json`"
        ) from error
    if not isinstance(document, Mapping) or not isinstance(document.get("steps", []), list):
        raise DigestError(f"{path} is not a Pulumi preview JSON document (no `steps` list)")
    return document


def stack_from_digest(stack_name: str, document: Mapping[str, Any]) -> StackResult:
    steps = [step_from_digest(step) for step in document.get("steps") or () if isinstance(step, Mapping)]
    drift, ignored = changes.drift_changes(steps)
    diagnostics = tuple(
        Diagnostic(
            str(d.get("severity", "")), values.clean_text(str(d.get("message", ""))), d.get("urn") or None
        )
        for d in document.get("diagnostics") or ()
        if isinstance(d, Mapping) and d.get("severity") in ("error", "warning")
    )
    summary = {str(op): int(count) for op, count in (document.get("changeSummary") or {}).items()}
    return StackResult(
        name=stack_name, drift=drift, ignored=ignored, change_summary=summary, diagnostics=diagnostics
    )


def failed_stack(stack_name: str, error: DigestError) -> StackResult:
    return StackResult(
        name=stack_name,
        failure=StackFailure(
            category=ErrorCategory.CONFIGURATION,
            message=str(error),
            hint="Pass NAME=FILE pairs of `pulumi refresh --preview-only --json` output.",
        ),
    )
