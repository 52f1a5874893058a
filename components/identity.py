"""BotIdentity (`handoff:identity:BotIdentity`): an Azure (Bot Framework) bot's Entra app registration
(pulumi-azuread): single tenant, or multi-tenant with `handoff:botAppMultiTenant` (Microsoft's Omnichannel
doc, configure-bot-azure.md, still says "register the agent resource as a multitenant app"; whether
Omnichannel accepts a single-tenant registration is unsettled: reference Corrections 2, docs/live.md).
A Copilot Studio agent has none of the stack's: Copilot Studio's Connect registers it.

Children: `<name>-app` (Application, AzureADMyOrg), `<name>-sp` (ServicePrincipal), `<name>-fic-<n>` (one
federated identity credential per CI subject, so pipelines need no secret) and, only when asked,
`<name>-secret` (ApplicationPassword, a secret output rotated by changing `clientSecretRotation`).

Protection: the Application is `protect=True`. Its client id is the bot's identity in the Azure Bot and in
Omnichannel; deleting it cannot be undone by re-creating it (a new registration has a new client id, which
means a new bot connection). The service principal, the federated credentials and the secret stay unprotected:
each can be re-created for the same client id, and credentials must stay rotatable.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import pulumi
import pulumi_azuread as azuread

from components import names
from components import validation as v
from components.settings import Settings

TYPE_TOKEN = names.IDENTITY_COMPONENT

# pulumi-azuread's names for the clouds (provider `environment`); DoD has its own Graph host (dod-graph).
_ENTRA_ENVIRONMENTS = {"public": "global", "china": "china", "usgovernment": "usgovernmentl4"}


def entra_environment(settings: Settings) -> str:
    if settings.cloud == "usgovernment" and settings.geography == "usdod":
        return "usgovernmentl5"
    return _ENTRA_ENVIRONMENTS[settings.cloud]


def entra_provider(settings: Settings, name: str = "azuread") -> azuread.Provider:
    """The azuread provider for this stack's tenant and cloud; credentials come from the ARM_* environment."""
    return azuread.Provider(name, tenant_id=settings.tenant_id, environment=entra_environment(settings))


@dataclasses.dataclass(frozen=True)
class BotIdentityArgs:
    display_name: str
    """Display name of the app registration (the Azure Bot shows the same)."""
    tenant_id: str
    """Entra tenant of the registration (single tenant: only this tenant can sign in)."""
    multi_tenant: bool = False
    """Register the app for any organisation's tenant (AzureADMultipleOrgs) instead of this one only."""
    federated_credentials: Sequence[v.FederatedCredential] = ()
    """CI subjects (GitHub Actions, Azure DevOps) that may exchange their OIDC token for the app's token."""
    create_client_secret: bool = False
    """Create a client secret; prefer federated credentials."""
    client_secret_rotation: str = ""
    """Any label; changing it replaces the secret (create the new one, then delete the old one)."""
    notes: str = ""
    """Shown on the registration in the portal: who manages it and why it must not be deleted."""

    @classmethod
    def from_settings(cls, settings: Settings) -> "BotIdentityArgs":
        if settings.bot is None or settings.identity is None:
            raise ValueError("a Copilot Studio agent has no app registration of the stack's")
        return cls(
            display_name=settings.bot.display_name,
            tenant_id=settings.tenant_id,
            multi_tenant=settings.bot.multi_tenant_app,
            federated_credentials=settings.identity.federated_credentials,
            create_client_secret=settings.identity.create_client_secret,
            client_secret_rotation=settings.identity.client_secret_rotation,
            notes=(
                f"Managed by Pulumi (project handoff, stack {settings.stack}). Its client id is the bot's "
                "identity in Azure Bot Service and Omnichannel: deleting it breaks the hand-off."
            ),
        )


class BotIdentity(pulumi.ComponentResource):
    """The bot's app registration and its credentials."""

    client_id: pulumi.Output[str]
    object_id: pulumi.Output[str]
    tenant_id: pulumi.Output[str]
    service_principal_object_id: pulumi.Output[str]
    client_secret: Optional[pulumi.Output[str]]

    def __init__(
        self, name: str, args: BotIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)

        def child(protect: bool, **extra) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, protect=protect, **extra)

        app = azuread.Application(
            f"{name}-app",
            display_name=args.display_name,
            sign_in_audience="AzureADMultipleOrgs" if args.multi_tenant else "AzureADMyOrg",
            # A create that failed after Graph made the app leaves nothing in state; refusing a duplicate name
            # turns the retry into a clear error instead of a second registration.
            prevent_duplicate_names=True,
            notes=args.notes or None,
            opts=child(True),
        )
        principal = azuread.ServicePrincipal(
            f"{name}-sp", client_id=app.client_id, app_role_assignment_required=False, opts=child(False)
        )
        for credential in args.federated_credentials:
            # `<n>` is the stable hash in the credential's name, not its list position: Entra requires issuer
            # + subject (and name) to be unique per app, so position-keyed URNs would collide when the list
            # changes.
            azuread.ApplicationFederatedIdentityCredential(
                f"{name}-fic-{credential.key}",
                application_id=app.id,
                display_name=credential.name,
                description=credential.description,
                audiences=[v.TOKEN_EXCHANGE_AUDIENCE],
                issuer=credential.issuer,
                subject=credential.subject,
                opts=child(False, delete_before_replace=True),
            )

        self.client_secret = None
        if args.create_client_secret:
            label = args.client_secret_rotation or "initial"
            # Keyword arguments on purpose: azuread.ApplicationPasswordArgs is the nested
            # Application(password=...) block; this resource's args class is ApplicationPasswordInitArgs.
            password = azuread.ApplicationPassword(
                f"{name}-secret",
                application_id=app.id,
                display_name=f"pulumi {label}",
                rotate_when_changed={"rotation": label},
                opts=child(False),
            )
            self.client_secret = pulumi.Output.secret(password.value)

        self.client_id = app.client_id
        self.object_id = app.object_id
        self.tenant_id = pulumi.Output.from_input(args.tenant_id)
        self.service_principal_object_id = principal.object_id
        outputs = {
            "client_id": self.client_id,
            "object_id": self.object_id,
            "tenant_id": self.tenant_id,
            "service_principal_object_id": self.service_principal_object_id,
        }
        if self.client_secret is not None:
            outputs["client_secret"] = self.client_secret
        self.register_outputs(outputs)
