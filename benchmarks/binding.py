"""Figures of the Omnichannel binding's dynamic providers, driven through the SDK's real provider server
(`python -m pulumi.dynamic`) against the offline emulator, as the engine drives them:

1. HTTP requests of a first deploy of one binding (the dev stack: a Copilot Studio agent, connected), by
   service, against the minimum the APIs need (below), and the writes among them.
2. A redeploy without changes (Check + Diff of each resource): target no request at all.
3. A refresh (Read, then Diff of live against desired): target one read per resource.
4. Wall time of deploy, redeploy and refresh for 1 and for 20 bindings (both kinds in turn: Azure bots with
   their own App ID and Azure Bot, Copilot Studio agents connected by the emulator's Connect; each with its
   own queue and workstream) with 50 ms of latency on every emulator request, and the peak memory of the
   provider server and of this process (which also runs the emulator).

The engine runs independent steps at once (`pulumi up --parallel` is unbounded by default); here each binding
is one thread walking its resources in dependency order, and the provider server serves four calls at a time
(its ThreadPoolExecutor), as under the engine.

The minimum for one binding (dev stack: Connect made the agent's user; two context variables, neither on the
workstream with that exact name; the agent published):
  reads   root business unit (the user must be in it)                                   1
          user by App ID (the one Connect made)                                         1
          "Omnichannel agent" role in that business unit                                1
          queue by name, with its members and capacities ($expand)                      1
          workstream by name, with its bot user ($expand)                               1
          context variables of the workstream                                           1
          agent by schema name                                                          1
          installed solutions (Omnichannel, bot extension)                              1
          agent after publishing (PvaPublish answers no publishedon)                    1
  writes  associate role, join queue, set workstream bot, create the two
          missing variables, publish                                                    6
  tokens  one Dataverse token (and msal's one tenant discovery)                         2
  = 17 requests. The preflights the design asks for add WhoAmI and the deployer's roles: 2 more. The
  agent's own solutions check repeats one read, and each new resource's check resolves read-only what its
  create then reads again, so a preview fails where `up` would (providers share no cache: each resource
  type is its own provider instance). An Azure bot's binding adds its user's create and the Azure Bot's
  Omnichannel channel on ARM.

    venv/bin/python benchmarks/binding.py [--bindings 20] [--latency-ms 50]

Exit status 1 when a target is missed (redeploy requests > 0, refresh reads != resources, deploy writes other
than the minimum).
"""

from __future__ import annotations

import argparse
import pathlib
import resource
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.fleet import (
    all_at_once,
    bench_fixture,
    counted,
    minimum_writes,
    peak_rss_mib,
    seed_world,
)
from components.binding_plan import OmnichannelBindingArgs
from emulator import Emulator
from offline.harness import Binding, roles, stack_binding, start_server

ORDER = roles()  # the dev stack's binding children

MINIMUM = {"entra": 2, "arm": 0, "dataverse": 15, "writes": 6}
WITH_PREFLIGHT = {"entra": 2, "arm": 0, "dataverse": 17, "writes": 6}


def run(emulator: Emulator, specs: list[OmnichannelBindingArgs], latency_ms: int) -> tuple[dict, float]:
    """deploy, redeploy and refresh of these bindings through one fresh provider server (a cold process)."""
    seed_world(emulator, len(specs))
    emulator.configure(latency_ms=latency_ms)
    needed = minimum_writes(emulator, specs)
    server = start_server(emulator)
    try:
        bindings = [Binding(server, spec, name=f"binding{i:02d}") for i, spec in enumerate(specs)]
        figures = {
            "deploy": counted(emulator, lambda: all_at_once(bindings, lambda b: b.deploy())),
            "redeploy": counted(emulator, lambda: all_at_once(bindings, lambda b: b.preview())),
            "refresh": counted(emulator, lambda: all_at_once(bindings, lambda b: b.refresh())),
        }
        figures["deploy"]["minimum_writes"] = needed
        figures["refresh"]["reads_needed"] = sum(len(b.order) for b in bindings)  # one per resource
        return figures, peak_rss_mib(server.pid)
    finally:
        server.stop()
        emulator.configure(latency_ms=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bindings", type=int, default=20, help="bindings of the large run")
    parser.add_argument(
        "--latency-ms", type=int, default=50, help="latency the emulator adds to every request"
    )
    args = parser.parse_args(argv)

    emulator = Emulator().start()
    try:
        one, one_rss = run(emulator, [stack_binding()], args.latency_ms)
        _, specs = bench_fixture(args.bindings)
        many, many_rss = run(emulator, specs, args.latency_ms)
    finally:
        emulator.stop()

    deploy, ok = one["deploy"], True
    print("First deploy of one binding (dev stack), requests by service:")
    print(f"  {'':<24}{'entra':>7}{'arm':>6}{'dataverse':>11}{'writes':>8}")
    for label, row in (
        ("measured", deploy),
        ("API minimum", MINIMUM),
        ("minimum + preflights", WITH_PREFLIGHT),
    ):
        print(f"  {label:<24}{row['entra']:>7}{row['arm']:>6}{row['dataverse']:>11}{row['writes']:>8}")
    total_min = sum(MINIMUM[s] for s in ("entra", "arm", "dataverse"))
    ratio = deploy["requests"] / total_min
    print(f"  ratio measured / API minimum: {deploy['requests']} / {total_min} = {ratio:.2f}")
    ok &= deploy["writes"] <= MINIMUM["writes"]

    print(f"\nWith {args.latency_ms} ms emulator latency, through the provider server (4 worker threads):")
    header = f"{'phase':<10}{'bindings':>9}{'wall s':>9}{'requests':>10}{'writes':>8}{'per binding':>13}"
    print(f"  {header}  target")
    for count, figures in ((1, one), (len(specs), many)):
        for phase, target in (
            ("deploy", f"writes = minimum {figures['deploy']['minimum_writes']}"),
            ("redeploy", "0 requests"),
            ("refresh", f"{figures['refresh']['reads_needed']} reads (one per resource)"),
        ):
            row = figures[phase]
            print(
                f"  {phase:<10}{count:>9}{row['wall_s']:>9.2f}{row['requests']:>10}{row['writes']:>8}"
                f"{row['requests'] / count:>13.1f}  {target}"
            )
        ok &= figures["redeploy"]["requests"] == 0
        refresh = figures["refresh"]
        ok &= refresh["requests"] == refresh["reads_needed"] and refresh["writes"] == 0
        ok &= figures["deploy"]["writes"] == figures["deploy"]["minimum_writes"]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nPeak memory: provider server {one_rss:.0f} MiB (1 binding), {many_rss:.0f} MiB "
        f"({len(specs)} bindings); this process (tests, emulator) {own:.0f} MiB"
    )
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
