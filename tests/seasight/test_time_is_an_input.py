"""Time is an input: no test builds its data from the wall clock.

A test whose input depends on the hour it runs at passes or fails with the hour (a clean clone once failed
most of the day). Tests take :data:`tests.conftest.TEST_NOW` or instants of their own; production code takes
a clock (:mod:`seasight.clock`). Measuring how long something took (``time.monotonic``,
``time.perf_counter``) is not reading the wall clock and stays allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent

#: Calls that read the wall clock: (object name, attribute).
WALL_CLOCK_CALLS = frozenset(
    {
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("date", "today"),
        ("time", "time"),
        ("time", "time_ns"),
        ("time", "localtime"),
        ("time", "gmtime"),
    }
)
#: Modules allowed to read the wall clock, with the reason (none today).
ALLOWED: dict[str, str] = {}


def wall_clock_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of every wall-clock read in ``source``: ``datetime.now()``, ``time.time()``, … also when
    called through the module (``datetime.datetime.now()``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
        if name is not None and (name, node.func.attr) in WALL_CLOCK_CALLS:
            found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_the_check_finds_wall_clock_reads() -> None:
    planted = (
        "import time\nfrom datetime import UTC, date, datetime\nimport datetime as dt\n"
        "a = datetime.now(UTC)\nb = time.time()\nc = date.today()\nd = dt.datetime.now()\n"
        "e = time.monotonic()\nf = datetime(2026, 1, 1)\n"
    )
    assert [call for _line, call in wall_clock_calls(planted)] == [
        "datetime.now()",
        "time.time()",
        "date.today()",
        "datetime.now()",
    ]


def test_no_test_reads_the_wall_clock() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS.parent).as_posix()
        if relative in ALLOWED or path == Path(__file__).resolve():
            continue
        for line, call in wall_clock_calls(path.read_text(encoding="utf-8")):
            offenders.append(f"{relative}:{line}: {call}")
    assert not offenders, "tests read the wall clock (use TEST_NOW or a fixed instant):\n" + "\n".join(offenders)
