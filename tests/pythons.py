"""The Python versions the project supports: those pyproject.toml's requires-python admits."""

from __future__ import annotations

import tomllib

from packaging.specifiers import SpecifierSet

from tests.stackfiles import REPO


def supported_pythons() -> list[str]:
    """The X.Y versions requires-python admits, oldest first."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    spec = SpecifierSet(tomllib.loads(text)["project"]["requires-python"])
    return [f"3.{minor}" for minor in range(0, 40) if spec.contains(f"3.{minor}")]
