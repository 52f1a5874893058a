"""Catalogue entries for the hand-off itself: what the original doc's empty "known errors" table and its
successors describe (reference §6), detected by the clients' own checks, plus the generic transport
failures every API can show.
"""

from __future__ import annotations

from . import Entry

_MCS = "https://learn.microsoft.com/microsoft-copilot-studio/configuration-hand-off-omnichannel"
_CS_PVA = "https://learn.microsoft.com/dynamics365/customer-service/administer/configure-bot-virtual-agent"
_CS_AZURE = "https://learn.microsoft.com/dynamics365/customer-service/administer/configure-bot-azure"
_ROLES = "https://learn.microsoft.com/dynamics365/customer-service/administer/add-users-assign-roles"

ENTRIES: tuple[Entry, ...] = (
    Entry(
        key="deployer-not-system-administrator",
        title="The deployer cannot create the bot's application user",
        cause="Creating an application user and giving it a security role needs the System Administrator "
        "role in the environment; the deployer's application user does not hold it (the Omnichannel "
        "administrator role can configure queues and workstreams but cannot create users).",
        mitigation="Give the deployer's application user the System Administrator role in this environment "
        "(Power Platform admin center > Settings > Users + permissions > Application users).",
        link="https://learn.microsoft.com/power-platform/admin/manage-application-users",
        retryable=False,
        service="handoff",
        kind="permission",
    ),
    Entry(
        key="omnichannel-not-installed",
        title="Omnichannel is not installed in the chosen environment",
        cause="The environment has no Omnichannel messaging solution (OmnichannelChat, "
        "msdyn_OmnichannelMessagingBase, ...): Customer Service orgs come with msdyn_OmnichannelBase, but "
        "the messaging solutions arrive only when Omnichannel / Contact Center channels are provisioned; or "
        "dataverseUrl names the wrong environment.",
        mitigation="Point dataverseUrl at the environment where Omnichannel is provisioned, or provision it "
        "(Customer Service admin center) first.",
        link=_CS_PVA,
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="bot-extension-not-installed",
        title="The Omnichannel extension for Copilot Studio bots is not installed",
        cause="Omnichannel is present but its Power Virtual Agents / Copilot Studio extension solution is "
        "not; the agent then cannot hand off (\"Your bot doesn't have access to all the required "
        'variables and actions").',
        mitigation="Install the Omnichannel Power Virtual Agents extension in the environment (voice "
        "adds the telephony and voice extensions, in that order), then re-run.",
        link=_MCS,
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="agent-not-found",
        title="The Copilot Studio agent does not exist in the environment",
        cause="No agent (bot row) has the schema name copilotAgentSchemaName in this environment.",
        mitigation="Check copilotAgentSchemaName (Copilot Studio > Settings > Advanced > Metadata) and that "
        "the agent lives in the environment named by dataverseUrl.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/bot",
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="agent-not-provisioned",
        title="The Copilot Studio agent is not provisioned",
        cause="The agent's status is not Provisioned (still provisioning, provisioning failed, "
        "deprovisioned or missing a license).",
        mitigation="Open the agent in Copilot Studio and fix its provisioning or license, then re-run.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/bot",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="agent-not-published",
        title="The bot is not published",
        cause="The agent has never been published (or publishing failed), so the hand-off cannot work end "
        "to end.",
        mitigation="Leave publishAgent=true so the stack publishes it, or publish it in Copilot Studio or "
        "with `pac copilot publish`.",
        link="https://learn.microsoft.com/power-platform/developer/cli/reference/copilot",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="agent-publish-pending",
        title="The agent's publish is still running",
        cause="Publishing (PvaPublish) starts a job in Copilot Studio; the agent's publishedon did not move "
        "past its previous value, or the agent still had unpublished changes, within the 120 s the "
        "stack waits.",
        mitigation="The publish was started and is still running (or queued) in Copilot Studio: check its "
        "status there (or `pac copilot status --bot-id <agent id>`) and re-run once it has "
        "finished; publishing again is harmless, the agent stays published.",
        link="https://learn.microsoft.com/power-platform/developer/cli/reference/copilot",
        retryable=True,
        service="handoff",
        kind="unavailable",
    ),
    Entry(
        key="agent-name-too-long",
        title="The agent name is longer than 30 characters",
        cause="Bots whose name exceeds 30 characters fail to connect to Omnichannel.",
        mitigation="Rename the agent (copilotAgentName and in Copilot Studio) to 30 characters or fewer.",
        link=_MCS,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="agent-name-mismatch",
        title="The agent's name is not the one the stack declares",
        cause="The agent with copilotAgentSchemaName is named differently in Copilot Studio than "
        "copilotAgentName says (renamed in Copilot Studio, or the wrong agent), so the stack cannot "
        "vouch for the name Omnichannel connects with.",
        mitigation="Set copilotAgentName to the agent's name in Copilot Studio (at most 30 characters), or "
        "rename the agent back, then re-run.",
        link=_MCS,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="omnichannel-channel-missing",
        title="The Azure Bot's Omnichannel channel is not enabled",
        cause="Omnichannel reaches an Azure (Bot Framework) bot through the Azure Bot's Omnichannel channel "
        "(configure-bot-azure.md: Channels > Omnichannel > Apply), which is missing on the bot; the Teams "
        "channel alone does not connect it.",
        mitigation="Let the stack declare it (an Azure bot stack's AzureBot component creates the "
        "Omnichannel channel) and re-run, or in the Azure portal open the bot > Channels > Omnichannel > "
        "Apply.",
        link=_CS_AZURE,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="copilot-agent-not-connected",
        title="The Copilot Studio agent is not connected to Omnichannel",
        cause="No enabled bot application user holds the App ID the stack names (handoff:copilotAgentAppId), "
        "or the key is empty. Copilot Studio's Connect step creates the agent's bot user; no API performs "
        "it, so the stack verifies it and never creates or deletes an agent's bot user.",
        mitigation="In Copilot Studio open the agent > Settings (or Channels) > Customer engagement hub > "
        "Dynamics 365 Customer Service > Connect (same environment as handoff:dataverseUrl), or in the "
        "Customer Service admin center > AI Agents > Add > Connect existing bot. Then copy the App ID of the "
        "agent's bot user (Power Platform admin center > Application users, or the candidates this message "
        "lists) into handoff:copilotAgentAppId and re-run.",
        link=_CS_PVA,
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="copilot-agent-disconnected",
        title="The Copilot Studio agent's bot user is disabled (the agent was disconnected)",
        cause="The bot application user Copilot Studio's Connect made for the agent is disabled, which is "
        "what Disconnect does; Omnichannel no longer routes to the agent. The stack does not re-enable an "
        "agent's user: Connect is Copilot Studio's step.",
        mitigation="Connect the agent again in Copilot Studio (Settings > Customer engagement hub > Dynamics "
        "365 Customer Service > Connect), then re-run.",
        link=_CS_PVA,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="bot-user-soft-deleted",
        title="The bot's application user is deleted (soft-deleted)",
        cause="The user holding the App ID has been deleted once (deletedstate 1) and not purged; Dataverse "
        "keeps such a row until a second delete, and the stack never adopts it.",
        mitigation="For an Azure bot: purge the user (Power Platform admin center > Application users, "
        "delete it again) and re-run, so the stack creates a new one. For a Copilot Studio agent: "
        "disconnect and connect the agent again in Copilot Studio, then re-run.",
        link="https://learn.microsoft.com/power-platform/admin/manage-application-users",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="agent-publish-failed",
        title="Publishing the Copilot Studio agent failed",
        cause="Copilot Studio's publish job finished with status Failed (the bot's synchronizationstatus "
        "names it, with its diagnostics when the service gives any).",
        mitigation="Open the agent in Copilot Studio, fix what the diagnostics name (often a topic with "
        "errors), publish it there once, then re-run.",
        link="https://learn.microsoft.com/microsoft-copilot-studio/publication-fundamentals-publish-channels",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="app-id-already-used",
        title="The App ID is already used in the environment",
        cause="An application user with the bot's App ID exists but is not a bot user (it was created by "
        "hand, or belongs to another integration); App IDs are unique per environment.",
        mitigation="Use a fresh app registration for the bot, or, if that user really is the bot, set its "
        "User type to Bot application user and re-run so the stack adopts it.",
        link=_CS_AZURE,
        retryable=False,
        service="handoff",
        kind="conflict",
    ),
    Entry(
        key="environment-cannot-change",
        title="The wrong environment was chosen: the connection cannot be moved",
        cause="The binding already exists for another Dataverse environment or App ID; a bot connection "
        "cannot be moved between environments.",
        mitigation="Keep the original dataverseUrl; to connect to another environment create a new bot (a "
        "new stack) for it. Removing the old binding needs allowBindingRemoval=true.",
        link=_MCS,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="role-not-found",
        title="The security role does not exist in the root business unit",
        cause="No role with this name exists in the environment's root business unit; the Omnichannel "
        "agent role comes with Omnichannel.",
        mitigation="Check that Omnichannel is installed in this environment and the role name is spelled as "
        "in Settings > Security roles.",
        link=_ROLES,
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="queue-not-found",
        title="The Omnichannel queue does not exist",
        cause="No queue has the configured name or id in this environment.",
        mitigation="Check `queue` (name or GUID) in the Customer Service admin center > Queues.",
        link="https://learn.microsoft.com/dynamics365/customer-service/administer/queues-omnichannel",
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="queue-not-omnichannel",
        title="The queue is not an Omnichannel messaging queue",
        cause="Escalated conversations are routed to Omnichannel messaging queues; this queue is a classic "
        "(record) queue or an Omnichannel queue of another type (entity records, voice).",
        mitigation="Set `queue` to an Omnichannel messaging queue (Customer Service admin center > Queues, "
        "type Messaging).",
        link="https://learn.microsoft.com/dynamics365/customer-service/administer/queues-omnichannel",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="workstream-not-found",
        title="The workstream does not exist",
        cause="No workstream has the configured name or id in this environment.",
        mitigation="Check `workstream` (name or GUID) in the Customer Service admin center > Workstreams.",
        link="https://learn.microsoft.com/dynamics365/customer-service/administer/create-workstreams",
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="name-ambiguous",
        title="Several records have the configured name",
        cause="The queue or workstream is named, and more than one record in the environment has that name.",
        mitigation="Configure the record's GUID instead of its name (the message lists the candidates).",
        link="https://learn.microsoft.com/dynamics365/customer-service/administer/queues-omnichannel",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="workstream-not-push",
        title="The workstream is not a push workstream",
        cause="Bots only receive conversations from push workstreams; this one distributes work by pick.",
        mitigation="Choose a push workstream for the bot (the distribution mode cannot be changed after "
        "creation).",
        link=_CS_PVA,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="workstream-has-other-bot",
        title="The workstream already has another bot",
        cause="A workstream can have only one bot, and this one is attached to a different bot user.",
        mitigation="Use a workstream of its own for this bot, or remove the other bot from it first.",
        link=_CS_PVA,
        retryable=False,
        service="handoff",
        kind="conflict",
    ),
    Entry(
        key="bot-not-highest-capacity",
        title="A human agent in the queue has more capacity than the bot",
        cause="Conversations go first to the member with the highest capacity; with a human above the bot, "
        "humans get the chats the bot should take first.",
        mitigation="Raise botCapacity above every member of the queue, or give the bot a queue of its own.",
        link=_CS_AZURE,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="bot-user-not-in-root-business-unit",
        title="The bot user is not in the root business unit",
        cause="Omnichannel bot users must belong to the top-level business unit.",
        mitigation="Move the bot's application user to the root business unit (the stack creates it there).",
        link=_CS_AZURE,
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="request-invalid",
        title="The service refused the request as invalid (HTTP 400)",
        cause="A value sent is not acceptable to the service, for a reason this catalogue has no entry for.",
        mitigation="Read the service message; check the stack values it names (pulumi config) and re-run.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "compose-http-requests-handle-errors",
        retryable=False,
        service="handoff",
        kind="validation",
    ),
    Entry(
        key="access-denied",
        title="The deployer is not allowed to do this (HTTP 403)",
        cause="The deployer is signed in but lacks a role or permission for this operation.",
        mitigation="Grant the deployer the role the message names (Dataverse security role, Azure role "
        "assignment or Graph permission with admin consent) and re-run.",
        link="https://learn.microsoft.com/power-platform/admin/security-roles-privileges",
        retryable=False,
        service="handoff",
        kind="permission",
    ),
    Entry(
        key="resource-not-found",
        title="The service has no such resource (HTTP 404)",
        cause="The id or name does not exist: deleted outside the stack, mistyped, or in another "
        "environment or subscription.",
        mitigation="Check the stack values that name it; if it was deleted by hand, run `pulumi refresh` and "
        "`pulumi up`.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "compose-http-requests-handle-errors",
        retryable=False,
        service="handoff",
        kind="not_found",
    ),
    Entry(
        key="request-conflict",
        title="The change conflicts with the current state (HTTP 409/412)",
        cause="The resource exists already or changed since it was read.",
        mitigation="Run `pulumi refresh` and re-run so the stack works from the current state.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "perform-conditional-operations-using-web-api",
        retryable=False,
        service="handoff",
        kind="conflict",
    ),
    Entry(
        key="ambiguous-write",
        title="A write may or may not have been applied",
        cause="The connection dropped or the service failed (5xx) after a non-idempotent request was sent, "
        "so it is unknown whether the service applied it; it was not resent blindly.",
        mitigation="Re-run the deployment: the stack looks the record up by its natural key and adopts it "
        "instead of creating a duplicate.",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "compose-http-requests-handle-errors",
        retryable=True,
        service="handoff",
        kind="unavailable",
    ),
    Entry(
        key="service-unavailable",
        title="The service stayed unavailable",
        cause="The API answered 5xx, timed out or dropped the connection on every attempt within the retry "
        "budget, or gave no complete answer within the request deadline (60 s an attempt, 150 s with "
        "retries: a server that never answers or trickles its answer).",
        mitigation="Check the service health (Azure status, Power Platform admin center > Service health) "
        "and re-run later.",
        link="https://learn.microsoft.com/power-platform/admin/get-help-support",
        retryable=True,
        service="handoff",
        kind="unavailable",
    ),
    Entry(
        key="throttled",
        title="Throttled beyond the retry budget",
        cause="The API kept answering 429 (too many requests) for longer than the retry budget.",
        mitigation="Wait a few minutes and re-run; avoid running several deployments as the same identity at "
        "once.",
        link="https://learn.microsoft.com/graph/throttling",
        retryable=True,
        service="handoff",
        kind="throttled",
    ),
    Entry(
        key="unexpected-response",
        title="The API answered something the client does not expect",
        cause="An HTTP status or body this client has no rule for: an HTML page or a body that is not JSON "
        "where the API answers JSON (a proxy's or a captive portal's sign-in page), or a lookup answered "
        'with something other than a collection. It is not read as "nothing found".',
        mitigation="Check that nothing between you and the API answers in its place (HTTPS_PROXY, a TLS "
        "inspecting proxy, the endpoint overrides); re-run once; if it persists, open an issue with the "
        "operation, status and request id from the message (never the token).",
        link="https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
        "compose-http-requests-handle-errors",
        retryable=False,
        service="handoff",
        kind="unexpected",
    ),
    Entry(
        key="redirect-refused",
        title="A redirect was refused: credentials are never sent to another address",
        cause="The token endpoint or an API answered with a redirect (3xx). Following it would send the "
        "client secret, the federated assertion or the bearer token to the address it names, which may "
        "not be Microsoft's; the clients never follow redirects. The message names the host it pointed to.",
        mitigation="Find what answers in Microsoft's place: a proxy (HTTPS_PROXY), a TLS-inspecting "
        "middlebox or a wrong endpoint override (handoff:authorityHost, handoff:resourceManagerEndpoint, "
        "handoff:dataverseApiEndpoint); remove it and re-run.",
        link="https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow",
        retryable=False,
        service="handoff",
        kind="unexpected",
    ),
)
