"""A stack's settings read outside the Pulumi program (by `status`, `discover`, `runbook`).

The project's own keys are plain YAML in `Pulumi.<stack>.yaml`. Credentials may be stack
secrets (`secure:` ciphertext): those are decrypted on demand by the Pulumi CLI itself,
with the user's backend and passphrase, and never written anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from mlpp_monitoring.config import PROJECT, MonitoringConfig, parse_config
from mlpp_monitoring.settings import ConfigLookup


class StackFile:
    """`Pulumi.<stack>.yaml` of a project directory."""

    def __init__(self, stack: str, project_dir: Path) -> None:
        self.stack = stack
        self.project_dir = project_dir
        self.path = project_dir / f"Pulumi.{stack}.yaml"
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
        """`key -> value` for vendor keys; `secure:` values are decrypted by the CLI."""

        def get(key: str) -> object:
            value = self.values.get(key)
            if isinstance(value, dict) and "secure" in value:
                return self._decrypt(key)
            return value

        return get

    def _decrypt(self, key: str) -> str | None:
        from mlpp_monitoring.engine import EngineMissing, PulumiCli

        try:
            cli = PulumiCli(cwd=self.project_dir)
        except EngineMissing:
            return None
        result = cli.run(["config", "get", key, "--stack", self.stack])
        # A failure (no passphrase, no backend) falls back to the environment variable.
        return result.stdout.strip() if result.returncode == 0 else None
