"""Conformance of the emulated ARM Microsoft.BotService subset: bots and channels, ARM's front door
(token, api-version, subscription, role assignment, provider registration, resource group) and the Bot
Service's own rules and errors (reference §3, §6 #16-22)."""

from __future__ import annotations

import pytest

from emulator.entra.testing import (
    API_VERSION,
    ARM,
    DEPLOYER_APP,
    DEV_BOT_APP,
    DEV_GROUP,
    DEV_SUBSCRIPTION,
    GRAPH,
    PROD_BOT_APP,
    PROD_GROUP,
    PROD_SUBSCRIPTION,
    READER_APP,
    TENANT,
    ApiClient,
    token,
)
from emulator.seeds import native_fixture

V = {"api-version": API_VERSION}


@pytest.fixture
def arm(emulator) -> ApiClient:
    return ApiClient(emulator, token(emulator, ARM))


def bot_path(
    name: str = "contoso-handoff-dev", subscription: str = DEV_SUBSCRIPTION, group: str = DEV_GROUP
) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{group}/providers/"
        f"Microsoft.BotService/botServices/{name}"
    )


def bot_body(app_id: str = DEV_BOT_APP, **properties) -> dict:
    shown = {
        "displayName": "Contoso Helper",
        "endpoint": "https://bot.contoso.com/api/messages",
        "msaAppId": app_id,
        "msaAppType": "SingleTenant",
        "msaAppTenantId": TENANT,
    }
    shown.update(properties)
    return {
        "location": "global",
        "kind": "azurebot",
        "sku": {"name": "F0"},
        "tags": {"handoff-geography": "unitedstates"},
        "properties": {k: v for k, v in shown.items() if v is not None},
    }


def teams(**inner) -> dict:
    return {
        "location": "global",
        "properties": {"channelName": "MsTeamsChannel", "properties": {"isEnabled": True, **inner}},
    }


def assert_arm_error(response, status: int, code: str, phrase: str = "") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert phrase in error["message"], error["message"]
    return error


def create_bot(arm: ApiClient, name: str = "contoso-handoff-dev", **kwargs) -> dict:
    response = arm.put(bot_path(name, **kwargs), json=bot_body(), params=V)
    assert response.status_code == 201, response.text
    return response.json()


# --- bots -------------------------------------------------------------------------------------------------
def test_put_creates_a_bot_with_201_and_the_full_resource(arm):
    response = arm.put(bot_path(), json=bot_body(), params=V)
    assert response.status_code == 201
    assert response.headers["x-ms-request-id"]
    bot = response.json()
    assert bot["id"] == bot_path() and bot["name"] == "contoso-handoff-dev"
    assert (bot["type"], bot["location"], bot["kind"]) == (
        "Microsoft.BotService/botServices",
        "global",
        "azurebot",
    )
    assert bot["sku"] == {"name": "F0", "tier": "Free"} and bot["etag"].startswith('"')
    assert bot["tags"] == {"handoff-geography": "unitedstates"}
    properties = bot["properties"]
    assert properties["provisioningState"] == "Succeeded"
    assert (properties["msaAppId"], properties["msaAppType"], properties["msaAppTenantId"]) == (
        DEV_BOT_APP,
        "SingleTenant",
        TENANT,
    )
    assert properties["configuredChannels"] == properties["enabledChannels"] == ["directline", "webchat"]
    assert arm.get(bot_path(), params=V).json() == bot


def test_put_on_an_existing_bot_updates_it_with_200(arm):
    create_bot(arm)
    response = arm.put(bot_path(), json=bot_body(displayName="Renamed"), params=V)
    assert response.status_code == 200
    assert response.json()["properties"]["displayName"] == "Renamed"


def test_path_keywords_and_names_are_case_insensitive(arm):
    create_bot(arm)
    path = (
        f"/SUBSCRIPTIONS/{DEV_SUBSCRIPTION}/resourcegroups/RG-HANDOFF-DEV/providers/microsoft.botservice/"
        "botservices/Contoso-Handoff-Dev"
    )
    response = arm.get(path, params=V)
    assert response.status_code == 200
    assert response.json()["id"] == bot_path()


@pytest.mark.parametrize(
    "params, status, code, phrase",
    [
        (
            {},
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required",
        ),
        ({"api-version": "2021-03-01"}, 400, "NoRegisteredProviderFound", "API version '2021-03-01'"),
    ],
)
def test_the_api_version_is_required_and_checked(arm, params, status, code, phrase):
    assert_arm_error(arm.get(bot_path(), params=params), status, code, phrase)


def test_the_preview_api_version_of_pulumi_azure_native_is_served(arm):
    create_bot(arm)
    assert arm.get(bot_path(), params={"api-version": "2023-09-15-preview"}).status_code == 200


@pytest.mark.parametrize(
    "change, label",
    [
        (
            {"msaAppTenantId": "12121212-1212-4212-8212-121212121212"},
            "'MsaAppTenantId' property cannot be changed",
        ),
        ({"msaAppId": PROD_BOT_APP}, "'MsaAppId' property cannot be changed"),
        (
            {"msaAppType": "UserAssignedMSI", "msaAppMSIResourceId": "/x"},
            "'MsaAppType' property cannot be changed",
        ),
    ],
)
def test_create_only_properties_cannot_change(arm, change, label):
    create_bot(arm)
    assert_arm_error(arm.put(bot_path(), json=bot_body(**change), params=V), 400, "InvalidBotData", label)


def test_the_kind_cannot_change(arm):
    create_bot(arm)
    body = {**bot_body(), "kind": "sdk"}
    assert_arm_error(
        arm.put(bot_path(), json=body, params=V), 400, "InvalidBotData", "'Kind' property cannot be"
    )


def test_a_bot_name_is_unique_across_subscriptions(arm):
    create_bot(arm)
    response = arm.put(
        bot_path(subscription=PROD_SUBSCRIPTION, group=PROD_GROUP), json=bot_body(PROD_BOT_APP), params=V
    )
    assert_arm_error(
        response, 400, "InvalidBotData", "The bot name is already registered to another bot application"
    )


def test_an_app_id_serves_one_bot(arm):
    create_bot(arm)
    assert_arm_error(
        arm.put(bot_path("another-bot"), json=bot_body(), params=V),
        400,
        "InvalidBotData",
        "MsaAppId is already in use",
    )


@pytest.mark.parametrize("app_type", ["MultiTenant", None])
def test_a_new_multi_tenant_bot_is_refused(arm, app_type):
    response = arm.put(bot_path(), json=bot_body(msaAppType=app_type, msaAppTenantId=None), params=V)
    assert_arm_error(response, 400, "InvalidBotCreationData", "Multitenant bot creation is deprecated")


@pytest.mark.parametrize(
    "body, code, phrase",
    [
        ({**bot_body(), "location": None}, "LocationRequired", "location property is required"),
        (bot_body(endpoint="http://bot.contoso.com/api/messages"), "InvalidBotData", "must use HTTPS"),
        (bot_body(msaAppId="not-a-guid"), "InvalidBotData", "MsaAppId must be a GUID"),
        (bot_body(msaAppTenantId=None), "InvalidBotData", "MsaAppTenantId is required for SingleTenant"),
    ],
)
def test_an_invalid_bot_is_refused(arm, body, code, phrase):
    assert_arm_error(arm.put(bot_path(), json=body, params=V), 400, code, phrase)


def test_patch_merges_into_the_bot(arm):
    create_bot(arm)
    response = arm.patch(
        bot_path(), json={"properties": {"displayName": "Patched"}, "tags": {"a": "b"}}, params=V
    )
    assert response.status_code == 200
    bot = response.json()
    assert bot["properties"]["displayName"] == "Patched"
    assert bot["properties"]["endpoint"] == "https://bot.contoso.com/api/messages" and bot["tags"] == {
        "a": "b"
    }


def test_delete_answers_200_then_204_and_the_bot_is_gone(arm):
    create_bot(arm)
    assert arm.delete(bot_path(), params=V).status_code == 200
    assert arm.delete(bot_path(), params=V).status_code == 204
    assert_arm_error(
        arm.get(bot_path(), params=V),
        404,
        "ResourceNotFound",
        "The Resource 'Microsoft.BotService/botServices/contoso-handoff-dev' under resource group "
        "'rg-handoff-dev' was not found.",
    )
    assert_arm_error(arm.patch(bot_path(), json={}, params=V), 404, "ResourceNotFound")


def test_bots_of_a_resource_group_are_listed(arm):
    create_bot(arm)
    listed = arm.get(bot_path()[: -len("/contoso-handoff-dev")], params=V).json()["value"]
    assert [b["name"] for b in listed] == ["contoso-handoff-dev"]


# --- the front door -----------------------------------------------------------------------------------------
def test_an_unknown_resource_group_answers_404(arm):
    assert_arm_error(
        arm.get(bot_path(group="rg-missing"), params=V),
        404,
        "ResourceGroupNotFound",
        "Resource group 'rg-missing' could not be found.",
    )


def test_an_unknown_subscription_answers_404(arm):
    assert_arm_error(
        arm.get(bot_path(subscription="12121212-1212-4212-8212-121212121212"), params=V),
        404,
        "SubscriptionNotFound",
    )


def test_an_unregistered_provider_answers_409(emulator, arm):
    subscription = "45454545-4545-4545-8545-454545454545"
    emulator.seed(
        {
            "arm": {
                "subscriptions": [
                    {"subscriptionId": subscription, "tenantId": TENANT, "resourceGroups": [{"name": "rg"}]}
                ],
                "roleAssignments": [
                    {"scope": f"/subscriptions/{subscription}", "role": "Owner", "appId": DEPLOYER_APP}
                ],
            }
        }
    )
    error = assert_arm_error(
        arm.put(bot_path(subscription=subscription, group="rg"), json=bot_body(), params=V),
        409,
        "MissingSubscriptionRegistration",
        "not registered to use namespace 'Microsoft.BotService'",
    )
    assert error["details"][0]["target"] == "Microsoft.BotService"


def test_a_caller_without_a_role_assignment_is_denied(emulator):
    reader = ApiClient(emulator, token(emulator, ARM, app_id=READER_APP))
    assert_arm_error(
        reader.get(bot_path(), params=V),
        403,
        "AuthorizationFailed",
        f"The client '{READER_APP}' with object id ",
    )
    assert "'Microsoft.BotService/botServices/read' over scope" in reader.get(bot_path(), params=V).text


def test_a_reader_can_read_but_not_write(emulator, arm):
    create_bot(arm)
    emulator.seed(
        {
            "arm": {
                "roleAssignments": [
                    {
                        "scope": f"/subscriptions/{DEV_SUBSCRIPTION}/resourceGroups/{DEV_GROUP}",
                        "role": "Reader",
                        "appId": READER_APP,
                    }
                ]
            }
        }
    )
    reader = ApiClient(emulator, token(emulator, ARM, app_id=READER_APP))
    assert reader.get(bot_path(), params=V).status_code == 200
    assert_arm_error(
        reader.put(bot_path(), json=bot_body(), params=V),
        403,
        "AuthorizationFailed",
        "'Microsoft.BotService/botServices/write'",
    )


def test_a_request_without_a_token_answers_401(emulator):
    assert_arm_error(
        ApiClient(emulator, None).get(bot_path(), params=V),
        401,
        "AuthenticationFailed",
        "The 'Authorization' header is missing.",
    )


def test_an_expired_token_answers_401(emulator, arm):
    emulator.advance_clock(3600)
    assert_arm_error(
        arm.get(bot_path(), params=V), 401, "ExpiredAuthenticationToken", "is earlier than current UTC time"
    )


def test_a_graph_token_answers_401_wrong_audience(emulator):
    graph_token = ApiClient(emulator, token(emulator, GRAPH))
    assert_arm_error(
        graph_token.get(bot_path(), params=V),
        401,
        "InvalidAuthenticationToken",
        "obtained for wrong audience or resource 'https://graph.microsoft.com'",
    )


def test_a_token_of_another_tenant_answers_401(emulator):
    foreign, _ = emulator.app.ctx.tokens.mint(
        audience=ARM,
        tenant_id="12121212-1212-4212-8212-121212121212",
        app_id=DEPLOYER_APP,
        object_id=DEPLOYER_APP,
        roles=(),
        lifetime=600,
    )
    assert_arm_error(
        ApiClient(emulator, foreign).get(bot_path(), params=V), 401, "InvalidAuthenticationTokenTenant"
    )


# --- channels -----------------------------------------------------------------------------------------------
def test_the_teams_channel_is_created_without_deployment_environment(arm):
    create_bot(arm)
    response = arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=teams(), params=V)
    assert response.status_code == 201
    channel = response.json()
    assert channel["id"] == f"{bot_path()}/channels/MsTeamsChannel"
    assert channel["properties"]["channelName"] == "MsTeamsChannel"
    assert channel["properties"]["provisioningState"] == "Succeeded"
    assert channel["properties"]["properties"]["isEnabled"] is True
    assert arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=teams(), params=V).status_code == 200
    bot = arm.get(bot_path(), params=V).json()["properties"]
    assert "msteams" in bot["configuredChannels"] and "msteams" in bot["enabledChannels"]


def test_the_teams_channel_with_the_fallback_deployment_environment_fails_like_the_service(arm):
    create_bot(arm)
    response = arm.put(
        f"{bot_path()}/channels/MsTeamsChannel",
        json=teams(deploymentEnvironment="FallbackDeploymentEnvironment"),
        params=V,
    )
    assert_arm_error(
        response,
        500,
        "UnknownError",
        'Error converting value "FallbackDeploymentEnvironment" to type '
        "'Microsoft.Bot.Internal.Schema.ApsDeploymentEnvironment'",
    )


def test_the_omnichannel_channel_has_no_inner_properties(arm):
    create_bot(arm)
    response = arm.put(
        f"{bot_path()}/channels/Omnichannel",
        json={"location": "global", "properties": {"channelName": "Omnichannel"}},
        params=V,
    )
    assert response.status_code == 201
    assert "properties" not in response.json()["properties"]
    assert "omnichannel" in arm.get(bot_path(), params=V).json()["properties"]["enabledChannels"]


@pytest.mark.parametrize(
    "body, phrase",
    [
        ({"properties": {"channelName": "Omnichannel", "properties": {"isEnabled": True}}}, "does not match"),
        ({"properties": {"channelName": "MsTeamsChannel", "properties": {}}}, "'isEnabled' is required"),
    ],
)
def test_an_invalid_channel_body_is_refused(arm, body, phrase):
    create_bot(arm)
    assert_arm_error(
        arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=body, params=V),
        400,
        "InvalidChannelData",
        phrase,
    )


def test_a_channel_on_a_bot_with_an_http_icon_fails(arm):
    arm.put(bot_path(), json=bot_body(iconUrl="http://contoso.com/icon.png"), params=V)
    assert_arm_error(
        arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=teams(), params=V),
        500,
        "UnknownError",
        "UserTileExtraLargeUrl must use HTTPS",
    )


def test_disabling_teams_keeps_it_configured_but_not_enabled(arm):
    create_bot(arm)
    arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=teams(), params=V)
    response = arm.patch(
        f"{bot_path()}/channels/MsTeamsChannel",
        json={"properties": {"channelName": "MsTeamsChannel", "properties": {"isEnabled": False}}},
        params=V,
    )
    assert response.status_code == 200 and response.json()["properties"]["properties"]["isEnabled"] is False
    bot = arm.get(bot_path(), params=V).json()["properties"]
    assert "msteams" in bot["configuredChannels"] and "msteams" not in bot["enabledChannels"]


def test_channels_are_listed_read_and_deleted(arm):
    create_bot(arm)
    arm.put(f"{bot_path()}/channels/MsTeamsChannel", json=teams(), params=V)
    listed = arm.get(f"{bot_path()}/channels", params=V).json()["value"]
    assert [c["properties"]["channelName"] for c in listed] == [
        "DirectLineChannel",
        "MsTeamsChannel",
        "WebChatChannel",
    ]
    assert arm.get(f"{bot_path()}/channels/msteamschannel", params=V).status_code == 200
    assert arm.delete(f"{bot_path()}/channels/MsTeamsChannel", params=V).status_code == 200
    assert arm.delete(f"{bot_path()}/channels/MsTeamsChannel", params=V).status_code == 204
    assert_arm_error(arm.get(f"{bot_path()}/channels/MsTeamsChannel", params=V), 404, "ResourceNotFound")


def test_channels_the_emulator_does_not_model_are_refused_plainly(arm):
    create_bot(arm)
    body = {"properties": {"channelName": "SlackChannel", "properties": {}}}
    assert_arm_error(
        arm.put(f"{bot_path()}/channels/SlackChannel", json=body, params=V), 400, "ChannelNotEmulated"
    )
    assert_arm_error(
        arm.put(f"{bot_path()}/channels/PagerChannel", json=body, params=V), 400, "InvalidChannelData"
    )


def test_the_native_resources_fixture_seeds_both_bots_with_teams_enabled(emulator, arm):
    emulator.seed(native_fixture())
    for name, subscription, group in (
        ("contoso-handoff-dev", DEV_SUBSCRIPTION, DEV_GROUP),
        ("contoso-handoff-prod", PROD_SUBSCRIPTION, PROD_GROUP),
    ):
        bot = arm.get(bot_path(name, subscription, group), params=V).json()
        assert "msteams" in bot["properties"]["enabledChannels"]
    graph = ApiClient(emulator, token(emulator, GRAPH))
    owned = graph.patch(f"/v1.0/applications(appId='{DEV_BOT_APP}')", json={"notes": "adopted"})
    assert owned.status_code == 204  # the deployer owns the bot apps it "created"
