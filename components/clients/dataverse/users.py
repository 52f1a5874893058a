"""Users, business units and security roles: WhoAmI, the root business unit, roles by name, the bot's
application user (create, adopt by application id, update) and its role assignments.

The bot user is a systemuser with `applicationid` (what makes it an application user) and the Customer
Service bot columns: msdyn_agentType 192350001 (bot application user), msdyn_botapplicationid,
msdyn_botprovider, msdyn_usertype 192350001 (bot user), msdyn_capacity, bound to the root business unit
(reference §5.1-5.2; configure-bot-azure: "select the top-level business unit").
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from .. import errors
from ..records import AgentType, BotProvider, BusinessUnit, SecurityRole, SystemUser, UserType, WhoAmI
from .base import DataverseBase, guid, literal

NON_INTERACTIVE = 4  # systemuser.accessmode of an application user
_BU_COLUMNS = ("businessunitid", "name", "_parentbusinessunitid_value")
_ROLE_COLUMNS = ("roleid", "name", "_businessunitid_value")


@dataclasses.dataclass(frozen=True)
class BotUserSpec:
    """What the bot's application user is created with.

    last_name is the user's display name (`fullname` is built from first and last name); older orgs also
    require an email address, so give one when the environment asks for it.
    """

    app_id: str
    business_unit_id: str
    last_name: str
    first_name: str = ""
    provider: BotProvider = BotProvider.VIRTUAL_AGENT
    capacity: int = 100
    email: Optional[str] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "app_id", guid(self.app_id, "the bot's App ID"))
        object.__setattr__(self, "business_unit_id", guid(self.business_unit_id, "the business unit id"))
        if not self.last_name.strip():
            raise ValueError("the bot user needs a name (last_name)")
        if not 0 <= self.capacity <= 2_147_483_647:
            raise ValueError("the bot user's capacity must be between 0 and 2147483647")


class UsersMixin(DataverseBase):
    def who_am_i(self) -> WhoAmI:
        """The caller's user, business unit and organization (a cheap check that the token works here)."""
        return WhoAmI.from_wire(self._get("WhoAmI", operation="call WhoAmI"))

    def root_business_unit(self) -> BusinessUnit:
        rows = self._query(
            "businessunits",
            operation="find the root business unit",
            columns=_BU_COLUMNS,
            filter="_parentbusinessunitid_value eq null",
        )
        if len(rows) != 1:
            raise errors.from_entry(
                "unexpected-response",
                "find the root business unit",
                f"{len(rows)} business units have no parent",
            )
        return BusinessUnit.from_wire(rows[0])

    def role_by_name(self, name: str, business_unit_id: str) -> SecurityRole:
        """The role called `name` in the business unit (roles are copied into every business unit)."""
        bu = guid(business_unit_id, "the business unit id")
        operation = f"find the security role {name!r}"
        rows = self._query(
            "roles",
            operation=operation,
            columns=_ROLE_COLUMNS,
            filter=f"name eq {literal(name)} and _businessunitid_value eq {bu}",
        )
        if not rows:
            raise errors.from_entry(
                "role-not-found", operation, f"no role named {name!r} in business unit {bu}"
            )
        return SecurityRole.from_wire(rows[0])

    def user_by_id(self, user_id: str) -> SystemUser:
        uid = guid(user_id, "the user id")
        return SystemUser.from_wire(
            self._get(
                f"systemusers({uid})",
                operation=f"read the user {uid}",
                columns=SystemUser.COLUMNS,
                not_found="dataverse-record-not-found",
            )
        )

    def user_by_application_id(self, app_id: str) -> Optional[SystemUser]:
        """The application user with this App ID (unique per environment), or None. A soft-deleted one
        (`deletedstate` 1) is returned too, flagged: the caller refuses it rather than adopt it or create a
        second user beside it."""
        app = guid(app_id, "the App ID")
        rows = self._query(
            "systemusers",
            operation=f"find the application user of App ID {app}",
            columns=SystemUser.COLUMNS,
            filter=f"applicationid eq {app}",
        )
        users = sorted((SystemUser.from_wire(row) for row in rows), key=lambda u: u.is_soft_deleted)
        return users[0] if users else None

    def bot_users(self, *, include_soft_deleted: bool = False) -> tuple[SystemUser, ...]:
        """Every bot application user of the environment (User type = Bot application user) that is not
        soft-deleted (filtered here, as Microsoft's provider does: reference Corrections 5); with
        `include_soft_deleted` those too, flagged (what the survey shows)."""
        rows = self._query(
            "systemusers",
            operation="list the bot application users",
            columns=SystemUser.COLUMNS,
            filter=f"msdyn_agentType eq {int(AgentType.BOT_APPLICATION_USER)}",
        )
        users = (SystemUser.from_wire(row) for row in rows)
        return tuple(user for user in users if include_soft_deleted or not user.is_soft_deleted)

    def create_bot_user(self, spec: BotUserSpec) -> SystemUser:
        """Create the bot's application user. Raises ConflictError (0x8004F511) when the App ID is taken:
        the caller adopts the existing user; AmbiguousWriteError: the caller re-reads by App ID."""
        # accessmode 4 (Non-interactive) and isdisabled false as Microsoft's provider sends them (reference
        # Corrections 5: terraform-provider-power-platform api_application.go).
        body = {
            "applicationid": spec.app_id,
            "accessmode": NON_INTERACTIVE,
            "isdisabled": False,
            "businessunitid@odata.bind": f"/businessunits({spec.business_unit_id})",
            "lastname": spec.last_name,
            "msdyn_agentType": int(AgentType.BOT_APPLICATION_USER),
            "msdyn_botapplicationid": spec.app_id,
            "msdyn_botprovider": int(spec.provider),
            "msdyn_usertype": int(UserType.BOT_USER),
            "msdyn_capacity": spec.capacity,
        }
        if spec.first_name:
            body["firstname"] = spec.first_name
        if spec.email:
            body["internalemailaddress"] = spec.email
        return SystemUser.from_wire(
            self._create(
                "systemusers",
                body,
                columns=SystemUser.COLUMNS,
                operation=f"create the bot user for App ID {spec.app_id}",
            )
        )

    def update_bot_user(
        self,
        user_id: str,
        *,
        capacity: Optional[int] = None,
        is_disabled: Optional[bool] = None,
        provider: Optional[BotProvider] = None,
    ) -> SystemUser:
        """Change the bot user's mutable columns; unchanged when every argument is None."""
        uid = guid(user_id, "the user id")
        body: dict = {}
        if capacity is not None:
            body["msdyn_capacity"] = capacity
        if is_disabled is not None:
            body["isdisabled"] = is_disabled
        if provider is not None:
            body["msdyn_botprovider"] = int(provider)
        if not body:
            return self.user_by_id(uid)
        return SystemUser.from_wire(
            self._update(
                f"systemusers({uid})",
                body,
                columns=SystemUser.COLUMNS,
                operation=f"update the bot user {uid}",
                not_found="dataverse-record-not-found",
            )
        )

    def user_roles(self, user_id: str) -> tuple[SecurityRole, ...]:
        uid = guid(user_id, "the user id")
        rows = self._session.collect(
            f"systemusers({uid})/systemuserroles_association",
            operation=f"list the roles of user {uid}",
            params={"$select": ",".join(_ROLE_COLUMNS)},
        )
        return tuple(SecurityRole.from_wire(r) for r in rows)

    def caller_roles(self) -> tuple[SecurityRole, ...]:
        """The deployer's own roles in this environment (for require_user_administrator)."""
        return self.user_roles(self.who_am_i().user_id)

    def associate_role(self, user_id: str, role_id: str) -> bool:
        """Give the user the role; False when it already had it (success either way)."""
        uid, rid = guid(user_id, "the user id"), guid(role_id, "the role id")
        return self._associate(
            f"systemusers({uid})/systemuserroles_association",
            self.record_uri("roles", rid),
            operation=f"assign role {rid} to user {uid}",
        )

    def disassociate_role(self, user_id: str, role_id: str) -> None:
        """Take the role away (done also when the user did not have it)."""
        uid, rid = guid(user_id, "the user id"), guid(role_id, "the role id")
        self._disassociate(
            f"systemusers({uid})/systemuserroles_association({rid})",
            operation=f"remove role {rid} from user {uid}",
        )
