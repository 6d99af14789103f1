"""Query functions for the dashboard's disembarkation and practices pages, and the exports.

Each returns a pandas DataFrame or a GeoJSON dict and is tested without Streamlit. Shared outputs
(practices) are always small-cell suppressed (:data:`practices.SMALL_CELL_THRESHOLD`); exercise cases
never enter them (the adapter reads ``disembarkation_outcome_real``). Imported IOM incidents and live
cases are kept apart by an ``origin`` column ("live" / "iom_mmp").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import psycopg

from coordination.disembarkation.errors import ReportFormatError
from coordination.disembarkation.practices import (
    SMALL_CELL_THRESHOLD,
    GroupFigures,
    IncidentRecord,
    incident_figures,
    suppress_shared,
)
from coordination.disembarkation.register import list_places, place_as_dict
from coordination.disembarkation.store import exercise_outcome_records, real_outcome_records
from seasight.rows import fetch_all_as, fetch_all_by_name, fetch_one_by_name
from seasight.spreadsheet import csv_text

FORMATS = ("csv", "json", "geojson", "kml")
SUPPRESSION_NOTE = (
    f"Counts from 1 to {SMALL_CELL_THRESHOLD - 1} are suppressed (shown empty / null); medians, "
    f"shares and ratios resting on fewer than {SMALL_CELL_THRESHOLD} cases or persons too. "
    "Exercise cases excluded. Source: Seasight recorded outcomes (live cases)."
)
EXERCISE_NOTE = (
    "EXERCISE figures: outcomes of exercise cases only (table-top exercises and the demo's SIMULATED "
    "outcomes), under the same suppression. They are not real and never enter real statistics."
)


def origin_of(exercise: bool) -> str:
    """The ``origin`` column of practice rows: ``live`` for real cases, ``exercise`` for exercise cases."""
    return "exercise" if exercise else "live"


def outcome_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """How many cases have a current outcome this session may read, real and exercise apart."""
    row = fetch_one_by_name(
        conn,
        "SELECT count(*) FILTER (WHERE NOT is_exercise) AS real_cases,"
        " count(*) FILTER (WHERE is_exercise) AS exercise_cases FROM disembarkation_outcome_current",
    )
    return {"real": int(row["real_cases"]) if row else 0, "exercise": int(row["exercise_cases"]) if row else 0}


def practices(
    conn: psycopg.Connection[Any], by: Sequence[str] = ("state",), exercise: bool = False
) -> list[GroupFigures]:
    """Suppressed practice figures of live, real cases grouped by ``by``: the figures published for this
    session's participant when some state shares its outcomes with it as aggregates only
    (coordination.disembarkation.publish), else computed from the rows the session may read. With
    ``exercise``, the same figures of exercise cases only (never published, never mixed with real ones)."""
    from coordination.disembarkation.publish import published_practices

    if exercise:
        return suppress_shared(exercise_outcome_records(conn), by, exercise=True)

    published = published_practices(conn, by)
    if published is not None:
        return published.figures
    return suppress_shared(real_outcome_records(conn), by)


def practices_note(conn: psycopg.Connection[Any], by: Sequence[str] = ("state",)) -> str | None:
    """What the practice figures of this session rest on, when aggregate-only sharing is involved."""
    from coordination.disembarkation.publish import pending_aggregates, published_practices

    published = published_practices(conn, by)
    if published is not None:
        return (
            f"Figures published {published.computed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC by the Seasight "
            "service; they include outcomes shared with you as aggregates only "
            f"(by {', '.join(published.aggregate_of)}), whose records you cannot open."
        )
    pending = pending_aggregates(conn)
    if pending:
        return (
            f"{', '.join(pending)} share their outcomes with you as aggregates only; they are counted once the "
            "service has published the figures (`seasight report publish`)."
        )
    return None


def practices_frame(
    conn: psycopg.Connection[Any], by: Sequence[str] = ("state",), exercise: bool = False
) -> pd.DataFrame:
    """The practices table (one row per group), suppressed, with ``origin`` = live (or exercise)."""
    rows = [{"origin": origin_of(exercise), **g.as_dict()} for g in practices(conn, by, exercise)]
    return pd.DataFrame(rows)


_STATE_POINT = """
    WITH pts AS ({places}), centre AS (SELECT state, ST_Centroid(ST_Collect(geom)) AS g FROM pts GROUP BY state)
    SELECT DISTINCT ON (pts.state) pts.state AS key, ST_X(pts.geom) AS lon, ST_Y(pts.geom) AS lat
      FROM pts JOIN centre USING (state) ORDER BY pts.state, pts.geom <-> centre.g"""


def _group_points(conn: psycopg.Connection[Any], by: Sequence[str]) -> dict[str, tuple[float, float]]:
    """A point per port (its position) or per state: the state's recorded disembarkation place nearest the
    centre of its recorded places (or, for a state without one, of its registered places). Always a real
    place on the coast: the plain centre of an archipelago's places (Indonesia's) lies at sea."""
    if list(by) == ["port"]:
        rows = fetch_all_by_name(
            conn, "SELECT locode AS key, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM place_of_safety"
        )
        return {r["key"]: (float(r["lon"]), float(r["lat"])) for r in rows}
    if list(by) != ["state"]:
        return {}
    registered = fetch_all_by_name(conn, _STATE_POINT.format(places="SELECT state, geom FROM place_of_safety"))
    recorded = fetch_all_by_name(
        conn,
        _STATE_POINT.format(
            places="SELECT state, geom FROM place_of_safety WHERE locode IN "
            "(SELECT locode FROM disembarkation_outcome_current WHERE locode IS NOT NULL)"
        ),
    )
    points = {r["key"]: (float(r["lon"]), float(r["lat"])) for r in registered}
    points.update({r["key"]: (float(r["lon"]), float(r["lat"])) for r in recorded})
    return points


def practices_geojson(
    conn: psycopg.Connection[Any], by: Sequence[str] = ("state",), exercise: bool = False
) -> dict[str, Any]:
    """Practices as a FeatureCollection; geometry is the port, or the centre of a state's registered places
    (null for year / route groupings or when nothing is registered)."""
    points = _group_points(conn, by)
    features = []
    for g in practices(conn, by, exercise):
        key = g.group[0][1] if len(g.group) == 1 else ""
        point = points.get(key)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
                "properties": {"origin": origin_of(exercise), **g.as_dict()},
            }
        )
    note = EXERCISE_NOTE if exercise else SUPPRESSION_NOTE
    return {"type": "FeatureCollection", "note": note, "features": features}


def _cell(value: object) -> str:
    return "" if value is None else str(value)


IOM_NOTE = (
    f"Imported IOM Missing Migrants Project incidents (CC BY 4.0, cite 'IOM Missing Migrants Project'), not "
    f"live cases. Counts from 1 to {SMALL_CELL_THRESHOLD - 1} suppressed; fatality ratio over incidents "
    "whose "
    "survivors are recorded, suppressed under 5 such incidents."
)


def iom_summary(
    conn: psycopg.Connection[Any], by: Sequence[str] = ("region", "year"), asia_pacific_only: bool = True
) -> list[dict[str, object]]:
    """Suppressed figures of imported MMP incidents (origin iom_mmp) per region / year / route."""
    records = fetch_all_as(
        conn,
        IncidentRecord,
        "SELECT region, year, route, dead, missing, survivors FROM iom_incident WHERE asia_pacific OR NOT %s",
        (asia_pacific_only,),
    )
    return [g.as_dict() for g in incident_figures(records, by)]


def iom_summary_frame(
    conn: psycopg.Connection[Any], by: Sequence[str] = ("region", "year"), asia_pacific_only: bool = True
) -> pd.DataFrame:
    return pd.DataFrame(iom_summary(conn, by, asia_pacific_only))


def export_iom_summary(conn: psycopg.Connection[Any], fmt: str, by: Sequence[str]) -> str:
    """Imported-incident summary as CSV or JSON (no geometry: groups are regions, years, routes)."""
    rows = iom_summary(conn, by)
    if fmt == "json":
        return json.dumps({"note": IOM_NOTE, "threshold": SMALL_CELL_THRESHOLD, "rows": rows}, indent=2)
    if fmt != "csv":
        raise ReportFormatError(f"imported incidents export as csv or json, not {fmt!r}")
    return csv_text(list(rows[0]) if rows else ["origin", *by], rows)


def participants_frame(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """Participating states and organisations (geodata's participant table) with the number of usable
    places of safety registered for each state."""
    cur = conn.execute(
        "SELECT p.code, p.name, p.kind, p.iso2, p.roles, p.groups, p.focal_point, p.rcc, "
        "count(s.locode) AS places_of_safety FROM participant p "
        "LEFT JOIN place_of_safety s ON s.state = p.code AND s.usable GROUP BY p.code ORDER BY p.kind, p.name"
    )
    names = [d.name for d in cur.description or []]
    return pd.DataFrame(cur.fetchall(), columns=names)


def export_practices(
    conn: psycopg.Connection[Any], fmt: str, by: Sequence[str] = ("state",), exercise: bool = False
) -> str:
    """Practices as CSV, JSON, GeoJSON or KML text (suppressed; exercises excluded, or with ``exercise``
    exercise cases only, every row saying ``origin`` = exercise)."""
    if fmt not in FORMATS:
        raise ReportFormatError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if fmt == "geojson":
        return json.dumps(practices_geojson(conn, by, exercise), indent=2, default=str)
    figures = practices(conn, by, exercise)
    rows = [{"origin": origin_of(exercise), **g.as_dict()} for g in figures]
    note = EXERCISE_NOTE if exercise else SUPPRESSION_NOTE
    if fmt == "json":
        return json.dumps({"note": note, "threshold": SMALL_CELL_THRESHOLD, "rows": rows}, indent=2, default=str)
    if fmt == "csv":
        names = ["origin", *by, *[k for k in (rows[0] if rows else {}) if k not in ("origin", *by)]]
        return csv_text(names, rows)
    points = _group_points(conn, by)
    marks = []
    for g, r in zip(figures, rows, strict=True):
        key = g.group[0][1] if len(g.group) == 1 else ""
        point = points.get(key)
        data = "".join(
            f'<Data name="{escape(k)}"><value>{escape(_cell(v))}</value></Data>'
            for k, v in r.items()
            if not isinstance(v, list)
        )
        geometry = f"<Point><coordinates>{point[0]},{point[1]}</coordinates></Point>" if point else ""
        name = escape(" / ".join(v for _, v in g.group))
        marks.append(f"<Placemark><name>{name}</name><ExtendedData>{data}</ExtendedData>{geometry}</Placemark>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>Seasight disembarkation practices{' (EXERCISE)' if exercise else ''}</name>"
        f"<description>{escape(note)}</description>" + "".join(marks) + "</Document></kml>\n"
    )


def places_frame(conn: psycopg.Connection[Any], state: str | None = None) -> pd.DataFrame:
    """The register of places of safety (usable places) as a table."""
    return pd.DataFrame([place_as_dict(p) for p in list_places(conn, state)])


def places_geojson(conn: psycopg.Connection[Any], state: str | None = None) -> dict[str, Any]:
    features = []
    for p in list_places(conn, state):
        props = place_as_dict(p)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def iom_incidents_frame(conn: psycopg.Connection[Any], asia_pacific_only: bool = True) -> pd.DataFrame:
    """Imported IOM MMP incidents (origin = iom_mmp), newest first."""
    rows = conn.execute(
        "SELECT 'iom_mmp' AS origin, source_schema, incident_id, region, incident_date, year, dead, missing, "
        "dead_and_missing, survivors, route, location, source_quality, ST_Y(geom) AS lat, ST_X(geom) AS lon "
        "FROM iom_incident WHERE asia_pacific OR NOT %s ORDER BY incident_date DESC NULLS LAST, incident_id",
        (asia_pacific_only,),
    )
    names = [d.name for d in rows.description or []]
    return pd.DataFrame(rows.fetchall(), columns=names)


def iom_incidents_geojson(conn: psycopg.Connection[Any], asia_pacific_only: bool = True) -> dict[str, Any]:
    frame = iom_incidents_frame(conn, asia_pacific_only)
    features = []
    for rec in frame.to_dict("records"):
        lat, lon = rec.pop("lat"), rec.pop("lon")
        geometry = None if lat is None or pd.isna(lat) else {"type": "Point", "coordinates": [lon, lat]}
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    k: (None if v is None or (isinstance(v, float) and pd.isna(v)) else v) for k, v in rec.items()
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": "IOM Missing Migrants Project (CC BY 4.0)",
        "features": features,
    }


def outcomes_frame(conn: psycopg.Connection[Any]) -> pd.DataFrame:
    """The current outcome of every real live case (counts only; origin = live). NOT suppressed: for the
    RSO's own analysts, not for sharing."""
    rows = conn.execute(
        "SELECT 'live' AS origin, case_id, version, outcome, state, locode, place_name, "
        "alert_at, outcome_at, route, "
        "persons_aboard, men, women, children, uasc, pregnant_women, older_persons, persons_with_disabilities, "
        "medical_evacuations, deaths, missing, days_at_sea::float8 AS days_at_sea, reception, screened, "
        "consular_notification, "
        "source, source_quality FROM disembarkation_outcome_real ORDER BY case_id"
    )
    names = [d.name for d in rows.description or []]
    return pd.DataFrame(rows.fetchall(), columns=names)
