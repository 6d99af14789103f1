"""Structure that keeps the code safe to change: rows read by name, and each package reading its own tables.

Two ratchets over the production packages (not ``tests/``):

* **Rows by name.** A psycopg row read by position (``row[0]``, ``cur.fetchone()[0]``, ``for r in rows:
  r[3]``) silently shifts every field after a column added to its SELECT. Queries take a row factory
  (``psycopg.rows.class_row`` with a frozen dataclass, ``dict_row`` or ``namedtuple_row``) instead; unpacking
  a row into names (``a, b = row``) stays allowed because it fails loudly when the column count changes.
* **Own tables only.** A module of one package names another package's tables in its SQL (``coordination``
  reading tracking's ``flag``): the owning package should expose a query function instead.

Both are ratchets: :data:`POSITIONAL_ALLOWANCE` and :data:`FOREIGN_TABLE_ALLOWANCE` are what the code does
today. The test fails when a module does more than its allowance (new modules are allowed nothing) and also
when it does less, so whoever removes places lowers the number here and it never grows back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES: tuple[str, ...] = ("ingest", "tracking", "coordination", "dashboard", "geodata", "seasight")

#: Positional row reads allowed per module (path relative to the repository), as counted today.
POSITIONAL_ALLOWANCE: dict[str, int] = {
    "ingest/publish.py": 5,
    "seasight/app/bench.py": 4,
    "seasight/app/demo.py": 2,
    "seasight/app/demo_stories.py": 2,
    "seasight/app/health.py": 2,
    "tracking/detect.py": 74,
    "tracking/stream/stage.py": 36,
}

#: Which package owns each table and view of the migrations (the package that writes it).
TABLE_OWNER: dict[str, str] = {
    **dict.fromkeys(
        (
            "consumer_lag",
            "consumer_member",
            "detection_code",
            "detection_feeds",
            "detection_track",
            "feed_health",
            "feed_health_latest",
            "feed_notice",
            "feed_outage",
            "flag",
            "flag_version",
            "position",
            "position_conflict",
            "report_quarantine",
            "safety_broadcast",
            "sighting",
            "sighting_revision",
            "station_clock",
            "tracker_drop",
            "tracker_drop_total",
            "vessel",
            "vessel_identity_change",
            "vessel_state",
            "watchlist_entry",
        ),
        "tracking",
    ),
    **dict.fromkeys(("ingest_stored_through",), "ingest"),
    **dict.fromkeys(
        (
            "case_event",
            "case_sitrep",
            "disembarkation_outcome",
            "disembarkation_outcome_current",
            "disembarkation_outcome_real",
            "iom_incident",
            "place_of_safety",
            "place_of_safety_change",
            "sar_case",
            "sar_case_real",
            "shared_practice_figures",
        ),
        "coordination",
    ),
    **dict.fromkeys(
        ("geo_feature", "geodata_layer", "participant", "port", "srr", "state", "zone"),
        "geodata",
    ),
    **dict.fromkeys(
        (
            "account",
            "account_identity",
            "account_token",
            "audit_log",
            "sharing_agreement",
            "signin_key",
            "simulated_station",
            "simulated_vessel",
        ),
        "seasight",
    ),
}

#: (module, table of another package) pairs allowed today.
FOREIGN_TABLE_ALLOWANCE: frozenset[tuple[str, str]] = frozenset(
    {
        ("coordination/cases.py", "flag"),
        ("coordination/thread.py", "flag"),
        ("coordination/thread.py", "position"),
        ("coordination/thread.py", "sighting"),
        ("seasight/app/bench.py", "position"),
        ("seasight/app/bench.py", "position_conflict"),
        ("seasight/app/bench.py", "report_quarantine"),
        ("seasight/app/bench.py", "tracker_drop_total"),
        ("coordination/cases.py", "sighting"),
        ("coordination/cases.py", "vessel"),
        ("coordination/cases.py", "vessel_state"),
        ("coordination/disembarkation/publish.py", "account"),
        ("coordination/disembarkation/publish.py", "sharing_agreement"),
        ("coordination/disembarkation/queries.py", "participant"),
        ("coordination/disembarkation/register.py", "participant"),
        ("coordination/disembarkation/register.py", "port"),
        ("coordination/disembarkation/store.py", "srr"),
        ("coordination/rcc.py", "srr"),
        ("seasight/accounts.py", "participant"),
        ("seasight/app/demo.py", "sighting"),
        ("seasight/app/demo_stories.py", "disembarkation_outcome"),
        ("seasight/app/demo_stories.py", "sar_case"),
        ("seasight/sharing.py", "participant"),
        ("tracking/detect.py", "port"),
        ("tracking/detect.py", "state"),
        ("tracking/detect.py", "zone"),
        ("tracking/queries_map.py", "port"),
        ("tracking/queries_map.py", "srr"),
        ("tracking/queries_map.py", "zone"),
        ("tracking/queries_reference.py", "geodata_layer"),
        ("tracking/queries_reference.py", "zone"),
        ("tracking/stream/stage.py", "zone"),
    }
)


def production_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- rows by name ------------------------------------------------------------------------------------------

_ROW_CALLS = frozenset({"fetchone"})
_ROWS_CALLS = frozenset({"fetchall", "fetchmany"})
#: Calls returning a cursor, whose iteration yields rows.
_CURSOR_CALLS = frozenset({"execute", "cursor", "executemany"})


def _is_int(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def _is_positional(index: ast.expr) -> bool:
    if isinstance(index, ast.Slice):
        bounds = [b for b in (index.lower, index.upper) if b is not None]
        return bool(bounds) and all(_is_int(b) for b in bounds)
    return _is_int(index)


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


class _Scope:
    """Names bound in one function (or the module body) to a row, a list of rows or a cursor."""

    def __init__(self) -> None:
        self.rows: set[str] = set()  # a single row
        self.lists: set[str] = set()  # a list of rows
        self.cursors: set[str] = set()  # iterating yields rows

    def is_row(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.rows
        if _call_name(node) in _ROW_CALLS:
            return True
        if isinstance(node, ast.BoolOp):  # ``cur.fetchone() or (0,)``
            return any(self.is_row(v) for v in node.values)
        if isinstance(node, ast.Subscript) and _is_int(node.slice):  # ``rows[0]``
            return self.is_iterable_of_rows(node.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "next":
            return bool(node.args) and self.is_iterable_of_rows(node.args[0])
        return False

    def is_iterable_of_rows(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.lists or node.id in self.cursors
        name = _call_name(node)
        if name in _ROWS_CALLS or name in _CURSOR_CALLS:
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"list", "sorted", "reversed", "iter", "tuple"}
            and node.args
        ):
            return self.is_iterable_of_rows(node.args[0])
        return False

    def bind_target(self, target: ast.expr, *, row: bool = False, rows: bool = False) -> bool:
        """Bind ``target`` as a row or rows; True when a new name was learnt."""
        if not isinstance(target, ast.Name):
            return False
        names = self.rows if row else self.lists if rows else self.cursors
        if target.id in names:
            return False
        names.add(target.id)
        return True

    def bind_loop(self, target: ast.expr, iterable: ast.expr) -> bool:
        """``for r in rows`` / ``for i, r in enumerate(rows)``."""
        if self.is_iterable_of_rows(iterable):
            return self.bind_target(target, row=True)
        if (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Name)
            and iterable.func.id == "enumerate"
            and iterable.args
            and self.is_iterable_of_rows(iterable.args[0])
            and isinstance(target, ast.Tuple)
            and len(target.elts) == 2
        ):
            return self.bind_target(target.elts[1], row=True)
        return False


def _scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a function or module, without those of the functions defined inside it."""
    found: list[ast.AST] = []
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _learn(scope: _Scope, nodes: list[ast.AST]) -> None:
    changed = True
    while changed:  # until no new name is learnt (``cur = conn.execute(...)`` then ``rows = cur.fetchall()``)
        changed = False
        for node in nodes:
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                if value is None:
                    continue
                for target in targets:
                    if scope.is_row(value):
                        changed |= scope.bind_target(target, row=True)
                    elif _call_name(value) in _ROWS_CALLS or (
                        isinstance(value, ast.Name | ast.Call)
                        and scope.is_iterable_of_rows(value)
                        and _call_name(value) not in _CURSOR_CALLS
                        and not (isinstance(value, ast.Name) and value.id in scope.cursors)
                    ):
                        changed |= scope.bind_target(target, rows=True)
                    elif _call_name(value) in _CURSOR_CALLS or (
                        isinstance(value, ast.Name) and value.id in scope.cursors
                    ):
                        changed |= scope.bind_target(target)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None and _call_name(item.context_expr) in _CURSOR_CALLS:
                        changed |= scope.bind_target(item.optional_vars)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                changed |= scope.bind_loop(node.target, node.iter)


def positional_row_reads(source: str) -> list[tuple[int, str]]:
    """(line, code) of every positional read of a psycopg row in ``source``.

    A row is the result of ``fetchone()``, an element of ``fetchall()``/``fetchmany()`` or what iterating a
    cursor (``conn.execute(...)``, ``conn.cursor()``) yields, followed through names bound within one
    function. Reads by an integer literal or a slice of literals count; unpacking does not."""
    tree = ast.parse(source)
    found: list[tuple[int, int, str]] = []
    scopes: list[ast.AST] = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]
    for scope_node in scopes:
        nodes = _scope_nodes(scope_node)
        scope = _Scope()
        _learn(scope, nodes)
        for node in nodes:
            if isinstance(node, ast.Subscript) and _is_positional(node.slice) and scope.is_row(node.value):
                found.append((node.lineno, node.col_offset, ast.unparse(node)))
    return [(line, code) for line, _col, code in sorted(found)]


def count_positional_reads() -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in production_modules():
        n = len(positional_row_reads(path.read_text(encoding="utf-8")))
        if n:
            counts[_relative(path)] = n
    return counts


def test_the_check_finds_positional_row_reads() -> None:
    planted = """
def f(conn):
    row = conn.execute("SELECT a, b").fetchone()
    a = row[0]
    b = conn.execute("SELECT 1").fetchone()[0]
    rows = conn.execute("SELECT a").fetchall()
    for r in rows:
        print(r[3], r[-1], r[1:])
    for i, r2 in enumerate(rows):
        print(r2[0])
    first = rows[0][1]
    names = [r[0] for r in conn.execute("SELECT a")]
    cur = conn.execute("SELECT a")
    for r3 in cur:
        print(r3[2])
    with conn.cursor() as c:
        c.execute("SELECT a")
        x = c.fetchone()
        print(x[0])
        print([y[1] for y in c])
    n = (conn.execute("SELECT count(*)").fetchone() or (0,))[0]
    one, two = row
    by_name = row["a"]
    other = [1, 2, 3][0]
    seq = some_list[0]
    return rows[0]
"""
    assert [code for _line, code in positional_row_reads(planted)] == [
        "row[0]",
        "conn.execute('SELECT 1').fetchone()[0]",
        "r[3]",
        "r[-1]",
        "r[1:]",
        "r2[0]",
        "rows[0][1]",
        "r[0]",
        "r3[2]",
        "x[0]",
        "y[1]",
        "(conn.execute('SELECT count(*)').fetchone() or (0,))[0]",
    ]


def test_rows_are_read_by_name() -> None:
    counts = count_positional_reads()
    problems = []
    for module in sorted(set(counts) | set(POSITIONAL_ALLOWANCE)):
        now, allowed = counts.get(module, 0), POSITIONAL_ALLOWANCE.get(module, 0)
        if now > allowed:
            lines = ", ".join(
                f"{line}: {code[:60]}"
                for line, code in positional_row_reads((ROOT / module).read_text(encoding="utf-8"))
            )
            problems.append(
                f"{module}: {now} positional row reads, allowed {allowed} — read rows by name "
                f"(psycopg.rows.class_row / dict_row): {lines}"
            )
        elif now < allowed:
            problems.append(f"{module}: {now} positional row reads, fewer than {allowed}: lower its allowance")
    assert not problems, "\n".join(problems)


# --- own tables only ---------------------------------------------------------------------------------------

_SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN)\b")
_TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(?:ONLY\s+)?(?:public\.)?([a-z_][a-z0-9_]*)", re.IGNORECASE)


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal, with an f-string's literal parts joined by a space where a value goes."""
    texts: list[str] = []
    inside_fstring: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else " x " for v in node.values]
            texts.append("".join(str(p) for p in parts))
            inside_fstring.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstring:
            texts.append(node.value)
    return texts


def tables_named(source: str) -> set[str]:
    """The known tables named after FROM/JOIN/INTO/UPDATE in the SQL strings of ``source`` (a string is SQL
    when it has an upper-case SQL keyword)."""
    found: set[str] = set()
    for text in _strings(ast.parse(source)):
        if not _SQL_WORDS.search(text):
            continue
        found.update(t.lower() for t in _TABLE_REF.findall(text) if t.lower() in TABLE_OWNER)
    return found


def foreign_tables() -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for path in production_modules():
        module = _relative(path)
        package = module.split("/", 1)[0]
        for table in tables_named(path.read_text(encoding="utf-8")):
            if TABLE_OWNER[table] != package:
                pairs.add((module, table))
    return pairs


def test_every_table_has_an_owner() -> None:
    created: set[str] = set()
    pattern = re.compile(
        r"CREATE\s+(?:MATERIALIZED\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:public\.)?([a-z_][a-z0-9_]*)\b(?!\.)",
        re.IGNORECASE,
    )
    for path in sorted((ROOT / "seasight" / "migrations").glob("*.sql")):
        created.update(t.lower() for t in pattern.findall(path.read_text(encoding="utf-8")))
    assert created, "no tables found in the migrations"
    assert sorted(created - set(TABLE_OWNER)) == [], "give these tables an owning package in TABLE_OWNER"
    assert sorted(set(TABLE_OWNER) - created) == [], "TABLE_OWNER names tables no migration creates"


def test_the_check_finds_tables_in_sql() -> None:
    planted = """
a = "SELECT f.id FROM flag f JOIN vessel_state vs ON vs.mmsi = f.mmsi"
b = f"UPDATE sar_case SET x = 1 WHERE {cond}"
c = "INSERT INTO case_event (a) VALUES (%s)"
d = "the flag from the sighting"  # prose, not SQL
e = "SELECT 1 FROM generate_series(1, 3)"
"""
    assert tables_named(planted) == {"flag", "vessel_state", "sar_case", "case_event"}


@pytest.mark.parametrize("kind", ["more", "fewer"])
def test_each_package_reads_its_own_tables(kind: str) -> None:
    found = foreign_tables()
    if kind == "more":
        extra = sorted(found - FOREIGN_TABLE_ALLOWANCE)
        assert not extra, "modules name another package's tables (use the owning package's query functions):\n" + (
            "\n".join(f"{m}: {t} (owned by {TABLE_OWNER[t]})" for m, t in extra)
        )
    else:
        gone = sorted(FOREIGN_TABLE_ALLOWANCE - found)
        assert not gone, "these pairs are gone: remove them from FOREIGN_TABLE_ALLOWANCE\n" + "\n".join(
            f"{m}: {t}" for m, t in gone
        )


# --- one error class per meaning ---------------------------------------------------------------------------


def error_classes(source: str) -> list[str]:
    """Names of the classes in ``source`` that are errors: named ``...Error`` or ``...Exception``."""
    return [
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Exception"))
    ]


def test_the_check_finds_error_classes() -> None:
    planted = """
class CaseNotFoundError(CoordinationError):
    pass
class Case:
    pass
class FeedException(Exception):
    class InnerError(ValueError):
        pass
"""
    assert sorted(error_classes(planted)) == ["CaseNotFoundError", "FeedException", "InnerError"]


def test_each_error_is_defined_once() -> None:
    """One error class per meaning (issue 19): a second class of the same name in another module is a second
    meaning to catch, and code catching one misses the other."""
    where: dict[str, list[str]] = {}
    for path in production_modules():
        for name in error_classes(path.read_text(encoding="utf-8")):
            where.setdefault(name, []).append(_relative(path))
    twice = {name: modules for name, modules in where.items() if len(modules) > 1}
    assert not twice, "error classes defined more than once (keep one, import it): " + "; ".join(
        f"{name} in {', '.join(modules)}" for name, modules in sorted(twice.items())
    )
