"""Keys that belong to the world outside the emulated services, made on demand and kept for the emulator's
life.

- Client certificates: what a user holds as `cert.pem` + `key.pem` and registers on an app (Graph
  `keyCredentials`). A fixture names one (`"generate": "deployer-certificate"`); the emulator makes the key
  pair and a self-signed certificate the first time the name is used and keeps them across resets, so a
  test can fetch the private key (`Emulator.certificate(name)`) and sign client assertions with it. No key
  is ever committed to the repository.
- The external OIDC issuer: the identity provider of a CI system (GitHub Actions, Azure DevOps,
  Kubernetes) whose ID tokens serve as federated credentials. Real Entra fetches the issuer's keys from its
  discovery document; offline, the emulator plays that issuer too and signs its tokens with one key.

Client assertions are judged by the wall clock (their makers sign with their own clocks, which the emulator
clock's offset does not move), so external tokens are minted with wall-clock times too.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import threading
import time
import uuid
from typing import Optional

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
CERTIFICATE_VALIDITY = datetime.timedelta(days=730)


@dataclasses.dataclass(frozen=True)
class ClientCertificate:
    """A generated key pair and its self-signed certificate; thumbprints are lower-case hex."""

    name: str
    private_key_pem: str
    certificate_pem: str
    certificate_der: bytes
    sha1_thumbprint: str
    sha256_thumbprint: str
    not_before: float
    not_after: float

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "privateKeyPem": self.private_key_pem,
            "certificatePem": self.certificate_pem,
            "thumbprint": self.sha1_thumbprint,
            "thumbprintSha256": self.sha256_thumbprint,
        }


def describe_certificate(der: bytes) -> tuple[str, str, float, float]:
    """(sha1 hex, sha256 hex, not_before, not_after) of a DER certificate."""
    cert = x509.load_der_x509_certificate(der)
    return (
        hashlib.sha1(der).hexdigest(),
        hashlib.sha256(der).hexdigest(),  # noqa: S324 - x5t is SHA-1
        cert.not_valid_before_utc.timestamp(),
        cert.not_valid_after_utc.timestamp(),
    )


class Keyring:
    """Thread-safe; survives emulator resets on purpose (keys are slow to make and tests hold them)."""

    def __init__(self) -> None:
        self._certificates: dict[str, ClientCertificate] = {}
        self._lock = threading.Lock()
        self._issuer_key: Optional[rsa.RSAPrivateKey] = None
        self._issuer_kid = uuid.uuid4().hex[:16]

    # --- client certificates -----------------------------------------------------------------------
    def certificate(self, name: str) -> ClientCertificate:
        with self._lock:
            if name not in self._certificates:
                self._certificates[name] = _make_certificate(name)
            return self._certificates[name]

    # --- the external OIDC issuer ------------------------------------------------------------------
    def _key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._issuer_key is None:
                self._issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._issuer_key

    def external_token(
        self,
        *,
        subject: str,
        issuer: str = GITHUB_ACTIONS_ISSUER,
        audience: str = TOKEN_EXCHANGE_AUDIENCE,
        lifetime: int = 300,
        extra: Optional[dict] = None,
    ) -> str:
        """An ID token of the external issuer; a negative lifetime gives one that has already expired."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": subject,
            "aud": audience,
            "iat": min(now, now + lifetime),
            "nbf": min(now, now + lifetime),
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        claims.update(extra or {})
        return jwt.encode(claims, self._key(), algorithm="RS256", headers={"kid": self._issuer_kid})

    def verify_external(self, token: str) -> bool:
        """True when the external issuer signed this token (lifetime is the caller's concern)."""
        try:
            jwt.decode(
                token,
                self._key().public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return False
        return True


def _make_certificate(name: str) -> ClientCertificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + CERTIFICATE_VALIDITY)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    sha1, sha256, not_before, not_after = describe_certificate(der)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return ClientCertificate(
        name=name,
        private_key_pem=key_pem,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        certificate_der=der,
        sha1_thumbprint=sha1,
        sha256_thumbprint=sha256,
        not_before=not_before,
        not_after=not_after,
    )
