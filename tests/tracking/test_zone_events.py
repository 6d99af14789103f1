from __future__ import annotations

from datetime import timedelta

from shapely.geometry import MultiPolygon, box

from tests.tracking.tracks import T0, line, window
from tracking.rules.model import IdentityReport, Severity, TrackPoint, Zone
from tracking.rules.zone_events import (
    ZoneEventParameters,
    approaching_destination_coast,
    entered_watch_zone,
    reached_departure_area,
    zone_events,
)

MMSI = 506000321
P = ZoneEventParameters()
WATCH = Zone(1, "Andaman Sea watch box", "watch", box(94.0, 11.0, 95.0, 12.0), reason="departures 2015")
DEPARTURE = Zone(2, "Rakhine coast", "departure_coast", MultiPolygon([box(92.5, 19.5, 93.5, 20.5)]))
DESTINATION = Zone(3, "Aceh approaches", "destination_approach", box(95.0, 5.0, 96.5, 6.0), state="ID")


def eastbound(lat: float, lon: float, count: int = 30, course: float = 90) -> list[TrackPoint]:
    return line(MMSI, lat, lon, course=course, speed_kn=8, every=timedelta(minutes=30), count=count)


def test_entering_a_watch_zone_is_flagged_once_at_the_first_report_inside() -> None:
    pts = eastbound(11.5, 93.5)
    flags = entered_watch_zone(window(pts), [WATCH, DEPARTURE, DESTINATION], P)
    assert len(flags) == 1
    f = flags[0]
    first_inside = next(p for p in pts if p.lon >= 94.0)
    assert f.window_start == first_inside.observed_at
    assert f.rule_id == "entered_watch_zone" and f.severity is Severity.LOW
    assert f.evidence["zones"][0]["name"] == "Andaman Sea watch box"
    assert f.evidence["last_report_outside"]["lon"] < 94.0


def test_already_inside_at_the_first_report_is_not_an_entry() -> None:
    pts = eastbound(11.5, 94.1, count=10)
    assert entered_watch_zone(window(pts), [WATCH], P) == []


def test_passing_outside_is_not_an_entry() -> None:
    pts = eastbound(10.5, 93.5)
    assert zone_events(window(pts), [WATCH, DEPARTURE, DESTINATION], P) == []


def test_leaving_and_re_entering_counts_twice() -> None:
    out = eastbound(11.5, 93.8, count=6)  # enters
    back = line(
        MMSI,
        out[-1].lat,
        out[-1].lon,
        course=270,
        speed_kn=8,
        every=timedelta(minutes=30),
        count=8,
        start=out[-1].observed_at + timedelta(minutes=30),
    )  # leaves west
    again = line(
        MMSI,
        back[-1].lat,
        back[-1].lon,
        course=90,
        speed_kn=8,
        every=timedelta(minutes=30),
        count=8,
        start=back[-1].observed_at + timedelta(minutes=30),
    )  # and enters again
    assert len(entered_watch_zone(window(out + back + again), [WATCH], P)) == 2


def test_reaching_a_departure_area() -> None:
    pts = line(MMSI, 19.0, 93.0, course=0, speed_kn=8, every=timedelta(minutes=30), count=12)
    flags = reached_departure_area(window(pts), [WATCH, DEPARTURE], P)
    assert [f.rule_id for f in flags] == ["reached_departure_area"]
    assert "Rakhine coast" in flags[0].summary


def test_approaching_a_destination_coast_within_the_contiguous_zone_distance() -> None:
    # southbound towards Aceh approaches (north edge 6.0 N): flagged when within 24 nm, i.e. before entering
    pts = line(MMSI, 7.5, 95.5, course=180, speed_kn=8, every=timedelta(minutes=30), count=20)
    flags = approaching_destination_coast(window(pts), [DESTINATION], ZoneEventParameters(approach_nm=24))
    assert len(flags) == 1
    f = flags[0]
    assert f.severity is Severity.MEDIUM and "(ID)" in f.summary
    assert 0 < f.evidence["distance_nm_at_entry"][0] <= 24.0
    assert f.window_start == next(p.observed_at for p in pts if (p.lat - 6.0) * 60 <= 24.0)


def test_staying_beyond_the_approach_distance_is_not_approaching() -> None:
    pts = line(MMSI, 7.0, 94.0, course=90, speed_kn=8, every=timedelta(minutes=30), count=20)  # 60 nm north
    assert approaching_destination_coast(window(pts), [DESTINATION], ZoneEventParameters(approach_nm=24)) == []


def test_by_default_approaching_means_entering_the_approach_zone() -> None:
    pts = line(MMSI, 7.5, 95.5, course=180, speed_kn=8, every=timedelta(minutes=30), count=30)
    flags = approaching_destination_coast(window(pts), [DESTINATION], P)
    assert len(flags) == 1
    assert flags[0].evidence["distance_nm_at_entry"] == [0.0]
    assert flags[0].window_start == next(p.observed_at for p in pts if p.lat <= 6.0)


def _identity(ship_type: int | None, destination: str | None) -> IdentityReport:
    return IdentityReport(mmsi=MMSI, observed_at=T0, ship_type=ship_type, destination=destination)


def test_a_merchant_ship_on_a_declared_voyage_through_the_approaches_is_info_with_its_voyage() -> None:
    pts = line(MMSI, 7.5, 95.5, course=180, speed_kn=14, every=timedelta(minutes=30), count=30)
    flags = approaching_destination_coast(window(pts), [DESTINATION], P, _identity(70, "CHENNAI"))
    assert len(flags) == 1
    assert flags[0].severity is Severity.INFO
    assert flags[0].evidence["declared_voyage"]["destination"] == "CHENNAI"
    assert "declared voyage to CHENNAI" in flags[0].summary


def test_approaching_stays_medium_for_fishing_boats_unknown_types_and_undeclared_voyages() -> None:
    pts = line(MMSI, 7.5, 95.5, course=180, speed_kn=8, every=timedelta(minutes=30), count=30)
    for identity in (None, _identity(30, "SABANG"), _identity(None, "SABANG"), _identity(70, ""), _identity(80, "@@@")):
        flags = approaching_destination_coast(window(pts), [DESTINATION], P, identity)
        assert [f.severity for f in flags] == [Severity.MEDIUM], identity
        assert "declared_voyage" not in flags[0].evidence


def test_a_zone_across_the_antimeridian_is_near_a_vessel_on_the_other_side() -> None:
    fiji_east = Zone(77, "Lau group watch box", "watch", box(-179.9, -18.0, -178.5, -16.0))
    # a vessel at 179.9 E is 0.2 deg (about 11 nm) west of the box's western edge at 179.9 W
    assert 11.0 < fiji_east.distance_nm(-17.0, 179.9) < 12.0
    assert fiji_east.distance_nm(-17.0, -179.0) == 0.0


def test_a_merchant_ship_on_a_declared_voyage_entering_a_watch_zone_or_departure_area_is_info() -> None:
    merchant = _identity(80, "PORT KLANG")
    watch = entered_watch_zone(window(eastbound(11.5, 93.5)), [WATCH], P, merchant)
    departure = reached_departure_area(window(eastbound(20.0, 92.0)), [DEPARTURE], P, merchant)
    assert [f.severity for f in watch + departure] == [Severity.INFO, Severity.INFO]
    assert all(f.evidence["declared_voyage"]["destination"] == "PORT KLANG" for f in watch + departure)
    fishing = entered_watch_zone(window(eastbound(11.5, 93.5)), [WATCH], P, _identity(30, "PORT KLANG"))
    assert [f.severity for f in fishing] == [Severity.LOW]
