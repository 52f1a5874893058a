"""Builds a stack's result from a `pulumi refresh --preview-only --json` document (a PreviewDigest).

Kept for pipelines that already run the CLI with `--json`; `--from-event-log` is better in every way. What
the digest can and cannot say (pkg/backend/display/json.go `ShowPreviewDigest`, CLI v3.259): a refresh
step's op is swapped to its result op only when `(op == update && detailedDiff != nil) || op == delete`, so
a drifted resource whose provider gives no detailed diff (every Python dynamic provider: the binding) stays
`"op": "refresh"` with old = new = the recorded state, and only `changeSummary` counts it. So:

- drift is what `changeSummary` counts (the CLI's `--expect-no-changes` rule, drift.exitcodes); the changes
  no step names are reported as unnamed, with a pointer to `--from-event-log`, never as clean;
- an error diagnostic means the command failed: an error, never clean;
- a document that is not a digest (unreadable, not JSON, `{}`, no `changeSummary`) is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from drift import changes, values
from drift.classify import classify
from drift.engine import EngineFailure
from drift.model import Diagnostic, StackResult
from drift.steps import step_from_digest
from drift.stream import unnamed_changes


class DigestError(ValueError):
    """The file is not a PreviewDigest this command can read."""


def load_digest(path: Path) -> Mapping[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DigestError(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DigestError(
            f"{path} is not JSON: pass the output of `pulumi refresh --preview-only --json`"
        ) from error
    if not isinstance(document, Mapping) or not isinstance(document.get("changeSummary"), Mapping):
        raise DigestError(f"{path} is not a Pulumi preview JSON document (no `changeSummary`)")
    if not isinstance(document.get("steps", []), list):
        raise DigestError(f"{path} is not a Pulumi preview JSON document (`steps` is not a list)")
    return document


def stack_from_digest(stack_name: str, document: Mapping[str, Any]) -> StackResult:
    diagnostics = tuple(
        Diagnostic(
            str(d.get("severity", "")), values.clean_text(str(d.get("message", ""))), d.get("urn") or None
        )
        for d in document.get("diagnostics") or ()
        if isinstance(d, Mapping) and d.get("severity") in ("error", "warning")
    )
    errors = [d.message for d in diagnostics if d.severity == "error"]
    if errors:
        failure = classify(EngineFailure(stderr="the preview document reports an error"), errors)
        return StackResult(name=stack_name, diagnostics=diagnostics, failure=failure)
    steps = [step_from_digest(step) for step in document.get("steps") or () if isinstance(step, Mapping)]
    drift, ignored = changes.drift_changes(steps)
    summary = {
        str(op): int(count)
        for op, count in document["changeSummary"].items()
        if isinstance(count, (int, float))
    }
    return StackResult(
        name=stack_name,
        drift=drift,
        ignored=ignored,
        change_summary=summary,
        diagnostics=diagnostics,
        unnamed=unnamed_changes(summary, len(drift)),
    )
