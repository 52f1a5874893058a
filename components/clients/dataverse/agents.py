"""Copilot Studio agents (the Dataverse `bot` table) and their publishing, and the installed solutions that
tell whether Omnichannel and its bot extension are present.

Publishing is the bound action `bots(<id>)/Microsoft.Dynamics.CRM.PvaPublish` (listed on the bot table;
parameters and response undocumented, reference §5.7). Publishing twice leaves the agent published, so the
POST is marked idempotent and may be retried. The POST only starts a job [C]: the agent is read back until its
`publishedon` is newer than before and it has no unpublished changes. The first read follows the POST (a
quick job costs nothing more than one read), the second follows it at once, then after 1, 2, 4 … s (at most
16 s) with the session's sleeper, within `timeout_seconds` in all (default 120 s, the stack key
`handoff:publishTimeoutSeconds`); a job still running then is `agent-publish-pending`. Every wait is reported
to the session's progress reporter (what is awaited, for how long, how long so far). Each read also carries
the job's status (`synchronizationstatus`, JSON with `lastFinishedPublishOperation` [C]): a job that finished
`Failed` since the publish was asked stops the wait at once with `agent-publish-failed` and the job's
diagnostics (`errorMessage` / `diagnosticDetails`).
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from .. import errors
from ..deadline import Deadline
from ..records import CopilotAgent, Solution
from .base import DataverseBase, guid, literal

PUBLISH_ACTION = "Microsoft.Dynamics.CRM.PvaPublish"
_PUBLISH_TIMEOUT = (10.0, 180.0)  # publishing a large agent takes a while
_PUBLISH_DEADLINE = Deadline(
    attempt=180.0, total=240.0
)  # so its one request gets as long as its read timeout
PUBLISH_WAIT_SECONDS = 120.0  # the default of handoff:publishTimeoutSeconds (components/config_keys.py)
_PUBLISH_WAIT_MAX = 16.0


def publish_waits(budget: float = PUBLISH_WAIT_SECONDS) -> tuple[float, ...]:
    """The waits before each re-read of a publishing agent: 0, 1, 2, 4 … 16, summing to at most `budget`
    (a finite schedule: the poll is bounded in count as well as in time)."""
    waits, total, wait = [0.0], 0.0, 1.0
    while total + wait <= budget:
        waits.append(wait)
        total += wait
        wait = min(wait * 2, _PUBLISH_WAIT_MAX)
    return tuple(waits)


def _published_since(agent: CopilotAgent, previous: CopilotAgent) -> bool:
    """The publish job finished: a publish newer than the one before the POST, covering every edit."""
    newer = previous.published_on is None or (
        agent.published_on is not None and agent.published_on > previous.published_on
    )
    return agent.is_published and newer and not agent.has_unpublished_changes


class AgentsMixin(DataverseBase):
    def agent(self, schema_name: str) -> CopilotAgent:
        """The agent with this schema name (status, publishedon, modifiedon)."""
        operation = f"find the Copilot Studio agent {schema_name!r}"
        rows = self._query(
            "bots",
            operation=operation,
            columns=CopilotAgent.COLUMNS,
            filter=f"schemaname eq {literal(schema_name)}",
        )
        if not rows:
            raise errors.from_entry(
                "agent-not-found", operation, f"no agent has the schema name {schema_name!r}"
            )
        return CopilotAgent.from_wire(rows[0])

    def agents(self) -> tuple[CopilotAgent, ...]:
        """Every Copilot Studio agent of the environment (the `bot` table), in one request (read-only)."""
        rows = self._query("bots", operation="list the Copilot Studio agents", columns=CopilotAgent.COLUMNS)
        return tuple(CopilotAgent.from_wire(row) for row in rows)

    def agent_by_id(self, agent_id: str) -> CopilotAgent:
        bid = guid(agent_id, "the agent id")
        return CopilotAgent.from_wire(
            self._get(
                f"bots({bid})",
                operation=f"read the agent {bid}",
                columns=CopilotAgent.COLUMNS,
                not_found="agent-not-found",
            )
        )

    def publish_agent(
        self,
        agent_id: str,
        *,
        previous: Optional[CopilotAgent] = None,
        timeout_seconds: float = PUBLISH_WAIT_SECONDS,
    ) -> CopilotAgent:
        """Publish the agent and return it once published (module docstring).

        previous: the agent as read just before (the caller usually has it); without it, it is read first,
        one more request. timeout_seconds: how long to wait for the publish job
        (handoff:publishTimeoutSeconds)."""
        bid = guid(agent_id, "the agent id")
        if previous is None:
            previous = self.agent_by_id(bid)
        elif previous.id != bid:
            raise ValueError(f"previous is the agent {previous.id}, not {bid}")
        operation = f"publish the agent {bid}"
        self._session.request(
            "POST",
            f"bots({bid})/{PUBLISH_ACTION}",
            operation=operation,
            json={},
            expected=(200, 204),
            idempotent=True,
            timeout=_PUBLISH_TIMEOUT,
            deadline=_PUBLISH_DEADLINE,
            on_status={404: "agent-not-found"},
        )
        started, waited, waits = self._session.clock(), 0.0, iter(publish_waits(timeout_seconds))
        agent = self.agent_by_id(bid)
        while not _published_since(agent, previous):
            _require_not_failed(agent, previous, operation)
            wait = next(waits, None)
            # Time spent is the clock's, or the waits' when an injected sleeper does not move the clock.
            if wait is None or max(waited, self._session.clock() - started) + wait > timeout_seconds:
                raise errors.from_entry(
                    "agent-publish-pending",
                    operation,
                    f"publishedon is {_when(agent)} (before the publish: {_when(previous)}) and modifiedon "
                    f"{_when(agent, modified=True)} after {waited:g} s of waiting",
                )
            if wait:
                self._session.progress(
                    f"{operation}: waiting {wait:g} s for Copilot Studio's publish job (waited {waited:g} s "
                    f"of at most {timeout_seconds:g} s, handoff:publishTimeoutSeconds)"
                )
                self._session.sleeper(wait)
            waited += wait
            agent = self.agent_by_id(bid)
        return agent

    def solutions(
        self, unique_names: Iterable[str], *, containing: Iterable[str] = ()
    ) -> Mapping[str, Solution]:
        """The installed solutions among `unique_names` (keyed as asked; absent ones are missing) and those
        whose unique name contains one of `containing` (keyed by their own unique name), in one request.
        Dataverse compares both case-insensitively."""
        names, parts = sorted(set(unique_names)), sorted(set(containing))
        if not names and not parts:
            return {}
        clauses = [f"uniquename eq {literal(n)}" for n in names] + [
            f"contains(uniquename,{literal(p)})" for p in parts
        ]
        rows = self._query(
            "solutions",
            operation="list the installed solutions",
            columns=Solution.COLUMNS,
            filter=" or ".join(clauses),
        )
        found = {s.unique_name.lower(): s for s in map(Solution.from_wire, rows)}
        matched = {
            s.unique_name: s for s in found.values() if any(p.lower() in s.unique_name.lower() for p in parts)
        }
        return {**matched, **{n: found[n.lower()] for n in names if n.lower() in found}}


def _when(agent: CopilotAgent, *, modified: bool = False) -> str:
    moment = agent.modified_on if modified else agent.published_on
    return moment.isoformat() if moment else "empty"


def _require_not_failed(agent: CopilotAgent, previous: CopilotAgent, operation: str) -> None:
    """The publish job finished Failed since `previous` was read: its diagnostics, as a catalogue error."""
    job, before = agent.last_publish, previous.last_publish
    if job is None or not job.failed or (before is not None and before.ended == job.ended):
        return
    raise errors.from_entry(
        "agent-publish-failed",
        operation,
        f"the publish job ended {job.ended or '(no time)'} with status {job.status}: "
        f"{job.diagnostics or 'the service gave no diagnostics'}",
    )
