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
    ],
)
def test_invalid_values_are_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert named in str(info.value)
