"""Property tests (hypothesis) of the pure geometry: invariants that must hold for any input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from coordination.drift import LEEWAY_CLASSES, DriftInput, compute_drift
from coordination.surpic import course_change_deg, great_circle_nm

T0 = datetime(2026, 11, 23, tzinfo=UTC)
angles = st.floats(min_value=0, max_value=359.999, allow_nan=False)


@given(angles, angles)
def test_course_change_turns_the_course_onto_the_bearing(cog: float, bearing: float) -> None:
    change = course_change_deg(cog, bearing)
    assert -180 < change <= 180
    assert abs(((cog + change - bearing + 180) % 360) - 180) < 1e-6


@given(
    st.floats(min_value=-60, max_value=60),
    st.floats(min_value=-179, max_value=179),
    st.floats(min_value=-60, max_value=60),
    st.floats(min_value=-179, max_value=179),
)
def test_great_circle_is_symmetric_and_bounded(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    d = great_circle_nm(lat1, lon1, lat2, lon2)
    assert abs(d - great_circle_nm(lat2, lon2, lat1, lon1)) < 1e-6
    assert 0 <= d <= 3440.065 * 3.14159266


@settings(max_examples=200)
@given(
    lat=st.floats(min_value=-60, max_value=60),
    lon=st.floats(min_value=-170, max_value=170),
    hours=st.floats(min_value=0, max_value=72),
    craft=st.sampled_from(sorted(LEEWAY_CLASSES)),
    wind_from=angles,
    wind_kn=st.floats(min_value=0, max_value=60),
    set_deg=angles,
    drift_kn=st.floats(min_value=0, max_value=4),
)
def test_search_area_covers_every_datum(
    lat: float,
    lon: float,
    hours: float,
    craft: str,
    wind_from: float,
    wind_kn: float,
    set_deg: float,
    drift_kn: float,
) -> None:
    r = compute_drift(
        DriftInput(lat, lon, T0, T0 + timedelta(hours=hours), craft, wind_from, wind_kn, set_deg, drift_kn)
    )
    area = Polygon(r.search_area_ring)
    assert area.is_valid
    for d in (r.datum, r.datum_left, r.datum_right):
        assert area.buffer(1e-9).covers(Point(d.lon, d.lat))
    assert r.search_radius_nm >= 1.1 * 1.0  # fs x E, E >= X = 1 nm
    assert r.search_area_sq_nm >= (2 * r.search_radius_nm) ** 2 - 1e-6
