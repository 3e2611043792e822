"""One Pulumi CLI version, written once in `.pulumi-version`.

The engine module, scripts/ensure-pulumi and the workflows (pulumi/actions'
`pulumi-version-file`) read that file; engine/go.mod, which the Go build takes the CLI's
sources from, cannot read a file, so it must name the same version. Any other tracked file
that spells the version out is a second copy waiting to go stale.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from mlpp_monitoring.commands.engine import PULUMI_VERSION
from tests.unit.test_self_contained import tracked_files

REPO = Path(__file__).resolve().parents[2]
VERSION_FILE = REPO / ".pulumi-version"

# Files allowed to spell the version out: the Go module pins (go.mod cannot read a file;
# go.sum follows it) and the benchmark record, which says what was measured with.
MAY_SPELL_IT_OUT = {".pulumi-version", "engine/go.mod", "engine/go.sum", "docs/PERFORMANCE.md"}


def _version() -> str:
    text = VERSION_FILE.read_text(encoding="utf-8")
    assert re.fullmatch(r"3\.\d+\.\d+\n?", text), f".pulumi-version holds {text!r}"
    return text.strip()


def test_the_engine_module_reads_the_file() -> None:
    assert _version() == PULUMI_VERSION


def test_ensure_pulumi_reads_the_file() -> None:
    proc = subprocess.run(
        [str(REPO / "scripts" / "ensure-pulumi"), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert proc.stdout.strip() == _version()


def test_engine_go_mod_pins_the_same_cli_and_sdk() -> None:
    go_mod = (REPO / "engine" / "go.mod").read_text(encoding="utf-8")
    for module in ("pkg", "sdk"):
        pins = re.findall(rf"github\.com/pulumi/pulumi/{module}/v3 (v\S+)", go_mod)
        assert pins == [f"v{_version()}"], f"engine/go.mod pins {module}/v3 at {pins}"


def test_no_other_file_spells_the_version_out() -> None:
    version = _version()
    copies = [
        str(path.relative_to(REPO))
        for path in tracked_files()
        if path.is_file()
        and str(path.relative_to(REPO)) not in MAY_SPELL_IT_OUT
        and version in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert copies == [], f"{version} is repeated in {copies}: read .pulumi-version instead"
