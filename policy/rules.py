"""The hand-off project's policies. Each validator is a plain function (unit-tested without the engine)
wrapped in a ResourceValidationPolicy or StackValidationPolicy; `POLICIES` is what the pack serves
(a tuple; PolicyPack wants a list, so __main__ passes a copy).

Mandatory (a violation fails `pulumi preview` / `pulumi up`; the CLI, v3.227.0 to v3.259, exits 1: its 5 is
declared but not wired):
- binding-resources-protected: the Omnichannel binding and the bot's identity cannot be removed by accident;
- bot-application-single-tenant: the app registration signs in organisations only (AzureADMyOrg, or
  AzureADMultipleOrgs with handoff:botAppMultiTenant), the Azure Bot is SingleTenant or UserAssignedMSI
  (multi-tenant bot creation is deprecated);
- azure-bot-has-omnichannel-channel: every Azure Bot of the stack has its Omnichannel channel, the channel
  Omnichannel reaches an Azure bot through (configure-bot-azure.md);
- bot-region-matches-geography: a regional bot keeps its data in the geography the stack declares;
- dataverse-matches-geography: the Dataverse environment of every binding resource is in the geography the
  bot declares (Microsoft: the bot and Omnichannel environments must be in the same geography);
- endpoints-stay-in-cloud: an endpoint override names a host outside the stack cloud's Microsoft hosts and
  loopback without handoff:allowForeignEndpoints.
Advisory (reported, never blocking):
- prefer-federated-credentials: a client secret exists where workload identity federation would do;
- teams-channel-enabled: a Teams channel declared disabled (the bot is then unreachable on Teams);
- regional-bot-for-data-residency: a `global` bot serves a geography outside the United States.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from components.validation import (
    ENDPOINT_OVERRIDE_KEYS,
    GEOGRAPHIES,
    bot_location_geography,
    check_bool,
    dataverse_geography,
    endpoint_host_kind,
)
from policy import resources as r

_SUPPORTED = ", ".join(sorted(GEOGRAPHIES))


def validate_binding_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    bound_identity = args.resource_type in r.BOUND_IDENTITY_TYPES
    if not (bound_identity or r.is_binding_resource(args.resource_type, args.urn)) or args.opts.protect:
        return
    why = (
        "the bot's app registration and Azure Bot are bound into Omnichannel (a new one means a new bot "
        "connection)"
        if bound_identity
        else "removing the Omnichannel binding cannot be undone (another environment means a new bot)"
    )
    report(
        f"{args.resource_type} '{args.name}' must be protected: {why}. Create it with protect=True "
        "(children inherit it from the OmnichannelBinding component); to remove it on purpose run "
        "`pulumi state unprotect <urn>` first.",
        None,
    )


def validate_single_tenant(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == r.APPLICATION:
        audience = args.props.get("signInAudience") or r.DEFAULT_SIGN_IN_AUDIENCE
        if audience not in r.ORGANIZATION_AUDIENCES:
            report(
                f"Application '{args.name}' has signInAudience '{audience}': the bot's app registration must "
                f"sign in organisations only; set sign_in_audience='{r.SINGLE_TENANT_AUDIENCE}' (or "
                "AzureADMultipleOrgs with handoff:botAppMultiTenant).",
                None,
            )
    elif args.resource_type == r.BOT:
        app_type = r.get_path(args.props, "properties", "msaAppType")
        if app_type not in r.SINGLE_TENANT_APP_TYPES:
            shown = f"'{app_type}'" if app_type else "not set"
            report(
                f"Azure Bot '{args.name}' has properties.msaAppType {shown}: use "
                f"{' or '.join(r.SINGLE_TENANT_APP_TYPES)} (handoff:botAppType); multi-tenant bots can no "
                "longer be created.",
                None,
            )


def validate_bot_region(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != r.BOT:
        return
    declared = _declared_geography(args.props)
    if declared is None:
        report(
            f"Azure Bot '{args.name}' has no '{r.GEOGRAPHY_TAG}' tag: tag it with the stack's geography "
            "(handoff:geography) so data location can be checked.",
            None,
        )
        return
    if declared not in GEOGRAPHIES:
        report(
            f"Azure Bot '{args.name}' declares geography '{declared}', which is not supported; use one of "
            f"{_SUPPORTED}.",
            None,
        )
        return
    location = args.props.get("location") or "global"
    try:
        region = bot_location_geography(location)
    except ValueError as error:
        report(f"Azure Bot '{args.name}' has location '{location}': {error}.", None)
        return
    if region is not None and region != declared:
        report(
            f"Azure Bot '{args.name}' is in '{location}', which keeps data in '{region}', but the stack "
            f"declares geography '{declared}': set handoff:botLocation to a location in '{declared}' or "
            "'global'.",
            None,
        )


def validate_dataverse_geography(args: StackValidationArgs, report: ReportViolation) -> None:
    bots = [res for res in args.resources if res.resource_type == r.BOT]
    declared = {_declared_geography(bot.props) for bot in bots} - {None}
    if not declared:
        args.not_applicable("no Azure Bot tagged with its geography in this stack")
    for res in args.resources:
        if not r.is_binding_resource(res.resource_type, res.urn) or "environmentUrl" not in res.props:
            continue
        url = res.props["environmentUrl"]
        geography = dataverse_geography(url)
        if geography is None:
            report(
                f"{res.resource_type} '{res.name}': environmentUrl '{url}' is not a known Dataverse host, "
                "so its geography cannot be checked; use the environment URL "
                "(https://<org>.crm<N>.dynamics.com).",
                res.urn,
            )
        elif geography not in declared:
            report(
                f"{res.resource_type} '{res.name}' binds the bot to Dataverse '{url}' in '{geography}', "
                f"but the bot declares '{', '.join(sorted(declared))}': the bot and the Omnichannel "
                "environment must be in the same geography; fix handoff:geography or handoff:dataverseUrl.",
                res.urn,
            )


def _channel_name(props: Mapping[str, Any]) -> Optional[str]:
    return r.get_path(props, "channelName") or r.get_path(props, "properties", "channelName")


def validate_omnichannel_channel(args: StackValidationArgs, report: ReportViolation) -> None:
    bots = [res for res in args.resources if res.resource_type == r.BOT]
    if not bots:
        args.not_applicable("no Azure Bot in this stack (a Copilot Studio agent has none)")
    channels = [
        res
        for res in args.resources
        if res.resource_type == r.CHANNEL and _channel_name(res.props) == r.OMNICHANNEL_CHANNEL_NAME
    ]
    # A channel's bot name is the bot's output: unknown in a preview, then it may belong to any bot.
    named = {res.props.get("resourceName") for res in channels}
    for bot in bots:
        if None in named or bot.props.get("resourceName") in named:
            continue
        report(
            f"Azure Bot '{bot.name}' has no Omnichannel channel: Omnichannel reaches an Azure bot through it "
            "(Channels > Omnichannel); declare it (the project's AzureBot component does) or apply it in the "
            "portal and import it.",
            bot.urn,
        )


def validate_endpoints_in_cloud(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != r.ENDPOINTS_COMPONENT:
        return
    cloud = str(args.props.get("cloud") or "public")
    try:
        opted_in = check_bool(args.props.get("allowForeignEndpoints", False))
    except ValueError:
        opted_in = False
    for key in ENDPOINT_OVERRIDE_KEYS:
        url = args.props.get(key)
        if not url or opted_in:
            continue
        try:
            kind = endpoint_host_kind(key, str(url), cloud)
        except KeyError:  # an unknown cloud: nothing is Microsoft's
            kind = "foreign"
        if kind == "foreign":
            report(
                f"handoff:{key} is {url}, neither a Microsoft host of the {cloud} cloud nor loopback: the "
                "deployer's credentials and tokens would be sent there. Remove the override, or set "
                "handoff:allowForeignEndpoints: true for a private cloud you trust.",
                None,
            )


def validate_prefer_federation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == r.APPLICATION_PASSWORD:
        report(
            f"ApplicationPassword '{args.name}' creates a client secret: pipelines can authenticate with a "
            "federated identity credential instead (handoff:githubOidcSubjects, handoff:azureDevOpsOidc); "
            "keep handoff:createClientSecret false unless a consumer really needs the secret.",
            None,
        )


def validate_teams_channel_enabled(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != r.CHANNEL:
        return
    properties = args.props.get("properties")
    if (
        r.get_path(args.props, "channelName") != r.TEAMS_CHANNEL_NAME
        and r.get_path(properties or {}, "channelName") != r.TEAMS_CHANNEL_NAME
    ):
        return
    if r.get_path(properties or {}, "properties", "isEnabled") is False:
        report(
            f"Teams channel '{args.name}' is disabled: the bot is unreachable on Teams (Omnichannel itself "
            "uses the Omnichannel channel); set isEnabled to true, or handoff:teamsChannel: false for none.",
            None,
        )


def validate_regional_bot(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != r.BOT:
        return
    declared = _declared_geography(args.props)
    location = args.props.get("location") or "global"
    if declared and declared != "unitedstates" and str(location).lower() == "global":
        report(
            f"Azure Bot '{args.name}' is global while the stack declares '{declared}': a global bot may "
            "process data outside that geography; use a regional location where one exists (westeurope for "
            "europe, centralindia for india).",
            None,
        )


def _declared_geography(props: Mapping[str, Any]) -> Optional[str]:
    value = r.get_path(props, "tags", r.GEOGRAPHY_TAG)
    return str(value).lower() if value else None


def _resource_policy(name: str, description: str, validate: Callable, level: EnforcementLevel):
    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level
    )


MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

POLICIES = (
    _resource_policy(
        "binding-resources-protected",
        "The Omnichannel binding and the bot's app registration and Azure Bot are protected.",
        validate_binding_protected,
        MANDATORY,
    ),
    _resource_policy(
        "bot-application-single-tenant",
        "The bot's app registration signs in organisations only and the Azure Bot is SingleTenant or "
        "UserAssignedMSI.",
        validate_single_tenant,
        MANDATORY,
    ),
    _resource_policy(
        "bot-region-matches-geography",
        "A regional Azure Bot is in the geography the stack declares (handoff-geography tag).",
        validate_bot_region,
        MANDATORY,
    ),
    StackValidationPolicy(
        name="dataverse-matches-geography",
        description="Every binding resource's Dataverse environment is in the bot's geography.",
        validate=validate_dataverse_geography,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="azure-bot-has-omnichannel-channel",
        description="Every Azure Bot has the Omnichannel channel Omnichannel reaches it through.",
        validate=validate_omnichannel_channel,
        enforcement_level=MANDATORY,
    ),
    _resource_policy(
        "endpoints-stay-in-cloud",
        "Endpoint overrides name only the stack cloud's Microsoft hosts or loopback, unless opted in.",
        validate_endpoints_in_cloud,
        MANDATORY,
    ),
    _resource_policy(
        "prefer-federated-credentials",
        "Client secrets are avoided where federated credentials would do.",
        validate_prefer_federation,
        ADVISORY,
    ),
    _resource_policy(
        "teams-channel-enabled",
        "A declared Teams channel is enabled.",
        validate_teams_channel_enabled,
        ADVISORY,
    ),
    _resource_policy(
        "regional-bot-for-data-residency",
        "A global Azure Bot is only used for the United States geography.",
        validate_regional_bot,
        ADVISORY,
    ),
)
