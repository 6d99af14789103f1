"""The live map's time: the clock for a live picture, the newest report for a historical one."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import TEST_NOW
from tracking.queries_map import HISTORICAL_AFTER, picture_time


def test_a_live_picture_follows_the_clock() -> None:
    assert picture_time(TEST_NOW, None) == TEST_NOW
    assert picture_time(TEST_NOW, TEST_NOW - timedelta(minutes=3)) == TEST_NOW
    assert picture_time(TEST_NOW, TEST_NOW + timedelta(minutes=3)) == TEST_NOW
    assert picture_time(TEST_NOW, TEST_NOW - HISTORICAL_AFTER) == TEST_NOW


def test_a_historical_picture_ends_at_its_newest_report() -> None:
    replayed = TEST_NOW - timedelta(days=200)
    assert picture_time(TEST_NOW, replayed) == replayed
    assert picture_time(TEST_NOW, TEST_NOW - HISTORICAL_AFTER - timedelta(seconds=1)) < TEST_NOW
