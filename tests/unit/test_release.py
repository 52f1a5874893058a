"""The project reads as a release: one version (components/version.py) that the changelog's newest entry and
the upgrade notes name, a license the README names, and the docs the README links exist."""

from __future__ import annotations

import pathlib
import re

from components.version import VERSION

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_the_version_is_semantic():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_the_newest_changelog_entry_is_this_version():
    entries = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", _read("CHANGELOG.md"), re.M)
    assert entries and entries[0] == VERSION


def test_the_version_is_written_nowhere_else_but_where_it_is_read_from():
    # The changelog and the upgrade notes name it; no other file carries its own copy.
    assert VERSION in _read("docs/upgrading.md")
    for name in ("pyproject.toml", "Pulumi.yaml", "README.md"):
        assert not re.search(rf"\bversion\W+{re.escape(VERSION)}\b", _read(name), re.I), name


def test_the_license_is_apache_2_and_the_readme_says_so_and_why():
    assert "Apache License" in _read("LICENSE") and "Version 2.0, January 2004" in _read("LICENSE")
    assert "END OF TERMS AND CONDITIONS" in _read("LICENSE")
    section = _read("README.md").split("## License", 1)[1].split("\n## ", 1)[0]
    assert "Apache-2.0" in section and "patent" in section and "[LICENSE](LICENSE)" in section
