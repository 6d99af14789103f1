"""The dashboard's access to Seasight: settings and a shared connection pool (no SQL here)."""

from __future__ import annotations

from datetime import datetime

import streamlit as st
from psycopg_pool import ConnectionPool

from seasight.db import make_pool
from seasight.settings import Settings, get_settings


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def pool() -> ConnectionPool:
    """Connections without any account of their own: each use sets the signed-in person's token
    (dashboard.ui.connection), never a service account's."""
    return make_pool(settings(), min_size=1, max_size=4, session_token="")


def current_time() -> datetime:
    """The dashboard's "now", from the settings' clock (the system clock unless SEASIGHT_FIXED_TIME is set)."""
    return settings().clock()()
