"""Country polygons fetched from the npm registry by the set-up command, loaded into ``state``."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from geodata.countries import cached_countries_file, fetch_countries, load_countries
from geodata.errors import GeodataError
from tests.conftest import RunningStack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def countries_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("npm") is None:
        pytest.skip("npm client not installed on this machine")
    return fetch_countries(tmp_path_factory.mktemp("cache"))


def test_fetch_is_cached(countries_file: Path) -> None:
    root = countries_file.parents[2]
    assert cached_countries_file(root) == countries_file and countries_file.stat().st_size > 500_000
    assert fetch_countries(root, npm="no-such-npm-client") == countries_file  # cached: no npm needed


def test_missing_npm_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GeodataError, match="npm client .* is not installed"):
        fetch_countries(tmp_path, npm="no-such-npm-client")


def test_load_keeps_user_import_unless_forced(
    reference_layers: RunningStack, db: psycopg.Connection, countries_file: Path
) -> None:
    db.execute("SELECT 1")  # nested in the fixture's transaction, rolled back at the end
    # the fixture imported Natural Earth 1:50m as states: a user's import is kept
    assert load_countries(db, countries_file) == ("kept", None)
    status, result = load_countries(db, countries_file, force=True)
    assert status == "loaded" and result is not None
    assert "Kosovo" in result.skipped and result.repaired >= 1
    assert db.execute("SELECT name, iso2 FROM state WHERE iso3 = 'MMR'").fetchone() == ("Myanmar", "MM")
    assert db.execute("SELECT count(*) FROM state WHERE NOT ST_IsValid(geom) OR ST_XMax(geom) > 180").fetchone() == (0,)
    assert load_countries(db, countries_file) == ("unchanged", None)
    fiji = db.execute(
        "SELECT ST_NumGeometries(geom), ST_XMin(geom), ST_XMax(geom) FROM state WHERE iso3 = 'FJI'"
    ).fetchone()
    assert fiji is not None and fiji[1] == -180.0 and fiji[2] == 180.0
