from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from seasight.schemas import SIGHTING_CONDITIONS
from tests.tracking.tracks import T0, line, window
from tracking.rules.geo import destination
from tracking.rules.model import Contact, Severity, SubjectKind, TrackWindow
from tracking.rules.unidentified import UnidentifiedCraftParameters, unidentified_craft

P = UnidentifiedCraftParameters()
SHIP, FAR = 563001111, 563002222
EVERY = timedelta(minutes=3)


def ship(mmsi: int = SHIP, lat: float = 10.0, lon: float = 95.0, start: datetime = T0, count: int = 40) -> TrackWindow:
    return window(line(mmsi, lat, lon, course=90, speed_kn=10, every=EVERY, count=count, start=start))


def sighting(
    lat: float,
    lon: float,
    at: datetime = T0 + timedelta(minutes=31),
    ais_seen: str = "unknown",
    uncertainty_nm: float = 0.5,
) -> Contact:
    return Contact(
        "c-9",
        at,
        lat,
        lon,
        uncertainty_nm=uncertainty_nm,
        source_type="aircraft",
        craft_type="fishing_boat",
        persons_estimated=60,
        ais_seen=ais_seen,
    )


def on_track(w: TrackWindow, minutes: float, off_nm: float = 0.0, bearing: float = 0.0) -> tuple[float, float]:
    lat, lon = destination(w.points[0].lat, w.points[0].lon, 90, 10 * minutes / 60)
    return destination(lat, lon, bearing, off_nm)


def test_a_sighting_on_a_track_is_linked_to_that_vessel_not_a_contact() -> None:
    w = ship()
    lat, lon = on_track(w, 31, off_nm=0.8)
    (f,) = unidentified_craft(sighting(lat, lon), [w, ship(FAR, lat=11.0)], P)
    assert f.rule_id == "sighting_matched" and f.subject_kind is SubjectKind.VESSEL
    assert f.mmsi == SHIP and f.sighting_id == "c-9"
    assert f.severity is Severity.INFO and f.score == 0.0 and "matched" in f.summary
    assert f.evidence["matched"] is True and f.evidence["mmsi"] == SHIP
    assert f.evidence["match"]["placed_by"] == "interpolated"
    assert abs(f.evidence["match"]["distance_nm"] - 0.8) < 0.05


def test_a_sighting_far_from_every_track_is_a_contact_of_concern() -> None:
    w = ship()
    lat, lon = on_track(w, 31, off_nm=6.0)
    (f,) = unidentified_craft(sighting(lat, lon, ais_seen="no"), [w], P)
    assert f.rule_id == "unidentified_craft" and f.subject_kind is SubjectKind.CONTACT and f.mmsi is None
    assert f.severity is Severity.MEDIUM and f.evidence["matched"] is False
    assert f.evidence["nearby_tracks"][0]["mmsi"] == SHIP
    assert f.evidence["correlation_radius_nm"] == 2.5
    assert "no AIS track within 2.5 nm" in f.summary


def test_no_tracks_at_all_and_ais_unknown_is_a_low_contact() -> None:
    (f,) = unidentified_craft(sighting(10.0, 95.0), [], P)
    assert f.rule_id == "unidentified_craft" and f.severity is Severity.LOW


def test_track_outside_the_time_window_does_not_explain_the_sighting() -> None:
    w = ship(start=T0 + timedelta(hours=3))  # the ship is heard only hours later, at the same place
    (f,) = unidentified_craft(sighting(w.points[0].lat, w.points[0].lon), [w], P)
    assert f.rule_id == "unidentified_craft"


def test_a_craft_seen_without_ais_beside_an_ais_vessel_stays_a_contact() -> None:
    w = ship()
    lat, lon = on_track(w, 31, off_nm=0.1)
    (f,) = unidentified_craft(sighting(lat, lon, ais_seen="no"), [w], P)
    assert f.rule_id == "unidentified_craft" and f.severity is Severity.MEDIUM
    assert [v["mmsi"] for v in f.evidence["alongside_ais_vessels"]] == [SHIP]
    assert "beside 1 AIS vessel" in f.summary


def test_nearest_fix_with_speed_allowance_when_not_bracketed() -> None:
    w = ship(count=5)  # fixes end at T0 + 12 min; sighting at T0 + 31 min, 19 min later, where it sailed
    lat, lon = on_track(w, 31)
    (f,) = unidentified_craft(sighting(lat, lon), [w], P)
    assert f.rule_id == "sighting_matched" and f.evidence["match"]["placed_by"] == "nearest fix"
    slow = UnidentifiedCraftParameters(time_window_min=10)
    assert unidentified_craft(sighting(lat, lon), [w], slow)[0].rule_id == "unidentified_craft"


def test_the_sighting_uncertainty_widens_the_match() -> None:
    w = ship()
    lat, lon = on_track(w, 31, off_nm=4.0)
    assert unidentified_craft(sighting(lat, lon), [w], P)[0].rule_id == "unidentified_craft"
    wide = sighting(lat, lon, uncertainty_nm=3.0)
    assert unidentified_craft(wide, [w], P)[0].rule_id == "sighting_matched"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=7.0, max_value=9.0),
            st.floats(min_value=92.5, max_value=94.5),
            st.integers(min_value=-120, max_value=240),
            st.sampled_from(["yes", "no", "unknown"]),
            st.none() | st.integers(min_value=0, max_value=400),
            st.lists(st.sampled_from(sorted(SIGHTING_CONDITIONS)), max_size=4, unique=True),
        ),
        max_size=6,
    )
)
def test_every_sighting_is_either_matched_or_a_contact_never_both(
    raw: list[tuple[float, float, int, str, int | None, list[str]]],
) -> None:
    """Through ``evaluate``: each sighting gives exactly one of ``sighting_matched`` (on a vessel) or
    ``unidentified_craft`` (on the contact), and people-at-risk flags only with an indicator."""
    from tracking.detect import DetectionInput, RuleSet, evaluate

    tracks = (ship(), ship(FAR, lat=8.5, lon=93.5))
    contacts = tuple(
        Contact(
            f"s{k}",
            T0 + timedelta(minutes=m),
            lat,
            lon,
            source_type="aircraft",
            persons_estimated=persons,
            conditions=tuple(conditions),
            ais_seen=ais,
        )
        for k, (lat, lon, m, ais, persons, conditions) in enumerate(raw)
    )
    end = T0 + timedelta(hours=5)
    data = DetectionInput(T0 - timedelta(hours=3), end, tracks, contacts=contacts)
    flags = evaluate(data, RuleSet(), distance_to_shore=lambda lat, lon: 100.0)
    for c in contacts:
        mine = [f for f in flags if f.sighting_id == c.sighting_id]
        kinds = sorted(f.rule_id for f in mine if f.rule_id in ("sighting_matched", "unidentified_craft"))
        assert len(kinds) == 1, (c, kinds)
        if kinds == ["sighting_matched"]:
            assert c.ais_seen != "no"
            assert next(f for f in mine if f.rule_id == "sighting_matched").mmsi in (SHIP, FAR)
        risk = [f for f in mine if f.rule_id == "people_at_risk"]
        assert len(risk) <= 1
        if risk:
            assert c.conditions and risk[0].evidence["suggested_phase"] in ("uncertainty", "alert", "distress")
            assert (risk[0].severity is Severity.DISTRESS) >= bool(
                {"persons_in_water", "deaths_reported"} & set(c.conditions)
            )
