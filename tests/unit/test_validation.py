"""The pure validators shared by settings, the dynamic providers' check and the policy pack."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import validation as v


@given(st.uuids())
def test_check_guid_accepts_any_case_and_returns_lower_case(value):
    assert v.check_guid(str(value).upper()) == str(value)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1234",
        "{11111111-1111-4111-8111-111111111111}",
        "11111111-1111-4111-8111-11111111111g",
        "11111111111141118111111111111111",
        42,
    ],
)
def test_check_guid_rejects_non_guids_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="00000000-0000-0000-0000-000000000000"):
        v.check_guid(bad)


@pytest.mark.parametrize(
    "suffix, geography",
    [
        ("crm", "unitedstates"),
        ("crm2", "southamerica"),
        ("crm3", "canada"),
        ("crm4", "europe"),
        ("crm5", "asia"),
        ("crm6", "australia"),
        ("crm7", "japan"),
        ("crm8", "india"),
        ("crm9", "usgov"),
        ("crm11", "unitedkingdom"),
        ("crm12", "france"),
        ("crm14", "southafrica"),
        ("crm15", "unitedarabemirates"),
        ("crm16", "germany"),
        ("crm17", "switzerland"),
    ],
)
def test_dataverse_geography_follows_the_crm_region_number(suffix, geography):
    assert v.dataverse_geography(f"https://contoso.{suffix}.dynamics.com") == geography


@pytest.mark.parametrize(
    "url, cloud, geography",
    [
        ("https://contoso.crm.microsoftdynamics.us", "usgovernment", "usgovhigh"),
        ("https://contoso.crm.appsplatform.us", "usgovernment", "usdod"),
        ("https://contoso.crm.dynamics.cn", "china", "china"),
        ("https://contoso.crm9.dynamics.com", "public", "usgov"),
    ],
)
def test_sovereign_dataverse_hosts_belong_to_their_cloud(url, cloud, geography):
    assert v.dataverse_host_info(url) == (cloud, geography)
    assert v.check_dataverse_url(url, cloud) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.crm10.dynamics.com",
        "https://contoso.api.crm.dynamics.com",
        "https://crm.dynamics.com",
        "https://contoso.example.com",
        None,
    ],
)
def test_dataverse_geography_is_none_for_hosts_that_are_not_environments(url):
    assert v.dataverse_geography(url) is None


def test_geographies_cover_every_dataverse_host_and_regional_bot_location():
    assert {"unitedstates", "europe", "india", "usgov", "usgovhigh", "usdod", "china"} <= v.GEOGRAPHIES
    assert {v.bot_location_geography(loc) for loc in v.BOT_LOCATIONS} - {None} <= v.GEOGRAPHIES


def test_check_dataverse_url_normalises_case_and_trailing_slash():
    expected = "https://contoso-dev.crm.dynamics.com"
    assert v.check_dataverse_url("HTTPS://Contoso-Dev.CRM.Dynamics.com/") == expected


@pytest.mark.parametrize(
    "bad, message",
    [
        ("http://contoso.crm.dynamics.com", "is not https"),
        ("https://contoso.crm.dynamics.com/api/data/v9.2", "environment URL alone"),
        ("https://contoso.crm.dynamics.com:8443", "environment URL alone"),
        ("https://user@contoso.crm.dynamics.com", "environment URL alone"),
        ("https://contoso.dynamics.com", "not a Dataverse environment host"),
        ("https://-contoso.crm.dynamics.com", "not a Dataverse environment host"),
    ],
)
def test_check_dataverse_url_rejects_what_is_not_an_environment_url(bad, message):
    with pytest.raises(ValueError, match=message):
        v.check_dataverse_url(bad)


def test_check_dataverse_url_rejects_a_host_of_another_cloud_listing_the_right_hosts():
    expected = r"usgovernment cloud host, not public; use one of <org>\.crm\.dynamics"
    with pytest.raises(ValueError, match=expected):
        v.check_dataverse_url("https://contoso.crm.microsoftdynamics.us", "public")


@given(st.from_regex(r"https://[A-Za-z0-9]{1,20}\.crm[0-9]{0,2}\.dynamics\.com/{0,3}", fullmatch=True))
def test_normalize_environment_url_is_idempotent_lower_case_without_trailing_slash(url):
    once = v.normalize_url(url)
    assert once == v.normalize_url(once) == once.lower()
    assert not once.endswith("/")


@pytest.mark.parametrize(
    "location, geography",
    [("global", None), ("westeurope", "europe"), ("West Europe", "europe"), ("centralindia", "india")],
)
def test_bot_location_geography_is_none_only_for_global(location, geography):
    assert v.bot_location_geography(location) == geography


def test_bot_location_geography_refuses_unknown_locations_instead_of_calling_them_global():
    expected = "not an Azure Bot location; use one of global, westeurope, centralindia"
    with pytest.raises(ValueError, match=expected):
        v.bot_location_geography("eastus")


@pytest.mark.parametrize("name", ["ab", "a" * 64, "contoso-handoff-dev", "Bot_1.x", "9bot"])
def test_check_bot_name_accepts_arm_bot_names(name):
    assert v.check_bot_name(name) == name


@pytest.mark.parametrize("name", ["a", "a" * 65, "-bot", ".bot", "bot name", "bot/1", "bøt"])
def test_check_bot_name_rejects_names_arm_refuses(name):
    with pytest.raises(ValueError, match="not a valid Azure Bot name"):
        v.check_bot_name(name)


@given(st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}", fullmatch=True))
def test_every_name_matching_the_arm_pattern_and_length_is_a_bot_name(name):
    assert v.check_bot_name(name) == name


@pytest.mark.parametrize("name", ["r", "x" * 90, "rg-handoff-dev", "rg(prod)_1.a", "rg-ÜBER"])
def test_check_resource_group_name_accepts_arm_group_names(name):
    assert v.check_resource_group_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 91, "rg.", "rg/1", "rg name", "rg#1"])
def test_check_resource_group_name_rejects_names_arm_refuses(name):
    with pytest.raises(ValueError, match="not a valid resource group name"):
        v.check_resource_group_name(name)


def test_agent_name_of_30_characters_is_accepted_and_31_refused_with_the_reason():
    assert v.check_agent_name("A" * 30) == "A" * 30
    with pytest.raises(ValueError, match="has 31 characters; rename the agent to at most 30 characters"):
        v.check_agent_name("A" * 31)


@given(st.text(min_size=31, max_size=80).filter(lambda t: len(t.strip()) > 30))
def test_any_agent_name_longer_than_30_characters_is_refused(name):
    with pytest.raises(ValueError, match="fail to connect"):
        v.check_agent_name(name)


@pytest.mark.parametrize(
    "name, ok",
    [
        ("cr5a1_contosoHelper", True),
        ("crd2b_agent_2", True),
        ("contosoHelper", False),
        ("1cr_x", False),
        ("cr5a1_", False),
        ("toolongprefix_x", False),
        ("cr5a1_contoso helper", False),
    ],
)
def test_agent_schema_name_is_prefix_underscore_name(name, ok):
    if ok:
        assert v.check_agent_schema_name(name) == name
    else:
        with pytest.raises(ValueError, match="<prefix>_<name>"):
            v.check_agent_schema_name(name)


@given(st.integers())
def test_capacity_accepts_exactly_the_documented_range(number):
    low, high = v.CAPACITY_RANGE
    if low <= number <= high:
        assert v.check_capacity(number) == v.check_capacity(str(number)) == number
    else:
        with pytest.raises(ValueError, match=f"from {low} to {high}"):
            v.check_capacity(number)


@pytest.mark.parametrize("bad", [True, 1.5, "ten", None, ""])
def test_check_int_rejects_what_is_not_a_whole_number(bad):
    with pytest.raises(ValueError, match="is not an integer"):
        v.check_int(bad, 0, 10)


@pytest.mark.parametrize("value, expected", [(True, True), ("true", True), ("False", False), (False, False)])
def test_check_bool_reads_yaml_and_engine_booleans(value, expected):
    assert v.check_bool(value) is expected


@pytest.mark.parametrize("bad", ["yes", 1, None, "on"])
def test_check_bool_rejects_anything_else(bad):
    with pytest.raises(ValueError, match="use true or false"):
        v.check_bool(bad)


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10).map(str.strip)))
def test_string_lists_read_the_same_from_yaml_and_from_the_engines_json_text(items):
    import json

    assert v.check_string_list(items) == v.check_string_list(json.dumps(items)) == tuple(items)


@pytest.mark.parametrize("bad", ["not json [", '{"a": 1}', "[1, 2]", 5])
def test_check_string_list_rejects_what_is_not_a_list_of_strings(bad):
    with pytest.raises(ValueError, match="list"):
        v.check_string_list(bad)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("customerTier:text", v.ContextVariable("customerTier", "text")),
        (" orderNumber : Number ", v.ContextVariable("orderNumber", "number")),
    ],
)
def test_parse_context_variable_reads_name_colon_type(text, expected):
    assert v.parse_context_variable(text) == expected


@pytest.mark.parametrize(
    "bad", ["customerTier", "customerTier:date", ":text", "customer tier:text", "1x:text"]
)
def test_parse_context_variable_rejects_other_forms_naming_the_types(bad):
    with pytest.raises(ValueError, match="text, number"):
        v.parse_context_variable(bad)


def test_github_credential_trusts_the_github_issuer_for_the_exact_subject():
    credential = v.github_credential("repo:contoso/handoff:environment:prod")
    assert credential.issuer == v.GITHUB_ISSUER
    assert credential.subject == "repo:contoso/handoff:environment:prod"
    assert credential.name.startswith("github-repo-contoso-handoff-environment-prod-")


def test_azure_devops_credential_builds_the_vstoken_issuer_and_sc_subject():
    entry = "88888888-8888-4888-8888-888888888888/contoso/Handoff/handoff-prod"
    credential = v.azure_devops_credential(entry)
    assert credential.issuer == "https://vstoken.dev.azure.com/88888888-8888-4888-8888-888888888888"
    assert credential.subject == "sc://contoso/Handoff/handoff-prod"


@pytest.mark.parametrize(
    "bad",
    [
        "contoso/Handoff/handoff-prod",
        "not-a-guid/contoso/Handoff/sc",
        "88888888-8888-4888-8888-888888888888/contoso//sc",
        "88888888-8888-4888-8888-888888888888/contoso/Handoff/sc/extra",
    ],
)
def test_azure_devops_credential_rejects_other_forms(bad):
    with pytest.raises(ValueError, match="<organizationId>/<organization>/<project>/<serviceConnection>"):
        v.azure_devops_credential(bad)


@pytest.mark.parametrize("bad", ["", "repo contoso", "x" * 601, "nocolon"])
def test_github_credential_rejects_malformed_subjects(bad):
    with pytest.raises(ValueError, match="not a GitHub OIDC subject"):
        v.github_credential(bad)


@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=590
    ).map(lambda t: f"repo:{t}")
)
def test_credential_names_are_url_friendly_bounded_and_unique_per_subject(subject):
    credential = v.github_credential(subject)
    assert re.fullmatch(r"[a-z0-9-]+", credential.name) and len(credential.name) <= 120
    assert credential.key == credential.name.rsplit("-", 1)[-1]
    assert v.github_credential(subject + "x").name != credential.name


def test_parse_user_assigned_identity_id_reads_subscription_group_and_name():
    parsed = v.parse_user_assigned_identity_id(
        f"/subscriptions/{str(uuid.UUID(int=7)).upper()}/resourceGroups/rg-id/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/bot-identity"
    )
    assert parsed == v.UserAssignedIdentityId(str(uuid.UUID(int=7)), "rg-id", "bot-identity")


def test_parse_user_assigned_identity_id_rejects_other_resource_ids():
    with pytest.raises(ValueError, match="userAssignedIdentities/<name>"):
        v.parse_user_assigned_identity_id("/subscriptions/x/resourceGroups/g/providers/Microsoft.Web/sites/w")


@pytest.mark.parametrize(
    "bad, message",
    [
        ("http://bot.contoso.com", "is not https"),
        ("https://user:pw@bot.contoso.com", "not a plain https URL"),
        ("https:///path", "not a plain https URL"),
    ],
)
def test_check_https_url_rejects_plain_http_and_credentials(bad, message):
    with pytest.raises(ValueError, match=message):
        v.check_https_url(bad)


@pytest.mark.parametrize("entry", ["flag:boolean", "account:entity"])
def test_context_variable_types_omnichannel_does_not_document_for_the_admin_center_are_refused(entry):
    # Text and Number are what the admin center offers; Boolean is community-observed only and an Entity
    # Reference needs its entity and relationship (reference Corrections 3).
    with pytest.raises(ValueError, match="declare it as text or number"):
        v.parse_context_variable(entry)


def test_context_variable_names_are_case_sensitive_so_two_spellings_are_two_variables():
    assert [x.name for x in v.parse_context_variables(["orderId:text", "OrderId:text"])] == [
        "orderId",
        "OrderId",
    ]
