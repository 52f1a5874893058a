"""The operations of the Web API on one environment, as one caller: privilege checks, then the rules, then
the writes. No HTTP here: routes.py turns requests into these calls and the results into responses.

Every public method takes the environment's lock for its whole length, so each request is atomic.

PvaPublish is a job in the real service [C]: clients poll `publishedon`. With `publish_delay_reads = N`, the
first N reads of the bot after the publish (a retrieve of its row, or a query that returns it) still answer
the old `publishedon`, `publishedby` and `synchronizationstatus`; the next read finds the job done. No
wall-clock is involved, so tests stay deterministic. N = 0 publishes at once.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any, Callable, Optional

from .. import errors
from ..odata.path import parse_reference
from ..odata.query import QueryOptions, apply, cap
from . import rules
from .payload import parse_payload
from .privileges import PRIVILEGE_TABLE, PrivilegeSet, prv
from .render import etag, render_row
from .schema import Column, ManyToMany, Table
from .store import FIRST_VERSION, Environment, iso, parse_iso
from .tables import BOT, USER_ROLES

BOT_STATUS = {
    1: "Provisioned",
    2: "Deprovisioned",
    3: "Provisioning",
    4: "ProvisionFailed",
    5: "MissingLicense",
}


@dataclasses.dataclass
class PendingPublish:
    """A PvaPublish job not finished yet: who started it, and how many reads still see the bot unchanged."""

    user_id: str
    reads_left: int


@dataclasses.dataclass(frozen=True)
class Page:
    records: list[dict]
    total: int
    more: bool


def intersect_table(env: Environment, relationship: ManyToMany) -> Table:
    """The read-only intersect entity of an N:N relationship (e.g. `queuemembership`)."""
    first, second = env.schema.table(relationship.entity1), env.schema.table(relationship.entity2)
    key = f"{relationship.intersect_entity}id"
    return Table(
        relationship.intersect_entity,
        relationship.intersect_set or "",
        key,
        key,
        relationship.intersect_entity,
        first.object_type_code,
        first.privilege_name,
        columns=(
            Column(first.primary_key, "guid"),
            Column(second.primary_key, "guid"),
            Column("versionnumber", "int"),
        ),
    )


class DataverseApi:
    """One caller's view of one environment; `wants` says which response annotations were asked for."""

    def __init__(
        self,
        env: Environment,
        user_id: str,
        wants: Callable[[str], bool] = lambda name: False,
        publish_delay_reads: int = 0,
        publish_fails: Callable[[], bool] = lambda: False,
    ) -> None:
        self.env = env
        self.user_id = user_id
        self.wants = wants
        self.publish_delay_reads = publish_delay_reads
        self.publish_fails = publish_fails

    # --- who and what -----------------------------------------------------------------------------------
    def _user(self) -> dict:
        return self.env.get("systemuser", self.user_id) or {"systemuserid": self.user_id}

    def _privileges(self) -> PrivilegeSet:
        role_ids = self.env.related_ids(USER_ROLES, "systemuser", self.user_id)
        roles = (self.env.get("role", r) for r in role_ids)
        return PrivilegeSet(r["name"] for r in roles if r)

    def _require(self, operation: str, table: Table) -> None:
        self._privileges().require(prv(operation, table), table, self._user())

    def resolve_set(self, entity_set: str) -> Table | ManyToMany:
        """The table (or N:N relationship, for an intersect set) behind an entity set name."""
        table = self.env.schema.by_set.get(entity_set)
        with self.env.lock:
            if table is not None and self.env.available(table):
                return table
        relationship = self.env.schema.intersects.get(entity_set)
        if relationship is not None:
            return relationship
        raise errors.segment_not_found(entity_set)

    def entity_sets(self) -> list[str]:
        """What the service document lists: the tables installed here, and the readable intersect sets."""
        with self.env.lock:
            sets = [t.entity_set for t in self.env.schema.tables.values() if self.env.available(t)]
        return sets + list(self.env.schema.intersects)

    def who_am_i(self) -> dict:
        with self.env.lock:
            user = self._user()
            return {
                "BusinessUnitId": user.get("businessunitid"),
                "UserId": self.user_id,
                "OrganizationId": self.env.organization_id,
            }

    # --- reading ----------------------------------------------------------------------------------------
    def query(self, table: Table, options: QueryOptions, page_size: int) -> Page:
        with self.env.lock:
            self._require("Read", table)
            self._require_expansions(options)
            rows = {r[table.primary_key]: r for r in self.env.rows(table.logical_name)}
            matched = [
                rows[w[table.primary_key]] for w in apply([table.to_wire(r) for r in rows.values()], options)
            ]
            self._read_bots(table, matched)
            return self._page(table, matched, options, page_size)

    def query_intersect(self, relationship: ManyToMany, options: QueryOptions, page_size: int) -> Page:
        with self.env.lock:
            table = options.table
            first = self.env.schema.table(relationship.entity1)
            self._require("Read", first)
            second_key = self.env.schema.table(relationship.entity2).primary_key
            rows = [
                {
                    table.primary_key: str(uuid.uuid5(uuid.NAMESPACE_OID, f"{relationship.name}:{a}:{b}")),
                    first.primary_key: a,
                    second_key: b,
                    "versionnumber": FIRST_VERSION,
                }
                for a in [r[first.primary_key] for r in self.env.rows(first.logical_name)]
                for b in self.env.related_ids(relationship, first.logical_name, a)
            ]
            return self._page(table, apply(rows, options), options, page_size, intersect=True)

    def retrieve(self, table: Table, record_id: str, options: QueryOptions) -> dict:
        with self.env.lock:
            self._require("Read", table)
            self._require_expansions(options)
            row = self.env.require(table, record_id)
            self._read_bots(table, [row])
            return self._render(table, row, options)

    def related(
        self, table: Table, record_id: str, navigation: str, options: QueryOptions, page_size: int
    ) -> Optional[Page | dict]:
        """A collection-valued navigation (a Page) or a single-valued one (a record, or None)."""
        with self.env.lock:
            self._require("Read", table)
            target = options.table
            self._require("Read", target)
            self._require_expansions(options)
            row = self.env.require(table, record_id)
            lookup = table.lookup_by_nav(navigation)
            if lookup is not None:
                referenced = self.env.get(target.logical_name, row.get(lookup.attribute) or "")
                return self._render(target, referenced, options) if referenced else None
            relationship = self.env.schema.relationships[navigation]
            related = [
                self.env.get(target.logical_name, i)
                for i in self.env.related_ids(relationship, table.logical_name, record_id)
            ]
            rows = {r[target.primary_key]: r for r in related if r}
            matched = apply([target.to_wire(r) for r in rows.values()], options)
            return self._page(target, [rows[w[target.primary_key]] for w in matched], options, page_size)

    def etag_of(self, table: Table, record_id: str) -> Optional[str]:
        with self.env.lock:
            row = self.env.get(table.logical_name, record_id)
            return etag(row) if row else None

    def _require_expansions(self, options: QueryOptions) -> None:
        for expand in options.expand:
            self._require("Read", expand.target)
            self._require_expansions(expand.options)

    def _page(
        self, table: Table, rows: list[dict], options: QueryOptions, page_size: int, intersect: bool = False
    ) -> Page:
        start = (options.page - 1) * page_size
        capped = cap(rows, options)
        chunk = capped[start : start + page_size]
        records = [
            render_row(self.env, table, r, options.select, self.wants)
            if intersect
            else self._render(table, r, options)
            for r in chunk
        ]
        return Page(records, total=len(rows), more=start + page_size < len(capped))

    def _render(self, table: Table, row: dict, options: QueryOptions) -> dict:
        record = render_row(self.env, table, row, options.select, self.wants)
        for expand in options.expand:
            target = expand.target
            if expand.is_collection:
                relationship = self.env.schema.relationships[expand.navigation]
                ids = self.env.related_ids(relationship, table.logical_name, row[table.primary_key])
                related = {i: self.env.get(target.logical_name, i) for i in ids}
                wire = [target.to_wire(r) for r in related.values() if r]
                matched = cap(apply(wire, expand.options), expand.options)
                record[expand.navigation] = [
                    self._render(target, related[w[target.primary_key]], expand.options) for w in matched
                ]
            else:
                lookup = table.lookup_by_nav(expand.navigation)
                referenced = self.env.get(target.logical_name, row.get(lookup.attribute) or "")
                record[expand.navigation] = (
                    self._render(target, referenced, expand.options) if referenced else None
                )
        return record

    # --- writing ----------------------------------------------------------------------------------------
    def create(self, table: Table, body: Any, record_id: Optional[str] = None) -> dict:
        with self.env.lock:
            values = parse_payload(self.env, table, body, creating=True)
            record_id = values.pop(table.primary_key, None) or record_id
            self._require("Create", table)
            rules.before_write(self.env, table, values, None)
            row = self.env.insert(table, values, record_id)
            rules.after_write(self.env, table, row)
            return row

    def update(
        self, table: Table, record_id: str, body: Any, if_match: Optional[str], if_none_match: Optional[str]
    ) -> tuple[dict, bool]:
        """(row, created): PATCH is an upsert unless `If-Match` forbids the create [D: DV-conditional]."""
        with self.env.lock:
            existing = self.env.get(table.logical_name, record_id)
            if existing is None:
                if if_match is not None:
                    raise errors.object_does_not_exist(table.logical_name, record_id)
                return self.create(table, body, record_id), True
            if if_none_match == "*":
                raise errors.duplicate_record()
            self._check_etag(existing, if_match)
            values = parse_payload(self.env, table, body, creating=False)
            self._require("Write", table)
            self._write(table, existing, values)
            return existing, False

    def delete(self, table: Table, record_id: str, if_match: Optional[str]) -> None:
        with self.env.lock:
            rules.before_delete(table)
            self._require("Delete", table)
            row = self.env.require(table, record_id)
            self._check_etag(row, if_match)
            before = dict(row)
            if rules.soft_delete(table, row):
                self.env.touch(row, self.env.now())
                return
            self.env.delete(table, record_id)
            rules.after_write(self.env, table, before)

    def set_reference(self, table: Table, record_id: str, navigation: str, reference: Any) -> None:
        """PUT …/nav/$ref (a reference) or DELETE …/nav/$ref (None) on a single-valued navigation."""
        with self.env.lock:
            lookup = table.lookup_by_nav(navigation)
            target = self.env.schema.table(lookup.target)
            target_id = None
            if reference is not None:
                entity_set, target_id = parse_reference(reference)
                if entity_set != target.entity_set:
                    raise errors.bad_body(
                        f"'{navigation}' refers to '{target.entity_set}', not '{entity_set}'."
                    )
                self.env.require(target, target_id)
            self._require("Write", table)
            self._write(table, self.env.require(table, record_id), {lookup.attribute: target_id})

    def associate(self, table: Table, record_id: str, relationship: ManyToMany, reference: Any) -> None:
        with self.env.lock:
            other, other_id = self._other(table, relationship, reference)
            first, second = self._pair(table, record_id, relationship, other, other_id)
            rules.before_associate(self.env, relationship, first, second)
            self.env.link(relationship, *self._ids(relationship, first, second))

    def disassociate(self, table: Table, record_id: str, relationship: ManyToMany, other_id: str) -> None:
        with self.env.lock:
            other = self.env.schema.table(relationship.other(table.logical_name))
            first, second = self._pair(table, record_id, relationship, other, other_id)
            self.env.unlink(relationship, *self._ids(relationship, first, second))

    def publish(self, bot_id: str) -> str:
        """PvaPublish [C: response body]: publishes at once, or after `publish_delay_reads` reads of the bot
        (module docstring). A publish asked while one is running joins it (the count is not restarted)."""
        with self.env.lock:
            self._require("Write", BOT)
            bot = self.env.require(BOT, bot_id)
            if bot.get("statecode") != 0 or bot.get("statuscode") != 1:
                status = BOT_STATUS.get(bot.get("statuscode"), "unknown")
                raise errors.bot_not_provisioned(bot["schemaname"], status)
            if self.publish_fails():
                self._fail_publish(bot)
            elif self.publish_delay_reads > 0:
                self.env.publishing.setdefault(bot_id, PendingPublish(self.user_id, self.publish_delay_reads))
            else:
                self._finish_publish(bot, self.user_id)
            return str(uuid.uuid4())

    def _fail_publish(self, bot: dict) -> None:
        """A job that finished Failed: `publishedon` stays, the status says why [C: status shape; the
        message is synthetic]."""
        now = self.env.now()
        status = {
            "lastFinishedPublishOperation": {
                "status": "Failed",
                "operationStart": now,
                "operationEnd": now,
                "errorMessage": "Topic 'Escalate' has 1 error: the node 'Transfer' has no target (emulated)",
            }
        }
        self.env.update(BOT, bot, {"synchronizationstatus": json.dumps(status)}, when=now)

    def _finish_publish(self, bot: dict, user_id: str) -> None:
        # Whole-second times: never publish "before" an edit made in the same second (see rules.py), and a
        # republish always reads as newer than the publish before it, as a job lasting seconds would.
        now = max(self.env.now(), bot.get("modifiedon") or "")
        if bot.get("publishedon"):
            now = max(now, iso(parse_iso(bot["publishedon"]) + 1))
        status = {
            "lastFinishedPublishOperation": {
                "status": "Succeeded",
                "operationStart": now,
                "operationEnd": now,
            }
        }
        self.env.update(
            BOT,
            bot,
            {"publishedon": now, "publishedby": user_id, "synchronizationstatus": json.dumps(status)},
            when=now,
        )

    def _read_bots(self, table: Table, rows: list[dict]) -> None:
        """A read of bots moves their running publish jobs on: it still sees the old row while reads are
        left, else the job finishes before the row is rendered."""
        if table.logical_name != BOT.logical_name or not self.env.publishing:
            return
        for row in rows:
            job = self.env.publishing.get(row[BOT.primary_key])
            if job is None:
                continue
            if job.reads_left > 0:
                job.reads_left -= 1
            else:
                del self.env.publishing[row[BOT.primary_key]]
                self._finish_publish(row, job.user_id)

    # --- helpers ----------------------------------------------------------------------------------------
    def _write(self, table: Table, row: dict, values: dict) -> None:
        rules.before_write(self.env, table, values, row)
        before = dict(row)
        self.env.update(table, row, values)
        rules.after_write(self.env, table, row, before)

    @staticmethod
    def _check_etag(row: dict, if_match: Optional[str]) -> None:
        if if_match not in (None, "*") and if_match != etag(row):
            raise errors.concurrency_mismatch()

    def _other(self, table: Table, relationship: ManyToMany, reference: Any) -> tuple[Table, str]:
        other = self.env.schema.table(relationship.other(table.logical_name))
        entity_set, other_id = parse_reference(reference)
        if entity_set != other.entity_set:
            raise errors.bad_body(
                f"'{relationship.name}' relates '{table.entity_set}' to "
                f"'{other.entity_set}', not to '{entity_set}'."
            )
        return other, other_id

    def _pair(
        self, table: Table, record_id: str, relationship: ManyToMany, other: Table, other_id: str
    ) -> tuple[dict, dict]:
        """(entity1 row, entity2 row) after the relationship's privilege check."""
        guarded = PRIVILEGE_TABLE[relationship.privilege]
        self._privileges().require(relationship.privilege, guarded, self._user())
        row, other_row = self.env.require(table, record_id), self.env.require(other, other_id)
        return (row, other_row) if table.logical_name == relationship.entity1 else (other_row, row)

    def _ids(self, relationship: ManyToMany, first: dict, second: dict) -> tuple[str, str]:
        schema = self.env.schema
        return (
            first[schema.table(relationship.entity1).primary_key],
            second[schema.table(relationship.entity2).primary_key],
        )
