"""Places of safety from day one (issue 17): a fresh install (migrate + `seasight geodata load`, nothing
else, no `disembark places load`) gives candidate options for a case off Aceh, each marked
"candidate — not verified"."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from tests.conftest import RunningStack, account_token, fresh_database, run_cli

pytestmark = pytest.mark.integration

FRESH_DATABASE = "seasight_fresh_install"
WEST_OF_ACEH = (5.45, 94.25)


@pytest.fixture(scope="module")
def fresh(stack: RunningStack) -> Iterator[RunningStack]:
    """A new database on the test cluster, migrated and with geodata's reference layers only."""
    from geodata.loader import load_reference_layers

    fresh_stack = fresh_database(stack, FRESH_DATABASE)
    with psycopg.connect(fresh_stack.database_url) as conn:
        load_reference_layers(conn)
    yield fresh_stack
    with psycopg.connect(stack.superuser_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(FRESH_DATABASE)))


def test_a_fresh_install_gives_candidate_options_off_aceh(fresh: RunningStack) -> None:
    with psycopg.connect(fresh.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM place_of_safety").fetchone() == (0,)  # nothing registered
        row = conn.execute(
            "INSERT INTO sar_case (origin_kind, lkp, lkp_time, craft_type, persons, source, casualty, is_exercise, "
            "phase, phase_since, opened_at, owner, acted_by) VALUES ('manual', ST_SetSRID(ST_MakePoint(%s, %s), "
            "4326), '2026-03-01T00:00Z', 'wooden boat', 120, 'test', 'adrift', false, 'distress', "
            "'2026-03-01T00:00Z', '2026-03-01T00:00Z', 'IDN', 'test') RETURNING id",
            (WEST_OF_ACEH[1], WEST_OF_ACEH[0]),
        ).fetchone()
        assert row is not None
        case_id = int(row[0])
        conn.commit()
    token = account_token(fresh, "fresh-install-coordinator", "IDN")
    done = run_cli("disembark", "options", str(case_id), "--json", env={**fresh.env(), "SEASIGHT_ACCOUNT_TOKEN": token})
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    options = data["options"]
    assert len(options) >= 3, options
    assert data["responsible_state"] == "IDN"
    for o in options:
        assert o["status"] == "candidate \u2014 not verified"
        assert any(r.startswith("candidate \u2014 not verified") for r in o["reasons"])
    first_three = [o["locode"] for o in options[:3]]
    assert {"IDSBG", "IDBTJ"} <= set(first_three), first_three  # Sabang and Banda Aceh among the first
    for o in options[:3]:
        assert o["sea_distance_nm"] <= 80, o
    text = run_cli("disembark", "options", str(case_id), env={**fresh.env(), "SEASIGHT_ACCOUNT_TOKEN": token})
    assert text.returncode == 0 and "[candidate \u2014 not verified]" in text.stdout.decode()
