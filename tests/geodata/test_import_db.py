"""``seasight geodata import``: Natural Earth files load; invalid files are refused whole.

Imports that would replace shared layers (srr, states, zones) run on the ``db`` fixture's connection, inside
a transaction the fixture rolls back, so other tests keep the reference layers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Polygon, box

from geodata.errors import ImportRejectedError
from geodata.importer import import_file
from tests.conftest import RunningStack, run_cli

pytestmark = pytest.mark.integration


def _ne(shared_data: Path, name: str) -> Path:
    return shared_data / "geo" / "natural_earth" / name


def _count(db: psycopg.Connection, sql: str, *params: object) -> int:
    row = db.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def test_natural_earth_countries_into_states(
    reference_layers: RunningStack, db: psycopg.Connection, shared_data: Path
) -> None:
    db.execute("SELECT 1")  # open the fixture's transaction so the import nests in it (rolled back)
    result = import_file(db, _ne(shared_data, "ne_110m_admin_0_countries.json"), "states", repair=True)
    assert result.features == 177 and result.repaired >= 1  # Sudan's 1:110m ring self-intersects
    assert _count(db, "SELECT count(*) FROM state") >= 170
    assert _count(db, "SELECT count(*) FROM state WHERE NOT ST_IsValid(geom)") == 0
    assert db.execute("SELECT iso2 FROM state WHERE iso3 = 'IDN'").fetchone() == ("ID",)


@pytest.mark.parametrize(
    ("filename", "layer", "features"),
    [
        ("ne_50m_geography_marine_polys.json", "seas", 119),
        ("ne_50m_coastline.json", "coastline_50m", 1428),
        ("ne_10m_ports.json", "ne_ports", 1081),
        ("ne_10m_admin_0_boundary_lines_maritime_indicator.json", "maritime_indicator", 223),
    ],
)
def test_natural_earth_layers_into_geo_feature(
    reference_layers: RunningStack,
    db: psycopg.Connection,
    shared_data: Path,
    filename: str,
    layer: str,
    features: int,
) -> None:
    db.execute("SELECT 1")
    result = import_file(db, _ne(shared_data, filename), layer)
    assert result.features == features and result.table == "geo_feature"
    assert _count(db, "SELECT count(*) FROM geo_feature WHERE layer = %s", layer) == features
    assert (
        _count(
            db,
            "SELECT count(*) FROM geo_feature WHERE layer = %s AND (ST_XMin(geom) < -180 OR ST_XMax(geom) > 180)",
            layer,
        )
        == 0
    )
    if layer == "seas":
        assert db.execute(
            "SELECT name FROM geo_feature WHERE layer = 'seas' AND ST_Covers(geom, "
            "ST_SetSRID(ST_MakePoint(96, 10.5), 4326))"
        ).fetchone() == ("Andaman Sea",)


def test_world_atlas_topojson_with_repair(
    reference_layers: RunningStack, db: psycopg.Connection, shared_data: Path
) -> None:
    db.execute("SELECT 1")
    path = _ne(shared_data, "world-atlas_countries-110m.topo.json")
    with pytest.raises(ImportRejectedError, match="invalid geometry.*--repair"):
        import_file(db, path, "world_atlas")
    result = import_file(db, path, "world_atlas", repair=True)
    assert result.features == 177 and result.repaired >= 1


def test_invalid_geometry_rejected_and_nothing_loaded(reference_layers: RunningStack, shared_data: Path) -> None:
    done = run_cli(
        "geodata",
        "import",
        str(_ne(shared_data, "ne_110m_land.json")),
        "--layer",
        "land_rejected",
        env=reference_layers.env(),
    )
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "ne_110m_land.json: feature 78" in err and "invalid geometry" in err and "--repair" in err
    with psycopg.connect(reference_layers.database_url) as conn:
        assert _count(conn, "SELECT count(*) FROM geo_feature WHERE layer = 'land_rejected'") == 0


def test_cli_import_of_land_with_repair(reference_layers: RunningStack, shared_data: Path) -> None:
    done = run_cli(
        "geodata",
        "import",
        str(_ne(shared_data, "ne_110m_land.json")),
        "--layer",
        "land_110m",
        "--repair",
        env=reference_layers.env(),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "imported 127 features" in done.stdout.decode() and "1 repaired" in done.stdout.decode()


def test_zones_file_failing_midway_leaves_nothing(
    reference_layers: RunningStack, db: psycopg.Connection, tmp_path: Path
) -> None:
    before = _count(db, "SELECT count(*) FROM zone")
    good = {
        "type": "Feature",
        "properties": {"name": "Test box A", "kind": "transit_corridor", "reason": "test"},
        "geometry": box(90, 10, 91, 11).__geo_interface__,
    }
    good2 = {**good, "properties": {**good["properties"], "name": "Test box B"}}
    bad = {**good, "properties": {"name": "Test box C", "kind": "holiday_resort", "reason": "test"}}
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, good2, bad]}))
    db.execute("SELECT 1")
    with pytest.raises(ImportRejectedError, match="feature 2: kind must be one of"):
        import_file(db, path, "zones")
    assert _count(db, "SELECT count(*) FROM zone") == before
    assert _count(db, "SELECT count(*) FROM zone WHERE name LIKE 'Test box%%'") == 0


def test_srr_file_missing_fields_leaves_srr_table_alone(
    reference_layers: RunningStack, db: psycopg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "official_srr.geojson"
    gpd.GeoDataFrame({"id": ["X1"], "name": ["Somewhere"]}, geometry=[box(0, 0, 1, 1)], crs=4326).to_file(path)
    db.execute("SELECT 1")
    with pytest.raises(ImportRejectedError, match="layer srr needs rcc_name, rcc_country"):
        import_file(db, path, "srr")
    authored = json.loads((Path(__file__).parents[2] / "geodata" / "layers" / "srr.geojson").read_text())
    assert _count(db, "SELECT count(*) FROM srr") == len(authored["features"])


def test_official_srr_import_replaces_the_indicative_layer(
    reference_layers: RunningStack, db: psycopg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "official_srr.gpkg"
    gpd.GeoDataFrame(
        {"id": ["zz1"], "name": ["Official test SRR"], "rcc_name": ["RCC Test"], "rcc_country": ["IDN"]},
        geometry=[box(90, -10, 140, 6)],
        crs=4326,
    ).to_file(path)
    db.execute("SELECT 1")
    import_file(db, path, "srr", acted_by="officer-1")
    rows = db.execute("SELECT id, indicative, acted_by FROM srr").fetchall()
    assert rows == [("ZZ1", False, "officer-1")]


def test_projected_shapefile_is_transformed(
    reference_layers: RunningStack, db: psycopg.Connection, tmp_path: Path
) -> None:
    frame = gpd.GeoDataFrame({"name": ["Penang box"]}, geometry=[box(100.0, 5.0, 100.5, 5.5)], crs=4326)
    path = tmp_path / "penang.shp"
    frame.to_crs(3857).to_file(path)
    db.execute("SELECT 1")
    result = import_file(db, path, "penang")
    assert result.source_crs.endswith("3857") or "Pseudo-Mercator" in result.source_crs
    bounds = db.execute(
        "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM geo_feature WHERE layer = 'penang'"
    ).fetchone()
    assert bounds == pytest.approx((100.0, 5.0, 100.5, 5.5), abs=1e-6)
    path.with_suffix(".prj").unlink()
    with pytest.raises(ImportRejectedError, match="no coordinate reference system"):
        import_file(db, path, "penang_no_prj")


def test_kml_and_antimeridian_polygon(reference_layers: RunningStack, db: psycopg.Connection, tmp_path: Path) -> None:
    crossing = Polygon([(178, -20), (-178, -20), (-178, -15), (178, -15)])
    path = tmp_path / "fiji_box.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Fiji box"},
                        "geometry": crossing.__geo_interface__,
                    }
                ],
            }
        )
    )
    kml = tmp_path / "fiji_box.kml"
    gpd.read_file(path).to_file(kml, driver="KML")
    db.execute("SELECT 1")
    for source, layer in ((path, "fiji_geojson"), (kml, "fiji_kml")):
        result = import_file(db, source, layer)
        assert result.split_at_antimeridian == 1
        area = db.execute(
            "SELECT ST_Area(geom), ST_NumGeometries(geom) FROM geo_feature WHERE layer = %s", (layer,)
        ).fetchone()
        assert area == (pytest.approx(20.0), 2)  # 4° × 5°, in two parts, not 356° wide


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (b'{"type": "FeatureCollection", "features": [', ".geojson", "cannot be read as GeoJSON"),
        (b'{"type": "FeatureCollection", "features": []}', ".geojson", "has no features"),
        (b"id,name\n1,x\n", ".csv", "unsupported file type .csv"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"}, '
            b'"geometry": {"type": "Point", "coordinates": [500000, 6000000]}}]}',
            ".geojson",
            "wrong CRS",
        ),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(
    reference_layers: RunningStack, tmp_path: Path, content: bytes, suffix: str, message: str
) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    done = run_cli("geodata", "import", str(path), "--layer", "bad_layer", env=reference_layers.env())
    assert done.returncode == 1
    assert message in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    with psycopg.connect(reference_layers.database_url) as conn:
        assert _count(conn, "SELECT count(*) FROM geo_feature WHERE layer = 'bad_layer'") == 0


def _ring_zone(vertices: int, name: str = "Test ring") -> dict[str, object]:
    """A zone whose polygon has ``vertices`` coordinates (a circle of radius 0.5° in the Andaman Sea)."""
    import math

    n = vertices - 1
    ring = [[95.0 + 0.5 * math.cos(2 * math.pi * k / n), 9.0 + 0.5 * math.sin(2 * math.pi * k / n)] for k in range(n)]
    ring.append(ring[0])
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": "transit_corridor", "reason": "test"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_zone_imports_take_the_dashboards_limits_unless_told_otherwise(
    stack: RunningStack, db: psycopg.Connection, tmp_path: Path
) -> None:
    from geodata.importer import ZONE_LIMITS, ImportLimits

    dense = tmp_path / "dense.geojson"
    dense.write_text(json.dumps({"type": "FeatureCollection", "features": [_ring_zone(ZONE_LIMITS.max_vertices + 1)]}))
    big = tmp_path / "big.geojson"
    padding = _ring_zone(50)
    padding["properties"] = {"name": "Test ring", "kind": "transit_corridor", "reason": "x" * (3 * 1024 * 1024)}
    big.write_text(json.dumps({"type": "FeatureCollection", "features": [padding]}))
    before = _count(db, "SELECT count(*) FROM zone")

    refused = run_cli("geodata", "import", str(dense), "--layer", "zones", env=stack.env())
    assert refused.returncode == 1 and b"feature 0 has 20001 vertices, more than the 20000" in refused.stderr
    refused = run_cli("geodata", "import", str(big), "--layer", "zones", env=stack.env())
    assert refused.returncode == 1 and b"more than the 2.1 MB this layer takes" in refused.stderr, refused.stderr
    with pytest.raises(ImportRejectedError, match="vertices"):
        import_file(db, dense, "zones")
    assert _count(db, "SELECT count(*) FROM zone") == before

    # told otherwise, explicitly (here in the rolled-back transaction, so other tests keep their zones)
    result = import_file(db, dense, "zones", limits=ImportLimits(2 * 1024 * 1024, 10, 30_000))
    assert result.features == 1
    with pytest.raises(ImportRejectedError, match="limits out of range"):
        ImportLimits(0, 10, 10)
