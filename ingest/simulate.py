"""A SIMULATED AIS feed for demonstrations and table-top exercises — never real traffic.

Vessels sail real sea lanes of the region (routes from the ``searoute`` maritime network between ports of
participating states, so no track crosses land) at their own speed, and a few drift or loiter in the
Andaman Sea and the Timor Sea. Each tick encodes ITU-R M.1371 message 1 (position) and, now and then,
message 5 (static and voyage data) as ``!AIVDM`` sentences with pyais, exactly as a receiver would emit
them, so the demo exercises the same reader as a real feed. Every ship name starts with ``DEMO`` and the
station is ``demo-simulator`` so no one can mistake the picture for a real one.

Units: positions in degrees, speed in knots, simulated time runs ``time_factor`` times faster than the
wall clock so movement is visible on a map.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import searoute
from pyais import encode_dict

from seasight.schemas import Sighting

STATION = "demo-simulator"
EARTH_RADIUS_NM = 3440.065

# (origin lon, lat), (destination lon, lat) — ports of participating states and major regional ports.
SEA_LANES: tuple[tuple[str, tuple[float, float], str, tuple[float, float]], ...] = (
    ("SINGAPORE", (103.84, 1.26), "COLOMBO", (79.85, 6.95)),
    ("PORT KLANG", (101.39, 3.00), "CHITTAGONG", (91.80, 22.30)),
    ("JAKARTA", (106.88, -6.10), "DARWIN", (130.85, -12.47)),
    ("BELAWAN", (98.69, 3.79), "YANGON", (96.25, 16.75)),
    ("PENANG", (100.35, 5.42), "CHENNAI", (80.30, 13.10)),
    ("SURABAYA", (112.73, -7.20), "MANILA", (120.95, 14.58)),
    ("BANGKOK", (100.58, 13.60), "HO CHI MINH CITY", (106.75, 10.75)),
    ("PORT MORESBY", (147.15, -9.48), "BRISBANE", (153.17, -27.38)),
    ("PHUKET", (98.40, 7.82), "SABANG", (95.32, 5.89)),
    ("FREMANTLE", (115.74, -32.05), "SINGAPORE", (103.84, 1.26)),
)

# Maritime identification digits of regional flag states (ITU-R M.585), used to make plausible MMSIs.
REGIONAL_MIDS = (525, 533, 563, 564, 565, 566, 567, 503, 419, 417, 405, 506, 548, 574, 553)

NAME_WORDS = ("ARUNA", "BAHARI", "CAHAYA", "DAMAI", "HARAPAN", "INDAH", "JAYA", "KASIH", "LAUT", "MUTIARA",
              "NUSANTARA", "PELANGI", "SAMUDRA", "SETIA", "TENANG", "WIRA", "ANDAMAN", "BENGAL", "TIMOR")


@dataclass(frozen=True, slots=True)
class SimulatedVessel:
    mmsi: int
    name: str
    callsign: str
    ship_type: int  # ITU-R M.1371 type of ship and cargo
    speed_kn: float
    route: tuple[tuple[float, float], ...]  # (lon, lat) vertices
    route_nm: tuple[float, ...]  # cumulative distance at each vertex, nm
    start_offset_nm: float
    destination: str


def _haversine_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_NM * math.asin(math.sqrt(h))


def _bearing_deg(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return (math.degrees(math.atan2(y, x)) + 360) % 360


def build_fleet(vessel_count: int = 60, seed: int = 7) -> list[SimulatedVessel]:
    """A reproducible simulated fleet spread over the region's sea lanes."""
    rng = random.Random(seed)
    routes = []
    for _origin, start, destination, end in SEA_LANES:
        feature = searoute.searoute(list(start), list(end))
        coords = tuple((float(lon), float(lat)) for lon, lat in feature["geometry"]["coordinates"])
        cumulative = [0.0]
        for a, b in zip(coords, coords[1:], strict=False):
            cumulative.append(cumulative[-1] + _haversine_nm(a, b))
        routes.append((destination, coords, tuple(cumulative)))
    fleet = []
    for i in range(vessel_count):
        destination, coords, cumulative = routes[i % len(routes)]
        if rng.random() < 0.5:  # half sail the lane the other way
            coords = tuple(reversed(coords))
            cumulative = tuple(cumulative[-1] - d for d in reversed(cumulative))
        mid = rng.choice(REGIONAL_MIDS)
        fleet.append(
            SimulatedVessel(
                mmsi=mid * 1_000_000 + rng.randrange(100_000, 999_999),
                name=f"DEMO {rng.choice(NAME_WORDS)} {i + 1}",
                callsign=f"D{i + 1:04d}",
                ship_type=rng.choice((70, 70, 80, 60, 30, 52)),
                speed_kn=round(rng.uniform(8.0, 18.0), 1),
                route=coords,
                route_nm=cumulative,
                start_offset_nm=rng.uniform(0, cumulative[-1]),
                destination=destination,
            )
        )
    return fleet


def position_at(vessel: SimulatedVessel, elapsed_h: float) -> tuple[float, float, float]:
    """(lon, lat, course °T) of a vessel after ``elapsed_h`` simulated hours, looping its route."""
    total = vessel.route_nm[-1]
    along = (vessel.start_offset_nm + vessel.speed_kn * elapsed_h) % total if total > 0 else 0.0
    for i in range(1, len(vessel.route)):
        if vessel.route_nm[i] >= along:
            a, b = vessel.route[i - 1], vessel.route[i]
            leg = vessel.route_nm[i] - vessel.route_nm[i - 1]
            f = 0.0 if leg == 0 else (along - vessel.route_nm[i - 1]) / leg
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), _bearing_deg(a, b)
    lon, lat = vessel.route[-1]
    return lon, lat, 0.0


def sentences_at(fleet: list[SimulatedVessel], started: datetime, now: datetime, time_factor: float,
                 with_static: bool) -> Iterator[str]:
    """AIVDM sentences for every vessel at wall-clock ``now`` (message 1, and message 5 if asked)."""
    elapsed_h = (now - started).total_seconds() * time_factor / 3600
    for seq, vessel in enumerate(fleet):
        lon, lat, course = position_at(vessel, elapsed_h)
        yield from encode_dict(
            {"type": 1, "mmsi": vessel.mmsi, "lon": round(lon, 5), "lat": round(lat, 5),
             "speed": vessel.speed_kn, "course": round(course, 1), "heading": int(course) % 360,
             "status": 0, "second": now.second},
            talker_id="AI", sentence_type="VDM", radio_channel="A",
        )
        if with_static:
            yield from encode_dict(
                {"type": 5, "mmsi": vessel.mmsi, "shipname": vessel.name, "callsign": vessel.callsign,
                 "ship_type": vessel.ship_type, "destination": vessel.destination, "to_bow": 90,
                 "to_stern": 20, "to_port": 8, "to_starboard": 8, "ais_version": 0},
                talker_id="AI", sentence_type="VDM", radio_channel="B", seq_id=seq % 10,
            )


# A table-top exercise scenario in the Andaman Sea, every record marked as an exercise: a wooden boat with
# no AIS, first reported by a fisher, then seen by a patrol aircraft drifting with people in the water.
EXERCISE_REPORTER = "THA"  # the exercise's reporting state (ISO 3166-1 alpha-3)


@dataclass(frozen=True, slots=True)
class ExerciseSighting:
    minutes_after_start: float  # simulated minutes after the demo started
    lat: float
    lon: float
    uncertainty_nm: float
    source_type: str
    persons_estimated: int | None
    conditions: tuple[str, ...]
    confidence: str
    note: str


EXERCISE_SIGHTINGS = (
    ExerciseSighting(0, 9.05, 95.40, 5.0, "fisher", 150, ("overcrowded",), "low",
                     "EXERCISE. Fishers report a crowded wooden boat heading south-east, no AIS."),
    ExerciseSighting(90, 8.72, 95.71, 1.0, "aircraft", 180, ("overcrowded", "engine_failure", "adrift"), "high",
                     "EXERCISE. Patrol aircraft: boat stopped, waving, no life-jackets seen."),
    ExerciseSighting(200, 8.61, 95.80, 0.5, "aircraft", 180,
                     ("overcrowded", "adrift", "taking_water", "persons_in_water"), "high",
                     "EXERCISE. Persons in the water next to the boat; dropping a life raft."),
)


def exercise_sightings(started: datetime, now: datetime, time_factor: float) -> list[Sighting]:
    """The exercise sightings whose simulated time has come by ``now`` (ids stable, so a repeat is a no-op)."""
    elapsed_min = (now - started).total_seconds() * time_factor / 60
    out = []
    for i, s in enumerate(EXERCISE_SIGHTINGS):
        if s.minutes_after_start > elapsed_min:
            continue
        observed = started + timedelta(seconds=s.minutes_after_start * 60 / time_factor)
        out.append(Sighting(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"seasight-demo/{started.isoformat()}/{i}")),
            observed_at=observed, lat=s.lat, lon=s.lon, uncertainty_nm=s.uncertainty_nm,
            source_type=s.source_type, craft_type="wooden fishing boat", persons_estimated=s.persons_estimated,
            conditions=s.conditions, course_deg=None, speed_kn=None, ais_seen="no", confidence=s.confidence,
            note=s.note, is_exercise=True, owner=EXERCISE_REPORTER, acted_by=STATION, received_at=now,
        ))
    return out
