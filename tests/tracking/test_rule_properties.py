"""Properties that hold for any track (hypothesis), beyond the hand-built cases."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from tests.tracking.tracks import T0, line, window
from tracking.rules.encounter import EncounterParameters, encounter
from tracking.rules.geo import destination
from tracking.rules.identity import SpoofingParameters, position_jumps
from tracking.rules.model import Flag, Severity, SubjectKind, Zone
from tracking.rules.risk import RiskParameters, assess_risk
from tracking.rules.zone_events import ZoneEventParameters, zone_events

FAR = lambda lat, lon: 100.0  # noqa: E731


@settings(max_examples=40, deadline=None)
@given(
    offset_m=st.floats(min_value=0, max_value=1500),
    hours=st.floats(min_value=0.5, max_value=5),
    speed=st.floats(min_value=0, max_value=5),
    bearing=st.floats(min_value=0, max_value=359),
)
def test_encounter_is_symmetric(offset_m: float, hours: float, speed: float, bearing: float) -> None:
    count = int(hours * 12) + 1
    a = window(line(572000001, 9.0, 95.0, course=bearing, speed_kn=speed, every=timedelta(minutes=5), count=count))
    lat, lon = destination(9.0, 95.0, (bearing + 90) % 360, offset_m / 1852)
    b = window(
        line(
            533000002,
            lat,
            lon,
            course=bearing,
            speed_kn=speed,
            every=timedelta(minutes=5),
            count=count,
            start=T0 + timedelta(minutes=2),
        )
    )
    p = EncounterParameters()
    ab = encounter(a, b, p, distance_to_anchorage_km=FAR)
    ba = encounter(b, a, p, distance_to_anchorage_km=FAR)
    assert {(f.mmsi, f.window_start, f.score) for f in ab} == {(f.mmsi, f.window_start, f.score) for f in ba}
    if ab:  # whenever it fires, the GFW conditions hold
        assert all(f.evidence["median_distance_m"] <= 500 and f.evidence["hours"] >= 2 for f in ab)
        assert speed < 2.0


@settings(max_examples=40, deadline=None)
@given(
    lat=st.floats(min_value=-30, max_value=30),
    lon=st.floats(min_value=60, max_value=150),
    course=st.floats(min_value=0, max_value=359),
    speed=st.floats(min_value=0, max_value=45),
)
def test_ordinary_straight_tracks_never_jump(lat: float, lon: float, course: float, speed: float) -> None:
    pts = line(525000003, lat, lon, course=course, speed_kn=speed, every=timedelta(minutes=1), count=60)
    assert position_jumps(window(pts), SpoofingParameters()) == []


@settings(max_examples=30, deadline=None)
@given(course=st.floats(min_value=0, max_value=359), count=st.integers(min_value=2, max_value=40))
def test_a_track_that_never_enters_a_zone_raises_no_zone_event(course: float, count: int) -> None:
    zone = Zone(9, "far box", "watch", box(120.0, -10.0, 121.0, -9.0))
    dest = Zone(10, "far approach", "destination_approach", box(130.0, -12.0, 131.0, -11.0))
    pts = line(525000004, 10.0, 95.0, course=course, speed_kn=10, every=timedelta(minutes=30), count=count)
    assert zone_events(window(pts), [zone, dest], ZoneEventParameters()) == []


scores = st.floats(min_value=0, max_value=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["went_dark", "encounter", "loitering", "watchlist"]), scores), max_size=8),
    st.sampled_from(["two_places", "entered_watch_zone"]),
    scores,
)
def test_risk_never_falls_when_a_flag_is_added(existing: list[tuple[str, float]], rule: str, score: float) -> None:
    def flag(r: str, s: float, k: int) -> Flag:
        t = T0 + timedelta(minutes=k)
        return Flag(r, 1, SubjectKind.VESSEL, 1, None, Severity.LOW, s, t, t, None, None, r)

    base = [flag(r, s, k) for k, (r, s) in enumerate(existing)]
    before = assess_risk("vessel:1", base, RiskParameters()).score
    after = assess_risk("vessel:1", [*base, flag(rule, score, 99)], RiskParameters()).score
    assert 0.0 <= before <= after <= 1.0


point = st.builds(
    lambda mmsi, minutes, lat, lon, sog, cog, heading, status, msg: (
        mmsi,
        minutes,
        lat,
        lon,
        sog,
        cog,
        heading,
        status,
        msg,
    ),
    st.sampled_from([525000001, 970000002, 123456789, 111525123, 572000003]),
    st.integers(min_value=0, max_value=48 * 60),
    st.floats(min_value=-60, max_value=60),
    st.floats(min_value=-180, max_value=180),
    st.none() | st.floats(min_value=0, max_value=102.2),
    st.none() | st.floats(min_value=0, max_value=359.9),
    st.none() | st.integers(min_value=0, max_value=359),
    st.none() | st.integers(min_value=0, max_value=15),
    st.sampled_from([1, 3, 9, 18, 19, 27]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(point, max_size=60))
def test_evaluate_never_fails_and_flags_are_well_formed(raw: list[tuple]) -> None:  # type: ignore[type-arg]
    from tracking.detect import DetectionInput, RuleSet, evaluate
    from tracking.rules.model import TrackPoint, TrackWindow

    by_mmsi: dict[int, dict[int, TrackPoint]] = {}
    for mmsi, minutes, lat, lon, sog, cog, heading, status, msg in raw:
        by_mmsi.setdefault(mmsi, {})[minutes] = TrackPoint(
            mmsi, T0 + timedelta(minutes=minutes), lat, lon, sog, cog, heading, status, msg
        )
    end = T0 + timedelta(hours=49)
    windows = tuple(TrackWindow.of(list(p.values()), start=T0, end=end) for p in by_mmsi.values())
    flags = evaluate(DetectionInput(T0, end, windows), RuleSet(), distance_to_shore=lambda lat, lon: abs(lat))
    for f in flags:
        assert 0.0 <= f.score <= 1.0 and f.summary and f.window_start <= f.window_end
        assert f.mmsi in by_mmsi
