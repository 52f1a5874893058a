"""What the live acceptance suite runs against, from `HANDOFF_LIVE_*` variables (docs/live.md, "The live
acceptance suite"); `LiveSettings.from_environ` returns the settings, or the reason the suite is skipped.

    HANDOFF_LIVE_TESTS=1            the switch: nothing runs without it
    HANDOFF_LIVE_STACK=NAME         a stack file Pulumi.<NAME>.yaml of a test environment (never production)
    HANDOFF_LIVE_QUEUE=NAME         a queue made for the suite (it adds and removes the bot's membership)
    HANDOFF_LIVE_WORKSTREAM=NAME    a push workstream made for the suite (it sets and clears its bot)
    HANDOFF_LIVE_BOT_APP_ID=GUID    an Azure bot stack only: the App ID of its existing app registration
    HANDOFF_LIVE_PUBLISH=1          an agent stack only: also publish the agent (default: not)
    HANDOFF_LIVE_EMULATOR=URL       optional: the offline emulator instead of Microsoft (with
    HANDOFF_LIVE_CA=FILE            its CA), so the scenarios are proved offline too

The deployer signs in with the ordinary ARM_*/AZURE_* variables, as the providers do. The suite's context
variables are its own (`handoffLive<random>`); the queue and workstream are the ones named above.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from typing import Mapping, Optional, Union

from components import validation

CREDENTIAL_VARIABLES = ("ARM_CLIENT_ID", "AZURE_CLIENT_ID")


@dataclasses.dataclass(frozen=True)
class LiveSettings:
    stack: str
    queue: str
    workstream: str
    bot_app_id: str  # "" for an agent stack
    publish: bool
    emulator_url: str  # "" for Microsoft
    ca_path: str
    suffix: str  # what makes the suite's own records its own

    @property
    def context_variables(self) -> tuple[str, ...]:
        return (f"handoffLive{self.suffix}Tier:text", f"handoffLive{self.suffix}Order:number")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Union["LiveSettings", str]:
        """The settings, or why the suite is skipped (naming the variable to set)."""

        def value(name: str) -> str:
            return (environ.get(name) or "").strip()

        if value("HANDOFF_LIVE_TESTS") != "1":
            return (
                "live tests are off: set HANDOFF_LIVE_TESTS=1 and the HANDOFF_LIVE_* variables (docs/live.md)"
            )
        missing = [
            n for n in ("HANDOFF_LIVE_STACK", "HANDOFF_LIVE_QUEUE", "HANDOFF_LIVE_WORKSTREAM") if not value(n)
        ]
        if missing:
            return f"set {', '.join(missing)} (docs/live.md, The live acceptance suite)"
        if not any(value(n) for n in CREDENTIAL_VARIABLES):
            return "no deployer credentials: set ARM_CLIENT_ID and its secret, certificate or OIDC variables"
        bot_app_id = value("HANDOFF_LIVE_BOT_APP_ID")
        if bot_app_id and not validation.is_guid(bot_app_id):
            return f"HANDOFF_LIVE_BOT_APP_ID must be a GUID, not {bot_app_id!r}"
        if bool(value("HANDOFF_LIVE_EMULATOR")) != bool(value("HANDOFF_LIVE_CA")):
            return "HANDOFF_LIVE_EMULATOR and HANDOFF_LIVE_CA go together"
        return cls(
            stack=value("HANDOFF_LIVE_STACK"),
            queue=value("HANDOFF_LIVE_QUEUE"),
            workstream=value("HANDOFF_LIVE_WORKSTREAM"),
            bot_app_id=bot_app_id.lower(),
            publish=value("HANDOFF_LIVE_PUBLISH") == "1",
            emulator_url=value("HANDOFF_LIVE_EMULATOR").rstrip("/"),
            ca_path=value("HANDOFF_LIVE_CA"),
            suffix=secrets.token_hex(3),
        )


def skip_reason(environ: Mapping[str, str] = os.environ) -> Optional[str]:
    found = LiveSettings.from_environ(environ)
    return found if isinstance(found, str) else None
