"""`seasight up` twice, `status --json`, `down`: the local stack's life cycle through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest

from seasight.stack import LocalStack, pid_alive
from tests.conftest import run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _env(stack_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEASIGHT_")}
    env["SEASIGHT_STACK_DIR"] = str(stack_dir)
    return env


def test_up_twice_status_down(tmp_path: Path) -> None:
    stack_dir = tmp_path / "seasight-data"
    env = _env(stack_dir)
    try:
        first = run_cli("up", env=env)
        assert first.returncode == 0, first.stderr.decode()
        assert b"SEASIGHT_DATABASE_URL=postgresql://" in first.stdout
        assert b"SEASIGHT_KAFKA_BOOTSTRAP=127.0.0.1:" in first.stdout

        status = run_cli("status", "--json", env=env)
        assert status.returncode == 0, status.stderr.decode()
        report = json.loads(status.stdout)["components"]
        assert report["postgres"]["state"] == "running"
        assert report["broker"]["state"] == "running"
        assert "***" in report["postgres"]["url"], "status must not print the password"
        pids = (report["postgres"]["pid"], report["broker"]["pid"])

        # A second `up` reuses both running components: same pids, same URLs, nothing re-applied.
        second = run_cli("up", env=env)
        assert second.returncode == 0, second.stderr.decode()
        assert b"already running" in second.stderr
        again = json.loads(run_cli("status", "--json", env=env).stdout)["components"]
        assert (again["postgres"]["pid"], again["broker"]["pid"]) == pids
        assert first.stdout.splitlines()[1] == second.stdout.splitlines()[1]

        urls = LocalStack(stack_dir).urls()
        assert urls is not None
        with psycopg.connect(urls[0]) as conn:
            versions = [r[0] for r in conn.execute("SELECT version FROM schema_migration ORDER BY 1")]
            assert versions and versions[0] == 1
            assert conn.execute("SELECT postgis_lib_version()").fetchone() is not None

        down = run_cli("down", env=env)
        assert down.returncode == 0, down.stderr.decode()
        assert b"broker" in down.stdout and b"postgres" in down.stdout
        assert not pid_alive(pids[1], "tansu")
        stopped = json.loads(run_cli("status", "--json", env=env).stdout)["components"]
        assert stopped["postgres"]["state"] == "stopped"
        assert stopped["broker"]["state"] == "stopped"

        # `down` again stops nothing and says so.
        idle = run_cli("down", env=env)
        assert idle.returncode == 0 and b"nothing" in idle.stdout

        # `up` after `down` brings the same cluster (and its data) back.
        back = run_cli("up", env=env)
        assert back.returncode == 0, back.stderr.decode()
        with psycopg.connect(LocalStack(stack_dir).urls()[0]) as conn:  # type: ignore[index]
            assert conn.execute("SELECT count(*) FROM schema_migration").fetchone()[0] == len(versions)  # type: ignore[index]
    finally:
        LocalStack(stack_dir).destroy()


def test_status_of_a_stack_never_started(tmp_path: Path) -> None:
    status = run_cli("status", "--json", env=_env(tmp_path / "none"))
    assert status.returncode == 3
    report = json.loads(status.stdout)["components"]
    assert report["postgres"]["state"] == "absent" and report["broker"]["state"] == "absent"


def test_commands_needing_a_stack_say_so(tmp_path: Path) -> None:
    result = run_cli("migrate", env=_env(tmp_path / "none"))  # migrations run as the owner role
    assert result.returncode == 1
    assert b"SEASIGHT_OWNER_DATABASE_URL" in result.stderr and b"seasight up" in result.stderr
    assert b"Traceback" not in result.stderr
