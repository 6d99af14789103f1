"""Database connections. One place turns settings into a psycopg connection or pool."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from seasight.errors import ConfigurationError, StackError
from seasight.settings import Settings
from seasight.stack import LocalStack, StackState, with_session_token

log = logging.getLogger("seasight.db")


def database_url(settings: Settings) -> str:
    """SEASIGHT_DATABASE_URL, else the URL of the local stack brought up by ``seasight up`` (which acts
    for the local service account). With SEASIGHT_ACCOUNT_TOKEN, every session acts for that account."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
    else:
        urls = LocalStack(settings.stack_dir).urls()
        if urls is None:
            raise ConfigurationError(
                "no database: set SEASIGHT_DATABASE_URL or run `seasight up` to start the local stack"
            )
        url = urls[0]
    if settings.account_token is not None:
        url = with_session_token(url, settings.account_token.get_secret_value())
    return url


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


def make_pool(
    settings: Settings, min_size: int = 1, max_size: int = 4, session_token: str | None = None
) -> ConnectionPool:
    """A connection pool (opened) for long-running services such as the dashboard. ``session_token``
    replaces the account the URL's connections act for ("" for none: the dashboard sets each user's)."""
    url = database_url(settings)
    if session_token is not None:
        url = with_session_token(url, session_token)
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"application_name": "seasight"},
        open=False,
    )
    pool.open(wait=True, timeout=15)
    return pool


@contextmanager
def acting(settings: Settings, autocommit: bool = True) -> Iterator[tuple[psycopg.Connection[Any], Any]]:
    """A connection acting for the configured account (SEASIGHT_ACCOUNT_TOKEN, or SEASIGHT_ACCOUNT with
    SEASIGHT_ACCOUNT_PASSWORD), and that :class:`seasight.accounts.Account`. A password sign-in's session
    token is revoked when the block ends."""
    from seasight.accounts import AuthenticationError, open_password_session, revoke_token, sign_in

    if settings.account_token is None and (settings.account is None or settings.account_password is None):
        raise AuthenticationError(
            "no account configured: set SEASIGHT_ACCOUNT_TOKEN (an API token from `seasight account token`), "
            "or SEASIGHT_ACCOUNT and SEASIGHT_ACCOUNT_PASSWORD"
        )
    with connect(settings, autocommit=True) as conn:
        session_id = None
        if settings.account_token is not None:
            secret = settings.account_token.get_secret_value()
        else:
            assert settings.account is not None and settings.account_password is not None
            issued = open_password_session(conn, settings.account, settings.account_password.get_secret_value())
            secret, session_id = issued.secret, issued.token_id
        account = sign_in(conn, secret)
        conn.autocommit = autocommit
        try:
            yield conn, account
        finally:
            if session_id is not None and not conn.closed:
                conn.rollback()
                conn.autocommit = True
                revoke_token(conn, session_id)
