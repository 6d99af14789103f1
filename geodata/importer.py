"""``seasight geodata import FILE --layer NAME``: bring a richer layer a user has into PostGIS.

Formats: GeoJSON, GeoPackage, ESRI Shapefile, KML (read with pyogrio/GDAL). Every file is checked
before anything is written, and the write is one transaction — all of the file or none of it:

1. readable, not empty, a CRS (GeoJSON without one is EPSG:4326 by RFC 7946); reprojected to EPSG:4326;
2. every feature has a non-empty geometry, valid (OGC simple-features validity) — invalid geometries are
   rejected naming the feature, unless ``repair`` (``--repair``) asks for ``ST_MakeValid``-style repair;
3. polygons crossing the antimeridian are split at ±180°; coordinates must then lie within -180..180 /
   -90..90;
4. the attributes the target layer needs are present (named in the message when not);
5. within the layer's :class:`ImportLimits` (file size, features, vertices per feature), checked before
   the file is parsed (size) and before any geometry work (vertices): ``zones`` take what the dashboard's
   upload takes (:data:`ZONE_LIMITS`), other layers :data:`REFERENCE_LIMITS`; ``seasight geodata import``
   overrides them only when told (``--max-mb``, ``--max-features``, ``--max-vertices``).

Target layers
    ``srr``     official SRRs replace the whole table (fields id, name, rcc_name, rcc_country; optional
                rcc_phone, rcc_email, indicative (default false for an imported layer), source).
    ``states``  country polygons replace the whole table; ISO alpha-3 from iso3 / ISO_A3, else Natural
                Earth's ADM0_A3 when ISO_A3 is ``-99`` (for a few territories that is NE's own code, e.g.
                IOA for Australia's Indian Ocean Territories; iso2 is then empty); name from NAME / ADMIN.
    ``zones``   watch zones upserted by (kind, name) with a reason; marked as edited by the importer.
    ``ports``   ports upserted by UN/LOCODE (fields locode or port, name).
    any other   ``geo_feature`` rows of that layer name, replacing the previous import of the same name.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import shapely
import shapely.errors
from psycopg.types.json import Jsonb
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from geodata.errors import GeodataError, ImportRejectedError
from geodata.geometry import check_lonlat_range, clamp_lonlat, split_antimeridian, to_multipolygon
from geodata.reference import ZONE_KINDS, checksum_of
from seasight.rows import fetch_one_by_name

log = logging.getLogger("seasight.geodata.importer")

SUPPORTED_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".kml": "KML",
    ".zip": "zipped Shapefile",
}
_LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_FEATURES = 500_000


@dataclass(frozen=True)
class ImportLimits:
    """The most an import takes: file size (bytes), features, and vertices (coordinates) per feature."""

    max_bytes: int
    max_features: int
    max_vertices: int

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or not 1 <= self.max_features <= MAX_FEATURES or self.max_vertices < 4:
            raise ImportRejectedError(
                f"import limits out of range: {self.max_bytes} bytes, {self.max_features} features "
                f"(at most {MAX_FEATURES}), {self.max_vertices} vertices per feature (at least 4)"
            )


ZONE_LIMITS = ImportLimits(max_bytes=2 * 1024 * 1024, max_features=1_000, max_vertices=20_000)
"""Watch zones (the dashboard's upload and the CLI alike): few hand-drawn polygons. A bigger file, or a
zone of more vertices, is almost certainly the wrong file (a coastline, a country layer)."""

REFERENCE_LIMITS = ImportLimits(max_bytes=64 * 1024 * 1024, max_features=MAX_FEATURES, max_vertices=500_000)
"""Reference layers (SRRs, states, ports, any other): Natural Earth 1:50m countries are 4.7 MB, their
largest country some 10,000 vertices."""


def default_limits(layer: str) -> ImportLimits:
    """What an import into ``layer`` takes unless told otherwise."""
    return ZONE_LIMITS if layer == "zones" else REFERENCE_LIMITS


@dataclass(frozen=True)
class ImportedFeature:
    """One feature after validation: EPSG:4326 geometry and plain-JSON attributes."""

    number: int  # position in the file, from 0
    geom: BaseGeometry
    properties: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    layer: str
    table: str
    features: int
    repaired: int
    split_at_antimeridian: int
    replaced: int  # rows the import replaced or updated
    source_crs: str
    checksum: str
    skipped: tuple[str, ...] = ()  # features left out on purpose (named), e.g. states without an ISO code


def _plain(value: Any) -> Any:
    """A JSON-safe attribute value (NaN → None, timestamps → ISO text)."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (int, str, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return _plain(value.item())
    return str(value)


def read_features(
    path: Path, repair: bool = False, source_layer: str | None = None, limits: ImportLimits = REFERENCE_LIMITS
) -> tuple[list[ImportedFeature], str, int, int]:
    """Read and validate every feature of ``path`` (pure apart from reading the file).

    A file with several layers (GeoPackage, TopoJSON, KML folders) is read from ``source_layer``, by
    default its first layer. Returns (features, source CRS, number repaired, number split at the
    antimeridian). Raises
    :class:`ImportRejectedError` naming the file and the first problem found.
    """
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    if not path.exists():
        raise ImportRejectedError(f"{path}: no such file")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ImportRejectedError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; use GeoJSON (.geojson/.json), "
            "GeoPackage (.gpkg), Shapefile (.shp or .zip) or KML (.kml)"
        )
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImportRejectedError(
            f"{path}: {size / 1e6:.1f} MB is more than the {limits.max_bytes / 1e6:.1f} MB this layer takes; "
            "nothing was imported (give a larger --max-mb explicitly if the file is right)"
        )
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
        if source_layer is not None and source_layer not in layers:
            raise ImportRejectedError(f"{path}: has no layer {source_layer!r}; it has {', '.join(layers)}")
        gdf = pyogrio.read_dataframe(path, layer=source_layer or layers[0])
    except (DataSourceError, DataLayerError, OSError, ValueError, RuntimeError) as exc:
        raise ImportRejectedError(
            f"{path}: cannot be read as {SUPPORTED_SUFFIXES[path.suffix.lower()]}: {exc}"
        ) from exc
    if len(gdf) == 0:
        raise ImportRejectedError(f"{path}: has no features")
    if len(gdf) > limits.max_features:
        raise ImportRejectedError(
            f"{path}: {len(gdf)} features is more than the {limits.max_features} this layer takes (--max-features)"
        )
    vertices = shapely.get_num_coordinates(gdf.geometry.values)
    if len(vertices) and int(vertices.max()) > limits.max_vertices:
        n = int(vertices.argmax())
        raise ImportRejectedError(
            f"{path.name}: feature {n} has {int(vertices[n])} vertices, more than the {limits.max_vertices} "
            "a feature of this layer may have (--max-vertices); nothing was imported"
        )
    if gdf.crs is None:
        if path.suffix.lower() in (".geojson", ".json", ".kml"):
            gdf = gdf.set_crs(4326)
        else:
            raise ImportRejectedError(f"{path}: has no coordinate reference system (is the .prj file missing?)")
    source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:  # pyproj raises several unrelated classes
            raise ImportRejectedError(f"{path}: cannot transform from {source_crs} to EPSG:4326: {exc}") from exc
    repaired = split = 0
    features: list[ImportedFeature] = []
    columns = [c for c in gdf.columns if c != "geometry"]
    for n, (geom, row) in enumerate(zip(gdf.geometry, gdf[columns].itertuples(index=False), strict=True)):
        props = {str(k): _plain(v) for k, v in zip(columns, row, strict=True)}
        label = props.get("name") or props.get("NAME") or props.get("id")
        what = f"{path.name}: feature {n}" + (f" ({label})" if label else "")
        if geom is None or geom.is_empty:
            raise ImportRejectedError(f"{what}: has no geometry")
        if shapely.has_z(geom):
            geom = shapely.force_2d(geom)
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            if not repair:
                raise ImportRejectedError(f"{what}: invalid geometry ({reason}); fix the file or import with --repair")
            geom = shapely.make_valid(geom)
            repaired += 1
        try:
            geom = clamp_lonlat(geom)
            fixed = split_antimeridian(geom)
        except shapely.errors.GEOSException as exc:
            raise ImportRejectedError(f"{what}: cannot split at the antimeridian ({exc})") from exc
        if fixed is not geom:
            split += 1
            geom = fixed
            if not geom.is_valid:
                if not repair:
                    raise ImportRejectedError(
                        f"{what}: invalid after splitting at the antimeridian "
                        f"({shapely.is_valid_reason(geom)}); import with --repair"
                    )
                geom = shapely.make_valid(geom)
        try:
            check_lonlat_range(geom, what)
        except GeodataError as exc:
            raise ImportRejectedError(str(exc)) from exc
        features.append(ImportedFeature(n, geom, props))
    return features, source_crs, repaired, split


def _first(props: dict[str, Any], *names: str) -> Any:
    lowered = {k.lower(): v for k, v in props.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, "", "-99"):
            return value
    return None


def _polygons(f: ImportedFeature, path: Path) -> MultiPolygon:
    try:
        return to_multipolygon(f.geom, f"{path.name}: feature {f.number}")
    except GeodataError as exc:
        raise ImportRejectedError(str(exc)) from exc


def _import_srr(conn: psycopg.Connection[Any], feats: list[ImportedFeature], path: Path, acted_by: str) -> int:
    rows = []
    for f in feats:
        p = f.properties
        srr_id, name = _first(p, "id", "srr_id"), _first(p, "name")
        rcc_name, rcc_country = _first(p, "rcc_name", "rcc"), _first(p, "rcc_country")
        missing = [
            k
            for k, v in (("id", srr_id), ("name", name), ("rcc_name", rcc_name), ("rcc_country", rcc_country))
            if v is None
        ]
        if missing:
            raise ImportRejectedError(f"{path.name}: feature {f.number}: layer srr needs {', '.join(missing)}")
        if not re.match(r"^[A-Z]{3}$", str(rcc_country)):
            raise ImportRejectedError(
                f"{path.name}: feature {f.number}: rcc_country must be ISO alpha-3, got {rcc_country!r}"
            )
        indicative = _first(p, "indicative")
        rows.append(
            (
                str(srr_id).upper(),
                str(name),
                str(rcc_name),
                str(rcc_country),
                _first(p, "rcc_phone"),
                _first(p, "rcc_email"),
                _first(p, "rcc_note"),
                bool(indicative) if indicative is not None else False,
                str(_first(p, "source") or path.name),
                shapely.to_wkb(_polygons(f, path)),
            )
        )
    ids = [r[0] for r in rows]
    if len(set(ids)) != len(ids):
        raise ImportRejectedError(f"{path.name}: layer srr ids must be unique")
    replaced = conn.execute("DELETE FROM srr").rowcount
    for r in rows:
        conn.execute(
            """INSERT INTO srr (id, name, rcc_name, rcc_country, rcc_phone, rcc_email, rcc_note,
                indicative, source,
                                version, geom, owner, acted_by)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'import', ST_GeomFromWKB(%s, 4326), 'SYSTEM',
                   %s)""",
            (*r, acted_by),
        )
    return replaced


def _state_code(props: dict[str, Any]) -> str | None:
    """ISO 3166-1 alpha-3 of a country feature: from iso3 / ISO_A3 / ADM0_A3 fields, or from an ISO
    numeric ``id`` (world-atlas TopoJSON) through pycountry."""
    import pycountry

    code = _first(props, "iso3", "ISO_A3", "ADM0_A3", "iso_a3_eh", "SOV_A3")
    if code is not None:
        return str(code) if re.match(r"^[A-Z]{3}$", str(code)) else None
    numeric = _first(props, "id", "iso_n3", "ISO_N3")
    if numeric is not None and str(numeric).isdigit():
        country = pycountry.countries.get(numeric=str(numeric).zfill(3))
        return str(country.alpha_3) if country is not None else None
    return None


def _import_states(
    conn: psycopg.Connection[Any], feats: list[ImportedFeature], path: Path
) -> tuple[int, tuple[str, ...]]:
    """Replace the state table. Features with no ISO code at all (world-atlas leaves ``id`` empty for a
    few disputed areas such as Kosovo or Somaliland) are skipped and named; they are not states Seasight
    can key by ISO code."""
    import pycountry

    merged: dict[str, tuple[str | None, str, list[BaseGeometry]]] = {}
    skipped: list[str] = []
    for f in feats:
        p = f.properties
        name = _first(p, "name", "NAME", "ADMIN", "NAME_LONG")
        if name is None:
            raise ImportRejectedError(f"{path.name}: feature {f.number}: layer states needs a name (name / NAME)")
        iso3 = _state_code(p)
        if iso3 is None:
            if _first(p, "iso3", "ISO_A3", "ADM0_A3", "id") is not None:
                raise ImportRejectedError(
                    f"{path.name}: feature {f.number} ({name}): not an ISO 3166-1 alpha-3 or numeric code"
                )
            skipped.append(str(name))
            continue
        country = pycountry.countries.get(alpha_3=iso3)
        iso2 = str(country.alpha_2) if country is not None else None
        entry = merged.setdefault(iso3, (iso2, str(name), []))
        entry[2].append(_polygons(f, path))
    if not merged:
        raise ImportRejectedError(f"{path.name}: layer states needs ISO codes (iso3 / ISO_A3 / ADM0_A3 / id)")
    replaced = conn.execute("DELETE FROM state").rowcount
    for iso3, (iso2, name, geoms) in merged.items():
        geom = to_multipolygon(shapely.union_all(geoms), iso3) if len(geoms) > 1 else geoms[0]
        conn.execute(
            "INSERT INTO state (iso3, iso2, name, geom, source) VALUES (%s, %s, %s, ST_GeomFromWKB(%s, 4326), %s)",
            (iso3, iso2, name, shapely.to_wkb(geom), path.name),
        )
    return replaced, tuple(skipped)


def _import_zones(conn: psycopg.Connection[Any], feats: list[ImportedFeature], path: Path, acted_by: str) -> int:
    replaced = 0
    for f in feats:
        p = f.properties
        name, kind, reason = (
            _first(p, "name", "Name"),
            _first(p, "kind") or "other",
            _first(p, "reason", "description"),
        )
        if name is None or reason is None:
            raise ImportRejectedError(f"{path.name}: feature {f.number}: layer zones needs name and reason")
        if kind not in ZONE_KINDS:
            raise ImportRejectedError(f"{path.name}: feature {f.number}: kind must be one of {', '.join(ZONE_KINDS)}")
        row = fetch_one_by_name(
            conn,
            """INSERT INTO zone (name, kind, reason, geom, source, owner, acted_by)
               VALUES (%s, %s, %s, ST_GeomFromWKB(%s, 4326), %s, 'SYSTEM', %s)
               ON CONFLICT (kind, name) DO UPDATE SET reason = EXCLUDED.reason, geom = EXCLUDED.geom,
                   source = EXCLUDED.source, acted_by = EXCLUDED.acted_by, version = zone.version + 1,
                   updated_at = now()
               RETURNING (xmax <> 0) AS replaced""",
            (str(name), str(kind), str(reason), shapely.to_wkb(_polygons(f, path)), path.name, acted_by),
        )
        replaced += 1 if row and row["replaced"] else 0
    return replaced


def _import_ports(conn: psycopg.Connection[Any], feats: list[ImportedFeature], path: Path, acted_by: str) -> int:
    replaced = 0
    for f in feats:
        p = f.properties
        locode = str(_first(p, "locode", "port", "unlocode") or "").replace(" ", "").upper()
        if not re.match(r"^[A-Z]{2}[A-Z0-9]{3}$", locode):
            raise ImportRejectedError(
                f"{path.name}: feature {f.number}: layer ports needs a UN/LOCODE (locode), got {locode!r}"
            )
        if not isinstance(f.geom, Point):
            raise ImportRejectedError(
                f"{path.name}: feature {f.number}: a port must be a Point, got {f.geom.geom_type}"
            )
        row = fetch_one_by_name(
            conn,
            """INSERT INTO port (locode, name, country_iso2, geom, source, acted_by)
               VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s)
               ON CONFLICT (locode) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom,
                   source = EXCLUDED.source, acted_by = EXCLUDED.acted_by, updated_at = now()
               RETURNING (xmax <> 0) AS replaced""",
            (locode, str(_first(p, "name") or locode), locode[:2], f.geom.x, f.geom.y, path.name, acted_by),
        )
        replaced += 1 if row and row["replaced"] else 0
    return replaced


def _import_generic(conn: psycopg.Connection[Any], layer: str, feats: list[ImportedFeature], acted_by: str) -> int:
    replaced = conn.execute("DELETE FROM geo_feature WHERE layer = %s", (layer,)).rowcount
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO geo_feature (layer, feature_no, name, properties, geom, acted_by)
               VALUES (%s, %s, %s, %s, ST_GeomFromWKB(%s, 4326), %s)""",
            [
                (
                    layer,
                    f.number,
                    _first(f.properties, "name", "NAME"),
                    Jsonb(f.properties),
                    shapely.to_wkb(f.geom),
                    acted_by,
                )
                for f in feats
            ],
        )
    return replaced


def import_file(
    conn: psycopg.Connection[Any],
    path: Path,
    layer: str,
    *,
    repair: bool = False,
    acted_by: str = "import",
    source_layer: str | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Validate ``path`` fully, then write it to ``layer`` in one transaction (all or nothing); ``limits``
    default to :func:`default_limits` of the layer."""
    if not _LAYER_NAME.match(layer):
        raise ImportRejectedError(
            f"layer name must be lower-case letters, digits and _ (starting with a letter), got {layer!r}"
        )
    if not acted_by.strip():
        raise ImportRejectedError("acted_by must name the user doing the import")
    feats, source_crs, repaired, split = read_features(
        path, repair=repair, source_layer=source_layer, limits=limits or default_limits(layer)
    )
    checksum = checksum_of(path.read_bytes(), layer.encode())
    table = {"srr": "srr", "states": "state", "zones": "zone", "ports": "port"}.get(layer, "geo_feature")
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('seasight.geodata.load'))")
            skipped: tuple[str, ...] = ()
            if layer == "srr":
                replaced = _import_srr(conn, feats, path, acted_by)
            elif layer == "states":
                replaced, skipped = _import_states(conn, feats, path)
            elif layer == "zones":
                replaced = _import_zones(conn, feats, path, acted_by)
            elif layer == "ports":
                replaced = _import_ports(conn, feats, path, acted_by)
            else:
                replaced = _import_generic(conn, layer, feats, acted_by)
            conn.execute(
                """INSERT INTO geodata_layer (name, version, checksum, feature_count, source, loaded_at,
                    acted_by)
                   VALUES (%s, %s, %s, %s, %s, now(), %s)
                   ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, checksum = EXCLUDED.checksum,
                       feature_count = EXCLUDED.feature_count, source = EXCLUDED.source, loaded_at = now(),
                       acted_by = EXCLUDED.acted_by""",
                (
                    f"import:{layer}",
                    checksum[:12],
                    checksum,
                    len(feats),
                    f"{path.name} ({source_crs})",
                    acted_by,
                ),
            )
    except psycopg.Error as exc:
        raise ImportRejectedError(
            f"{path.name}: the database refused layer {layer}; nothing was imported: {exc}"
        ) from exc
    log.info(
        "imported %s into %s (%s): %d features, %d repaired, %d split at the antimeridian",
        path.name,
        layer,
        table,
        len(feats),
        repaired,
        split,
    )
    return ImportResult(layer, table, len(feats), repaired, split, replaced, source_crs, checksum[:12], skipped)
