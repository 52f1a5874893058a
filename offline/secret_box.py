"""Secret values in the offline state file are sealed, never written in plaintext.

The engine encrypts secrets in state with the stack's secrets provider (a passphrase, a cloud KMS, Pulumi
Cloud). The offline runner cannot use those, and masking would lose what later steps need: the engine hands
Delete and Read the *stored* outputs, including `__provider`, which the SDK marks secret by default
(`serialize_as_secret_always`). So secrets are sealed with AES-256-GCM under a random key kept beside the
state (`<state-dir>/secrets.key`, mode 0600, created on first use). That keeps secrets out of a state file
that is shared, pasted or committed; it is not a secrets manager: whoever has the directory has the key.

A sealed value has the engine's secret signature, so it reads like a secret in an exported stack:
`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:<base64>"}`.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from components import names

SIG_KEY = names.SIG_KEY
SECRET_SIG = names.SECRET_SIG
KEY_FILE = "secrets.key"
_VERSION = "v1:"
_NONCE_BYTES = 12


class SecretBoxError(Exception):
    """A sealed value cannot be opened (another key, or a damaged state file)."""


class SecretBox:
    """Seal and open JSON values with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the state key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def for_directory(cls, directory: pathlib.Path) -> "SecretBox":
        """The box of a state directory, creating its key (0600) the first time."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / KEY_FILE
        try:
            # O_EXCL: two runs starting at once must not each write a different key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls(base64.b64decode(path.read_text(encoding="ascii").strip()))
        key = AESGCM.generate_key(bit_length=256)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(key).decode("ascii") + "\n")
        return cls(key)

    def seal(self, value: Any) -> dict:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, json.dumps(value, sort_keys=True).encode("utf-8"), None)
        text = _VERSION + base64.b64encode(nonce + sealed).decode("ascii")
        return {SIG_KEY: SECRET_SIG, "ciphertext": text}

    def open(self, sealed: dict) -> Any:
        text = sealed.get("ciphertext", "")
        if not isinstance(text, str) or not text.startswith(_VERSION):
            raise SecretBoxError("a secret in the state file has no ciphertext this runner can read")
        try:
            raw = base64.b64decode(text[len(_VERSION) :], validate=True)
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None)
        except (InvalidTag, ValueError) as exc:
            raise SecretBoxError(
                "a secret in the state file does not open with this directory's "
                f"{KEY_FILE}: was the state copied without its key?"
            ) from exc
        return json.loads(plain)


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG and "ciphertext" in value
