"""Read-only queries for the dashboard and the watch: open cases as GeoJSON (last known position, datum
and search area) and the timers that have run out across all open cases.

Every feature and row says whether the case is an exercise, so a page can never show one as real.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg

from coordination import phases as ph
from coordination.cases import case_reference, load_case
from seasight.rows import fetch_all_by_name


def open_cases_geojson(conn: psycopg.Connection, include_exercise: bool = True) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326 lon/lat) of open cases: one Point feature per last known
    position (``role`` = "lkp"), one per datum and one Polygon per stored search area."""
    rows = fetch_all_by_name(
        conn,
        """SELECT id, phase, is_exercise, persons, craft_type, rcc_name, rcc_country, lkp_time,
                  ST_AsGeoJSON(lkp) AS lkp, ST_AsGeoJSON(datum) AS datum, ST_AsGeoJSON(search_area) AS search_area,
                  search_radius_nm
             FROM sar_case
            WHERE status = 'open' AND (%s OR NOT is_exercise)
            ORDER BY id""",
        (include_exercise,),
    )
    features: list[dict[str, Any]] = []
    for r in rows:
        props = {
            "case_id": r["id"],
            "reference": case_reference(r["id"]),
            "phase": r["phase"],
            "exercise": r["is_exercise"],
            "persons": r["persons"],
            "craft": r["craft_type"],
            "rcc": r["rcc_name"],
            "rcc_country": r["rcc_country"],
            "lkp_time": r["lkp_time"].isoformat(),
        }
        features.append({"type": "Feature", "geometry": json.loads(r["lkp"]), "properties": {**props, "role": "lkp"}})
        if r["datum"] is not None:
            features.append(
                {"type": "Feature", "geometry": json.loads(r["datum"]), "properties": {**props, "role": "datum"}}
            )
        if r["search_area"] is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": json.loads(r["search_area"]),
                    "properties": {**props, "role": "search_area", "radius_nm": r["search_radius_nm"]},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def due_prompts(conn: psycopg.Connection, now: datetime, timers: ph.PhaseTimers | None = None) -> list[dict[str, Any]]:
    """Run-out timers of every open case at ``now`` (overdue checklist actions, escalation prompts),
    most overdue first (IAMSAR Vol. II ch. 3 phase actions; timings are Seasight defaults)."""
    timers = timers or ph.PhaseTimers()
    out: list[dict[str, Any]] = []
    ids = [r["id"] for r in fetch_all_by_name(conn, "SELECT id FROM sar_case WHERE status = 'open' ORDER BY id")]
    for case_id in ids:
        record = load_case(conn, case_id)
        for p in ph.prompts(record.state, now, timers):
            out.append(
                {
                    "case_id": case_id,
                    "reference": record.reference,
                    "exercise": record.exercise,
                    "phase": record.state.phase.value,
                    "kind": p.kind,
                    "action": p.action_id,
                    "message": p.message,
                    "due_at": p.due_at.isoformat(),
                    "overdue_min": round(p.overdue_by.total_seconds() / 60, 1),
                }
            )
    out.sort(key=lambda d: -float(d["overdue_min"]))
    return out
