"""BotApplicationUser (`pulumi-python:dynamic/omnichannel:BotApplicationUser`): an Azure (Bot Framework)
bot's application user in the Dataverse environment, the systemuser Omnichannel routes conversations to.
A Copilot Studio agent's user is Copilot Studio's (`agent_user.ConnectedAgentUser`), never this resource.

Create preflights first (each failure is a catalogue error, before anything is written): the deployer is a
System Administrator (WhoAmI and its roles), Omnichannel messaging is provisioned, and the Azure Bot has its
Omnichannel channel (configure-bot-azure.md). Then adopt-or-create by the natural key, the App ID (unique per
environment): an existing bot user is adopted (`adopted: true`) and brought to the declared capacity,
provider and enabled state; a soft-deleted one is refused; otherwise it is created as Microsoft documents it
(configure-bot-azure.md: top-level business unit, User type = Bot application user, Bot application ID =
the App ID) with `accessmode` 4 and `isdisabled` false as Microsoft's provider sends them (reference §5.1,
Corrections 5). A `DuplicateApplicationUser` answer or a create whose outcome is unknown (5xx, dropped
connection) is resolved by reading the user back by App ID before anything is sent again, so a run never
makes two users and a failed run leaves one the next run adopts.

Drift: capacity, provider and a disabled user are reported and restored. Delete with the removal override
disables the user (Microsoft's "Disconnect"); users are never deleted.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import CreateResult, UpdateResult

import components.validation as validation
from components.clients import errors, preflight
from components.clients.arm import ArmBotReader, parse_bot_resource_id
from components.clients.dataverse import BotUserSpec, DataverseClient
from components.clients.records import BotProvider, SystemUser

from .base import BindingProvider, BindingResource, create_or_find, unless_gone
from .specs import (
    Spec,
    State,
    check_azure_bot_id,
    check_text,
    derived,
    integer,
    is_unknown,
    outputs,
    prop,
    same,
)

PROVIDERS = {"copilotStudio": BotProvider.VIRTUAL_AGENT, "other": BotProvider.OTHER}
AZURE_BOT_PROVIDER = "other"


def provider_name(value: Optional[int]) -> str:
    return next((name for name, code in PROVIDERS.items() if code == value), str(value))


@dataclasses.dataclass(frozen=True, kw_only=True)
class BotApplicationUserSpec(Spec):
    display_name: str = prop(check_text(120))
    azure_bot_id: str = prop(check_azure_bot_id)
    capacity: int = prop(integer(validation.check_capacity), 100)
    enabled: bool = derived(True)
    bot_provider: str = derived(AZURE_BOT_PROVIDER)  # msdyn_botprovider Other: the bot is no Copilot agent

    MANAGED: ClassVar = {
        "botProvider": same("botProvider", fold=True),
        "capacity": same("capacity"),
        "enabled": same("enabled"),
    }


@dataclasses.dataclass(frozen=True, kw_only=True)
class BotApplicationUserState(State):
    user_id: str
    full_name: str
    business_unit_id: Optional[str]
    bot_provider: str
    capacity: Optional[int]
    enabled: bool
    adopted: bool

    @classmethod
    def of(cls, user: SystemUser, adopted: bool) -> "BotApplicationUserState":
        return cls(
            user_id=user.id,
            full_name=user.full_name,
            business_unit_id=user.business_unit_id,
            bot_provider=provider_name(user.bot_provider),
            capacity=user.capacity,
            enabled=not user.is_disabled,
            adopted=bool(adopted),
        )


def preflight_bot_user(client: DataverseClient, arm: ArmBotReader, want: BotApplicationUserSpec) -> None:
    """Fail early, with the catalogue entry that says what to do, before anything is written."""
    preflight.require_user_administrator(client.caller_roles())
    preflight.require_solutions(preflight.installed_solutions(client), bot_extension=False)
    arm.require_omnichannel_channel(*parse_bot_resource_id(want.azure_bot_id))


def find_bot_user(client: DataverseClient, app_id: str) -> Optional[SystemUser]:
    """The bot user holding the App ID, None, or ConflictError when a user that is no bot user holds it."""
    return preflight.adoptable_bot_user(client.user_by_application_id(app_id), app_id)


def _post(client: DataverseClient, spec: BotUserSpec) -> Optional[SystemUser]:
    """The user created, or None when Dataverse answers DuplicateApplicationUser (the App ID is taken)."""
    try:
        return client.create_bot_user(spec)
    except errors.ConflictError as exc:
        if exc.entry is None or exc.entry.key != "dataverse-duplicate-application-user":
            raise
        return None


def create_bot_user(
    client: DataverseClient, want: BotApplicationUserSpec, business_unit_id: str
) -> Optional[SystemUser]:
    """The user this call created, or None when Dataverse says the App ID is taken (DuplicateApplicationUser,
    what a concurrent create turns into); a lost answer is settled by the App ID (`create_or_find`)."""
    spec = BotUserSpec(
        app_id=want.bot_app_id,
        business_unit_id=business_unit_id,
        last_name=want.display_name,
        provider=BotProvider.OTHER,
        capacity=want.capacity,
    )
    return create_or_find(lambda: _post(client, spec), lambda: find_bot_user(client, want.bot_app_id))


def adopt_or_create(client: DataverseClient, want: BotApplicationUserSpec) -> tuple[SystemUser, bool]:
    """(the bot user, whether it existed before this run): never two users for one App ID."""
    root = client.root_business_unit()
    existing = find_bot_user(client, want.bot_app_id)
    if existing is None:
        created = create_bot_user(client, want, root.id)
        if created is not None:
            return created, False
        existing = find_bot_user(client, want.bot_app_id)  # a concurrent create won the race: adopt it
        if existing is None:
            raise errors.from_entry(
                "unexpected-response",
                f"adopt the user of App ID {want.bot_app_id}",
                "Dataverse reported the App ID as taken, but no user holds it",
            )
    preflight.require_root_business_unit(existing, root)
    return reconcile(client, existing, want), True


def reconcile(client: DataverseClient, user: SystemUser, want: BotApplicationUserSpec) -> SystemUser:
    """Bring an existing user to the declared capacity, provider and enabled state (one PATCH, or none)."""
    capacity = want.capacity if user.capacity != want.capacity else None
    provider = BotProvider.OTHER if user.bot_provider != BotProvider.OTHER else None
    enable = False if user.is_disabled else None
    if capacity is None and provider is None and enable is None:
        return user
    return client.update_bot_user(user.id, capacity=capacity, is_disabled=enable, provider=provider)


class BotApplicationUserProvider(BindingProvider):
    SPEC = BotApplicationUserSpec
    STATE = BotApplicationUserState
    KIND = "the bot's application user"
    UNDO = (
        "disables the bot's application user (what Microsoft's \"Disconnect\" does); the user is never "
        "deleted, so re-enabling it restores the connection"
    )

    RESOLVES = ("environmentUrl", "botAppId", "azureBotId")

    def resolve(self, inputs: Mapping[str, Any]) -> None:
        """Deployer, solutions, the Omnichannel channel (once the bot exists) and the App ID's user."""
        url, app_id, bot_id = (inputs.get(k) for k in self.RESOLVES)
        if is_unknown(url):
            return
        client = self.dataverse(url)
        preflight.require_user_administrator(client.caller_roles())
        preflight.require_solutions(preflight.installed_solutions(client), bot_extension=False)
        if not is_unknown(bot_id):
            self.arm().require_omnichannel_channel(*parse_bot_resource_id(bot_id))
        if not is_unknown(app_id):
            find_bot_user(client, app_id)

    def create(self, props: Mapping[str, Any]) -> CreateResult:
        want = self.spec_of(props)
        client = self.dataverse(want.environment_url)
        preflight_bot_user(client, self.arm(), want)
        user, adopted = adopt_or_create(client, want)
        return CreateResult(user.id, outputs(want, BotApplicationUserState.of(user, adopted)))

    def read(self, id_: str, props: Mapping[str, Any]):
        want = self.spec_of(props)
        user = unless_gone(lambda: self.dataverse(want.environment_url).user_by_id(id_))
        adopted = BotApplicationUserState.from_wire(props).adopted
        return self.read_result(id_, want, BotApplicationUserState.of(user, adopted) if user else None)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> UpdateResult:
        want = self.spec_of(news)
        user = self.dataverse(want.environment_url).update_bot_user(
            id_, capacity=want.capacity, is_disabled=False, provider=BotProvider.OTHER
        )
        adopted = BotApplicationUserState.from_wire(olds).adopted
        return UpdateResult(outputs(want, BotApplicationUserState.of(user, adopted)))

    def undo(self, id_: str, spec: Spec, props: Mapping[str, Any]) -> None:
        unless_gone(lambda: self.dataverse(spec.environment_url).update_bot_user(id_, is_disabled=True))


class BotApplicationUser(BindingResource, module="omnichannel", name="BotApplicationUser"):
    """An Azure bot's application user (adopted when one exists for the App ID)."""

    PROVIDER: ClassVar[type] = BotApplicationUserProvider

    user_id: pulumi.Output[str]
    business_unit_id: pulumi.Output[str]
    capacity: pulumi.Output[int]
    adopted: pulumi.Output[bool]
