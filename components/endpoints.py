"""ApiEndpoints (`handoff:endpoints:ApiEndpoints`): the stack's endpoint overrides, declared so the policy
pack can see where the deployer's credentials are sent.

Policies see resources, not stack config, and the overrides only reach the dynamic providers through
`configure()`. This component carries them as its inputs (cloud, the three overrides, the opt-in), has no
children and makes no request; the pack's mandatory `endpoints-stay-in-cloud` policy fails a stack whose
overrides leave the cloud's Microsoft hosts and loopback without `handoff:allowForeignEndpoints`. It is
declared only when the stack overrides an endpoint (the offline trial does; a normal stack does not).
The program's own check (config_keys.endpoint_problems) refuses the same stacks first; the policy holds
the line for a program changed to skip it.
"""

from __future__ import annotations

from typing import Optional

import pulumi

from components import names
from components.settings import Settings

TYPE_TOKEN = names.ENDPOINTS_COMPONENT


class ApiEndpoints(pulumi.ComponentResource):
    """The endpoint overrides of the stack, as inputs the policy pack reads."""

    def __init__(self, name: str, settings: Settings, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        endpoints = settings.endpoints
        super().__init__(
            TYPE_TOKEN,
            name,
            {
                "cloud": settings.cloud,
                "authorityHost": endpoints.authority_host,
                "resourceManagerEndpoint": endpoints.resource_manager_endpoint,
                "dataverseApiEndpoint": endpoints.dataverse_api_endpoint,
                "allowForeignEndpoints": endpoints.allow_foreign,
            },
            opts,
        )
        self.register_outputs({})


def declare_endpoints(settings: Settings) -> Optional[ApiEndpoints]:
    """The ApiEndpoints component when the stack overrides an endpoint, else nothing."""
    endpoints = settings.endpoints
    if not (
        endpoints.authority_host or endpoints.resource_manager_endpoint or endpoints.dataverse_api_endpoint
    ):
        return None
    return ApiEndpoints("api-endpoints", settings)
