"""connectors/ take and return plain data: they import nothing from lrs/ or notifications/."""

from __future__ import annotations

import ast
from pathlib import Path

import connectors

FORBIDDEN = ("lrs", "notifications")


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_connectors_import_nothing_from_lrs_or_notifications() -> None:
    root = Path(connectors.__file__).parent
    offending = {
        f"{path.relative_to(root)}: {module}"
        for path in root.rglob("*.py")
        for module in _imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    }
    assert offending == set()
    assert len(list(root.rglob("*.py"))) > 40  # the walk really saw the package


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from notifications.dispatch import deliver\nimport lrs.clock\nimport notifications_python_client\n"
    )
    assert {m for m in _imported_modules(sample) if m.split(".")[0] in FORBIDDEN} == {
        "notifications.dispatch",
        "lrs.clock",
    }
