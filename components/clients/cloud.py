"""The Azure clouds the stack can target: authority host, ARM endpoint and token audience, Graph, and the
Dataverse host suffixes of each (the stack key `cloud`: public, usgovernment, china).

Sources (checked with the project's search tools):
- Authority hosts: Entra "National clouds" (learn.microsoft.com/entra/identity-platform/
  authentication-national-cloud): login.microsoftonline.com, login.microsoftonline.us,
  login.partner.microsoftonline.cn (msal 1.39 lists login.chinacloudapi.cn as the deprecated alias).
- ARM endpoints: management.azure.com, management.usgovcloudapi.net, management.chinacloudapi.cn (the Azure
  SDKs' cloud settings, e.g. azure-sdk-for-js cloudSettingHelpers.ts). The token scope is
  `<endpoint>/.default`, as the Azure SDKs request it.
- Graph: graph.microsoft.com, graph.microsoft.us (US Gov L4; DoD uses dod-graph.microsoft.us),
  microsoftgraph.chinacloudapi.cn (learn.microsoft.com/graph/deployments).
- Dataverse hosts: <org>.crm<n>.dynamics.com (public, including GCC's crm9, whose tenants sign in to the
  public cloud), <org>.crm.microsoftdynamics.us (GCC High) and <org>.crm.appsplatform.us (DoD),
  <org>.crm.dynamics.cn (China): the global discovery hosts of microsoft/PowerApps-Samples' Cloud enum. The
  exact host list (crm, crm2 ... crm22) lives in components/validation.py, which config.py uses.
"""

from __future__ import annotations

import dataclasses
import types
from typing import Mapping


@dataclasses.dataclass(frozen=True)
class Cloud:
    """Endpoints of one cloud. URLs have no trailing slash."""

    name: str
    authority_host: str
    resource_manager: str
    graph: str
    dataverse_domains: tuple[str, ...]  # DNS domains of its Dataverse hosts (exact hosts: validation.py)

    @property
    def resource_manager_scope(self) -> str:
        return f"{self.resource_manager}/.default"

    @property
    def graph_scope(self) -> str:
        return f"{self.graph}/.default"


CLOUDS: Mapping[str, Cloud] = types.MappingProxyType(
    {
        "public": Cloud(
            name="public",
            authority_host="https://login.microsoftonline.com",
            resource_manager="https://management.azure.com",
            graph="https://graph.microsoft.com",
            dataverse_domains=("dynamics.com",),
        ),
        "usgovernment": Cloud(
            name="usgovernment",
            authority_host="https://login.microsoftonline.us",
            resource_manager="https://management.usgovcloudapi.net",
            graph="https://graph.microsoft.us",
            dataverse_domains=("microsoftdynamics.us", "appsplatform.us"),
        ),
        "china": Cloud(
            name="china",
            authority_host="https://login.partner.microsoftonline.cn",
            resource_manager="https://management.chinacloudapi.cn",
            graph="https://microsoftgraph.chinacloudapi.cn",
            dataverse_domains=("dynamics.cn",),
        ),
    }
)


def cloud_named(name: str) -> Cloud:
    """The cloud called `name`; a ValueError lists the valid names."""
    try:
        return CLOUDS[name]
    except KeyError:
        raise ValueError(f"unknown cloud {name!r}: use one of {', '.join(CLOUDS)}") from None
