"""Figures of the API clients against the offline emulator (started in this process, real TLS, real msal):

1. Token requests per audience per process (target 1): like the dynamic-provider process, several provider
   instances (threads, each building its own client) call the same environment at once; the emulator's
   request log counts the token requests made for each audience.
2. Under injected 429 bursts with real sleeps: total time against the sum of the Retry-After values the
   service sent (target ratio <= 1.1), and the number of requests sent before the previous Retry-After had
   elapsed (target 0), also from the request log's timestamps.

    venv/bin/python benchmarks/clients.py [--instances 6] [--retry-after 1]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.clients import auth
from components.clients.arm import ArmBotReader
from components.clients.config import ClientConfig
from components.clients.dataverse import BotUserSpec, DataverseClient
from emulator import Emulator
from emulator.seeds import default_fixture

TENANT = "11111111-1111-4111-8111-111111111111"
ENV = {
    "ARM_CLIENT_ID": "22222222-2222-4222-8222-222222222222",
    "ARM_TENANT_ID": TENANT,
    "ARM_CLIENT_SECRET": "fake-deployer-secret-for-the-offline-emulator",
}
DEV, PROD = "https://contoso-dev.crm.dynamics.com", "https://contoso.crm4.dynamics.com"


def offline_config(emulator: Emulator) -> ClientConfig:
    base = emulator.base_url
    return ClientConfig.from_mapping(
        {
            "handoff:tenantId": TENANT,
            "handoff:authorityHost": base,
            "handoff:resourceManagerEndpoint": base,
            "handoff:dataverseApiEndpoint": f"{base}/api/data/v9.2",
        }
    )


def token_requests(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests(service="entra", method="POST") if r.path.endswith("/token"))


def tokens_per_audience(emulator: Emulator, config: ClientConfig, instances: int) -> dict[str, int]:
    """One phase per audience; in each, `instances` provider instances read concurrently."""

    def dataverse_instance(url: str) -> None:
        client = DataverseClient.connect(config, url, environ=ENV)
        client.who_am_i()
        client.queue("Bot escalations")
        client.agent("cr5a1_contosoHelper")

    def arm_instance() -> None:
        ArmBotReader.connect(config, environ=ENV).channel(
            "33333333-3333-4333-8333-333333333333", "rg-handoff-dev", "contoso-handoff-dev", "Omnichannel"
        )

    phases = {
        f"{DEV}/.default": lambda: dataverse_instance(DEV),
        f"{PROD}/.default": lambda: dataverse_instance(PROD),
        "https://management.azure.com/.default": arm_instance,
    }
    counts = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=instances) as pool:
        for audience, work in phases.items():
            before = token_requests(emulator)
            for future in [pool.submit(work) for _ in range(instances)]:
                future.result()
            counts[audience] = token_requests(emulator) - before
    return counts


def throttled_bursts(emulator: Emulator, config: ClientConfig, retry_after: int) -> dict:
    """A GET meeting three 429s in a row, then a POST (a create) meeting two: real sleeps."""
    client = DataverseClient.connect(config, DEV, environ=ENV)  # time.sleep: really waits
    client.who_am_i()  # token and connection first, so the timing is about the bursts
    emulator.clear_requests()
    emulator.inject(method="GET", path=r"/WhoAmI$", status=429, count=3, retry_after=retry_after)
    emulator.inject(method="POST", path=r"/systemusers$", status=429, count=2, retry_after=retry_after)
    started = time.monotonic()
    client.who_am_i()
    client.create_bot_user(
        BotUserSpec(
            app_id="44444444-4444-4444-8444-444444444444",
            business_unit_id="a1100000-0000-4000-8000-000000000001",
            last_name="Bench bot",
        )
    )
    elapsed = time.monotonic() - started
    log = emulator.requests(service="dataverse")
    waited = sum(retry_after for r in log if r.status == 429)
    early = 0
    for previous, current in zip(log, log[1:]):
        if previous.status == 429:
            answered = previous.started + previous.duration_ms / 1000.0
            if current.started - answered < retry_after - 0.005:  # 5 ms of clock granularity
                early += 1
    return {
        "elapsed_s": elapsed,
        "retry_after_sum_s": waited,
        "ratio": elapsed / waited if waited else 0.0,
        "sent_early": early,
        "requests": len(log),
        "throttled": sum(r.status == 429 for r in log),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=6, help="concurrent provider instances per audience")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds the emulator asks to wait")
    args = parser.parse_args(argv)

    emulator = Emulator().start()
    previous_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = emulator.ca_path
    try:
        emulator.seed(default_fixture())
        config = offline_config(emulator)
        auth.forget_credentials()  # a cold process
        counts = tokens_per_audience(emulator, config, args.instances)
        bursts = throttled_bursts(emulator, config, args.retry_after)
    finally:
        emulator.stop()
        if previous_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous_bundle

    ok = True
    print(f"token requests per audience ({args.instances} concurrent provider instances each; target 1):")
    for audience, count in counts.items():
        ok &= count == 1
        print(f"  {audience:<55} {count}")
    print(
        f"429 bursts ({bursts['throttled']} throttled answers of {bursts['requests']} requests, "
        f"Retry-After {args.retry_after} s, real sleeps):"
    )
    print(
        f"  total time {bursts['elapsed_s']:.3f} s / sum of Retry-After {bursts['retry_after_sum_s']} s "
        f"= ratio {bursts['ratio']:.3f} (target <= 1.1)"
    )
    print(f"  requests sent before Retry-After elapsed: {bursts['sent_early']} (target 0)")
    ok &= bursts["ratio"] <= 1.1 and bursts["sent_early"] == 0
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
