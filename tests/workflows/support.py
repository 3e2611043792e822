"""Reading the GitHub Actions workflows, and running their steps outside GitHub.

`run_step` runs a step's `run:` script the way a runner does for `shell: bash`
(`bash --noprofile --norc -eo pipefail`), with the step's `env:` resolved from fake
secrets and variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, and fake commands
first on PATH. `run_github_script` runs an actions/github-script step's script in
Node.js against an in-memory fake of the REST calls it makes and returns those calls.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
NAMES = ("ci", "preview", "drift", "deploy")

Workflow = dict[str, Any]
Step = dict[str, Any]

_EXPR = re.compile(r"^\$\{\{\s*(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


def load(name: str) -> Workflow:
    """A workflow as a dict, with the `on:` key that YAML 1.1 reads as True put back."""
    doc = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{name}.yml is not a mapping"
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def triggers(doc: Workflow) -> dict[str, Any]:
    """The `on:` section as a mapping event -> settings (None when bare)."""
    on = doc["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def jobs(doc: Workflow) -> dict[str, dict[str, Any]]:
    result = doc["jobs"]
    assert isinstance(result, dict)
    return result


def steps(doc: Workflow) -> Iterator[tuple[str, Step]]:
    for job_id, job in jobs(doc).items():
        for step in job.get("steps", []):
            yield job_id, step


def step(doc: Workflow, job_id: str, step_id: str) -> Step:
    """The step of a job with `id: step_id`."""
    (found,) = [s for s in jobs(doc)[job_id]["steps"] if s.get("id") == step_id]
    assert isinstance(found, dict)
    return found


def step_named(doc: Workflow, job_id: str, name: str) -> Step:
    (found,) = [s for s in jobs(doc)[job_id]["steps"] if s.get("name") == name]
    assert isinstance(found, dict)
    return found


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in a YAML tree, with a dotted path to it."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")


def resolve_env(
    env: Mapping[str, Any], secrets: Mapping[str, str], variables: Mapping[str, str]
) -> dict[str, str]:
    """An `env:` mapping with `${{ secrets.X }}` / `${{ vars.X }}` replaced ("" when unset)."""
    resolved: dict[str, str] = {}
    for name, value in env.items():
        text = str(value)
        match = _EXPR.match(text)
        if match:
            source = secrets if match.group(1) == "secrets" else variables
            resolved[name] = source.get(match.group(2), "")
        else:
            assert "${{" not in text, f"test harness cannot resolve {name}: {text}"
            resolved[name] = text
    return resolved


@dataclass
class StepResult:
    returncode: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    workdir: Path


@dataclass
class FakeCommand:
    """A fake executable: a POSIX shell script body."""

    name: str
    body: str


@dataclass
class StepRun:
    """Everything `run_step` needs besides the step itself."""

    workdir: Path
    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    commands: list[FakeCommand] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)


def run_step(doc: Workflow, job_id: str, the_step: Step, run: StepRun) -> StepResult:
    """Run a `run:` step as GitHub's runner would for `shell: bash`, in `run.workdir`."""
    shell = doc.get("defaults", {}).get("run", {}).get("shell")
    assert shell == "bash", "workflows declare `defaults: run: shell: bash` (gives pipefail)"
    work = run.workdir
    bindir = work / "_fakebin"
    bindir.mkdir(exist_ok=True)
    # The steps call `python` (what actions/setup-python puts on PATH).
    python = bindir / "python"
    if not python.exists():
        python.symlink_to(sys.executable)
    for command in run.commands:
        exe = bindir / command.name
        exe.write_text("#!/bin/sh\n" + command.body, encoding="utf-8")
        exe.chmod(0o755)
    output_file = work / "_github_output"
    summary_file = work / "_github_step_summary"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    script = work / "_step.sh"
    script.write_text(the_step["run"], encoding="utf-8")

    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }
    for scope in (doc.get("env", {}), jobs(doc)[job_id].get("env", {}), the_step.get("env", {})):
        env.update(resolve_env(scope, run.secrets, run.variables))
    env.update(run.extra_env)
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    outputs: dict[str, str] = {}
    for line in output_file.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        outputs[key] = value
    return StepResult(
        returncode=proc.returncode,
        stdout=proc.stdout + proc.stderr,
        outputs=outputs,
        summary=summary_file.read_text(encoding="utf-8"),
        workdir=work,
    )


NODE = shutil.which("node")

_HARNESS = r"""
const fs = require('fs');
const [scriptPath, statePath] = process.argv.slice(2);
const script = fs.readFileSync(scriptPath, 'utf8');
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const calls = [];
let nextId = 1000;
const api = (name, fn) => async (params) => {
  calls.push({ name, params });
  return fn(params);
};
const matchesLabel = (issue, labels) =>
  !labels || issue.labels.some((l) => (typeof l === 'string' ? l : l.name) === labels);
const github = {
  paginate: async (method, params) => (await method(params)).data,
  rest: {
    issues: {
      listComments: api('listComments', () => ({ data: state.comments ?? [] })),
      listForRepo: api('listForRepo', (p) => ({
        data: (state.issues ?? []).filter(
          (i) => (p.state === 'all' || i.state === p.state) && matchesLabel(i, p.labels)),
      })),
      createComment: api('createComment', () => ({
        data: { id: nextId++, html_url: 'https://example.invalid/c' },
      })),
      updateComment: api('updateComment', (p) => ({
        data: { id: p.comment_id, html_url: 'https://example.invalid/c' },
      })),
      create: api('create', () => ({ data: { number: nextId++ } })),
      update: api('update', (p) => ({ data: { number: p.issue_number } })),
      createLabel: api('createLabel', () => {
        if (state.labelExists) {
          const error = new Error('Validation Failed');
          error.status = 422;
          throw error;
        }
        return { data: {} };
      }),
    },
  },
};
const context = {
  repo: { owner: 'octo', repo: 'mlpp-monitoring' },
  issue: { owner: 'octo', repo: 'mlpp-monitoring', number: 12 },
  serverUrl: 'https://github.com',
  runId: 4242,
  sha: 'feedfacefeedfacefeedfacefeedfacefeedface',
  payload: {
    pull_request: { number: 12, head: { sha: 'abcdef0123456789abcdef0123456789abcdef01' } },
  },
};
const log = (level) => (message) => calls.push({ name: `core.${level}`, params: String(message) });
const core = {
  info: log('info'), notice: log('notice'), warning: log('warning'), error: log('error'),
  setFailed: log('setFailed'), debug: () => {},
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', script)(github, context, core, require)
  .then(() => process.stdout.write(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def run_github_script(
    the_step: Step, state: Mapping[str, Any], env: Mapping[str, str], workdir: Path
) -> list[dict[str, Any]]:
    """Run an actions/github-script step's script in Node.js; returns the API calls it made."""
    assert NODE is not None
    assert str(the_step["uses"]).startswith("actions/github-script@")
    (workdir / "_harness.cjs").write_text(_HARNESS, encoding="utf-8")
    (workdir / "_script.js").write_text(the_step["with"]["script"], encoding="utf-8")
    (workdir / "_state.json").write_text(json.dumps(state), encoding="utf-8")
    proc = subprocess.run(
        [NODE, "_harness.cjs", "_script.js", "_state.json"],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    calls = json.loads(proc.stdout)
    assert isinstance(calls, list)
    return calls


def called(calls: list[dict[str, Any]], name: str) -> list[Any]:
    """The parameters of every call to `name` (e.g. "createComment", "core.notice")."""
    return [c["params"] for c in calls if c["name"] == name]
