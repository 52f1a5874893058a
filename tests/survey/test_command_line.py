"""The command line's errors: each names the option or key and the fix, before any request is sent."""

from __future__ import annotations

from emulator.dataverse import testing as dv


def test_stack_and_dataverse_url_are_exclusive_and_one_is_required(run, seeded):
    code, _, err = run()
    assert code == 2
    assert "--stack NAME" in err and "--dataverse-url URL" in err
    assert seeded.requests() == []


def test_unknown_stack_names_its_missing_file(run, seeded):
    code, _, err = run("--stack", "nosuch")
    assert code == 2
    assert "Pulumi.nosuch.yaml does not exist" in err
    assert seeded.requests() == []


def test_emulator_needs_its_ca(run):
    code, _, err = run("--dataverse-url", dv.DEV, "--emulator", "https://127.0.0.1:1", emulator=False)
    assert code == 2
    assert "--emulator URL and --ca FILE go together" in err


def test_dataverse_url_outside_the_cloud_is_refused(run, seeded):
    code, _, err = run("--dataverse-url", "https://example.com")
    assert code == 2
    assert "dynamics.com" in err
    assert seeded.requests() == []


def test_missing_credentials_fail_with_the_catalogue_entry_and_no_secret(run, seeded, monkeypatch):
    monkeypatch.setenv("ARM_CLIENT_SECRET", "wrong-secret-value-1234")
    code, _, err = run("--dataverse-url", dv.DEV)
    assert code == 1
    assert "wrong-secret-value-1234" not in err
    assert "survey:" in err


def test_a_bad_stack_file_names_every_bad_key_and_sends_nothing(run, seeded, tmp_path):
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  handoff:dataverseUrl: http://contoso.crm.dynamics.com\n  handoff:botCapacity: 0\n",
        encoding="utf-8",
    )
    code, _, err = run("--stack", "broken", "--project-dir", str(tmp_path))
    assert code == 2
    assert "dataverseUrl" in err and "botCapacity" in err
    assert seeded.requests() == []


def test_a_stack_name_with_a_path_is_refused(run):
    code, _, err = run("--stack", "../dev")
    assert code == 2
    assert "a stack name has letters, digits" in err
