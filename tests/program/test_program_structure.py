"""The real program under Pulumi mocks, driven by the committed stack files: what it declares and how it is
wired."""

from __future__ import annotations

import pathlib

import yaml

from components import validation as v
from offline.program import STACK_IDENTITIES, ProgramRun

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPLICATION = "azuread:index/application:Application"
PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
FIC = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
BOT = "azure-native:botservice:Bot"
CHANNEL = "azure-native:botservice:Channel"
ROUTING_CHILDREN = [
    (f"pulumi-python:dynamic/omnichannel:{kind}", f"omnichannel-{role}")
    for kind, role in (
        ("RoleAssignment", "role"),
        ("QueueMembership", "queue"),
        ("WorkstreamBot", "workstream"),
        ("ContextVariables", "context"),
    )
]
AZURE_BOT_BINDING = [
    ("pulumi-python:dynamic/omnichannel:BotApplicationUser", "omnichannel-user"),
    *ROUTING_CHILDREN,
]
AGENT_BINDING = [
    ("pulumi-python:dynamic/omnichannel:ConnectedAgentUser", "omnichannel-user"),
    *ROUTING_CHILDREN,
    ("pulumi-python:dynamic/copilot:CopilotAgent", "omnichannel-agent"),
]


def stack_file(run: ProgramRun) -> dict:
    config = yaml.safe_load((ROOT / f"Pulumi.{run.stack}.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def expected_credentials(run: ProgramRun) -> list[v.FederatedCredential]:
    config = stack_file(run)
    return [v.github_credential(s) for s in config.get("githubOidcSubjects", [])] + [
        v.azure_devops_credential(e) for e in config.get("azureDevOpsOidc", [])
    ]


def test_a_copilot_studio_stack_declares_the_binding_and_no_app_registration_azure_bot_or_channel(
    copilot_agent,
):
    # Copilot Studio's Connect registers the agent with Microsoft (reference Corrections 1): nothing native.
    expected = [("handoff:omnichannel:OmnichannelBinding", "omnichannel"), *AGENT_BINDING]
    assert sorted((r.type, r.name) for r in copilot_agent.registrations) == sorted(expected)


def test_an_azure_bot_stack_declares_its_app_its_azure_bot_with_the_omnichannel_channel_and_the_binding(
    azure_bot,
):
    fics = [
        (
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            f"bot-fic-{c.key}",
        )
        for c in expected_credentials(azure_bot)
    ]
    expected = [
        ("pulumi:providers:azuread", "azuread"),
        ("pulumi:providers:azure-native", "azure-native"),
        ("handoff:identity:BotIdentity", "bot"),
        (APPLICATION, "bot-app"),
        (PRINCIPAL, "bot-sp"),
        ("handoff:azurebot:AzureBot", "channel"),
        (BOT, "channel-bot"),
        (CHANNEL, "channel-omnichannel"),
        (CHANNEL, "channel-teams"),
        *fics,
        ("handoff:omnichannel:OmnichannelBinding", "omnichannel"),
        *AZURE_BOT_BINDING,
    ]
    assert sorted((r.type, r.name) for r in azure_bot.registrations) == sorted(expected)


def test_the_omnichannel_channel_is_declared_on_the_bot_and_protected(azure_bot):
    channel, bot = azure_bot.named("channel-omnichannel"), azure_bot.named("channel-bot")
    assert channel.inputs["channelName"] == "Omnichannel"
    assert channel.inputs["properties"]["channelName"] == "Omnichannel"
    assert channel.inputs["resourceName"] == bot.outputs["name"]
    assert bot.urn in channel.dependencies and channel.protect and channel.delete_before_replace


def test_the_azure_bot_component_keeps_its_earlier_urns_through_an_alias(azure_bot):
    component = azure_bot.named("channel")
    assert any("handoff:teams:TeamsChannel" in str(alias) for alias in component.aliases)


def test_bot_msa_app_id_is_the_application_client_id(azure_bot):
    app, bot = azure_bot.named("bot-app"), azure_bot.named("channel-bot")
    assert app.outputs["clientId"] == STACK_IDENTITIES[azure_bot.stack].bot_app_client_id
    assert bot.inputs["properties"]["msaAppId"] == app.outputs["clientId"]
    assert app.urn in bot.dependencies


def test_federated_credentials_and_password_hang_off_the_application(azure_bot):
    app = azure_bot.named("bot-app")
    credentials = azure_bot.of_type(FIC)
    assert credentials and all(
        r.inputs["applicationId"] == app.id and app.urn in r.dependencies for r in credentials
    )
    assert azure_bot.named("bot-sp").inputs["clientId"] == app.outputs["clientId"]


def test_children_are_parented_to_their_component(azure_bot):
    identity = next(r for r in azure_bot.registrations if r.type == "handoff:identity:BotIdentity")
    teams = next(r for r in azure_bot.registrations if r.type == "handoff:azurebot:AzureBot")
    for registration in azure_bot.registrations:
        if registration.name.startswith("bot-"):
            assert registration.parent == identity.urn, registration.name
        elif registration.name.startswith("channel-"):
            assert registration.parent == teams.urn, registration.name


def test_only_the_application_the_bot_its_omnichannel_channel_and_the_binding_are_protected(azure_bot):
    protected = {r.name for r in azure_bot.registrations if r.protect}
    expected = {"bot-app", "channel-bot", "channel-omnichannel", "omnichannel"}
    assert protected == expected | {name for _, name in AZURE_BOT_BINDING}


def test_a_copilot_studio_stack_protects_the_whole_binding(copilot_agent):
    assert all(r.protect for r in copilot_agent.registrations)


def test_application_is_a_single_tenant_registration_refusing_duplicates(azure_bot):
    app = azure_bot.named("bot-app")
    assert app.inputs["signInAudience"] == "AzureADMyOrg"
    assert app.inputs["displayName"] == stack_file(azure_bot)["botDisplayName"]
    assert app.inputs["preventDuplicateNames"] is True


def test_federated_credentials_trust_exactly_the_stack_subjects(azure_bot):
    declared = {
        (r.inputs["issuer"], r.inputs["subject"], r.inputs["displayName"]) for r in azure_bot.of_type(FIC)
    }
    assert declared == {(c.issuer, c.subject, c.name) for c in expected_credentials(azure_bot)}
    for registration in azure_bot.of_type(FIC):
        assert registration.inputs["audiences"] == ["api://AzureADTokenExchange"]
        assert registration.delete_before_replace


def test_no_client_secret_unless_the_stack_asks(azure_bot):
    assert azure_bot.of_type(PASSWORD) == ()
    assert "botClientSecret" not in azure_bot.outputs


def test_bot_is_single_tenant_with_the_declared_endpoint_sku_location_and_geography_tag(azure_bot):
    config, bot = stack_file(azure_bot), azure_bot.named("channel-bot")
    assert bot.inputs["kind"] == "azurebot"
    assert bot.inputs["resourceName"] == config["botName"]
    assert bot.inputs["resourceGroupName"] == config["resourceGroupName"]
    assert bot.inputs["location"] == config.get("botLocation", "global")
    assert bot.inputs["sku"] == {"name": config.get("botSku", "F0")}
    assert bot.inputs["tags"]["handoff-geography"] == config["geography"]
    properties = bot.inputs["properties"]
    assert properties["msaAppType"] == "SingleTenant"
    assert properties["msaAppTenantId"] == config["tenantId"]
    assert properties["endpoint"] == config["messagingEndpoint"]
    assert "msaAppMSIResourceId" not in properties


def test_bot_replaces_instead_of_updating_create_only_properties_and_deletes_first(azure_bot):
    bot = azure_bot.named("channel-bot")
    assert {"properties.msaAppId", "properties.msaAppTenantId", "kind"} <= set(bot.replace_on_changes)
    assert bot.delete_before_replace


def test_teams_channel_is_enabled_on_the_bot_with_an_explicit_deployment_environment(azure_bot):
    channel, bot = azure_bot.named("channel-teams"), azure_bot.named("channel-bot")
    assert channel.inputs["channelName"] == "MsTeamsChannel"
    assert channel.inputs["resourceName"] == bot.outputs["name"]
    assert bot.urn in channel.dependencies
    teams = channel.inputs["properties"]
    assert teams["channelName"] == "MsTeamsChannel"
    assert teams["properties"]["isEnabled"] is True
    assert teams["properties"]["deploymentEnvironment"] == "CommercialDeployment"


def test_the_rejected_spec_default_deployment_environment_never_reaches_the_wire(azure_bot):
    assert "FallbackDeploymentEnvironment" not in repr([r.inputs for r in azure_bot.registrations])


def test_resources_use_explicit_providers_built_from_the_stack_settings(azure_bot):
    config = stack_file(azure_bot)
    entra, arm = azure_bot.named("azuread"), azure_bot.named("azure-native")
    assert entra.inputs["tenantId"] == config["tenantId"] and entra.inputs["environment"] == "global"
    assert arm.inputs["subscriptionId"] == config["subscriptionId"]
    assert arm.inputs["tenantId"] == config["tenantId"] and arm.inputs["environment"] == "public"
    for registration in azure_bot.registrations:
        if registration.type.startswith("azuread:"):
            assert registration.provider.startswith(entra.urn + "::"), registration.name
        elif registration.type.startswith("azure-native:"):
            assert registration.provider.startswith(arm.urn + "::"), registration.name


def test_stack_outputs_name_the_bot_identity_and_resources(azure_bot):
    config, outputs = stack_file(azure_bot), azure_bot.outputs
    assert outputs["botAppId"] == STACK_IDENTITIES[azure_bot.stack].bot_app_client_id
    assert outputs["botAppObjectId"] == azure_bot.named("bot-app").outputs["objectId"]
    assert outputs["tenantId"] == config["tenantId"]
    assert outputs["geography"] == config["geography"]
    assert outputs["botResourceId"] == azure_bot.named("channel-bot").id
    assert outputs["teamsChannelResourceId"] == f"{outputs['botResourceId']}/channels/MsTeamsChannel"
    assert outputs["omnichannelChannelResourceId"] == f"{outputs['botResourceId']}/channels/Omnichannel"
    assert outputs["botResourceId"].endswith(f"/botServices/{config['botName']}")
    assert outputs["dataverseUrl"] == v.normalize_url(config["dataverseUrl"])
    assert azure_bot.secret_outputs == frozenset()
