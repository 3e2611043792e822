"""End-to-end harness: the real `pulumi` CLI, a copy of this project, a sandbox process.

Nothing here talks to the provider objects: tests run `pulumi` (CLI or Automation API)
exactly as a user would, and check outcomes by reading the sandbox's vendor APIs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from pulumi import automation as auto

from mlpp_monitoring.commands.engine import PULUMI_VERSION, SANDBOX_PASSPHRASE, find_bin_dir
from mlpp_monitoring.sentry.alert import ErrorAlert
from mlpp_monitoring.uptimerobot.monitor import UptimeMonitor
from mlpp_sandbox.launch import LaunchedSandbox, launch

REPO = Path(__file__).resolve().parents[2]
UPTIMEROBOT_KEY = "sandbox-uptimerobot-key"
SENTRY_TOKEN = "sandbox-sentry-token"
SECRETS = (UPTIMEROBOT_KEY, SENTRY_TOKEN)
"""The sandbox's credentials: they may travel only in an Authorization header."""

DRIFT_EXIT_CODE = 7
"""`pulumi preview --expect-no-changes` exit code when changes were proposed (v3.274)."""

MONITOR_TYPE = UptimeMonitor.type_token()
ALERT_TYPE = ErrorAlert.type_token()
RESOURCE_TYPES = (MONITOR_TYPE, ALERT_TYPE)
"""The program's resource types, as URNs, previews and the state name them."""
LEGACY_TYPE = "pulumi-python:dynamic:Resource"
"""Every resource's type up to release 0.1.0."""
MONITOR = "monitor-monaluxe-app"
"""Pulumi name of the runbook's monitor (config key `monaluxe-app`)."""
ALERT_NEW_ISSUE = "alert-new-issue"
ALERT_SPIKE = "alert-spike"


@dataclass
class SandboxProcess:
    """`python -m mlpp_sandbox` on a free loopback port, with a journal file."""

    workdir: Path
    args: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    launched: LaunchedSandbox | None = None

    @property
    def journal_path(self) -> Path:
        """The JSON-lines journal of every vendor request."""
        return self.workdir / "journal.jsonl"

    def start(self) -> SandboxProcess:
        """Start it and wait until it serves."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.launched = launch(
            self.workdir / "ready.json",
            "--journal",
            str(self.journal_path),
            *self.args,
            log_file=self.workdir / "sandbox.log",
        )
        self.urls = self.launched.urls
        return self

    def stop(self) -> None:
        """SIGTERM, then wait."""
        if self.launched is not None:
            self.launched.stop(timeout=10)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.urls["sentry"]

    def uptimerobot(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call to the sandbox's UptimeRobot API, as a person in the web console would."""
        headers = {"Authorization": f"Bearer {UPTIMEROBOT_KEY}"}
        return requests.request(
            method, f"{self.urls['uptimerobot']}{path}", headers=headers, timeout=10, **kwargs
        )

    def sentry(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A call to the sandbox's Sentry API (`path` after /api/0)."""
        headers = {"Authorization": f"Bearer {SENTRY_TOKEN}"}
        return requests.request(
            method, f"{self.base}/api/0{path}", headers=headers, timeout=10, **kwargs
        )

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The sandbox's own control API (/_sandbox/...)."""
        return requests.request(method, f"{self.base}/_sandbox{path}", timeout=10, **kwargs)

    def monitors(self) -> list[dict[str, Any]]:
        """Every live monitor of the account."""
        data: list[dict[str, Any]] = self.uptimerobot("GET", "/monitors?limit=200").json()["data"]
        return data

    def workflows(self) -> list[dict[str, Any]]:
        """Every live workflow of the organization."""
        data: list[dict[str, Any]] = self.sentry("GET", "/organizations/mlpp/workflows/").json()
        return data

    def journal(self) -> list[dict[str, Any]]:
        """The journal entries so far."""
        if not self.journal_path.exists():
            return []
        return [json.loads(line) for line in self.journal_path.read_text().splitlines() if line]

    # -- added helpers (vendor-side reads and edits made "behind Pulumi's back") ----------

    def monitor(self, id_: int | str) -> dict[str, Any] | None:
        """One monitor by id, None when it does not exist."""
        response = self.uptimerobot("GET", f"/monitors/{int(id_)}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def workflow_named(self, part: str) -> dict[str, Any]:
        """The one live workflow whose name contains `part` (e.g. "Spike")."""
        (found,) = [w for w in self.workflows() if part in w["name"]]
        return found

    def edit_monitor(self, id_: int | str, **changes: Any) -> dict[str, Any]:
        """PATCH a monitor as a person in the web console would (camelCase fields)."""
        response = self.uptimerobot("PATCH", f"/monitors/{int(id_)}", json=changes)
        assert response.ok, response.text
        data: dict[str, Any] = response.json()
        return data

    def pause_monitor(self, id_: int | str) -> None:
        """POST /monitors/{id}/pause (the API wants a JSON content type, even with no body)."""
        response = self.uptimerobot("POST", f"/monitors/{int(id_)}/pause", json={})
        assert response.ok, response.text

    def delete_monitor(self, id_: int | str) -> None:
        """DELETE a monitor."""
        response = self.uptimerobot("DELETE", f"/monitors/{int(id_)}")
        assert response.ok, response.text

    def edit_workflow(self, workflow: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """PUT a workflow: its GET body with `changes` applied, as a console edit would."""
        body = {**workflow, **changes}
        response = self.sentry("PUT", f"/organizations/mlpp/workflows/{workflow['id']}/", json=body)
        assert response.ok, response.text
        data: dict[str, Any] = response.json()
        return data

    def delete_workflow(self, id_: int | str) -> None:
        """DELETE a workflow."""
        response = self.sentry("DELETE", f"/organizations/mlpp/workflows/{int(id_)}/")
        assert response.ok, response.text

    def add_environment(self, name: str) -> None:
        """Seed a Sentry environment (they otherwise appear with a first event)."""
        response = self.control("POST", "/sentry/environments", json={"name": name})
        assert response.ok, response.text

    def journal_mark(self) -> int:
        """A position in the journal, for `journal_since`."""
        return len(self.journal())

    def journal_since(self, mark: int) -> list[dict[str, Any]]:
        """The vendor requests made after `journal_mark()` returned `mark`."""
        return self.journal()[mark:]


@dataclass
class Project:
    """A copy of this Pulumi project whose sandbox stack points at one sandbox process."""

    dir: Path
    sandbox: SandboxProcess
    backend: Path
    stack_name: str = "sandbox"

    @classmethod
    def create(cls, root: Path, sandbox: SandboxProcess, backend: Path | None = None) -> Project:
        """Copy Pulumi.yaml (venv made absolute), __main__.py and the sandbox stack file."""
        root.mkdir(parents=True, exist_ok=True)
        project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        shutil.copy(REPO / "__main__.py", root / "__main__.py")
        stack = yaml.safe_load((REPO / "Pulumi.sandbox.yaml").read_text())
        stack["config"]["uptimerobot:apiUrl"] = sandbox.urls["uptimerobot"]
        stack["config"]["sentry:baseUrl"] = sandbox.urls["sentry"]
        (root / "Pulumi.sandbox.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
        backend = backend or root / ".state"
        backend.mkdir(parents=True, exist_ok=True)
        made = cls(dir=root, sandbox=sandbox, backend=backend)
        made.pulumi("stack", "select", "--create", made.stack_name, check=True)
        return made

    @property
    def env(self) -> dict[str, str]:
        """What a user's shell would have: the built CLI first on PATH, offline switches."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("UPTIMEROBOT_API_KEY", "SENTRY_AUTH_TOKEN", "PULUMI_BACKEND_URL")
        }
        env.update(
            PATH=f"{find_bin_dir()}{os.pathsep}{env.get('PATH', '')}",
            PULUMI_HOME=str(self.backend.parent / ".pulumi-home"),
            PULUMI_BACKEND_URL=self.backend.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=SANDBOX_PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        )
        return env

    def pulumi(
        self, *args: str, check: bool = False, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the CLI in the project copy; stdout and stderr captured."""
        result = subprocess.run(
            [str(find_bin_dir() / "pulumi"), *args, "--non-interactive"],
            cwd=self.dir,
            env=env or self.env,
            text=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} exited {result.returncode}\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def mlpp(
        self, command: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`mlpp-monitoring COMMAND --stack <stack> --cwd <project> ARGS`, as a user runs it."""
        return subprocess.run(
            [
                str(REPO / ".venv" / "bin" / "mlpp-monitoring"),
                command,
                "--stack",
                self.stack_name,
                "--cwd",
                str(self.dir),
                *args,
            ],
            env=env or self.env,
            text=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )

    def stack(self) -> auto.Stack:
        """The sandbox stack through the Automation API, with the same CLI and env."""
        workspace = auto.LocalWorkspace(
            work_dir=str(self.dir),
            pulumi_command=auto.PulumiCommand(root=str(find_bin_dir().parent)),
            env_vars=self.env,
        )
        return auto.Stack.select(self.stack_name, workspace)

    def set_project_value(self, path: str, value: Any) -> None:
        """Change one value of the project's config (e.g. 'uptimerobot.monitors.x.interval')
        in the stack file, as a reviewer would see it in a diff."""
        file = self.dir / "Pulumi.sandbox.yaml"
        data = yaml.safe_load(file.read_text())
        top, *rest = path.split(".")
        node = data["config"][f"mlpp-monitoring:{top}"]
        for part in rest[:-1]:
            node = node[part]
        node[rest[-1]] = value
        file.write_text(yaml.safe_dump(data, sort_keys=False))

    # -- added helpers --------------------------------------------------------------------

    @property
    def stack_file(self) -> Path:
        """The copied stack file (Pulumi.sandbox.yaml)."""
        return self.dir / f"Pulumi.{self.stack_name}.yaml"

    def read_stack_file(self) -> dict[str, Any]:
        """The stack file, parsed."""
        data: dict[str, Any] = yaml.safe_load(self.stack_file.read_text())
        return data

    def write_stack_file(self, data: dict[str, Any]) -> None:
        """Rewrite the stack file."""
        self.stack_file.write_text(yaml.safe_dump(data, sort_keys=False))

    def project_config(self, top: str) -> Any:
        """The value of `mlpp-monitoring:<top>` in the stack file (e.g. 'uptimerobot')."""
        return self.read_stack_file()["config"][f"mlpp-monitoring:{top}"]

    def set_project_config(self, top: str, value: Any) -> None:
        """Replace the whole value of `mlpp-monitoring:<top>` (a section of the config)."""
        data = self.read_stack_file()
        data["config"][f"mlpp-monitoring:{top}"] = value
        self.write_stack_file(data)

    def remove_config_key(self, key: str) -> None:
        """Drop one full key (e.g. 'uptimerobot:apiKey') from the stack file."""
        data = self.read_stack_file()
        del data["config"][key]
        self.write_stack_file(data)

    def env_with_credentials(self) -> dict[str, str]:
        """`env` plus UPTIMEROBOT_API_KEY and SENTRY_AUTH_TOKEN (credentials from the shell)."""
        return {
            **self.env,
            "UPTIMEROBOT_API_KEY": UPTIMEROBOT_KEY,
            "SENTRY_AUTH_TOKEN": SENTRY_TOKEN,
        }

    def urn(self, name: str, type_: str | None = None) -> str:
        """The URN of a resource of this stack by its Pulumi name (`monitor-...` or
        `alert-...`, the program's names, unless `type_` says otherwise)."""
        type_ = type_ or (MONITOR_TYPE if name.startswith("monitor-") else ALERT_TYPE)
        return f"urn:pulumi:{self.stack_name}::mlpp-monitoring::{type_}::{name}"

    def preview_json(self, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """`pulumi preview --json`, parsed (must succeed)."""
        result = self.pulumi("preview", "--json", *args, check=True, env=env)
        data: dict[str, Any] = json.loads(result.stdout)
        return data

    def up(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`pulumi up --yes` (must succeed)."""
        return self.pulumi("up", "--yes", *args, check=True, env=env)


def engine_version_ok() -> bool:
    """The CLI the tests use is the version this project pins."""
    out = subprocess.run(
        [str(find_bin_dir() / "pulumi"), "version"], capture_output=True, text=True, check=True
    ).stdout
    return out.strip().lstrip("v").startswith(PULUMI_VERSION.rsplit(".", 1)[0])


@contextmanager
def running_sandbox(workdir: Path, *args: str) -> Iterator[SandboxProcess]:
    """A sandbox process for the duration of a block."""
    sandbox = SandboxProcess(workdir=workdir, args=list(args)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


# -- reading the CLI's output ---------------------------------------------------------------

_HEADER = re.compile(
    r"^(?P<indent>\s*)(?:(?P<mark>[-+~]{1,2}) )?"
    r"(?P<type>[\w-]+:[\w/-]*:[\w-]+): \((?P<op>[\w-]+)\)\s*$"
)
_URN_LINE = re.compile(r"^\s*\[urn=(?P<urn>[^\]]+)\]\s*$")
_PROPERTY = re.compile(r"^(?P<indent>\s*)(?P<mark>[-+~]) (?P<name>\w+)\s*:")


@dataclass(frozen=True)
class DiffBlock:
    """One resource step of `pulumi preview --diff` output."""

    op: str
    """As the CLI prints it: refresh, update, create, delete, replace, same, ..."""
    name: str
    """The resource's Pulumi name (last part of the URN), e.g. monitor-monaluxe-app."""
    changed: frozenset[str]
    """Top-level properties marked as changed (~), added (+) or removed (-)."""


def parse_diff(stdout: str) -> list[DiffBlock]:
    """The resource steps of a `pulumi preview --diff` (or `up --diff`) output, in order.

    A step starts with a header such as `    ~ pulumi-python:dynamic/uptimerobot:Monitor: (update)`,
    then `[urn=...]`; its own properties are marked in the header's text column.
    """
    blocks: list[DiffBlock] = []
    current: dict[str, Any] | None = None

    def close() -> None:
        if current is not None and current["name"]:
            blocks.append(DiffBlock(current["op"], current["name"], frozenset(current["changed"])))

    for line in stdout.splitlines():
        header = _HEADER.match(line)
        if header:
            close()
            column = len(header["indent"]) + (len(header["mark"]) + 1 if header["mark"] else 0)
            current = {"op": header["op"], "name": "", "changed": set(), "column": column}
            continue
        if current is None:
            continue
        urn = _URN_LINE.match(line)
        if urn and not current["name"]:
            current["name"] = urn["urn"].rsplit("::", 1)[-1]
            continue
        prop = _PROPERTY.match(line)
        if prop and len(prop["indent"]) == current["column"]:
            current["changed"].add(prop["name"])
        elif line.strip() == "--outputs:--" and current["op"] != "refresh":
            close()  # the stack's outputs follow: not this resource's properties
            current = None
        elif line.startswith("Resources:"):
            close()
            current = None
    close()
    return blocks


def changed_steps(preview: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a `pulumi preview --json` that are not `same`."""
    return [step for step in preview.get("steps", []) if step.get("op") != "same"]


def changed_inputs(step: dict[str, Any]) -> set[str]:
    """Properties a `preview --json` step changes: old outputs against new inputs."""
    old = (step.get("oldState") or {}).get("outputs") or {}
    new = (step.get("newState") or {}).get("inputs") or {}
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def without_authorization(entry: dict[str, Any]) -> dict[str, Any]:
    """A journal entry without its Authorization header (the one place a credential may be)."""
    headers = {
        k: v
        for k, v in (entry.get("request_headers") or {}).items()
        if k.lower() != "authorization"
    }
    return {**entry, "request_headers": headers}


def leaked_secrets(text: str) -> list[str]:
    """Which of the sandbox credentials appear in `text`."""
    return [secret for secret in SECRETS if secret in text]


def assert_runbook_state(sandbox: SandboxProcess, copy: RunbookCopy | None = None) -> None:
    """The sandbox holds exactly the runbook's objects: one monitor, two alerts, their values.

    With `copy`: the copy's objects are exactly those (other copies may exist beside it).
    """
    suffix = copy.suffix if copy else ""
    (monitor,) = copy.monitors(sandbox) if copy else sandbox.monitors()
    assert monitor["friendlyName"] == "ML_PP production - monaluxe.app" + suffix
    assert monitor["url"] == (copy.url if copy else "https://monaluxe.app")
    assert (monitor["type"], monitor["interval"], monitor["timeout"]) == ("HTTP", 300, 30)
    assert monitor["httpMethodType"] == "GET"
    assert monitor["successHttpResponseCodes"] == ["2xx"] and monitor["followRedirections"]
    assert monitor["checkSSLErrors"] is True
    assert not monitor["sslExpirationReminder"] and not monitor["domainExpirationReminder"]
    assert monitor["status"] != "PAUSED"
    contacts = monitor["assignedAlertContacts"]
    assert [(c["threshold"], c["recurrence"]) for c in contacts] == [(0, 0)]

    live = copy.workflows(sandbox) if copy else sandbox.workflows()
    new_issue_name = "[mlpp-web] New issue (production)" + suffix
    spike_name = "[mlpp-web] Spike: more than 10 events in 5 minutes (production)" + suffix
    # A list, not a set: a twin of either alert must fail.
    assert sorted(w["name"] for w in live) == sorted([new_issue_name, spike_name])
    workflows = {w["name"]: w for w in live}
    for workflow in workflows.values():
        assert workflow["enabled"] is True
        assert workflow["environment"] == "production"
        assert workflow["config"] == {"frequency": 1440}
        assert workflow["triggers"]["logicType"] == "any-short"
        (group,) = workflow["actionFilters"]
        assert group["conditions"] == []
        (action,) = group["actions"]
        assert action["type"] == "email"
        assert action["config"]["targetType"] == "issue_owners"
        assert action["data"]["fallthroughType"] == "AllMembers"
    new_issue = workflows[new_issue_name]
    assert [c["type"] for c in new_issue["triggers"]["conditions"]] == ["first_seen_event"]
    spike = workflows[spike_name]
    conditions = {c["type"]: c for c in spike["triggers"]["conditions"]}
    assert set(conditions) == {"first_seen_event", "event_frequency_count"}
    assert conditions["event_frequency_count"]["comparison"] == {"value": 10, "interval": "5m"}


# -- many cases in one stack: tokenized copies of the runbook's objects ----------------------
# Every engine operation costs seconds of CPU whatever the stack holds. Cases that do not
# interfere can share one stack and one sequence of operations: each case gets its own copy
# of the runbook's monitor and two alerts, told apart by a token in their config keys, names
# and monitor URL, and checks only its own copy. `CaseFailures` then reports every case that
# failed, by name, from one test (a module-scoped fixture shared by parametrized tests would
# run once per pytest-xdist worker).

RUNBOOK_MONITOR_KEY = "monaluxe-app"
RUNBOOK_ALERT_KEYS = ("new-issue", "spike")
"""Config keys of the runbook's objects in Pulumi.sandbox.yaml."""


@dataclass(frozen=True)
class RunbookCopy:
    """One copy of the runbook's objects (a monitor, the two alerts) marked with `token`:
    config key `<key>-<token>`, name suffix ` [<token>]`, URL `https://monaluxe.app/?<token>`."""

    token: str

    def key(self, runbook_key: str) -> str:
        """The copy's config key for one of the runbook's keys (e.g. `spike-<token>`)."""
        return f"{runbook_key}-{self.token}"

    @property
    def suffix(self) -> str:
        """What the copy's vendor-side names end with."""
        return f" [{self.token}]"

    @property
    def url(self) -> str:
        """The copy's monitor URL."""
        return f"https://monaluxe.app/?{self.token}"

    @property
    def monitor(self) -> str:
        """Pulumi name of the copy's monitor."""
        return f"monitor-{self.key(RUNBOOK_MONITOR_KEY)}"

    @property
    def alert_new_issue(self) -> str:
        """Pulumi name of the copy's new-issue alert."""
        return f"alert-{self.key('new-issue')}"

    @property
    def alert_spike(self) -> str:
        """Pulumi name of the copy's spike alert."""
        return f"alert-{self.key('spike')}"

    def resource(self, runbook_name: str) -> str:
        """The copy's Pulumi name for a runbook resource name (MONITOR, ALERT_SPIKE, ...)."""
        return dict(zip((MONITOR, ALERT_NEW_ISSUE, ALERT_SPIKE), self.resources, strict=True))[
            runbook_name
        ]

    @property
    def resources(self) -> tuple[str, str, str]:
        """Pulumi names of the copy's three resources."""
        return (self.monitor, self.alert_new_issue, self.alert_spike)

    def config_path(self, runbook_path: str) -> str:
        """A `set_project_value` path of the runbook (`uptimerobot.monitors.monaluxe-app.x`,
        `sentry.alerts.spike.x`) turned into the same path of this copy."""
        top, collection, key, *rest = runbook_path.split(".")
        return ".".join([top, collection, self.key(key), *rest])

    def monitors(self, sandbox: SandboxProcess) -> list[dict[str, Any]]:
        """The copy's live monitors (found by name: a console edit may change the URL)."""
        return [m for m in sandbox.monitors() if m["friendlyName"].endswith(self.suffix)]

    def find_monitor(self, sandbox: SandboxProcess) -> dict[str, Any]:
        """The copy's one live monitor."""
        (found,) = self.monitors(sandbox)
        return found

    def workflows(self, sandbox: SandboxProcess) -> list[dict[str, Any]]:
        """The copy's live workflows."""
        return [w for w in sandbox.workflows() if w["name"].endswith(self.suffix)]

    def workflow_named(self, sandbox: SandboxProcess, part: str) -> dict[str, Any]:
        """The copy's one live workflow whose name contains `part` (e.g. "Spike")."""
        (found,) = [w for w in self.workflows(sandbox) if part in w["name"]]
        return found

    def ids(self, sandbox: SandboxProcess) -> tuple[set[int], set[str]]:
        """Vendor ids of the copy's live monitors and workflows."""
        return (
            {int(m["id"]) for m in self.monitors(sandbox)},
            {w["id"] for w in self.workflows(sandbox)},
        )


def use_runbook_copies(project: Project, tokens: list[str]) -> dict[str, RunbookCopy]:
    """Replace the runbook's objects in the project's stack file with one copy per token
    (same values otherwise); return the copies by token."""
    copies = {token: RunbookCopy(token) for token in tokens}
    uptimerobot = project.project_config("uptimerobot")
    monitor = uptimerobot["monitors"][RUNBOOK_MONITOR_KEY]
    uptimerobot["monitors"] = {
        c.key(RUNBOOK_MONITOR_KEY): {**monitor, "name": monitor["name"] + c.suffix, "url": c.url}
        for c in copies.values()
    }
    sentry = project.project_config("sentry")
    alerts = sentry["alerts"]
    sentry["alerts"] = {
        c.key(key): {**alerts[key], "name": alerts[key]["name"] + c.suffix}
        for c in copies.values()
        for key in RUNBOOK_ALERT_KEYS
    }
    project.set_project_config("uptimerobot", uptimerobot)
    project.set_project_config("sentry", sentry)
    return copies


class CaseFailures:
    """The assertion failures of many cases checked in one test, kept by case name."""

    def __init__(self) -> None:
        self.failures: dict[str, list[str]] = {}
        self.outputs: dict[str, str] = {}
        """Output of the shared operations (by label), shown once when a case failed."""

    @contextmanager
    def check(self, case: str) -> Iterator[None]:
        """Run a block of one case's checks: an AssertionError is recorded, not raised."""
        try:
            yield
        except AssertionError as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}: {frame.line}"
            self.failures.setdefault(case, []).append(f"{where}\n{exc}".rstrip())

    def raise_if_any(self) -> None:
        """Fail with every recorded failure, grouped by case name."""
        if self.failures:
            raise AssertionError(
                f"{len(self.failures)} case(s) failed: {', '.join(self.failures)}\n\n"
                + "\n\n".join(
                    f"[{case}]\n" + "\n".join(messages) for case, messages in self.failures.items()
                )
                + "".join(f"\n\n--- {label} ---\n{text}" for label, text in self.outputs.items())
            )


def check_settled(project: Project, copies: dict[str, RunbookCopy], failures: CaseFailures) -> None:
    """After the repair: `pulumi preview --refresh --expect-no-changes` exits 0; a step
    still planned is recorded for the case whose copy it touches."""
    # --diff only to name the cases in a failure; the exit code is the check.
    again = project.pulumi("preview", "--refresh", "--expect-no-changes", "--diff")
    failures.outputs["last preview --refresh"] = again.stdout + again.stderr
    planned = [b for b in parse_diff(again.stdout) if b.op not in ("refresh", "same")]
    for case, copy in copies.items():
        with failures.check(case):
            assert [(b.op, b.name) for b in planned if b.name in copy.resources] == []
    with failures.check("whole stack"):
        assert again.returncode == 0
