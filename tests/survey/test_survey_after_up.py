"""The survey after an offline `up` of the dev stack shows the hand-off as the stack made it: the agent, its
bot user with the Omnichannel agent role, its queue membership, the workstream's bot and the context
variables; and the stack's resources all exist."""

from __future__ import annotations

import io
import json

from emulator.dataverse import testing as dv
from offline import cli as offline_cli
from offline.emulator import EmulatorTarget


def test_survey_after_an_offline_up_lists_the_binding_as_the_stack_made_it(run, seeded, tmp_path):
    target = EmulatorTarget(seeded.base_url, seeded.ca_path)
    target.seed_for_offline_runs()
    connected = seeded.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    where = ["--stack", "dev", "--emulator", seeded.base_url, "--ca", seeded.ca_path]
    output = io.StringIO()
    assert offline_cli.main(["up", *where, "--state-dir", str(tmp_path)], stream=output) == 0, (
        output.getvalue()
    )
    seeded.clear_requests()

    code, out, err = run("--stack", "dev", "--format", "json")
    assert code == 0, err
    sections = json.loads(out)["sections"]
    user = next(u for u in sections["botUsers"] if u["app_id"] == connected["appId"])
    assert "Omnichannel agent" in user["roles"]
    queue = next(q for q in sections["queues"] if q["name"] == "Bot escalations")
    assert queue["bot_members"] == [f"{user['name']} (capacity {user['capacity']})"]
    workstream = next(w for w in sections["workstreams"] if w["name"] == "Contoso chat")
    assert workstream["bot_user_id"] == user["id"]
    names = {v["name"] for v in sections["contextVariables"] if v["workstream"] == "Contoso chat"}
    assert {"customerTier", "orderNumber"} <= names
    assert [r for r in sections["stackResources"] if not r["exists"]] == []
    assert [r.method for r in seeded.requests() if r.method != "GET" and r.service != "entra"] == []
