"""The Markdown report, for `$GITHUB_STEP_SUMMARY`, Azure Pipelines summaries and pull-request comments.

It says the same thing as the JSON report, in the same order, and stays under the size limits of those
places (a PR comment holds 65,536 characters): long values are shortened and long lists cut, with the
count of what was left out and a pointer to the JSON report.
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Any, Iterable

from drift import exitcodes
from drift.model import ABSENT, Report, ResourceChange, StackResult, StackStatus

MAX_RESOURCES_PER_SECTION = 40
MAX_PROPERTIES_PER_RESOURCE = 25
MAX_VALUE_CHARS = 120
UNNAMED_NOTE = (
    "(a `--json` digest hides which resource drifted when its provider gives no detailed diff, as the "
    "binding's dynamic providers never do): rerun with `pulumi refresh --preview-only --event-log FILE` "
    "and `--from-event-log` to see which resource and property."
)

_STATUS_LABEL = MappingProxyType(
    {
        StackStatus.CLEAN: "✅ clean",
        StackStatus.DRIFT: "⚠️ drift",
        StackStatus.ERROR: "❌ error",
    }
)


def render(report: Report, title: str = "Drift report") -> str:
    lines = [f"## {title}", "", _headline(report), ""]
    lines += ["| Stack | Status | Drifted resources | Pending changes | Exit code |", "|---|---|---|---|---|"]
    for stack in report.stacks:
        pending = "–" if stack.pending is None else str(len(stack.pending))
        drifted = f"{len(stack.drift)} + {stack.unnamed} unnamed" if stack.unnamed else str(len(stack.drift))
        lines.append(
            f"| {_cell(stack.name)} | {_STATUS_LABEL[stack.status]} | {drifted} | "
            f"{pending} | {stack.exit_code} |"
        )
    for stack in report.stacks:
        lines += ["", *_stack_section(stack)]
    lines += [
        "",
        f"<sub>Exit code {report.exit_code}: {exitcodes.MEANINGS.get(report.exit_code, '')}. "
        f"Generated {report.generated_at}. Secret values are shown as `[secret]`; "
        "`before` is the recorded state, `after` the live value (drift) or the program (pending). "
        "Reconcile drift with `pulumi up --refresh` (a plain `pulumi up` does not see it)."
        "</sub>",
        "",
    ]
    return "\n".join(lines)


def _headline(report: Report) -> str:
    total = len(report.stacks)
    drifted = sum(1 for s in report.stacks if s.status is StackStatus.DRIFT)
    failed = sum(1 for s in report.stacks if s.status is StackStatus.ERROR)
    if total == 0:
        return "**No stacks were scanned.**"
    parts = []
    if failed:
        parts.append(f"{failed} of {total} stack(s) could not be checked")
    if drifted:
        parts.append(f"changes found in {drifted} of {total} stack(s)")
    if not parts:
        parts.append(f"no drift in {total} stack(s)")
    return f"**Result: {'; '.join(parts)}** (exit code {report.exit_code})"


def _stack_section(stack: StackResult) -> list[str]:
    lines = [f"### {_cell(stack.name)}: {_STATUS_LABEL[stack.status]}"]
    if stack.failure is not None:
        failure = stack.failure
        code = (
            f", pulumi exit code {failure.pulumi_exit_code}" if failure.pulumi_exit_code is not None else ""
        )
        lines += [
            "",
            f"**{failure.category.value}** error (exit code {failure.exit_code}{code}): "
            f"{_text(failure.message)}",
            "",
            f"> {failure.hint}",
        ]
    if stack.drift:
        lines += ["", "**Drift** (changed outside Pulumi since the last update):"]
        lines += _resources(stack.drift, drift=True)
    if stack.unnamed:
        lines += [
            "",
            f"**{stack.unnamed} change(s) the engine counted that this input cannot name** {UNNAMED_NOTE}",
        ]
    if not stack.drift and not stack.unnamed and stack.status is StackStatus.CLEAN:
        lines += ["", "No drift."]
    if stack.pending is not None:
        if stack.pending:
            lines += [
                "",
                "**Pending changes** (what `pulumi up` would do after a refresh; "
                "↩ marks a change that reverts drift):",
            ]
            lines += _resources(stack.pending, drift=False)
        else:
            lines += ["", "No pending changes."]
    if stack.ignored:
        lines += [
            "",
            f"<sub>{len(stack.ignored)} difference(s) in dynamic-provider state (`__provider`) "
            "left out: not a change in the cloud.</sub>",
        ]
    errors = [d for d in stack.diagnostics if d.severity == "error"]
    if errors and stack.failure is None:
        lines += ["", "Engine errors:", *[f"- {_text(d.message)}" for d in errors[:10]]]
    return lines


def _resources(resources: Iterable[ResourceChange], drift: bool) -> list[str]:
    resources = list(resources)
    lines: list[str] = []
    for resource in resources[:MAX_RESOURCES_PER_SECTION]:
        lines += ["", f"- `{_code(resource.name)}` ({_code(resource.type)}): **{resource.change}**"]
        if not resource.properties:
            continue
        before_label, after_label = ("In state", "Live") if drift else ("Current", "Program")
        lines += ["", f"  | Property | Change | {before_label} | {after_label} |", "  |---|---|---|---|"]
        for prop in resource.properties[:MAX_PROPERTIES_PER_RESOURCE]:
            marker = " ↩" if prop.reverts_drift else ""
            lines.append(
                f"  | `{_code(prop.path)}`{marker} | {prop.kind} | {_value(prop.before)} | "
                f"{_value(prop.after)} |"
            )
        hidden = len(resource.properties) - MAX_PROPERTIES_PER_RESOURCE
        if hidden > 0:
            lines.append(f"  | … {hidden} more (see the JSON report) | | | |")
    hidden = len(resources) - MAX_RESOURCES_PER_SECTION
    if hidden > 0:
        lines += ["", f"- … {hidden} more resource(s): see the JSON report."]
    return lines


def _value(value: Any) -> str:
    if value is ABSENT:
        return "*(absent)*"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return f"`{_code(text)}`"


def _code(text: str) -> str:
    """Text for an inline code span inside a table cell: no backticks, pipes or line breaks."""
    return str(text).replace("`", "'").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|")


def _text(text: str) -> str:
    """Plain text in Markdown: one line, and no HTML or link syntax from messages."""
    flat = " ".join(str(text).split())
    for char in ("\\", "<", ">", "[", "]", "*", "_", "`"):
        flat = flat.replace(char, "\\" + char)
    return flat
