"""The ARM Bot Service reader (the Azure Bot and its Teams channel) and the Graph application reader, and
the ARM and Graph failures users meet, recognised through the same session the clients use.

ARM writes belong to pulumi-azure-native; the raw PUTs below stand for what the native provider sends, to
show the errors it can surface (bot name taken, App ID reused, the Teams channel's spec default) map to
their catalogue entries.
"""

from __future__ import annotations

import pytest

from components.clients import auth, errors
from components.clients.arm import API_VERSION, ArmBotReader
from components.clients.graph import GraphReader
from components.clients.http import ApiSession

from .support import DEPLOYER, DEV_GROUP, DEV_SUBSCRIPTION, READER, READER_SECRET, TENANT, raises_entry

BOT_APP = "44444444-4444-4444-8444-444444444444"
BOT_PROPERTIES = {
    "displayName": "Contoso Helper",
    "endpoint": "https://bot.contoso.com/api/messages",
    "msaAppId": BOT_APP,
    "msaAppType": "SingleTenant",
    "msaAppTenantId": TENANT,
}


def seed_bot(emulator, name: str, *channels: dict) -> None:
    emulator.seed(
        {
            "arm": {
                "botServices": [
                    {
                        "subscriptionId": DEV_SUBSCRIPTION,
                        "resourceGroup": DEV_GROUP,
                        "name": name,
                        "location": "global",
                        "tags": {"handoff-geography": "unitedstates"},
                        "properties": BOT_PROPERTIES,
                        "channels": list(channels),
                    }
                ]
            }
        }
    )


@pytest.fixture
def arm(config, secret_env, sleeper) -> ArmBotReader:
    return ArmBotReader.connect(config, environ=secret_env, sleeper=sleeper)


@pytest.fixture
def arm_session(config, secret_env, sleeper) -> ApiSession:
    return ApiSession(
        config.resource_manager, auth.token_provider(config, secret_env), service="arm", sleeper=sleeper
    )


def teams(enabled: bool) -> dict:
    return {"channelName": "MsTeamsChannel", "properties": {"isEnabled": enabled}}


OMNICHANNEL = {"channelName": "Omnichannel"}  # no inner properties (Bot Service 2022-09-15 spec)


def test_the_bot_and_its_omnichannel_channel_are_read(arm, trusted_emulator):
    seed_bot(trusted_emulator, "contoso-handoff-dev", OMNICHANNEL, teams(True))
    bot = arm.bot(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")
    assert (bot.name, bot.msa_app_id, bot.msa_app_type) == ("contoso-handoff-dev", BOT_APP, "SingleTenant")
    assert bot.tags == {"handoff-geography": "unitedstates"}
    channel = arm.require_omnichannel_channel(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")
    assert (channel.name, channel.exists, channel.is_enabled) == ("Omnichannel", True, True)


@pytest.mark.parametrize("channels", [(), (teams(True),)], ids=["no channel", "only Teams"])
def test_a_bot_without_its_omnichannel_channel_fails_early_even_with_teams(arm, trusted_emulator, channels):
    seed_bot(trusted_emulator, "contoso-handoff-dev", *channels)
    with raises_entry(errors.ValidationError, "omnichannel-channel-missing", "has no Omnichannel channel"):
        arm.require_omnichannel_channel(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")


def test_a_disabled_teams_channel_reads_as_disabled(arm, trusted_emulator):
    seed_bot(trusted_emulator, "contoso-handoff-dev", teams(False))
    channel = arm.channel(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev", "MsTeamsChannel")
    assert (channel.exists, channel.is_enabled) == (True, False)


def test_a_missing_bot_reports_itself_not_its_channel(arm, trusted_emulator):
    with raises_entry(errors.NotFoundError, "arm-bot-not-found", "ResourceNotFound"):
        arm.require_omnichannel_channel(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")


def test_names_are_checked_before_anything_is_sent(arm, trusted_emulator):
    with pytest.raises(ValueError, match="not a valid Azure Bot name"):
        arm.bot(DEV_SUBSCRIPTION, DEV_GROUP, "-bad name-")
    assert trusted_emulator.requests(service="arm") == []


def test_a_deployer_without_a_role_gets_authorization_failed(config, trusted_emulator):
    reader = ArmBotReader.connect(
        config, environ={"ARM_CLIENT_ID": READER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": READER_SECRET}
    )
    with raises_entry(errors.PermissionDeniedError, "arm-authorization-failed", "AuthorizationFailed"):
        reader.bot(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")


def test_an_unregistered_resource_provider_says_how_to_register_it(arm, trusted_emulator):
    subscription = "77777777-7777-4777-8777-777777777777"
    trusted_emulator.seed(
        {
            "arm": {
                "subscriptions": [
                    {
                        "subscriptionId": subscription,
                        "tenantId": TENANT,
                        "registeredProviders": [],
                        "resourceGroups": [{"name": "rg-new"}],
                    }
                ],
                "roleAssignments": [
                    {"scope": f"/subscriptions/{subscription}", "role": "Contributor", "appId": DEPLOYER}
                ],
            }
        }
    )
    with raises_entry(
        errors.ValidationError, "arm-missing-subscription-registration", "HTTP 409", "az provider register"
    ):
        arm.bot(subscription, "rg-new", "contoso-handoff-dev")


def put_bot(session: ApiSession, name: str, properties: dict, group: str = DEV_GROUP) -> None:
    path = (
        f"subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{group}/providers/"
        f"Microsoft.BotService/botServices/{name}"
    )
    session.request(
        "PUT",
        path,
        operation=f"create the Azure Bot {name}",
        params={"api-version": API_VERSION},
        json={"location": "global", "kind": "azurebot", "sku": {"name": "F0"}, "properties": properties},
        expected=(200, 201),
    )


def test_a_globally_taken_bot_name_is_recognised(arm_session, trusted_emulator):
    trusted_emulator.seed(
        {
            "arm": {
                "subscriptions": [
                    {
                        "subscriptionId": DEV_SUBSCRIPTION,
                        "tenantId": TENANT,
                        "resourceGroups": [{"name": "rg-other"}],
                    }
                ]
            }
        }
    )
    put_bot(arm_session, "contoso-handoff-dev", BOT_PROPERTIES)
    with raises_entry(errors.ConflictError, "arm-bot-name-taken", "InvalidBotData"):
        put_bot(
            arm_session, "contoso-handoff-dev", {**BOT_PROPERTIES, "msaAppId": DEPLOYER}, group="rg-other"
        )


def test_an_app_id_already_behind_another_bot_is_recognised(arm_session, trusted_emulator):
    put_bot(arm_session, "contoso-handoff-dev", BOT_PROPERTIES)
    with raises_entry(errors.ConflictError, "arm-msa-app-in-use", "MsaAppId is already in use"):
        put_bot(arm_session, "contoso-handoff-dev-2", BOT_PROPERTIES)


def test_other_invalid_bot_data_points_to_the_bot_settings(arm_session, trusted_emulator):
    with raises_entry(errors.ValidationError, "arm-invalid-bot-data", "HTTPS"):
        put_bot(arm_session, "contoso-handoff-dev", {**BOT_PROPERTIES, "endpoint": "http://bot.contoso.com"})


def test_the_teams_channel_spec_default_is_recognised(arm_session, trusted_emulator):
    seed_bot(trusted_emulator, "contoso-handoff-dev")
    path = (
        f"subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{DEV_GROUP}/providers/Microsoft.BotService/"
        "botServices/contoso-handoff-dev/channels/MsTeamsChannel"
    )
    body = {
        "location": "global",
        "properties": {
            "channelName": "MsTeamsChannel",
            "properties": {"isEnabled": True, "deploymentEnvironment": "FallbackDeploymentEnvironment"},
        },
    }
    with raises_entry(
        errors.ValidationError, "arm-teams-deployment-environment", "HTTP 500 UnknownError", "(request-id "
    ):
        arm_session.request(
            "PUT",
            path,
            operation="enable the Teams channel",
            params={"api-version": API_VERSION},
            json=body,
            expected=(200, 201),
        )


def test_arm_throttling_beyond_the_budget(arm, trusted_emulator, sleeper):
    trusted_emulator.inject(method="GET", path="/botServices/", status=429, count=20, retry_after=1)
    with raises_entry(errors.ThrottledError, "throttled", "HTTP 429"):
        arm.bot(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")
    assert sleeper.waits == [1, 1, 1, 1]


def test_an_unknown_403_still_says_what_to_do(arm, trusted_emulator):
    trusted_emulator.inject(method="GET", path="/botServices/", status=403, code="Forbidden", count=1)
    with raises_entry(errors.PermissionDeniedError, "access-denied", "HTTP 403 Forbidden"):
        arm.bot(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")


def test_an_unknown_409_still_says_what_to_do(arm, trusted_emulator):
    trusted_emulator.inject(method="GET", path="/botServices/", status=409, code="Conflict", count=1)
    with raises_entry(errors.ConflictError, "request-conflict", "HTTP 409 Conflict"):
        arm.bot(DEV_SUBSCRIPTION, DEV_GROUP, "contoso-handoff-dev")


def test_an_unknown_subscription_is_a_generic_not_found(arm_session, trusted_emulator):
    path = (
        f"subscriptions/99999999-9999-4999-8999-999999999999/resourceGroups/{DEV_GROUP}/providers/"
        "Microsoft.BotService/botServices/contoso-handoff-dev"
    )
    with raises_entry(errors.NotFoundError, "resource-not-found", "SubscriptionNotFound"):
        arm_session.request("GET", path, operation="read a bot", params={"api-version": API_VERSION})


# --- Graph -----------------------------------------------------------------------------------------------
def test_graph_reads_the_deployers_application(config, secret_env, trusted_emulator):
    app = GraphReader.connect(config, environ=secret_env).application(DEPLOYER.upper())
    assert (app.app_id, app.display_name, app.sign_in_audience) == (
        DEPLOYER,
        "handoff-deployer",
        "AzureADMyOrg",
    )


def test_graph_unknown_application_is_not_found_and_retryable(config, secret_env, trusted_emulator):
    with raises_entry(errors.NotFoundError, "graph-object-not-found", "Request_ResourceNotFound") as info:
        GraphReader.connect(config, environ=secret_env).application(BOT_APP)
    assert info.value.retryable  # replication lag right after creation looks the same


def test_graph_without_application_permissions_is_denied(config, trusted_emulator):
    reader = GraphReader.connect(
        config, environ={"ARM_CLIENT_ID": READER, "ARM_TENANT_ID": TENANT, "ARM_CLIENT_SECRET": READER_SECRET}
    )
    with raises_entry(
        errors.PermissionDeniedError, "graph-authorization-denied", "Authorization_RequestDenied"
    ):
        reader.application(DEPLOYER)
