"""Load the `arm` section of a fixture (format: emulator/README.md, "Fixture format").

Additive: a subscription already present gains the groups and providers named again; a bot is replaced by
name. Seeded bots skip the create-time rules (they stand for resources made earlier, possibly before the
multi-tenant deprecation) but must be valid bots, and they get Web Chat and Direct Line like any bot.
"""

from __future__ import annotations

from .bots import KINDS, SKU_TIERS, validate_properties
from .channels import canonical, default_channels
from .errors import ArmError
from .state import ArmState, Bot, Channel, ResourceGroup, RoleAssignment, Subscription


def load_arm(state: ArmState, section: dict) -> None:
    if not isinstance(section, dict):
        raise ValueError("arm: must be an object with 'subscriptions', 'roleAssignments', 'botServices'")
    with state.lock:
        for index, entry in enumerate(section.get("subscriptions", [])):
            _subscription(state, entry, f"arm.subscriptions[{index}]")
        for index, entry in enumerate(section.get("roleAssignments", [])):
            where = f"arm.roleAssignments[{index}]"
            if (
                not entry.get("scope")
                or not entry.get("role")
                or not (entry.get("principalId") or entry.get("appId"))
            ):
                raise ValueError(f"{where}: needs 'scope', 'role' and 'principalId' or 'appId'")
            state.assignments.append(
                RoleAssignment(
                    scope=entry["scope"],
                    role=entry["role"],
                    principal_id=entry.get("principalId", "").lower(),
                    app_id=entry.get("appId", "").lower(),
                )
            )
        for index, entry in enumerate(section.get("botServices", [])):
            _bot(state, entry, f"arm.botServices[{index}]")


def _subscription(state: ArmState, entry: dict, where: str) -> None:
    subscription_id = _required(entry, "subscriptionId", where).lower()
    subscription = state.subscriptions.get(subscription_id)
    if subscription is None:
        subscription = Subscription(
            id=subscription_id,
            display_name=entry.get("displayName", subscription_id),
            tenant_id=_required(entry, "tenantId", where).lower(),
            providers=set(),
            groups={},
        )
        state.subscriptions[subscription_id] = subscription
    subscription.providers.update(p.lower() for p in entry.get("registeredProviders", []))
    for group in entry.get("resourceGroups", []):
        name = _required(group, "name", f"{where}.resourceGroups[]")
        subscription.groups[name.lower()] = ResourceGroup(
            name=name, location=group.get("location", "westeurope")
        )


def _bot(state: ArmState, entry: dict, where: str) -> None:
    subscription = state.subscriptions.get(_required(entry, "subscriptionId", where).lower())
    if subscription is None:
        raise ValueError(f"{where}.subscriptionId: not in arm.subscriptions")
    group = subscription.group(_required(entry, "resourceGroup", where))
    if group is None:
        raise ValueError(f"{where}.resourceGroup: not a resource group of subscription {subscription.id}")
    name = _required(entry, "name", where)
    properties = dict(entry.get("properties", {}))
    try:
        validate_properties(properties)
    except ArmError as exc:  # a fixture mistake: say where
        raise ValueError(f"{where}.properties: {exc.message}") from None
    kind, sku = entry.get("kind", "azurebot"), entry.get("sku", {}).get("name", "F0")
    if kind not in KINDS or sku not in SKU_TIERS:
        raise ValueError(f"{where}: kind must be one of {KINDS} and sku.name one of {sorted(SKU_TIERS)}")
    bot = Bot(
        subscription_id=subscription.id,
        group=group.name,
        name=name,
        location=entry.get("location", "global"),
        kind=kind,
        sku=sku,
        tags=dict(entry.get("tags", {})),
        properties=properties,
    )
    bot.channels = default_channels(bot.location)
    for channel in entry.get("channels", []):
        channel_name = canonical(_required(channel, "channelName", f"{where}.channels[]"))
        inner = None if channel_name == "Omnichannel" else dict(channel.get("properties", {}))
        bot.channels[channel_name.lower()] = Channel(channel_name, channel.get("location", "global"), inner)
    state.bots[name.lower()] = bot


def _required(entry: dict, key: str, where: str) -> str:
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}.{key}: required (a non-empty string)")
    return value
