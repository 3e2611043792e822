"""The README stays true: its on-call snapshot is the one the status tests keep fresh, and
its two set-up commands are the Makefile's and CI's."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_readme_status_snapshot_is_the_checked_one() -> None:
    checked = (REPO / "docs" / "STATUS.md").read_text(encoding="utf-8")
    block = checked.split("<!-- snapshot:human -->", 1)[1].split("<!-- /snapshot -->", 1)[0]
    assert block.strip() in (REPO / "README.md").read_text(encoding="utf-8"), (
        "README's status snapshot differs from docs/STATUS.md: copy the block over"
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "\ntest:" in makefile and "\ndemo:" in makefile


PACKAGES = ("mlpp_monitoring", "mlpp_sandbox")


def readme_map() -> dict[str, str]:
    """The README's map of the tree ("How it works"): each path and its one-line role.

    One entry a line, two spaces of indent per level, a folder ending with `/`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## How it works", 1)[1].split("```\n", 2)[1]
    entries: dict[str, str] = {}
    folders: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name, _, role = line.strip().partition(" ")
        folders = folders[:depth]
        entries["".join(folders) + name] = role.strip()
        if name.endswith("/"):
            folders.append(name)
    return entries


def package_tree() -> set[str]:
    """Every package (`dir/`) and module (but `__init__.py`) of both packages, from the disk."""
    tree: set[str] = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            relative = path.relative_to(REPO)
            name = f"{relative.parent.as_posix()}/" if path.name == "__init__.py" else None
            tree.add(name or relative.as_posix())
    return tree


def test_the_readme_map_names_every_package_and_module_with_its_role() -> None:
    mapped, tree = readme_map(), package_tree()
    missing = sorted(tree - set(mapped))
    assert not missing, f"add these to the README's map, each with its role: {missing}"
    stale = sorted(path for path in mapped if not (REPO / path).exists())
    stale += sorted(p for p in mapped if p.startswith(PACKAGES) and p not in tree)
    assert not stale, f"the README's map names what is not in the tree: {stale}"
    roleless = sorted(path for path, role in mapped.items() if len(role.split()) < 3)
    assert not roleless, f"say in a few words what each of these is for: {roleless}"


def test_a_package_init_only_hands_names_on() -> None:
    # So that no code hides from the map: it is all in the modules the map names.
    for package in PACKAGES:
        for init in (REPO / package).rglob("__init__.py"):
            body = ast.parse(init.read_text(encoding="utf-8")).body
            if body and isinstance(body[0], ast.Expr):
                body = body[1:]  # the docstring
            code = [
                node
                for node in body
                if not isinstance(node, ast.Import | ast.ImportFrom)
                and not (
                    isinstance(node, ast.Assign)
                    and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
                )
            ]
            assert not code, f"{init.relative_to(REPO)} holds code: move it to a module"
