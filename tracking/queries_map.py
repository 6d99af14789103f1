"""Read-side queries for the live map's layers: vessels with their risk, course vectors, short trails,
sightings, contacts and vessels of concern, watch zones, SRRs and ports.

They return typed records or GeoJSON FeatureCollections (EPSG:4326, lon/lat degrees), never render.
Every text that came from outside (ship names, destinations, station names, sighting notes, zone and port
names) is HTML-escaped in the GeoJSON properties, because a map's tooltip and popup insert them as HTML.
Filters are applied in SQL, so the server sends only what is in view (``bbox`` = the map's bounds).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from geodata.geodesy import destination
from seasight.rows import fetch_all_by_name, fetch_one_by_name

BBox = tuple[float, float, float, float]  # west, south, east, north (degrees)

#: Flag severities (migration 0001) from least to most urgent; a vessel's risk is its most urgent flag
#: that is still open or acknowledged.
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "distress")
RISK_LEVELS: tuple[str, ...] = ("none", *SEVERITIES)

#: Ship-type categories from the AIS "type of ship and cargo" code (ITU-R M.1371-5, Table 53), as
#: (category, inclusive code ranges). Codes outside every range are "other"; no code is "unknown".
SHIP_CATEGORIES: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("fishing", ((30, 30),)),
    ("towing / tug", ((31, 32), (52, 52))),
    ("sailing / pleasure", ((36, 37),)),
    ("high-speed craft", ((40, 49),)),
    ("SAR / law enforcement / military", ((35, 35), (51, 51), (55, 55))),
    ("passenger", ((60, 69),)),
    ("cargo", ((70, 79),)),
    ("tanker", ((80, 89),)),
)
CATEGORY_NAMES: tuple[str, ...] = (*(c for c, _ in SHIP_CATEGORIES), "other", "unknown")

#: Course vector length: where the vessel would be after this many minutes at its SOG and COG.
COURSE_VECTOR_MIN = 30.0
#: Vessels slower than this (knots) get no course vector (stopped: DESIGN reference numbers, < 0.5 kn).
MOVING_MIN_KN = 0.5
NM_PER_DEG_LAT = 60.0


def ship_category(ship_type: int | None) -> str:
    """The category of an AIS ship-type code (ITU-R M.1371-5 Table 53)."""
    if ship_type is None or ship_type == 0:
        return "unknown"
    for name, ranges in SHIP_CATEGORIES:
        if any(lo <= ship_type <= hi for lo, hi in ranges):
            return name
    return "other"


def _category_sql(categories: Sequence[str], params: list[object]) -> str:
    """A SQL condition on ``v.ship_type`` matching any of ``categories`` (values go to ``params``)."""
    unknown_cats = set(categories) - set(CATEGORY_NAMES)
    if unknown_cats:
        raise ValueError(f"unknown ship categories: {sorted(unknown_cats)}")
    parts: list[str] = []
    known: list[tuple[int, int]] = [r for _, ranges in SHIP_CATEGORIES for r in ranges]
    for name, ranges in SHIP_CATEGORIES:
        if name in categories:
            for lo, hi in ranges:
                parts.append("v.ship_type BETWEEN %s AND %s")
                params.extend([lo, hi])
    if "unknown" in categories:
        parts.append("(v.ship_type IS NULL OR v.ship_type = 0)")
    if "other" in categories:
        inner = " OR ".join("v.ship_type BETWEEN %s AND %s" for _ in known)
        for lo, hi in known:
            params.extend([lo, hi])
        parts.append(f"(v.ship_type > 0 AND NOT ({inner}))")
    return "(" + (" OR ".join(parts) or "FALSE") + ")"


@dataclass(frozen=True)
class MapFilter:
    """What the operator asked to see. Empty tuples mean "all"; ``since`` limits by time of last report."""

    bbox: BBox | None = None
    since: datetime | None = None
    categories: tuple[str, ...] = ()
    flag_states: tuple[str, ...] = ()  # ISO alpha-2 from the MMSI's MID; "??" = unknown
    min_risk: str = "none"  # one of RISK_LEVELS
    limit: int = 25_000

    def __post_init__(self) -> None:
        if self.min_risk not in RISK_LEVELS:
            raise ValueError(f"min_risk must be one of {RISK_LEVELS}, got {self.min_risk!r}")
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if not (-90 <= south <= north <= 90):
                raise ValueError(f"bbox south/north out of range: {self.bbox}")


@dataclass(frozen=True, slots=True)
class MapVessel:
    """A vessel's latest state with what the map needs to draw it (degrees, knots, degrees true)."""

    mmsi: int
    name: str | None
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    observed_at: datetime
    station: str | None
    ship_type: int | None
    flag_state: str | None
    destination: str | None
    risk: str  # "none" or the severity of its most urgent open/acknowledged flag
    risk_score: float  # highest score among those flags, 0 when none
    open_flags: int

    @property
    def category(self) -> str:
        return ship_category(self.ship_type)


def _bbox_sql(column: str, bbox: BBox, params: list[object]) -> str:
    """``column`` inside ``bbox``; a box whose west > east crosses the antimeridian and becomes two."""
    west, south, east, north = bbox
    if west <= east:
        params.extend([max(west, -180.0), south, min(east, 180.0), north])
        return f"{column} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    params.extend([west, south, 180.0, north, -180.0, south, east, north])
    return f"({column} && ST_MakeEnvelope(%s, %s, %s, %s, 4326) OR {column} && ST_MakeEnvelope(%s, %s, %s, %s, 4326))"


def normalise_bounds(south: float, west: float, north: float, east: float) -> BBox:
    """The map's bounds (Leaflet may give longitudes beyond ±180 after panning round) as a BBox."""
    if east - west >= 360:
        return (-180.0, max(south, -90.0), 180.0, min(north, 90.0))

    def wrap(x: float) -> float:
        return ((x + 180.0) % 360.0) - 180.0

    return (wrap(west), max(south, -90.0), wrap(east) if wrap(east) != -180.0 else 180.0, min(north, 90.0))


_SEVERITY_RANK_SQL = (
    "CASE f.severity WHEN 'info' THEN 1 WHEN 'low' THEN 2 WHEN 'medium' THEN 3"
    " WHEN 'high' THEN 4 WHEN 'distress' THEN 5 END"
)


_RISK_CTE = f"""WITH r AS (SELECT f.mmsi, max({_SEVERITY_RANK_SQL}) AS rank, max(f.score) AS score,
                                count(*) AS n
                           FROM flag f
                          WHERE f.subject_kind = 'vessel' AND f.status IN ('open', 'acknowledged')
                          GROUP BY f.mmsi)"""


def _vessel_where(flt: MapFilter, params: list[object]) -> str:
    where = ["TRUE"]
    if flt.bbox is not None:
        where.append(_bbox_sql("vs.geom", flt.bbox, params))
    if flt.since is not None:
        where.append("vs.observed_at >= %s")
        params.append(flt.since)
    if flt.categories:
        where.append(_category_sql(flt.categories, params))
    if flt.flag_states:
        where.append("(coalesce(v.flag_state, '??') = ANY(%s))")
        params.append(list(flt.flag_states))
    min_rank = RISK_LEVELS.index(flt.min_risk)
    if min_rank > 0:
        where.append("coalesce(r.rank, 0) >= %s")
        params.append(min_rank)
    return " AND ".join(where)


def vessels_in_view(conn: psycopg.Connection, flt: MapFilter) -> list[MapVessel]:
    """Latest state of every vessel matching ``flt``, most at risk first, then newest report."""
    params: list[object] = []
    where = _vessel_where(flt, params)
    params.append(flt.limit)
    rows = fetch_all_by_name(
        conn,
        f"""{_RISK_CTE}
            SELECT vs.mmsi, v.name, ST_Y(vs.geom) AS lat, ST_X(vs.geom) AS lon, vs.sog_kn, vs.cog_deg,
                   vs.heading_deg, vs.observed_at, vs.station, v.ship_type, v.flag_state, v.destination,
                   coalesce(r.rank, 0) AS risk_rank, coalesce(r.score, 0) AS risk_score,
                   coalesce(r.n, 0) AS open_flags
              FROM vessel_state vs
              LEFT JOIN vessel v USING (mmsi)
              LEFT JOIN r USING (mmsi)
             WHERE {where}
             ORDER BY coalesce(r.rank, 0) DESC, vs.observed_at DESC
             LIMIT %s""",
        params,
    )
    return [
        MapVessel(
            mmsi=row["mmsi"],
            name=row["name"],
            lat=row["lat"],
            lon=row["lon"],
            sog_kn=row["sog_kn"],
            cog_deg=row["cog_deg"],
            heading_deg=row["heading_deg"],
            observed_at=row["observed_at"],
            station=row["station"],
            ship_type=row["ship_type"],
            flag_state=row["flag_state"],
            destination=row["destination"],
            risk=RISK_LEVELS[row["risk_rank"]],
            risk_score=float(row["risk_score"]),
            open_flags=int(row["open_flags"]),
        )
        for row in rows
    ]


def count_in_view(conn: psycopg.Connection, flt: MapFilter) -> int:
    """How many vessels match ``flt`` (to choose between drawing each one and drawing density)."""
    params: list[object] = []
    where = _vessel_where(flt, params)
    row = fetch_one_by_name(
        conn,
        f"""{_RISK_CTE}
            SELECT count(*) AS n
              FROM vessel_state vs LEFT JOIN vessel v USING (mmsi) LEFT JOIN r USING (mmsi)
             WHERE {where}""",
        params,
    )
    return int(row["n"]) if row else 0


def density_geojson(conn: psycopg.Connection, flt: MapFilter, cell_deg: float) -> dict[str, Any]:
    """Vessels matching ``flt`` counted per grid cell of ``cell_deg`` degrees (server-side clustering for
    wide views): one point per non-empty cell at the mean position of its vessels, with ``count``."""
    if not 0.001 <= cell_deg <= 45:
        raise ValueError(f"cell_deg must be 0.001–45 degrees, got {cell_deg}")
    params: list[object] = []
    where = _vessel_where(flt, params)
    rows = conn.execute(
        f"""{_RISK_CTE}
            SELECT avg(ST_X(vs.geom)), avg(ST_Y(vs.geom)), count(*)
              FROM vessel_state vs LEFT JOIN vessel v USING (mmsi) LEFT JOIN r USING (mmsi)
             WHERE {where}
             GROUP BY floor(ST_X(vs.geom) / %s), floor(ST_Y(vs.geom) / %s)""",
        [*params, cell_deg, cell_deg],
    ).fetchall()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(x, 4), round(y, 4)]},
            "properties": {"count": int(n), "label": f"{int(n)} vessel{'s' if n != 1 else ''} — zoom in"},
        }
        for x, y, n in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def _esc(value: object, empty: str = "-") -> str:
    if value is None or value == "":
        return empty
    return html.escape(str(value))


def _age(now: datetime, t: datetime) -> str:
    minutes = max(0.0, (now - t).total_seconds() / 60)
    if minutes < 120:
        return f"{minutes:.0f} min ago"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h ago"
    return f"{minutes / 1440:.1f} d ago"


def map_vessels_geojson(vessels: Sequence[MapVessel], now: datetime) -> dict[str, Any]:
    """Vessels as GeoJSON points with escaped, display-ready properties (``risk`` drives the colour,
    ``category`` is the ship-type group). Only what the tooltip and popup show is sent: 20,000 vessels
    make several megabytes per refresh."""
    features = []
    for v in vessels:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(v.lon, 4), round(v.lat, 4)]},
                "properties": {
                    "mmsi": str(v.mmsi),  # text: a map must not format an identity as a number
                    "name": html.escape(v.name or "(name not yet reported)"),
                    "category": v.category,
                    "flag": _esc(v.flag_state, "unknown"),
                    "sog": "-" if v.sog_kn is None else f"{v.sog_kn:.1f} kn",
                    "cog": "-" if v.cog_deg is None else f"{v.cog_deg:.0f}°",
                    "last_report": _age(now, v.observed_at),
                    "risk": v.risk,
                    "open_flags": v.open_flags,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def project(lat: float, lon: float, course_deg: float, distance_nm: float) -> tuple[float, float]:
    """Position (lat, lon) after ``distance_nm`` (nautical miles) on ``course_deg`` (degrees true): the
    WGS84 geodesic of ``geodata.geodesy`` (pyproj.Geod), the one geodesy of Seasight."""
    return destination(lat, lon, course_deg, distance_nm)


def course_vectors_geojson(vessels: Sequence[MapVessel], minutes: float = COURSE_VECTOR_MIN) -> dict[str, Any]:
    """A LineString per moving vessel from its position to where it will be in ``minutes`` at SOG/COG
    (the "course arrow" of an ECDIS); vessels slower than MOVING_MIN_KN or without COG get none."""
    features = []
    for v in vessels:
        if v.sog_kn is None or v.cog_deg is None or v.sog_kn < MOVING_MIN_KN:
            continue
        lat2, lon2 = project(v.lat, v.lon, v.cog_deg, v.sog_kn * minutes / 60.0)
        if abs(lon2 - v.lon) > 180:  # would cross the antimeridian: skip rather than draw across the map
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(v.lon, 5), round(v.lat, 5)], [round(lon2, 5), round(lat2, 5)]],
                },
                "properties": {"mmsi": str(v.mmsi), "risk": v.risk},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def trails_geojson(
    conn: psycopg.Connection, mmsis: Sequence[int], since: datetime, max_points: int = 60
) -> dict[str, Any]:
    """Short history trails: one LineString per vessel in ``mmsis`` through its positions since ``since``
    (the newest ``max_points`` at most), oldest first. Vessels with fewer than two fixes get none."""
    if not mmsis:
        return {"type": "FeatureCollection", "features": []}
    rows = conn.execute(
        """SELECT mmsi, json_agg(json_build_array(round(ST_X(geom)::numeric, 5),
                                                  round(ST_Y(geom)::numeric, 5)) ORDER BY observed_at)
             FROM (SELECT mmsi, geom, observed_at,
                          row_number() OVER (PARTITION BY mmsi ORDER BY observed_at DESC) AS k
                     FROM position
                    WHERE mmsi = ANY(%s) AND observed_at >= %s) p
            WHERE k <= %s
            GROUP BY mmsi HAVING count(*) >= 2""",
        (list(mmsis), since, max_points),
    ).fetchall()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"mmsi": str(mmsi)},
        }
        for mmsi, coords in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True, slots=True)
class SightingRow:
    """A sighting as the map and the list show it (degrees, nautical miles, knots)."""

    id: str
    observed_at: datetime
    lat: float
    lon: float
    uncertainty_nm: float
    source_type: str
    craft_type: str
    persons_estimated: int | None
    conditions: tuple[str, ...]
    course_deg: float | None
    speed_kn: float | None
    ais_seen: str
    confidence: str
    note: str | None
    is_exercise: bool
    owner: str
    acted_by: str
    open_flags: int = 0
    flag_summaries: tuple[str, ...] = field(default=())


def sightings(
    conn: psycopg.Connection,
    since: datetime | None = None,
    bbox: BBox | None = None,
    include_exercise: bool = True,
    limit: int = 2_000,
) -> list[SightingRow]:
    """Sightings, newest first, with how many open flags (contacts of concern) each one carries."""
    where = ["TRUE"]
    params: list[object] = []
    if since is not None:
        where.append("s.observed_at >= %s")
        params.append(since)
    if bbox is not None:
        where.append(_bbox_sql("s.geom", bbox, params))
    if not include_exercise:
        where.append("NOT s.is_exercise")
    params.append(limit)
    rows = fetch_all_by_name(
        conn,
        f"""SELECT s.id::text AS id, s.observed_at, ST_Y(s.geom) AS lat, ST_X(s.geom) AS lon, s.uncertainty_nm,
                   s.source_type, s.craft_type, s.persons_estimated, s.conditions, s.course_deg, s.speed_kn,
                   s.ais_seen, s.confidence, s.note, s.is_exercise, s.owner, s.acted_by,
                   count(f.id) FILTER (WHERE f.status IN ('open', 'acknowledged')) AS open_flags,
                   coalesce(array_agg(f.summary ORDER BY f.score DESC)
                            FILTER (WHERE f.status IN ('open', 'acknowledged')), '{{}}') AS flag_summaries
              FROM sighting s
              LEFT JOIN flag f ON f.subject_kind = 'contact' AND f.sighting_id = s.id
             WHERE {" AND ".join(where)}
             GROUP BY s.id
             ORDER BY s.observed_at DESC
             LIMIT %s""",
        params,
    )
    return [
        SightingRow(
            id=r["id"],
            observed_at=r["observed_at"],
            lat=r["lat"],
            lon=r["lon"],
            uncertainty_nm=r["uncertainty_nm"],
            source_type=r["source_type"],
            craft_type=r["craft_type"],
            persons_estimated=r["persons_estimated"],
            conditions=tuple(r["conditions"] or ()),
            course_deg=r["course_deg"],
            speed_kn=r["speed_kn"],
            ais_seen=r["ais_seen"],
            confidence=r["confidence"],
            note=r["note"],
            is_exercise=r["is_exercise"],
            owner=r["owner"],
            acted_by=r["acted_by"],
            open_flags=int(r["open_flags"]),
            flag_summaries=tuple(r["flag_summaries"]),
        )
        for r in rows
    ]


def sightings_geojson(rows: Sequence[SightingRow], now: datetime) -> dict[str, Any]:
    """Sightings as GeoJSON points with escaped properties; ``concern`` is true when a flag is open."""
    features = []
    for s in rows:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(s.lon, 5), round(s.lat, 5)]},
                "properties": {
                    "id": s.id,
                    "seen": _age(now, s.observed_at),
                    "source": _esc(s.source_type),
                    "craft": _esc(s.craft_type),
                    "persons": "-" if s.persons_estimated is None else str(s.persons_estimated),
                    "conditions": _esc(", ".join(s.conditions)),
                    "note": _esc(s.note),
                    "owner": _esc(s.owner),
                    "exercise": "EXERCISE" if s.is_exercise else "real",
                    "concern": s.open_flags > 0,
                    "flags": _esc("; ".join(s.flag_summaries)),
                    "uncertainty_nm": s.uncertainty_nm,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def concerns_geojson(
    conn: psycopg.Connection, bbox: BBox | None = None, statuses: Sequence[str] = ("open", "acknowledged")
) -> dict[str, Any]:
    """Open (and acknowledged) flags with a position, as points: the contacts and vessels of concern."""
    where = ["f.status = ANY(%s)", "f.geom IS NOT NULL"]
    params: list[object] = [list(statuses)]
    if bbox is not None:
        where.append(_bbox_sql("f.geom", bbox, params))
    rows = fetch_all_by_name(
        conn,
        f"""SELECT f.id, f.rule_id, f.subject_kind, f.mmsi, f.sighting_id::text AS sighting_id, f.severity,
                   f.score, f.summary, f.status, f.window_end, ST_Y(f.geom) AS lat, ST_X(f.geom) AS lon,
                   v.name AS vessel_name, f.is_exercise
              FROM flag f LEFT JOIN vessel v ON v.mmsi = f.mmsi
             WHERE {" AND ".join(where)}
             ORDER BY {_SEVERITY_RANK_SQL} DESC, f.score DESC
             LIMIT 5000""",
        params,
    )
    features = []
    for r in rows:
        subject = (
            f"{html.escape(r['vessel_name'] or '(no name)')} (MMSI {r['mmsi']})"
            if r["subject_kind"] == "vessel"
            else f"contact from sighting {r['sighting_id']}"
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r["lon"], 5), round(r["lat"], 5)]},
                "properties": {
                    "flag_id": r["id"],
                    "rule": _esc(r["rule_id"]),
                    "kind": r["subject_kind"],
                    "subject": subject,
                    "severity": r["severity"],
                    "score": f"{r['score']:.2f}",
                    "summary": _esc(r["summary"]),
                    "status": r["status"],
                    "until": r["window_end"].strftime("%Y-%m-%d %H:%M UTC"),
                    "mode": "EXERCISE" if r["is_exercise"] else "real",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _collection(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """FeatureCollection from rows whose column ``geojson`` is the geometry (GeoJSON text) and whose other
    columns are the properties, by name, with text values escaped."""
    features = []
    for r in rows:
        values = {k: (_esc(v) if isinstance(v, str) else v) for k, v in r.items() if k != "geojson"}
        features.append({"type": "Feature", "geometry": json.loads(r["geojson"]), "properties": values})
    return {"type": "FeatureCollection", "features": features}


def watch_zones_geojson(conn: psycopg.Connection, include_inactive: bool = False) -> dict[str, Any]:
    """Watch zones (table ``zone``) with name, kind, reason, source and version."""
    rows = fetch_all_by_name(
        conn,
        """SELECT ST_AsGeoJSON(geom, 4) AS geojson, name, kind, reason, source, version, active, owner
             FROM zone WHERE active OR %s ORDER BY kind, name""",
        (include_inactive,),
    )
    return _collection(rows)


def srr_geojson(conn: psycopg.Connection) -> dict[str, Any]:
    """Search-and-rescue regions with their RCC; ``label`` says INDICATIVE unless the layer is official."""
    rows = fetch_all_by_name(
        conn,
        """SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.01), 3) AS geojson, id AS srr_id, name,
                  rcc_name AS rcc, rcc_country, indicative, source
             FROM srr ORDER BY id""",
    )
    out = _collection(rows)
    for f in out["features"]:
        p = f["properties"]
        p["label"] = "INDICATIVE boundary, not official" if p["indicative"] else "official boundary"
    return out


def ports_geojson(conn: psycopg.Connection, bbox: BBox | None = None, limit: int = 5_000) -> dict[str, Any]:
    """Ports and landing places (UN/LOCODE) in ``bbox``."""
    params: list[object] = []
    where = _bbox_sql("geom", bbox, params) if bbox is not None else "TRUE"
    params.append(limit)
    rows = fetch_all_by_name(
        conn,
        f"SELECT ST_AsGeoJSON(geom, 5) AS geojson, locode, name, country_iso2 AS country, source FROM port"
        f" WHERE {where} ORDER BY locode LIMIT %s",
        params,
    )
    return _collection(rows)


def flag_states_present(conn: psycopg.Connection) -> list[str]:
    """Flag states (ISO alpha-2) of the vessels on the picture, for the filter; "??" when unknown."""
    rows = fetch_all_by_name(
        conn,
        "SELECT DISTINCT coalesce(v.flag_state, '??') AS flag_state"
        " FROM vessel_state vs LEFT JOIN vessel v USING (mmsi) ORDER BY 1",
    )
    return [r["flag_state"] for r in rows]


def since_hours(now: datetime, hours: float | None) -> datetime | None:
    """The start of a time window of ``hours`` ending at ``now`` (None = no limit)."""
    return None if hours is None else now - timedelta(hours=hours)


#: A picture whose latest report is older than this is historical (a replayed capture, an imported file, a
#: feed that stopped): its time windows count back from that report, not from the clock.
HISTORICAL_AFTER = timedelta(hours=1)


def latest_report_at(conn: psycopg.Connection) -> datetime | None:
    """Message time of the newest vessel report on the picture (``vessel_state_time_idx``)."""
    row = fetch_one_by_name(conn, "SELECT max(observed_at) AS latest FROM vessel_state")
    latest: datetime | None = row["latest"] if row else None
    return latest


def picture_time(now: datetime, latest: datetime | None) -> datetime:
    """The instant the live map's windows end at: ``now``, or the newest report when the picture is
    historical (older than :data:`HISTORICAL_AFTER`) — event time, as detection judges it."""
    if latest is None or latest >= now - HISTORICAL_AFTER:
        return now
    return latest


def picture_counts(conn: psycopg.Connection, now: datetime) -> dict[str, int]:
    """Counts for the header of the live map at ``now`` (UTC); exercise flags are counted apart from real
    ones, simulated vessels (migration 0130) apart from the rest, and the open flags that need attention
    (severity medium or higher, docs/severity.md) apart from the low and informational ones."""
    row = fetch_one_by_name(
        conn,
        "SELECT (SELECT count(*) FROM vessel_state) AS vessels,"
        " (SELECT count(*) FROM vessel_state WHERE observed_at > %(now)s - interval '1 hour')"
        "   AS vessels_last_hour,"
        " (SELECT count(*) FROM sighting WHERE observed_at > %(now)s - interval '24 hours') AS sightings_24h,"
        " (SELECT count(*) FROM flag WHERE status = 'open' AND NOT is_exercise) AS open_flags,"
        " (SELECT count(*) FROM flag WHERE status = 'open' AND is_exercise) AS open_exercise_flags,"
        " (SELECT count(*) FROM vessel_state s WHERE is_simulated_vessel(s.mmsi)) AS vessels_simulated,"
        " (SELECT count(*) FROM flag WHERE status = 'open' AND NOT is_exercise"
        "   AND severity IN ('medium', 'high', 'distress')) AS open_flags_attention,"
        " (SELECT count(*) FROM flag WHERE status = 'open' AND is_exercise"
        "   AND severity IN ('medium', 'high', 'distress')) AS open_exercise_flags_attention",
        {"now": now},
    )
    assert row is not None
    counts: dict[str, int] = row
    return counts


@dataclass(frozen=True, slots=True)
class DistressWatch:
    """The open flags of severity DISTRESS, real and exercise, the newest of all (by flag id: what is new
    since the last look) and the newest real one (what the banner names)."""

    open_real: int
    open_exercise: int
    newest_id: int | None
    newest_real_summary: str | None


def distress_watch(conn: psycopg.Connection) -> DistressWatch:
    """What the live map's distress check reads every second: one index-backed count (``flag_open_idx``)."""
    with conn.cursor(row_factory=class_row(DistressWatch)) as cur:
        row = cur.execute(
            """SELECT count(*) FILTER (WHERE NOT is_exercise) AS open_real,
                      count(*) FILTER (WHERE is_exercise) AS open_exercise,
                      max(id) AS newest_id,
                      (array_agg(summary ORDER BY id DESC) FILTER (WHERE NOT is_exercise))[1]
                          AS newest_real_summary
               FROM flag WHERE status = 'open' AND severity = 'distress'"""
        ).fetchone()
    assert row is not None
    return row
