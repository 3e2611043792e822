"""Reading the GitHub Actions workflows, and running their steps outside GitHub.

`run_step` runs a step's `run:` script the way a runner does for `shell: bash`
(`bash --noprofile --norc -eo pipefail`), with the step's `env:` resolved from fake
secrets, variables and workflow_dispatch inputs, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
files, and fake commands first on PATH. `run_github_script` runs an actions/github-script
step's script in Node.js against an in-memory fake of the REST calls it makes (which it
applies to the fake state) and returns those calls. `evaluate` evaluates an `if:`
expression the way GitHub does, for the subset the workflows use.
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
ACTIONS = REPO / ".github" / "actions"
SCRIPTS = REPO / ".github" / "scripts"
NAMES = ("ci", "preview", "drift", "deploy")

Workflow = dict[str, Any]
Step = dict[str, Any]

_EXPR = re.compile(r"^\$\{\{\s*(secrets|vars|inputs)\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}$")


def load(name: str) -> Workflow:
    """A workflow as a dict, with the `on:` key that YAML 1.1 reads as True put back."""
    doc = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{name}.yml is not a mapping"
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def composite_actions() -> dict[str, dict[str, Any]]:
    """The repository's composite actions, by directory name (`.github/actions/<name>`)."""
    found = {}
    for path in sorted(ACTIONS.glob("*/action.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(doc, dict), f"{path} is not a mapping"
        found[path.parent.name] = doc
    return found


def workflow_files() -> list[Path]:
    """Every file holding `uses:` lines: the workflows and the composite actions."""
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(ACTIONS.glob("*/action.yml"))


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
    env: Mapping[str, Any],
    secrets: Mapping[str, str],
    variables: Mapping[str, str],
    inputs: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An `env:` mapping with `${{ secrets.X }}` / `${{ vars.X }}` / `${{ inputs.X }}`
    replaced ("" when unset, as on GitHub)."""
    sources = {"secrets": secrets, "vars": variables, "inputs": inputs or {}}
    resolved: dict[str, str] = {}
    for name, value in env.items():
        text = str(value)
        match = _EXPR.match(text)
        if match:
            resolved[name] = sources[match.group(1)].get(match.group(2), "")
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
    inputs: dict[str, str] = field(default_factory=dict)
    """workflow_dispatch inputs, as the `inputs` context gives them to `env:`."""
    path_after: list[str] = field(default_factory=list)
    """Directories put on PATH after the fake commands (e.g. the real pulumi's)."""


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
        "PATH": os.pathsep.join(
            [str(bindir), *run.path_after, os.environ.get("PATH", "/usr/bin:/bin")]
        ),
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }
    for scope in (doc.get("env", {}), jobs(doc)[job_id].get("env", {}), the_step.get("env", {})):
        env.update(resolve_env(scope, run.secrets, run.variables, run.inputs))
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
const path = require('path');
const [scriptPath, statePath] = process.argv.slice(2);
const script = fs.readFileSync(scriptPath, 'utf8');
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const calls = [];
// Numbers go on from the state's issues, as GitHub's do from one run to the next.
let nextId = Math.max(1000, ...(state.issues ?? []).map((i) => i.number + 1));
const api = (name, fn) => async (params) => {
  calls.push({ name, params });
  return fn(params);
};
const matchesLabel = (issue, labels) =>
  !labels || issue.labels.some((l) => (typeof l === 'string' ? l : l.name) === labels);
const issueNumbered = (number) => (state.issues ?? []).find((i) => i.number === number);
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
      // Issues the bot opens land in the state, as on GitHub, for the next run to find.
      create: api('create', (p) => {
        const issue = {
          number: nextId++, state: 'open', title: p.title, body: p.body,
          labels: (p.labels ?? []).map((name) => ({ name })),
          user: { login: 'github-actions[bot]', type: 'Bot' },
        };
        (state.issues ??= []).push(issue);
        return { data: issue };
      }),
      update: api('update', (p) => {
        const issue = issueNumbered(p.issue_number);
        for (const key of ['title', 'body', 'state']) {
          if (issue && p[key] !== undefined) issue[key] = p[key];
        }
        return { data: { number: p.issue_number } };
      }),
      createLabel: api('createLabel', () => {
        if (state.labelExists) {
          const error = new Error('Validation Failed');
          error.status = 422;
          throw error;
        }
        return { data: {} };
      }),
    },
    actions: {
      // Newest first, as GitHub lists them; `status` filters on the run's status.
      listWorkflowRuns: api('listWorkflowRuns', (p) => {
        const runs = (state.runs ?? []).filter((r) =>
          (!p.status || r.status === p.status) && (!p.branch || r.head_branch === p.branch));
        return { data: { total_count: runs.length, workflow_runs: runs } };
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
// As actions/github-script's wrapRequire: a relative path resolves against the working
// directory (the workspace, on GitHub).
const wrapRequire = (id) => require(id.startsWith('.') ? path.resolve(id) : id);
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const run = new AsyncFunction('github', 'context', 'core', 'require', script);
run(github, context, core, wrapRequire)
  .then(() => {
    fs.writeFileSync(statePath, JSON.stringify(state));
    process.stdout.write(JSON.stringify(calls));
  })
  .catch((error) => { console.error(error); process.exit(1); });
"""

GITHUB_ENV = {
    "GITHUB_WORKFLOW_REF": "octo/mlpp-monitoring/.github/workflows/drift.yml@refs/heads/main",
    "GITHUB_REF_NAME": "main",
}
"""Variables the runner sets for every step that the scripts read."""


def run_github_script(
    the_step: Step,
    state: dict[str, Any],
    env: Mapping[str, str],
    workdir: Path,
) -> list[dict[str, Any]]:
    """Run an actions/github-script step's script in Node.js, in `workdir` (the checkout:
    `.github/scripts` is copied there), against the fake REST API; returns the calls it
    made. `state` is updated in place with what they changed (issues opened or closed)."""
    assert NODE is not None
    assert str(the_step["uses"]).startswith("actions/github-script@")
    shutil.copytree(SCRIPTS, workdir / ".github" / "scripts", dirs_exist_ok=True)
    (workdir / "_harness.cjs").write_text(_HARNESS, encoding="utf-8")
    (workdir / "_script.js").write_text(the_step["with"]["script"], encoding="utf-8")
    (workdir / "_state.json").write_text(json.dumps(state), encoding="utf-8")
    proc = subprocess.run(
        [NODE, "_harness.cjs", "_script.js", "_state.json"],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **GITHUB_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    calls = json.loads(proc.stdout)
    assert isinstance(calls, list)
    state.clear()
    state.update(json.loads((workdir / "_state.json").read_text(encoding="utf-8")))
    return calls


def called(calls: list[dict[str, Any]], name: str) -> list[Any]:
    """The parameters of every call to `name` (e.g. "createComment", "core.notice")."""
    return [c["params"] for c in calls if c["name"] == name]


# --- `if:` expressions ------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|'(?P<string>(?:[^']|'')*)'|(?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_-]*))"
)
_STATUS_FUNCTIONS = ("success", "failure", "cancelled", "always")


def _tokens(expr: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    position = 0
    text = expr.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match and match.end() > position, f"cannot read {text[position:]!r} in {expr!r}"
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        value: Any = match.group(kind)
        if kind == "string":
            value = value.replace("''", "'")
        elif kind == "number":
            value = float(value)
        found.append((kind, value))
    return found


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return float("nan")
    return float("nan")


def _equal(left: Any, right: Any) -> bool:
    """GitHub's loose equality: strings ignore case; other mixed types compare as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if type(left) is type(right) and not isinstance(left, (int, float, bool)):
        return bool(left is right or left == right)
    return _number(left) == _number(right)


def _truthy(value: Any) -> bool:
    return value not in (None, False, "", 0) and value == value  # NaN is falsy


class _Evaluator:
    def __init__(self, expr: str, contexts: Mapping[str, Any], status: str) -> None:
        self.tokens = _tokens(expr)
        self.position = 0
        self.contexts = contexts
        self.status = status

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, Any]:
        token = self.peek()
        assert token is not None, "expression ends early"
        assert value is None or token[1] == value, f"expected {value}, got {token[1]}"
        self.position += 1
        return token

    def expression(self) -> Any:
        left = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.conjunction()
            left = left if _truthy(left) else right
        return left

    def conjunction(self) -> Any:
        left = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.unary()
            left = right if _truthy(left) else left
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not _truthy(self.unary())
        return self.comparison()

    def comparison(self) -> Any:
        left = self.primary()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            right = self.primary()
            if op in ("==", "!="):
                return _equal(left, right) == (op == "==")
            a, b = _number(left), _number(right)
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return left

    def primary(self) -> Any:
        kind, value = self.take()
        if kind in ("number", "string"):
            return value
        if (kind, value) == ("op", "("):
            inner = self.expression()
            self.take(")")
            return inner
        assert kind == "word", f"unexpected {value!r}"
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if self.peek() == ("op", "("):
            return self.call(value)
        node: Any = self.contexts.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.expression()
                self.take("]")
            node = node.get(key) if isinstance(node, Mapping) else None
        return node

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ("op", ")"):
            args.append(self.expression())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        lowered = name.lower()
        if lowered in _STATUS_FUNCTIONS:
            return lowered == "always" or self.status == lowered
        if lowered == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            return str(needle).casefold() in str(haystack or "").casefold()
        if lowered == "fromjson":
            return json.loads(args[0])
        raise AssertionError(f"function {name}() is not emulated here")


def evaluate(expr: str, contexts: Mapping[str, Any], status: str = "success") -> Any:
    """The value of a GitHub Actions expression (`${{ }}` optional), with `contexts` such as
    {"github": {...}, "vars": {...}, "steps": {...}} and the job's status so far."""
    text = expr.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    evaluator = _Evaluator(text, contexts, status)
    value = evaluator.expression()
    assert evaluator.peek() is None, f"unread tokens in {expr!r}"
    return value


def runs(condition: Any, contexts: Mapping[str, Any], status: str = "success") -> bool:
    """Whether a job or step with this `if:` runs: GitHub adds `success() &&` to a
    condition that calls no status function, and a missing `if:` means `success()`."""
    text = "" if condition is None else str(condition)
    if not text.strip():
        return status == "success"
    if not re.search(r"\b(?:success|failure|cancelled|always)\s*\(", text):
        return status == "success" and _truthy(evaluate(text, contexts, status))
    return _truthy(evaluate(text, contexts, status))
