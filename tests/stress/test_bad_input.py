"""Bad input never gets past validation (issue 8), proved with generated inputs (hypothesis).

- Stack config: the committed dev stack (Pulumi.dev.yaml) with one to four keys broken (wrong types, bad
  GUIDs, URLs that are not https or not Dataverse, agent names over 30 characters, ARM names breaking their
  rules, out-of-range integers, missing required keys, unknown keys and enum values, malformed arrays,
  unicode and whitespace) is rejected with one ConfigError naming every bad key with a fix, never another
  exception; through the simulated engine (Pulumi.yaml's types) and the real program, nothing is declared.
  Valid variations are accepted, and YAML values and the engine's strings give the same settings.
- Provider inputs: the six binding resources' Check, through the SDK's real provider server, fails naming each
  bad property with a fix, sends no request to the emulator, and the server keeps serving.
- The `python -m offline` CLI, end to end, refuses a stack file with one bad key with the program's message.

Examples are derandomised (the same in CI as here), bounded in number, and never saved to a database.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import string
import subprocess
import sys
from typing import Any, NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from components import validation as v
from components.config_keys import schema_default
from components.dynamic.bot_user import BotApplicationUser
from components.settings import KEYS, KEYS_BY_NAME, REQUIRED, ConfigError, Settings, parse_settings
from emulator.dataverse import testing as dv
from offline.harness import DEV_AZURE_BOT_ID as DEV_AZURE_BOT
from offline.program import REMOVE, ProgramError, StackConfigError, load_stack_config, run_program
from offline.runner import PROGRAM_FAILED
from tests.providers.support import ORDER, Driver, resource_of, start_server

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV_FILE = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
DEV = {key.split(":", 1)[1]: value for key, value in DEV_FILE.items()}  # a Copilot Studio agent
PROD_FILE = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text(encoding="utf-8"))["config"]
PROD = {key.split(":", 1)[1]: value for key, value in PROD_FILE.items()}  # an Azure bot
BASES = {"dev": DEV, "prod": PROD}
AZURE_ONLY = {key.name for key in KEYS if key.applies_to == "other"}
AGENT_ONLY = {key.name for key in KEYS if key.applies_to == "copilotStudio"}


def stack_for(keys) -> str:
    """The committed stack of the kind these keys apply to (an Azure bot's keys: prod), or "" if they mix."""
    keys = set(keys)
    if keys & AZURE_ONLY and keys & AGENT_ONLY:
        return ""
    return "prod" if keys & AZURE_ONLY else "dev"


# What a message must offer besides the problem: a way out (an action, the allowed values or the limit).
FIXES = (
    "use ",
    "set ",
    "add ",
    "remove",
    "rename",
    "write ",
    "declare",
    "list each",
    "copy ",
    "did you mean",
    "must be",
    "one of",
    "at most",
    "shorten",
    "give the resource",
)


def profile(examples: int):
    """Deterministic in CI, no deadline (the machine is shared), bounded, no example database in the tree."""
    return settings(
        derandomize=True,
        deadline=None,
        max_examples=examples,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


def has_fix(message: str) -> bool:
    return any(marker in message for marker in FIXES)


# --- values -----------------------------------------------------------------------------------------------
UNICODE = st.characters(codec="utf-8")  # any text a YAML file can hold
VISIBLE = st.characters(codec="utf-8", exclude_categories=("Z", "C"))  # never stripped away
TEXT = st.text(UNICODE, max_size=30)
BLANK = st.text(st.sampled_from(" \t\n\r\u00a0\u2003\u3000"), max_size=4)  # empty once stripped
NOT_TEXT = st.one_of(
    st.integers(-(2**62), 2**62),
    st.floats(),
    st.booleans(),
    st.lists(st.integers(0, 9), max_size=3),
    st.dictionaries(st.text(string.ascii_letters, max_size=4), st.integers(0, 9), max_size=2),
)
WORD = st.text(string.ascii_letters + string.digits, min_size=1, max_size=10)
ORG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True)
# A DNS host name: labels start and end with a letter or digit (RFC 1123), as check_https_url wants.
HOST = st.from_regex(r"[a-z](?:[a-z0-9-]{0,9}[a-z0-9])?\.[a-z]{2,5}", fullmatch=True)


def longer_than(limit: int) -> st.SearchStrategy[str]:
    return st.text(VISIBLE, min_size=limit + 1, max_size=limit + 40)


def not_choice(choices: tuple[str, ...], fold=lambda text: text.strip().lower()) -> st.SearchStrategy:
    folded = {fold(choice) for choice in choices}
    return st.one_of(TEXT.filter(lambda text: fold(text) not in folded), NOT_TEXT)


@st.composite
def broken_guid(draw) -> str:
    guid = str(draw(st.uuids()))
    how = draw(st.sampled_from(("character", "no hyphens", "braces", "short", "long")))
    if how == "character":
        at = draw(st.integers(0, len(guid) - 1))
        char = draw(UNICODE.filter(lambda c: c not in string.hexdigits + "-"))
        return guid[:at] + char + guid[at + 1 :]
    return {
        "no hyphens": guid.replace("-", ""),
        "braces": "{" + guid + "}",
        "short": guid[:-1],
        "long": guid + "0",
    }[how]


BAD_GUID = st.one_of(broken_guid(), BLANK, NOT_TEXT)
BAD_HTTPS = st.one_of(
    st.builds("{}://{}/api".format, st.sampled_from(("http", "ftp", "file", "wss", "httpss")), HOST),
    HOST.map("{}/api/messages".format),  # no scheme
    st.sampled_from(("https://", "https:///api", "//contoso.com/api")),
    HOST.map("https://user:password@{}/".format),
    HOST.map("https://{}/#fragment".format),
)
BAD_DATAVERSE = st.one_of(
    ORG.map("http://{}.crm.dynamics.com".format),
    ORG.map("https://{}.example.com".format),
    ORG.map("https://{}.crm13.dynamics.com".format),  # there is no region 13
    ORG.map("https://{}.crm.dynamics.com/api/data/v9.2".format),
    ORG.map("https://{}.crm.dynamics.com:8443".format),
    ORG.map("https://{}.crm.dynamics.com?tenant=x".format),
    ORG.map("https://-{}.crm.dynamics.com".format),
    ORG.map("https://{}_x.crm.dynamics.com".format),
    BLANK,
    NOT_TEXT,
)
OTHER_CLOUD_DATAVERSE = ORG.map("https://{}.crm.microsoftdynamics.us".format)
OTHER_GEOGRAPHY_DATAVERSE = ORG.map("https://{}.crm4.dynamics.com".format)
BAD_BOT_NAME = st.one_of(
    st.sampled_from(string.ascii_letters),
    st.text(string.ascii_lowercase, min_size=65, max_size=80),
    st.builds(str.__add__, st.sampled_from("-_."), WORD),
    st.builds("{}{}{}".format, WORD, st.sampled_from(" /#é!@+~"), WORD),
    NOT_TEXT,
)
BAD_RESOURCE_GROUP = st.one_of(
    BLANK,
    st.text(string.ascii_lowercase, min_size=91, max_size=100),
    WORD.map("{}.".format),
    st.builds("{}{}{}".format, WORD, st.sampled_from(" /#!@+~*"), WORD),
    NOT_TEXT,
)
BAD_SCHEMA_NAME = st.one_of(
    st.from_regex(r"[a-z]{3,10}", fullmatch=True),
    st.from_regex(r"[0-9][a-z]{2}_[a-z]{3}", fullmatch=True),
    st.from_regex(r"[a-z]{9,12}_[a-z]{3}", fullmatch=True),
    st.just("cr5a1_"),
    st.just("cr5a1_" + "x" * 100),
    st.just("cré_helper"),
    BLANK,
    NOT_TEXT,
)
BAD_CAPACITY = st.one_of(
    st.integers(max_value=0, min_value=-(2**62)),
    st.integers(min_value=2**31, max_value=2**62),
    st.floats().filter(lambda number: not number.is_integer()),
    st.from_regex(r"[a-z]{1,6}", fullmatch=True),
    st.sampled_from(("1.5", "1e3", "")),
    st.booleans(),
    st.lists(st.integers(1, 9), min_size=1, max_size=2),
)
BAD_BOOL = st.one_of(
    TEXT.filter(lambda text: text.strip().lower() not in ("true", "false")),
    st.integers(-9, 9),
    st.floats(),
    st.lists(st.booleans(), max_size=2),
)
BAD_MSI = st.one_of(
    WORD,
    st.just(
        "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/bot"
    ),
    st.just(
        "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities"
    ),
    NOT_TEXT,
)
VALID_MSI = (
    "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-id/providers/"
    "Microsoft.ManagedIdentity/userAssignedIdentities/bot-identity"
)


def text_of(limit: int) -> st.SearchStrategy:
    """A display text that is empty once stripped, longer than `limit`, or not text at all."""
    return st.one_of(BLANK, longer_than(limit), NOT_TEXT)


# Arrays: not a list (including JSON text that is not a list of strings, nested past the decoder's depth),
# entries that are not strings, and malformed entries among good ones.
NOT_A_LIST = st.one_of(
    st.integers(-(2**62), 2**62),
    st.booleans(),
    st.dictionaries(WORD, WORD, min_size=1, max_size=2),
    st.sampled_from(("customerTier:text", '{"a": 1}', "[1, 2]", "null", "42", "[", '["a", ]')),
    st.integers(2_000, 50_000).map(lambda depth: "[" * depth + "]" * depth),  # engine JSON text, too deep
    st.integers(2_000, 50_000).map(lambda depth: "[" * depth),
)


def with_one_of(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy[list]:
    """A list of good entries with at least one bad entry somewhere."""
    return st.builds(
        lambda head, wrong, tail: [*head, wrong, *tail],
        st.lists(good, max_size=2),
        bad,
        st.lists(good, max_size=2),
    )


GOOD_VARIABLE = st.builds(
    "{}:{}".format,
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
    st.sampled_from(v.CONTEXT_VARIABLE_TYPES),
)
BAD_VARIABLE = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),  # no type
    st.builds(
        "{}:{}".format,
        WORD.filter(str.isalpha),
        st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(
            lambda kind: kind not in v.CONTEXT_VARIABLE_TYPES
        ),
    ),
    st.builds("{}:text".format, st.sampled_from(("1tier", "a-b", "", "é", "tier name", "x" * 101))),
    NOT_TEXT,
    st.none(),
)
BAD_VARIABLES = st.one_of(
    NOT_A_LIST,
    with_one_of(GOOD_VARIABLE, BAD_VARIABLE),
    # A name declared twice (exactly: names are case-sensitive, so `a` and `A` are two variables).
    WORD.filter(str.isalpha).map(lambda name: [f"{name}:text", f"{name}:number"]),
    # A type Omnichannel documents but the admin center does not offer, or Boolean (community-observed only).
    st.sampled_from((["flag:boolean"], ["account:entity"])),
)
GOOD_SUBJECT = WORD.map("repo:contoso/{}:environment:dev".format)
BAD_SUBJECTS = st.one_of(
    NOT_A_LIST,
    with_one_of(
        GOOD_SUBJECT,
        st.one_of(
            st.sampled_from(("repo contoso", "repocontoso", "repo:contoso/handoff :environment:dev")),
            st.text(VISIBLE, min_size=601, max_size=620).map(lambda text: "repo:" + text),
            BLANK,
            NOT_TEXT,
        ),
    ),
    GOOD_SUBJECT.map(lambda subject: [subject, subject]),
)
GOOD_ADO = st.builds("{}/contoso/{}/{}".format, st.uuids().map(str), WORD, WORD)
BAD_ADO = st.one_of(
    NOT_A_LIST,
    with_one_of(
        GOOD_ADO,
        st.one_of(
            st.builds("{}/contoso/{}".format, st.uuids().map(str), WORD),  # three parts
            st.builds("contoso/{}/{}/{}".format, WORD, WORD, WORD),  # no organization id
            st.builds("{}/contoso//{}".format, st.uuids().map(str), WORD),  # an empty part
            st.builds(
                "{}/contoso/{}/{}".format,
                st.uuids().map(str),
                WORD,  # a subject over 600
                st.text(string.ascii_letters, min_size=600, max_size=620),
            ),
            BLANK,
            NOT_TEXT,
        ),
    ),
)


class Bad(NamedTuple):
    """One broken key: its value (REMOVE: deleted from the file) and the keys whose dev values the rejection
    needs (a rule between keys runs only when all of them parsed)."""

    key: str
    value: Any
    needs: frozenset = frozenset()
    only: str = ""  # the one committed stack whose values make it bad ("" = either)


def bad(
    key: str, values: st.SearchStrategy, needs: tuple[str, ...] = (), only: str = ""
) -> st.SearchStrategy[Bad]:
    # A rule reading one kind's keys runs only while botProvider parses (which kind is then known).
    needed = frozenset(needs) | ({"botProvider"} if set(needs) & (AZURE_ONLY | AGENT_ONLY) else set())
    return values.map(lambda value: Bad(key, value, needed, only))


ENUMS = {
    "cloud": v.CLOUDS,
    "geography": tuple(v.GEOGRAPHIES),
    "botSku": ("F0", "S1"),
    "botProvider": ("copilotStudio", "other"),
    "botAppType": ("SingleTenant", "UserAssignedMSI", "MultiTenant"),
}
SETTINGS_BAD = st.one_of(
    *(bad(key, BAD_GUID) for key in ("tenantId", "subscriptionId")),
    *(bad(key, not_choice(choices)) for key, choices in ENUMS.items()),
    bad("botAppType", st.sampled_from(("MultiTenant", " multitenant", "MULTITENANT"))),
    bad("botLocation", not_choice(v.BOT_LOCATIONS, lambda text: text.strip().lower().replace(" ", ""))),
    bad("botLocation", st.sampled_from(("centralindia", "Central India")), needs=("geography",)),
    bad("dataSharingAcknowledged", st.one_of(BAD_BOOL, st.sampled_from((False, "false", "FALSE")))),
    *(bad(key, BAD_BOOL) for key in ("createClientSecret", "publishAgent", "allowBindingRemoval")),
    bad("resourceGroupName", BAD_RESOURCE_GROUP),
    bad("botName", BAD_BOT_NAME),
    bad("botDisplayName", text_of(120)),
    bad("copilotAgentName", text_of(v.AGENT_NAME_MAX)),
    bad("clientSecretRotation", st.one_of(longer_than(64), NOT_TEXT)),
    bad("clientSecretRotation", WORD, needs=("createClientSecret",)),
    bad("botMsiResourceId", BAD_MSI),
    bad("botMsiResourceId", st.just(VALID_MSI), needs=("botAppType",)),
    *(
        bad(key, st.one_of(BAD_HTTPS, NOT_TEXT))
        for key in ("messagingEndpoint", "authorityHost", "resourceManagerEndpoint", "dataverseApiEndpoint")
    ),
    bad("dataverseUrl", BAD_DATAVERSE),
    bad("dataverseUrl", OTHER_CLOUD_DATAVERSE, needs=("cloud",)),
    bad("dataverseUrl", OTHER_GEOGRAPHY_DATAVERSE, needs=("cloud", "geography"), only="dev"),
    bad("copilotAgentSchemaName", BAD_SCHEMA_NAME),
    bad("botCapacity", BAD_CAPACITY),
    *(bad(key, text_of(200)) for key in ("queue", "workstream")),
    bad("contextVariables", BAD_VARIABLES),
    bad("githubOidcSubjects", BAD_SUBJECTS),
    bad(
        "githubOidcSubjects",
        st.integers(21, 25).map(lambda n: [f"repo:contoso/handoff:environment:e{i}" for i in range(n)]),
        needs=("azureDevOpsOidc",),
    ),
    bad("azureDevOpsOidc", BAD_ADO),
    st.sampled_from([key.name for key in KEYS if key.default is REQUIRED]).map(
        # required for its kind of bot: which kind is known only while botProvider parses
        lambda name: Bad(name, REMOVE, frozenset({"botProvider"} if KEYS_BY_NAME[name].applies_to else ()))
    ),  # a required key deleted
    st.builds(
        Bad,
        st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,20}", fullmatch=True).filter(
            lambda name: name not in KEYS_BY_NAME
        ),
        TEXT,
    ),  # a key of no one
    st.builds(
        Bad, st.sampled_from([key.name.lower() for key in KEYS if key.name != key.name.lower()]), TEXT
    ),  # a misspelt key
)


@st.composite
def broken_stacks(draw) -> tuple[str, dict, frozenset]:
    """A committed stack's values (of the kind the broken keys apply to) with one to four keys broken, and
    the keys the error must name."""
    bads = draw(st.lists(SETTINGS_BAD, min_size=1, max_size=4, unique_by=lambda b: b.key))
    broken = {b.key for b in bads}
    kept = [b for b in bads if not b.needs & broken]  # a rule whose inputs are broken does not run
    stack = stack_for(b.key for b in kept)
    assume(kept and stack and all(b.only in ("", stack) for b in kept))
    values = dict(BASES[stack])
    for b in kept:
        if b.value is REMOVE:
            values.pop(b.key, None)
        else:
            values[b.key] = b.value
    return stack, values, frozenset(b.key for b in kept)


def assert_names_every_key_with_a_fix(error: ConfigError, keys: frozenset, stack: str = "dev") -> None:
    assert set(error.keys) == keys, (error.keys, str(error))
    text = str(error)
    assert text.startswith(f"Pulumi.{stack}.yaml has {len(error.problems)} configuration problem")
    assert "nothing was deployed" in text
    for key, message in error.problems:
        assert f"handoff:{key}: {message}" in text
        assert has_fix(message), f"handoff:{key}: {message}"


@profile(250)
@given(broken_stacks())
def test_a_stack_file_with_bad_keys_is_rejected_naming_every_one_with_its_fix(case):
    stack, values, keys = case
    try:
        parse_settings(values, stack)
    except ConfigError as error:
        assert_names_every_key_with_a_fix(error, keys, stack)
    except Exception as error:  # noqa: BLE001 - the property: nothing but ConfigError escapes
        pytest.fail(f"{type(error).__name__} escaped instead of a ConfigError: {error!s:.300}")
    else:
        pytest.fail(f"accepted a stack with bad keys {sorted(keys)}")


def schema_refuses(key: str, value: Any) -> bool:
    """Pulumi.yaml's declared type refuses the value: the engine stops before the program runs."""
    declared = KEYS_BY_NAME[key].type if key in KEYS_BY_NAME else None
    if value is REMOVE:  # the engine needs only the keys Pulumi.yaml gives no default
        return schema_default(KEYS_BY_NAME[key]) is REQUIRED
    if declared == "string":
        return isinstance(value, (list, dict))
    if declared == "boolean":
        return not (isinstance(value, bool) or str(value).lower() in ("true", "false"))
    if declared == "integer":
        return isinstance(value, bool) or not (isinstance(value, int) or str(value).lstrip("-").isdigit())
    if declared == "array":
        return not isinstance(value, list)
    return False


def engine_keeps_meaning(b: Bad) -> bool:
    """The engine passes every value as text: a number or a boolean given for a text key becomes a string
    that may well be valid ("5" is a queue name), so those mutations belong to the YAML test only."""
    if b.value is REMOVE or isinstance(b.value, str) or schema_refuses(b.key, b.value):
        return True
    declared = KEYS_BY_NAME[b.key].type if b.key in KEYS_BY_NAME else "string"
    return declared != "string" and not isinstance(b.value, float)


@profile(60)
@given(st.lists(SETTINGS_BAD.filter(engine_keeps_meaning), min_size=1, max_size=3, unique_by=lambda b: b.key))
def test_bad_keys_stop_the_engine_or_the_program_before_any_resource_is_declared(bads):
    broken = {b.key for b in bads}
    kept = [b for b in bads if not b.needs & broken]
    stack = stack_for(b.key for b in kept)
    assume(kept and stack and all(b.only in ("", stack) for b in kept))
    refused_by_schema = {b.key for b in kept if schema_refuses(b.key, b.value)}
    try:
        run_program(ROOT, stack, overrides={b.key: b.value for b in kept})
    except StackConfigError as error:  # the engine's own check of Pulumi.yaml's types
        assert refused_by_schema, str(error)
        for key in refused_by_schema:
            assert f"'handoff:{key}'" in str(error)
    except ProgramError as raised:
        assert not refused_by_schema
        assert isinstance(raised.error, ConfigError), repr(raised.error)
        assert_names_every_key_with_a_fix(raised.error, frozenset(b.key for b in kept), stack)
        assert raised.run.registrations == ()
    else:
        pytest.fail(f"the program ran with bad keys {sorted(b.key for b in kept)}")


# --- valid variations ---------------------------------------------------------------------------------------
def padded(text: str) -> st.SearchStrategy[str]:
    return st.builds("{}{}{}".format, BLANK, st.just(text), BLANK)


def any_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(text, upper))
    )


GOOD_TEXT = lambda limit: st.text(VISIBLE, min_size=1, max_size=limit)  # noqa: E731
AZURE_VARIATIONS = {  # on the prod stack (an Azure bot)
    "subscriptionId": any_case(PROD["subscriptionId"]),
    "botLocation": st.sampled_from(("global", "GLOBAL", " Global ", "westeurope", "West Europe")),
    "botSku": st.sampled_from(("F0", "f0", "S1", "s1")),
    "botProvider": any_case("other"),
    "botDisplayName": GOOD_TEXT(120),
    "botName": st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}", fullmatch=True),
    "resourceGroupName": st.from_regex(r"[\w().-]{0,89}[\w()-]", fullmatch=True),
    "messagingEndpoint": st.builds("{}://{}/api/messages/".format, any_case("https"), HOST),
    "githubOidcSubjects": st.lists(GOOD_SUBJECT, max_size=5, unique=True),
    "teamsChannel": st.sampled_from((True, False, "false", "TRUE")),
    "botAppMultiTenant": st.sampled_from((True, False, "true")),
    "dataverseUrl": st.builds("{}://{}.CRM4.dynamics.com/".format, any_case("https"), any_case("contoso")),
}
VALID_VARIATIONS = {  # on the dev stack (a Copilot Studio agent)
    "tenantId": any_case(DEV["tenantId"]).flatmap(padded),
    "cloud": any_case("public"),
    "geography": any_case("unitedstates").flatmap(padded),
    "dataSharingAcknowledged": st.sampled_from((True, "true", "TRUE", "True")),
    "botProvider": any_case("copilotStudio"),
    "copilotAgentName": GOOD_TEXT(v.AGENT_NAME_MAX),
    "copilotAgentAppId": st.one_of(st.just(""), st.uuids().map(str).map(str.upper)),
    "dataverseUrl": st.builds("{}://{}.CRM.dynamics.com/".format, any_case("https"), any_case("contoso-dev")),
    "copilotAgentSchemaName": st.from_regex(r"[A-Za-z][A-Za-z0-9]{1,7}_[A-Za-z0-9_]{1,40}", fullmatch=True),
    "botCapacity": st.one_of(st.integers(1, 2**31 - 1), st.integers(1, 2**31 - 1).map(str)),
    "queue": st.one_of(GOOD_TEXT(200), st.uuids().map(str).map(str.upper)),
    "workstream": st.one_of(GOOD_TEXT(200), st.uuids().map(str)),
    "contextVariables": st.lists(GOOD_VARIABLE, max_size=5, unique_by=lambda text: text.split(":")[0]),
    "publishAgent": st.sampled_from((True, False, "false", "TRUE")),
    "allowBindingRemoval": st.sampled_from((True, False, "true", "False")),
    "authorityHost": st.sampled_from(("", "https://login.microsoftonline.com", "HTTPS://127.0.0.1:8443/")),
}


def variations(stack: str, table: dict) -> st.SearchStrategy[tuple[str, dict]]:
    keys = st.dictionaries(st.sampled_from(sorted(table)), st.just(None), min_size=1, max_size=6)
    return keys.flatmap(lambda chosen: st.fixed_dictionaries({key: table[key] for key in chosen})).map(
        lambda changes: (stack, changes)
    )


@profile(120)
@given(st.one_of(variations("dev", VALID_VARIATIONS), variations("prod", AZURE_VARIATIONS)))
def test_valid_variations_of_the_stack_file_are_accepted_the_same_from_yaml_and_from_the_engine(case):
    stack, changes = case
    values = {**BASES[stack], **changes}
    from_yaml = parse_settings(values, stack)
    assert isinstance(from_yaml, Settings)
    url = dv.DEV if stack == "dev" else dv.PROD
    assert from_yaml.tenant_id == DEV["tenantId"] and from_yaml.omnichannel.dataverse_url == url
    engine = load_stack_config(ROOT, stack, changes)
    assert parse_settings({key.split(":", 1)[1]: value for key, value in engine.items()}, stack) == from_yaml


# --- anything at all ----------------------------------------------------------------------------------------
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
ANY_KEY = st.one_of(st.sampled_from([key.name for key in KEYS]), st.text(VISIBLE, min_size=1, max_size=12))
# Keys whose rules read another key (settings.CROSS_RULES): breaking one can make the other's rule complain.
READERS = {
    "geography": {"dataverseUrl", "botLocation"},
    "cloud": {"dataverseUrl"},
    "botAppType": {"botMsiResourceId", "githubOidcSubjects", "azureDevOpsOidc", "createClientSecret"},
    "subscriptionId": {"botMsiResourceId"},
    "createClientSecret": {"clientSecretRotation"},
    "azureDevOpsOidc": {"githubOidcSubjects"},
    "githubOidcSubjects": {"githubOidcSubjects"},
    # Another kind of bot: the other kind's required keys are missing, and this kind's keys are refused.
    "botProvider": AZURE_ONLY | AGENT_ONLY,
}


def engine_text(value: Any) -> str:
    return (
        json.dumps(value)
        if isinstance(value, (list, dict))
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


@profile(200)
@given(st.dictionaries(ANY_KEY, JSONISH, min_size=1, max_size=5), st.booleans())
def test_any_values_for_any_keys_give_settings_or_one_config_error(changes, as_engine_text):
    values = {**DEV, **changes}
    if as_engine_text:
        values = {key: engine_text(value) for key, value in values.items()}
    try:
        parse_settings(values, "dev")
    except ConfigError as error:
        allowed = set(changes).union(*(READERS.get(key, set()) for key in changes))
        assert set(error.keys) <= allowed, (error.keys, changes)
        assert all(has_fix(message) for _, message in error.problems), str(error)
    except Exception as error:  # noqa: BLE001 - the property: nothing but ConfigError escapes
        pytest.fail(f"{type(error).__name__} escaped instead of a ConfigError: {error!s:.300}")


# --- provider inputs through the provider server ------------------------------------------------------------
USER = "a1300000-0000-4000-8000-0000000000b0"
WHERE = {"environmentUrl": dv.DEV, "botAppId": dv.DEV_BOT_APP}
# Every binding resource: the dev stack's (an agent's user is ConnectedAgentUser) and an Azure bot's user.
RESOURCES = {role: resource_of(role) for role in ORDER} | {"bot-user": BotApplicationUser}
VALID = {
    "user": {"environmentUrl": dv.DEV, "botAppId": dv.DEV_AGENT_APP, "capacity": 100},
    "bot-user": {
        **WHERE,
        "displayName": "Contoso Handoff (dev)",
        "azureBotId": DEV_AZURE_BOT,
        "capacity": 100,
    },
    "role": {**WHERE, "userId": USER, "businessUnitId": dv.ROOT_BU, "roleName": "Omnichannel agent"},
    "queue": {**WHERE, "userId": USER, "queue": "Bot escalations", "capacity": 100},
    "workstream": {**WHERE, "userId": USER, "workstream": "Contoso chat"},
    "context": {**WHERE, "workstreamId": dv.CONTOSO_CHAT, "variables": ["customerTier:text"]},
    "agent": {**WHERE, "schemaName": "cr5a1_contosoHelper", "agentName": "Contoso Helper", "publish": True},
}
REQUIRED_INPUTS = {
    "user": (),
    "bot-user": ("displayName", "azureBotId"),
    "role": ("userId", "businessUnitId"),
    "queue": ("userId", "queue"),
    "workstream": ("userId", "workstream"),
    "context": ("workstreamId",),
    "agent": ("schemaName", "agentName"),
}
BAD_BOT_ID = st.one_of(
    st.just("contoso-handoff-dev"),
    st.just(DEV_AZURE_BOT.replace("33333333-3333-4333-8333-333333333333", "x")),
    st.just(DEV_AZURE_BOT.replace("contoso-handoff-dev", "-contoso")),
    st.just(DEV_AZURE_BOT.replace("botServices", "bots")),
    BLANK,
    NOT_TEXT,
)
PROVIDER_BAD = {
    "environmentUrl": st.one_of(BAD_DATAVERSE, OTHER_CLOUD_DATAVERSE),
    "botAppId": BAD_GUID,
    "displayName": text_of(120),
    "azureBotId": BAD_BOT_ID,
    "capacity": BAD_CAPACITY,
    "userId": BAD_GUID,
    "businessUnitId": BAD_GUID,
    "roleName": text_of(100),
    "queue": text_of(200),
    "workstream": text_of(200),
    "workstreamId": BAD_GUID,
    "variables": BAD_VARIABLES,
    "schemaName": BAD_SCHEMA_NAME,
    "agentName": text_of(v.AGENT_NAME_MAX),
    "publish": BAD_BOOL,
}


@st.composite
def bad_provider_inputs(draw) -> tuple[str, dict, frozenset]:
    role = draw(st.sampled_from(sorted(RESOURCES)))
    keys = draw(
        st.lists(
            st.sampled_from([k for k in VALID[role] if k in PROVIDER_BAD]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    inputs = dict(VALID[role])
    for key in keys:
        required = REQUIRED_INPUTS[role] + (("environmentUrl",) if role == "user" else tuple(WHERE))
        if key in required and draw(st.integers(0, 5)) == 0:
            del inputs[key]  # a required input left out
        elif role == "user" and key == "botAppId":  # optional for an agent: blank means "list them"
            inputs[key] = draw(
                PROVIDER_BAD[key].filter(lambda value: not (isinstance(value, str) and not value.strip()))
            )
        else:
            inputs[key] = draw(PROVIDER_BAD[key])
    return role, inputs, frozenset(keys)


@pytest.fixture(scope="module")
def provider_server(emulator_server):
    server = start_server(emulator_server)
    yield server
    server.stop()


def assert_serving(server) -> None:
    """The process is alive, answers the protocol, and still checks good inputs."""
    os.kill(server.pid, 0)
    assert server.plugin_version()
    # Olds equal to the inputs: nothing to resolve, so the check sends no request (the emulator may be bare).
    assert Driver(server, "queue").check(VALID["queue"], olds=VALID["queue"]).failures == ()


@profile(150)
@given(case=bad_provider_inputs())
def test_bad_provider_inputs_fail_check_naming_each_property_and_send_nothing(
    provider_server, emulator_server, case
):
    role, inputs, keys = case
    emulator_server.clear_requests()
    outcome = Driver(provider_server, RESOURCES[role]).check(inputs)  # a ProviderError: a crash in check
    assert {prop for prop, _ in outcome.failures} == keys, outcome.failures
    for prop, reason in outcome.failures:
        assert reason.startswith(prop) and has_fix(reason), (prop, reason)
    assert emulator_server.requests() == []


@pytest.mark.parametrize("role", sorted(RESOURCES))
def test_the_provider_server_keeps_serving_after_the_worst_inputs(provider_server, emulator_server, role):
    emulator_server.clear_requests()
    nasty = [
        {key: value for key, value in VALID[role].items() if key not in WHERE},  # where? left out
        {**VALID[role], **{key: "x" * 100_000 for key in VALID[role]}},
        {**VALID[role], **{key: [[[[[["deep"]]]]]] for key in VALID[role]}},
        {**VALID[role], **{key: float("nan") for key in VALID[role]}},
        {**VALID[role], **{key: {"nested": {"dict": None}} for key in VALID[role]}},
    ]
    for inputs in nasty:
        outcome = Driver(provider_server, RESOURCES[role]).check(inputs)
        assert outcome.failures and all(prop in inputs or prop in WHERE for prop, _ in outcome.failures)
    assert emulator_server.requests() == []
    assert_serving(provider_server)


# --- the CLI end to end -------------------------------------------------------------------------------------
def project_copy(directory: pathlib.Path, **changes: Any) -> pathlib.Path:
    """The project with its dev stack file edited: `offline/` copied (its ROOT is where it lives), the rest
    linked, so `python -m offline` runs the real program on the edited file and the checkout stays as is."""
    directory.mkdir()
    shutil.copytree(ROOT / "offline", directory / "offline", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("components", "drift", "emulator", "tests", "__main__.py", "Pulumi.yaml"):
        (directory / name).symlink_to(ROOT / name)
    document = {"config": {**DEV_FILE, **{f"handoff:{key}": value for key, value in changes.items()}}}
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return directory


def test_the_offline_cli_refuses_a_stack_file_with_one_bad_key_and_sends_nothing(emulator, tmp_path):
    project = project_copy(tmp_path / "project", copilotAgentName="Contoso Customer Care Escalations")
    emulator.clear_requests()
    environment = {k: val for k, val in os.environ.items() if not k.startswith(("ARM_", "AZURE_", "PULUMI_"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "offline",
            "up",
            "--stack",
            "dev",
            "--emulator",
            emulator.base_url,
            "--ca",
            emulator.ca_path,
            "--state-dir",
            str(tmp_path / "state"),
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == PROGRAM_FAILED, (done.stdout, done.stderr)
    assert (
        "handoff:copilotAgentName: 'Contoso Customer Care Escalations' has 33 characters; rename the "
        "agent to at most 30 characters"
    ) in done.stderr
    assert "Pulumi.dev.yaml has 1 configuration problem; nothing was deployed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and done.stdout == ""
    assert emulator.requests() == [] and not (tmp_path / "state" / "dev.json").exists()
