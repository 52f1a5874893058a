"""Fixtures of the live acceptance suite: every test here is marked `live` and skipped, with the reason,
unless the HANDOFF_LIVE_* variables are set (settings.py). With them: the stack's settings, the SDK's
provider server configured with the stack's config (pointed at the emulator with HANDOFF_LIVE_EMULATOR),
and the survey's target."""

from __future__ import annotations

import dataclasses
import os
import pathlib

import pytest

from components.binding_plan import OmnichannelBindingArgs
from components.settings import Settings, parse_settings
from offline.harness import Binding, azure_bot_id
from offline.program import load_stack_config
from offline.provider_server import ProviderServer
from survey.target import Emulator

from .settings import LiveSettings, skip_reason

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    here = pathlib.Path(__file__).parent
    reason = skip_reason()
    for item in items:
        if here in pathlib.Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.live)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live() -> LiveSettings:
    found = LiveSettings.from_environ()
    if isinstance(found, str):  # collection already skipped the tests; a direct use is refused the same way
        pytest.skip(found)
    return found


@pytest.fixture(scope="session")
def emulator_target(live):
    return Emulator(live.emulator_url, live.ca_path) if live.emulator_url else None


@pytest.fixture(scope="session")
def stack_config(live, emulator_target) -> dict:
    """The stack config the engine would pass, with the suite's queue, workstream and variables."""
    overrides = {
        "queue": live.queue,
        "workstream": live.workstream,
        "contextVariables": list(live.context_variables),
        "allowBindingRemoval": True,  # the clean-up deletes what the suite made
        **(emulator_target.overrides() if emulator_target else {}),
    }
    return load_stack_config(ROOT, live.stack, overrides)


@pytest.fixture(scope="session")
def settings(live, stack_config) -> Settings:
    return parse_settings({k.split(":", 1)[1]: v for k, v in stack_config.items()}, live.stack)


@pytest.fixture(scope="session")
def spec(live, settings) -> OmnichannelBindingArgs:
    if settings.is_copilot_agent:
        return dataclasses.replace(OmnichannelBindingArgs.from_settings(settings), publish_agent=live.publish)
    if not live.bot_app_id:
        pytest.skip("an Azure bot stack needs HANDOFF_LIVE_BOT_APP_ID (its existing app registration)")
    bot = settings.bot
    return OmnichannelBindingArgs.from_settings(
        settings,
        bot_app_id=live.bot_app_id,
        azure_bot_id=azure_bot_id(settings.subscription_id, bot.resource_group_name, bot.name),
    )


@pytest.fixture(scope="session")
def server(live, stack_config):
    env = {"REQUESTS_CA_BUNDLE": live.ca_path} if live.ca_path else {}
    srv = ProviderServer(cwd=str(ROOT), env=env, base_env=os.environ).start()
    try:
        srv.configure(stack_config)
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def binding(server, spec, live) -> Binding:
    return Binding(server, spec, name=f"live-{live.suffix}")
