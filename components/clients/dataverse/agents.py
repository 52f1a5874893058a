"""Copilot Studio agents (the Dataverse `bot` table) and their publishing, and the installed solutions that
tell whether Omnichannel and its bot extension are present.

Publishing is the bound action `bots(<id>)/Microsoft.Dynamics.CRM.PvaPublish` (listed on the bot table;
parameters and response undocumented, reference §5.7); `publishedon` is read back afterwards. Publishing
twice leaves the agent published, so the POST is marked idempotent and may be retried.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .. import errors
from ..records import CopilotAgent, Solution
from .base import DataverseBase, guid, literal

PUBLISH_ACTION = "Microsoft.Dynamics.CRM.PvaPublish"
_PUBLISH_TIMEOUT = (10.0, 180.0)  # publishing a large agent takes a while


class AgentsMixin(DataverseBase):
    def agent(self, schema_name: str) -> CopilotAgent:
        """The agent with this schema name (status, publishedon, modifiedon)."""
        operation = f"find the Copilot Studio agent {schema_name!r}"
        rows = self._query("bots", operation=operation, columns=CopilotAgent.COLUMNS,
                           filter=f"schemaname eq {literal(schema_name)}")
        if not rows:
            raise errors.from_entry("agent-not-found", operation, f"no agent has the schema name {schema_name!r}")
        return CopilotAgent.from_wire(rows[0])

    def agent_by_id(self, agent_id: str) -> CopilotAgent:
        bid = guid(agent_id, "the agent id")
        return CopilotAgent.from_wire(self._get(f"bots({bid})", operation=f"read the agent {bid}",
                                                columns=CopilotAgent.COLUMNS, not_found="agent-not-found"))

    def publish_agent(self, agent_id: str) -> CopilotAgent:
        """Publish the agent and return it as read back afterwards (with its new publishedon)."""
        bid = guid(agent_id, "the agent id")
        self._session.request("POST", f"bots({bid})/{PUBLISH_ACTION}", operation=f"publish the agent {bid}",
                              json={}, expected=(200, 204), idempotent=True, timeout=_PUBLISH_TIMEOUT,
                              on_status={404: "agent-not-found"})
        return self.agent_by_id(bid)

    def solutions(self, unique_names: Iterable[str], *,
                  containing: Iterable[str] = ()) -> Mapping[str, Solution]:
        """The installed solutions among `unique_names` (keyed as asked; absent ones are missing) and those
        whose unique name contains one of `containing` (keyed by their own unique name), in one request.
        Dataverse compares both case-insensitively."""
        names, parts = sorted(set(unique_names)), sorted(set(containing))
        if not names and not parts:
            return {}
        clauses = [f"uniquename eq {literal(n)}" for n in names] + \
                  [f"contains(uniquename,{literal(p)})" for p in parts]
        rows = self._query("solutions", operation="list the installed solutions", columns=Solution.COLUMNS,
                           filter=" or ".join(clauses))
        found = {s.unique_name.lower(): s for s in map(Solution.from_wire, rows)}
        matched = {s.unique_name: s for s in found.values()
                   if any(p.lower() in s.unique_name.lower() for p in parts)}
        return {**matched, **{n: found[n.lower()] for n in names if n.lower() in found}}
