"""Responsible RCC from the search-and-rescue regions (SRR) layer in PostGIS (adapter).

IMO SAR Convention 1979 / IAMSAR Vol. I ch. 2: each SRR has one RCC responsible for co-ordinating SAR
in it; IMO MSC.167(78) 6.7: the RCC of the SRR where survivors are recovered is responsible for finding
a place of safety. The ``srr`` table belongs to ``geodata`` (its own approximations, marked
``indicative``, replaceable by an official import); this module only reads it.

Near a boundary the neighbouring SRRs' RCCs are listed too, so the coordinator can inform them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg

from coordination.errors import InvalidInputError, SchemaMissingError
from coordination.report import ResponsibleRcc
from coordination.search_box import degree_box
from seasight.rows import fetch_all_by_name, fetch_one_by_name

log = logging.getLogger("seasight.coordination.rcc")

NM_IN_M = 1852.0  # BIPM; distances below are PostGIS geography (WGS84 geodesics) in metres

# Neighbouring SRRs within this distance of the position are listed; nm, default 50, range 0–500,
# source: Seasight default (tune per region; about a day's drift of a small craft plus position error).
DEFAULT_NEAR_BOUNDARY_NM = 50.0
# Boundary segment length used for distances, degrees (see responsible_rcc).
SEGMENT_DEG = 0.1
# Padding of the candidate box beyond the geodesic circle, degrees (the segmentized boundary may lie a
# little outside a polygon's own bounding box; generous, it only widens the index scan).
BOX_PAD_DEG = 0.5
# The antimeridian as a layer draws it, on its east (180E) and west (180W) side: an SRR split into an east
# and a west part has its cut there.
_EAST_EDGE = "LINESTRING(180 -90, 180 90)"
_WEST_EDGE = "LINESTRING(-180 -90, -180 90)"


@dataclass(frozen=True)
class NeighbourRcc:
    rcc: ResponsibleRcc
    distance_nm: float  # from the position to that SRR's boundary


@dataclass(frozen=True)
class RccLookup:
    """Result of a lookup: the responsible RCC (None outside every SRR) and neighbours near the boundary."""

    responsible: ResponsibleRcc | None
    neighbours: tuple[NeighbourRcc, ...]
    distance_to_boundary_nm: float | None  # from the position to the responsible SRR's edge


_COLUMNS = (
    "id, name, rcc_name, rcc_country, rcc_phone, rcc_email, indicative, source, boundary_source, contact_source, "
    "contact_as_of::text AS contact_as_of"
)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _row_to_rcc(row: Mapping[str, object]) -> ResponsibleRcc:
    """A :class:`ResponsibleRcc` from a row of :data:`_COLUMNS`, read by name."""
    return ResponsibleRcc(
        srr_id=str(row["id"]),
        srr_name=str(row["name"]),
        rcc_name=str(row["rcc_name"]),
        rcc_country=_text(row["rcc_country"]),
        phone=_text(row["rcc_phone"]),
        email=_text(row["rcc_email"]),
        indicative=bool(row["indicative"]),
        source=_text(row["source"]),
        boundary_source=_text(row["boundary_source"]),
        contact_source=_text(row["contact_source"]),
        contact_as_of=_text(row["contact_as_of"]),
    )


def srr_table_exists(conn: psycopg.Connection) -> bool:
    row = fetch_one_by_name(conn, "SELECT to_regclass('srr') IS NOT NULL AS present")
    return bool(row and row["present"])


def responsible_rcc(
    conn: psycopg.Connection, lat: float, lon: float, near_boundary_nm: float = DEFAULT_NEAR_BOUNDARY_NM
) -> RccLookup:
    """The SRR containing (lat, lon) and its RCC, plus neighbouring SRRs within ``near_boundary_nm``.

    Where (indicative) polygons overlap, an official SRR wins over an indicative one, then the smaller.
    """
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise InvalidInputError(f"position {lat},{lon} is not a valid latitude,longitude")
    if not 0 <= near_boundary_nm <= 500:
        raise InvalidInputError(f"near_boundary_nm must be 0–500 nm, got {near_boundary_nm}")
    if not srr_table_exists(conn):
        raise SchemaMissingError(
            "table srr (search-and-rescue regions, from geodata) is not in the database; "
            "run `seasight migrate` and load the SRR layer"
        )
    # SRR boundaries are drawn as straight lines in latitude/longitude (e.g. along a parallel), but a
    # geography edge is a geodesic, which bulges poleward on long east-west edges. Distances are taken
    # on the boundary segmentized every SEGMENT_DEG so the measured edge follows the drawn one; an SRR
    # split at the antimeridian (Fiji's, New Zealand's) is not bounded by the 180° meridian where its two
    # parts meet, so that cut is taken out of its boundary first (a real edge along 180°, with nothing of
    # the same SRR across it, stays). The candidate SRRs are picked with the degree box of the geodesic
    # circle of near_boundary_nm (WGS84, coordination.search_box), padded by BOX_PAD_DEG and split in two
    # where it crosses the antimeridian (GiST index).
    point = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
    box = degree_box(lat, lon, max(near_boundary_nm, 1.0)).padded(BOX_PAD_DEG)
    envelopes = box.envelopes()
    first, second = envelopes[0], envelopes[-1]  # the same envelope twice when the box does not wrap
    params: dict[str, object] = {"lat": lat, "lon": lon, "nm": near_boundary_nm, "seg": SEGMENT_DEG}
    params.update({f"a{k}": v for k, v in enumerate(first)})
    params.update({f"b{k}": v for k, v in enumerate(second)})
    rows = fetch_all_by_name(
        conn,
        f"""SELECT * FROM (
                SELECT {_COLUMNS},
                       ST_Covers(geom, {point}) AS inside,
                       ST_Distance(ST_Segmentize(ST_Difference(edge, ST_Union(cut, ST_Translate(cut, -360, 0))),
                                                 %(seg)s)::geography,
                                   {point}::geography) / 1852.0 AS edge_nm,
                       area
                  FROM (SELECT *, ST_Area(geom) AS area, ST_Boundary(geom) AS edge FROM srr
                         WHERE geom && ST_MakeEnvelope(%(a0)s, %(a1)s, %(a2)s, %(a3)s, 4326)
                            OR geom && ST_MakeEnvelope(%(b0)s, %(b1)s, %(b2)s, %(b3)s, 4326)) AS candidate
                  -- the cut: where the SRR's edge runs along 180E and, for the same latitudes, along 180W
                  CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(
                           ST_Intersection(edge, ST_GeomFromText('{_EAST_EDGE}', 4326)),
                           ST_Translate(ST_Intersection(edge, ST_GeomFromText('{_WEST_EDGE}', 4326)), 360, 0)
                       ), 2) AS cut) AS antimeridian
            ) AS measured
            WHERE inside OR edge_nm <= %(nm)s
            ORDER BY inside DESC, indicative ASC, area ASC, id""",
        params,
    )
    responsible: ResponsibleRcc | None = None
    edge_nm: float | None = None
    neighbours: list[NeighbourRcc] = []
    for row in rows:
        inside = bool(row["inside"])
        if inside and responsible is None:
            responsible, edge_nm = _row_to_rcc(row), float(row["edge_nm"])
            continue
        # another SRR covering the point too (overlap) is at distance 0 from it
        distance = 0.0 if inside else float(row["edge_nm"])
        if distance <= near_boundary_nm:
            neighbours.append(NeighbourRcc(_row_to_rcc(row), distance))
    if responsible is None:
        log.warning("no SRR covers %.4f,%.4f", lat, lon)
    neighbours.sort(key=lambda n: (n.distance_nm, n.rcc.srr_id or ""))
    return RccLookup(responsible, tuple(neighbours), edge_nm)


def positions_without_srr(conn: psycopg.Connection, positions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The (lat, lon) positions that no SRR covers — those :func:`responsible_rcc` answers with no
    responsible RCC — in one set-based query (a layer's coverage check over thousands of sea points)."""
    for lat, lon in positions:
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise InvalidInputError(f"position {lat},{lon} is not a valid latitude,longitude")
    if not srr_table_exists(conn):
        raise SchemaMissingError("table srr (search-and-rescue regions, from geodata) is not in the database")
    rows = conn.execute(
        """SELECT p.lat, p.lon FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lat, lon, n)
            WHERE NOT EXISTS (SELECT 1 FROM srr WHERE ST_Covers(srr.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)))
            ORDER BY p.n""",
        ([lat for lat, _ in positions], [lon for _, lon in positions]),
    ).fetchall()
    return [(float(lat), float(lon)) for lat, lon in rows]


def rcc_by_srr_id(conn: psycopg.Connection, srr_id: str) -> ResponsibleRcc:
    """The RCC of an SRR named by its id (for hand-overs)."""
    if not srr_table_exists(conn):
        raise SchemaMissingError("table srr (search-and-rescue regions, from geodata) is not in the database")
    row = fetch_one_by_name(conn, f"SELECT {_COLUMNS} FROM srr WHERE id = %s", (srr_id,))
    if row is None:
        known = [r["id"] for r in fetch_all_by_name(conn, "SELECT id FROM srr ORDER BY id")]
        raise InvalidInputError(f"no SRR with id {srr_id!r} (known: {', '.join(known) or 'none loaded'})")
    return _row_to_rcc(row)
