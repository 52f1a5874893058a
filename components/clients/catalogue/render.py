"""Markdown generated from the catalogue: docs/errors.md in full, and the README's "Known errors and
mitigations" table (the table the original hand-off doc left empty), between marker comments.
"""

from __future__ import annotations

from typing import Iterable

from . import ENTRIES, Entry

README_BEGIN = "<!-- known-errors:begin (generated: python -m components.clients.catalogue --write-docs) -->"
README_END = "<!-- known-errors:end -->"
_SECTIONS = (
    ("handoff", "The hand-off and the clients' own checks"),
    ("entra", "Signing in (Microsoft Entra ID)"),
    ("dataverse", "Dataverse and Omnichannel"),
    ("arm", "Azure Resource Manager (Azure Bot)"),
    ("graph", "Microsoft Graph"),
)
_SERVICE_LABEL = {"entra": "AADSTS", "dataverse": "Dataverse", "arm": "ARM", "graph": "Graph", "handoff": ""}


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _codes(entry: Entry) -> str:
    if not entry.codes:
        return ""
    label = _SERVICE_LABEL[entry.service]
    return f"{label} {', '.join(entry.codes)}".strip()


def _in_sections(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in the order of _SECTIONS (the hand-off first), keeping the catalogue's order within one."""
    order = {service: index for index, (service, _) in enumerate(_SECTIONS)}
    return sorted(entries, key=lambda e: order[e.service])


def errors_markdown(entries: Iterable[Entry] = ENTRIES) -> str:
    """The whole of docs/errors.md."""
    entries = list(entries)
    lines = [
        "# Known errors and mitigations",
        "",
        "<!-- Generated from components/clients/catalogue by `python -m components.clients.catalogue "
        "--write-docs`; edit the catalogue, not this file (tests/clients/test_catalogue_docs.py compares). "
        "-->",
        "",
        "Every error the clients raise names one of these entries in its message "
        "(`Mitigation [<key>]: ...`), so a failed `pulumi up` or drift run says what happened and what to "
        "do. "
        "Retryable means running the same deployment again later can succeed without changing anything.",
        "",
    ]
    for service, heading in _SECTIONS:
        group = [e for e in entries if e.service == service]
        if not group:
            continue
        lines += [f"## {heading}", ""]
        for entry in group:
            lines += [f"### `{entry.key}`: {entry.title}", ""]
            if entry.codes:
                lines.append(
                    f"- **Codes:** {_codes(entry)}"
                    + (f' (message contains "{entry.message_contains}")' if entry.message_contains else "")
                )
            lines += [
                f"- **Cause:** {entry.cause}",
                f"- **Mitigation:** {entry.mitigation}",
                f"- **Retryable:** {'yes' if entry.retryable else 'no'}",
                f"- **Documentation:** <{entry.link}>",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def readme_table(entries: Iterable[Entry] = ENTRIES) -> str:
    """The README table, markers included."""
    rows = [
        README_BEGIN,
        "",
        "| Error | Description | Next steps / Mitigation |",
        "| ------- | ------- | ------- |",
    ]
    for entry in _in_sections(entries):
        codes = f" ({_cell(_codes(entry))})" if entry.codes else ""
        rows.append(
            f"| `{entry.key}`{codes} | {_cell(entry.cause)} | "
            f"{_cell(entry.mitigation)} [Docs]({entry.link}) |"
        )
    rows += ["", "Details per error, with retry advice: [docs/errors.md](docs/errors.md).", "", README_END]
    return "\n".join(rows)


def with_readme_table(readme: str, entries: Iterable[Entry] = ENTRIES) -> str:
    """`readme` with the text between the markers replaced; a ValueError when the markers are missing."""
    start, end = readme.find(README_BEGIN), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(
            "README.md has no known-errors markers; add them under the 'Known errors and mitigations' heading"
        )
    return readme[:start] + readme_table(entries) + readme[end + len(README_END) :]
