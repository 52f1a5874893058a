"""The rules of `Microsoft.BotService/botServices` (reference §3.1, §6 #17-20).

- PUT creates (201) or updates (200); PATCH merges (200); DELETE answers 200, or 204 when there was nothing.
- `msaAppId`, `msaAppTenantId`, `msaAppType`, `msaAppMSIResourceId`, `tenantId` and `kind` are create-only:
  a different value on update is refused (400); leaving them out keeps them.
- A bot name is global: a bot of that name in any other subscription or resource group is a conflict.
- One bot per `msaAppId`. New `MultiTenant` bots are refused (deprecated 2025-07-31); `msaAppType`
  defaults to MultiTenant when left out, as the service's does, so a create must name its type.
- A new bot gets the Web Chat and Direct Line channels, as the portal and the service create them.
"""

from __future__ import annotations

import copy
import re
from typing import Optional

from .channels import default_channels, short_name
from .errors import ArmError, invalid_bot, invalid_json
from .state import BOT_TYPE, ArmState, Bot, new_etag

KINDS = ("sdk", "designer", "bot", "function", "azurebot")
SKU_TIERS = {"F0": "Free", "S1": "Standard"}
APP_TYPES = ("UserAssignedMSI", "SingleTenant", "MultiTenant")
CREATE_ONLY = {
    "msaAppId": "MsaAppId",
    "msaAppTenantId": "MsaAppTenantId",
    "msaAppType": "MsaAppType",
    "msaAppMSIResourceId": "MsaAppMSIResourceId",
    "tenantId": "TenantId",
}
WRITABLE = {
    "displayName",
    "description",
    "iconUrl",
    "endpoint",
    "msaAppId",
    "msaAppType",
    "msaAppTenantId",
    "msaAppMSIResourceId",
    "developerAppInsightKey",
    "developerAppInsightsApplicationId",
    "developerAppInsightsApiKey",
    "luisAppIds",
    "luisKey",
    "isCmekEnabled",
    "cmekKeyVaultUrl",
    "publicNetworkAccess",
    "disableLocalAuth",
    "schemaTransformationVersion",
    "storageResourceId",
    "isStreamingSupported",
    "tenantId",
    "manifestUrl",
    "allSettings",
    "parameters",
    "openWithHint",
    "appPasswordHint",
}
SECRET_PROPERTIES = {"developerAppInsightsApiKey", "luisKey"}  # accepted, never shown
DEFAULT_ICON = "https://docs.botframework.com/static/devportal/client/images/bot-framework-default.png"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$")


def put_bot(state: ArmState, subscription_id: str, group: str, name: str, body) -> tuple[Bot, bool]:
    """Create or replace; returns (bot, created)."""
    if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
        raise invalid_json()
    if not _NAME.match(name):
        raise ArmError(
            400,
            "InvalidResourceName",
            f"Resource name {name} is invalid. The name can be 2-64 "
            "characters long, starting with a letter or digit, then letters, digits, '_', '.' or '-'.",
        )
    with state.lock:
        existing = state.bot(subscription_id, group, name)
        if existing is None:
            return _create(state, subscription_id, group, name, body), True
        _update(state, existing, body, replace=True)
        return existing, False


def patch_bot(state: ArmState, bot: Bot, body) -> Bot:
    if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
        raise invalid_json()
    with state.lock:
        _update(state, bot, body, replace=False)
    return bot


def delete_bot(state: ArmState, bot: Optional[Bot]) -> bool:
    if bot is None:
        return False
    with state.lock:
        state.bots.pop(bot.name.lower(), None)
    return True


def _create(state: ArmState, subscription_id: str, group: str, name: str, body: dict) -> Bot:
    if name.lower() in state.bots:
        raise invalid_bot("The bot name is already registered to another bot application.")
    if not body.get("location"):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    properties = _writable(body.get("properties", {}))
    for field in ("displayName", "endpoint", "msaAppId"):
        if field not in properties:
            raise invalid_bot(
                f"{CREATE_ONLY.get(field, field[0].upper() + field[1:])}: The field is required."
            )
    properties.setdefault("msaAppType", "MultiTenant")
    validate_properties(properties)
    if properties["msaAppType"] == "MultiTenant":
        raise ArmError(
            400,
            "InvalidBotCreationData",
            "Multitenant bot creation is deprecated. Please use SingleTenant or UserAssignedMSI",
        )
    if state.bot_with_app_id(properties["msaAppId"]) is not None:
        raise invalid_bot("MsaAppId: MsaAppId is already in use.")
    kind = body.get("kind") or "sdk"
    if kind not in KINDS:
        raise invalid_bot(f"Kind: '{kind}' is not one of {', '.join(KINDS)}.")
    bot = Bot(
        subscription_id=subscription_id,
        group=group,
        name=name,
        location=body["location"],
        kind=kind,
        sku=_sku(body),
        tags=dict(body.get("tags") or {}),
        properties=properties,
    )
    bot.channels = default_channels(bot.location)
    state.bots[name.lower()] = bot
    return bot


def _update(state: ArmState, bot: Bot, body: dict, *, replace: bool) -> None:
    if body.get("location") and body["location"].lower() != bot.location.lower():
        raise ArmError(
            409,
            "InvalidResourceLocation",
            f"The resource '{bot.name}' already exists in location '{bot.location}' in resource group "
            f"'{bot.group}'. A resource with the same name cannot be created in location "
            f"'{body['location']}'. Please select a new resource name.",
        )
    if body.get("kind") and body["kind"] != bot.kind:
        raise invalid_bot("'Kind' property cannot be changed.")
    changes = _writable(body.get("properties", {}))
    for field, label in CREATE_ONLY.items():
        if (
            field in changes
            and str(changes[field] or "").lower() != str(bot.properties.get(field) or "").lower()
        ):
            raise invalid_bot(f"'{label}' property cannot be changed.")
    merged = (
        {k: v for k, v in bot.properties.items() if k in CREATE_ONLY} if replace else dict(bot.properties)
    )
    merged.update(changes)
    validate_properties(merged)
    bot.properties = merged
    if "sku" in body:
        bot.sku = _sku(body)
    if replace or "tags" in body:
        bot.tags = dict(body.get("tags") or {})
    bot.etag = new_etag()


def _writable(properties: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in properties.items() if k in WRITABLE}


def validate_properties(properties: dict) -> None:
    if not isinstance(properties.get("displayName"), str) or not properties["displayName"].strip():
        raise invalid_bot("DisplayName: The field is required.")
    if not _GUID.match(str(properties.get("msaAppId", ""))):
        raise invalid_bot("MsaAppId: MsaAppId must be a GUID.")
    if properties.get("msaAppType") not in APP_TYPES:
        raise invalid_bot(
            f"MsaAppType: '{properties.get('msaAppType')}' is not one of {', '.join(APP_TYPES)}."
        )
    if properties["msaAppType"] in ("SingleTenant", "UserAssignedMSI") and not _GUID.match(
        str(properties.get("msaAppTenantId") or "")
    ):
        raise invalid_bot(f"MsaAppTenantId: MsaAppTenantId is required for {properties['msaAppType']} bots.")
    if properties["msaAppType"] == "UserAssignedMSI" and not properties.get("msaAppMSIResourceId"):
        raise invalid_bot("MsaAppMSIResourceId: MsaAppMSIResourceId is required for UserAssignedMSI bots.")
    endpoint = properties.get("endpoint")
    if endpoint and not str(endpoint).lower().startswith("https://"):
        raise invalid_bot("Endpoint: The messaging endpoint must use HTTPS.")
    if properties.get("publicNetworkAccess", "Enabled") not in ("Enabled", "Disabled"):
        raise invalid_bot("PublicNetworkAccess: must be Enabled or Disabled.")


def _sku(body: dict) -> str:
    name = (body.get("sku") or {}).get("name", "F0")
    if name not in SKU_TIERS:
        raise invalid_bot(f"Sku: '{name}' is not one of F0, S1.")
    return name


def bot_json(bot: Bot) -> dict:
    shown = {
        "displayName": None,
        "description": None,
        "iconUrl": DEFAULT_ICON,
        "endpoint": "",
        "endpointVersion": "3.3",
        "allSettings": None,
        "parameters": None,
        "manifestUrl": None,
        "msaAppType": None,
        "msaAppId": None,
        "msaAppTenantId": None,
        "msaAppMSIResourceId": None,
        "developerAppInsightKey": None,
        "developerAppInsightsApplicationId": None,
        "luisAppIds": [],
        "isCmekEnabled": False,
        "cmekKeyVaultUrl": None,
        "cmekEncryptionStatus": "Off",
        "publicNetworkAccess": "Enabled",
        "isStreamingSupported": False,
        "isDeveloperAppInsightsApiKeySet": False,
        "migrationToken": None,
        "disableLocalAuth": False,
        "schemaTransformationVersion": "1.3",
        "storageResourceId": None,
        "privateEndpointConnections": [],
        "openWithHint": None,
        "appPasswordHint": None,
        "tenantId": None,
    }
    shown.update({k: v for k, v in copy.deepcopy(bot.properties).items() if k not in SECRET_PROPERTIES})
    shown["isDeveloperAppInsightsApiKeySet"] = bool(bot.properties.get("developerAppInsightsApiKey"))
    ordered = sorted(bot.channels.values(), key=lambda c: c.name)
    shown["configuredChannels"] = [short_name(c.name) for c in ordered]
    shown["enabledChannels"] = [short_name(c.name) for c in ordered if c.enabled]
    shown["provisioningState"] = "Succeeded"
    return {
        "id": bot.id,
        "name": bot.name,
        "type": BOT_TYPE,
        "location": bot.location,
        "kind": bot.kind,
        "sku": {"name": bot.sku, "tier": SKU_TIERS[bot.sku]},
        "etag": bot.etag,
        "tags": dict(bot.tags),
        "zones": [],
        "properties": shown,
    }
