"""Business rules of particular tables, applied around the generic writes of store.Environment.

- systemuser: an App ID belongs to one application user per environment (DuplicateApplicationUser
  0x8004F511 [D]); the App ID of an application user cannot change (ApplicationUserCannotBeUpdated [D],
  applied to `applicationid` only [I]); an application user's access mode is Non-interactive; fullname
  follows firstname and lastname.
- role assignment: the role must belong to the user's business unit (UserInWrongBusiness [D]).
- systemuser DELETE: the first soft-deletes (`deletedstate` 1, disabled), a second purges the row [C:
  reference Corrections 5, Microsoft's Terraform provider deletes application users this way].
- bot: `schemaname` is unique (DuplicateRecord [I]).
- context variable: a name is declared once per workstream, compared exactly: names are case-sensitive
  [D: context-variables-for-bot.md], so `orderId` and `OrderId` are two variables (whether the service
  lets both exist on one workstream is unsettled [I]; DuplicateRecord for an exact repeat [I]).
- botcomponent: creating, editing or deleting a component changes its bot's `modifiedon`, so an agent
  edited after its last publish shows `modifiedon` > `publishedon` [I: what the portal's "unpublished
  changes" reflects]. Times have whole seconds, so the bump is kept strictly after `publishedon`.
"""

from __future__ import annotations

from typing import Optional

from .. import errors
from .schema import ManyToMany, Table
from .store import Environment, iso, parse_iso


def _same(a: Optional[str], b: Optional[str]) -> bool:
    return (a or "").casefold() == (b or "").casefold()


def before_write(env: Environment, table: Table, values: dict, existing: Optional[dict]) -> None:
    """Check and complete `values` (attribute names) before a create (`existing` None) or an update."""
    name = table.logical_name
    if name == "systemuser":
        _system_user(env, values, existing)
    elif name == "bot" and existing is None:
        if any(_same(b.get("schemaname"), values.get("schemaname")) for b in env.rows("bot")):
            raise errors.duplicate_record()
    elif name == "msdyn_ocliveworkstreamcontextvariable":
        merged = (existing or {}) | values
        for other in env.rows(name):
            if (
                other is not existing
                and (other.get("msdyn_name") or "") == (merged.get("msdyn_name") or "")
                and (other.get("msdyn_liveworkstreamid") == merged.get("msdyn_liveworkstreamid"))
            ):
                raise errors.duplicate_record()


def _system_user(env: Environment, values: dict, existing: Optional[dict]) -> None:
    application_id = values.get("applicationid")
    if existing is None:
        users = env.rows("systemuser")
        if application_id and any(_same(u.get("applicationid"), application_id) for u in users):
            raise errors.duplicate_application_user(application_id)
        if application_id and "accessmode" not in values:
            values["accessmode"] = 4
    elif (
        "applicationid" in values
        and existing.get("applicationid")
        and not _same(application_id, existing.get("applicationid"))
    ):
        raise errors.application_user_cannot_be_updated()
    merged = (existing or {}) | values
    full_name = " ".join(p for p in (merged.get("firstname"), merged.get("lastname")) if p)
    values["fullname"] = full_name or None


def after_write(env: Environment, table: Table, row: dict, before: Optional[dict] = None) -> None:
    """Consequences of a write (create, update, or delete when `row` is the deleted row)."""
    if table.logical_name != "botcomponent":
        return
    for bot_id in {row.get("parentbotid"), (before or {}).get("parentbotid")} - {None}:
        bot = env.get("bot", bot_id)
        if bot is None:
            continue
        now = parse_iso(env.now())
        if bot.get("publishedon"):
            now = max(now, parse_iso(bot["publishedon"]) + 1)
        env.touch(bot, iso(now))


def soft_delete(table: Table, row: dict) -> bool:
    """Whether a DELETE of `row` only soft-deletes it (done here); False: the row is to be purged."""
    if table.logical_name != "systemuser" or row.get("deletedstate"):
        return False
    row["deletedstate"] = 1
    row["isdisabled"] = True
    return True


def before_delete(table: Table) -> None:
    if not table.deletable:
        raise errors.method_not_supported("Delete", table.logical_name)


def before_associate(env: Environment, relationship: ManyToMany, first: dict, second: dict) -> None:
    if relationship.name == "systemuserroles_association":
        user, role = first, second
        if user.get("businessunitid") != role.get("businessunitid"):
            raise errors.user_in_wrong_business(
                user["systemuserid"],
                user.get("businessunitid") or "",
                role["roleid"],
                role.get("businessunitid") or "",
            )
