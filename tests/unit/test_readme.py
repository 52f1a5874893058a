"""The README stays true: its configuration reference is the one generated from the settings key table, its
test command is the one CI runs, and the sections other parts fill in are in place.

`python -m tests.unit.test_readme` rewrites the generated configuration reference in README.md.
"""

from __future__ import annotations

import json
import pathlib
import re

from components.settings import KEYS, PROJECT, REQUIRED, ConfigKey

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"
SECTIONS = (
    "Prerequisites",
    "Set up, deploy, test",
    "Adding an environment",
    "Configuration reference",
    "Try it offline",
    "Drift detection in CI",
    "Policy pack",
    "Known errors and mitigations",
    "Benchmarks",
    "Testing",
)


def _default(key: ConfigKey) -> str:
    if key.default is REQUIRED:
        return "required"
    plain = key.default not in ("", []) and not isinstance(key.default, bool)
    return f"`{key.default}`" if plain else f"`{json.dumps(key.default)}`"


def _code(text: str) -> str:  # `<placeholder>` outside backticks would render as an HTML tag
    return re.sub(r"[^\s(),]*<[^\s(),]*", lambda m: f"`{m.group(0)}`", text)


_KINDS = {None: "both", "copilotStudio": "Copilot Studio agent", "other": "Azure bot"}


def config_reference_markdown() -> str:
    """The README's configuration reference, generated from the settings key table."""
    rows = [
        f"| `{PROJECT}:{key.name}` | {_KINDS[key.applies_to]} | {key.type} | {_default(key)} | "
        f"{_code(key.description)} |"
        for key in KEYS
    ]
    return "\n".join(["| key | bot kind | type | default | meaning |", "|---|---|---|---|---|", *rows])


def generated_section(text: str) -> str:
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def with_reference(text: str) -> str:
    before, rest = text.split(START, 1)
    return f"{before}{START}\n{config_reference_markdown()}\n{END}{rest.split(END, 1)[1]}"


def test_readme_configuration_reference_is_generated_from_the_settings_key_table():
    assert generated_section(README.read_text()) == config_reference_markdown(), (
        "README.md's configuration reference is stale: run `python -m tests.unit.test_readme`"
    )


def test_readme_names_the_test_command_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "make setup" in ci
    text = README.read_text()
    assert re.search(r"^make test\b", text, re.MULTILINE) and re.search(r"^make setup\b", text, re.MULTILINE)


def test_readme_has_every_section_users_and_later_parts_rely_on():
    headings = re.findall(r"^## (.+)$", README.read_text(), re.MULTILINE)
    assert [h for h in SECTIONS if h not in headings] == []


if __name__ == "__main__":
    README.write_text(with_reference(README.read_text()))
