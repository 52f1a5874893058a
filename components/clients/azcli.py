"""Tokens from the Azure CLI login, for an engineer's own machine (the last credential in the precedence).

Runs `az account get-access-token --output json --resource <resource> [--tenant <tenant>]`, the command the
Azure SDKs' AzureCliCredential runs, and caches each token until five minutes before it expires. The
output's `accessToken` is never logged; only the CLI's error line reaches a message.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import shutil
import subprocess
import threading
import time
from typing import Callable, Mapping, Optional

from . import errors

_LOG = logging.getLogger(__name__)
_RESOURCE = re.compile(r"[0-9A-Za-z.:/_-]+")
_REFRESH_MARGIN = 300.0
_TIMEOUT = 60.0


class AzureCliCredential:
    """A TokenProvider backed by `az`; one per tenant in the process-wide registry."""

    kind = "Azure CLI login"

    def __init__(
        self, tenant_id: Optional[str], environ: Mapping[str, str], clock: Callable[[], float] = time.time
    ) -> None:
        self._tenant_id = tenant_id
        self._path = environ.get("PATH")
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token(self, scope: str, *, force_refresh: bool = False, rejected: Optional[str] = None) -> str:
        with self._lock:
            cached = self._tokens.get(scope)
            stale = force_refresh and (rejected is None or (cached and cached[0] == rejected))
            if cached and not stale and cached[1] - _REFRESH_MARGIN > self._clock():
                return cached[0]
            value, expires_on = self._run(scope)
            self._tokens[scope] = (value, expires_on)
            return value

    def _run(self, scope: str) -> tuple[str, float]:
        operation = f"get a token for {scope} from the Azure CLI"
        resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
        if not _RESOURCE.fullmatch(resource):
            raise ValueError(f"refusing to pass {resource!r} to the Azure CLI")
        executable = shutil.which("az", path=self._path)
        if executable is None:
            raise errors.from_entry(
                "credentials-missing",
                operation,
                "no ARM_* credential variable is set and the Azure CLI (az) is not on PATH",
            )
        command = [executable, "account", "get-access-token", "--output", "json", "--resource", resource]
        if self._tenant_id:
            command += ["--tenant", self._tenant_id]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise errors.from_entry("azure-cli-failed", operation, type(exc).__name__) from None
        if done.returncode != 0:
            raise errors.from_entry("azure-cli-failed", operation, _cli_error_line(done.stderr))
        try:
            answer = json.loads(done.stdout)
            value = answer["accessToken"]
            expires_on = _expiry(answer)
        except (ValueError, KeyError, TypeError):
            raise errors.from_entry(
                "azure-cli-failed", operation, "the CLI's answer has no accessToken and expiry"
            ) from None
        _LOG.debug("Azure CLI token for %s, expires at %s", scope, expires_on)
        return value, expires_on


def _expiry(answer: dict) -> float:
    """`expires_on` (POSIX seconds, az 2.54+) or the older `expiresOn` (local time, no zone)."""
    if answer.get("expires_on") is not None:
        return float(answer["expires_on"])
    local = datetime.datetime.strptime(answer["expiresOn"].split(".")[0], "%Y-%m-%d %H:%M:%S")
    return local.timestamp()


def _cli_error_line(stderr: str) -> str:
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    chosen = next((line for line in lines if line.upper().startswith("ERROR")), lines[0] if lines else "")
    return errors.scrub(chosen) or "az exited with an error and printed nothing"
