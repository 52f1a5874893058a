"""Names the program, the providers, the policy pack, drift and the offline tools share: one spelling each.

Standard library only, with no project import, so every part of the project (the policy pack runs in its own
virtualenv) can read it. Where a name comes from outside the project, the comment says where.
"""

from __future__ import annotations

PROJECT = "handoff"  # Pulumi.yaml `name`: config keys are `handoff:<key>`

# Component type tokens (`handoff:<module>:<Type>`, docs/architecture.md).
IDENTITY_COMPONENT = f"{PROJECT}:identity:BotIdentity"
AZURE_BOT_COMPONENT = f"{PROJECT}:azurebot:AzureBot"
# The AzureBot component's earlier token (0.x, when it declared only the Teams channel): kept as an alias so
# state written then keeps its URNs.
TEAMS_COMPONENT = f"{PROJECT}:teams:TeamsChannel"
BINDING_COMPONENT = f"{PROJECT}:omnichannel:OmnichannelBinding"
ENDPOINTS_COMPONENT = f"{PROJECT}:endpoints:ApiEndpoints"  # the overrides, for the policy pack

# Dynamic resource type tokens: the SDK names a subclass declared with module=/name= this way
# (pulumi/dynamic/dynamic.py `__init_subclass__`).
DYNAMIC_PREFIX = "pulumi-python:dynamic"


def dynamic_type(module: str, name: str) -> str:
    return f"{DYNAMIC_PREFIX}/{module}:{name}"


BOT_APPLICATION_USER = dynamic_type("omnichannel", "BotApplicationUser")
CONNECTED_AGENT_USER = dynamic_type("omnichannel", "ConnectedAgentUser")
ROLE_ASSIGNMENT = dynamic_type("omnichannel", "RoleAssignment")
QUEUE_MEMBERSHIP = dynamic_type("omnichannel", "QueueMembership")
WORKSTREAM_BOT = dynamic_type("omnichannel", "WorkstreamBot")
CONTEXT_VARIABLES = dynamic_type("omnichannel", "ContextVariables")
COPILOT_AGENT = dynamic_type("copilot", "CopilotAgent")
BINDING_DYNAMIC_TYPES = frozenset(
    {
        BOT_APPLICATION_USER,
        CONNECTED_AGENT_USER,
        ROLE_ASSIGNMENT,
        QUEUE_MEMBERSHIP,
        WORKSTREAM_BOT,
        CONTEXT_VARIABLES,
        COPILOT_AGENT,
    }
)

# The Azure Bot's tag with the declared Power Platform geography (policies compare it with the location).
GEOGRAPHY_TAG = f"{PROJECT}-geography"

# The security role a bot user needs in Omnichannel (ce/customer-service/administer/configure-bot-azure.md).
OMNICHANNEL_AGENT_ROLE = "Omnichannel agent"

# The dynamic providers' pickled provider, a reserved input of every dynamic resource (pulumi/dynamic).
PROVIDER_KEY = "__provider"

# Pulumi's wire signatures (pulumi/runtime/rpc.py `_special_sig_key`, `_special_secret_sig`,
# `_special_output_value_sig`; sdk/go/common/resource/sig).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
# The engine's sentinel for a value not known during a preview (pulumi/runtime/rpc.py UNKNOWN).
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# How a secret is shown wherever a value is printed.
SECRET_MASK = "[secret]"
