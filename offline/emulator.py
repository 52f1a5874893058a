"""Point offline runs at the emulator (emulator): stack overrides, the deployer's credentials, seeds,
and the control plane (request log, state dumps, faults) over its HTTPS base URL.

The stack files are never edited: the endpoints reach the program and the providers as config overrides
(`handoff:authorityHost`, `handoff:resourceManagerEndpoint`, `handoff:dataverseApiEndpoint`), exactly the keys
a private cloud would set. The providers sign in as the emulator's deployer (app 22222222-…, the default
fixture's fake client secret) through the same ARM_* variables CI uses, and trust only the emulator's CA
through REQUESTS_CA_BUNDLE. TLS verification stays on.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any, Iterable, Optional

import requests

from emulator import seeds
from emulator.entra.testing import DEPLOYER_APP, TENANT, fixture_secret

DEFAULT_SEED = seeds.DEFAULT_SEED_FILES
NATIVE_SEED = seeds.NATIVE_SEED_FILE
PORTAL_ADMIN_SEED = pathlib.Path(__file__).resolve().parent / "fixtures" / "portal-admin.json"
_TIMEOUT = 10.0
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE", "MERGE"})


def endpoint_overrides(base_url: str) -> dict[str, str]:
    """Stack config overrides that send every request to the emulator at `base_url` (token audiences
    unchanged)."""
    return {
        "authorityHost": base_url,
        "resourceManagerEndpoint": base_url,
        "dataverseApiEndpoint": f"{base_url}/api/data/v9.2",
    }


class EmulatorUnreachableError(Exception):
    """No emulator answers at the given URL with the given CA."""


@dataclasses.dataclass(frozen=True)
class EmulatorTarget:
    """A running emulator: its HTTPS base URL and the CA certificate that signs it."""

    base_url: str
    ca_path: str

    # --- what an offline run needs -----------------------------------------------------------------
    def overrides(self) -> dict[str, str]:
        return endpoint_overrides(self.base_url)

    def provider_env(self) -> dict[str, str]:
        """The provider server's credentials and trust: the emulator's deployer, the emulator's CA."""
        return {
            "ARM_CLIENT_ID": DEPLOYER_APP,
            "ARM_TENANT_ID": TENANT,
            "ARM_CLIENT_SECRET": fixture_secret(DEPLOYER_APP),
            "ARM_USE_CLI": "false",
            "REQUESTS_CA_BUNDLE": self.ca_path,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }

    # --- the control plane -------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy for loopback; REQUESTS_CA_BUNDLE must not replace `verify`
        session.verify = self.ca_path
        return session

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        with self._session() as session:
            try:
                response = session.request(
                    method, f"{self.base_url}/_emulator/{path}", json=body, timeout=_TIMEOUT
                )
            except requests.RequestException as exc:
                raise EmulatorUnreachableError(
                    f"no emulator answers at {self.base_url} ({type(exc).__name__}); start one with "
                    "`python -m emulator --ca-out <path>` and pass its base_url and CA"
                ) from None
        if response.status_code >= 400:
            raise RuntimeError(
                f"emulator control plane {method} {path}: HTTP {response.status_code} {response.text[:300]}"
            )
        return response.json() if response.content else None

    def check(self) -> None:
        self._control("GET", "health")

    def seed(self, fixture: dict) -> None:
        self._control("POST", "seed", fixture)

    def seed_files(self, paths: Iterable[pathlib.Path]) -> None:
        """Seed fixture files in order (seeding adds to what is there, file by file)."""
        for path in paths:
            self.seed(json.loads(pathlib.Path(path).read_text(encoding="utf-8")))

    def seed_for_offline_runs(self, *, default: bool = False) -> None:
        """What offline runs need on top of the default seed: the native resources the mocks stand for
        (bot apps 44444444-…/77777777-…, the Azure Bots with Teams enabled) and the portal administrator."""
        self.seed_files([*(DEFAULT_SEED if default else ()), NATIVE_SEED, PORTAL_ADMIN_SEED])

    def requests(self) -> list[dict]:
        """The request log: {seq, method, path, status, service, caller, fault, ...} per request."""
        return self._control("GET", "requests")["value"]

    def clear_requests(self) -> None:
        self._control("DELETE", "requests")

    def state(self, service: str) -> dict:
        return self._control("GET", f"state/{service}")

    def inject(self, *faults: dict) -> None:
        self._control("POST", "faults", list(faults))

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def connect_agent(self, environment: str, schema_name: str) -> dict:
        """Copilot Studio's Connect of an agent, as the emulator models it: {appId, userId}."""
        return self._control(
            "POST", "dataverse/connect", {"environment": environment, "schemaName": schema_name}
        )

    def disconnect_agent(self, environment: str, schema_name: str) -> dict:
        """Copilot Studio's Disconnect: the agent's bot user disabled."""
        return self._control(
            "POST", "dataverse/disconnect", {"environment": environment, "schemaName": schema_name}
        )


def writes(log: list[dict], caller: Optional[str] = None) -> list[dict]:
    """The requests of a log that could change something (token requests are POSTs but change nothing)."""
    return [
        r
        for r in log
        if r["method"] in WRITE_METHODS
        and r.get("service") != "entra"
        and (caller is None or r.get("caller") == caller)
    ]
