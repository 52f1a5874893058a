"""Omnichannel routing: queues and their members (N:N queuemembership_association), workstreams and their
bot user (the msdyn_bot_user lookup), and the workstream's context variables.

Entity sets and columns: Dynamics 365 CE references for queue, msdyn_liveworkstream and
msdyn_ocliveworkstreamcontextvariable (reference §5.3, §5.4, §5.9).
"""

from __future__ import annotations

from typing import Optional

from ..records import ContextVariable, ContextVariableType, Queue, QueueWithMembers, Workstream
from .base import DataverseBase, guid

_MEMBER_COLUMNS = QueueWithMembers.MEMBER_COLUMNS
# One request reads a queue with its members and their capacities (an N:N $expand), and a workstream with its
# bot user's name (a lookup $expand): what a binding's create and refresh need, without a second round trip.
_WITH_MEMBERS = {"$expand": f"{QueueWithMembers.MEMBERS}($select={','.join(_MEMBER_COLUMNS)})"}
_WITH_BOT_USER = {"$expand": f"{Workstream.BOT_USER}($select=systemuserid,fullname)"}


class RoutingMixin(DataverseBase):
    # --- queues ---------------------------------------------------------------------------------------
    def queue(self, name_or_id: str) -> Queue:
        """The queue with this GUID or name (with its Omnichannel type)."""
        return self._one_by_name_or_id(
            "queues",
            "queueid",
            "name",
            name_or_id,
            columns=Queue.COLUMNS,
            what="queue",
            not_found="queue-not-found",
            parse=Queue.from_wire,
        )

    def queue_with_members(self, name_or_id: str) -> QueueWithMembers:
        """The queue with this GUID or name and its members with their capacities, in one request."""
        return self._one_by_name_or_id(
            "queues",
            "queueid",
            "name",
            name_or_id,
            columns=Queue.COLUMNS,
            what="queue",
            not_found="queue-not-found",
            parse=QueueWithMembers.from_wire,
            extra=_WITH_MEMBERS,
        )

    def omnichannel_queues(self) -> tuple[QueueWithMembers, ...]:
        """Every Omnichannel queue of the environment with its members and their capacities, in one
        request (read-only: what the survey lists)."""
        rows = self._query(
            "queues",
            operation="list the Omnichannel queues",
            columns=Queue.COLUMNS,
            filter="msdyn_isomnichannelqueue eq true",
            extra=_WITH_MEMBERS,
        )
        return tuple(QueueWithMembers.from_wire(row) for row in rows)

    def add_queue_member(self, queue_id: str, user_id: str) -> bool:
        """Make the user a member of the queue; False when it already was."""
        qid, uid = guid(queue_id, "the queue id"), guid(user_id, "the user id")
        return self._associate(
            f"queues({qid})/queuemembership_association",
            self.record_uri("systemusers", uid),
            operation=f"add user {uid} to queue {qid}",
        )

    def remove_queue_member(self, queue_id: str, user_id: str) -> None:
        """Remove the user from the queue (done also when it was not a member)."""
        qid, uid = guid(queue_id, "the queue id"), guid(user_id, "the user id")
        self._disassociate(
            f"queues({qid})/queuemembership_association({uid})",
            operation=f"remove user {uid} from queue {qid}",
        )

    # --- workstreams ----------------------------------------------------------------------------------
    def workstream(self, name_or_id: str) -> Workstream:
        """The workstream with this GUID or name (distribution mode, bot user and its name)."""
        return self._one_by_name_or_id(
            "msdyn_liveworkstreams",
            "msdyn_liveworkstreamid",
            "msdyn_name",
            name_or_id,
            columns=Workstream.COLUMNS,
            what="workstream",
            not_found="workstream-not-found",
            parse=Workstream.from_wire,
            extra=_WITH_BOT_USER,
        )

    def workstreams(self) -> tuple[Workstream, ...]:
        """Every workstream of the environment with its bot user's name, in one request (read-only)."""
        rows = self._query(
            "msdyn_liveworkstreams",
            operation="list the workstreams",
            columns=Workstream.COLUMNS,
            extra=_WITH_BOT_USER,
        )
        return tuple(Workstream.from_wire(row) for row in rows)

    def set_workstream_bot(self, workstream_id: str, user_id: str) -> Workstream:
        """Point the workstream's bot user at `user_id`; the workstream as it is afterwards."""
        wid = guid(workstream_id, "the workstream id")
        path = f"msdyn_liveworkstreams({wid})"
        uid = guid(user_id, "the user id")
        return Workstream.from_wire(
            self._update(
                path,
                {"msdyn_bot_user@odata.bind": f"/systemusers({uid})"},
                columns=Workstream.COLUMNS,
                operation=f"set the bot of workstream {wid} to user {uid}",
                not_found="workstream-not-found",
            )
        )

    def clear_workstream_bot(self, workstream_id: str) -> None:
        """Remove the workstream's bot user (the single-valued navigation property's $ref). Callers that
        need the workstream afterwards read it: releasing one does not, so no read is spent."""
        wid = guid(workstream_id, "the workstream id")
        self._delete(
            f"msdyn_liveworkstreams({wid})/msdyn_bot_user/$ref",
            operation=f"clear the bot of workstream {wid}",
        )

    # --- context variables ----------------------------------------------------------------------------
    def context_variables(self, workstream_id: str) -> tuple[ContextVariable, ...]:
        wid = guid(workstream_id, "the workstream id")
        rows = self._query(
            "msdyn_ocliveworkstreamcontextvariables",
            operation=f"list the context variables of workstream {wid}",
            columns=ContextVariable.COLUMNS,
            filter=f"_msdyn_liveworkstreamid_value eq {wid}",
        )
        return tuple(ContextVariable.from_wire(r) for r in rows)

    def create_context_variable(
        self,
        workstream_id: str,
        name: str,
        data_type: ContextVariableType,
        display_name: Optional[str] = None,
    ) -> ContextVariable:
        """Declare a context variable on the workstream. AmbiguousWriteError: re-read by name."""
        wid = guid(workstream_id, "the workstream id")
        if not name.strip():
            raise ValueError("a context variable needs a name")
        body = {
            "msdyn_name": name,
            "msdyn_displayname": display_name or name,
            "msdyn_datatype": int(data_type),
            "msdyn_liveworkstreamid@odata.bind": f"/msdyn_liveworkstreams({wid})",
        }
        return ContextVariable.from_wire(
            self._create(
                "msdyn_ocliveworkstreamcontextvariables",
                body,
                columns=ContextVariable.COLUMNS,
                operation=f"create context variable {name!r} on workstream {wid}",
            )
        )

    def update_context_variable(
        self,
        variable_id: str,
        *,
        data_type: Optional[ContextVariableType] = None,
        display_name: Optional[str] = None,
    ) -> ContextVariable:
        vid = guid(variable_id, "the context variable id")
        body: dict = {}
        if data_type is not None:
            body["msdyn_datatype"] = int(data_type)
        if display_name is not None:
            body["msdyn_displayname"] = display_name
        return ContextVariable.from_wire(
            self._update(
                f"msdyn_ocliveworkstreamcontextvariables({vid})",
                body,
                columns=ContextVariable.COLUMNS,
                operation=f"update context variable {vid}",
                not_found="dataverse-record-not-found",
            )
        )

    def delete_context_variable(self, variable_id: str) -> bool:
        """Delete it; False when it was already gone."""
        vid = guid(variable_id, "the context variable id")
        return self._delete(
            f"msdyn_ocliveworkstreamcontextvariables({vid})", operation=f"delete context variable {vid}"
        )
