"""Fixtures for dashboard tests: a seeded picture in the test database, written by the real writer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from seasight.schemas import PositionReport
from tests.conftest import RunningStack
from tracking.store import write_positions

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
SEEDED_MMSIS = (525_900_001, 533_900_002, 567_900_003)


@pytest.fixture(scope="session")
def seeded_picture(stack: RunningStack) -> list[PositionReport]:
    now = datetime.now(timezone.utc)
    reports = [
        PositionReport(mmsi=mmsi, observed_at=now - timedelta(minutes=5 * i), lat=lat, lon=lon, sog_kn=9.5,
                       cog_deg=120.0, heading_deg=118, nav_status=0, msg_type=1, station="test-station",
                       received_at=now)
        for i, (mmsi, lat, lon) in enumerate(
            zip(SEEDED_MMSIS, (6.5, 4.2, 8.9), (94.5, 99.8, 97.1), strict=True))
    ]
    with psycopg.connect(stack.database_url) as conn:
        write_positions(conn, reports)
        conn.execute("UPDATE vessel SET name = %s WHERE mmsi = %s", (HOSTILE_NAME, SEEDED_MMSIS[0]))
        conn.commit()
    return reports


@pytest.fixture()
def dashboard_env(stack: RunningStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the in-process dashboard (AppTest) at the test stack."""
    from seasight.settings import get_settings

    for key, value in stack.env().items():
        if key.startswith("SEASIGHT_"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
