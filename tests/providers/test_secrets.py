"""Secrets: a provider pickled as Pulumi pickles it holds no credential and no code.

Pulumi stores `base64(dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL,
recurse=True))` in the state. After `configure` and real calls (which read the
credentials and build the API clients), that pickle must contain neither the API key nor
the auth token, and must reference the provider class by module and name, so the state
carries no logic and no module globals.
"""

from __future__ import annotations

import pickle
import pickletools
from typing import Any

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from mlpp_monitoring.sentry.alert import ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitorProvider
from mlpp_sandbox import Sandbox

from .conftest import PROJECT, configured, declared_alert, declared_monitor, stack_config

KEY = "ur-key-f00dfeed-unique-4242"
TOKEN = "sntrys_token_c0ffee_unique_4242"

PROVIDERS = {
    "uptimerobot": (UptimeMonitorProvider, declared_monitor),
    "sentry": (ErrorAlertProvider, declared_alert),
}


def _as_pulumi_pickles(provider: Any) -> bytes:
    data: bytes = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
    return data


def _globals(data: bytes) -> list[str]:
    """Every `module name` reference the pickle makes (GLOBAL and STACK_GLOBAL)."""
    refs, strings = [], []
    for opcode, arg, _pos in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif opcode.name == "STACK_GLOBAL":
            refs.append(f"{strings[-2]} {strings[-1]}")
        elif opcode.name == "GLOBAL":
            refs.append(str(arg))
    return refs


@pytest.fixture
def secret_sandbox(start_sandbox: Any) -> Sandbox:
    sandbox: Sandbox = start_sandbox(uptimerobot_key=KEY, sentry_token=TOKEN)
    return sandbox


@pytest.mark.parametrize("vendor", sorted(PROVIDERS))
def test_used_provider_pickles_without_credentials_and_by_reference(
    secret_sandbox: Sandbox, vendor: str
) -> None:
    provider_class, declare = PROVIDERS[vendor]
    provider = configured(provider_class, stack_config(secret_sandbox))
    created = provider.create(provider.check({}, declare()).inputs)
    provider.read(created.id, created.outs)
    assert provider.__dict__.get("_built") is not None  # clients (and credentials) are loaded

    data = _as_pulumi_pickles(provider)

    assert KEY.encode() not in data and TOKEN.encode() not in data
    module = provider_class.__module__
    assert f"{module} {provider_class.__name__}" in _globals(data)
    assert all(not ref.startswith("dill.") for ref in _globals(data)), _globals(data)
    assert len(data) < 200  # a class reference and an empty state, nothing else

    restored = dill.loads(data)
    assert type(restored) is provider_class
    assert restored.__dict__ == {"_config": None, "_policy": None}


@pytest.mark.parametrize("vendor", sorted(PROVIDERS))
def test_unpickled_provider_works_once_configured_again(
    secret_sandbox: Sandbox, vendor: str
) -> None:
    """What the provider host does with the state's provider: unpickle, configure, use."""
    provider_class, declare = PROVIDERS[vendor]
    used = configured(provider_class, stack_config(secret_sandbox))
    created = used.create(declare())

    restored = dill.loads(_as_pulumi_pickles(used))
    restored.configure(ConfigureRequest(Config(stack_config(secret_sandbox), PROJECT)))
    assert restored.read(created.id, created.outs).id == created.id


@pytest.mark.parametrize("vendor", sorted(PROVIDERS))
def test_outputs_hold_no_credential(secret_sandbox: Sandbox, vendor: str) -> None:
    provider_class, declare = PROVIDERS[vendor]
    provider = configured(provider_class, stack_config(secret_sandbox))
    created = provider.create(declare())
    text = repr(created.outs) + repr(provider.read(created.id, created.outs).inputs)
    assert KEY not in text and TOKEN not in text


def test_credentials_travel_only_in_the_authorization_header(secret_sandbox: Sandbox) -> None:
    for provider_class, declare in PROVIDERS.values():
        provider = configured(provider_class, stack_config(secret_sandbox))
        created = provider.create(declare())
        provider.delete(created.id, created.outs)
    for entry in secret_sandbox.journal:
        headers = {k: v for k, v in entry["request_headers"].items() if k != "Authorization"}
        elsewhere = repr([entry["path"], entry["query"], headers, entry["request_body"]])
        assert KEY not in elsewhere and TOKEN not in elsewhere
        assert entry["request_headers"]["Authorization"] in (f"Bearer {KEY}", f"Bearer {TOKEN}")
