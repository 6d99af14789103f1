from __future__ import annotations

import pytest

from seasight.errors import ConfigurationError
from seasight.settings import load_settings


def test_reads_only_seasight_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEASIGHT_DATABASE_URL", "postgresql://u:p@db:5432/seasight")
    monkeypatch.setenv("SEASIGHT_KAFKA_BOOTSTRAP", "k1:9092,k2:9093")
    monkeypatch.setenv("DATABASE_URL", "postgresql://ignored")
    settings = load_settings()
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "postgresql://u:p@db:5432/seasight"
    assert "p@db" not in repr(settings), "the database password must not show in logs"
    assert settings.kafka_bootstrap == "k1:9092,k2:9093"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SEASIGHT_DATABASE_URL", "mysql://u@h/db", "SEASIGHT_DATABASE_URL"),
        ("SEASIGHT_KAFKA_BOOTSTRAP", "kafka", "SEASIGHT_KAFKA_BOOTSTRAP"),
        ("SEASIGHT_KAFKA_BOOTSTRAP", "kafka:99999", "SEASIGHT_KAFKA_BOOTSTRAP"),
        ("SEASIGHT_TOPIC_PARTITIONS", "0", "SEASIGHT_TOPIC_PARTITIONS"),
        ("SEASIGHT_DASHBOARD_PORT", "http", "SEASIGHT_DASHBOARD_PORT"),
        ("SEASIGHT_LOG_LEVEL", "LOUD", "SEASIGHT_LOG_LEVEL"),
        ("SEASIGHT_FIXED_TIME", "2026-12-01T21:50:00", "SEASIGHT_FIXED_TIME"),  # no UTC offset
        ("SEASIGHT_FIXED_TIME", "yesterday", "SEASIGHT_FIXED_TIME"),
    ],
)
def test_invalid_values_are_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert named in str(info.value)


def test_the_clock_is_the_system_clock_unless_a_fixed_time_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from seasight.clock import FixedClock, system_clock

    monkeypatch.delenv("SEASIGHT_FIXED_TIME", raising=False)
    assert load_settings().clock() is system_clock
    monkeypatch.setenv("SEASIGHT_FIXED_TIME", "2026-12-02T07:50:00+10:00")
    clock = load_settings().clock()
    assert isinstance(clock, FixedClock)
    assert clock() == datetime(2026, 12, 1, 21, 50, tzinfo=UTC) and clock().tzinfo is UTC


def test_a_fixed_clock_refuses_a_time_without_offset() -> None:
    from datetime import datetime

    from seasight.clock import FixedClock

    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 12, 1, 21, 50))
