"""Who is calling, and in which environment: the bearer token's audience picks the environment (the real
service tells environments apart by host), its app id picks the application user.

- No token, a bad or expired one, or an audience that is no seeded environment: 401 with an empty body and
  `WWW-Authenticate: Bearer authorization_uri=<authority>/<tenant>/oauth2/authorize, resource_id=<org URL>`
  (the challenge clients use to discover the tenant [C]); a presented token that fails adds
  `error="invalid_token"` [I]. The authority is the emulator's own base URL, where Entra is emulated.
- A valid token from another tenant, or whose app id has no application user in the environment:
  403 0x80072560 "The user is not a member of the organization." [D: code and message; C: status 403].
- The application user is disabled: 403 0x80040225 with the "Disabled users cannot access the system"
  message [D: code; C: message].
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from werkzeug.wrappers import Request, Response

from ..core.tokens import TokenAuthority, TokenError, bearer_token
from . import errors
from .models.environments import EnvironmentRegistry
from .models.store import Environment

PUBLIC_AUTHORITY = "https://login.microsoftonline.com"


class Challenge(Exception):
    """The 401 answer; `response` is ready to send."""

    def __init__(self, response: Response) -> None:
        super().__init__("unauthenticated")
        self.response = response


@dataclasses.dataclass(frozen=True)
class Caller:
    env: Environment
    user_id: str
    app_id: str

    @property
    def key(self) -> str:
        """Service protection counts per user, and a user belongs to one environment."""
        return f"{self.env.url}|{self.user_id}"


class Authenticator:
    def __init__(self, tokens: TokenAuthority, environments: EnvironmentRegistry, base_url) -> None:
        self._tokens = tokens
        self._environments = environments
        self._base_url = base_url  # a callable: the emulator's URL is known only once it listens

    def authenticate(self, request: Request) -> Caller:
        token = bearer_token(request.headers.get("Authorization"))
        try:
            claims = self._tokens.verify(token)
        except TokenError as exc:
            raise Challenge(self._challenge(token, invalid=exc.reason != TokenError.MISSING)) from None
        env = self._environments.by_audience(claims.audience)
        if env is None:
            raise Challenge(self._challenge(token, invalid=True))
        if claims.tenant_id.lower() != env.tenant_id:
            raise errors.user_not_member()
        with env.lock:
            user = next(
                (
                    u
                    for u in env.rows("systemuser")
                    if (u.get("applicationid") or "").lower() == claims.app_id.lower()
                ),
                None,
            )
            if user is None:
                raise errors.user_not_member()
            if user.get("isdisabled"):
                raise errors.user_disabled(user["systemuserid"], env.organization_id)
            return Caller(env=env, user_id=user["systemuserid"], app_id=claims.app_id)

    def _challenge(self, token: Optional[str], *, invalid: bool) -> Response:
        audience = TokenAuthority.peek(token).get("aud", "") if token else ""
        env = self._environments.by_audience(audience)
        # Without a usable audience the host is unknown here (the real service knows it from the URL):
        # name the tenant of the seeded environments, and no resource.
        fallback = env or self._environments.first()
        tenant = fallback.tenant_id if fallback else "common"
        parts = [f"authorization_uri={self._base_url() or PUBLIC_AUTHORITY}/{tenant}/oauth2/authorize"]
        if env is not None:
            parts.append(f"resource_id={env.url}")
        if invalid:
            parts.insert(0, 'error="invalid_token"')
        return Response(
            b"",
            status=401,
            headers={"WWW-Authenticate": "Bearer " + ", ".join(parts), "OData-Version": "4.0"},
        )
