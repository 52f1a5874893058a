"""The fault matrix: every fault the emulator can inject, on every request of every operation of the six
binding
resources, driven through the SDK's real provider server (`python -m pulumi.dynamic`) as the engine drives it.

Operations: create, update, read, delete with `handoff:allowBindingRemoval` true (a second provider process),
and delete without it (refused before any request, whatever fault is armed). Updates change something real:
the user's capacity, the role's name (assign the new role, drop the old), the queue (join, then leave the old
one), the workstream's bot after someone cleared it (drift), the context variables (create one, delete one
the stack made), the agent's binding fingerprint (publish).

Hostile-response cells (faults_support.HOSTILE_KINDS, issue 15): an HTML page or `[]` answering a GET, a 201
with a cut JSON body answering a POST, a 429 whose Retry-After is `soon` or `1.5`, a 307 redirect to another
host; the first request each applies to in every operation (all of them with HANDOFF_STRESS_FULL=1). A
trickling answer is cut by the request deadline, too slow for a cell: tests/clients/test_hostile_answers.py
covers it.

Fault kinds (faults_support.FAULT_KINDS): 429 with each Dataverse service-protection code (0x80072322,
0x80072321, 0x80072326) on Dataverse requests, 429 on Entra and ARM requests, 500, 503, a dropped
connection and 25 ms of latency on every request, an expired token (the emulator clock jumps past the token
lifetime just before the request, so the token the provider cached expires mid-operation), and Graph
replication lag on Graph requests (no binding operation sends one, so that column reads n/a; it fills in by
itself if one ever does).

Cells come from each operation's fault-free request log (`emulator.requests()`), in three tracks, so a new
request is covered without editing this file:
- warm: the provider process holds valid tokens (a deployment's steady state); every request of the log.
- token: the cached tokens expired before the operation (a long-running process), so each audience's first
  request is refused with 401 and a token request follows; every fault on each of those token requests.
- cold: a new provider process (the first operation of a `pulumi` command: msal's tenant discovery, then the
  first token of each audience); every fault on each of those Entra requests. Each cell starts a process.

For each cell: the operation succeeds (`ok`, or `retried-ok` when it sent more requests than without the
fault) or fails with a ClientError carrying a catalogue key the fault explains (throttled,
service-unavailable, ambiguous-write), never another exception; the faulted request is the k-th of the log; no
non-idempotent POST is sent again after an unknown outcome without a read by natural key in between; the
emulator then holds no duplicate (the bot's App ID, a context variable name per workstream, an association
pair) and, when the operation succeeded, exactly the state and outputs of the fault-free run; when it failed,
running the same operation again without faults succeeds and leaves exactly the fault-free run's state and
outputs (so nothing it made is orphaned: the re-run adopted it). States compare with new record ids replaced
by their natural keys and times dropped. A succeeded cell is not re-run: its state equals the fault-free
result, from which a re-run is checked once per operation
(`test_every_operation_run_twice_changes_nothing_the_second_time`).

What it cannot stage: the emulator fails a faulted request before serving it, so "applied, answer lost" is
tests/providers/test_races_and_lost_answers.py's job.

What CI runs (the default) and what `HANDOFF_STRESS_FULL=1` adds:
- CI: the warm and token tracks of every operation of all six resources, in full (every fault kind on every
  request); the cold track of the first resource, the bot user (create, update, read, delete: every fault
  kind on each Entra request of a new process, 49 process starts); the refusals; the redeploy test.
- FULL adds the cold track of the other five resources (190 more cells, each a process start, about two
  more minutes): in a new process their Entra requests all come before their first API request, so a fault
  there fails the operation before it sends anything, which the bot user's cells already show.
Every injected status carries `Retry-After: 0` so nothing sleeps and msal's throttle cache (it replays an
Entra 429/5xx for Retry-After seconds, 5 s without one) cannot carry one cell's fault into the next.
Variables created before a failed multi-variable create are deleted again by the failing call, so the re-run
owns them (`test_context_variables_created_before_a_failed_create_stay_owned_by_the_stack`); one that cannot
be deleted is named on the failure.
The table (operation x request x fault -> outcome) prints at the end of the module (`pytest -s`);
`faults_support.matrix_table` builds it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Any, Callable, Optional

import pytest

from components.dynamic.bot_user import BotApplicationUser
from emulator.dataverse import testing as dv
from emulator.seeds import default_fixture, native_fixture
from offline.harness import azure_bot_binding
from offline.provider_server import ProviderError, ProviderServer
from tests.providers.support import ORDER, Binding, Deployed, Driver, resource_of, start_server

from . import faults_support as fs

FULL = os.environ.get("HANDOFF_STRESS_FULL") == "1"
# Both kinds of bot: the dev stack's binding (a Copilot Studio agent, connected by the emulator's Connect:
# its user is ConnectedAgentUser) and an Azure bot's application user ("bot-user", which the stack creates).
RESOURCES = (*ORDER, "bot-user")
CLASSES = {role: resource_of(role) for role in ORDER} | {"bot-user": BotApplicationUser}
COLD_RESOURCES = RESOURCES if FULL else (ORDER[0], "bot-user")
OPERATIONS = ("create", "update", "read", "delete")
# Faults on Entra requests in the token and cold tracks (expiry and replication lag do not apply to them).
ENTRA_KINDS = tuple(kind for kind in fs.FAULT_KINDS if kind.fault and "entra" in kind.services)


# --- the scenarios: one operation of one resource, from a known emulator state ------------------------------
@dataclasses.dataclass
class Scenario:
    resource: str
    operation: str
    pre: dict  # the Dataverse state to start from (a state dump)
    run: Callable[[Driver], Any]  # the operation; returns what the engine would record
    removable: bool = False  # needs the provider process with the removal override

    @property
    def name(self) -> str:
        return f"{self.resource}-{self.operation}"


def changed_inputs(binding: Binding, role: str) -> dict:
    """What `pulumi up` sends after the stack changed this resource (workstream: unchanged, after drift)."""
    inputs = binding.inputs(role)
    return {
        "user": {**inputs, "capacity": 120},
        "bot-user": {**inputs, "capacity": 120},
        "role": {**inputs, "roleName": "Omnichannel supervisor"},
        "queue": {**inputs, "queue": "Tier 2 chat"},
        "workstream": inputs,
        "context": {**inputs, "variables": ["customerTier:text", "region:number"]},
        "agent": {**inputs, "bindingFingerprint": "changed"},
    }[role]


def without_workstream_bot(state: dict) -> dict:
    """The deployed state after someone cleared the workstream's bot in the admin center."""
    state = json.loads(json.dumps(state))
    for row in fs.environment(state, dv.DEV)["tables"]["msdyn_liveworkstreams"]:
        if row["msdyn_liveworkstreamid"] == dv.CONTOSO_CHAT:
            row["_msdyn_bot_user_value"] = None
    return state


def scenarios(bindings: dict[str, Binding], before: dict[str, dict], deployed: dict) -> list[Scenario]:
    made: list[Scenario] = []
    for resource in RESOURCES:
        binding, role = bindings[resource], "user" if resource == "bot-user" else resource
        state = binding.state[role]
        inputs, news = binding.inputs(role), changed_inputs(binding, role)
        role = resource
        made += [
            Scenario(role, "create", before[role], lambda d, i=inputs: _created(d.create(i))),
            Scenario(
                role,
                "update",
                without_workstream_bot(deployed) if role == "workstream" else deployed,
                lambda d, s=state, n=news: {"outputs": d.update(s, inputs=n).outputs},
            ),
            Scenario(role, "read", deployed, lambda d, s=state: dataclasses.asdict(d.read(s))),
            Scenario(role, "delete", deployed, lambda d, s=state: d.delete(s), removable=True),
        ]
    return made


def _created(deployed: Deployed) -> dict:
    return {"id": deployed.id, "outputs": deployed.outputs}


# --- the lab: restore a state, arm a fault, run, check ------------------------------------------------------
@dataclasses.dataclass
class Reference:
    """A fault-free run of a scenario: its request log, end state and result (canonical)."""

    log: list
    state: Any
    result: Any


class Lab:
    """One emulator, two long-lived provider processes (without and with the removal override).

    The emulator clock only moves forward across cells (`offset`): a token minted after a jump must not be
    "not yet valid" once the next cell resets the emulator. After a jump, the tokens a process cached are
    stale, so before its next cell it is warmed again (a fault-free operation refreshes them), keeping every
    cell's request log equal to its fault-free one up to the fault.
    """

    def __init__(self, emulator, plain: ProviderServer, removable: ProviderServer) -> None:
        self.emulator, self.plain, self.removable = emulator, plain, removable
        # Entra, Graph and ARM as the other tests seed them (the default fixture, then the native side the
        # program's other components make); Dataverse comes from each scenario's state.
        self.outside = [
            {k: v for k, v in fixture.items() if k != "dataverse"}
            for fixture in (default_fixture(), native_fixture())
        ]
        self.offset = 0.0
        self.warm_at: dict[int, float] = {}
        self.warmers: dict[int, Callable[[], None]] = {}

    # state
    def restore(self, pre: dict) -> None:
        emulator = self.emulator
        emulator.reset()
        emulator.configure(retry_after=0)
        if self.offset:
            emulator.advance_clock(self.offset)
        for fixture in self.outside:
            emulator.seed(fixture)
        emulator.seed({"dataverse": pre})

    def dump(self) -> dict:
        return self.emulator.state("dataverse")

    def jump_seconds(self) -> float:
        return self.emulator.config.token_lifetime + 60.0

    # provider processes
    def server(self, scenario: Scenario) -> ProviderServer:
        return self.removable if scenario.removable else self.plain

    def warm(self, server: ProviderServer) -> None:
        """Refresh a process's tokens after a clock jump, leaving the emulator's Dataverse state as it was."""
        if self.warm_at.get(id(server)) != self.offset:
            saved = self.dump()
            self.warmers[id(server)]()
            self.warm_at[id(server)] = self.offset
            self.restore(saved)

    # one run
    def run(
        self,
        scenario: Scenario,
        server: ProviderServer,
        *,
        expire_at: Optional[int] = None,
        fault: Optional[fs.FaultKind] = None,
        index: int = 0,
        expire_first: bool = False,
    ):
        """Run the scenario from its state; returns (result, error, log, jump)."""
        self.restore(scenario.pre)
        if expire_first:
            self.emulator.advance_clock(self.jump_seconds())
            self.offset += self.jump_seconds()
        if fault is not None and fault.fault:
            self.emulator.inject(method="*", path=".*", skip=index, count=1, **fault.fault)
        if fault is not None and fault.config:
            self.emulator.configure(**fault.config)
        ctx, jump = self.emulator.app.ctx, None
        if expire_at is not None:
            jump = fs.ClockJump(ctx.faults, ctx.clock, expire_at, self.jump_seconds())
            ctx.faults = jump
        result = error = None
        try:
            result = scenario.run(
                Driver(server, CLASSES[scenario.resource], f"omnichannel-{scenario.resource}")
            )
        except ProviderError as exc:
            error = exc
        finally:
            if jump is not None:
                ctx.faults = jump._book
                if jump.fired:
                    self.offset += self.jump_seconds()
        self.emulator.clear_faults()
        return result, error, self.emulator.requests(), jump

    def reference(self, scenario: Scenario, server: ProviderServer, **options) -> Reference:
        result, error, log, _ = self.run(scenario, server, **options)
        assert error is None, f"{scenario.name} fails without faults: {error}"
        labels = fs.new_ids(scenario.pre, self.dump())
        return Reference(log, fs.canonical(self.dump(), labels), fs.canonical(result, labels))

    def compare(self, scenario: Scenario, reference: Reference, result: Any) -> list[str]:
        state = self.dump()
        labels = fs.new_ids(scenario.pre, state)
        problems = []
        if fs.canonical(state, labels) != reference.state:
            problems.append(
                "the emulator's state differs from the fault-free run's: "
                + _difference(fs.canonical(state, labels), reference.state)
            )
        if fs.canonical(result, labels) != reference.result:
            problems.append(
                "the result differs from the fault-free run's: "
                + _difference(fs.canonical(result, labels), reference.result)
            )
        return problems

    def cell(
        self,
        scenario: Scenario,
        reference: Reference,
        server: ProviderServer,
        track: str,
        index: int,
        kind: fs.FaultKind,
        expire_first: bool = False,
    ) -> fs.CellResult:
        started = time.monotonic()
        if track != "cold":
            self.warm(server)
        result, error, log, jump = self.run(
            scenario,
            server,
            fault=None if kind.expire else kind,
            index=index,
            expire_at=index if kind.expire else None,
            expire_first=expire_first,
        )
        outcome = fs.classify(error, len(log), len(reference.log))
        problems = []
        if outcome.startswith("TRACEBACK") or outcome == fs.REFUSED:
            problems.append(f"failed with {outcome}: {error.message if error else ''}"[:400])
        elif fs.is_catalogue_key(outcome) and outcome not in kind.allowed:
            problems.append(
                f"failed with catalogue key {outcome}, not one the fault explains "
                f"({', '.join(sorted(kind.allowed)) or 'it must succeed'})"
            )
        expected = reference.log[index]
        if [(r.method, r.path) for r in log[: index + 1]] != [
            (r.method, r.path) for r in reference.log[: index + 1]
        ]:
            problems.append("the run diverged from the fault-free log before the faulted request")
        elif kind.fault and log[index].fault is None:
            problems.append(f"the fault did not fire on request {index} ({fs.describe(expected)})")
        elif kind.expire and not jump.fired:
            problems.append("the clock jump did not happen")
        problems += fs.blind_resends(log)
        problems += fs.duplicates(fs.environment(self.dump(), dv.DEV), dv.DEV_BOT_APP)
        if error is None:
            problems += self.compare(scenario, reference, result)
        else:  # the next `pulumi up`: the same operation again, no fault, from what the failed one left
            self.emulator.clear_requests()
            if track != "cold":
                self.warm(server)
            try:
                result = scenario.run(
                    Driver(server, CLASSES[scenario.resource], f"omnichannel-{scenario.resource}")
                )
            except ProviderError as exc:
                problems.append(f"the re-run without faults failed: {exc.message}"[:400])
            else:
                problems += fs.duplicates(fs.environment(self.dump(), dv.DEV), dv.DEV_BOT_APP)
                problems += [f"after the re-run, {p}" for p in self.compare(scenario, reference, result)]
        return fs.CellResult(
            scenario.resource,
            scenario.operation,
            track,
            index,
            fs.describe(expected),
            kind.name,
            outcome,
            tuple(problems),
            time.monotonic() - started,
        )


def _difference(got: Any, want: Any, path: str = "") -> str:
    """Where two canonical values first differ, in a few words."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                return _difference(got.get(key), want.get(key), f"{path}/{key}")
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for n, (a, b) in enumerate(zip(got, want)):
            if a != b:
                return _difference(a, b, f"{path}[{n}]")
    return f"{path}: {json.dumps(got)[:200]} instead of {json.dumps(want)[:200]}"


# --- fixtures (module-local) --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fault_lab(emulator_server):
    plain = start_server(emulator_server)
    removable = start_server(emulator_server, allowBindingRemoval=True)
    lab = Lab(emulator_server, plain, removable)
    try:
        # One fault-free deployment gives every scenario its starting state and the engine's view of it.
        lab.restore(default_fixture()["dataverse"])
        emulator_server.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)  # as after Copilot Studio's Connect
        binding, azure, before = Binding(plain), Binding(plain, azure_bot_binding()), {}
        for role in ORDER:
            before[role] = lab.dump()
            binding.deploy((role,))
        before["bot-user"] = lab.dump()
        azure.deploy(("user",))
        deployed = lab.dump()
        bindings = {**dict.fromkeys(ORDER, binding), "bot-user": azure}
        lab.binding, lab.scenarios = binding, {s.name: s for s in scenarios(bindings, before, deployed)}
        lab.before, lab.deployed = before, deployed
        user_create, user_read = lab.scenarios["bot-user-create"], lab.scenarios["user-read"]
        # Warming a process: an operation that uses every token audience it needs (Dataverse, and ARM for
        # the Azure bot user's create on the plain process).
        lab.warmers = {
            id(plain): lambda: lab.reference(user_create, plain),
            id(removable): lambda: lab.reference(user_read, removable),
        }
        for server in (plain, removable):
            lab.warm(server)
        yield lab
    finally:
        plain.stop()
        removable.stop()
        emulator_server.reset()


@pytest.fixture(scope="module")
def fault_results():
    """Every cell's result; the table prints when the module ends (visible with `pytest -s`)."""
    results: list[fs.CellResult] = []
    started = time.monotonic()
    yield results
    if results:
        print("\n\nFAULT MATRIX (tests/stress/test_fault_matrix.py)\n")
        print(fs.matrix_table(results))
        print(
            f"run time of the cells: {sum(r.seconds for r in results):.1f} s "
            f"(module {time.monotonic() - started:.1f} s)"
        )


def _report(results: list[fs.CellResult]) -> str:
    bad = [r for r in results if r.problems]
    return "\n".join(
        f"{r.resource} {r.operation} [{r.track}] #{r.index} {r.request} x {r.kind} -> {r.outcome}: "
        + "; ".join(r.problems)
        for r in bad[:25]
    ) + (f"\n... {len(bad) - 25} more" if len(bad) > 25 else "")


# --- the tests ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_fault_on_every_request_is_survived_or_reported_without_duplicate_or_orphan(
    fault_lab, fault_results, resource, operation
):
    lab = fault_lab
    scenario = lab.scenarios[f"{resource}-{operation}"]
    server = lab.server(scenario)
    results: list[fs.CellResult] = []

    lab.warm(server)
    warm = lab.reference(scenario, server)
    if not warm.log:  # the agent's delete only forgets it: every fault armed, nothing sent, success
        results = armed_without_request(lab, scenario, server, scenario.operation, fs.OK)
        fault_results.extend(results)
        assert not [r for r in results if r.problems], _report(results)
        return
    for index, request in enumerate(warm.log):
        for kind in fs.FAULT_KINDS:
            if kind.applies(request):
                results.append(lab.cell(scenario, warm, server, "warm", index, kind))

    lab.warm(server)
    token = lab.reference(scenario, server, expire_first=True)
    for index, request in enumerate(token.log):
        if request.service == "entra":
            results += [
                lab.cell(scenario, token, server, "token", index, kind, expire_first=True)
                for kind in ENTRA_KINDS
            ]

    if resource in COLD_RESOURCES:
        results += cold_cells(lab, scenario)

    fault_results.extend(results)
    assert all(r.service != "graph" for r in warm.log) or any(r.kind == "replication lag" for r in results)
    assert not [r for r in results if r.problems], _report(results)


@pytest.mark.parametrize("resource", ORDER)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_hostile_answers_are_reported_for_what_they_are_and_the_rerun_converges(
    fault_lab, fault_results, resource, operation
):
    """The hostile-response cells (faults_support.HOSTILE_KINDS) in the warm track: each kind on the first
    request it applies to (every such request with HANDOFF_STRESS_FULL=1); the same checks as every cell."""
    lab = fault_lab
    scenario = lab.scenarios[f"{resource}-{operation}"]
    server = lab.server(scenario)
    lab.warm(server)
    warm = lab.reference(scenario, server)
    results: list[fs.CellResult] = []
    for kind in fs.HOSTILE_KINDS:
        indexes = [index for index, request in enumerate(warm.log) if kind.applies(request)]
        for index in indexes if FULL else indexes[:1]:
            results.append(lab.cell(scenario, warm, server, "warm", index, kind))
    fault_results.extend(results)
    assert not [r for r in results if r.problems], _report(results)


def armed_without_request(
    lab: Lab, scenario: Scenario, server: ProviderServer, label: str, expected: str
) -> list[fs.CellResult]:
    """An operation that must send nothing, run once with each fault kind armed on the first request."""
    results = []
    lab.warm(server)
    for kind in fs.FAULT_KINDS:
        _, error, log, _ = lab.run(
            scenario, server, fault=kind, index=0, expire_at=0 if kind.expire else None
        )
        outcome = fs.classify(error, len(log), 0)
        problems = [f"{outcome} instead of {expected}"] if outcome != expected else []
        problems += [f"sent {len(log)} requests"] if log else []
        if fs.canonical(lab.dump(), {}) != fs.canonical(scenario.pre, {}):
            problems.append("the emulator's state changed")
        results.append(
            fs.CellResult(
                scenario.resource, label, "warm", -1, "(none sent)", kind.name, outcome, tuple(problems)
            )
        )
    return results


def cold_cells(lab: Lab, scenario: Scenario) -> list[fs.CellResult]:
    """Faults on the Entra requests of an operation that is the first of its provider process."""

    def fresh() -> ProviderServer:
        return start_server(lab.emulator, allowBindingRemoval=scenario.removable)

    server = fresh()
    try:
        cold = lab.reference(scenario, server)
    finally:
        server.stop()
    if not cold.log:
        return []
    results = []
    for index, request in enumerate(cold.log):
        if request.service != "entra":
            continue
        for kind in ENTRA_KINDS:
            server = fresh()
            try:
                results.append(lab.cell(scenario, cold, server, "cold", index, kind))
            finally:
                server.stop()
    assert results, f"{scenario.name} in a new process sends no Entra request"
    return results


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_delete_without_the_override_is_refused_before_any_request_whatever_the_fault(
    fault_lab, fault_results, resource
):
    lab = fault_lab
    scenario = dataclasses.replace(lab.scenarios[f"{resource}-delete"], removable=False)
    results = armed_without_request(lab, scenario, lab.plain, "delete (no override)", fs.REFUSED)
    fault_results.extend(results)
    assert not [r for r in results if r.problems], _report(results)


def test_every_operation_run_twice_changes_nothing_the_second_time(fault_lab):
    """Why a succeeded cell need not be re-run: from the fault-free result, the same operation converges."""
    lab = fault_lab
    for scenario in lab.scenarios.values():
        server = lab.server(scenario)
        lab.warm(server)
        reference = lab.reference(scenario, server)
        again = dataclasses.replace(scenario, pre=lab.dump())
        result, error, _, _ = lab.run(again, server)
        assert error is None, (scenario.name, error)
        labels = fs.new_ids(scenario.pre, lab.dump())
        assert fs.canonical(lab.dump(), labels) == reference.state, scenario.name
        # The result too, but for the ownership bookkeeping: a second create adopts what the first made
        # (`adopted: true`, `created: []`), and so does an update run again with the same old outputs.
        assert without_ownership(fs.canonical(result, labels)) == without_ownership(reference.result), (
            scenario.name
        )


def without_ownership(result: Any) -> Any:
    if isinstance(result, dict):
        return {k: without_ownership(v) for k, v in result.items() if k not in ("adopted", "created")}
    return result


def test_a_fault_free_redeploy_after_a_faulted_create_sends_no_write(fault_lab):
    """A whole binding deployed with a dropped connection or a 500 on each request in turn; when a create
    fails, the next `pulumi up` creates what is missing; the redeploy after that plans no change (the engine
    sends nothing), and a refresh reads, writes nothing and finds no drift."""
    lab = fault_lab
    emulator, server = lab.emulator, lab.plain
    start = lab.scenarios["user-create"].pre
    lab.warm(server)
    lab.restore(start)
    Binding(server).deploy()
    baseline = emulator.requests()
    for index, request in enumerate(baseline):
        for kind in (fs.kind_named("drop"), fs.kind_named("500")):
            lab.warm(server)
            lab.restore(start)
            emulator.inject(method="*", path=".*", skip=index, count=1, **kind.fault)
            binding = Binding(server)
            try:
                binding.deploy()
            except ProviderError:
                emulator.clear_faults()
                binding.deploy(tuple(role for role in ORDER if role not in binding.state))
            emulator.clear_faults()
            emulator.clear_requests()
            planned = binding.preview()
            assert {role: diff.changes for role, diff in planned.items()} == dict.fromkeys(ORDER, "none"), (
                index,
                kind.name,
                fs.describe(request),
            )
            assert emulator.requests() == []
            refreshed = binding.refresh()
            assert {role: diff.changes for role, (_, diff) in refreshed.items()} == dict.fromkeys(
                ORDER, "none"
            )
            assert not [r for r in emulator.requests() if r.is_write], (index, kind.name)


def _second_of_two_creates_fails(lab) -> tuple[Driver, dict]:
    """The context resource about to create two missing variables, the second create failing for good."""
    lab.warm(lab.plain)
    lab.restore(lab.before["context"])
    inputs = {
        **lab.binding.inputs("context"),
        "variables": ["customerTier:text", "orderNumber:text", "region:text"],
    }
    lab.emulator.inject(
        method="POST", path=r"/msdyn_ocliveworkstreamcontextvariables$", status=500, skip=1, count=2
    )  # the create and its one re-send after the read-back
    return Driver(lab.plain, "context"), inputs


def test_context_variables_created_before_a_failed_create_stay_owned_by_the_stack(fault_lab):
    """Two missing variables, the second create fails: the engine records nothing of the failed step, so the
    provider deletes the first again before failing; the re-run makes both and owns both (`created`, what the
    stack may delete later)."""
    driver, inputs = _second_of_two_creates_fails(fault_lab)
    with pytest.raises(ProviderError):
        driver.create(inputs)
    fault_lab.emulator.clear_faults()
    # The workstream has CustomerTier, not the exact customerTier: all three are the stack's.
    assert sorted(driver.create(inputs).outputs["created"]) == ["customerTier", "orderNumber", "region"]


def test_a_variable_that_cannot_be_taken_back_is_named_on_the_failure(fault_lab):
    driver, inputs = _second_of_two_creates_fails(fault_lab)
    fault_lab.emulator.inject(method="DELETE", path=r"/msdyn_ocliveworkstreamcontextvariables\(", status=500)
    with pytest.raises(ProviderError) as failed:
        driver.create(inputs)
    fault_lab.emulator.clear_faults()
    assert "could not be deleted again: customerTier; the next run adopts them" in failed.value.message


# --- the detectors the matrix relies on see what they must (else every cell would pass vacuously) -----------
def _logged(method: str, path: str, status: int, service: str = "dataverse"):
    return dataclasses.make_dataclass("Logged", ["method", "path", "status", "service"])(
        method, path, status, service
    )


def test_the_checks_see_a_second_bot_user_a_duplicate_variable_and_a_duplicate_pair():
    env = {
        "tables": {
            "systemusers": [
                {"applicationid": dv.DEV_BOT_APP},
                {"applicationid": dv.DEV_BOT_APP.upper()},
                {"applicationid": dv.DEV_AGENT_APP},  # one user of another App ID: no duplicate
            ],
            "msdyn_ocliveworkstreamcontextvariables": [
                {"_msdyn_liveworkstreamid_value": dv.CONTOSO_CHAT, "msdyn_name": "orderNumber"},
                {"_msdyn_liveworkstreamid_value": dv.CONTOSO_CHAT, "msdyn_name": "orderNumber"},
                # names are exact (Omnichannel matches them case-sensitively): another variable
                {"_msdyn_liveworkstreamid_value": dv.CONTOSO_CHAT, "msdyn_name": "ordernumber"},
            ],
        },
        "associations": {"queuemembership_association": [["q", "u"], ["q", "u"]]},
    }
    assert len(fs.duplicates(env, dv.DEV_BOT_APP)) == 3


def test_a_create_sent_again_after_an_unknown_outcome_is_flagged_but_not_a_retry_after_429():
    post = "/api/data/v9.2/systemusers"
    assert fs.blind_resends([_logged("POST", post, 500), _logged("POST", post, 201)])
    assert fs.blind_resends([_logged("POST", post, 0), _logged("POST", post, 201)])
    assert not fs.blind_resends([_logged("POST", post, 429), _logged("POST", post, 201)])
    assert not fs.blind_resends(
        [_logged("POST", post, 500), _logged("GET", post, 200), _logged("POST", post, 201)]
    )


def test_outcomes_tell_a_catalogue_error_from_a_traceback_and_a_refusal():
    def failed(details: str) -> ProviderError:
        return ProviderError("Create", "urn", details.splitlines()[-1], details)

    catalogue = (
        "Traceback (most recent call last):\ncomponents.clients.errors.UnavailableError: x failed: HTTP 500"
        "\n  Mitigation [service-unavailable]: Check the service health. See https://example"
    )
    assert fs.classify(failed(catalogue), 3, 3) == "service-unavailable"
    assert (
        fs.classify(
            failed("Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'userId'"), 1, 1
        )
        == "TRACEBACK KeyError"
    )
    assert (
        fs.classify(failed("components.dynamic.base.BindingRemovalRefused: refusing to delete"), 0, 0)
        == "refused"
    )
    assert (fs.classify(None, 3, 3), fs.classify(None, 4, 3)) == ("ok", "retried-ok")


def test_canonical_states_of_two_runs_compare_equal_and_an_extra_record_shows():
    before = {"environments": [{"url": dv.DEV, "tables": {"systemusers": []}}]}

    def after(*ids: str) -> dict:
        return {
            "environments": [
                {
                    "url": dv.DEV,
                    "tables": {
                        "systemusers": [
                            {"systemuserid": i, "applicationid": dv.DEV_BOT_APP, "modifiedon": i} for i in ids
                        ]
                    },
                }
            ]
        }

    one = after("0f0f0f0f-0000-4000-8000-000000000001")
    other = after("0e0e0e0e-0000-4000-8000-000000000002")
    two = after("0f0f0f0f-0000-4000-8000-000000000001", "0e0e0e0e-0000-4000-8000-000000000002")
    assert fs.canonical(one, fs.new_ids(before, one)) == fs.canonical(other, fs.new_ids(before, other))
    assert fs.canonical(two, fs.new_ids(before, two)) != fs.canonical(one, fs.new_ids(before, one))
