from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from seasight.errors import SchemaError
from seasight.schemas import PositionReport

REPORT = PositionReport(
    mmsi=525_012_345,
    observed_at=datetime(2026, 11, 23, 4, 5, 6, 789000, tzinfo=UTC),
    lat=5.5,
    lon=95.25,
    sog_kn=7.5,
    cog_deg=359.9,
    heading_deg=0,
    nav_status=0,
    msg_type=1,
    station="banda-aceh",
    received_at=datetime(2026, 11, 23, 4, 5, 7, tzinfo=UTC),
)


def test_round_trip_keeps_every_field() -> None:
    encoded = REPORT.to_json()
    body = json.loads(encoded)
    assert body["schema"] == "seasight.ais.position" and body["v"] == 1
    assert body["observed_at"] == "2026-11-23T04:05:06.789Z"
    assert PositionReport.from_json(encoded) == REPORT


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "unsupported version"),
        ({"schema": "seasight.ais.static"}, "expected schema"),
        ({"lat": 91.0}, "lat=91.0"),
        ({"lon": -181}, "lon=-181"),
        ({"sog_kn": 102.3}, "sog_kn"),
        ({"heading_deg": 511}, "heading_deg"),
        ({"mmsi": "525012345"}, "mmsi"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"observed_at": "2026-11-23T04:05:06"}, "no UTC offset"),
        ({"mmsi": True}, "mmsi=True"),
        ({"mmsi": 525012345.0}, "mmsi must be an integer"),
        ({"sog_kn": float("nan")}, "sog_kn=nan"),
        ({"cog_deg": "90"}, "cog_deg='90'"),
        ({"nav_status": 16}, "nav_status=16"),
        ({"msg_type": 0}, "msg_type=0"),
    ],
)
def test_bad_messages_name_the_problem(change: dict[str, object], message: str) -> None:
    body = json.loads(REPORT.to_json())
    body.update(change)
    with pytest.raises(SchemaError, match=message):
        PositionReport.from_json(json.dumps(body))


def test_missing_field_and_non_json() -> None:
    body = json.loads(REPORT.to_json())
    del body["station"]
    with pytest.raises(SchemaError, match="missing field 'station'"):
        PositionReport.from_dict(body)
    with pytest.raises(SchemaError, match="not JSON"):
        PositionReport.from_json(b"\xff{")
    with pytest.raises(SchemaError, match="naive datetime"):
        replace(REPORT, observed_at=datetime(2026, 1, 1)).to_json()


def test_values_of_other_json_types_in_range_still_read() -> None:
    """Whole numbers where decimals are usual, a null, another UTC offset, UTF-16 text: all still valid."""
    body = json.loads(REPORT.to_json())
    body.update({"lat": 5, "lon": 95, "sog_kn": 7, "cog_deg": None, "received_at": "2026-11-23T12:05:07+08:00"})
    expected = replace(REPORT, lat=5, lon=95, sog_kn=7, cog_deg=None)
    assert PositionReport.from_json(json.dumps(body)) == expected
    assert PositionReport.from_json(json.dumps(body).encode("utf-16")) == expected
    assert PositionReport.from_json(json.dumps(body).encode("utf-8-sig")) == expected
