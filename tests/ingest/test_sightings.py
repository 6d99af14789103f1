"""Sighting intake: JSON lines, JSON, CSV and GeoJSON into validated records; bad input named precisely,
and a file is all or nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.errors import SightingError
from ingest.sightings import (
    KNOWN_FIELDS,
    SightingDefaults,
    detect_format,
    parse_sightings,
    sighting_from_mapping,
)

RECEIVED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

GOOD = {
    "observed_at": "2026-11-23T04:10:00+06:30",
    "lat": 15.2,
    "lon": 94.6,
    "uncertainty_nm": 2,
    "source_type": "aircraft",
    "owner": "THA",
    "acted_by": "rtaf-patrol-2",
    "craft_type": "Wooden fishing boat",
    "persons_estimated": 120,
    "conditions": ["overcrowded", "Engine failure"],
    "course_deg": 135,
    "speed_kn": 3.5,
    "ais_seen": "no",
    "confidence": "high",
    "note": "no life-jackets seen",
}


def test_a_full_report() -> None:
    s = sighting_from_mapping(GOOD, "request", RECEIVED)
    assert s.observed_at == datetime(2026, 11, 22, 21, 40, tzinfo=UTC)  # converted to UTC
    assert (s.lat, s.lon, s.uncertainty_nm, s.source_type, s.owner) == (15.2, 94.6, 2.0, "aircraft", "THA")
    assert s.craft_type == "wooden_fishing_boat" and s.conditions == ("overcrowded", "engine_failure")
    assert (s.persons_estimated, s.course_deg, s.speed_kn, s.ais_seen, s.confidence) == (
        120,
        135.0,
        3.5,
        "no",
        "high",
    )
    assert s.is_exercise is False and s.received_at == RECEIVED
    # The same report again gets the same id (derived from its natural key): idempotent downstream.
    assert sighting_from_mapping(GOOD, "again", RECEIVED).id == s.id


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"lat": 95}, "lat", "outside"),
        ({"lon": "east"}, "lon", "not a number"),
        ({"observed_at": "2026-11-23 04:10"}, "observed_at", "no UTC offset"),
        ({"observed_at": "2026-11-24T04:10:00Z"}, "observed_at", "future"),
        ({"source_type": "drone"}, "source_type", "not one of"),
        ({"owner": "XYZ"}, "owner", "ISO 3166"),
        ({"conditions": ["sinking"]}, "conditions", "not one of"),
        ({"persons_estimated": -3}, "persons_estimated", "outside"),
        ({"persons_estimated": 2.5}, "persons_estimated", "whole number"),
        ({"course_deg": 360}, "course_deg", "outside"),
        ({"ais_seen": "maybe"}, "ais_seen", "yes, no, unknown"),
        ({"colour": "blue"}, "colour", "unknown field"),
        ({"id": "not-a-uuid"}, "id", "UUID"),
    ],
)
def test_each_problem_names_the_field(change: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(SightingError) as raised:
        sighting_from_mapping({**GOOD, **change}, "line 7", RECEIVED)
    assert any(p.startswith(f"line 7: {field}:") and words in p for p in raised.value.problems), raised.value.problems


def test_missing_required_fields_are_all_listed() -> None:
    with pytest.raises(SightingError) as raised:
        sighting_from_mapping({"note": "seen something"}, "request", RECEIVED)
    fields = {p.split(": ")[1] for p in raised.value.problems}
    assert {"observed_at", "lat", "lon", "source_type", "owner", "acted_by"} <= fields


def test_defaults_fill_owner_and_acted_by() -> None:
    report = {k: v for k, v in GOOD.items() if k not in ("owner", "acted_by")}
    s = sighting_from_mapping(report, "line 1", RECEIVED, SightingDefaults(owner="IOM", acted_by="hotline-desk"))
    assert (s.owner, s.acted_by) == ("IOM", "hotline-desk")


def test_jsonl_csv_geojson_give_the_same_sighting() -> None:
    jsonl = json.dumps(GOOD) + "\n"
    csv_text = (
        "observed_at,lat,lon,uncertainty_nm,source_type,owner,acted_by,craft_type,persons_estimated,"
        "conditions,course_deg,speed_kn,ais_seen,confidence,note\n"
        "2026-11-23T04:10:00+06:30,15.2,94.6,2,aircraft,THA,rtaf-patrol-2,Wooden fishing boat,120,"
        "overcrowded;Engine failure,135,3.5,no,high,no life-jackets seen\n"
    )
    properties = {k: v for k, v in GOOD.items() if k not in ("lat", "lon")}
    geojson = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [94.6, 15.2]},
                    "properties": properties,
                }
            ],
        }
    )
    assert detect_format(jsonl) == "jsonl" and detect_format(csv_text) == "csv" and detect_format(geojson) == "geojson"
    results = [parse_sightings(text, RECEIVED) for text in (jsonl, csv_text, geojson)]
    assert results[0] == results[1] == results[2] and len(results[0]) == 1


def test_a_file_is_all_or_nothing() -> None:
    text = json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "lat": 99}) + "\n{not json\n"
    with pytest.raises(SightingError) as raised:
        parse_sightings(text, RECEIVED, name="reports.jsonl")
    assert raised.value.problems == ["line 3: not JSON (Expecting property name enclosed in double quotes at column 2)"]
    text = json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "lat": 99}) + "\n"
    with pytest.raises(SightingError) as raised:
        parse_sightings(text, RECEIVED, name="reports.jsonl")
    assert raised.value.problems == ["line 2: lat: 99 outside [-90, 90]"]


def test_geojson_needs_point_geometry() -> None:
    bad = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": GOOD}],
        }
    )
    with pytest.raises(SightingError, match="feature 1: geometry: must be a Point"):
        parse_sightings(bad, RECEIVED)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)
field_names = st.sampled_from(sorted(KNOWN_FIELDS)) | st.text(max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(field_names, json_values, max_size=12))
def test_any_record_is_a_sighting_or_a_clear_error(record: dict[str, object]) -> None:
    try:
        sighting = sighting_from_mapping({**GOOD, **record}, "record 1", RECEIVED)
    except SightingError as exc:
        assert exc.problems and all(p.startswith("record 1: ") for p in exc.problems)
    else:
        sighting.validate()  # what the consumer will check


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from([None, "jsonl", "json", "geojson", "csv"]))
def test_any_text_is_sightings_or_a_clear_error(text: str, fmt: str | None) -> None:
    try:
        parse_sightings(text, RECEIVED, fmt=fmt)
    except SightingError as exc:
        assert exc.problems


def test_more_records_than_the_bound_are_refused_whole() -> None:
    text = "\n".join(json.dumps({**GOOD, "lat": 10 + k / 100}) for k in range(6))
    with pytest.raises(SightingError, match="6 sightings, more than the 5 taken at once"):
        parse_sightings(text, RECEIVED, fmt="jsonl", max_records=5)
    assert len(parse_sightings(text, RECEIVED, fmt="jsonl", max_records=6)) == 6


def test_the_cli_takes_the_http_intakes_limits_unless_told_otherwise(tmp_path: Path) -> None:
    import os

    from ingest.sightings import MAX_SIGHTINGS_BYTES, MAX_SIGHTINGS_RECORDS
    from tests.conftest import run_cli

    # no broker anywhere: a file that passes the bounds stops at "no Kafka broker", publishing nothing
    env = {k: v for k, v in os.environ.items() if k != "SEASIGHT_KAFKA_BOOTSTRAP"}
    env["SEASIGHT_STACK_DIR"] = str(tmp_path / "no-stack")

    big = tmp_path / "big.jsonl"
    line = json.dumps({**GOOD, "note": "n" * 3000}) + "\n"
    big.write_text(line * (MAX_SIGHTINGS_BYTES // len(line) + 1))
    refused = run_cli("ingest", "sightings", str(big), env=env)
    assert refused.returncode == 1 and b"larger than 4194304 bytes" in refused.stderr, refused.stderr
    assert b"--max-bytes" in refused.stderr
    many = tmp_path / "many.jsonl"
    many.write_text(
        "".join(json.dumps({**GOOD, "lat": 10 + k / 10_000}) + "\n" for k in range(MAX_SIGHTINGS_RECORDS + 1))
    )
    refused = run_cli("ingest", "sightings", str(many), env=env)
    assert refused.returncode == 1 and b"1001 sightings, more than the 1000" in refused.stderr, refused.stderr
    # an explicit, larger bound lets the file through to the next step
    passed = run_cli("ingest", "sightings", str(many), "--max-records", "2000", "--max-bytes", str(10**7), env=env)
    assert passed.returncode == 1 and b"no Kafka broker" in passed.stderr, passed.stderr
    bad = run_cli("ingest", "sightings", str(many), "--max-records", "0", env=env)
    assert bad.returncode == 2 and b"must be greater than 0" in bad.stderr
