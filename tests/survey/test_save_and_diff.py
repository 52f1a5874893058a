"""`--save` and `--diff`: a survey before and after the emulator's portal-like Connect shows what Connect
wrote, matched by natural key."""

from __future__ import annotations

import json

from emulator.dataverse import testing as dv
from survey import diff, render


def test_diff_around_connect_shows_the_new_bot_user(run, seeded, tmp_path):
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    assert run("--stack", "dev", "--save", str(before))[0] == 0
    connected = seeded.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    assert run("--stack", "dev", "--save", str(after))[0] == 0

    code, out, err = run("--diff", str(before), str(after), "--format", "json", emulator=False)
    assert code == 0, err
    changes = json.loads(out)["changes"]
    added_users = [c for c in changes if c["section"] == "botUsers" and c["kind"] == "added"]
    assert [c["columns"]["app_id"]["after"] for c in added_users] == [connected["appId"]]
    takeover = [c for c in changes if c["section"] == "stackResources" and c["kind"] == "changed"]
    assert any(c["columns"]["exists"] == {"before": False, "after": True} for c in takeover)


def test_diff_of_two_surveys_of_an_unchanged_environment_is_empty(run, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert run("--dataverse-url", dv.DEV, "--save", str(first))[0] == 0
    assert run("--dataverse-url", dv.DEV, "--save", str(second))[0] == 0
    code, out, _ = run("--diff", str(first), str(second), emulator=False)
    assert (code, out) == (0, "No changes between the two surveys.\n")


def test_diff_reports_changed_columns_of_a_record_found_by_its_natural_key():
    row = {"name": "Bot escalations", "bot_members": [], "highest_human_capacity": 60, "members": 2}
    before = {"sections": {"queues": [row]}}
    joined = {**row, "bot_members": ["Contoso Helper (capacity 100)"], "members": 3}
    after = {"sections": {"queues": [joined]}}
    (change,) = diff.diff(before, after)
    assert (change.kind, change.key) == (diff.CHANGED, ("Bot escalations",))
    assert dict(change.columns) == {
        "bot_members": ([], ["Contoso Helper (capacity 100)"]),
        "members": (2, 3),
    }


def test_diff_refuses_a_file_that_is_not_a_saved_survey(run, tmp_path):
    stray = tmp_path / "stray.json"
    stray.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run("--diff", str(stray), str(stray), emulator=False)
    assert code == 2
    assert "not a survey of format 1" in err and "--save FILE" in err


def test_markdown_diff_lists_an_added_record_by_its_key_and_its_columns():
    user = {"app_id": "62d6e431-abed-54f1-a1ca-e4e5098f19ab", "soft_deleted": False, "id": "u1", "roles": []}
    text = render.diff_markdown(diff.diff({"sections": {"botUsers": []}}, {"sections": {"botUsers": [user]}}))
    assert "- added in Bot application users: 62d6e431-abed-54f1-a1ca-e4e5098f19ab, False, u1" in text
    assert "  - app_id: 62d6e431-abed-54f1-a1ca-e4e5098f19ab" in text
    assert "->" not in text


def test_diff_of_surveys_of_two_environments_says_so(run, tmp_path):
    dev, prod = tmp_path / "dev.json", tmp_path / "prod.json"
    assert run("--dataverse-url", dv.DEV, "--save", str(dev))[0] == 0
    assert run("--dataverse-url", dv.PROD, "--save", str(prod))[0] == 0
    code, out, _ = run("--diff", str(dev), str(prod), emulator=False)
    assert code == 0
    assert f"> the surveys are of two environments: {dv.DEV} and {dv.PROD}" in out
