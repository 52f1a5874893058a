"""Helpers of the client tests: the fixture identities, a sleeper that records instead of sleeping, and the
register of catalogue entries the tests have produced (test_zz_catalogue_coverage.py checks it is complete).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import pytest

from components.clients import errors

TENANT = "11111111-1111-4111-8111-111111111111"
DEPLOYER = "22222222-2222-4222-8222-222222222222"
DEPLOYER_SECRET = "fake-deployer-secret-for-the-offline-emulator"
READER = "88888888-8888-4888-8888-888888888888"
READER_SECRET = "fake-reader-secret-for-the-offline-emulator"
DEV_URL = "https://contoso-dev.crm.dynamics.com"
PROD_URL = "https://contoso.crm4.dynamics.com"
SANDBOX_URL = "https://contoso-sandbox.crm.dynamics.com"
DEV_SUBSCRIPTION = "33333333-3333-4333-8333-333333333333"
DEV_GROUP = "rg-handoff-dev"
GITHUB_DEV_SUBJECT = "repo:contoso/bot-handoff:environment:dev"


class RecordingSleeper:
    """Stands in for time.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@contextlib.contextmanager
def raises_entry(cls: type[errors.ClientError], key: str, *fragments: str) -> Iterator[pytest.ExceptionInfo]:
    """Expect `cls` carrying catalogue entry `key` and every fragment in its message."""
    with pytest.raises(cls) as info:
        yield info
    error = info.value
    assert error.entry is not None and error.entry.key == key, f"expected entry {key}, got {error!r}"
    message = str(error)
    assert f"Mitigation [{key}]" in message and error.entry.link in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
