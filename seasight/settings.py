"""The one settings object. Nothing else in Seasight reads ``os.environ``.

Every value comes from an environment variable with the ``SEASIGHT_`` prefix (or a ``.env`` file is *not*
read: configuration is explicit). Values are validated when the settings are loaded, at start-up, so a bad
URL or port fails at once with the variable's name in the message.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from seasight.clock import Clock, FixedClock, system_clock
from seasight.errors import ConfigurationError


class Settings(BaseSettings):
    """Seasight configuration, from ``SEASIGHT_*`` environment variables only."""

    model_config = SettingsConfigDict(env_prefix="SEASIGHT_", extra="ignore", frozen=True)

    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL/PostGIS URL, e.g. postgresql://seasight:pw@db:5432/seasight. "
        "When unset, the embedded local stack's URL (from `seasight up`) is used.",
    )
    owner_database_url: SecretStr | None = Field(
        default=None,
        description="URL of the database's owner role, used by `seasight migrate` and account administration "
        "only (never give it to the services). When unset, the local stack's owner URL.",
    )
    account_token: SecretStr | None = Field(
        default=None,
        description="The account this process acts for: one of its API tokens (`seasight account token`). "
        "The CLI and the services act only as a configured account, never as a typed-in name.",
    )
    account: str | None = Field(
        default=None, description="Instead of a token: the account name, with SEASIGHT_ACCOUNT_PASSWORD."
    )
    account_password: SecretStr | None = Field(default=None, description="Password of SEASIGHT_ACCOUNT.")
    kafka_bootstrap: str | None = Field(
        default=None,
        description="Kafka bootstrap servers, host:port[,host:port]. When unset, the local stack's broker.",
    )
    stack_dir: Path = Field(
        default=Path(".seasight"),
        description="Data folder of the embedded local stack (git-ignored).",
    )
    topic_partitions: int = Field(default=3, ge=1, le=1024, description="Partitions per topic created.")
    topic_replication: int = Field(default=1, ge=1, le=16, description="Replication factor of topics.")
    consumer_group: str = Field(default="seasight-tracker", min_length=1)
    station: str = Field(default="local", min_length=1, description="Default AIS receiving-station name.")
    dashboard_port: int = Field(default=8501, ge=1, le=65535)
    dashboard_refresh_s: float = Field(default=5.0, gt=0, le=3600, description="Live map refresh, s.")
    api_max_body_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=1024,
        le=256 * 1024 * 1024,
        description="Largest request body `seasight api` reads (bytes); larger: 413.",
    )
    api_max_records: int = Field(
        default=1_000, ge=1, le=100_000, description="Most sightings in one API request; more: 413."
    )
    api_requests_per_minute: float = Field(
        default=60.0, gt=0, le=60_000, description="API requests per token and minute, sustained; beyond: 429."
    )
    api_burst: int = Field(default=20, ge=1, le=10_000, description="API requests a token may send at once.")
    log_level: str = Field(default="INFO")
    fixed_time: datetime | None = Field(
        default=None,
        description="Take this instant (ISO 8601 with offset) as now in every process: table-top exercises, "
        "reproducible screenshots and tests. Unset: the system clock.",
    )

    @field_validator("fixed_time")
    @classmethod
    def _aware_time(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-12-01T21:50:00Z (SEASIGHT_FIXED_TIME)")
        return value

    def clock(self) -> Clock:
        """The clock every component takes its "now" from (see :mod:`seasight.clock`)."""
        return system_clock if self.fixed_time is None else FixedClock(self.fixed_time)

    @field_validator("database_url", "owner_database_url")
    @classmethod
    def _postgres_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            url = value.get_secret_value()
            if not url.startswith(("postgresql://", "postgres://")):
                raise ValueError("must start with postgresql://")
        return value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _host_port_list(cls, value: str | None) -> str | None:
        if value is None:
            return value
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{server!r} is not host:port (SEASIGHT_KAFKA_BOOTSTRAP)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r} (SEASIGHT_LOG_LEVEL)")
        return level


def load_settings() -> Settings:
    """Load and validate settings; raise :class:`ConfigurationError` naming the bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SEASIGHT_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()
