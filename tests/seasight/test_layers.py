"""Layers: the shared kernel imports nothing above it.

``seasight/`` outside ``seasight/app/`` is the kernel every package builds on (settings, database,
migrations, Kafka helpers, schemas, the local stack, the clock, errors). It must not import a domain package
(``tracking``, ``coordination``, ``ingest``, ``dashboard``, ``geodata``) nor the application layer
(``seasight.app``: the command line, the demo, the benchmark) — not at the top of a module, not inside a
function, not under ``TYPE_CHECKING``, not through ``importlib.import_module("...")`` or ``__import__``.
Otherwise a domain package importing the kernel imports itself in a circle, and the kernel can no longer be
understood (or tested) on its own.

The modules are read with :mod:`ast`; nothing is imported or executed.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
KERNEL = ROOT / "seasight"
APP = KERNEL / "app"

#: What the kernel may not import: the domain packages and the application layer above it.
ABOVE_THE_KERNEL: tuple[str, ...] = ("tracking", "coordination", "ingest", "dashboard", "geodata", "seasight.app")

#: Calls that import a module named by their first argument.
_DYNAMIC_IMPORTS = frozenset({"import_module", "__import__"})


def module_name(path: Path) -> str:
    """The dotted name of the module at ``path`` (``seasight/db.py`` → ``seasight.db``)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    """The absolute module of ``from ... import`` in module ``importer`` (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, node.module] if node.module else base)


def imports(source: str, importer: str = "seasight.example", is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source``, wherever it is (module body, function, class,
    ``if TYPE_CHECKING``): ``import a.b``, ``from a.b import c`` (also as ``a.b.c``), relative imports resolved
    against ``importer``, and ``importlib.import_module(...)`` / ``__import__(...)`` calls — by their string
    literal, or ``"<not a literal>"`` when the name is computed and cannot be checked."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(node, importer, is_package)
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name not in _DYNAMIC_IMPORTS:
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
            else:
                found.append((node.lineno, "<not a literal>"))
    return sorted(set(found))


def _is_above(module: str) -> bool:
    return module == "<not a literal>" or any(module == top or module.startswith(top + ".") for top in ABOVE_THE_KERNEL)


def imports_from_above(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import in the module at ``path`` of something above the kernel."""
    found = imports(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    return [(line, module) for line, module in found if _is_above(module)]


def kernel_modules() -> list[Path]:
    return sorted(p for p in KERNEL.rglob("*.py") if APP not in p.parents)


def test_the_check_finds_imports_from_above() -> None:
    planted = """
import json
import tracking
import geodata.loader as loader
from coordination.cases import open_case
from seasight.db import connect
from seasight import app
from . import settings
from .app.cli import main
from ..ingest import publish
import importlib
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from dashboard.auth import Session

def later():
    from ingest.publish import running_publishers
    return importlib.import_module("tracking.liveness"), __import__("os")

def computed(name):
    return importlib.import_module(name)
"""
    found = imports(planted, importer="seasight.health")
    assert [(line, m) for line, m in found if _is_above(m)] == [
        (3, "tracking"),
        (4, "geodata.loader"),
        (5, "coordination.cases"),
        (5, "coordination.cases.open_case"),
        (7, "seasight.app"),
        (9, "seasight.app.cli"),  # relative, resolved against the importing module
        (9, "seasight.app.cli.main"),
        (10, "ingest"),  # ``from ..ingest`` in seasight/health.py leaves the seasight package
        (10, "ingest.publish"),
        (14, "dashboard.auth"),
        (14, "dashboard.auth.Session"),
        (17, "ingest.publish"),
        (17, "ingest.publish.running_publishers"),
        (18, "tracking.liveness"),
        (21, "<not a literal>"),
    ]
    kernel_imports = {m for _line, m in found if not _is_above(m)}
    assert {"json", "seasight", "seasight.settings", "seasight.db.connect", "os", "typing"} <= kernel_imports


def test_the_check_reads_the_real_modules() -> None:
    kernel = {module_name(p) for p in kernel_modules()}
    assert {"seasight", "seasight.settings", "seasight.db", "seasight.stack", "seasight.kafka"} <= kernel
    assert not any(m.startswith("seasight.app") for m in kernel)
    # The application layer does import the domain packages, and the check sees it.
    assert any(m.startswith("tracking") for _line, m in imports_from_above(APP / "cli.py"))
    assert any(m.startswith("ingest") for _line, m in imports_from_above(APP / "health.py"))


def test_the_kernel_imports_nothing_above_it() -> None:
    problems = [
        f"{path.relative_to(ROOT).as_posix()}:{line}: imports {module}"
        for path in kernel_modules()
        for line, module in imports_from_above(path)
    ]
    assert not problems, (
        "the kernel (seasight/ outside seasight/app/) imports a domain package or the application layer; "
        "pass what it needs in from the caller, or move the code to seasight/app/:\n" + "\n".join(problems)
    )
