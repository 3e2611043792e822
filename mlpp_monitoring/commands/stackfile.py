"""A stack's settings read outside the Pulumi program (by `status`, `discover`, `runbook`).

The project's own keys are plain YAML in `Pulumi.<stack>.yaml`. Credentials may be stack
secrets (`secure:` ciphertext): those are decrypted on demand by the Pulumi CLI itself,
with the user's backend and passphrase (the sandbox stack's public one by itself), and
never written anywhere. A secret that is there but cannot be decrypted is reported as
exactly that, with what to set, never as a missing credential.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from mlpp_monitoring.commands.engine import last_error, short_stack_name
from mlpp_monitoring.config import PROJECT, MonitoringConfig, parse_config
from mlpp_monitoring.vendors import ConfigLookup, SecretUnreadable


class StackFile:
    """`Pulumi.<stack>.yaml` of a project directory (for a qualified stack name such as
    `organization/mlpp-monitoring/production`, `Pulumi.production.yaml`, as Pulumi does)."""

    def __init__(self, stack: str, project_dir: Path) -> None:
        self.stack = stack
        self.project_dir = project_dir
        self.path = project_dir / f"Pulumi.{short_stack_name(stack)}.yaml"
        if not self.path.is_file():
            raise FileNotFoundError(f"no stack file {self.path} (is --stack {stack} right?)")
        data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        self.values: dict[str, Any] = dict(data.get("config") or {})

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
