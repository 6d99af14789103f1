"""``seasight geodata load`` against the real PostGIS: complete, idempotent, versioned, keeps edits."""

from __future__ import annotations

import psycopg
import pytest

from geodata.loader import load_reference_layers
from tests.conftest import RunningStack, run_cli

pytestmark = pytest.mark.integration


def test_layers_are_loaded_and_recorded(reference_layers: RunningStack, db: psycopg.Connection) -> None:
    versions: dict[str, str] = dict(db.execute("SELECT name, version FROM geodata_layer").fetchall())
    assert versions["participants"] == "3" and versions["srr"] == "4" and versions["zones"] == "1"
    assert versions["ports"].startswith("searoute-")
    assert db.execute("SELECT count(*) FROM participant WHERE 'member' = ANY(groups)").fetchone() == (47,)
    assert db.execute("SELECT count(*) FROM srr WHERE NOT indicative").fetchone() == (0,)
    assert db.execute("SELECT rcc FROM participant WHERE code = 'IDN'").fetchone() == ("IDN",)
    per_country: dict[str, int] = dict(db.execute("SELECT country_iso2, count(*) FROM port GROUP BY 1").fetchall())
    assert per_country["ID"] > 100 and per_country["MY"] > 30 and per_country["BD"] >= 4
    assert db.execute("SELECT count(*) FROM zone WHERE reason = ''").fetchone() == (0,)


def test_second_load_changes_nothing(reference_layers: RunningStack, db: psycopg.Connection) -> None:
    before = db.execute("SELECT max(updated_at) FROM srr").fetchone()
    results = load_reference_layers(db)
    assert {r.status for r in results} == {"unchanged"}
    assert db.execute("SELECT max(updated_at) FROM srr").fetchone() == before


def test_forced_reload_keeps_an_operator_edit(reference_layers: RunningStack, db: psycopg.Connection) -> None:
    db.execute(
        "UPDATE zone SET reason = 'edited by the watch officer', acted_by = 'officer-1' WHERE name = 'Andaman Sea'"
    )
    results = {r.name: r for r in load_reference_layers(db, force=True)}
    assert results["zones"].status == "loaded" and results["zones"].kept == 1
    assert db.execute("SELECT reason FROM zone WHERE name = 'Andaman Sea'").fetchone() == (
        "edited by the watch officer",
    )
    # the db fixture rolls all of this back


def test_cli_load_reports_versions(reference_layers: RunningStack) -> None:
    done = run_cli("geodata", "load", env=reference_layers.env())
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "srr" in out and "unchanged" in out
    status = run_cli("geodata", "status", env=reference_layers.env())
    assert status.returncode == 0 and "participants" in status.stdout.decode()
