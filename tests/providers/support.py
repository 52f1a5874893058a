"""Assertions of the provider tests. The harness that drives the binding through the SDK's provider server
is a product part (`offline.harness`, which the benchmarks use too); it is re-exported here for the tests."""

from __future__ import annotations

from offline.harness import (  # noqa: F401  (re-exported for the tests)
    Binding,
    Deployed,
    Driver,
    environment_state,
    pairs,
    resource_of,
    roles,
    rows,
    server_env,
    stack_binding,
    stack_config,
    start_server,
    type_token,
    writes,
)
from offline.provider_server import ProviderError

ORDER = roles()  # the dev stack's binding children, in the plan's order
DEV_AZURE_BOT = stack_binding().azure_bot_id


def assert_entry(error: ProviderError, cls: str, key: str, *fragments: str) -> None:
    """The provider raised `cls` carrying the catalogue entry `key`, with every fragment in its message."""
    assert f"components.clients.errors.{cls}: " in error.details, error.details
    assert f"Mitigation [{key}]" in error.details
    for fragment in fragments:
        assert fragment in error.details, fragment
