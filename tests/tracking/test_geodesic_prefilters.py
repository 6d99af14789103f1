"""One geodesy in the rules (issue 16): distances on WGS84 (``pyproj.Geod``), and every degree-box prefilter
conservative — it never leaves out a pair within the distance, at the high latitudes we see, near the
poles and across the 180° meridian. Reference figures come from ``pyproj.Geod`` directly."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, box

from tests.tracking.tracks import T0, line
from tracking.rules.encounter import EncounterParameters, _grid_positions, candidate_pairs
from tracking.rules.geo import degree_box, lon_difference_deg
from tracking.rules.model import TrackPoint, TrackWindow, Zone
from tracking.rules.resample import resample
from tracking.rules.went_dark import CoverageIndex

GEOD = Geod(ellps="WGS84")
NM = 1852.0


def geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def moved(lat: float, lon: float, azimuth: float, metres: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(lat2), (float(lon2) + 180.0) % 360.0 - 180.0


@pytest.mark.parametrize("lat", [-89.5, -78.0, -17.0, 0.0, 10.0, 45.0, 66.5, 72.0, 84.0, 89.9])
@pytest.mark.parametrize("radius_m", [150.0, 500.0, 37_040.0, 500_000.0])
def test_the_degree_box_holds_every_position_within_the_radius(lat: float, radius_m: float) -> None:
    dlat, dlon = degree_box(lat, radius_m)
    for lon in (0.0, 179.9, -179.95):
        for azimuth in np.arange(0.0, 360.0, 2.5):
            for fraction in (1.0, 0.999, 0.5):
                plat, plon = moved(lat, lon, float(azimuth), radius_m * fraction)
                assert abs(plat - lat) <= dlat, (lat, lon, azimuth)
                assert lon_difference_deg(plon, lon) <= dlon, (lat, lon, azimuth)


def test_a_degree_of_latitude_is_shorter_than_60_nm_at_the_equator_and_the_box_knows_it() -> None:
    # 1' of latitude at the equator is 1842.9 m on WGS84: 500 m due north spans more than 500/1852/60 degrees.
    north_lat, _ = moved(0.0, 95.0, 0.0, 499.0)
    assert north_lat > 500.0 / NM / 60.0
    assert degree_box(0.0, 500.0)[0] >= north_lat


def slow(mmsi: int, lat: float, lon: float, *, every_min: int = 10, count: int = 19) -> list[TrackPoint]:
    """A vessel drifting at 0.3 kn for 3 h (slow enough for an encounter)."""
    return line(mmsi, lat, lon, course=90, speed_kn=0.3, every=timedelta(minutes=every_min), count=count)


def pair_apart(lat: float, lon: float, azimuth: float, metres: float) -> list[TrackWindow]:
    blat, blon = moved(lat, lon, azimuth, metres)
    return [TrackWindow.of(slow(563016201, lat, lon)), TrackWindow.of(slow(533016202, blat, blon))]


@pytest.mark.parametrize(
    ("lat", "lon", "azimuth"),
    [
        (0.0, 95.0, 0.0),  # due north at the equator: more than 500/1852/60 degrees of latitude
        (-16.8, 179.9999, 90.0),  # east across 180 off Fiji
        (-16.8, -179.9999, 270.0),  # west across 180
        (-21.2, 179.9998, 45.0),  # Tonga, diagonally across 180
        (70.5, 20.0, 90.0),  # Barents Sea: a degree of longitude is 20 nm
        (-77.8, 166.7, 90.0),  # McMurdo Sound
        (-77.8, 179.999, 80.0),  # Ross Sea, across 180
        (89.9, 0.0, 270.0),  # beside the pole
    ],
)
def test_candidate_pairs_keep_every_pair_within_the_encounter_distance(lat: float, lon: float, azimuth: float) -> None:
    params = EncounterParameters()
    windows = pair_apart(lat, lon, azimuth, 495.0)
    a, b = (resample(w.points) for w in windows)
    measured = [geodesic_m(a.lat[k], a.lon[k], b.lat[k], b.lon[k]) for k in range(len(a))]
    # within 500 m at two or more common instants (drifting apart beside the pole, together elsewhere)
    assert sum(d <= params.max_distance_m for d in measured) >= 2
    assert candidate_pairs(windows, params) == [(0, 1)]
    far = pair_apart(lat, lon, azimuth, 5_000.0)  # ten times the distance: left out
    assert candidate_pairs(far, params) == []


def test_the_prefilter_reads_the_positions_the_rule_measures() -> None:
    # A sparse (satellite-like, every 40 min) track crossing 180 eastwards: the grid positions of the
    # prefilter are the geodesic resampled positions, to the nanometre, all in [-180, 180).
    points = line(563016203, -16.9, 179.98, course=90, speed_kn=1.0, every=timedelta(minutes=40), count=7)
    window = TrackWindow.of(points)
    ticks, lats, lons = _grid_positions(window, EncounterParameters())
    track = resample(points)
    assert list(ticks) == list(track.ticks)
    assert np.allclose(lats, track.lat, atol=1e-12, rtol=0) and np.allclose(lons, track.lon, atol=1e-12, rtol=0)
    assert (lons >= -180.0).all() and (lons < 180.0).all() and (lons < 0).any() and (lons > 0).any()


def test_implied_speed_of_the_prefilter_is_geodesic_at_high_latitude() -> None:
    # No reported SOG: at 75 N a vessel moving 3.5 kn east-west is slow for the prefilter (below 2 x 2 kn);
    # at 4.5 kn it is not. A flat-earth figure with the wrong cosine would misjudge one of them.
    params = EncounterParameters()
    for speed, kept in ((3.5, True), (4.5, False)):
        pts = line(563016204, 75.0, 20.0, course=90, speed_kn=speed, every=timedelta(minutes=10), count=7, sog_kn=None)
        hours = (pts[1].observed_at - pts[0].observed_at) / timedelta(hours=1)
        assert geodesic_m(pts[0].lat, pts[0].lon, pts[1].lat, pts[1].lon) / NM / hours == pytest.approx(speed, rel=1e-6)
        ticks, _, _ = _grid_positions(TrackWindow.of(pts), params)
        assert ticks.size == (7 if kept else 0)


@pytest.mark.parametrize(
    ("lat", "lon", "azimuth"),
    [(75.0, 20.0, 90.0), (-17.0, 179.99, 90.0), (-17.0, -179.99, 270.0), (84.0, 179.5, 45.0), (0.0, 95.0, 0.0)],
)
def test_coverage_hears_every_report_within_the_radius(lat: float, lon: float, azimuth: float) -> None:
    radius_nm = 20.0
    inside = moved(lat, lon, azimuth, radius_nm * NM * 0.999)
    outside = moved(lat, lon, azimuth, radius_nm * NM * 1.01)
    t = T0 + timedelta(hours=1)
    index = CoverageIndex(
        [TrackPoint(563016205, t, *inside), TrackPoint(563016206, t, *outside)],
    )
    assert index.heard(lat, lon, radius_nm, T0, T0 + timedelta(hours=2)) == {563016205}


def brute_force_nm(zone: Zone, lat: float, lon: float) -> float:
    """The geodesic distance to the zone's boundary, by measuring to 20,000 points on every edge."""
    best = np.inf
    geoms = getattr(zone.geometry, "geoms", [zone.geometry])
    for g in geoms:
        ring = np.asarray(g.exterior.coords)
        for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
            f = np.linspace(0.0, 1.0, 20_000)
            xs, ys = x1 + f * (x2 - x1), y1 + f * (y2 - y1)
            _, _, d = GEOD.inv(np.full(f.size, lon), np.full(f.size, lat), xs, ys)
            best = min(best, float(np.min(d)))
    return best / NM


def test_zone_distance_is_geodesic_at_high_latitude() -> None:
    # At 70 N a box 1 degree east (20.5 nm) is nearer than one half a degree north (30 nm); the nearest
    # point in longitude/latitude space would be the northern one.
    zone = Zone(1, "two boxes", "watch", MultiPolygon([box(1.0, 69.0, 2.0, 71.0), box(-1.0, 70.5, 0.5, 71.0)]))
    reference = brute_force_nm(zone, 70.0, 0.0)
    assert reference == pytest.approx(20.6, abs=0.2)
    measured = zone.distance_nm(70.0, 0.0)
    assert reference - 1e-6 <= measured <= reference * 1.001
    assert zone.within_nm(70.0, 0.0, reference * 1.002) and not zone.within_nm(70.0, 0.0, reference * 0.99)


@pytest.mark.parametrize(("lat", "lon"), [(-17.0, 179.9), (-17.0, -179.5), (-16.2, 179.95), (-18.3, -179.9)])
def test_zone_distance_across_180_degrees_matches_pyproj(lat: float, lon: float) -> None:
    # A zone off Fiji just east of 180 (stored in -180..180): a vessel west of 180 is 0.2 degrees from it.
    zone = Zone(2, "Fiji east of 180", "watch", box(-179.8, -18.0, -179.0, -16.5))
    reference = brute_force_nm(zone, lat, lon)
    measured = zone.distance_nm(lat, lon)
    if zone.contains(lat, lon):
        assert measured == 0.0 and zone.within_nm(lat, lon, 0.0)
        return
    assert reference - 1e-6 <= measured <= reference * 1.001
    assert zone.within_nm(lat, lon, reference * 1.002)
    assert not zone.within_nm(lat, lon, reference * 0.99)


def test_within_nm_rules_out_a_far_zone_and_refuses_a_negative_distance() -> None:
    zone = Zone(3, "Andaman box", "watch", box(95.0, 9.0, 96.0, 10.0))
    assert zone.within_nm(9.5, 95.5, 0.0)  # inside
    assert not zone.within_nm(9.5, 120.0, 100.0)
    assert zone.distance_nm(9.5, 97.0) == pytest.approx(brute_force_nm(zone, 9.5, 97.0), rel=1e-3)
    with pytest.raises(ValueError, match="negative"):
        zone.within_nm(9.5, 95.5, -1.0)


def test_windows_near_a_sighting_keep_a_vessel_within_reach_at_high_latitude() -> None:
    from tracking.detect import _windows_near
    from tracking.rules.model import Contact
    from tracking.rules.unidentified import UnidentifiedCraftParameters

    params = UnidentifiedCraftParameters()
    reach_nm = max(params.correlation_radius_nm, params.nearby_report_nm) + 30
    sighting = Contact("s-75n", T0, 75.0, 179.9)
    east = moved(75.0, 179.9, 90.0, reach_nm * NM * 0.99)  # across 180, where a degree of longitude is 15.5 nm
    window = TrackWindow.of([TrackPoint(563016207, T0, *east)])
    assert _windows_near([window], sighting, params) == [window]
    far = TrackWindow.of([TrackPoint(563016208, T0, *moved(75.0, 179.9, 90.0, reach_nm * NM * 3))])
    assert _windows_near([far], sighting, params) == []
