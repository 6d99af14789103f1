"""Appeared dark: a vessel first heard far out at sea, among vessels its feed had been hearing there."""

from __future__ import annotations

from datetime import timedelta

from tests.tracking.tracks import T0, constant_shore, line
from tracking.rules.appeared_dark import AppearedDarkParameters, appeared_dark
from tracking.rules.feeds import FeedTimeline
from tracking.rules.geo import destination
from tracking.rules.model import Flag, Severity, TrackPoint, TrackWindow
from tracking.rules.went_dark import CoverageIndex

P = AppearedDarkParameters()
NEWCOMER = 525019999
HERE = (-12.0, 108.0)  # Indian Ocean, some 250 nm south of Java
STATION = "sat-1"


def neighbours(
    n: int = 20, *, hours: float = 4.0, bearings: tuple[float, ...] | None = None, centre: tuple[float, float] = HERE
) -> list[TrackPoint]:
    """``n`` vessels 6-15 nm around ``centre`` (spread over all bearings unless told), each heard every
    10 min for ``hours`` from T0 by the satellite feed, sailing at 11 kn."""
    out: list[TrackPoint] = []
    for k in range(n):
        bearing = bearings[k % len(bearings)] if bearings else (k * 360.0 / n + 7.0)
        lat, lon = destination(*centre, bearing, 6.0 + (k % 10))
        for p in line(
            563100000 + k,
            lat,
            lon,
            course=(bearing + 90) % 360,
            speed_kn=11,
            every=timedelta(minutes=10),
            count=int(hours * 6) + 1,
        ):
            out.append(TrackPoint(p.mmsi, p.observed_at, p.lat, p.lon, p.sog_kn, p.cog_deg, None, 0, 1, STATION))
    return out


def newcomer(at_h: float = 3.0, where: tuple[float, float] = HERE) -> TrackWindow:
    pts = line(
        NEWCOMER, *where, course=200, speed_kn=7, every=timedelta(minutes=10), count=6, start=T0 + timedelta(hours=at_h)
    )
    pts = [TrackPoint(p.mmsi, p.observed_at, p.lat, p.lon, p.sog_kn, p.cog_deg, None, 0, 1, STATION) for p in pts]
    return TrackWindow(NEWCOMER, T0, T0 + timedelta(hours=4), tuple(pts))


def run(window: TrackWindow, others: list[TrackPoint], shore_nm: float = 250.0) -> list[Flag]:
    timeline = FeedTimeline.from_points([*others, *window.points])
    return appeared_dark(
        window,
        P,
        distance_to_shore=constant_shore(shore_nm),
        others=CoverageIndex([*others, *window.points]),
        feeds=timeline,
    )


def test_a_vessel_first_heard_250_nm_offshore_among_20_reporting_vessels_appeared_dark() -> None:
    w = newcomer()
    (f,) = run(w, neighbours())
    assert f.rule_id == "appeared_dark" and f.severity is Severity.MEDIUM and f.mmsi == NEWCOMER
    assert f.window_start == w.points[0].observed_at and (f.lat, f.lon) == (w.points[0].lat, w.points[0].lon)
    assert len(f.evidence["neighbours_heard_before"]) == 20 and f.evidence["feed"] == STATION
    assert all(f.evidence["quadrants"].values())
    assert "250 nm offshore" in f.summary


def test_first_heard_near_shore_is_ordinary() -> None:
    assert run(newcomer(), neighbours(), shore_nm=30.0) == []


def test_heard_from_when_the_feed_started_is_ordinary() -> None:
    # first heard 1 h after the window (and the feed) began: it may simply have been there all along
    assert run(newcomer(at_h=1.0), neighbours()) == []


def test_at_the_edge_of_the_feeds_coverage_is_ordinary() -> None:
    # every neighbour lies north of it: the newcomer is on the rim of what the feed hears
    assert run(newcomer(), neighbours(bearings=(350.0, 10.0, 30.0, 330.0))) == []


def test_without_neighbours_heard_before_it_is_ordinary() -> None:
    later = [
        TrackPoint(p.mmsi, p.observed_at + timedelta(hours=3), p.lat, p.lon, p.sog_kn, p.cog_deg, None, 0, 1, STATION)
        for p in neighbours(hours=0.5)
    ]
    assert run(newcomer(), later) == []


def test_a_feed_outage_before_the_first_report_makes_it_ordinary() -> None:
    # the satellite feed delivered nothing from T0+0.5 h to T0+2.9 h: it could not have heard the vessel arrive
    heard = [p for p in neighbours() if not T0 + timedelta(hours=0.5) < p.observed_at < T0 + timedelta(hours=2.9)]
    assert run(newcomer(), heard) == []


def test_across_the_antimeridian_the_neighbours_on_the_other_side_count() -> None:
    fiji = (-16.0, 179.95)
    (f,) = run(newcomer(where=fiji), neighbours(centre=fiji))
    assert f.lon is not None and -180.0 <= f.lon < 180.0
    assert all(f.evidence["quadrants"].values())
