"""Access tokens the emulator issues and checks: RS256 JWTs signed with a key made at start.

Every API service verifies the signature, the expiry against the emulator clock, and then its own
audience and roles, so clients meet 401 (expired, wrong audience) and 403 (missing role) as they would
from the real services.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import uuid
from typing import Any, Optional

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .clock import Clock


class TokenError(Exception):
    """A bearer token the APIs must refuse; `reason` is one of the class constants."""

    MISSING = "missing"
    MALFORMED = "malformed"
    SIGNATURE = "signature"
    EXPIRED = "expired"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Claims:
    """The verified claims of an access token."""

    audience: str
    tenant_id: str
    app_id: str
    object_id: str
    roles: tuple[str, ...]
    expires_at: float
    raw: dict

    def has_role(self, role: str) -> bool:
        return role in self.roles


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenAuthority:
    """Signs and verifies the emulator's tokens."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = hashlib.sha1(public_der).hexdigest()[:16]

    def mint(
        self,
        *,
        audience: str,
        tenant_id: str,
        app_id: str,
        object_id: str,
        roles: tuple[str, ...] | list[str],
        lifetime: int,
        extra: Optional[dict] = None,
    ) -> tuple[str, int]:
        """Return (token, expires_at) for an app-only token."""
        now = int(self._clock.now())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": tenant_id,
            "appid": app_id,
            "azp": app_id,
            "oid": object_id,
            "sub": object_id,
            "idtyp": "app",
            "roles": list(roles),
            "uti": uuid.uuid4().hex,
            "ver": "1.0",
        }
        claims.update(extra or {})
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})
        return token, now + lifetime

    def verify(self, token: Optional[str]) -> Claims:
        """Check signature and lifetime against the emulator clock; audience is the caller's concern."""
        if not token:
            raise TokenError(TokenError.MISSING, "Access token is empty.")
        try:
            claims = jwt.decode(
                token,
                self._key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.InvalidSignatureError:
            raise TokenError(TokenError.SIGNATURE, "Access token signature is invalid.") from None
        except jwt.PyJWTError:
            raise TokenError(TokenError.MALFORMED, "Access token is malformed.") from None
        if claims.get("exp", 0) <= self._clock.now():
            raise TokenError(TokenError.EXPIRED, "Access token has expired or is not yet valid.")
        return Claims(
            audience=claims.get("aud", ""),
            tenant_id=claims.get("tid", ""),
            app_id=claims.get("appid", ""),
            object_id=claims.get("oid", ""),
            roles=tuple(claims.get("roles", ())),
            expires_at=float(claims["exp"]),
            raw=claims,
        )

    def jwks(self) -> dict:
        numbers = self._key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "kid": self.key_id,
                    "alg": "RS256",
                    "n": _b64url_uint(numbers.n),
                    "e": _b64url_uint(numbers.e),
                }
            ]
        }

    @staticmethod
    def peek(token: str) -> dict:
        """Unverified claims, for the request log only (never for an authorisation decision)."""
        try:
            return jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return {}


def bearer_token(authorization: Optional[str]) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
