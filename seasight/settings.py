"""The one settings object. Nothing else in Seasight reads ``os.environ``.

Every value comes from an environment variable with the ``SEASIGHT_`` prefix (or a ``.env`` file is *not*
read: configuration is explicit). Values are validated when the settings are loaded, at start-up, so a bad
URL or port fails at once with the variable's name in the message.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from seasight.clock import Clock, FixedClock, system_clock
from seasight.errors import ConfigurationError

if TYPE_CHECKING:
    from seasight.oidc import OidcProvider

#: The OpenID Connect provider section: all of these, or none (local accounts only).
OIDC_REQUIRED = (
    "oidc_server_metadata_url",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_redirect_uri",
    "oidc_cookie_secret",
    "oidc_signin_key",
)


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
    tracker_join_bound_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="A tracker consumer without partitions for this long (s; not on standby) logs why and "
        "rejoins its group, first resetting the group (keeping its committed offsets) when no other member "
        "consumes: the work-around for a group the embedded broker holds wedged (docs/operations.md). "
        "0: never; `seasight track --join-bound` overrides it.",
    )
    tracker_heartbeat_s: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds between a tracker's liveness heartbeats (its state, partitions and their lag, "
        "shown by `seasight status`, `seasight health` and the feeds page).",
    )
    consumer_stale_after_s: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="A tracker whose last heartbeat is older than this (s) counts as missing.",
    )
    consumer_lag_alert_s: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="`seasight health` fails when a partition's lag has grown for longer than this (s).",
    )
    station: str = Field(default="local", min_length=1, description="Default AIS receiving-station name.")
    dashboard_port: int = Field(default=8501, ge=1, le=65535)
    dashboard_refresh_s: float = Field(default=5.0, gt=0, le=3600, description="Live map refresh, s.")
    dashboard_distress_check_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the live map asks whether a new distress flag is open (a cheap query); a new "
        "one redraws the map at once instead of at its next refresh, s.",
    )
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
    ingest_buffer: bool = Field(
        default=True,
        description="Keep every record a publisher sends (AIS feeds, sightings from the API, the dashboard and "
        "the CLI) on disk until the tracker has stored it in PostGIS, and send it again after a broker restart "
        "(ingest/buffer.py). Needed with the embedded broker, which keeps topics in memory only; with a "
        "replicated Apache Kafka it is a second safety net.",
    )
    ingest_buffer_path: Path | None = Field(
        default=None, description="Folder of the ingest buffers. Unset: ingest-buffer/ in the stack folder."
    )
    ingest_buffer_max_mb: int = Field(
        default=1024,
        ge=16,
        le=1024 * 1024,
        description="Most disk one publisher's buffer may hold (MiB, about 3.5 million position reports per "
        "GiB); when full, feeds wait for the tracker (back-pressure) and the API answers 503.",
    )
    log_level: str = Field(default="INFO")
    thresholds_file: Path | None = Field(
        default=None,
        description="A TOML thresholds file for the detection rules (docs/thresholds.md), used by "
        "`seasight detect`, `seasight track --detect` and `seasight replay` unless --thresholds names another. "
        "Unset: the built-in defaults.",
    )
    fixed_time: datetime | None = Field(
        default=None,
        description="Take this instant (ISO 8601 with offset) as now in every process: table-top exercises, "
        "reproducible screenshots and tests. Unset: the system clock.",
    )

    # -- OpenID Connect provider (dashboard sign-in through Streamlit's st.login; seasight/oidc.py) ----------
    oidc_server_metadata_url: str | None = Field(
        default=None,
        description="The identity provider's discovery document, "
        "https://…/.well-known/openid-configuration. With the other SEASIGHT_OIDC_* settings, the dashboard "
        "offers OpenID Connect sign-in; without them, local accounts only.",
    )
    oidc_client_id: str | None = Field(default=None, description="The dashboard's client id at the provider.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="The dashboard's client secret.")
    oidc_redirect_uri: str | None = Field(
        default=None,
        description="The dashboard's own absolute URL ending in /oauth2callback, as registered at the provider, "
        "e.g. https://seasight.example.org/oauth2callback.",
    )
    oidc_cookie_secret: SecretStr | None = Field(
        default=None, description="A random secret of 32 characters or more that signs the identity cookie."
    )
    oidc_signin_key: SecretStr | None = Field(
        default=None,
        description="The dashboard's sign-in key (`seasight account signin-key`): the database opens a session "
        "for an OpenID Connect identity only when it is presented.",
    )
    oidc_label: str = Field(
        default="your organisation's sign-in", min_length=1, max_length=80, description="Sign-in button text."
    )

    @field_validator("oidc_server_metadata_url")
    @classmethod
    def _discovery_url(cls, value: str | None) -> str | None:
        if value is not None and not (
            value.startswith(("https://", "http://localhost", "http://127.0.0.1"))
            and value.rstrip("/").endswith("/.well-known/openid-configuration")
        ):
            raise ValueError(
                "must be the provider's https:// discovery URL ending in /.well-known/openid-configuration"
            )
        return value

    @field_validator("oidc_redirect_uri")
    @classmethod
    def _callback_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith(("https://", "http://")) and value.endswith("/oauth2callback")):
            raise ValueError("must be the dashboard's absolute URL ending in /oauth2callback")
        return value

    @field_validator("oidc_cookie_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("needs at least 32 characters (a random secret)")
        return value

    @model_validator(mode="after")
    def _oidc_all_or_nothing(self) -> Settings:
        given = [name for name in OIDC_REQUIRED if getattr(self, name) not in (None, "")]
        if given and len(given) != len(OIDC_REQUIRED):
            missing = ", ".join(f"SEASIGHT_{n.upper()}" for n in OIDC_REQUIRED if n not in given)
            raise ValueError(f"OpenID Connect is half configured: also set {missing} (or unset them all)")
        return self

    def oidc(self) -> OidcProvider | None:
        """The OpenID Connect provider, when configured (None: local accounts only)."""
        from seasight.oidc import OidcProvider

        if self.oidc_server_metadata_url is None:
            return None
        assert self.oidc_client_id and self.oidc_client_secret and self.oidc_redirect_uri
        assert self.oidc_cookie_secret and self.oidc_signin_key
        return OidcProvider(
            server_metadata_url=self.oidc_server_metadata_url,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret.get_secret_value(),
            redirect_uri=self.oidc_redirect_uri,
            cookie_secret=self.oidc_cookie_secret.get_secret_value(),
            signin_key=self.oidc_signin_key.get_secret_value(),
            label=self.oidc_label,
        )

    @field_validator("fixed_time")
    @classmethod
    def _aware_time(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-12-01T21:50:00Z (SEASIGHT_FIXED_TIME)")
        return value

    @property
    def ingest_buffer_dir(self) -> Path:
        """Where the ingest buffers live (SEASIGHT_INGEST_BUFFER_PATH, or ingest-buffer/ in the stack folder)."""
        return self.ingest_buffer_path or self.stack_dir / "ingest-buffer"

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
            f"SEASIGHT_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" if err["loc"] else err["msg"]
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()
