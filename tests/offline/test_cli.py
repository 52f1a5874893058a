"""`python -m offline`: usage errors are refused with exit 2 before anything runs; portal changes are
listed."""

from __future__ import annotations

import io

import pytest

from offline.cli import main
from offline.portal import CHANGES


def test_portal_list_names_every_change_and_the_resource_it_should_drift():
    out = io.StringIO()
    assert main(["portal", "--list"], stream=out) == 0
    text = out.getvalue()
    for change in CHANGES.values():
        assert change.name in text and change.drifts in text
    assert len(CHANGES) == 7 and "connect-agent" in text  # and the Connect a Copilot Studio stack needs first


def test_refresh_without_preview_only_is_refused_because_only_the_engine_rewrites_state(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["refresh", "--stack", "dev", "--emulator", "https://127.0.0.1:1", "--ca", __file__])
    assert caught.value.code == 2
    assert "--preview-only" in capsys.readouterr().err


def test_up_needs_an_emulator_and_its_ca(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["up", "--stack", "dev"])
    assert caught.value.code == 2 and "--emulator" in capsys.readouterr().err


def test_a_missing_ca_file_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["up", "--emulator", "https://127.0.0.1:1", "--ca", str(tmp_path / "nope.pem")])
    assert caught.value.code == 2 and "no such file" in capsys.readouterr().err


def test_an_emulator_that_does_not_answer_is_reported_with_how_to_start_one(tmp_path, capsys):
    ca = tmp_path / "ca.pem"
    ca.write_text("not used: nothing answers on port 1\n")
    args = ["up", "--emulator", "https://127.0.0.1:1", "--ca", str(ca), "--state-dir", str(tmp_path)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "no emulator answers at https://127.0.0.1:1" in err and "python -m emulator" in err
    assert not (tmp_path / "dev.json").exists()
