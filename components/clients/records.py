"""Typed, frozen records the clients return (no raw dicts leave a client), with the option-set values
they use, and the one place where the Web API's column names are read.

Column names and option values: Dynamics 365 CE entity references (systemuser, queue,
msdyn_liveworkstream, msdyn_ocliveworkstreamcontextvariable) and the Dataverse `bot` table (reference §5).
GUIDs are lower case, as the services compare them.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from typing import Any, Mapping, Optional


class AgentType(enum.IntEnum):
    """systemuser.msdyn_agentType (capital T in the logical name)."""

    APPLICATION_USER = 192350000
    BOT_APPLICATION_USER = 192350001


class BotProvider(enum.IntEnum):
    """systemuser.msdyn_botprovider."""

    VIRTUAL_AGENT = 192350000  # Power Virtual Agents / Copilot Studio
    OTHER = 192350001
    NONE = 192350002


class UserType(enum.IntEnum):
    """systemuser.msdyn_usertype."""

    CRM_USER = 192350000
    BOT_USER = 192350001


class QueueType(enum.IntEnum):
    """queue.msdyn_queuetype."""

    MESSAGING = 192350000
    ENTITY = 192350001
    VOICE = 192350002


class DistributionMode(enum.IntEnum):
    """msdyn_liveworkstream.msdyn_workdistributionmode: bots work only in push workstreams."""

    PUSH = 192350000
    PICK = 192350001


class ContextVariableType(enum.IntEnum):
    """msdyn_ocliveworkstreamcontextvariable.msdyn_datatype: Text, Number and Entity Reference are documented
    (reference Corrections 3), Boolean is community-observed only. A stack declares Text and Number only
    (validation.CONTEXT_VARIABLE_TYPES); the others are read as they are."""

    TEXT = 192350000
    NUMBER = 192350001
    BOOLEAN = 192350002
    ENTITY = 192350100

    @classmethod
    def named(cls, name: str) -> "ContextVariableType":
        """The type of a stack's contextVariables entry (`text` or `number`; the others are read only)."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown context variable type {name!r}: use text, number, boolean or entity"
            ) from None


class AgentStatus(enum.IntEnum):
    """bot.statuscode."""

    PROVISIONED = 1
    DEPROVISIONED = 2
    PROVISIONING = 3
    PROVISION_FAILED = 4
    MISSING_LICENSE = 5


def _guid(value: Any) -> Optional[str]:
    return str(value).lower() if value else None


def _time(value: Any) -> Optional[datetime.datetime]:
    if not value:
        return None
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _int(value: Any) -> Optional[int]:
    return int(value) if value is not None else None


@dataclasses.dataclass(frozen=True)
class WhoAmI:
    user_id: str
    business_unit_id: str
    organization_id: str

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "WhoAmI":
        return cls(_guid(row["UserId"]), _guid(row["BusinessUnitId"]), _guid(row["OrganizationId"]))


@dataclasses.dataclass(frozen=True)
class BusinessUnit:
    id: str
    name: str
    parent_id: Optional[str]

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "BusinessUnit":
        return cls(
            _guid(row["businessunitid"]), row.get("name") or "", _guid(row.get("_parentbusinessunitid_value"))
        )


@dataclasses.dataclass(frozen=True)
class SecurityRole:
    id: str
    name: str
    business_unit_id: Optional[str]

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "SecurityRole":
        return cls(_guid(row["roleid"]), row.get("name") or "", _guid(row.get("_businessunitid_value")))


@dataclasses.dataclass(frozen=True)
class SystemUser:
    id: str
    full_name: str
    application_id: Optional[str]
    business_unit_id: Optional[str]
    is_disabled: bool
    agent_type: Optional[int]
    bot_application_id: Optional[str]
    bot_provider: Optional[int]
    user_type: Optional[int]
    capacity: Optional[int]
    is_soft_deleted: bool = False  # deletedstate 1: deleted once, not purged (reference Corrections 5)

    COLUMNS = (
        "systemuserid",
        "fullname",
        "applicationid",
        "_businessunitid_value",
        "isdisabled",
        "msdyn_agentType",
        "msdyn_botapplicationid",
        "msdyn_botprovider",
        "msdyn_usertype",
        "msdyn_capacity",
        "deletedstate",
    )

    @property
    def is_bot_user(self) -> bool:
        """Omnichannel's test for a bot: a bot application user with a bot application id."""
        return self.agent_type == AgentType.BOT_APPLICATION_USER and bool(self.bot_application_id)

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "SystemUser":
        return cls(
            id=_guid(row["systemuserid"]),
            full_name=row.get("fullname") or "",
            application_id=_guid(row.get("applicationid")),
            business_unit_id=_guid(row.get("_businessunitid_value")),
            is_disabled=bool(row.get("isdisabled")),
            agent_type=_int(row.get("msdyn_agentType")),
            bot_application_id=_guid(row.get("msdyn_botapplicationid")),
            bot_provider=_int(row.get("msdyn_botprovider")),
            user_type=_int(row.get("msdyn_usertype")),
            capacity=_int(row.get("msdyn_capacity")),
            is_soft_deleted=bool(row.get("deletedstate")),
        )


@dataclasses.dataclass(frozen=True)
class Queue:
    id: str
    name: str
    is_omnichannel: bool
    queue_type: Optional[int]

    COLUMNS = ("queueid", "name", "msdyn_isomnichannelqueue", "msdyn_queuetype")

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "Queue":
        return cls(
            _guid(row["queueid"]),
            row.get("name") or "",
            bool(row.get("msdyn_isomnichannelqueue")),
            _int(row.get("msdyn_queuetype")),
        )


@dataclasses.dataclass(frozen=True)
class QueueMember:
    user_id: str
    full_name: str
    capacity: Optional[int]
    is_bot_user: bool


@dataclasses.dataclass(frozen=True)
class QueueWithMembers:
    """A queue and its members with their capacities, read in one request."""

    queue: Queue
    members: tuple[QueueMember, ...]

    MEMBER_COLUMNS = (
        "systemuserid",
        "fullname",
        "msdyn_capacity",
        "msdyn_agentType",
        "msdyn_botapplicationid",
    )
    MEMBERS = "queuemembership_association"

    def has_member(self, user_id: str) -> bool:
        return user_id.lower() in {m.user_id for m in self.members}

    @staticmethod
    def member_from_wire(row: Mapping[str, Any]) -> QueueMember:
        user = SystemUser.from_wire(row)
        return QueueMember(user.id, user.full_name, user.capacity, user.is_bot_user)

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "QueueWithMembers":
        return cls(Queue.from_wire(row), tuple(cls.member_from_wire(m) for m in row.get(cls.MEMBERS) or ()))


@dataclasses.dataclass(frozen=True)
class Workstream:
    id: str
    name: str
    distribution_mode: Optional[int]
    bot_user_id: Optional[str]
    bot_user_name: Optional[str] = None  # set when read with its bot user expanded (RoutingMixin.workstream)

    COLUMNS = ("msdyn_liveworkstreamid", "msdyn_name", "msdyn_workdistributionmode", "_msdyn_bot_user_value")
    BOT_USER = "msdyn_bot_user"

    @property
    def is_push(self) -> bool:
        return self.distribution_mode == DistributionMode.PUSH

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "Workstream":
        bot_user = row.get(cls.BOT_USER) or {}
        return cls(
            _guid(row["msdyn_liveworkstreamid"]),
            row.get("msdyn_name") or "",
            _int(row.get("msdyn_workdistributionmode")),
            _guid(row.get("_msdyn_bot_user_value")),
            bot_user.get("fullname"),
        )


@dataclasses.dataclass(frozen=True)
class ContextVariable:
    id: str
    name: str
    display_name: Optional[str]
    data_type: ContextVariableType
    workstream_id: Optional[str]

    COLUMNS = (
        "msdyn_ocliveworkstreamcontextvariableid",
        "msdyn_name",
        "msdyn_displayname",
        "msdyn_datatype",
        "_msdyn_liveworkstreamid_value",
    )

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "ContextVariable":
        return cls(
            _guid(row["msdyn_ocliveworkstreamcontextvariableid"]),
            row.get("msdyn_name") or "",
            row.get("msdyn_displayname"),
            ContextVariableType(int(row["msdyn_datatype"])),
            _guid(row.get("_msdyn_liveworkstreamid_value")),
        )


@dataclasses.dataclass(frozen=True)
class CopilotAgent:
    id: str
    schema_name: str
    name: str
    status: Optional[int]
    published_on: Optional[datetime.datetime]
    modified_on: Optional[datetime.datetime]
    last_publish: Optional["PublishOperation"] = None

    COLUMNS = (
        "botid",
        "schemaname",
        "name",
        "statuscode",
        "publishedon",
        "modifiedon",
        "synchronizationstatus",
    )

    @property
    def is_provisioned(self) -> bool:
        return self.status == AgentStatus.PROVISIONED

    @property
    def is_published(self) -> bool:
        return self.published_on is not None

    @property
    def has_unpublished_changes(self) -> bool:
        """Edited after its last publish (publishing sets publishedon to the modifiedon it publishes)."""
        return (
            self.published_on is not None
            and self.modified_on is not None
            and self.modified_on > self.published_on
        )

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "CopilotAgent":
        return cls(
            _guid(row["botid"]),
            row.get("schemaname") or "",
            row.get("name") or "",
            _int(row.get("statuscode")),
            _time(row.get("publishedon")),
            _time(row.get("modifiedon")),
            PublishOperation.from_status(row.get("synchronizationstatus")),
        )


@dataclasses.dataclass(frozen=True)
class PublishOperation:
    """The bot's last finished publish job, from `synchronizationstatus` (a JSON string):
    `lastFinishedPublishOperation` with `status` (Succeeded / Failed), `operationEnd` and, on failure,
    `errorMessage` or `diagnosticDetails` [C: community clients; the column is documented, its JSON not]."""

    status: str
    ended: Optional[str]
    diagnostics: str

    @property
    def failed(self) -> bool:
        return self.status.casefold() == "failed"

    @classmethod
    def from_status(cls, text: Any) -> Optional["PublishOperation"]:
        try:
            status = json.loads(text) if isinstance(text, str) and text.strip() else None
        except ValueError:
            return None  # an unreadable status is no status: publishedon still tells
        last = status.get("lastFinishedPublishOperation") if isinstance(status, dict) else None
        if not isinstance(last, dict):
            return None
        details = last.get("errorMessage") or last.get("diagnosticDetails") or ""
        return cls(
            str(last.get("status") or ""),
            str(last["operationEnd"]) if last.get("operationEnd") else None,
            details if isinstance(details, str) else json.dumps(details),
        )


@dataclasses.dataclass(frozen=True)
class Solution:
    id: str
    unique_name: str
    friendly_name: str
    version: Optional[str]
    is_managed: bool

    COLUMNS = ("solutionid", "uniquename", "friendlyname", "version", "ismanaged")

    @classmethod
    def from_wire(cls, row: Mapping[str, Any]) -> "Solution":
        return cls(
            _guid(row["solutionid"]),
            row.get("uniquename") or "",
            row.get("friendlyname") or "",
            row.get("version"),
            bool(row.get("ismanaged")),
        )


@dataclasses.dataclass(frozen=True)
class AzureBot:
    id: str
    name: str
    location: str
    msa_app_id: Optional[str]
    msa_app_type: Optional[str]
    msa_app_tenant_id: Optional[str]
    tags: Mapping[str, str]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> "AzureBot":
        props = body.get("properties") or {}
        return cls(
            body.get("id") or "",
            body.get("name") or "",
            body.get("location") or "",
            _guid(props.get("msaAppId")),
            props.get("msaAppType"),
            _guid(props.get("msaAppTenantId")),
            dict(body.get("tags") or {}),
        )


OMNICHANNEL_CHANNEL = "Omnichannel"  # the channel name in ARM (Bot Service 2022-09-15 spec)


@dataclasses.dataclass(frozen=True)
class BotChannel:
    """One channel of an Azure Bot. Enabled: the channel exists and, where it has the switch (Teams:
    `properties.properties.isEnabled`), it is on; the Omnichannel channel has no inner properties."""

    name: str
    exists: bool
    is_enabled: bool
    provisioning_state: Optional[str]

    @classmethod
    def from_wire(cls, name: str, body: Mapping[str, Any]) -> "BotChannel":
        outer = body.get("properties") or {}
        inner = outer.get("properties")
        enabled = (
            bool(inner.get("isEnabled")) if isinstance(inner, Mapping) and "isEnabled" in inner else True
        )
        return cls(name, True, enabled, outer.get("provisioningState"))


@dataclasses.dataclass(frozen=True)
class GraphApplication:
    id: str
    app_id: str
    display_name: str
    sign_in_audience: Optional[str]

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]) -> "GraphApplication":
        return cls(
            _guid(body["id"]), _guid(body["appId"]), body.get("displayName") or "", body.get("signInAudience")
        )
