"""What the clients need from the stack config, parsed once into a frozen `ClientConfig`.

Dynamic providers receive the whole stack config in `configure()` as namespaced string values
(`handoff:cloud` = "public"); `ClientConfig.from_lookup(lambda key: values.get(key))` reads the keys below
and reports every bad one at once, naming the key and the fix, before any request is sent:

    handoff:tenantId                 tenant GUID (credential variables ARM_TENANT_ID/AZURE_TENANT_ID win)
    handoff:cloud                    public | usgovernment | china (default public)
    handoff:authorityHost            override of the cloud's authority host ("" = the cloud's)
    handoff:resourceManagerEndpoint  override of the cloud's ARM endpoint ("" = the cloud's)
    handoff:dataverseApiEndpoint     override of <dataverseUrl>/api/data/v9.2 ("" = derived)
    handoff:allowForeignEndpoints    let an override name a host that is neither the cloud's nor loopback

An override may name only a Microsoft host of the stack's cloud or loopback (the offline emulator) unless
allowForeignEndpoints is true (`config_keys.endpoint_problems`, the same rule the program applies):
credentials and bearer tokens go wherever the overrides point.

Overrides move where requests go, never the token audience: a Dataverse token is always asked for the
real environment URL (`https://<org>.crm.dynamics.com/.default`), an ARM token for the cloud's ARM
audience. That is what lets one emulator base URL stand in for every service.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Optional

from .. import config_keys, validation
from ..config_keys import PROJECT
from .cloud import Cloud, cloud_named

DATAVERSE_API_PATH = "/api/data/v9.2"
# The stack keys the clients read (the rest of the stack config is the program's).
CLIENT_KEYS = ("tenantId", *config_keys.ENDPOINT_KEYS)


class ClientConfigError(ValueError):
    """One or more config keys are invalid; `problems` maps each full key to what is wrong with it."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        lines = [f"  {key}: {why}" for key, why in sorted(self.problems.items())]
        super().__init__("invalid stack configuration:\n" + "\n".join(lines))


@dataclasses.dataclass(frozen=True)
class ServiceEndpoint:
    """Where requests go (`base_url`) and which token they carry (`scope`)."""

    base_url: str
    scope: str


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    """The clients' view of the stack config (no credentials: those come from the environment)."""

    cloud: Cloud
    tenant_id: Optional[str] = None
    authority_host_override: str = ""
    resource_manager_endpoint_override: str = ""
    dataverse_api_endpoint_override: str = ""
    allow_foreign_endpoints: bool = False
    # Not a stack key (Graph is read only by tests and tools today); set programmatically for the emulator.
    graph_endpoint_override: str = ""

    @classmethod
    def from_lookup(cls, lookup: Callable[[str], Optional[str]], namespace: str = PROJECT) -> "ClientConfig":
        """Parse `<namespace>:<key>` values with the program's own parsers (`components.config_keys`);
        absent and empty values take their defaults."""
        # tenantId may be absent here: the credential variables (ARM_TENANT_ID/AZURE_TENANT_ID) name it too.
        values, problems = parse_keys(lookup, CLIENT_KEYS, namespace, absent_ok=("tenantId",))
        if not problems:
            problems = {f"{namespace}:{k}": why for k, why in config_keys.endpoint_problems(values)}
        if problems:
            raise ClientConfigError(problems)
        return cls(
            cloud=cloud_named(values["cloud"]),
            tenant_id=values["tenantId"] or None,
            authority_host_override=values["authorityHost"],
            resource_manager_endpoint_override=values["resourceManagerEndpoint"],
            dataverse_api_endpoint_override=values["dataverseApiEndpoint"],
            allow_foreign_endpoints=values["allowForeignEndpoints"],
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], namespace: str = PROJECT) -> "ClientConfig":
        return cls.from_lookup(values.get, namespace)

    # --- derived endpoints --------------------------------------------------------------------------
    @property
    def authority_host(self) -> str:
        return self.authority_host_override or self.cloud.authority_host

    @property
    def authority_is_override(self) -> bool:
        """True for an authority host msal cannot validate (loopback, or a foreign host allowed by
        handoff:allowForeignEndpoints): msal must then skip instance discovery. A Microsoft host of the
        stack's cloud keeps msal's validation."""
        return bool(self.authority_host_override) and (
            validation.endpoint_host_kind("authorityHost", self.authority_host_override, self.cloud.name)
            != "microsoft"
        )

    @property
    def resource_manager(self) -> ServiceEndpoint:
        return ServiceEndpoint(
            self.resource_manager_endpoint_override or self.cloud.resource_manager,
            self.cloud.resource_manager_scope,
        )

    @property
    def graph(self) -> ServiceEndpoint:
        return ServiceEndpoint(
            (self.graph_endpoint_override or self.cloud.graph) + "/v1.0", self.cloud.graph_scope
        )

    def dataverse(self, environment_url: str) -> ServiceEndpoint:
        """The Web API of one environment; the scope is always the environment's own URL."""
        url = self.normalise_environment_url(environment_url)
        return ServiceEndpoint(
            self.dataverse_api_endpoint_override or url + DATAVERSE_API_PATH, f"{url}/.default"
        )

    def normalise_environment_url(self, environment_url: str) -> str:
        """`https://<org>.crm<n>.dynamics.com` of this cloud (lower case, no trailing slash) or a
        ValueError."""
        return validation.check_dataverse_url(environment_url, self.cloud.name)


def parse_keys(
    lookup: Callable[[str], Optional[str]],
    keys: tuple[str, ...],
    namespace: str = PROJECT,
    absent_ok: tuple[str, ...] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """(parsed values, problems by full key) of `keys` as the engine passes them (`<namespace>:<key>`);
    a key of `absent_ok` without a value reads as None."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key in keys:
        raw = lookup(f"{namespace}:{key}")
        if key in absent_ok and (raw is None or (isinstance(raw, str) and not raw.strip())):
            values[key] = None
            continue
        try:
            values[key] = config_keys.parse_value(key, raw)
        except ValueError as exc:
            problems[f"{namespace}:{key}"] = str(exc)
    return values, problems
