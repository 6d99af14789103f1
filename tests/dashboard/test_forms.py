"""The dashboard's form glue without Streamlit: sightings validated as the API does, watchlist CSV checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.forms import validate_sighting
from seasight.schemas import Sighting
from tracking.watchlist import parse_watchlist_csv

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _form(**over: object) -> dict[str, object]:
    form: dict[str, object] = {
        "observed_at": NOW - timedelta(minutes=5),
        "lat": 6.0,
        "lon": 95.0,
        "source_type": "aircraft",
        "owner": "THA",
        "acted_by": "pilot",
    }
    form.update(over)
    return form


def test_sighting_valid_and_invalid_like_the_api() -> None:
    ok = validate_sighting(_form(note="<b>x</b>"), NOW)
    assert isinstance(ok, Sighting) and ok.note == "<b>x</b>" and ok.owner == "THA"
    assert validate_sighting(_form(), NOW).id == ok.id  # type: ignore[union-attr]  # same natural key
    problems = validate_sighting(_form(lat=95.0, source_type="balloon"), NOW)
    assert (
        isinstance(problems, list) and any("lat" in p for p in problems) and any("source_type" in p for p in problems)
    )
    future = validate_sighting(_form(observed_at=NOW + timedelta(hours=2)), NOW)
    assert isinstance(future, list) and any("future" in p for p in future)


def test_watchlist_csv_checks_every_line() -> None:
    entries, problems = parse_watchlist_csv("id,reason,mmsi,imo\na,watched,525900001,\nb,why,,9074729\n", "THA", "me")
    assert not problems
    assert [(e.id, e.mmsi, e.imo, e.owner, e.acted_by) for e in entries] == [
        ("a", 525900001, None, "THA", "me"),
        ("b", None, 9074729, "THA", "me"),
    ]
    _, problems = parse_watchlist_csv("id,reason,mmsi\na,,1234567890\na,r,\n", "THA", "me")
    assert problems == [
        "line 2: reason: required (why the vessel is watched)",
        "line 2: mmsi: '1234567890' is not a number of up to 9 digits",
        "line 3: id: 'a' appears twice",
        "line 3: give at least one of mmsi, imo, callsign, name",
    ]
    assert parse_watchlist_csv("name,reason\n", "THA", "me")[1] == ["line 1: column 'id' is required"]
    assert parse_watchlist_csv("id,reason,flag\n", "THA", "me")[1][0].startswith("line 1: unknown column(s) flag")
    assert parse_watchlist_csv("id,reason\n", "THA", "me")[1] == ["no entry in the file"]


def test_nationality_counts() -> None:
    import pytest

    from dashboard.forms import parse_counts

    assert parse_counts("MMR:120, bgd:3; MMR:1") == {"MMR": 121, "BGD": 3}
    assert parse_counts("  ") == {}
    with pytest.raises(ValueError, match="CODE:count"):
        parse_counts("MMR 120")
