"""Time sanity of reports (tracking/report_time.py): a station's clock offset is learned from its own
traffic, and one report stamped far ahead never buys its station the allowance to be believed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracking.report_time import (
    DEFAULT_REPORT_TIME,
    ON_TIME,
    ReportTimeParameters,
    StationClock,
    ahead_s,
    allowed_ahead_s,
    learn,
    learn_stations,
)
from tracking.rules.errors import InvalidParameterError

pytestmark = pytest.mark.unit

P = DEFAULT_REPORT_TIME
TOLERANCE_S = P.tolerance_min * 60


def test_ahead_is_observed_minus_received() -> None:
    received = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    assert ahead_s(received + timedelta(hours=23), received) == 23 * 3600
    assert ahead_s(received - timedelta(seconds=2), received) == -2


def test_one_report_23_hours_ahead_from_an_unknown_station_stays_quarantined() -> None:
    clock = learn(None, [23 * 3600.0], P)
    # the estimate moved by at most the prior's share of the clamp, far from 23 h
    assert 0 < clock.offset_s <= P.max_offset_min * 60 / (1 + P.prior_reports) + 1e-9
    assert allowed_ahead_s(clock, P) < 23 * 3600


def test_a_station_running_8_minutes_ahead_is_learned_and_believed() -> None:
    eight = 8 * 60.0
    assert eight > allowed_ahead_s(None, P)  # before: quarantined
    clock = learn(None, [eight + k for k in range(-5, 15)], P)  # one batch of 20 reports
    assert allowed_ahead_s(clock, P) > eight
    # ... and a spoof 23 h ahead under its name is still refused
    assert allowed_ahead_s(learn(clock, [23 * 3600.0], P), P) < 23 * 3600


def test_latency_history_and_slow_clocks_never_tighten_the_tolerance() -> None:
    years = -4 * 365 * 86400.0  # a replayed history: observed years before it was read
    clock = learn(None, [years] * 1000, P)
    assert -P.max_offset_min * 60 <= clock.offset_s < -P.max_offset_min * 55  # clamped, learned
    assert allowed_ahead_s(clock, P) == TOLERANCE_S


def test_a_drifting_clock_is_followed_within_the_clamp() -> None:
    clock = ON_TIME
    for _ in range(50):
        clock = learn(clock, [3600.0] * 10, P)  # an hour ahead, steadily
    assert clock.offset_s == pytest.approx(P.max_offset_min * 60, abs=5)
    assert clock.samples == 500


def test_stations_are_learned_apart() -> None:
    learned = learn_stations({}, [("a", 600.0)] * 30 + [(None, 0.0)] * 5, P)
    assert set(learned) == {"a", ""}
    assert learned["a"].offset_s > 300 and learned[""].offset_s == 0


def test_parameters_are_bounded() -> None:
    with pytest.raises(InvalidParameterError, match="tolerance_min"):
        ReportTimeParameters(tolerance_min=0.0)


@given(
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.floats(min_value=-1e9, max_value=1e9), min_size=1, max_size=50),
)
def test_the_estimate_stays_within_the_clamp_and_one_report_moves_it_little(
    offset: float, samples: int, aheads: list[float]
) -> None:
    limit = P.max_offset_min * 60
    known = StationClock(max(-limit, min(limit, offset)), samples)
    after = learn(known, aheads, P)
    assert -limit <= after.offset_s <= limit and after.samples == samples + len(aheads)
    one = learn(known, aheads[:1], P)
    assert abs(one.offset_s - known.offset_s) <= 2 * limit / (1 + P.prior_reports) + 1e-6
