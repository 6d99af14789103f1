"""Read-side query functions of the maritime picture, shared by the CLI and the dashboard.

They return typed records or GeoJSON-ready dicts, never render anything. Every text that came from
outside (ship names, station names) is HTML-escaped in what these functions hand to a map.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import psycopg


@dataclass(frozen=True, slots=True)
class VesselOnMap:
    """The latest state of one vessel, as the live map shows it (units: degrees, knots, degrees true)."""

    mmsi: int
    name: str | None
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    nav_status: int | None
    observed_at: datetime
    station: str | None
    ship_type: int | None
    flag_state: str | None


BBox = tuple[float, float, float, float]  # west, south, east, north (degrees)


def latest_vessels(conn: psycopg.Connection, bbox: BBox | None = None, since: datetime | None = None,
                   limit: int = 25_000) -> list[VesselOnMap]:
    """Latest position of each vessel, newest first, optionally inside ``bbox`` and newer than ``since``."""
    where = ["TRUE"]
    params: list[object] = []
    if bbox is not None:
        west, south, east, north = bbox
        where.append("vs.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        params.extend([west, south, east, north])
    if since is not None:
        where.append("vs.observed_at >= %s")
        params.append(since)
    params.append(limit)
    rows = conn.execute(
        "SELECT vs.mmsi, v.name, ST_Y(vs.geom), ST_X(vs.geom), vs.sog_kn, vs.cog_deg, vs.heading_deg,"
        " vs.nav_status, vs.observed_at, vs.station, v.ship_type, v.flag_state"
        " FROM vessel_state vs LEFT JOIN vessel v USING (mmsi)"
        f" WHERE {' AND '.join(where)} ORDER BY vs.observed_at DESC LIMIT %s",
        params,
    ).fetchall()
    return [VesselOnMap(*row) for row in rows]


def vessels_geojson(vessels: list[VesselOnMap], now: datetime) -> dict[str, object]:
    """A GeoJSON FeatureCollection of vessels with escaped, display-ready properties."""
    features = []
    for v in vessels:
        age_min = max(0.0, (now - v.observed_at).total_seconds() / 60)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [v.lon, v.lat]},
                "properties": {
                    "mmsi": str(v.mmsi),  # text: a map must not format an identity as a number (525,900,001)
                    "name": html.escape(v.name or "(name not yet reported)"),
                    "sog": "-" if v.sog_kn is None else f"{v.sog_kn:.1f} kn",
                    "cog": "-" if v.cog_deg is None else f"{v.cog_deg:.0f}°",
                    "last_report": f"{age_min:.0f} min ago",
                    "station": html.escape(v.station or "-"),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def picture_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Counts for the header of the live map."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM vessel_state),"
        " (SELECT count(*) FROM vessel_state WHERE observed_at > now() - interval '1 hour'),"
        " (SELECT count(*) FROM sighting WHERE observed_at > now() - interval '24 hours'),"
        " (SELECT count(*) FROM flag WHERE status = 'open')"
    ).fetchone()
    assert row is not None
    return {"vessels": row[0], "vessels_last_hour": row[1], "sightings_24h": row[2], "open_flags": row[3]}
