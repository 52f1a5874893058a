"""Many bindings at once, as the benchmarks and the concurrency stress test drive them: the emulator seeded
with `count` bindings' worth of records, both kinds of bot in turn (even ones Azure bots, each with its own
App ID and Azure Bot with its Omnichannel channel; odd ones Copilot Studio agents, each connected by the
emulator's Connect; every one with its own queue and workstream), the bindings walked all at once through one
provider server (one thread per binding, as the engine runs independent steps in parallel; the server serves
four calls at a time), and what that cost: requests from the emulator's log, wall time, peak memory.
"""

from __future__ import annotations

import concurrent.futures
import copy
import time
from typing import Callable, Sequence

from components.binding_plan import OmnichannelBindingArgs
from emulator import Emulator
from emulator.dataverse import testing as dv
from emulator.dataverse.models.portal import connect_app_id
from emulator.seeds import default_fixture, native_fixture
from offline.harness import DEV_AZURE_BOT_ID, Binding, azure_bot_binding, stack_binding

# Writes every binding needs whatever its variables: an Azure bot's user, role, queue, workstream; an agent's
# role, queue, workstream, publish (Connect made its user). Plus one create per declared variable the
# workstream lacks (names are exact: the fixture's CustomerTier is not the stacks' customerTier).
FIXED_WRITES = 4


def bench_id(kind: str, index: int) -> str:
    return f"a1{kind}0000-0000-4000-8000-{0xBE00 + index:012x}"


def bench_app_id(index: int) -> str:
    return f"5e000000-0000-4000-8000-{index:012x}"


def is_agent(index: int) -> bool:
    return index % 2 == 1


def bench_fixture(count: int) -> tuple[dict, list[OmnichannelBindingArgs]]:
    """`count` bindings' worth of records: a queue and workstream each, and an Azure Bot (even ones) or an
    agent (odd ones, to be connected: `seed_world`)."""
    default = default_fixture()
    dev = next(e for e in default["dataverse"]["environments"] if e["url"] == dv.DEV)["tables"]
    queue = next(r for r in dev["queues"] if r["queueid"] == dv.BOT_ESCALATIONS)
    workstream = next(
        r for r in dev["msdyn_liveworkstreams"] if r["msdyn_liveworkstreamid"] == dv.CONTOSO_CHAT
    )
    agent = next(r for r in dev["bots"] if r["botid"] == dv.CONTOSO_HELPER)
    azure_bot = native_fixture()["arm"]["botServices"][0]
    tables: dict[str, list] = {"queues": [], "msdyn_liveworkstreams": [], "bots": []}
    bots, specs = [], []
    for i in range(count):
        tables["queues"].append({**queue, "queueid": bench_id("40", i), "name": f"Bench queue {i:02d}"})
        tables["msdyn_liveworkstreams"].append(
            {**workstream, "msdyn_liveworkstreamid": bench_id("50", i), "msdyn_name": f"Bench chat {i:02d}"}
        )
        routing = dict(queue=f"Bench queue {i:02d}", workstream=f"Bench chat {i:02d}")
        if is_agent(i):
            schema = f"cr5a1_bench{i:02d}"
            tables["bots"].append(
                {**agent, "botid": bench_id("70", i), "name": f"Bench Agent {i:02d}", "schemaname": schema}
            )
            specs.append(
                stack_binding(
                    bot_app_id=connect_app_id(dv.DEV, schema),
                    agent_schema_name=schema,
                    agent_name=f"Bench Agent {i:02d}",
                    **routing,
                )
            )
            continue
        app_id = bench_app_id(i)
        bot = copy.deepcopy(azure_bot)
        bot["name"], bot["properties"]["msaAppId"] = f"contoso-bench-{i:02d}", app_id
        bots.append(bot)
        specs.append(
            azure_bot_binding(
                bot_app_id=app_id,
                bot_display_name=f"Bench bot {i:02d}",
                azure_bot_id=DEV_AZURE_BOT_ID.replace("contoso-handoff-dev", bot["name"]),
                **routing,
            )
        )
    fixture = {
        "dataverse": {"environments": [{"url": dv.DEV, "tables": tables}]},
        "arm": {"botServices": bots},
    }
    return fixture, specs


def seed_world(emulator: Emulator, count: int) -> list[OmnichannelBindingArgs]:
    """Reset the emulator to the default seed, the native side, the dev stack's agent connected and `count`
    bench bindings (their agents connected); their specs."""
    emulator.reset()
    emulator.seed(default_fixture())
    emulator.seed(native_fixture())
    emulator.connect_agent(dv.DEV, dv.CONTOSO_HELPER_SCHEMA)
    fixture, specs = bench_fixture(count)
    emulator.seed(fixture)
    for spec in specs:
        if spec.is_copilot_agent:  # what Copilot Studio's Connect makes before the stack can bind
            emulator.connect_agent(dv.DEV, spec.agent_schema_name)
    return specs


def counted(emulator: Emulator, work: Callable[[], object]) -> dict:
    """Run `work` on a cleared request log: requests by service, Dataverse writes, wall seconds."""
    emulator.clear_requests()
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    log = emulator.requests()
    figures = {
        service: sum(1 for r in log if r.service == service) for service in ("entra", "arm", "dataverse")
    }
    figures.update(
        wall_s=wall,
        requests=len(log),
        writes=sum(1 for r in log if r.method != "GET" and r.service == "dataverse"),
    )
    return figures


def all_at_once(
    bindings: Sequence[Binding], step: Callable[[Binding], object], timeout_s: float = 600.0
) -> None:
    """`step` of every binding, each in its own thread; the first failure is raised once all have ended."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(bindings))
    futures = [pool.submit(step, b) for b in bindings]
    _, running = concurrent.futures.wait(futures, timeout=timeout_s)
    pool.shutdown(wait=not running, cancel_futures=True)  # a stuck binding must not hang the caller too
    if running:
        raise TimeoutError(f"{len(running)} of {len(futures)} bindings still running after {timeout_s:g} s")
    for future in futures:
        future.result()


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory of a live process (Linux /proc VmHWM)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def minimum_writes(emulator: Emulator, specs: Sequence[OmnichannelBindingArgs]) -> int:
    """The writes these bindings need: the fixed ones, and a create per declared variable not yet there."""
    environment = next(e for e in emulator.state("dataverse")["environments"] if e["url"] == dv.DEV)["tables"]
    names = {r["msdyn_liveworkstreamid"]: r["msdyn_name"] for r in environment["msdyn_liveworkstreams"]}
    present = {
        (names.get(r["_msdyn_liveworkstreamid_value"]), r["msdyn_name"])
        for r in environment["msdyn_ocliveworkstreamcontextvariables"]
    }
    missing = sum(
        1 for s in specs for v in s.context_variables if (s.workstream, v.split(":")[0]) not in present
    )
    return FIXED_WRITES * len(specs) + missing
