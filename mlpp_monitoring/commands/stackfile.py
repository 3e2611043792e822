"""A stack's settings read outside the Pulumi program (by `status`, `discover`, `runbook`,
`test-alerts`), from the project directory or, for `test-alerts --compare`, as a git
revision holds them.

The project's own keys are plain YAML in `Pulumi.<stack>.yaml`. Credentials may be stack
secrets (`secure:` ciphertext): those are decrypted on demand by the Pulumi CLI itself,
with the user's backend and passphrase (the sandbox stack's public one by itself), and
never written anywhere. A secret that is there but cannot be decrypted is reported as
exactly that, with what to set, never as a missing credential.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from mlpp_monitoring.commands.engine import last_error, short_stack_name
from mlpp_monitoring.config import PROJECT, MonitoringConfig, parse_config
from mlpp_monitoring.vendors import ConfigLookup, SecretUnreadable


class RevisionUnreadable(ValueError):
    """A git revision the command was given cannot be read; the message says why."""


class StackFile:
    """`Pulumi.<stack>.yaml` of a project directory (for a qualified stack name such as
    `organization/mlpp-monitoring/production`, `Pulumi.production.yaml`, as Pulumi does).

    `text` is the file's content when it does not come from the disk (`at_revision`)."""

    def __init__(self, stack: str, project_dir: Path, text: str | None = None) -> None:
        self.stack = stack
        self.project_dir = project_dir
        self.path = project_dir / f"Pulumi.{short_stack_name(stack)}.yaml"
        if text is None:
            if not self.path.is_file():
                raise FileNotFoundError(f"no stack file {self.path} (is --stack {stack} right?)")
            text = self.path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        self.values: dict[str, Any] = dict(data.get("config") or {})

    @classmethod
    def at_revision(cls, stack: str, project_dir: Path, revision: str) -> StackFile | None:
        """The stack file as the git revision `revision` (a branch, a tag, a commit, `HEAD^1`)
        holds it, without touching the working tree; None when the file does not exist at
        that revision (the stack declared nothing there).

        Raises RevisionUnreadable when `project_dir` is not in a git repository or the
        revision does not exist (a shallow clone may lack it: fetch it first).
        """
        name = f"Pulumi.{short_stack_name(stack)}.yaml"
        commit = _git(project_dir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
        if commit.returncode != 0:
            said = commit.stderr.strip().splitlines()[-1:] or ["no such commit"]
            raise RevisionUnreadable(
                f"git revision {revision!r} cannot be read in {project_dir} ({said[0]}): "
                "give a branch, tag or commit this clone holds (in CI, fetch it first)"
            )
        # `REV:./name` is relative to the directory git runs in: the project's, wherever it
        # sits in the repository.
        shown = _git(project_dir, "show", f"{commit.stdout.strip()}:./{name}")
        if shown.returncode != 0:
            return None
        return cls(stack, project_dir, text=shown.stdout)

    def project_raw(self) -> dict[str, str]:
        """This project's keys (without namespace) as Pulumi gives them to the program:
        structured values as JSON text, plain strings as they are."""
        prefix = f"{PROJECT}:"
        return {
            key.removeprefix(prefix): value if isinstance(value, str) else json.dumps(value)
            for key, value in self.values.items()
            if key.startswith(prefix)
        }

    def monitoring(self) -> MonitoringConfig:
        """The validated monitoring config (raises ConfigError)."""
        return parse_config(self.project_raw())

    def lookup(self) -> ConfigLookup:
        """`key -> value` for vendor keys; `secure:` values are decrypted by the CLI.

        Raises SecretUnreadable for a `secure:` value the CLI cannot decrypt.
        """

        def get(key: str) -> object:
            value = self.values.get(key)
            if isinstance(value, dict) and "secure" in value:
                return self._decrypt(key)
            return value

        return get

    def _decrypt(self, key: str) -> str:
        from mlpp_monitoring.commands.engine import EngineMissing, PulumiCli

        where = f"{key} is set in {self.path.name} but could not be decrypted"
        try:
            cli = PulumiCli.for_stack(self.stack, self.project_dir)
        except EngineMissing as exc:
            raise SecretUnreadable(f"{where}: {exc}") from None
        result = cli.run(["config", "get", key, "--stack", self.stack])
        if result.returncode == 0:
            return result.stdout.strip()
        said = last_error(result.stderr) or f"exit {result.returncode}"
        raise SecretUnreadable(
            f"{where} (pulumi said: {said}): set PULUMI_CONFIG_PASSPHRASE (or "
            "PULUMI_CONFIG_PASSPHRASE_FILE) to this stack's passphrase, or log in to the "
            "stack's backend (`pulumi login`, PULUMI_BACKEND_URL or PULUMI_ACCESS_TOKEN), "
            "then run again"
        )


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
