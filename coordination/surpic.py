"""SURPIC — surface picture: the ships near a datum that could assist (IAMSAR Vol. II ch. 2/3, AMVER SURPIC).

For each ship (latest AIS state, ITU-R M.1371 messages 1–3/18/19 for position, 5/24 for type and size):
its great-circle distance to the datum (nm), the initial true bearing to the datum, the course change
from its course over ground to that bearing (degrees, + starboard / - port), and the time to reach the
datum at its current speed over ground (hours). Ships too slow to be under way have no time to reach
and are listed last. Ordered by time to reach, then distance.

A ship of the demo's simulator (registered in ``simulated_vessel`` or heard through a simulated station,
migration 0130) carries ``simulated``; the database adapter leaves such ships out of a real case's SURPIC,
so a simulated ship never appears as a real asset.

Exports name the case on every row (``case``) and say whether it is an exercise (``exercise``: "EXERCISE"
or "real" in CSV, true/false in JSON), so a row copied out of an exercise's SURPIC still says so
(CONTRIBUTING.md §18).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from coordination.errors import InvalidInputError
from geodata.geodesy import bearing_deg, distance_nm, signed_turn_deg
from seasight.spreadsheet import csv_text


@dataclass(frozen=True)
class SurpicParameters:
    """Filters and thresholds of a SURPIC.

    * ``radius_nm`` — search radius around the datum, nm; default 100 (AMVER SURPIC practice), range 1–1000.
    * ``min_speed_kn`` — below this SOG a ship has no time to reach, kn; default 0.5 ("stopped < 0.5 kn",
      DESIGN reference numbers), range 0–5.
    * ``ship_types`` — AIS ship-type codes to keep (ITU-R M.1371 msg 5 field "type of ship and cargo");
      empty keeps all. ``min_length_m`` — keep ships at least this long, metres; None keeps all.
    """

    radius_nm: float = 100.0
    min_speed_kn: float = 0.5
    ship_types: frozenset[int] = frozenset()
    min_length_m: float | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.radius_nm <= 1000:
            raise InvalidInputError(f"radius_nm must be 1–1000 nm, got {self.radius_nm}")
        if not 0 <= self.min_speed_kn <= 5:
            raise InvalidInputError(f"min_speed_kn must be 0–5 kn, got {self.min_speed_kn}")
        if self.min_length_m is not None and not 0 <= self.min_length_m <= 500:
            raise InvalidInputError(f"min_length_m must be 0–500 m, got {self.min_length_m}")
        for t in self.ship_types:
            if not 0 <= t <= 99:
                raise InvalidInputError(f"ship type {t} is not an AIS ship-type code (0–99)")


@dataclass(frozen=True)
class ShipState:
    """A ship's latest AIS state and identity."""

    mmsi: int
    name: str | None
    ship_type: int | None
    length_m: float | None
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None
    observed_at: datetime
    simulated: bool = False  # a ship of the demo's simulated feed (migration 0130)


@dataclass(frozen=True)
class SurpicEntry:
    mmsi: int
    name: str | None
    ship_type: int | None
    length_m: float | None
    lat: float
    lon: float
    sog_kn: float | None
    cog_deg: float | None
    observed_at: datetime
    distance_nm: float
    bearing_to_datum_deg: float
    course_change_deg: float | None
    eta_hours: float | None
    simulated: bool = False  # a ship of the demo's simulated feed: only ever in an exercise's SURPIC


# One geodesy for all of Seasight (WGS84 geodesics, pyproj.Geod): see geodata.geodesy.
great_circle_nm = distance_nm
initial_bearing_deg = bearing_deg
course_change_deg = signed_turn_deg


def surpic(
    datum_lat: float,
    datum_lon: float,
    ships: Iterable[ShipState],
    params: SurpicParameters = SurpicParameters(),
) -> list[SurpicEntry]:
    """The SURPIC around a datum: ships within ``radius_nm`` passing the filters, by time to reach."""
    out: list[SurpicEntry] = []
    for s in ships:
        if params.ship_types and (s.ship_type is None or s.ship_type not in params.ship_types):
            continue
        if params.min_length_m is not None and (s.length_m is None or s.length_m < params.min_length_m):
            continue
        dist = great_circle_nm(s.lat, s.lon, datum_lat, datum_lon)
        if dist > params.radius_nm:
            continue
        bearing = initial_bearing_deg(s.lat, s.lon, datum_lat, datum_lon)
        change = course_change_deg(s.cog_deg, bearing) if s.cog_deg is not None else None
        eta = dist / s.sog_kn if s.sog_kn is not None and s.sog_kn >= params.min_speed_kn else None
        out.append(
            SurpicEntry(
                s.mmsi,
                s.name,
                s.ship_type,
                s.length_m,
                s.lat,
                s.lon,
                s.sog_kn,
                s.cog_deg,
                s.observed_at,
                dist,
                bearing,
                change,
                eta,
                s.simulated,
            )
        )
    out.sort(key=lambda e: (e.eta_hours is None, e.eta_hours or 0.0, e.distance_nm))
    return out


def entry_as_dict(e: SurpicEntry) -> dict[str, object]:
    d = asdict(e)
    d["observed_at"] = e.observed_at.isoformat()
    for key in ("distance_nm", "bearing_to_datum_deg", "course_change_deg", "eta_hours"):
        if d[key] is not None:
            d[key] = round(float(d[key]), 2)
    return d


CSV_COLUMNS = (
    "mmsi",
    "name",
    "ship_type",
    "length_m",
    "lat",
    "lon",
    "sog_kn",
    "cog_deg",
    "observed_at",
    "distance_nm",
    "bearing_to_datum_deg",
    "course_change_deg",
    "eta_hours",
    "simulated",
    "case",
    "exercise",
)


def to_csv(entries: Sequence[SurpicEntry], case: str = "", exercise: bool = False) -> str:
    """The SURPIC as CSV (:data:`CSV_COLUMNS`); ship names and other text cells safe to open in a spreadsheet.
    ``case`` (its reference) and ``exercise`` are written on every row."""
    mark = "EXERCISE" if exercise else "real"
    return csv_text(CSV_COLUMNS, ({**entry_as_dict(e), "case": case, "exercise": mark} for e in entries))


def to_json(entries: Sequence[SurpicEntry], case: str = "", exercise: bool = False) -> str:
    """The SURPIC as a JSON list, each entry carrying ``case`` and ``exercise`` (true for an exercise case)."""
    return json.dumps([{**entry_as_dict(e), "case": case, "exercise": exercise} for e in entries], indent=2)
