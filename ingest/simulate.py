"""A SIMULATED AIS feed and a table-top exercise scenario for demonstrations — never real traffic.

Two parts:

* **the fleet**: vessels sailing real sea lanes of the region (routes from the ``searoute`` maritime network
  between ports of participating states, so no track crosses land) at their own speed;
* **the exercise scenario** (:data:`SCENARIO`): scripted vessels whose behaviour each detection rule should
  flag — one that goes dark in the Andaman Sea, one loitering far offshore, one waiting next to a crowded
  boat without AIS that fishers and a patrol aircraft report, an AIS-SART activated there, and one entering
  the Christmas Island approaches — plus the sightings of that boat, every one marked as an exercise.
  :func:`scenario_truth` says which flag each scripted vessel should raise.

Each fix is encoded as ITU-R M.1371 message 1 (and now and then message 5, static and voyage data; message
14 for the SART) in ``!AIVDM`` sentences with pyais, behind an IEC 61162-450 tag block carrying the
observation time (``c:``) and station (``s:``), exactly as a networked receiver emits them, so the demo
goes through the same reader as a real feed. Every ship name starts with ``DEMO`` and the station is
``demo-simulator``. Positions in degrees, speeds in knots, courses in degrees true, times UTC; the picture
runs in real time (speeds agree with timestamps, so no rule sees an impossible jump).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import searoute
from pyais import encode_dict

from geodata.geodesy import bearing_deg, distance_nm
from seasight.schemas import Sighting

if TYPE_CHECKING:
    from tracking.watchlist import WatchlistRecord

STATION = "demo-simulator"
# The fleet's clock: where a lane vessel is depends on the wall time only, so a restarted demo or a second
# feed continues the same tracks instead of making each vessel jump.
FLEET_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

# (origin lon, lat), (destination lon, lat) — ports of participating states and major regional ports. The
# lanes cross the Bay of Bengal, the Andaman Sea, the Strait of Malacca and the Timor and Arafura seas,
# where the region's irregular movements happen, plus a few of the region's other trunk routes.
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
    # Bay of Bengal
    ("CHITTAGONG", (91.80, 22.30), "SINGAPORE", (103.84, 1.26)),
    ("HALDIA", (88.06, 22.03), "SINGAPORE", (103.84, 1.26)),
    ("VISAKHAPATNAM", (83.30, 17.68), "PORT KLANG", (101.39, 3.00)),
    ("COLOMBO", (79.85, 6.95), "CHITTAGONG", (91.80, 22.30)),
    ("YANGON", (96.25, 16.75), "SINGAPORE", (103.84, 1.26)),
    # Andaman Sea
    ("PORT BLAIR", (92.73, 11.67), "CHENNAI", (80.30, 13.10)),
    ("RANONG", (98.60, 9.95), "YANGON", (96.25, 16.75)),
    ("PHUKET", (98.40, 7.82), "PENANG", (100.35, 5.42)),
    # Strait of Malacca
    ("SINGAPORE", (103.84, 1.26), "PORT KLANG", (101.39, 3.00)),
    ("DUMAI", (101.45, 1.69), "PENANG", (100.35, 5.42)),
    ("SINGAPORE", (103.84, 1.26), "BELAWAN", (98.69, 3.79)),
    # Timor and Arafura seas
    ("DARWIN", (130.85, -12.47), "DILI", (125.57, -8.55)),
    ("DARWIN", (130.85, -12.47), "KUPANG", (123.58, -10.16)),
    ("SURABAYA", (112.73, -7.20), "DARWIN", (130.85, -12.47)),
    ("DARWIN", (130.85, -12.47), "MERAUKE", (140.33, -8.48)),
)

# Maritime identification digits of regional flag states (ITU-R M.585), used to make plausible MMSIs.
REGIONAL_MIDS = (525, 533, 563, 564, 565, 566, 567, 503, 419, 417, 405, 506, 548, 574, 553)

NAME_WORDS = (
    "ARUNA",
    "BAHARI",
    "CAHAYA",
    "DAMAI",
    "HARAPAN",
    "INDAH",
    "JAYA",
    "KASIH",
    "LAUT",
    "MUTIARA",
    "NUSANTARA",
    "PELANGI",
    "SAMUDRA",
    "SETIA",
    "TENANG",
    "WIRA",
    "ANDAMAN",
    "BENGAL",
    "TIMOR",
)


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
    origin: str  # the port at the start of ``route``
    destination: str  # the port at its end


def bound_for(vessel: SimulatedVessel, elapsed_h: float) -> str:
    """The port a lane vessel is sailing to after ``elapsed_h`` hours (AIS message 5 destination): the end of
    its lane on the way out, its start on the way back."""
    total = vessel.route_nm[-1]
    if total <= 0:
        return vessel.destination
    along = (vessel.start_offset_nm + vessel.speed_kn * elapsed_h) % (2 * total)
    return vessel.origin if along > total else vessel.destination


def build_fleet(vessel_count: int = 60, seed: int = 7) -> list[SimulatedVessel]:
    """A reproducible simulated fleet spread over the region's sea lanes."""
    rng = random.Random(seed)
    routes: list[tuple[str, str, tuple[tuple[float, float], ...], tuple[float, ...]]] = []
    for origin, start, destination, end in SEA_LANES:
        feature = searoute.searoute(list(start), list(end))
        coords = tuple((float(lon), float(lat)) for lon, lat in feature["geometry"]["coordinates"])
        along = [0.0]
        for a, b in zip(coords, coords[1:], strict=False):
            along.append(along[-1] + distance_nm(a[1], a[0], b[1], b[0]))
        routes.append((origin, destination, coords, tuple(along)))
    fleet = []
    for i in range(vessel_count):
        origin, destination, coords, cumulative = routes[i % len(routes)]
        if rng.random() < 0.5:  # half sail the lane the other way
            origin, destination = destination, origin
            coords = tuple(reversed(coords))
            cumulative = tuple(cumulative[-1] - d for d in reversed(cumulative))
        mid = rng.choice(REGIONAL_MIDS)
        fleet.append(
            SimulatedVessel(
                mmsi=mid * 1_000_000 + rng.randrange(100_000, 999_999),
                name=f"DEMO {rng.choice(NAME_WORDS)} {i + 1}",
                callsign=f"D{i + 1:04d}",
                # Merchant shipping in regular service (ITU-R M.1371 types 70 cargo, 80 tanker, 60 passenger):
                # fishing boats and tugs do not sail these ocean lanes at 8-18 kn.
                ship_type=rng.choice((70, 70, 70, 80, 80, 60)),
                speed_kn=round(rng.uniform(8.0, 18.0), 1),
                route=coords,
                route_nm=cumulative,
                start_offset_nm=rng.uniform(0, cumulative[-1]),
                origin=origin,
                destination=destination,
            )
        )
    return fleet


def position_at(vessel: SimulatedVessel, elapsed_h: float) -> tuple[float, float, float]:
    """(lon, lat, course °T) of a vessel after ``elapsed_h`` hours, sailing its lane to the end and back
    (never jumping, so no rule sees an impossible speed)."""
    total = vessel.route_nm[-1]
    if total <= 0:
        lon, lat = vessel.route[0]
        return lon, lat, 0.0
    along = (vessel.start_offset_nm + vessel.speed_kn * elapsed_h) % (2 * total)
    if along > total:  # on the way back
        back = position_at_distance(vessel, 2 * total - along)
        return back[0], back[1], (back[2] + 180.0) % 360.0
    return position_at_distance(vessel, along)


def position_at_distance(vessel: SimulatedVessel, along: float) -> tuple[float, float, float]:
    """(lon, lat, course °T) at ``along`` nautical miles from the start of the vessel's lane."""
    for i in range(1, len(vessel.route)):
        if vessel.route_nm[i] >= along:
            a, b = vessel.route[i - 1], vessel.route[i]
            leg = vessel.route_nm[i] - vessel.route_nm[i - 1]
            f = 0.0 if leg == 0 else (along - vessel.route_nm[i - 1]) / leg
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), bearing_deg(a[1], a[0], b[1], b[0])
    lon, lat = vessel.route[-1]
    return lon, lat, 0.0


def tag_block(observed_at: datetime, station: str = STATION) -> str:
    """An IEC 61162-450 tag block with the source station (``s:``) and UNIX time in seconds (``c:``)."""
    body = f"s:{station},c:{int(observed_at.timestamp())}"
    checksum = 0
    for char in body.encode():
        checksum ^= char
    return f"\\{body}*{checksum:02X}\\"


def _position_sentences(
    mmsi: int, observed_at: datetime, lat: float, lon: float, sog: float, cog: float, status: int
) -> list[str]:
    sentences = encode_dict(
        {
            "type": 1,
            "mmsi": mmsi,
            "lon": round(lon, 5),
            "lat": round(lat, 5),
            "speed": round(sog, 1),
            "course": round(cog, 1) % 360,
            "heading": int(round(cog)) % 360 if sog >= 0.5 else 511,
            "status": status,
            "second": observed_at.second,
        },
        talker_id="AI",
        sentence_type="VDM",
        radio_channel="A",
    )
    return [tag_block(observed_at) + sentence for sentence in sentences]


def _static_sentences(
    mmsi: int, observed_at: datetime, name: str, callsign: str, ship_type: int, destination: str, seq: int
) -> list[str]:
    sentences = encode_dict(
        {
            "type": 5,
            "mmsi": mmsi,
            "shipname": name,
            "callsign": callsign,
            "ship_type": ship_type,
            "destination": destination,
            "to_bow": 90,
            "to_stern": 20,
            "to_port": 8,
            "to_starboard": 8,
            "ais_version": 0,
        },
        talker_id="AI",
        sentence_type="VDM",
        radio_channel="B",
        seq_id=seq % 10,
    )
    return [tag_block(observed_at) + sentence for sentence in sentences]


def sentences_at(fleet: list[SimulatedVessel], started: datetime, now: datetime, with_static: bool) -> Iterator[str]:
    """Tag-blocked AIVDM sentences for every fleet vessel at ``now`` (message 1, and message 5 if asked);
    the fleet sails in real time from where it was at ``started``."""
    elapsed_h = (now - started).total_seconds() / 3600
    for seq, vessel in enumerate(fleet):
        lon, lat, course = position_at(vessel, elapsed_h)
        yield from _position_sentences(vessel.mmsi, now, lat, lon, vessel.speed_kn, course, 0)
        if with_static:
            yield from _static_sentences(
                vessel.mmsi, now, vessel.name, vessel.callsign, vessel.ship_type, bound_for(vessel, elapsed_h), seq
            )


# ---------------------------------------------------------------------------------------------------------
# the exercise scenario
# ---------------------------------------------------------------------------------------------------------

EXERCISE_REPORTER = "THA"  # the exercise's reporting state (ISO 3166-1 alpha-3)


@dataclass(frozen=True, slots=True)
class Leg:
    """Straight sailing from ``start`` to ``end`` (lat, lon) between two scenario minutes."""

    from_min: float
    to_min: float
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass(frozen=True, slots=True)
class ScriptedVessel:
    mmsi: int
    name: str
    callsign: str
    ship_type: int
    legs: tuple[Leg, ...]  # transmitting only while on a leg: between legs the vessel is silent
    nav_status: int
    expected_rule: str | None  # the flag the scenario should raise (None: ordinary traffic)
    note: str
    safety_text: str | None = None  # message 14 sent every 10 min while transmitting (AIS-SART)


@dataclass(frozen=True, slots=True)
class ExerciseSighting:
    minute: float  # scenario minutes after the scenario start
    lat: float
    lon: float
    uncertainty_nm: float
    source_type: str
    persons_estimated: int | None
    conditions: tuple[str, ...]
    confidence: str
    note: str


SCENARIO_HOURS = 8.0  # the scenario starts this long before the demo starts (history for trails and rules)
REPORT_EVERY_MIN = 5.0  # scenario reporting interval (backfill); live ticks are every few seconds


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    """A watchlist entry the exercise needs (loaded into ``watchlist_entry`` by the demo and the tests)."""

    id: str
    mmsi: int
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    vessels: tuple[ScriptedVessel, ...]
    sightings: tuple[ExerciseSighting, ...]
    watchlist: tuple[WatchlistEntry, ...] = ()
    reporter: str = EXERCISE_REPORTER  # state reporting the sightings (ISO 3166-1 alpha-3)


ANDAMAN = Scenario(
    "andaman",
    "Bay of Bengal and Andaman Sea: a boat leaves the Rakhine coast and goes dark; a crowded boat without AIS "
    "is reported by fishers and a patrol aircraft with a ship waiting alongside; an AIS-SART is activated; a "
    "watchlisted vessel enters the Andaman Sea corridor; one MMSI is heard in two places; a cargo ship idles "
    "far offshore; a vessel goes dark mid-sea; another heads into the Christmas Island approaches.",
    (
        ScriptedVessel(
            525_017_001,
            "DEMO SETIA GELAP",
            "DX001",
            70,
            (Leg(0, 60, (11.05, 94.00), (10.93, 94.13)),),
            0,
            "went_dark",
            "transmits for an hour in the Andaman Sea, then falls silent for seven",
        ),
        ScriptedVessel(
            525_017_006,
            "DEMO NELAYAN SAKSI",
            "DX006",
            30,
            (Leg(0, 240, (10.80, 94.05), (10.95, 94.35)), Leg(240, 1080, (10.95, 94.35), (10.70, 93.90))),
            7,
            None,
            "fishing nearby all along: proves the feed covered the silent vessel's area",
        ),
        ScriptedVessel(
            533_017_002,
            "DEMO MUTIARA BIRU",
            "DX002",
            70,
            (
                Leg(200, 300, (7.50, 96.50), (7.52, 96.52)),
                Leg(300, 400, (7.52, 96.52), (7.49, 96.53)),
                Leg(400, 1080, (7.49, 96.53), (7.50, 96.50)),
            ),
            0,
            "loitering",
            "a cargo ship idling under 2 kn some 90 nm offshore for hours",
        ),
        ScriptedVessel(
            563_017_003,
            "DEMO CAHAYA INDUK",
            "DX003",
            70,
            (
                Leg(40, 150, (8.722, 95.712), (8.7225, 95.7125)),
                Leg(150, 190, (8.7225, 95.7125), (8.612, 95.802)),
                Leg(190, 330, (8.612, 95.802), (8.6125, 95.8025)),
                Leg(330, 1080, (8.6125, 95.8025), (9.20, 96.40)),
            ),
            0,
            "encounter_contact",
            "waits next to the crowded boat when the aircraft sees it",
        ),
        ScriptedVessel(
            970_017_004,
            "",
            "",
            0,
            (Leg(205, 1080, (8.608, 95.804), (8.55, 95.90)),),
            14,
            "distress",
            "AIS-SART activated by the boat's people",
            safety_text="SART ACTIVE",
        ),
        ScriptedVessel(
            525_017_005,
            "DEMO JAYA SELATAN",
            "DX005",
            30,
            (Leg(300, 480, (-9.20, 105.70), (-9.60, 105.70)), Leg(480, 1080, (-9.60, 105.70), (-9.95, 105.66))),
            0,
            "approaching_destination_coast",
            "enters the Christmas Island approaches from the north",
        ),
        ScriptedVessel(
            506_017_009,
            "DEMO RAKHINE BOAT",
            "DX009",
            30,
            (Leg(0, 90, (19.85, 92.65), (19.72, 92.54)),),
            0,
            "went_dark",
            "leaves the Rakhine coast at dusk, then its AIS goes silent",
        ),
        ScriptedVessel(
            506_017_010,
            "DEMO NELAYAN SITTWE",
            "DX010",
            30,
            (Leg(0, 540, (19.78, 92.50), (19.66, 92.62)), Leg(540, 1080, (19.66, 92.62), (19.80, 92.48))),
            7,
            None,
            "fishing off the Rakhine coast all along: the feed kept hearing the area the boat went silent in",
        ),
        ScriptedVessel(
            574_017_008,
            "DEMO RAJA LAUT",
            "DX008",
            70,
            (Leg(120, 360, (8.50, 93.90), (8.50, 94.90)), Leg(360, 1080, (8.50, 94.90), (8.10, 96.20))),
            0,
            "watchlist",
            "a watchlisted vessel entering the Andaman Sea corridor",
        ),
        ScriptedVessel(
            533_017_007,
            "DEMO BAYANGAN",
            "DX007",
            70,
            (Leg(60, 1080, (3.30, 100.30), (4.60, 99.00)),),
            0,
            "two_places",
            "sails the Strait of Malacca while the same MMSI is heard west of Aceh",
        ),
        ScriptedVessel(
            533_017_007,
            "",
            "",
            70,
            (Leg(100, 1080, (6.00, 94.00), (6.40, 93.60)),),
            0,
            None,
            "a second transmitter using DEMO BAYANGAN's MMSI (spoofed identity)",
        ),
    ),
    (
        ExerciseSighting(
            0,
            9.05,
            95.40,
            5.0,
            "fisher",
            150,
            ("overcrowded",),
            "low",
            "EXERCISE. Fishers report a crowded wooden boat heading south-east, no AIS.",
        ),
        ExerciseSighting(
            90,
            8.72,
            95.71,
            1.0,
            "aircraft",
            180,
            ("overcrowded", "engine_failure", "adrift"),
            "high",
            "EXERCISE. Patrol aircraft: boat stopped, waving, no life-jackets seen; a ship alongside.",
        ),
        ExerciseSighting(
            200,
            8.61,
            95.80,
            0.5,
            "aircraft",
            180,
            ("overcrowded", "adrift", "taking_water", "persons_in_water"),
            "high",
            "EXERCISE. Persons in the water next to the boat; dropping a life raft.",
        ),
    ),
    (
        WatchlistEntry(
            "exercise-andaman-1",
            574_017_008,
            "DEMO RAJA LAUT",
            "EXERCISE: vessel named in a (simulated) facilitator investigation",
        ),
    ),
)

TIMOR = Scenario(
    "timor",
    "Timor Sea: a fishing vessel reaches the Rote coast, waits, then heads for Ashmore Reef; a Border Force "
    "aircraft reports an overcrowded boat near Ashmore; a cargo ship goes dark mid-sea.",
    (
        ScriptedVessel(
            525_027_001,
            "DEMO NUSA TENGGARA",
            "DT001",
            30,
            (
                Leg(0, 120, (-10.45, 122.50), (-11.10, 123.00)),
                Leg(120, 240, (-11.10, 123.00), (-11.12, 123.01)),
                Leg(240, 480, (-11.12, 123.01), (-11.75, 123.00)),
                Leg(480, 1080, (-11.75, 123.00), (-12.0, 122.9)),
            ),
            0,
            "approaching_destination_coast",
            "from the Rote coast towards Ashmore Reef",
        ),
        ScriptedVessel(
            525_027_002,
            "DEMO LAUT TIMOR",
            "DT002",
            70,
            (Leg(0, 90, (-10.60, 124.80), (-11.00, 125.50)),),
            0,
            "went_dark",
            "crosses the Timor Sea, then falls silent",
        ),
        ScriptedVessel(
            525_027_003,
            "DEMO SAKSI TIMOR",
            "DT003",
            30,
            (Leg(0, 1080, (-11.20, 125.30), (-11.30, 125.90)),),
            7,
            None,
            "fishing nearby: proves the feed covered the silent vessel's area",
        ),
    ),
    (
        ExerciseSighting(
            420,
            -11.62,
            123.00,
            1.0,
            "aircraft",
            40,
            ("overcrowded", "no_life_jackets"),
            "high",
            "EXERCISE. Surveillance aircraft: small timber boat, about 40 aboard, heading south.",
        ),
    ),
    reporter="AUS",
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (ANDAMAN, TIMOR)}
SCENARIO = ANDAMAN.vessels  # the demo's scenario
EXERCISE_SIGHTINGS = ANDAMAN.sightings


def scenario_truth(scenario: Scenario = ANDAMAN) -> dict[int, str]:
    """MMSI → the rule id each scripted vessel should be flagged by (ground truth of the exercise)."""
    return {v.mmsi: v.expected_rule for v in scenario.vessels if v.expected_rule is not None}


def scripted_fix(vessel: ScriptedVessel, minute: float) -> tuple[float, float, float, float] | None:
    """(lat, lon, SOG kn, COG °T) of a scripted vessel at scenario ``minute``, None while it is silent."""
    for leg in vessel.legs:
        if leg.from_min <= minute <= leg.to_min:
            span = leg.to_min - leg.from_min
            f = 0.0 if span == 0 else (minute - leg.from_min) / span
            lat = leg.start[0] + f * (leg.end[0] - leg.start[0])
            lon = leg.start[1] + f * (leg.end[1] - leg.start[1])
            (a_lon, a_lat), (b_lon, b_lat) = (leg.start[1], leg.start[0]), (leg.end[1], leg.end[0])
            distance = distance_nm(a_lat, a_lon, b_lat, b_lon)
            sog = distance / (span / 60) if span else 0.0
            cog = bearing_deg(a_lat, a_lon, b_lat, b_lon) if distance > 0 else 0.0
            return lat, lon, sog, cog
    return None


def scenario_sentences(
    scenario_start: datetime,
    minute: float,
    with_static: bool,
    with_safety: bool | None = None,
    scenario: Scenario = ANDAMAN,
) -> Iterator[str]:
    """Sentences of every transmitting scripted vessel at scenario ``minute`` (message 14 of a SART on whole
    ten minutes, or when ``with_safety`` says so)."""
    observed_at = scenario_start + timedelta(minutes=minute)
    for seq, vessel in enumerate(scenario.vessels):
        fix = scripted_fix(vessel, minute)
        if fix is None:
            continue
        lat, lon, sog, cog = fix
        yield from _position_sentences(vessel.mmsi, observed_at, lat, lon, sog, cog, vessel.nav_status)
        if with_static and vessel.name:
            yield from _static_sentences(
                vessel.mmsi, observed_at, vessel.name, vessel.callsign, vessel.ship_type, "", seq
            )
        safety_due = int(minute) % 10 == 0 if with_safety is None else with_safety
        if vessel.safety_text and safety_due:
            yield from (
                tag_block(observed_at) + s
                for s in encode_dict(
                    {"type": 14, "mmsi": vessel.mmsi, "text": vessel.safety_text},
                    talker_id="AI",
                    sentence_type="VDM",
                    radio_channel="A",
                )
            )


def scenario_start_for(now: datetime) -> datetime:
    """The start of the exercise scenario a demo running at ``now`` replays: the 8-hour block of UTC before
    the current one, so the scripted events are hours old when the demo opens, and a demo restarted within
    the same block replays the identical timeline (idempotent writes, nothing conflicting)."""
    block = timedelta(hours=SCENARIO_HOURS)
    current = FLEET_EPOCH + ((now - FLEET_EPOCH) // block) * block
    return current - block


def history_sentences(
    fleet: list[SimulatedVessel],
    scenario_start: datetime,
    until: datetime,
    scenario: Scenario = ANDAMAN,
    since: datetime | None = None,
) -> Iterator[str]:
    """The fleet and the scenario from ``since`` (default: the scenario start) to ``until``, every
    :data:`REPORT_EVERY_MIN` minutes, oldest first. Scripted vessels are silent before the scenario starts."""
    minute = ((since or scenario_start) - scenario_start).total_seconds() / 60
    total_min = (until - scenario_start).total_seconds() / 60
    while minute < total_min:
        when = scenario_start + timedelta(minutes=minute)
        yield from sentences_at(fleet, FLEET_EPOCH, when, with_static=minute % 60 == 0)
        yield from scenario_sentences(scenario_start, minute, with_static=minute % 60 == 0, scenario=scenario)
        minute += REPORT_EVERY_MIN


def exercise_sightings(scenario_start: datetime, now: datetime, scenario: Scenario = ANDAMAN) -> list[Sighting]:
    """The exercise sightings observed by ``now`` (ids stable per scenario, so a repeat is a no-op)."""
    elapsed_min = (now - scenario_start).total_seconds() / 60
    out = []
    for i, s in enumerate(scenario.sightings):
        if s.minute > elapsed_min:
            continue
        out.append(
            Sighting(
                id=str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"seasight-demo/{scenario.name}/{scenario_start.isoformat()}/{i}")
                ),
                observed_at=scenario_start + timedelta(minutes=s.minute),
                lat=s.lat,
                lon=s.lon,
                uncertainty_nm=s.uncertainty_nm,
                source_type=s.source_type,
                craft_type="wooden fishing boat",
                persons_estimated=s.persons_estimated,
                conditions=s.conditions,
                course_deg=None,
                speed_kn=None,
                ais_seen="no",
                confidence=s.confidence,
                note=s.note,
                is_exercise=True,
                owner=scenario.reporter,
                acted_by=STATION,
                received_at=now,
            )
        )
    return out


def scenario_watchlist(scenario: Scenario) -> list[WatchlistRecord]:
    """The scenario's watchlist entries as records for ``tracking.watchlist.upsert_watchlist``."""
    from tracking.watchlist import WatchlistRecord

    return [
        WatchlistRecord(id=e.id, reason=e.reason, owner=scenario.reporter, acted_by=STATION, mmsi=e.mmsi, name=e.name)
        for e in scenario.watchlist
    ]


SIGHTING_FILE_FIELDS = (
    "id",
    "observed_at",
    "lat",
    "lon",
    "uncertainty_nm",
    "source_type",
    "owner",
    "acted_by",
    "craft_type",
    "persons_estimated",
    "conditions",
    "course_deg",
    "speed_kn",
    "ais_seen",
    "confidence",
    "note",
    "is_exercise",
)


def write_scenario_files(scenario: Scenario, out: Path, hours: float, end: datetime, vessels: int) -> dict[str, Any]:
    """Write the feed (``out``, NMEA with tag blocks), its sightings (``out`` + ``.sightings.jsonl``, the
    layout ``seasight ingest sightings`` reads) and the ground truth (``out`` + ``.truth.json``) for the
    ``hours`` before ``end``. The scripted events take the last :data:`SCENARIO_HOURS` hours; with fewer
    ``hours`` the earlier events are not in the file. Returns the ground truth."""
    scenario_start = end - timedelta(hours=SCENARIO_HOURS)
    since = end - timedelta(hours=hours)
    fleet = build_fleet(vessels)
    lines = 0
    with out.open("w", encoding="ascii", newline="\n") as fh:
        for sentence in history_sentences(fleet, scenario_start, end, scenario, since=since):
            fh.write(sentence + "\n")
            lines += 1
    sightings = [s for s in exercise_sightings(scenario_start, end, scenario) if s.observed_at >= since]
    sightings_path = out.with_name(out.name + ".sightings.jsonl")
    with sightings_path.open("w", encoding="utf-8") as fh:
        for sighting in sightings:
            body = sighting.to_dict()
            fh.write(json.dumps({k: body[k] for k in SIGHTING_FILE_FIELDS}, ensure_ascii=False) + "\n")
    truth = {
        "scenario": scenario.name,
        "description": scenario.description,
        "simulated": True,
        "from": since.isoformat(),
        "to": end.isoformat(),
        "nmea_lines": lines,
        "fleet_vessels": len(fleet),
        "expected_flags": [
            {"mmsi": v.mmsi, "name": v.name or None, "rule": v.expected_rule, "what": v.note}
            for v in scenario.vessels
            if v.expected_rule is not None
            and any(leg.from_min * 60 >= (since - scenario_start).total_seconds() for leg in v.legs)
        ],
        "sightings": [{"id": s.id, "observed_at": s.observed_at.isoformat(), "note": s.note} for s in sightings],
        "watchlist": [{"id": e.id, "mmsi": e.mmsi, "name": e.name, "reason": e.reason} for e in scenario.watchlist],
    }
    out.with_name(out.name + ".truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
    return truth
