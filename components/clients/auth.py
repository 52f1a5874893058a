"""Access tokens for the APIs: msal's confidential client (secret, certificate, federated assertion) or
the Azure CLI, behind one small interface, `TokenProvider.token(scope)`.

One token request per audience per process. The dynamic-provider process unpickles one provider instance
per resource type and each builds its own clients, so a per-instance cache would ask Entra once per
resource type. `_REGISTRY` is therefore a process-wide, lock-protected map from (authority, tenant, client,
credential kind, credential fingerprint) to one credential object holding one msal application (whose
token cache answers repeated scopes). It is the project's one allowed mutable module global; nothing in it
is ever pickled (credentials refuse to be).

Token requests never follow a redirect: a 307 from the token endpoint to another host would hand it the
client secret or the federated assertion (`redirect-refused` names the host it pointed to). Each token
request has a deadline (`ENTRA_DEADLINE`) like every API request (deadline.py).

A 401 from an API calls `token(scope, force_refresh=True, rejected=<the token it refused>)`: the cached
token is dropped only if it is still the refused one, so concurrent 401s cost one new token, not many.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from typing import Mapping, Optional, Protocol

import msal
import msal.exceptions
import requests

from . import assertions, catalogue, errors
from .azcli import AzureCliCredential
from .config import ClientConfig
from .credentials import CredentialKind, CredentialSpec, resolve_credentials
from .deadline import Deadline, DeadlineAdapter, DeadlineExceeded, watching
from .responses import redirect_target
from .retry import RetryPolicy, ServiceRetry

_LOG = logging.getLogger(__name__)
_ENTRA_TIMEOUT = (10.0, 30.0)
ENTRA_RETRY = RetryPolicy(max_attempts=3, max_total_seconds=30.0)
# One token request: 30 s an attempt (connect, send, the whole answer), 45 s with its retries and waits.
ENTRA_DEADLINE = Deadline(attempt=30.0, total=45.0)
_DESCRIBED_CODE = re.compile(r"\s*AADSTS(\d+)\b")


def http_failure(exc: requests.RequestException) -> str:
    """A transport failure in a few words, pointing at REQUESTS_CA_BUNDLE when TLS trust is the cause."""
    if "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return (
            "the server's TLS certificate is not trusted (trust a private CA with REQUESTS_CA_BUNDLE; "
            "verification is never turned off)"
        )
    return type(exc).__name__


class TokenProvider(Protocol):
    kind: str

    def token(self, scope: str, *, force_refresh: bool = False, rejected: Optional[str] = None) -> str:
        """A bearer token for `scope` (`<resource>/.default`)."""


class RedirectRefused(Exception):
    """Entra (or what answers in its place) redirected a token request; `target` is scheme and host only."""

    def __init__(self, status: int, target: str) -> None:
        super().__init__(f"HTTP {status} redirect to {target}")
        self.status, self.target = status, target


class EntraHttpClient(requests.Session):
    """msal's HTTP client: never follows a redirect, a deadline on every call, bounded retries (a token
    request is safe to repeat), and, per thread, the last Entra answer, so a failure msal reports as a bare
    ValueError (tenant discovery) still reaches the user with its AADSTS code and request id."""

    def __init__(self) -> None:
        super().__init__()
        # The API sessions' retry (retry.py) with a token request counted idempotent: 429, 502-504 and
        # dropped connections are sent again within ENTRA_RETRY; when attempts run out the last answer
        # reaches msal (raise_on_status=False) and becomes a catalogue error.
        self.mount(
            "https://",
            DeadlineAdapter(
                max_retries=ServiceRetry.for_policy(
                    ENTRA_RETRY, idempotent=True, sleeper=time.sleep, clock=time.monotonic
                )
            ),
        )
        self._last = threading.local()

    def request(self, method, url, **kwargs):  # noqa: D102 - requests' signature
        kwargs.setdefault("timeout", _ENTRA_TIMEOUT)
        kwargs["allow_redirects"] = False  # whatever msal asks: a redirect would carry the credential away
        with watching(ENTRA_DEADLINE, f"{method} {url.split('?')[0]}", _LOG.info) as watch:
            try:
                response = super().request(method, url, **kwargs)
            except requests.RequestException:
                if watch.cut:
                    raise DeadlineExceeded("the token request's deadline passed") from None
                raise
        self._last.response = response
        target = redirect_target(response)
        if target is not None:
            raise RedirectRefused(response.status_code, target)
        return response

    def forget(self) -> None:
        self._last.response = None

    def last_error(self) -> dict:
        """The JSON body and status of the last answer on this thread, if it was an error."""
        response = getattr(self._last, "response", None)
        if response is None or response.status_code < 400:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        body.setdefault("_status", response.status_code)
        body.setdefault("trace_id", response.headers.get("x-ms-request-id"))
        return body

    def __reduce__(self):
        raise TypeError("HTTP clients are not picklable")


class MsalCredential:
    """A TokenProvider for one service principal, backed by one msal ConfidentialClientApplication."""

    def __init__(self, spec: CredentialSpec, config: ClientConfig) -> None:
        self.kind = spec.kind.value
        self._spec = spec
        self._authority = f"{config.authority_host}/{spec.tenant_id}"
        # Only a non-Microsoft host (the emulator, a private cloud) needs instance discovery turned off;
        # the real clouds keep msal's validation.
        self._instance_discovery = False if config.authority_is_override else None
        self._http = EntraHttpClient()
        self._app: Optional[msal.ConfidentialClientApplication] = None
        self._lock = threading.Lock()

    def secrets(self) -> tuple[str, ...]:
        """The credential's secret values, so API errors can scrub them from service text."""
        return self._spec.secrets()

    def token(self, scope: str, *, force_refresh: bool = False, rejected: Optional[str] = None) -> str:
        operation = f"get a token for {scope} as {self._spec.client_id} ({self.kind})"
        with self._lock:
            self._http.forget()
            try:
                app = self._application()
                if force_refresh:
                    self._drop(app, scope, rejected)
                result = app.acquire_token_for_client(scopes=[scope])
            except errors.ClientError:
                raise
            except RedirectRefused as exc:
                raise errors.from_entry(
                    "redirect-refused",
                    operation,
                    f"{self._authority} answered {exc}; not followed (a token request carries the "
                    "client credential)",
                ) from None
            except DeadlineExceeded:
                raise errors.from_entry(
                    "service-unavailable",
                    operation,
                    f"{self._authority} gave no complete answer within the token request deadline "
                    f"({ENTRA_DEADLINE.attempt:g} s an attempt, {ENTRA_DEADLINE.total:g} s with retries)",
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise errors.from_entry(
                    "service-unavailable", operation, f"cannot reach {self._authority}: {http_failure(exc)}"
                ) from None
            except requests.exceptions.RetryError:  # answers kept failing past ENTRA_RETRY's time budget
                raise errors.from_entry(
                    "service-unavailable",
                    operation,
                    f"{self._authority} kept failing for {ENTRA_RETRY.max_total_seconds:g} s",
                ) from None
            except (requests.HTTPError, msal.exceptions.MsalServiceError):  # Entra answered 5xx
                raise self._failure(operation, None, "Entra ID failed") from None
            except ValueError as exc:  # msal: tenant discovery failed, or an unusable credential
                raise self._failure(operation, None, str(exc)) from None
        if "access_token" in result:
            _LOG.debug("token for %s from %s", scope, result.get("token_source", "identity_provider"))
            return result["access_token"]
        raise self._failure(operation, None, result.get("error_description") or result.get("error"), result)

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:  # built lazily: construction already talks to Entra (tenant discovery)
            self._app = msal.ConfidentialClientApplication(
                self._spec.client_id,
                client_credential=assertions.client_credential(self._spec),
                authority=self._authority,
                instance_discovery=self._instance_discovery,
                http_client=self._http,
                token_cache=msal.TokenCache(),
            )
        return self._app

    def _drop(self, app: msal.ConfidentialClientApplication, scope: str, rejected: Optional[str]) -> None:
        cache = app.token_cache
        for entry in list(
            cache.search(
                msal.TokenCache.CredentialType.ACCESS_TOKEN,
                target=[scope],
                query={"client_id": self._spec.client_id},
            )
        ):
            if rejected is None or entry.get("secret") == rejected:
                cache.remove_at(entry)

    def _failure(
        self, operation: str, status: Optional[int], text: Optional[str], result: Optional[dict] = None
    ) -> errors.ClientError:
        """An AuthenticationError (or UnavailableError for 5xx) with the AADSTS entry when there is one."""
        answer = self._http.last_error()
        body = result or answer
        message = body.get("error_description") or text or ""
        codes = body.get("error_codes") or []
        # error_codes is the field to branch on; a body without it still starts its description with the
        # code (Entra's format is "AADSTS<code>: <text>"), which is the fallback.
        described = _DESCRIBED_CODE.match(message)
        code = str(codes[0]) if codes else (described.group(1) if described else None)
        status = status or answer.get("_status")
        # The code is reported on its own; the description repeats it and adds trace and correlation ids
        # and a timestamp on extra lines.
        message = message[described.end() :].lstrip(": ") if described else message
        message = message.split("\r\n")[0].split("\n")[0]
        request_id = body.get("trace_id") or body.get("correlation_id")
        if status is not None and status >= 500:
            return errors.UnavailableError(
                operation,
                status=status,
                code=code,
                service_message=message,
                request_id=request_id,
                entry=catalogue.get("service-unavailable"),
            )
        if status == 429:  # Entra throttled the token request: not a credential problem
            return errors.ThrottledError(
                operation,
                status=status,
                code=code,
                service_message=message,
                request_id=request_id,
                entry=catalogue.get("throttled"),
            )
        entry = catalogue.match("entra", code) or catalogue.get("entra-sign-in-failed")
        return errors.AuthenticationError(
            operation,
            status=status,
            code=f"AADSTS{code}" if code else body.get("error"),
            service_message=errors.scrub(message, self._spec.secrets()),
            request_id=request_id,
            entry=entry,
        )

    def __reduce__(self):
        raise TypeError("credentials are not picklable: build clients in the process that uses them")


class _CredentialRegistry:
    """Process-wide credentials keyed by who signs in where (see the module docstring for why)."""

    def __init__(self) -> None:
        self._credentials: dict[tuple, TokenProvider] = {}
        self._lock = threading.Lock()

    def get(self, spec: CredentialSpec, config: ClientConfig, environ: Mapping[str, str]) -> TokenProvider:
        key = (config.authority_host, spec.tenant_id, spec.client_id, spec.kind, spec.fingerprint())
        with self._lock:
            credential = self._credentials.get(key)
            if credential is None:
                if spec.kind is CredentialKind.AZURE_CLI:
                    credential = AzureCliCredential(spec.tenant_id, environ)
                else:
                    credential = MsalCredential(spec, config)
                self._credentials[key] = credential
            return credential

    def clear(self) -> None:
        with self._lock:
            self._credentials.clear()


_REGISTRY = _CredentialRegistry()


def token_provider(config: ClientConfig, environ: Optional[Mapping[str, str]] = None) -> TokenProvider:
    """The process-wide TokenProvider for the credentials in `environ` (default: os.environ)."""
    environ = os.environ if environ is None else environ
    spec = resolve_credentials(environ, default_tenant=config.tenant_id)
    return _REGISTRY.get(spec, config, environ)


def forget_credentials() -> None:
    """Drop every cached credential and token (tests and benchmarks start from a cold process)."""
    _REGISTRY.clear()
