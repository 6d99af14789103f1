"""Database connections. One place turns settings into a psycopg connection or pool."""

from __future__ import annotations

import logging

import psycopg
from psycopg_pool import ConnectionPool

from seasight.errors import ConfigurationError, StackError
from seasight.settings import Settings
from seasight.stack import LocalStack, StackState

log = logging.getLogger("seasight.db")


def database_url(settings: Settings) -> str:
    """SEASIGHT_DATABASE_URL, else the URL of the local stack brought up by ``seasight up``."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    urls = LocalStack(settings.stack_dir).urls()
    if urls is None:
        raise ConfigurationError("no database: set SEASIGHT_DATABASE_URL or run `seasight up` to start the local stack")
    return urls[0]


def owner_database_url(settings: Settings) -> str:
    """SEASIGHT_OWNER_DATABASE_URL, else the local stack's owner URL: for migrations and account
    administration only; the services connect with :func:`database_url` (a role that owns nothing)."""
    if settings.owner_database_url is not None:
        return settings.owner_database_url.get_secret_value()
    local = LocalStack(settings.stack_dir)
    urls = local.urls()
    if urls is None:
        raise ConfigurationError(
            "no owner database URL: set SEASIGHT_OWNER_DATABASE_URL or run `seasight up` to start the local stack"
        )
    return local.owner_url(StackState.load(local.state_path))


def kafka_bootstrap(settings: Settings) -> str:
    """SEASIGHT_KAFKA_BOOTSTRAP, else the local stack's broker."""
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap
    urls = LocalStack(settings.stack_dir).urls()
    if urls is None:
        raise ConfigurationError(
            "no Kafka broker: set SEASIGHT_KAFKA_BOOTSTRAP or run `seasight up` to start the local stack"
        )
    return urls[1]


def connect(settings: Settings, autocommit: bool = False) -> psycopg.Connection:
    """A new connection to the Seasight database."""
    url = database_url(settings)
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10, application_name="seasight")
    except psycopg.OperationalError as exc:
        raise StackError(f"cannot connect to the database: {exc}") from exc


def make_pool(settings: Settings, min_size: int = 1, max_size: int = 4) -> ConnectionPool:
    """A connection pool (opened) for long-running services such as the dashboard."""
    pool = ConnectionPool(
        database_url(settings),
        min_size=min_size,
        max_size=max_size,
        kwargs={"application_name": "seasight"},
        open=False,
    )
    pool.open(wait=True, timeout=15)
    return pool
