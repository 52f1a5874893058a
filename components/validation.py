"""Pure validators shared by the stack settings, the dynamic providers' `check` and the policy pack.

A leaf module: standard library only, no project or pulumi import (tests/unit/test_layering.py). Every
`check_*`/`parse_*` function returns the normalised value or raises `ValueError` whose message names the
problem and the fix, without the key: callers add the key (`handoff:<key>: ...`, a CheckFailure property).
Values may arrive as native YAML values or as the strings the engine passes (`"true"`, `"100"`, JSON text).

Sources of the facts encoded here (tags as in ../shared/reference/microsoft-apis.md):
- Dataverse hosts: "Datacenter regions" (MicrosoftDocs/power-platform admin/new-datacenter-regions.md) [D]
  for crm..crm17, GCC (crm9) and GCC High (crm.microsoftdynamics.us) and China (crm.dynamics.cn); DoD
  (crm.appsplatform.us) from the Power Automate / Copilot Studio US Government endpoint lists [D]; crm19-22
  (Norway, Singapore, Korea, Sweden) from community region tables [C]. GCC tenants sign in to the commercial
  Entra cloud (login.microsoftonline.com), so crm9 belongs to cloud `public` here [C: PnP, Exchange docs].
- Regional Azure Bot locations: "Regionalization in Azure AI Bot Service" and the Azure Bot create page:
  data residency is offered in `westeurope` (Europe) and `centralindia` (India) [D].
- ARM names: Bot Service swagger 2022-09-15 (2-64, `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) [D]; resource group
  naming rules (1-90, letters, digits, `_().-`, not ending in `.`) [D].
- Federated credentials: Graph federatedIdentityCredential (name <= 120, issuer/subject <= 600, <= 20 per
  app, audience `api://AzureADTokenExchange`) [D]; Azure DevOps issuer
  `https://vstoken.dev.azure.com/<organizationId>` and subject `sc://<org>/<project>/<serviceConnection>`
  [C: several public setups].
- Copilot Studio agent names longer than 30 characters fail to connect [D: MCS].
- Hosts an endpoint override may name (`MICROSOFT_HOSTS`): Entra authority hosts from "National clouds"
  (learn.microsoft.com/entra/identity-platform/authentication-national-cloud: login.microsoftonline.com,
  login.microsoftonline.us, login.partner.microsoftonline.cn) [D] and the aliases msal 1.39 knows for the
  same clouds (msal/authority.py: login.microsoft.com, login.windows.net, login.usgovcloudapi.net,
  login.chinacloudapi.cn) [D: msal]; ARM endpoints management.azure.com, management.usgovcloudapi.net,
  management.chinacloudapi.cn (the Azure SDKs' cloud settings) [D]; the Dataverse Web API at the
  environment host or its `<org>.api.<region host>` form ("Find the Web API endpoint URL":
  https://yourorg.api.crm.dynamics.com/api/data/v9.2, learn.microsoft.com/power-apps/developer/
  data-platform/webapi/web-api-types-operations) [D].
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import urllib.parse
from typing import Any, Callable, Optional

CLOUDS = ("public", "usgovernment", "china")

# Where each cloud's Microsoft services answer, per endpoint override key: the only hosts an override may
# name without handoff:allowForeignEndpoints (besides loopback, where the offline emulator listens).
# Credentials and bearer tokens follow the overrides, so this list is what keeps them at Microsoft.
MICROSOFT_HOSTS: dict[str, dict[str, tuple[str, ...]]] = {
    "authorityHost": {
        "public": ("login.microsoftonline.com", "login.microsoft.com", "login.windows.net"),
        "usgovernment": ("login.microsoftonline.us", "login.usgovcloudapi.net"),
        "china": ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
    },
    "resourceManagerEndpoint": {
        "public": ("management.azure.com",),
        "usgovernment": ("management.usgovcloudapi.net",),
        "china": ("management.chinacloudapi.cn",),
    },
}
ENDPOINT_OVERRIDE_KEYS = ("authorityHost", "resourceManagerEndpoint", "dataverseApiEndpoint")

# Public cloud Dataverse hosts `<org>.crm<N>.dynamics.com`: region number N -> Power Platform geography.
# crm9 is GCC, whose tenants use the commercial Entra and ARM endpoints; 19-22 are [C].
_PUBLIC_REGIONS = {
    "": "unitedstates",
    "2": "southamerica",
    "3": "canada",
    "4": "europe",
    "5": "asia",
    "6": "australia",
    "7": "japan",
    "8": "india",
    "9": "usgov",
    "11": "unitedkingdom",
    "12": "france",
    "14": "southafrica",
    "15": "unitedarabemirates",
    "16": "germany",
    "17": "switzerland",
    "19": "norway",
    "20": "singapore",
    "21": "korea",
    "22": "sweden",
}
# Dataverse host suffix (after "<org>.") -> (cloud, geography).
_DATAVERSE_SUFFIXES: dict[str, tuple[str, str]] = {
    **{f"crm{n}.dynamics.com": ("public", geography) for n, geography in _PUBLIC_REGIONS.items()},
    "crm.microsoftdynamics.us": ("usgovernment", "usgovhigh"),  # GCC High
    "crm.appsplatform.us": ("usgovernment", "usdod"),  # DoD
    "crm.dynamics.cn": ("china", "china"),  # operated by 21Vianet
}

#: The Power Platform geographies this project supports (one per Dataverse host family above).
GEOGRAPHIES: frozenset[str] = frozenset(geo for _, geo in _DATAVERSE_SUFFIXES.values())

# Azure Bot locations: `global` (no data residency) or a regional location and the geography it keeps data in.
_BOT_LOCATIONS: dict[str, Optional[str]] = {"global": None, "westeurope": "europe", "centralindia": "india"}
BOT_LOCATIONS: tuple[str, ...] = tuple(_BOT_LOCATIONS)

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AZURE_DEVOPS_ISSUER_PREFIX = "https://vstoken.dev.azure.com/"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
MAX_FEDERATED_CREDENTIALS = 20
AGENT_NAME_MAX = 30
CAPACITY_RANGE = (1, 2_147_483_647)  # 0 would never take a conversation; the upper bound is the column's
# The types Omnichannel documents for a workstream's context variables that the admin center offers (reference
# Corrections 3: context-variables-for-bot.md, manage-context-variables.md): Text and Number. Entity Reference
# needs an entity logical name and relationship the admin sets in the admin center; Boolean is
# community-observed only. Neither is offered here.
CONTEXT_VARIABLE_TYPES = ("text", "number")
_UNOFFERED_TYPES = {
    "boolean": "Boolean is not a documented context variable type (community-observed only)",
    "entity": "an Entity Reference needs its entity and relationship, set in the admin center",
}

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A DNS name (labels of letters, digits and hyphens) or an IPv4 address; IPv6 literals are not needed here.
_HOST = re.compile(
    r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
_ORG_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_BOT_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_RESOURCE_GROUP = re.compile(r"[\w().-]+")  # \w: Unicode letters and digits, and "_"
_SCHEMA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{1,7}_[A-Za-z0-9_]+")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MSI_ID = re.compile(
    r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
    r"Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)",
    re.IGNORECASE,
)


@dataclasses.dataclass(frozen=True)
class ContextVariable:
    """A workstream context variable declared as `name:type`."""

    name: str
    type: str


@dataclasses.dataclass(frozen=True)
class FederatedCredential:
    """One federated identity credential of the bot's app registration (a CI subject that needs no secret)."""

    name: str  # Entra's immutable, URL-friendly credential name (<= 120 characters)
    issuer: str
    subject: str
    description: str

    @property
    def key(self) -> str:
        """Stable short id of issuer + subject (the hash that ends `name`)."""
        return self.name.rsplit("-", 1)[-1]


@dataclasses.dataclass(frozen=True)
class UserAssignedIdentityId:
    """The parts of a user-assigned managed identity's ARM resource id."""

    subscription_id: str
    resource_group_name: str
    name: str


def _text(value: Any, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not {what}; write it as text (in quotes in YAML)")
    return value.strip()


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and _GUID.fullmatch(value.strip()) is not None


def check_guid(value: Any) -> str:
    """A GUID in canonical lower-case form."""
    text = value.strip() if isinstance(value, str) else None
    if text is None or not _GUID.fullmatch(text):
        raise ValueError(f"{value!r} is not a GUID; use the form 00000000-0000-0000-0000-000000000000")
    return text.lower()


def check_https_url(value: Any) -> str:
    """An absolute https URL with a valid host name, no credentials and no fragment; a trailing slash is
    dropped."""
    text = _text(value, "a URL")
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() != "https":
        raise ValueError(f"{text!r} is not https; use https://<host>/<path>")
    try:
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        port = -1
    if not parts.hostname or parts.username or parts.password or parts.fragment or port == -1:
        raise ValueError(
            f"{text!r} is not a plain https URL; use https://<host>/<path> without user or fragment"
        )
    if not _HOST.fullmatch(parts.hostname) or any(c.isspace() for c in text):
        raise ValueError(f"{text!r} has no valid host name; use https://<host>/<path> without spaces")
    return normalize_url(text)


def check_endpoint_override(value: Any) -> str:
    """An API base URL that replaces a cloud's endpoint: a plain https URL without a query."""
    url = check_https_url(value)
    if urllib.parse.urlsplit(url).query:
        raise ValueError(f"{url!r} must not have a query; use https://<host>/<path>")
    return url


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: this machine (the offline emulator), never another host."""
    host = host.strip("[]").lower()
    return host in ("localhost", "::1") or re.fullmatch(r"127(\.\d{1,3}){3}", host) is not None


def endpoint_host_kind(key: str, url: str, cloud: str) -> str:
    """Where an endpoint override (`key`, a normalised https URL) points: "microsoft" (a host of `cloud`'s
    service for that key), "loopback", or "foreign"."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if is_loopback(host):
        return "loopback"
    if key == "dataverseApiEndpoint":
        org, _, rest = host.partition(".")
        plain = f"{org}.{rest[len('api.') :]}" if rest.startswith("api.") else host
        info = dataverse_host_info(f"https://{plain}")
        return "microsoft" if info is not None and info[0] == cloud else "foreign"
    return "microsoft" if host in MICROSOFT_HOSTS[key].get(cloud, ()) else "foreign"


def microsoft_hosts(key: str, cloud: str) -> str:
    """The hosts `endpoint_host_kind` calls Microsoft's, for messages."""
    if key == "dataverseApiEndpoint":
        suffixes = [s for s, (c, _) in _DATAVERSE_SUFFIXES.items() if c == cloud]
        return f"<org>.{suffixes[0]} or <org>.api.{suffixes[0]} (any region of the {cloud} cloud)"
    return ", ".join(MICROSOFT_HOSTS[key].get(cloud, ()))


def normalize_url(value: str) -> str:
    """Lower-case scheme and host, no trailing slash; path and query kept as written."""
    parts = urllib.parse.urlsplit(value.strip())
    netloc = parts.netloc.lower()
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def dataverse_host_info(url: Any) -> Optional[tuple[str, str]]:
    """(cloud, geography) of a Dataverse environment URL, or None when it is not a known Dataverse host."""
    if not isinstance(url, str):
        return None
    host = (urllib.parse.urlsplit(url.strip()).hostname or "").lower()
    org, _, suffix = host.partition(".")
    if suffix not in _DATAVERSE_SUFFIXES or not _ORG_LABEL.fullmatch(org):
        return None
    return _DATAVERSE_SUFFIXES[suffix]


def dataverse_geography(url: Any) -> Optional[str]:
    """The Power Platform geography of a Dataverse URL from its host (crm4 -> europe), None if unknown."""
    info = dataverse_host_info(url)
    return info[1] if info else None


def check_dataverse_url(value: Any, cloud: Optional[str] = None) -> str:
    """A Dataverse environment URL (`https://<org>.crm<N>.dynamics.com` or the sovereign host), normalised."""
    text = _text(value, "a URL")
    parts = urllib.parse.urlsplit(text)
    hosts = ", ".join(f"<org>.{s}" for s, (c, _) in _DATAVERSE_SUFFIXES.items() if cloud in (None, c))
    if parts.scheme.lower() != "https":
        raise ValueError(f"{text!r} is not https; use https://<org>.crm.dynamics.com")
    if parts.path.strip("/") or parts.query or parts.fragment or parts.port or parts.username:
        raise ValueError(f"{text!r} must be the environment URL alone; use https://{parts.hostname}")
    info = dataverse_host_info(text)
    if info is None:
        raise ValueError(f"{text!r} is not a Dataverse environment host; use one of {hosts}")
    if cloud is not None and info[0] != cloud:
        raise ValueError(f"{text!r} is a {info[0]} cloud host, not {cloud}; use one of {hosts}")
    return normalize_url(text)


def check_cloud(value: Any) -> str:
    text = _text(value).lower()
    if text not in CLOUDS:
        raise ValueError(f"{text!r} is not a supported cloud; use one of {', '.join(CLOUDS)}")
    return text


def check_geography(value: Any) -> str:
    text = _text(value).lower()
    if text not in GEOGRAPHIES:
        raise ValueError(
            f"{text!r} is not a supported geography; use one of {', '.join(sorted(GEOGRAPHIES))}"
        )
    return text


def check_bot_location(value: Any) -> str:
    """`global` or a regional Azure Bot location, lower-case without spaces ("West Europe" -> westeurope)."""
    text = _text(value).lower().replace(" ", "")
    if text not in _BOT_LOCATIONS:
        raise ValueError(f"{text!r} is not an Azure Bot location; use one of {', '.join(BOT_LOCATIONS)}")
    return text


def bot_location_geography(location: Any) -> Optional[str]:
    """The geography a regional Azure Bot keeps data in; None for `global` (not regional).

    Raises ValueError for a location that is not an Azure Bot location at all, so a policy never mistakes a
    typo for `global`.
    """
    return _BOT_LOCATIONS[check_bot_location(location)]


def check_bot_name(value: Any) -> str:
    """An Azure Bot resource name (ARM: 2-64 characters, `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)."""
    text = _text(value)
    if not 2 <= len(text) <= 64 or not _BOT_NAME.fullmatch(text):
        raise ValueError(
            f"{text!r} is not a valid Azure Bot name; use 2-64 letters, digits, '_', '.' or '-' "
            "starting with a letter or digit"
        )
    return text


def check_resource_group_name(value: Any) -> str:
    """A resource group name (1-90 letters, digits, `_ ( ) . -`, not ending in a period)."""
    text = _text(value)
    if not 1 <= len(text) <= 90 or not _RESOURCE_GROUP.fullmatch(text) or text.endswith("."):
        raise ValueError(
            f"{text!r} is not a valid resource group name; use 1-90 letters, digits, '_', '(', "
            "')', '.' or '-', not ending in '.'"
        )
    return text


def check_display_name(value: Any, limit: int = 120) -> str:
    text = _text(value)
    if not text or len(text) > limit:
        raise ValueError(f"{text!r} must be 1-{limit} characters")
    return text


def check_agent_name(value: Any) -> str:
    """A Copilot Studio agent display name: longer than 30 characters fails to connect to Omnichannel."""
    text = _text(value)
    if not text:
        raise ValueError("the agent name is empty; use the agent's display name (at most 30 characters)")
    if len(text) > AGENT_NAME_MAX:
        raise ValueError(
            f"{text!r} has {len(text)} characters; rename the agent to at most {AGENT_NAME_MAX} "
            "characters (longer names fail to connect to Omnichannel)"
        )
    return text


def check_agent_schema_name(value: Any) -> str:
    """A Copilot Studio agent schema name: `<publisher prefix>_<name>`, at most 100 characters."""
    text = _text(value)
    if len(text) > 100 or not _SCHEMA_NAME.fullmatch(text):
        raise ValueError(
            f"{text!r} is not an agent schema name; use <prefix>_<name> such as "
            "cr5a1_contosoHelper (Copilot Studio: agent Settings > Advanced > Metadata)"
        )
    return text


def check_name_or_guid(value: Any, what: str) -> str:
    """A record named by its display name or its GUID (GUIDs come back lower-case)."""
    text = _text(value)
    if not text or len(text) > 200:
        raise ValueError(f"{text!r} is not a {what} name or GUID; use the {what}'s name or id")
    return text.lower() if is_guid(text) else text


def check_int(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not an integer; use a whole number from {low} to {high}")
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an integer; use a whole number from {low} to {high}") from None
    if not low <= number <= high:
        raise ValueError(f"{number} is out of range; use a whole number from {low} to {high}")
    return number


def check_capacity(value: Any) -> int:
    return check_int(value, *CAPACITY_RANGE)


def check_bool(value: Any) -> bool:
    """A boolean, as YAML writes it or as the engine passes it (`"true"`/`"false"`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean; use true or false")


def check_string_list(value: Any) -> tuple[str, ...]:
    """A list of strings, as YAML writes it or as the engine passes it (JSON text)."""
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value) if value.strip() else []
        except (json.JSONDecodeError, RecursionError):  # nesting past the decoder's depth raises the latter
            raise ValueError(f"{value!r} is not a list; write a YAML list of strings") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{value!r} is not a list of strings; write a YAML list of strings")
    return tuple(i.strip() for i in items)


def check_choice(value: Any, choices: tuple[str, ...]) -> str:
    """One of `choices`, matched case-insensitively, returned as spelt in `choices`."""
    text = value.strip().lower() if isinstance(value, str) else None
    for choice in choices:
        if text == choice.lower():
            return choice
    raise ValueError(f"{value!r} is not one of {', '.join(choices)}")


def parse_list(value: Any, parse: Callable[[str], Any]) -> tuple:
    """A list of strings (YAML or JSON text), each parsed; an entry listed twice (any case) is refused."""
    items, seen = [], set()
    for text in check_string_list(value):
        item = parse(text)
        if str(item).lower() in seen:
            raise ValueError(f"{text!r} is listed twice; list each entry once")
        seen.add(str(item).lower())
        items.append(item)
    return tuple(items)


def parse_context_variables(value: Any) -> tuple[ContextVariable, ...]:
    """`name:type` entries with distinct names. Names are case-sensitive, as Omnichannel matches them
    (context-variables-for-bot.md): `orderId` and `OrderId` are two variables."""
    variables = tuple(parse_context_variable(text) for text in check_string_list(value))
    names = [variable.name for variable in variables]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{', '.join(duplicates)} declared more than once; declare each variable once")
    return variables


def parse_context_variable(value: Any) -> ContextVariable:
    """`name:type`, type text or number (the type is case-insensitive, the name is not)."""
    text = _text(value)
    name, sep, kind = text.partition(":")
    name, kind = name.strip(), kind.strip().lower()
    if sep and kind in _UNOFFERED_TYPES:
        raise ValueError(
            f"{text!r}: {_UNOFFERED_TYPES[kind]}; declare it as text or number, or create it in the admin "
            "center (workstream, Advanced settings, Context variables) and leave it out here"
        )
    if not sep or not _VARIABLE_NAME.fullmatch(name) or len(name) > 100 or kind not in CONTEXT_VARIABLE_TYPES:
        raise ValueError(
            f"{text!r} is not name:type; use a name of letters, digits and '_' and a type of "
            f"{', '.join(CONTEXT_VARIABLE_TYPES)} (e.g. customerTier:text)"
        )
    return ContextVariable(name, kind)


def parse_user_assigned_identity_id(value: Any) -> UserAssignedIdentityId:
    text = _text(value)
    match = _MSI_ID.fullmatch(text)
    if not match or not is_guid(match["sub"]):
        raise ValueError(
            f"{text!r} is not a user-assigned identity id; use /subscriptions/<id>/"
            "resourceGroups/<group>/providers/Microsoft.ManagedIdentity/"
            "userAssignedIdentities/<name>"
        )
    return UserAssignedIdentityId(match["sub"].lower(), match["rg"], match["name"])


def _credential_name(prefix: str, issuer: str, subject: str) -> str:
    # Entra names are immutable and URL-friendly: a readable slug of the subject plus a short hash of
    # issuer+subject, so two subjects never share a name and a name never changes for the same subject.
    slug = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")[:100]
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
    return f"{prefix}-{slug}-{digest}"


def github_credential(subject: Any) -> FederatedCredential:
    """A federated credential for a GitHub Actions OIDC subject (`repo:contoso/handoff:environment:prod`)."""
    text = _text(subject)
    if not text or len(text) > 600 or any(c.isspace() for c in text) or ":" not in text:
        raise ValueError(
            f"{text!r} is not a GitHub OIDC subject; use e.g. repo:<owner>/<repo>:environment:"
            "<name> (at most 600 characters, matched case-sensitively)"
        )
    return FederatedCredential(
        _credential_name("github", GITHUB_ISSUER, text), GITHUB_ISSUER, text, f"GitHub Actions: {text}"
    )


def azure_devops_credential(entry: Any) -> FederatedCredential:
    """A federated credential for an Azure DevOps service connection written
    `<organizationId>/<organization>/<project>/<serviceConnection>`: issuer
    `https://vstoken.dev.azure.com/<organizationId>`, subject
    `sc://<organization>/<project>/<serviceConnection>`.
    """
    text = _text(entry)
    parts = [p.strip() for p in text.split("/")]
    if len(parts) != 4 or not is_guid(parts[0]) or not all(parts[1:]):
        raise ValueError(
            f"{text!r} is not <organizationId>/<organization>/<project>/<serviceConnection>; "
            "copy the issuer's GUID and the subject's parts from the service connection's "
            "federation details"
        )
    issuer = AZURE_DEVOPS_ISSUER_PREFIX + parts[0].lower()
    subject = "sc://" + "/".join(parts[1:])
    if len(subject) > 600:
        raise ValueError(
            f"{text!r} gives a subject longer than 600 characters; shorten the organization, "
            "project or service connection name"
        )
    return FederatedCredential(
        _credential_name("ado", issuer, subject),
        issuer,
        subject,
        f"Azure DevOps service connection: {subject}",
    )
