"""The Python language host built with the engine (engine/cmd/pulumi-language-python).

Each update records the program's runtime in the stack's history (what `pulumi stack
history` and the Pulumi Cloud console show): the interpreter, its version, the toolchain
and the toolchain's version. The host reads them without importing pip (a cheaper About
than the toolchain's); what it records must still be what the virtualenv holds.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.harness import REPO, Project

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_an_update_records_the_virtualenvs_python_and_pip(deployed: Project) -> None:
    python = REPO / ".venv" / "bin" / "python"
    version, pip = subprocess.run(
        [
            str(python),
            "-c",
            "import sys; from importlib import metadata; "
            "print('%d.%d.%d' % sys.version_info[:3]); print(metadata.version('pip'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    history = json.loads(deployed.pulumi("stack", "history", "--json", check=True).stdout)
    environment = history[0]["environment"]
    assert environment["runtime.name"] == "python"
    assert environment["runtime.executable"] == str(python)
    assert environment["runtime.version"] == version
    assert environment["runtime.metadata.toolchain"] == "Pip"
    assert environment["runtime.metadata.toolchainVersion"] == pip
