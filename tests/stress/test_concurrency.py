"""Twenty bindings deployed at once through the SDK's provider server (four calls served at a time, one thread
per binding as the engine walks independent resources) against an emulator whose Dataverse service protection
is set low: one request in flight per user and 40 requests per one-second window, Retry-After 1 s. The
concurrency limit alone throttles only when two handlers overlap, which depends on scheduling; the window
makes the 429s certain. What must hold: every binding deployed, nothing lost and nothing made twice, every 429
waited out before the request was sent again, and a redeploy that sends no write.

Which retry belongs to which 429 is read from the request log: every attempt of a request is logged with the
same method, path and query, and the log has start times and durations. A request only one binding sends (it
names that binding's user, queue, workstream or agent) has exactly one successful attempt; its attempts, in
order, are one client's retries. Requests every binding sends alike (the root business unit, the role lookup,
a create by POST) cannot be told apart by binding: for them the test checks only that each 429 was followed by
a same request at least Retry-After later.
"""

from __future__ import annotations

import collections
import dataclasses

import pytest

from benchmarks.fleet import all_at_once, seed_world
from components.binding_plan import OmnichannelBindingArgs
from emulator.dataverse import testing as dv
from tests.providers.support import Binding, environment_state, start_server

BINDINGS = 20
RETRY_AFTER = 1  # seconds: Dataverse sends whole seconds; 1 is the smallest wait that is a wait
LIMITS = {
    "dataverse_max_concurrency": 1,
    "dataverse_max_requests": 40,
    "dataverse_window": 1.0,
    "retry_after": RETRY_AFTER,
}
CLOCK_SLACK = 0.005  # the log's timestamps and the client's sleep are both time-of-day seconds


@dataclasses.dataclass
class Run:
    specs: list[OmnichannelBindingArgs]
    bindings: list[Binding]
    failures: dict[str, str]
    deploy_log: list
    redeploy_log: list
    tables: dict
    associations: dict
    users_before: int


@pytest.fixture(scope="module")
def run(emulator_server) -> Run:
    emulator = emulator_server
    specs = seed_world(emulator, BINDINGS)
    before = environment_state(emulator)
    server = start_server(emulator)
    failures: dict[str, str] = {}

    def deploy(binding: Binding) -> None:
        try:
            binding.deploy()
        except Exception as error:  # noqa: BLE001 - reported by the test that every binding deployed
            failures[binding.spec.bot_app_id] = f"{type(error).__name__}: {error}"

    try:
        emulator.configure(**LIMITS)
        bindings = [Binding(server, spec, name=f"binding{i:02d}") for i, spec in enumerate(specs)]
        emulator.clear_requests()
        all_at_once(bindings, deploy, timeout_s=120)
        deploy_log = emulator.requests()
        emulator.clear_requests()
        deployed = [b for b in bindings if b.spec.bot_app_id not in failures]
        all_at_once(deployed, lambda b: b.preview(), timeout_s=60)
        redeploy_log = emulator.requests()
        after = environment_state(emulator)
    finally:
        server.stop()
        emulator.reset()  # the limits too: later tests get the documented ones
    users_before = len(before["tables"]["systemusers"])
    return Run(
        specs,
        bindings,
        failures,
        deploy_log,
        redeploy_log,
        after["tables"],
        after["associations"],
        users_before,
    )


def _user_ids(run: Run) -> dict[str, str]:
    return {b.spec.bot_app_id: b.state["user"].outputs["userId"] for b in run.bindings if "user" in b.state}


def test_the_low_service_protection_limits_really_throttled_the_deploy(run):
    throttled = [r for r in run.deploy_log if r.service == "dataverse" and r.status == 429]
    assert len(throttled) >= 5, f"only {len(throttled)} 429s: the limits did not bite"


def test_every_binding_is_deployed_with_all_its_resources(run):
    assert run.failures == {}
    assert [b.spec.bot_app_id for b in run.bindings if tuple(b.state) != b.order] == []
    kinds = {b.spec.is_copilot_agent for b in run.bindings}
    assert kinds == {True, False}  # both kinds of bot, at once


def test_each_app_id_has_exactly_one_bot_user_the_one_its_binding_recorded(run):
    users = collections.Counter(str(r.get("applicationid")).lower() for r in run.tables["systemusers"])
    recorded = _user_ids(run)
    assert {spec.bot_app_id: users[spec.bot_app_id] for spec in run.specs} == {
        spec.bot_app_id: 1 for spec in run.specs
    }
    # No stray user: an Azure bot's binding made its user, an agent's adopted the one Connect made.
    made = sum(1 for spec in run.specs if not spec.is_copilot_agent)
    assert len(run.tables["systemusers"]) == run.users_before + made
    by_app = {
        str(r["applicationid"]).lower(): r["systemuserid"]
        for r in run.tables["systemusers"]
        if r.get("applicationid")
    }
    assert {app: by_app[app] for app in recorded} == recorded


def test_each_bot_user_holds_the_agent_role_once_and_sits_once_in_its_own_queue(run):
    roles = run.associations["systemuserroles_association"]
    members = run.associations["queuemembership_association"]
    for index, (app_id, user_id) in enumerate(sorted(_user_ids(run).items())):
        assert [p for p in roles if p[0] == user_id] == [[user_id, dv.OC_AGENT]], app_id
        queue_id = next(
            b.state["queue"].outputs["queueId"] for b in run.bindings if b.spec.bot_app_id == app_id
        )
        assert [p for p in members if p[1] == user_id] == [[queue_id, user_id]], app_id
    assert len(roles) == len({tuple(p) for p in roles}) and len(members) == len({tuple(p) for p in members})


def test_each_workstream_has_its_own_bindings_bot_user(run):
    bots = {r["msdyn_name"]: r.get("_msdyn_bot_user_value") for r in run.tables["msdyn_liveworkstreams"]}
    users = _user_ids(run)
    assert {s.workstream: bots[s.workstream] for s in run.specs} == {
        s.workstream: users[s.bot_app_id] for s in run.specs
    }
    assert bots["Contoso chat"] is None and bots["Partner chat"] == dv.PARTNER_BOT_USER  # others untouched


def test_each_workstream_has_each_declared_context_variable_exactly_once(run):
    names = {r["msdyn_liveworkstreamid"]: r["msdyn_name"] for r in run.tables["msdyn_liveworkstreams"]}
    per_workstream = collections.Counter(
        (names[r["_msdyn_liveworkstreamid_value"]], r["msdyn_name"].lower())
        for r in run.tables["msdyn_ocliveworkstreamcontextvariables"]
    )
    assert [key for key, count in per_workstream.items() if count > 1] == []
    for spec in run.specs:
        for variable in spec.context_variables:
            assert per_workstream[(spec.workstream, variable.split(":")[0].lower())] == 1


def _attempts(log) -> dict[tuple, list]:
    """Dataverse requests grouped by what they asked (method, path, query), in the order they started."""
    groups: dict[tuple, list] = collections.defaultdict(list)
    for entry in sorted((r for r in log if r.service == "dataverse"), key=lambda r: r.started):
        groups[(entry.method, entry.path, entry.query)].append(entry)
    return groups


def _answered(entry) -> float:
    return entry.started + entry.duration_ms / 1000.0


def test_every_429_was_waited_out_before_the_request_was_sent_again(run):
    own_chains = early = matched = 0
    throttled = 0
    for key, attempts in _attempts(run.deploy_log).items():
        refusals = [a for a in attempts if a.status == 429]
        throttled += len(refusals)
        if not refusals:
            continue
        if sum(a.status != 429 for a in attempts) == 1:
            # One binding's request: its attempts are one client's retries, each after the previous 429.
            own_chains += len(refusals)
            assert attempts[-1].status != 429, key
            early += sum(
                1
                for previous, retry in zip(attempts, attempts[1:])
                if retry.started - _answered(previous) < RETRY_AFTER - CLOCK_SLACK
            )
            continue
        # Sent alike by several bindings: each 429 needs its own later same request at least Retry-After on.
        later = sorted(a.started for a in attempts)
        for deadline in sorted(_answered(r) + RETRY_AFTER - CLOCK_SLACK for r in refusals):
            found = next((i for i, start in enumerate(later) if start >= deadline), None)
            assert found is not None, f"{key}: a 429 with no same request {RETRY_AFTER} s later"
            del later[found]
            matched += 1
    assert early == 0, f"{early} of {own_chains} retries were sent before Retry-After elapsed"
    assert own_chains >= 1 and own_chains + matched == throttled


def test_a_redeploy_of_the_twenty_bindings_sends_no_write(run):
    assert [(r.method, r.path) for r in run.redeploy_log if r.is_write] == []
    assert run.redeploy_log == []  # Check and Diff are local: not even a read
