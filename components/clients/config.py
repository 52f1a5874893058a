"""What the clients need from the stack config, parsed once into a frozen `ClientConfig`.

Dynamic providers receive the whole stack config in `configure()` as namespaced string values
(`handoff:cloud` = "public"); `ClientConfig.from_lookup(lambda key: values.get(key))` reads the keys below
and reports every bad one at once, naming the key and the fix, before any request is sent:

    handoff:tenantId                 tenant GUID (credential variables ARM_TENANT_ID/AZURE_TENANT_ID win)
    handoff:cloud                    public | usgovernment | china (default public)
    handoff:authorityHost            override of the cloud's authority host ("" = the cloud's)
    handoff:resourceManagerEndpoint  override of the cloud's ARM endpoint ("" = the cloud's)
    handoff:dataverseApiEndpoint     override of <dataverseUrl>/api/data/v9.2 ("" = derived)

Overrides move where requests go, never the token audience: a Dataverse token is always asked for the
real environment URL (`https://<org>.crm.dynamics.com/.default`), an ARM token for the cloud's ARM
audience. That is what lets one emulator base URL stand in for every service.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from typing import Callable, Mapping, Optional

from .. import validation
from .cloud import CLOUDS, Cloud, cloud_named

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DATAVERSE_API_PATH = "/api/data/v9.2"


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
    # Not a stack key (Graph is read only by tests and tools today); set programmatically for the emulator.
    graph_endpoint_override: str = ""

    @classmethod
    def from_lookup(
        cls, lookup: Callable[[str], Optional[str]], namespace: str = "handoff"
    ) -> "ClientConfig":
        """Parse `<namespace>:<key>` values; absent and empty values take their defaults."""

        def value(key: str) -> str:
            raw = lookup(f"{namespace}:{key}")
            return raw.strip() if isinstance(raw, str) else ""

        problems: dict[str, str] = {}
        cloud = CLOUDS["public"]
        if value("cloud"):
            try:
                cloud = cloud_named(value("cloud"))
            except ValueError as exc:
                problems[f"{namespace}:cloud"] = str(exc)
        tenant = value("tenantId") or None
        if tenant is not None and not _GUID.fullmatch(tenant):
            problems[f"{namespace}:tenantId"] = (
                f"{tenant!r} is not a GUID: use the Directory (tenant) ID from the Entra admin center"
            )
        overrides = {}
        for key in ("authorityHost", "resourceManagerEndpoint", "dataverseApiEndpoint"):
            try:
                overrides[key] = normalise_https_url(value(key)) if value(key) else ""
            except ValueError as exc:
                problems[f"{namespace}:{key}"] = f"{exc}; leave it empty to use the cloud's endpoint"
        if problems:
            raise ClientConfigError(problems)
        return cls(
            cloud=cloud,
            tenant_id=tenant.lower() if tenant else None,
            authority_host_override=overrides["authorityHost"],
            resource_manager_endpoint_override=overrides["resourceManagerEndpoint"],
            dataverse_api_endpoint_override=overrides["dataverseApiEndpoint"],
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], namespace: str = "handoff") -> "ClientConfig":
        return cls.from_lookup(values.get, namespace)

    # --- derived endpoints --------------------------------------------------------------------------
    @property
    def authority_host(self) -> str:
        return self.authority_host_override or self.cloud.authority_host

    @property
    def authority_is_override(self) -> bool:
        """True for a non-Microsoft authority host (msal must then skip instance discovery)."""
        return bool(self.authority_host_override)

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


def normalise_https_url(url: str) -> str:
    """An https URL with a host, without query, fragment or trailing slash, or a ValueError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"{url!r} is not an https URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r} must not have a query or fragment")
    return urllib.parse.urlunsplit(("https", parts.netloc, parts.path.rstrip("/"), "", ""))
