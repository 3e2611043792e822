"""docs/GITHUB-ACTIONS.md's checklist names exactly what the workflows read: every secret and
variable, and the environments, with each secret listed for the environment whose jobs read
it. A workflow that starts reading a new secret, or a checklist line left behind after one
is dropped, fails here: a team following the list must end with working workflows."""

from __future__ import annotations

import re

from tests.workflows.support import NAMES, REPO, jobs, load, strings

DOC = REPO / "docs" / "GITHUB-ACTIONS.md"
_NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")
_REF = re.compile(r"\b(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)")


def _checklist() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Checklist\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _referenced() -> tuple[set[str], set[str], dict[str, set[str]]]:
    """(secrets, variables, secrets read per environment) across the workflows."""
    secrets: set[str] = set()
    variables: set[str] = set()
    by_environment: dict[str, set[str]] = {}
    for name in NAMES:
        doc = load(name)
        for _, text in strings(doc):
            for source, ref in _REF.findall(text):
                (secrets if source == "secrets" else variables).add(ref)
        for job in jobs(doc).values():
            environment = job.get("environment")
            if environment:
                read = {
                    ref
                    for _, text in strings(job)
                    for s, ref in _REF.findall(text)
                    if s == "secrets"
                }
                by_environment.setdefault(str(environment), set()).update(read)
    return secrets, variables, by_environment


def _secrets_table(checklist: str) -> tuple[list[str], dict[str, list[str]]]:
    """The secrets table: its environment columns, and each secret's cells."""
    lines = checklist.splitlines()
    (header,) = [line for line in lines if line.strip().startswith("| secret |")]
    columns = [cell.strip() for cell in header.strip().strip("|").split("|")][1:]
    environments = [column.split("`")[1] for column in columns]
    rows: dict[str, list[str]] = {}
    start = lines.index(header) + 2
    for line in lines[start:]:
        if not line.strip().startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for secret in _NAME.findall(cells[0]):
            rows[secret] = cells[1:]
    return environments, rows


def test_the_checklist_names_every_secret_and_variable_the_workflows_read_and_no_other() -> None:
    secrets, variables, _ = _referenced()
    assert secrets and variables
    named = set(_NAME.findall(_checklist()))
    assert named - (secrets | variables) == set(), "named in the checklist, read by no workflow"
    assert (secrets | variables) - named == set(), "read by a workflow, missing from the checklist"


def test_each_secret_is_listed_for_the_environments_whose_jobs_read_it() -> None:
    secrets, _, by_environment = _referenced()
    environments, rows = _secrets_table(_checklist())
    assert sorted(environments) == sorted(by_environment) == ["monitoring-read", "production"]
    assert set(rows) == secrets, "the secrets table lists exactly the secrets"
    for environment, read in by_environment.items():
        column = environments.index(environment)
        for secret in read:
            assert rows[secret][column], f"{secret}: no value said for `{environment}`"


def test_the_variables_table_lists_every_variable() -> None:
    _, variables, _ = _referenced()
    checklist = _checklist()
    lines = checklist.splitlines()
    (header,) = [line for line in lines if line.strip().startswith("| variable |")]
    listed: set[str] = set()
    for line in lines[lines.index(header) + 2 :]:
        if not line.strip().startswith("|"):
            break
        listed.update(_NAME.findall(line.split("|")[1]))
    assert listed == variables


def test_the_checklist_steps_are_in_order() -> None:
    """Stack, variables, environments and secrets, first deploy with adoption, drift."""
    steps = re.findall(r"^(\d+)\. \*\*(.+?)\*\*", _checklist(), re.M)
    assert [int(number) for number, _ in steps] == list(range(1, len(steps) + 1))
    titles = [title.lower() for _, title in steps]
    order = ["stack", "variables", "environments", "first deploy", "drift"]
    positions = [next(i for i, t in enumerate(titles) if word in t) for word in order]
    assert positions == sorted(positions), titles
