"""The GitHub Actions workflows: actionlint finds nothing, and the properties that keep
them safe hold (least privilege, pinned actions, no secret or user input in scripts,
a gated and serialised deploy, a drift check that tells drift from a failed check).
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
    jobs,
    load,
    step,
    steps,
    strings,
    triggers,
)

PROGRAM_PATHS = ["__main__.py", "mlpp_monitoring/**", "Pulumi*.yaml", "pyproject.toml"]

# The most each workflow's jobs may hold; a wider grant is a test failure.
ALLOWED_PERMISSIONS: dict[str, dict[str, str]] = {
    "ci": {"contents": "read"},
    "preview": {"contents": "read", "pull-requests": "write"},
    "drift": {"contents": "read", "issues": "write"},
    "deploy": {"contents": "read"},
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
ALLOWED_VARS = {"PULUMI_BACKEND_URL", "AWS_REGION", "AZURE_STORAGE_ACCOUNT"}

PINNED = re.compile(
    r"^(?:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?"
    r"@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})"
    r"|docker://[^@\s]+@sha256:[0-9a-f]{64})$"
)


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


def test_ci_runs_on_push_and_pull_request(workflows: dict[str, Workflow]) -> None:
    assert {"push", "pull_request"} <= set(triggers(workflows["ci"]))


def test_preview_runs_on_pull_requests_touching_the_program(
    workflows: dict[str, Workflow],
) -> None:
    on = triggers(workflows["preview"])
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == PROGRAM_PATHS


def test_deploy_runs_on_main_and_by_hand_only(workflows: dict[str, Workflow]) -> None:
    on = triggers(workflows["deploy"])
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["paths"] == PROGRAM_PATHS
    (job,) = jobs(workflows["deploy"]).values()
    assert job["if"] == "github.ref == 'refs/heads/main'"


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


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_version(workflows: dict[str, Workflow], name: str) -> None:
    doc = workflows[name]
    uses = [s["uses"] for _, s in steps(doc) if "uses" in s]
    uses += [j["uses"] for j in jobs(doc).values() if "uses" in j]
    assert uses
    for ref in uses:
        assert PINNED.match(ref), f"{name}.yml: `uses: {ref}` is not pinned to a tag or sha"


@pytest.mark.parametrize("name", NAMES)
def test_toolchain_versions(workflows: dict[str, Workflow], name: str) -> None:
    wanted = {
        "actions/setup-python": ("python-version", "3.11"),
        "actions/setup-go": ("go-version", "1.26"),
        "pulumi/actions": ("pulumi-version-file", ".pulumi-version"),
    }
    seen = set()
    for job_id, s in steps(workflows[name]):
        action = str(s.get("uses", "")).split("@")[0]
        if (name, job_id, action) == ("ci", "python-versions", "actions/setup-python"):
            continue  # the matrix: test_ci_runs_every_supported_python
        if action in wanted:
            key, value = wanted[action]
            assert str(s.get("with", {}).get(key)) == value, f"{name}.yml {action}: {s}"
            seen.add(action)
        if action == "actions/checkout":
            assert s.get("with", {}).get("persist-credentials") is False, (
                f"{name}.yml: checkout must not leave the token in .git/config"
            )
    assert "actions/setup-python" in seen
    if name == "ci":
        assert "actions/setup-go" in seen
    else:
        assert "pulumi/actions" in seen


def test_ci_runs_every_supported_python(workflows: dict[str, Workflow]) -> None:
    """As .ci/run does: everything on the oldest supported Python, the engine-free suites
    (make portable) on each other one; together exactly what requires-python admits."""
    ci = jobs(workflows["ci"])
    (full,) = [
        s["with"]["python-version"]
        for s in ci["test"]["steps"]
        if str(s.get("uses", "")).startswith("actions/setup-python@")
    ]
    matrix = ci["python-versions"]["strategy"]["matrix"]["python"]
    assert [full, *matrix] == supported_pythons()
    assert ci["python-versions"]["strategy"]["fail-fast"] is False
    setup = step(workflows["ci"], "python-versions", "python")
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    (portable,) = [s for s in ci["python-versions"]["steps"] if s.get("run") == "make portable"]
    assert portable["env"]["PYTHON"] == "${{ steps.python.outputs.python-path }}"


@pytest.mark.parametrize("name", NAMES)
def test_every_install_comes_from_the_hashed_lock(
    workflows: dict[str, Workflow], name: str
) -> None:
    """Each job installs through scripts/ensure-venv (itself, or make): pip with
    --require-hashes on requirements.txt. No step runs pip by itself, and the pip cache is
    keyed on the lock."""
    for job_id, job in jobs(workflows[name]).items():
        job_steps = job.get("steps", [])
        runs = [str(s.get("run", "")) for s in job_steps]
        for run in runs:
            assert not re.search(r"\bpip3? install\b|-m pip\b", run), f"{name}.yml {job_id}: {run}"
        setups = [
            s for s in job_steps if str(s.get("uses", "")).startswith("actions/setup-python@")
        ]
        if not setups:
            continue
        assert any(r.startswith(("scripts/ensure-venv", "make ")) for r in runs), (
            f"{name}.yml {job_id} sets up Python but installs nothing from the lock"
        )
        for s in setups:
            assert s["with"].get("cache-dependency-path") == "requirements.txt"


def test_ci_caches_the_engine_build(workflows: dict[str, Workflow]) -> None:
    (cache,) = [
        s for _, s in steps(workflows["ci"]) if str(s.get("uses", "")).startswith("actions/cache@")
    ]
    paths = cache["with"]["path"].split()
    assert {"~/.cache/mlpp-monitoring", "~/.cache/go-build", "~/go/pkg/mod"} <= set(paths)
    assert "hashFiles('engine/go.sum'" in cache["with"]["key"]
    runs = [s.get("run", "") for _, s in steps(workflows["ci"])]
    assert "make test" in runs
    # Lint and type check: the Makefile's target, or the tools themselves.
    assert "make lint" in runs or (
        any("ruff check" in r for r in runs) and any("mypy" in r for r in runs)
    )


# --- secrets and untrusted input ----------------------------------------------------------


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


@pytest.mark.parametrize(("name", "step_id"), [("preview", "preview"), ("drift", "drift")])
def test_pulumi_steps_get_the_credentials(
    workflows: dict[str, Workflow], name: str, step_id: str
) -> None:
    env = step(workflows[name], name, step_id)["env"]
    assert set(env) >= CORE_SECRETS


def test_deploy_step_gets_the_credentials(workflows: dict[str, Workflow]) -> None:
    (up,) = [s for _, s in steps(workflows["deploy"]) if "pulumi up" in s.get("run", "")]
    assert set(up["env"]) >= CORE_SECRETS


@pytest.mark.parametrize("name", NAMES)
def test_pulumi_environment(workflows: dict[str, Workflow], name: str) -> None:
    env = workflows[name]["env"]
    assert env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    if name != "ci":
        assert env["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


def test_credential_block_is_the_same_everywhere(workflows: dict[str, Workflow]) -> None:
    """preview, drift and deploy share one credentials block: a fix must reach all three."""
    start, end = "# --- credentials", "# --- end of credentials ---"
    blocks = set()
    for name in ("preview", "drift", "deploy"):
        (script,) = [s["run"] for _, s in steps(workflows[name]) if start in s.get("run", "")]
        blocks.add(script[script.index(start) : script.index(end)])
    assert len(blocks) == 1


# --- deploy -------------------------------------------------------------------------------


def test_deploy_is_gated_by_the_production_environment(workflows: dict[str, Workflow]) -> None:
    (job,) = jobs(workflows["deploy"]).values()
    environment = job["environment"]
    if isinstance(environment, dict):
        environment = environment["name"]
    assert environment == "production"


def test_deploys_are_serialised_never_cancelled(workflows: dict[str, Workflow]) -> None:
    doc = workflows["deploy"]
    (job,) = jobs(doc).values()
    concurrency = job.get("concurrency", doc.get("concurrency"))
    assert concurrency == {"group": "deploy-production", "cancel-in-progress": False}


def test_deploy_runs_pulumi_up_on_production(workflows: dict[str, Workflow]) -> None:
    runs = [s.get("run", "") for _, s in steps(workflows["deploy"])]
    assert any("pulumi up --yes --stack production" in r for r in runs)


# --- preview ------------------------------------------------------------------------------


def test_preview_skips_forks(workflows: dict[str, Workflow]) -> None:
    all_jobs = jobs(workflows["preview"])
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert all_jobs["preview"]["if"] == same_repo
    assert all_jobs["fork"]["if"] == same_repo.replace("==", "!=")
    (notice,) = [s["run"] for s in all_jobs["fork"]["steps"]]
    assert "::notice" in notice


def test_preview_runs_pulumi_preview_diff_on_production(workflows: dict[str, Workflow]) -> None:
    run = step(workflows["preview"], "preview", "preview")["run"]
    assert "pulumi preview --diff --stack production" in run
    assert ">preview.txt" in run


def test_preview_comment_is_one_marked_comment(workflows: dict[str, Workflow]) -> None:
    (comment,) = [
        s
        for _, s in steps(workflows["preview"])
        if str(s.get("uses", "")).startswith("actions/github-script@")
    ]
    script = comment["with"]["script"]
    assert "<!-- mlpp-monitoring-preview -->" in script
    for call in ("listComments", "updateComment", "createComment"):
        assert f"github.rest.issues.{call}" in script


# --- drift --------------------------------------------------------------------------------


def test_drift_step_runs_the_drift_command(workflows: dict[str, Workflow]) -> None:
    drift = step(workflows["drift"], "drift", "drift")
    assert (
        '.venv/bin/mlpp-monitoring drift --stack production --report "$DRIFT_REPORT"'
        in (drift["run"])
    )
    assert "continue-on-error" not in drift
    assert "continue-on-error" not in jobs(workflows["drift"])["drift"]


def test_drift_issue_steps_run_only_on_their_exit_code(workflows: dict[str, Workflow]) -> None:
    """Exit 7 opens/updates, exit 0 closes; any other exit fails the check step, and a step
    whose `if:` has no status function runs only after success, so no issue is touched."""
    by_if: dict[str, list[str]] = {}
    for s in jobs(workflows["drift"])["drift"]["steps"]:
        condition = str(s.get("if", ""))
        for status in ("always()", "failure()", "cancelled()", "!success()"):
            assert status not in condition, f"{s.get('name')}: {condition}"
        if "uses" in s and s["uses"].startswith("actions/github-script@"):
            by_if.setdefault(condition, []).append(s["with"]["script"])
    assert set(by_if) == {
        "steps.drift.outputs.exit-code == '7'",
        "steps.drift.outputs.exit-code == '0'",
    }
    (open_or_update,) = by_if["steps.drift.outputs.exit-code == '7'"]
    assert "github.rest.issues.create(" in open_or_update
    assert "github.rest.issues.update(" in open_or_update
    (close,) = by_if["steps.drift.outputs.exit-code == '0'"]
    assert "drift gone" in close
    assert "state: 'closed'" in close
