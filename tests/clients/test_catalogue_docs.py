"""The docs are generated from the catalogue and must not drift from it: docs/errors.md, and the README's
"Known errors and mitigations" table once README.md carries its markers."""

from __future__ import annotations

import pathlib

import pytest

from components.clients.catalogue import ENTRIES
from components.clients.catalogue.__main__ import main
from components.clients.catalogue.render import README_BEGIN, README_END, errors_markdown, with_readme_table

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_docs_errors_md_matches_the_catalogue():
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == errors_markdown(), (
        "docs/errors.md is stale: run python -m components.clients.catalogue --write-docs"
    )


def test_readme_table_matches_the_catalogue():
    readme = ROOT / "README.md"
    if not readme.exists() or README_BEGIN not in readme.read_text(encoding="utf-8"):
        pytest.skip("README.md has no known-errors markers yet")
    text = readme.read_text(encoding="utf-8")
    assert text == with_readme_table(text), (
        "README table is stale: run python -m components.clients.catalogue --write-docs"
    )


def test_every_entry_appears_in_both_documents():
    table = with_readme_table(f"# Known errors and mitigations\n\n{README_BEGIN}\n{README_END}\n")
    for entry in ENTRIES:
        assert f"`{entry.key}`" in errors_markdown() and f"`{entry.key}`" in table


def test_check_mode_fails_on_a_stale_copy_and_write_mode_fixes_it(tmp_path, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "errors.md").write_text("stale")
    (tmp_path / "README.md").write_text(
        f"# Project\n\n## Known errors and mitigations\n\n{README_BEGIN}\n{README_END}\n"
    )
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert "out of date: docs/errors.md" in capsys.readouterr().err
    assert main(["--write-docs", "--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    assert "| `ambiguous-write` |" in (tmp_path / "README.md").read_text()


def test_a_readme_without_markers_is_left_alone(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Project\n")
    assert main(["--write-docs", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "README.md").read_text() == "# Project\n"
    with pytest.raises(ValueError, match="no known-errors markers"):
        with_readme_table("# Project\n")
