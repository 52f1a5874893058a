"""Azure Resource Manager over HTTP, limited to Microsoft.BotService bots and their channels.

    {BOTS} = /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.BotService/botServices
    GET {BOTS} · PUT|GET|PATCH|DELETE {BOTS}/{name} · GET {BOTS}/{name}/channels
    PUT|GET|PATCH|DELETE {BOTS}/{name}/channels/{channelName}           (all with ?api-version=)

Every request goes through ARM's front door in this order: token (401), route, api-version (400),
subscription (404), token tenant (401), role assignment on the scope (403), provider registration (409),
resource group (404); then the Bot Service rules (emulator/arm/bots.py, channels.py). Path keywords
compare case-insensitively, as ARM's do.
"""

from __future__ import annotations

import datetime
import json
from typing import Optional

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from ..core.faults import Fault
from ..core.service import EmulatorContext, Service
from ..core.tokens import Claims, TokenError, bearer_token
from . import bots, channels
from .errors import (
    ALLOWED_AUDIENCES,
    SUPPORTED_API_VERSIONS,
    ArmError,
    arm_response,
    authorization_failed,
    error_body,
    expired_token,
    group_not_found,
    invalid_json,
    invalid_token,
    missing_api_version,
    missing_token,
    not_registered,
    resource_not_found,
    subscription_not_found,
    unsupported_api_version,
    wrong_audience,
    wrong_tenant,
)
from .seed import load_arm
from .state import PROVIDER, ArmState, Bot, ResourceGroup, Subscription

ARM_AUDIENCE = "https://management.azure.com"
BOTS = "/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.BotService/botServices"
# Keyword segments by position in /subscriptions/s/resourceGroups/g/providers/ns/botServices/n/channels/c
_KEYWORDS = {
    1: "subscriptions",
    3: "resourceGroups",
    5: "providers",
    6: "Microsoft.BotService",
    7: "botServices",
    9: "channels",
}
# endpoint -> (permission, the action ARM names in AuthorizationFailed)
_ACTIONS = {
    "list_bots": ("read", "Microsoft.BotService/botServices/read"),
    "get_bot": ("read", "Microsoft.BotService/botServices/read"),
    "put_bot": ("write", "Microsoft.BotService/botServices/write"),
    "patch_bot": ("write", "Microsoft.BotService/botServices/write"),
    "delete_bot": ("delete", "Microsoft.BotService/botServices/delete"),
    "list_channels": ("read", "Microsoft.BotService/botServices/channels/read"),
    "get_channel": ("read", "Microsoft.BotService/botServices/channels/read"),
    "put_channel": ("write", "Microsoft.BotService/botServices/channels/write"),
    "patch_channel": ("write", "Microsoft.BotService/botServices/channels/write"),
    "delete_channel": ("delete", "Microsoft.BotService/botServices/channels/delete"),
}
_FAULTS = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}


def canonical_path(path: str) -> str:
    segments = path.split("/")
    for position, keyword in _KEYWORDS.items():
        if position < len(segments) and segments[position].lower() == keyword.lower():
            segments[position] = keyword
    return "/".join(segments)


def _arm_time(timestamp: float) -> str:
    """`3/19/2023 8:55:46 AM`, the form of ARM's token-expiry message."""
    value = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)
    return f"{value.month}/{value.day}/{value.year} {value.strftime('%I').lstrip('0')}:{value:%M:%S %p}"


class ArmService(Service):
    name = "arm"
    prefix = r"(?i)^/subscriptions/"

    def __init__(self, ctx: EmulatorContext) -> None:
        self.state = ArmState()
        super().__init__(ctx)

    def rules(self) -> list[Rule]:
        channel = f"{BOTS}/<name>/channels/<channel>"
        return [
            Rule(BOTS, endpoint="list_bots", methods=["GET"]),
            Rule(f"{BOTS}/<name>", endpoint="get_bot", methods=["GET"]),
            Rule(f"{BOTS}/<name>", endpoint="put_bot", methods=["PUT"]),
            Rule(f"{BOTS}/<name>", endpoint="patch_bot", methods=["PATCH"]),
            Rule(f"{BOTS}/<name>", endpoint="delete_bot", methods=["DELETE"]),
            Rule(f"{BOTS}/<name>/channels", endpoint="list_channels", methods=["GET"]),
            Rule(channel, endpoint="get_channel", methods=["GET"]),
            Rule(channel, endpoint="put_channel", methods=["PUT"]),
            Rule(channel, endpoint="patch_channel", methods=["PATCH"]),
            Rule(channel, endpoint="delete_channel", methods=["DELETE"]),
        ]

    def audiences(self) -> set[str]:
        return {ARM_AUDIENCE}

    def reset(self) -> None:
        self.state.clear()

    def seed(self, fixture: dict) -> None:
        if "arm" in fixture:
            load_arm(self.state, fixture["arm"])

    def dump(self) -> dict:
        return self.state.dump()

    # --- the front door ----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            claims = self._authenticate(request)
            adapter = self.url_map.bind_to_environ(request.environ)
            try:
                endpoint, values = adapter.match(
                    path_info=canonical_path(request.path), method=request.method
                )
            except NotFound:
                raise ArmError(
                    404,
                    "NotFound",
                    f"No HTTP resource was found that matches the request URI '{request.path}'.",
                ) from None
            except MethodNotAllowed:
                raise ArmError(
                    405,
                    "MethodNotAllowed",
                    f"The requested resource does not support http method '{request.method}'.",
                ) from None
            self._check_api_version(request)
            subscription, group = self._check_scope(claims, request.path, endpoint, values)
            names = {k: v for k, v in values.items() if k not in ("subscription", "group")}
            return getattr(self, endpoint)(request, subscription, group, **names)
        except ArmError as exc:
            return arm_response(exc.status, error_body(exc.code, exc.message, exc.details), exc.headers)

    def _authenticate(self, request: Request) -> Claims:
        token = bearer_token(request.headers.get("Authorization"))
        try:
            claims = self.ctx.tokens.verify(token)
        except TokenError as exc:
            if exc.reason == TokenError.MISSING:
                raise missing_token() from None
            if exc.reason == TokenError.EXPIRED:
                expired_at = float(self.ctx.tokens.peek(token).get("exp", 0))
                raise expired_token(_arm_time(expired_at), _arm_time(self.ctx.clock.now())) from None
            raise invalid_token() from None
        self.set_caller(request, claims.app_id)
        if claims.audience not in ALLOWED_AUDIENCES:
            raise wrong_audience(claims.audience)
        return claims

    @staticmethod
    def _check_api_version(request: Request) -> None:
        version = request.args.get("api-version")
        if not version:
            raise missing_api_version()
        if version not in SUPPORTED_API_VERSIONS:
            raise unsupported_api_version(version, "botServices")

    def _check_scope(
        self, claims: Claims, path: str, endpoint: str, values: dict
    ) -> tuple[Subscription, ResourceGroup]:
        subscription = self.state.subscription(values["subscription"])
        if subscription is None:
            raise subscription_not_found(values["subscription"])
        if claims.tenant_id.lower() != subscription.tenant_id:
            raise wrong_tenant(claims.raw.get("iss", ""), subscription.tenant_id)
        permission, action = _ACTIONS[endpoint]
        if not self.state.allowed(permission, path, claims.app_id, claims.object_id):
            raise authorization_failed(claims.app_id, claims.object_id, action, path)
        if not subscription.registered(PROVIDER):
            raise not_registered(PROVIDER)
        group = subscription.group(values["group"])
        if group is None:
            raise group_not_found(values["group"])
        return subscription, group

    def error(self, status: int, code: str, message: str, *, retry_after: Optional[int] = None) -> Response:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return arm_response(status, error_body(code, message), headers)

    def fault_response(self, fault: Fault) -> Response:
        retry_after = (
            fault.retry_after
            if fault.retry_after is not None
            else (self.ctx.config.retry_after if fault.status in (429, 503) else None)
        )
        return self.error(
            fault.status,
            fault.code or _FAULTS.get(fault.status, "InternalServerError"),
            f"Injected fault: HTTP {fault.status}.",
            retry_after=retry_after,
        )

    # --- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _body(request: Request):
        try:
            return json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise invalid_json() from None

    def _bot(self, subscription: Subscription, group: ResourceGroup, name: str) -> Bot:
        bot = self.state.bot(subscription.id, group.name, name)
        if bot is None:
            raise resource_not_found(f"Microsoft.BotService/botServices/{name}", group.name)
        return bot

    # --- bots --------------------------------------------------------------------------------------
    def list_bots(self, request: Request, subscription: Subscription, group: ResourceGroup) -> Response:
        found = self.state.bots_in(subscription.id, group.name)
        return arm_response(200, {"value": [bots.bot_json(b) for b in found]})

    def get_bot(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str
    ) -> Response:
        return arm_response(200, bots.bot_json(self._bot(subscription, group, name)))

    def put_bot(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str
    ) -> Response:
        bot, created = bots.put_bot(self.state, subscription.id, group.name, name, self._body(request))
        return arm_response(201 if created else 200, bots.bot_json(bot))

    def patch_bot(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str
    ) -> Response:
        bot = bots.patch_bot(self.state, self._bot(subscription, group, name), self._body(request))
        return arm_response(200, bots.bot_json(bot))

    def delete_bot(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str
    ) -> Response:
        existed = bots.delete_bot(self.state, self.state.bot(subscription.id, group.name, name))
        return arm_response(200 if existed else 204)

    # --- channels ----------------------------------------------------------------------------------
    def list_channels(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str
    ) -> Response:
        bot = self._bot(subscription, group, name)
        items = sorted(bot.channels.values(), key=lambda c: c.name)
        return arm_response(200, {"value": [channels.channel_json(bot, c) for c in items]})

    def _channel(self, bot: Bot, group: ResourceGroup, channel: str):
        found = bot.channels.get(channels.canonical(channel).lower())
        if found is None:
            raise resource_not_found(
                f"Microsoft.BotService/botServices/{bot.name}/channels/{channel}", group.name
            )
        return found

    def get_channel(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str, channel: str
    ) -> Response:
        bot = self._bot(subscription, group, name)
        return arm_response(200, channels.channel_json(bot, self._channel(bot, group, channel)))

    def put_channel(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str, channel: str
    ) -> Response:
        bot = self._bot(subscription, group, name)
        found, created = channels.put_channel(
            self.state, bot, channels.canonical(channel), self._body(request)
        )
        return arm_response(201 if created else 200, channels.channel_json(bot, found))

    def patch_channel(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str, channel: str
    ) -> Response:
        bot = self._bot(subscription, group, name)
        found = channels.patch_channel(
            self.state, bot, self._channel(bot, group, channel), self._body(request)
        )
        return arm_response(200, channels.channel_json(bot, found))

    def delete_channel(
        self, request: Request, subscription: Subscription, group: ResourceGroup, name: str, channel: str
    ) -> Response:
        bot = self._bot(subscription, group, name)
        existed = channels.delete_channel(self.state, bot, channels.canonical(channel))
        return arm_response(200 if existed else 204)
