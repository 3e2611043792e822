"""The GitHub Actions workflows: actionlint finds nothing, and the properties that keep
them safe hold (least privilege, actions pinned to commit SHAs, no secret or user input in
scripts, write-capable secrets only in the gated `production` environment, a serialised
deploy, a drift check that tells drift from a failed check).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.pythons import supported_pythons
from tests.workflows.support import (
    NAMES,
    REPO,
    WORKFLOWS,
    Workflow,
    composite_actions,
    jobs,
    load,
    step,
    steps,
    strings,
    triggers,
    workflow_files,
)

PROGRAM_PATHS = [
    "__main__.py",
    "mlpp_monitoring/**",
    "Pulumi*.yaml",
    "pyproject.toml",
    "requirements.txt",
    ".pulumi-version",
]

# The most each workflow's jobs may hold; a wider grant is a test failure.
ALLOWED_PERMISSIONS: dict[str, dict[str, str]] = {
    "ci": {"contents": "read"},
    "preview": {"contents": "read", "pull-requests": "write"},
    "drift": {"contents": "read", "issues": "write", "actions": "read"},
    "deploy": {"contents": "read"},
}

# Which GitHub environment each job that runs Pulumi uses: write-capable secrets live only
# in `production` (deploy); preview and drift read with read-only ones.
ENVIRONMENTS = {
    ("preview", "preview"): "monitoring-read",
    ("drift", "drift"): "monitoring-read",
    ("deploy", "deploy"): "production",
}

# The credentials (GitHub secrets) the workflows may read, and the repository variables.
CORE_SECRETS = {
    "UPTIMEROBOT_API_KEY",
    "SENTRY_AUTH_TOKEN",
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_ACCESS_TOKEN",
}
BUCKET_SECRETS = {
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "GOOGLE_CREDENTIALS",
    "AZURE_STORAGE_KEY",
}
ALLOWED_SECRETS = CORE_SECRETS | BUCKET_SECRETS
ALLOWED_VARS = {
    "PULUMI_STACK",
    "PULUMI_BACKEND_URL",
    "AWS_REGION",
    "AZURE_STORAGE_ACCOUNT",
    "DEPLOY_ON_MERGE",
    "DRIFT_FAILING_AFTER",
}

# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: a full commit SHA is the only immutable pin
# (GitHub's security-hardening guide), and Dependabot updates the comment only when it
# ends with the full version the SHA is tagged with (dependabot-core file_updater.rb).
PINNED_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?P<path>/[A-Za-z0-9_./-]+)?"
    r"@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)\s*$"
)

# The first major of each action that runs on Node 24 (GitHub's runners force Node 20
# actions onto Node 24 and are removing Node 20): the pins may move up, never below.
NODE24_MAJOR = {
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "actions/setup-go": 7,
    "actions/cache": 6,
    "actions/github-script": 9,
    "actions/upload-artifact": 7,
    "pulumi/actions": 7,
}


@pytest.fixture(scope="module")
def workflows() -> dict[str, Workflow]:
    return {name: load(name) for name in NAMES}


# --- actionlint ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def actionlint() -> str:
    """The actionlint binary, from scripts/ensure-actionlint (built with Go if needed)."""
    proc = subprocess.run(
        [str(REPO / "scripts" / "ensure-actionlint")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        pytest.fail(f"scripts/ensure-actionlint failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


def _actionlint(binary: str, cwd: Path, files: list[str]) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run(
        [binary, "-no-color", "-format", "{{json .}}", *files],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode in (0, 1), f"actionlint crashed ({proc.returncode}): {proc.stderr}"
    findings = json.loads(proc.stdout) if proc.stdout.strip() else []
    assert isinstance(findings, list)
    return proc.returncode, findings


def test_actionlint_reports_no_findings(actionlint: str) -> None:
    files = sorted(str(p.relative_to(REPO)) for p in WORKFLOWS.glob("*.yml"))
    assert files, "no workflow found"
    returncode, findings = _actionlint(actionlint, REPO, files)
    listing = "\n".join(
        f"{f['filepath']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )
    assert findings == [], f"actionlint findings:\n{listing}"
    assert returncode == 0


def test_actionlint_catches_a_broken_workflow(actionlint: str, tmp_path: Path) -> None:
    """The linter is live: it flags an unknown context property and a bad runner label."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latets\n"
        "    permissions: {}\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          no-such-input: true\n"
        "      - run: echo ${{ github.evnt.pull_request.title }}\n",
        encoding="utf-8",
    )
    returncode, findings = _actionlint(actionlint, tmp_path, [".github/workflows/bad.yml"])
    assert returncode == 1
    kinds = {f["kind"] for f in findings}
    assert {"expression", "runner-label", "action"} <= kinds, findings


# --- triggers -----------------------------------------------------------------------------


def test_the_four_workflows_exist() -> None:
    assert {p.stem for p in WORKFLOWS.glob("*.yml")} >= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_no_pull_request_target(workflows: dict[str, Workflow], name: str) -> None:
    """pull_request_target runs with write tokens and secrets: never with PR code."""
    assert "pull_request_target" not in triggers(workflows[name])


def test_ci_runs_once_per_change(workflows: dict[str, Workflow]) -> None:
    """Pull requests, and main after a merge: a branch pushed with a pull request open is
    not tested twice for the same commit. A new push to a pull request cancels its last
    run; main's runs always finish."""
    ci = workflows["ci"]
    on = triggers(ci)
    assert set(on) == {"push", "pull_request"}
    assert on["push"] == {"branches": ["main"]}
    assert ci["concurrency"] == {
        "group": "ci-${{ github.event.pull_request.number || github.ref }}",
        "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    }


def test_preview_runs_on_pull_requests_touching_the_program(
    workflows: dict[str, Workflow],
) -> None:
    on = triggers(workflows["preview"])
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == PROGRAM_PATHS


def test_deploy_runs_on_main_and_by_hand_with_a_refresh_input(
    workflows: dict[str, Workflow],
) -> None:
    on = triggers(workflows["deploy"])
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["paths"] == PROGRAM_PATHS
    refresh = on["workflow_dispatch"]["inputs"]["refresh"]
    assert refresh["type"] == "boolean" and refresh["default"] is False
    # Who runs when: tests/workflows/test_workflow_scripts.py evaluates the job's `if:`.


def test_drift_runs_hourly_off_the_hour_and_by_hand(workflows: dict[str, Workflow]) -> None:
    on = triggers(workflows["drift"])
    assert set(on) == {"schedule", "workflow_dispatch"}
    (entry,) = on["schedule"]
    minute, hour, *rest = entry["cron"].split()
    # At most once an hour (UptimeRobot's free plan allows 10 requests a minute), and not
    # at minute 0 when GitHub's scheduler is busiest.
    assert minute.isdigit() and 0 < int(minute) < 60
    assert hour == "*" and rest == ["*", "*", "*"]


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_top_level_permissions_are_minimal(workflows: dict[str, Workflow], name: str) -> None:
    assert "permissions" in workflows[name]
    assert workflows[name]["permissions"] in ({}, {"contents": "read"})


@pytest.mark.parametrize("name", NAMES)
def test_every_job_has_least_privilege_permissions(
    workflows: dict[str, Workflow], name: str
) -> None:
    allowed = ALLOWED_PERMISSIONS[name]
    for job_id, job in jobs(workflows[name]).items():
        assert "permissions" in job, f"{name}.yml job {job_id} has no permissions:"
        granted = job["permissions"]
        assert isinstance(granted, dict), f"{name}.yml job {job_id}: {granted!r} (write-all?)"
        for scope, level in granted.items():
            assert level in ("read", "write", "none")
            if level == "none":
                continue
            most = allowed.get(scope)
            assert most == level or (level == "read" and most == "write"), (
                f"{name}.yml job {job_id} asks {scope}: {level}; allowed {allowed}"
            )


@pytest.mark.parametrize(
    ("name", "job_id"), [("preview", "preview"), ("drift", "drift"), ("deploy", "deploy")]
)
def test_working_jobs_hold_exactly_what_they_need(
    workflows: dict[str, Workflow], name: str, job_id: str
) -> None:
    assert jobs(workflows[name])[job_id]["permissions"] == ALLOWED_PERMISSIONS[name]


# --- actions ------------------------------------------------------------------------------


def _uses_lines() -> list[tuple[str, str]]:
    """(file, line) of every `uses:` line of the workflows and the composite actions."""
    found = []
    for path in workflow_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"^\s*(?:-\s+)?uses:", line):
                found.append((str(path.relative_to(REPO)), line))
    return found


def test_every_action_is_pinned_to_a_full_sha_with_its_version() -> None:
    lines = _uses_lines()
    assert len(lines) > 10
    for where, line in lines:
        if re.match(r"^\s*(?:-\s+)?uses:\s+\./", line):
            continue  # the repository's own composite action, at the same commit
        assert PINNED_LINE.match(line), (
            f"{where}: `{line.strip()}` is not `uses: owner/repo@<40-hex sha> # vX.Y.Z`"
        )


def test_each_action_is_pinned_once_on_its_node24_major() -> None:
    """One SHA and version per action across all files (sub-actions such as
    actions/cache/restore share their repository's), on a Node 24 major."""
    pins: dict[str, set[tuple[str, str]]] = {}
    for _, line in _uses_lines():
        match = PINNED_LINE.match(line)
        if match:
            pins.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    assert set(pins) == set(NODE24_MAJOR), "a new action: add its first Node 24 major here"
    for action, pinned in pins.items():
        assert len(pinned) == 1, f"{action} is pinned to several commits: {pinned}"
        ((_, version),) = pinned
        major = int(version[1:].split(".")[0])
        assert major >= NODE24_MAJOR[action], f"{action} {version} runs on Node 20"


@pytest.mark.parametrize("name", NAMES)
def test_checkout_leaves_no_token_behind(workflows: dict[str, Workflow], name: str) -> None:
    for _, s in steps(workflows[name]):
        if str(s.get("uses", "")).startswith("actions/checkout@"):
            assert s.get("with", {}).get("persist-credentials") is False, (
                f"{name}.yml: checkout must not leave the token in .git/config"
            )


def _setup_action() -> dict[str, Any]:
    return composite_actions()["setup"]


def test_the_setup_action_installs_from_the_lock_and_the_version_file() -> None:
    """One block for every job: Python (pip cache keyed on the lock), .venv from the hashed
    lock, the official CLI of .pulumi-version (install only: no command, no login)."""
    action = _setup_action()
    assert action["runs"]["using"] == "composite"
    by_uses = {str(s.get("uses", "")).split("@")[0]: s for s in action["runs"]["steps"]}
    python = by_uses["actions/setup-python"]
    assert python["with"]["python-version"] == "${{ inputs.python-version }}"
    assert python["with"]["cache-dependency-path"] == "requirements.txt"
    assert action["inputs"]["python-version"]["default"] == "3.11"
    pulumi = by_uses["pulumi/actions"]
    assert pulumi["with"] == {"pulumi-version-file": ".pulumi-version"}
    assert pulumi["if"] == "inputs.pulumi == 'true'"
    runs = [s.get("run") for s in action["runs"]["steps"] if "run" in s]
    assert runs == ["scripts/ensure-venv"]
    assert all(s.get("shell") == "bash" for s in action["runs"]["steps"] if "run" in s)


@pytest.mark.parametrize(
    ("name", "job_id"),
    [
        ("ci", "test"),
        ("ci", "python-versions"),
        ("preview", "preview"),
        ("drift", "drift"),
        ("deploy", "deploy"),
    ],
)
def test_every_python_job_sets_up_through_the_one_action(
    workflows: dict[str, Workflow], name: str, job_id: str
) -> None:
    """No job sets Python up or runs pip by itself: the composite action does, from the
    lock; the jobs that run Pulumi get the CLI from it too."""
    job_steps = jobs(workflows[name])[job_id]["steps"]
    setups = [s for s in job_steps if s.get("uses") == "./.github/actions/setup"]
    assert len(setups) == 1, f"{name}.yml {job_id}"
    for s in job_steps:
        assert not str(s.get("uses", "")).startswith(("actions/setup-python@", "pulumi/actions@"))
        assert not re.search(r"\bpip3? install\b|-m pip\b", str(s.get("run", "")))
    wants_cli = (name, job_id) != ("ci", "python-versions")
    assert setups[0].get("with", {}).get("pulumi", "true") == ("true" if wants_cli else "false")


def test_ci_runs_every_supported_python(workflows: dict[str, Workflow]) -> None:
    """As .ci/run does: everything on the oldest supported Python, the engine-free suites
    (make portable) on each other one; together exactly what requires-python admits."""
    ci = jobs(workflows["ci"])
    (full,) = [
        s["with"]["python-version"]
        for s in ci["test"]["steps"]
        if s.get("uses") == "./.github/actions/setup"
    ]
    matrix = ci["python-versions"]["strategy"]["matrix"]["python"]
    assert [full, *matrix] == supported_pythons()
    assert ci["python-versions"]["strategy"]["fail-fast"] is False
    setup = step(workflows["ci"], "python-versions", "setup")
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    (portable,) = [s for s in ci["python-versions"]["steps"] if s.get("run") == "make portable"]
    assert portable["env"]["PYTHON"] == "${{ steps.setup.outputs.python-path }}"


def test_ci_tests_the_official_cli_and_lints_once(workflows: dict[str, Workflow]) -> None:
    """The CLI CI tests is the one the other workflows run (no Go build of the engine, no
    1.4 GB module cache); Go builds only actionlint, only on a cache miss, and that cache
    is saved as soon as it is built. Lint runs once, tests once."""
    test = jobs(workflows["ci"])["test"]
    runs = [s.get("run") for s in test["steps"] if "run" in s]
    assert runs == ["scripts/ensure-actionlint", "make lint", "make suite"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"\blint suite$", recipe, re.M), "make test = make lint + make suite"
    miss = "steps.actionlint.outputs.cache-hit != 'true'"
    for s in test["steps"]:
        uses = str(s.get("uses", ""))
        if uses.startswith(("actions/setup-go@", "actions/cache/save@")) or "run" in s:
            if s.get("run", "").startswith("make "):
                continue
            assert s["if"] == miss, s
        if uses.startswith("actions/setup-go@"):
            assert s["with"] == {"go-version-file": "actionlint/go.mod", "cache": False}
        assert not uses.startswith("actions/cache@"), "restore and save, not the combined one"
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert "go/pkg/mod" not in text and "go-build" not in text


# --- secrets, environments and untrusted input --------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_run_scripts_interpolate_no_expression(workflows: dict[str, Workflow], name: str) -> None:
    """No `${{ }}` in `run:` at all: secrets and event data reach scripts through `env:`,
    so neither a secret nor a PR title / branch name is pasted into shell code."""
    for job_id, s in steps(workflows[name]):
        if "run" in s:
            assert "${{" not in s["run"], f"{name}.yml job {job_id} step {s.get('name')}"


@pytest.mark.parametrize("name", NAMES)
def test_github_scripts_interpolate_no_expression(
    workflows: dict[str, Workflow], name: str
) -> None:
    for _, s in steps(workflows[name]):
        if str(s.get("uses", "")).startswith("actions/github-script@"):
            assert "${{" not in s["with"]["script"]


@pytest.mark.parametrize("name", NAMES)
def test_secrets_only_from_secrets_and_only_in_step_env(
    workflows: dict[str, Workflow], name: str
) -> None:
    doc = workflows[name]
    for path, text in strings(doc):
        for source, ref in re.findall(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)", text):
            if source == "secrets":
                assert ref in ALLOWED_SECRETS, f"{name}.yml {path}: unknown secret {ref}"
                # Only as a step's env value of the same name: `X: ${{ secrets.X }}`.
                assert re.fullmatch(r"jobs\.[^.]+\.steps\[\d+\]\.env\." + ref, path), (
                    f"{name}.yml {path}: secrets are passed only through a step's env"
                )
                assert text == "${{ secrets." + ref + " }}", f"{name}.yml {path}: {text}"
            else:
                assert ref in ALLOWED_VARS, f"{name}.yml {path}: vars.{ref} (secret in a var?)"
    assert "secrets: inherit" not in (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    # A credential variable never gets its value from anywhere but the secret of that name.
    for path, text in strings(doc):
        key = path.rsplit(".", 1)[-1]
        if key in ALLOWED_SECRETS and ".env." in f".{path}":
            assert text == "${{ secrets." + key + " }}", f"{name}.yml {path}: {text}"


def test_ci_needs_no_secret(workflows: dict[str, Workflow]) -> None:
    assert not any("secrets." in text for _, text in strings(workflows["ci"]))


@pytest.mark.parametrize("name", NAMES)
def test_secrets_are_read_only_in_their_environment(
    workflows: dict[str, Workflow], name: str
) -> None:
    """A job that reads a secret names its environment, so no secret needs to be a
    repository secret (readable by any workflow on any branch); the write-capable ones are
    in `production`, which only deploy uses."""
    for job_id, job in jobs(workflows[name]).items():
        reads = any("secrets." in text for _, text in strings(job))
        environment = job.get("environment")
        if isinstance(environment, dict):
            environment = environment["name"]
        assert environment == ENVIRONMENTS.get((name, job_id)), f"{name}.yml {job_id}"
        assert reads == (environment is not None), f"{name}.yml {job_id}"


@pytest.mark.parametrize(
    ("name", "step_id"), [("preview", "preview"), ("drift", "drift"), ("deploy", None)]
)
def test_pulumi_steps_share_the_credentials_script(
    workflows: dict[str, Workflow], name: str, step_id: str | None
) -> None:
    """One credentials block (scripts/ci/credentials.sh) for the three: a fix reaches all;
    each checks against its own environment, and gets every credential it may need."""
    the_step = (
        step(workflows[name], name, step_id)
        if step_id
        else next(s for _, s in steps(workflows[name]) if "ci_credentials" in s.get("run", ""))
    )
    run = the_step["run"]
    assert "source scripts/ci/credentials.sh" in run
    assert f"ci_credentials {ENVIRONMENTS[(name, name)]}\n" in run
    assert "ci_login" in run and "ci_redact " in run
    assert set(the_step["env"]) >= CORE_SECRETS | BUCKET_SECRETS


@pytest.mark.parametrize("name", ["preview", "drift", "deploy"])
def test_pulumi_environment(workflows: dict[str, Workflow], name: str) -> None:
    env = workflows[name]["env"]
    assert env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert env["PULUMI_STACK"] == "${{ vars.PULUMI_STACK }}"
    assert env["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"
    text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    assert "--stack production" not in text, "the stack's full name comes from PULUMI_STACK"


# --- deploy -------------------------------------------------------------------------------


def test_deploy_is_gated_by_the_production_environment(workflows: dict[str, Workflow]) -> None:
    (job,) = jobs(workflows["deploy"]).values()
    assert job["environment"] == "production"


def test_deploys_are_serialised_never_cancelled(workflows: dict[str, Workflow]) -> None:
    doc = workflows["deploy"]
    (job,) = jobs(doc).values()
    concurrency = job.get("concurrency", doc.get("concurrency"))
    assert concurrency == {"group": "deploy-production", "cancel-in-progress": False}


# --- preview ------------------------------------------------------------------------------


def test_preview_skips_forks(workflows: dict[str, Workflow]) -> None:
    all_jobs = jobs(workflows["preview"])
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert all_jobs["preview"]["if"] == same_repo
    assert all_jobs["fork"]["if"] == same_repo.replace("==", "!=")
    (notice,) = [s["run"] for s in all_jobs["fork"]["steps"]]
    assert "::notice" in notice


def test_preview_comment_is_one_script(workflows: dict[str, Workflow]) -> None:
    (comment,) = [
        s
        for _, s in steps(workflows["preview"])
        if str(s.get("uses", "")).startswith("actions/github-script@")
    ]
    assert "require('./.github/scripts/preview-comment.js')" in comment["with"]["script"]


# --- drift --------------------------------------------------------------------------------


def test_drift_issue_steps_run_on_their_outcome(workflows: dict[str, Workflow]) -> None:
    """The drift issues only when the check ran (0, 7, 8); the check-failing issue after
    any outcome but a cancel, so a failed check always leaves a trace."""
    drift_steps = jobs(workflows["drift"])["drift"]["steps"]
    scripts = {
        s["name"]: s for s in drift_steps if str(s.get("uses", "")).startswith("actions/github-")
    }
    kinds = scripts["Open, update or close the drift issues"]
    assert "driftIssues" in kinds["with"]["script"]
    failing = scripts["Open, update or close the drift-check-failing issue"]
    assert failing["if"] == "${{ !cancelled() }}"
    assert failing["env"]["CHECK_EXIT_CODE"] == "${{ steps.drift.outputs.exit-code }}"
    assert failing["env"]["DRIFT_FAILING_AFTER"] == "${{ vars.DRIFT_FAILING_AFTER }}"
    # The exact conditions are evaluated in test_workflow_scripts.py.
    check = step(workflows["drift"], "drift", "drift")
    assert "continue-on-error" not in check
    assert "continue-on-error" not in jobs(workflows["drift"])["drift"]
