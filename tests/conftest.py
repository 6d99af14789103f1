"""Shared fixtures. Integration tests run against a real PostGIS cluster and a real Kafka-protocol broker
(Tansu), started once per test run by the same local-stack code as ``seasight up``, in a temporary folder
so a developer's running stack is never touched. Never mocks of either."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import psycopg
import pytest

from seasight.settings import Settings
from seasight.stack import LocalStack

#: The instant every test takes as "now": time is an input, never the wall clock. Every process a test
#: starts (CLIs, the dashboard server) gets it as SEASIGHT_FIXED_TIME, so what a page or command calls "the
#: last 6 hours" is the same whatever the hour the suite runs at.
TEST_NOW = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
os.environ["SEASIGHT_FIXED_TIME"] = TEST_NOW.isoformat()

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ARTIFACTS = REPO_ROOT / "test-artifacts"


@dataclass(frozen=True)
class RunningStack:
    stack_dir: Path
    database_url: str  # the application role (owns nothing)
    kafka_bootstrap: str
    owner_url: str = ""  # the owner role (migrations, account administration)
    superuser_url: str = ""  # the cluster's superuser (tests that tamper by hand)

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": self.database_url,
            "kafka_bootstrap": self.kafka_bootstrap,
            "stack_dir": self.stack_dir,
            "owner_database_url": self.owner_url,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        """Environment for a ``seasight`` subprocess pointed at this stack."""
        env = dict(os.environ)
        env.update(
            SEASIGHT_DATABASE_URL=self.database_url,
            SEASIGHT_KAFKA_BOOTSTRAP=self.kafka_bootstrap,
            SEASIGHT_STACK_DIR=str(self.stack_dir),
            SEASIGHT_OWNER_DATABASE_URL=self.owner_url,
        )
        return env


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A private PostGIS + broker for the whole test run, torn down (and deleted) at the end."""
    local = LocalStack(tmp_path_factory.mktemp("stack"))
    try:
        state = local.up(partitions=3)
        yield RunningStack(
            local.stack_dir,
            local.database_url(state),
            local.kafka_bootstrap(state),
            local.owner_url(state),
            local.superuser_url(state).rsplit("/", 1)[0] + "/seasight",
        )
    finally:
        local.destroy()


def fresh_database(stack: RunningStack, name: str) -> RunningStack:
    """``stack`` with its database swapped for a new, migrated database ``name`` in the same cluster
    (dropped first if it exists): for tests whose writes must not reach other packages' tests."""
    from psycopg import sql

    from seasight.migrate import migrate
    from seasight.stack import OWNER_ROLE, ensure_service_account, prepare_database

    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(OWNER_ROLE)))
    superuser = stack.superuser_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(superuser, autocommit=True) as conn:
        prepare_database(conn, name)
    owner_url = stack.owner_url.rsplit("/", 1)[0] + f"/{name}"
    migrate(owner_url)
    # the same local service account and token as the stack's own database (see LocalStack.database_url)
    base, _, query = stack.database_url.partition("?")
    token = unquote(query.partition("seasight.token%3D")[2]) if query else ""
    ensure_service_account(owner_url, token, adopt=True)
    url = base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    return RunningStack(stack.stack_dir, url, stack.kafka_bootstrap, owner_url, superuser)


_TOKENS: dict[tuple[str, str], str] = {}


def account_token(stack: RunningStack, name: str, participant: str, role: str = "sar_coordinator") -> str:
    """An API token of test account ``name`` (participant, role) in ``stack``'s database, created on first
    use on the owner side (with a participant row for a made-up test state such as XAA)."""
    from seasight.accounts import Role, add_account, issue_token

    key = (stack.owner_url, name)
    if key not in _TOKENS:
        with psycopg.connect(stack.owner_url, autocommit=True) as conn:
            if participant not in ("RSO", "SYSTEM"):
                conn.execute(
                    "INSERT INTO participant (code, name, kind, acted_by) VALUES (%s, %s, 'observer', 'test-fixture')"
                    " ON CONFLICT (code) DO NOTHING",
                    (participant, f"test participant {participant}"),
                )
            if conn.execute("SELECT 1 FROM account WHERE name = %s", (name,)).fetchone() is None:
                add_account(conn, name, participant, Role(role))
            _TOKENS[key] = issue_token(conn, name, "test").secret
    return _TOKENS[key]


def acting_env(stack: RunningStack, name: str, participant: str, role: str = "sar_coordinator") -> dict[str, str]:
    """``stack.env()`` acting as the test account ``name`` (see :func:`account_token`)."""
    return {**stack.env(), "SEASIGHT_ACCOUNT_TOKEN": account_token(stack, name, participant, role)}


@pytest.fixture()
def db(stack: RunningStack) -> Iterator[psycopg.Connection]:
    """A connection to the test database (autocommit off; rolled back at the end of the test)."""
    with psycopg.connect(stack.database_url) as conn:
        yield conn
        conn.rollback()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.fail(f"shared data folder missing: {SHARED_DATA} (the repository's sibling ../shared/data)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run ``seasight ARGS`` as a new user would, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "seasight.app.cli", *args],
        env=env,
        input=input,
        capture_output=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )


@pytest.fixture(scope="session")
def reference_layers(stack: RunningStack, shared_data: Path) -> RunningStack:
    """The test stack with geodata's reference layers loaded (participants, SRRs, watch zones, ports, as
    ``seasight geodata load`` does) and Natural Earth 1:50m countries imported as the ``state`` layer."""
    from geodata.importer import import_file
    from geodata.loader import load_reference_layers

    with psycopg.connect(stack.database_url) as conn:
        load_reference_layers(conn)
        if conn.execute("SELECT count(*) FROM state").fetchone() == (0,):
            import_file(
                conn,
                shared_data / "geo" / "natural_earth" / "ne_50m_admin_0_countries.json",
                "states",
                acted_by="test-fixture",
            )
    return stack


#: Fixtures that start or use the real PostGIS and broker: a test asking for one is in the integration lane.
STACK_FIXTURES = frozenset({"stack", "db", "reference_layers", "dashboard_stack", "ddb"})


#: Test folders whose modules share expensive session fixtures (the seeded dashboard world, the dashboard
#: server the browser drives): under pytest-xdist they run on one worker, so the world is seeded once.
SHARED_WORLD_FOLDERS = frozenset({"dashboard", "browser"})


def _worker_group(item: pytest.Item) -> str:
    """The pytest-xdist group of a test (``--dist loadgroup``): a module's tests stay on one worker, so its
    module and session fixtures are built once; the dashboard and browser tests share one group."""
    path = Path(str(item.path)).resolve()
    try:
        parts = path.relative_to(REPO_ROOT / "tests").parts
    except ValueError:
        return path.name
    if parts and parts[0] in SHARED_WORLD_FOLDERS:
        return "dashboard"
    return "/".join(parts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Two lanes: ``integration`` (the real PostGIS and broker, browser tests) and ``unit`` (pure logic, no
    stack). A test that uses a stack fixture is put in the integration lane even if its module forgot the
    marker, so ``-m unit`` never starts a stack. Every test also gets its pytest-xdist group (see
    ``_worker_group``); each worker starts its own private stack."""
    parallel = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if parallel:
            item.add_marker(pytest.mark.xdist_group(_worker_group(item)))
        uses_stack = bool(STACK_FIXTURES & set(getattr(item, "fixturenames", ())))
        needs_stack = uses_stack or item.get_closest_marker("browser") is not None
        if needs_stack and item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)
        if item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.unit)
