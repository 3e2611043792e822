"""Provider tests: the real provider classes against an in-process sandbox.

Each test gets fresh sandboxes on free loopback ports and providers configured the way
the Pulumi provider host configures them (a `ConfigureRequest` carrying the stack
config), with a short HTTP policy so timeouts cost fractions of a second. When a test
ends, every journal entry of its sandboxes is checked against the vendors' OpenAPI
documents (see `contract.py`); the coverage is printed at the end of the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from pulumi.dynamic import Config, ConfigureRequest

from mlpp_monitoring.config import parse_config
from mlpp_monitoring.http import HttpPolicy
from mlpp_monitoring.sentry.alert import AlertSpec, ErrorAlertProvider
from mlpp_monitoring.uptimerobot.monitor import MonitorSpec, UptimeMonitorProvider
from mlpp_sandbox import Sandbox, SandboxOptions
from tests.stackfiles import project_raw

from .contract import ContractLedger

SHORT = HttpPolicy(
    connect_timeout=1.0,
    read_timeout=0.5,
    retries=3,
    backoff=0.01,
    backoff_max=0.05,
    budget=5.0,
    create_wait=0.6,
)
"""Timeouts in fractions of a second: a `hang` fault outlives the read timeout at once, and
an ambiguous create is looked for twice (at once, then after 0.5 s) before giving up."""

PROJECT = "mlpp-monitoring"
ORG_PATH = "/api/0/organizations/mlpp"

_LEDGER: list[ContractLedger] = []


def _production() -> Any:
    return parse_config(project_raw("production"))


def declared_monitor(**changes: Any) -> dict[str, Any]:
    """The production stack's monitor, as `UptimeMonitor` hands it to the engine."""
    spec = MonitorSpec.from_config(_production().uptimerobot.monitors["monaluxe-app"])
    return {**spec.model_dump(mode="json"), "adopt_id": None, **changes}


def declared_alert(key: str = "new-issue", **changes: Any) -> dict[str, Any]:
    """A production stack alert (`new-issue` or `spike`), as `ErrorAlert` hands it over."""
    sentry = _production().sentry
    spec = AlertSpec.from_config(sentry, sentry.alerts[key])
    return {**spec.model_dump(mode="json"), "adopt_id": None, **changes}


def stack_config(sb: Sandbox, **overrides: Any) -> dict[str, Any]:
    """The provider config Pulumi would pass: sandbox URLs and credentials as secrets."""
    return {
        "uptimerobot:apiUrl": sb.urls["uptimerobot"],
        "uptimerobot:apiKey": sb.options.uptimerobot_key,
        "sentry:baseUrl": sb.urls["sentry"],
        "sentry:authToken": sb.options.sentry_token,
        **overrides,
    }


def configured(
    provider_class: type[UptimeMonitorProvider] | type[ErrorAlertProvider],
    config: dict[str, Any],
    policy: HttpPolicy = SHORT,
) -> Any:
    """A provider configured as the Pulumi provider host does it."""
    provider = provider_class(policy)
    provider.configure(ConfigureRequest(Config(config, PROJECT)))
    return provider


def live_monitors(sb: Sandbox) -> list[Any]:
    """Monitors the sandbox account holds."""
    with sb.lock:
        return list(sb.uptimerobot.monitors.values())


def live_workflows(sb: Sandbox) -> list[Any]:
    """Workflows of the sandbox organization not pending deletion."""
    with sb.lock:
        return [w for w in sb.sentry.workflows.values() if w.status == "active"]


def posts(sb: Sandbox, path: str) -> int:
    """POSTs to exactly this path (`Sandbox.calls` matches a prefix)."""
    return sum(1 for e in sb.journal if e["method"] == "POST" and e["path"] == path)


MONITORS_PATH = "/v3/monitors"
WORKFLOWS_PATH = f"{ORG_PATH}/workflows/"


class Console:
    """Edits made by hand, as in the vendors' web consoles: plain calls to the vendor API."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.ur = requests.Session()
        self.ur.headers["Authorization"] = f"Bearer {sb.options.uptimerobot_key}"
        self.sentry = requests.Session()
        self.sentry.headers["Authorization"] = f"Bearer {sb.options.sentry_token}"

    def _ok(self, response: requests.Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def create_monitor(self, **fields: Any) -> dict[str, Any]:
        contact = next(iter(self.sb.uptimerobot.alert_contacts))
        body = {
            "friendlyName": "hand-made",
            "type": "HTTP",
            "url": "https://monaluxe.app",
            "interval": 900,
            "timeout": 20,
            "assignedAlertContacts": [{"alertContactId": contact, "threshold": 0, "recurrence": 0}],
            **fields,
        }
        url = f"{self.sb.urls['uptimerobot']}/monitors"
        result: dict[str, Any] = self._ok(self.ur.post(url, json=body, timeout=5))
        return result

    def patch_monitor(self, id_: str, **fields: Any) -> None:
        url = f"{self.sb.urls['uptimerobot']}/monitors/{id_}"
        self._ok(self.ur.patch(url, json=fields, timeout=5))

    def pause_monitor(self, id_: str) -> None:
        url = f"{self.sb.urls['uptimerobot']}/monitors/{id_}/pause"
        self._ok(self.ur.post(url, json={}, timeout=5))

    def delete_monitor(self, id_: str) -> None:
        self._ok(self.ur.delete(f"{self.sb.urls['uptimerobot']}/monitors/{id_}", timeout=5))

    def _workflow_url(self, id_: str | None = None) -> str:
        tail = f"{id_}/" if id_ else ""
        return f"{self.sb.urls['sentry']}{ORG_PATH}/workflows/{tail}"

    def get_workflow(self, id_: str) -> dict[str, Any]:
        result: dict[str, Any] = self._ok(self.sentry.get(self._workflow_url(id_), timeout=5))
        return result

    def edit_workflow(self, id_: str, edit: Callable[[dict[str, Any]], None]) -> None:
        """GET the workflow, let `edit` change the writable body, PUT it back (ids echoed)."""
        live = self.get_workflow(id_)

        def group(g: dict[str, Any]) -> dict[str, Any]:
            return {
                "id": int(g["id"]),
                "logicType": g["logicType"],
                "conditions": [
                    {k: c[k] for k in ("type", "comparison", "conditionResult")}
                    | {"id": int(c["id"])}
                    for c in g["conditions"]
                ],
                "actions": [
                    {k: a[k] for k in ("type", "integrationId", "data", "config")}
                    | {"id": int(a["id"])}
                    for a in g["actions"]
                ],
            }

        body: dict[str, Any] = {
            "name": live["name"],
            "enabled": live["enabled"],
            "environment": live["environment"],
            "config": live["config"],
            "detectorIds": [int(d) for d in live["detectorIds"]],
            "triggers": group(live["triggers"]),
            "actionFilters": [group(g) for g in live["actionFilters"]],
        }
        edit(body)
        self._ok(self.sentry.put(self._workflow_url(id_), json=body, timeout=5))

    def create_workflow(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._ok(
            self.sentry.post(self._workflow_url(), json=body, timeout=5)
        )
        return result

    def delete_workflow(self, id_: str) -> None:
        self._ok(self.sentry.delete(self._workflow_url(id_), timeout=5))


@pytest.fixture(scope="session")
def ledger() -> ContractLedger:
    """One contract ledger for the session (loading the specs takes seconds)."""
    if not _LEDGER:
        _LEDGER.append(ContractLedger())
    return _LEDGER[0]


@pytest.fixture
def start_sandbox(
    ledger: ContractLedger, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes for one test; their journals are contract-checked when it ends."""
    started: list[Sandbox] = []

    def start(**options: Any) -> Sandbox:
        sb = Sandbox(SandboxOptions(**options)).start()
        started.append(sb)
        return sb

    yield start
    problems: list[str] = []
    for sb in started:
        sb.stop()
        problems += ledger.check(sb.journal, request.node.nodeid)
    assert not problems, "journal entries outside the vendor specs:\n" + "\n".join(problems)


@pytest.fixture
def sb(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A sandbox with the seeded accounts (one alert contact, environment production)."""
    return start_sandbox()


@pytest.fixture
def console(sb: Sandbox) -> Console:
    return Console(sb)


@pytest.fixture
def monitors(sb: Sandbox) -> UptimeMonitorProvider:
    """The monitor provider, configured against the sandbox."""
    provider: UptimeMonitorProvider = configured(UptimeMonitorProvider, stack_config(sb))
    return provider


@pytest.fixture
def alerts(sb: Sandbox) -> ErrorAlertProvider:
    """The alert provider, configured against the sandbox."""
    provider: ErrorAlertProvider = configured(ErrorAlertProvider, stack_config(sb))
    return provider


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the contract coverage of the provider tests (when any ran)."""
    if _LEDGER and _LEDGER[0].entries:
        terminalreporter.write_sep("-", "contract coverage of the provider tests")
        terminalreporter.write_line(_LEDGER[0].summary())
