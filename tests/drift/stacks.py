"""The project's resources as they appear in engine events, and the scenarios the drift tests share.

Types and names follow docs/architecture.md (components `handoff:*`, children `<component>-<role>`, dynamic
resources `pulumi-python:dynamic/...` with `environmentUrl` and `botAppId`, the bot tagged
`handoff-geography`). Dynamic resources carry the pickled provider as a secret `__provider`.
"""

from __future__ import annotations

import threading
from typing import Callable, Mapping, Optional, Union

from drift.engine import as_engine_failure
from tests.drift import engine_shapes as shapes

APP = "azuread:index/application:Application"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
BOT = "azure-native:botservice:Bot"
CHANNEL = "azure-native:botservice:Channel"
BINDING = "handoff:omnichannel:OmnichannelBinding"
TEAMS = "handoff:teams:TeamsChannel"
IDENTITY = "handoff:identity:BotIdentity"
QUEUE = "pulumi-python:dynamic/omnichannel:QueueMembership"
WORKSTREAM = "pulumi-python:dynamic/omnichannel:WorkstreamBot"
CONTEXT = "pulumi-python:dynamic/omnichannel:ContextVariables"
DATAVERSE = {"dev": "https://contoso-dev.crm.dynamics.com", "prod": "https://contoso.crm4.dynamics.com"}
APP_ID = {"dev": "44444444-4444-4444-8444-444444444444", "prod": "77777777-7777-4777-8777-777777777777"}


def _dynamic(stack: str, role: str, type_: str, extra: dict, provider_blob: Optional[dict] = None) -> dict:
    binding = shapes.urn(stack, BINDING, "handoff")
    inputs = {
        "environmentUrl": DATAVERSE[stack],
        "botAppId": APP_ID[stack],
        **extra,
        "__provider": provider_blob or shapes.blinded_secret(),
    }
    return shapes.state(
        shapes.urn(stack, f"{BINDING}${type_}", f"handoff-{role}"),
        type_,
        inputs,
        parent=binding,
        protect=True,
    )


def resources(stack: str) -> dict[str, dict]:
    """The recorded state of one stack's main resources, keyed by role."""
    identity = shapes.urn(stack, IDENTITY, "handoff")
    teams = shapes.urn(stack, TEAMS, "handoff")
    return {
        "app": shapes.state(
            shapes.urn(stack, f"{IDENTITY}${APP}", "handoff-app"),
            APP,
            {"displayName": "Contoso Helper", "signInAudience": "AzureADMyOrg"},
            parent=identity,
        ),
        "secret": shapes.state(
            shapes.urn(stack, f"{IDENTITY}${PASSWORD}", "handoff-secret"),
            PASSWORD,
            {"displayName": "ci", "value": shapes.blinded_secret()},
            parent=identity,
        ),
        "bot": shapes.state(
            shapes.urn(stack, f"{TEAMS}${BOT}", "handoff-bot"),
            BOT,
            {
                "location": "global",
                "properties": {
                    "msaAppType": "SingleTenant",
                    "endpoint": "https://bot.contoso.com/api/messages",
                },
                "tags": {"handoff-geography": "unitedstates"},
            },
            parent=teams,
        ),
        "teams": shapes.state(
            shapes.urn(stack, f"{TEAMS}${CHANNEL}", "handoff-teams"),
            CHANNEL,
            {
                "channelName": "MsTeamsChannel",
                "properties": {"channelName": "MsTeamsChannel", "properties": {"isEnabled": True}},
            },
            parent=teams,
        ),
        "queue": _dynamic(stack, "queue", QUEUE, {"queue": "Bot escalations", "capacity": 100}),
        "workstream": _dynamic(stack, "workstream", WORKSTREAM, {"workstream": "Contoso chat"}),
        "context": _dynamic(stack, "context", CONTEXT, {"variables": ["customerTier:text"]}),
    }


def clean_stack(stack: str) -> list[dict]:
    return shapes.refresh_events(
        [shapes.refreshed(r["urn"], r["type"], r, new=r) for r in resources(stack).values()]
    )


def drifted_stack(stack: str) -> list[dict]:
    """Someone disabled the Teams channel in the portal, removed the bot from its queue (the membership is
    gone), added a context variable and rotated the client secret. The native providers return detailed
    diffs (the shape of TestRefreshBasics); the dynamic context variables do not (detailedDiff null, the
    shape of TestRefreshPreservesInputsWhenReadReturnsNoInputs): only old vs new state says what changed."""
    r = resources(stack)
    teams_live = _with(
        r["teams"], properties={"channelName": "MsTeamsChannel", "properties": {"isEnabled": False}}
    )
    context_live = _with(r["context"], variables=["customerTier:text", "orderId:number"])
    secret_live = _with(r["secret"], value=shapes.plaintext_secret("n3w-s3cr3t-v4lue"))
    return shapes.refresh_events(
        [
            shapes.refreshed(r["app"]["urn"], APP, r["app"], new=r["app"]),
            shapes.refreshed(r["bot"]["urn"], BOT, r["bot"], new=r["bot"]),
            shapes.refreshed(
                r["teams"]["urn"],
                CHANNEL,
                r["teams"],
                new=teams_live,
                detailed={"properties.properties.isEnabled": ("update", True)},
            ),
            shapes.refreshed(r["queue"]["urn"], QUEUE, r["queue"], new=None),
            shapes.refreshed(r["workstream"]["urn"], WORKSTREAM, r["workstream"], new=r["workstream"]),
            shapes.refreshed(r["context"]["urn"], CONTEXT, r["context"], new=context_live),
            shapes.refreshed(
                r["secret"]["urn"],
                PASSWORD,
                r["secret"],
                new=secret_live,
                detailed={"value": ("update", True)},
            ),
        ]
    )


def _with(resource: dict, **changes) -> dict:
    inputs = {**resource["inputs"], **changes}
    return {**resource, "inputs": inputs, "outputs": dict(inputs)}


Outcome = Union[list, BaseException]


class FakeEngine:
    """Replays prepared event-log events per stack (or raises the prepared error), and records how many
    stacks ran at once. With `expected_peak`, each call waits (bounded) until that many run together once,
    so a pool wider than its bound is seen rather than hidden by timing."""

    def __init__(
        self,
        refresh: Mapping[str, Outcome],
        pending: Optional[Mapping[str, Outcome]] = None,
        expected_peak: int = 0,
        stacks: Optional[list[str]] = None,
    ) -> None:
        self._refresh = refresh
        self._pending = pending or {}
        self._expected_peak = expected_peak
        self._stacks = stacks if stacks is not None else list(refresh)
        self._condition = threading.Condition()
        self._active = 0
        self._peak_reached = False
        self.max_active = 0
        self.calls: list[tuple[str, str]] = []

    def list_stacks(self) -> list[str]:
        return list(self._stacks)

    def refresh_preview(self, stack_name: str, on_event: Callable) -> None:
        self._replay("refresh_preview", self._refresh, stack_name, on_event)

    def pending_preview(self, stack_name: str, on_event: Callable) -> None:
        self._replay("pending_preview", self._pending, stack_name, on_event)

    def _replay(self, command: str, outcomes: Mapping[str, Outcome], stack_name: str, on_event) -> None:
        with self._condition:
            self.calls.append((command, stack_name))
            self._active += 1
            self.max_active = max(self.max_active, self._active)
            if self._expected_peak and self._active >= self._expected_peak:
                self._peak_reached = True
                self._condition.notify_all()
            if self._expected_peak:
                self._condition.wait_for(lambda: self._peak_reached, timeout=2.0)
        try:
            outcome = outcomes[stack_name]
            if isinstance(outcome, BaseException):
                raise as_engine_failure(outcome)
            for event in outcome:
                on_event(event)
        finally:
            with self._condition:
                self._active -= 1


def not_found(stack: str) -> BaseException:
    return shapes.command_error(255, f"error: no stack named '{stack}' found\n")


def auth_failure() -> BaseException:
    return shapes.command_error(
        3, "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n"
    )
