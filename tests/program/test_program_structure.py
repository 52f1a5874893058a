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
BINDING_CHILDREN = [
    (f"pulumi-python:dynamic/{module}:{kind}", f"omnichannel-{role}")
    for module, kind, role in (
        ("omnichannel", "BotApplicationUser", "user"),
        ("omnichannel", "RoleAssignment", "role"),
        ("omnichannel", "QueueMembership", "queue"),
        ("omnichannel", "WorkstreamBot", "workstream"),
        ("omnichannel", "ContextVariables", "context"),
        ("copilot", "CopilotAgent", "agent"),
    )
]


def stack_file(run: ProgramRun) -> dict:
    config = yaml.safe_load((ROOT / f"Pulumi.{run.stack}.yaml").read_text())["config"]
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def expected_credentials(run: ProgramRun) -> list[v.FederatedCredential]:
    config = stack_file(run)
    return [v.github_credential(s) for s in config.get("githubOidcSubjects", [])] + [
        v.azure_devops_credential(e) for e in config.get("azureDevOpsOidc", [])
    ]


def test_declares_exactly_the_expected_resources(committed):
    fics = [
        (
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            f"bot-fic-{c.key}",
        )
        for c in expected_credentials(committed)
    ]
    expected = [
        ("pulumi:providers:azuread", "azuread"),
        ("pulumi:providers:azure-native", "azure-native"),
        ("handoff:identity:BotIdentity", "bot"),
        (APPLICATION, "bot-app"),
        (PRINCIPAL, "bot-sp"),
        ("handoff:teams:TeamsChannel", "channel"),
        (BOT, "channel-bot"),
        (CHANNEL, "channel-teams"),
        *fics,
        ("handoff:omnichannel:OmnichannelBinding", "omnichannel"),
        *BINDING_CHILDREN,
    ]
    assert sorted((r.type, r.name) for r in committed.registrations) == sorted(expected)


def test_bot_msa_app_id_is_the_application_client_id(committed):
    app, bot = committed.named("bot-app"), committed.named("channel-bot")
    assert app.outputs["clientId"] == STACK_IDENTITIES[committed.stack].bot_app_client_id
    assert bot.inputs["properties"]["msaAppId"] == app.outputs["clientId"]
    assert app.urn in bot.dependencies


def test_federated_credentials_and_password_hang_off_the_application(committed):
    app = committed.named("bot-app")
    credentials = committed.of_type(FIC)
    assert credentials and all(
        r.inputs["applicationId"] == app.id and app.urn in r.dependencies for r in credentials
    )
    assert committed.named("bot-sp").inputs["clientId"] == app.outputs["clientId"]


def test_children_are_parented_to_their_component(committed):
    identity = next(r for r in committed.registrations if r.type == "handoff:identity:BotIdentity")
    teams = next(r for r in committed.registrations if r.type == "handoff:teams:TeamsChannel")
    for registration in committed.registrations:
        if registration.name.startswith("bot-"):
            assert registration.parent == identity.urn, registration.name
        elif registration.name.startswith("channel-"):
            assert registration.parent == teams.urn, registration.name


def test_only_the_application_the_bot_and_the_omnichannel_binding_are_protected(committed):
    protected = {r.name for r in committed.registrations if r.protect}
    assert protected == {"bot-app", "channel-bot", "omnichannel", *(name for _, name in BINDING_CHILDREN)}


def test_application_is_a_single_tenant_registration_refusing_duplicates(committed):
    app = committed.named("bot-app")
    assert app.inputs["signInAudience"] == "AzureADMyOrg"
    assert app.inputs["displayName"] == stack_file(committed)["botDisplayName"]
    assert app.inputs["preventDuplicateNames"] is True


def test_federated_credentials_trust_exactly_the_stack_subjects(committed):
    declared = {
        (r.inputs["issuer"], r.inputs["subject"], r.inputs["displayName"]) for r in committed.of_type(FIC)
    }
    assert declared == {(c.issuer, c.subject, c.name) for c in expected_credentials(committed)}
    for registration in committed.of_type(FIC):
        assert registration.inputs["audiences"] == ["api://AzureADTokenExchange"]
        assert registration.delete_before_replace


def test_no_client_secret_unless_the_stack_asks(committed):
    assert committed.of_type(PASSWORD) == ()
    assert "botClientSecret" not in committed.outputs


def test_bot_is_single_tenant_with_the_declared_endpoint_sku_location_and_geography_tag(committed):
    config, bot = stack_file(committed), committed.named("channel-bot")
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


def test_bot_replaces_instead_of_updating_create_only_properties_and_deletes_first(committed):
    bot = committed.named("channel-bot")
    assert {"properties.msaAppId", "properties.msaAppTenantId", "kind"} <= set(bot.replace_on_changes)
    assert bot.delete_before_replace


def test_teams_channel_is_enabled_on_the_bot_with_an_explicit_deployment_environment(committed):
    channel, bot = committed.named("channel-teams"), committed.named("channel-bot")
    assert channel.inputs["channelName"] == "MsTeamsChannel"
    assert channel.inputs["resourceName"] == bot.outputs["name"]
    assert bot.urn in channel.dependencies
    teams = channel.inputs["properties"]
    assert teams["channelName"] == "MsTeamsChannel"
    assert teams["properties"]["isEnabled"] is True
    assert teams["properties"]["deploymentEnvironment"] == "CommercialDeployment"


def test_the_rejected_spec_default_deployment_environment_never_reaches_the_wire(committed):
    assert "FallbackDeploymentEnvironment" not in repr([r.inputs for r in committed.registrations])


def test_resources_use_explicit_providers_built_from_the_stack_settings(committed):
    config = stack_file(committed)
    entra, arm = committed.named("azuread"), committed.named("azure-native")
    assert entra.inputs["tenantId"] == config["tenantId"] and entra.inputs["environment"] == "global"
    assert arm.inputs["subscriptionId"] == config["subscriptionId"]
    assert arm.inputs["tenantId"] == config["tenantId"] and arm.inputs["environment"] == "public"
    for registration in committed.registrations:
        if registration.type.startswith("azuread:"):
            assert registration.provider.startswith(entra.urn + "::"), registration.name
        elif registration.type.startswith("azure-native:"):
            assert registration.provider.startswith(arm.urn + "::"), registration.name


def test_stack_outputs_name_the_bot_identity_and_resources(committed):
    config, outputs = stack_file(committed), committed.outputs
    assert outputs["botAppId"] == STACK_IDENTITIES[committed.stack].bot_app_client_id
    assert outputs["botAppObjectId"] == committed.named("bot-app").outputs["objectId"]
    assert outputs["tenantId"] == config["tenantId"]
    assert outputs["geography"] == config["geography"]
    assert outputs["botResourceId"] == committed.named("channel-bot").id
    assert outputs["teamsChannelResourceId"] == f"{outputs['botResourceId']}/channels/MsTeamsChannel"
    assert outputs["botResourceId"].endswith(f"/botServices/{config['botName']}")
    assert outputs["dataverseUrl"] == v.normalize_url(config["dataverseUrl"])
    assert committed.secret_outputs == frozenset()
