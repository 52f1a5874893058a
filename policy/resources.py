"""What the policies know about the project's resources: type tokens, URNs and property access.

Names follow docs/architecture.md. Policies see camelCase wire names (`signInAudience`,
`properties.msaAppType`), not the Python SDK's snake_case.
"""

from __future__ import annotations

from typing import Any, Mapping

from components import names

APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
FEDERATED_CREDENTIAL = (
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
)
APPLICATION_PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
BOT = "azure-native:botservice:Bot"
CHANNEL = "azure-native:botservice:Channel"

BINDING_COMPONENT = names.BINDING_COMPONENT
ENDPOINTS_COMPONENT = names.ENDPOINTS_COMPONENT
BINDING_DYNAMIC_TYPES = names.BINDING_DYNAMIC_TYPES
# The bot's identity is bound into Omnichannel: a new app registration or bot means a new bot connection.
BOUND_IDENTITY_TYPES = frozenset({APPLICATION, BOT})

GEOGRAPHY_TAG = names.GEOGRAPHY_TAG
SINGLE_TENANT_AUDIENCE = "AzureADMyOrg"
# Organisations only: this tenant, or any organisation's (handoff:botAppMultiTenant, as Microsoft's
# Omnichannel doc, configure-bot-azure.md, asks). Never personal Microsoft accounts.
ORGANIZATION_AUDIENCES = (SINGLE_TENANT_AUDIENCE, "AzureADMultipleOrgs")
# azuread documents `signInAudience` as defaulting to AzureADMyOrg (pulumi_azuread/application.py).
DEFAULT_SIGN_IN_AUDIENCE = SINGLE_TENANT_AUDIENCE
SINGLE_TENANT_APP_TYPES = ("SingleTenant", "UserAssignedMSI")
TEAMS_CHANNEL_NAME = "MsTeamsChannel"
OMNICHANNEL_CHANNEL_NAME = "Omnichannel"  # the channel Omnichannel reaches an Azure bot through


def type_chain(urn: str) -> tuple[str, ...]:
    """The qualified type of a URN as a chain, parents first: `a:b:C$d:e:F` -> (a:b:C, d:e:F)."""
    parts = urn.split("::")
    return tuple(parts[2].split("$")) if len(parts) >= 4 else ()


def is_binding_resource(resource_type: str, urn: str) -> bool:
    """A resource of the Omnichannel binding: its component, its dynamic resources, or any child of it."""
    return (
        resource_type == BINDING_COMPONENT
        or resource_type in BINDING_DYNAMIC_TYPES
        or BINDING_COMPONENT in type_chain(urn)[:-1]
    )


def get_path(props: Mapping[str, Any], *path: str) -> Any:
    """props[a][b]... or None when any step is missing or not a mapping."""
    current: Any = props
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current
