"""Small helpers every page shares: the signed-in account, safe text, and reading with a clear error.

Outside text (ship names, notes, station names) never goes into Markdown or HTML unescaped: use
:func:`md` to put it in Markdown, or show it in a table (``st.dataframe`` renders cells as text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

import psycopg
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard.data import pool

T = TypeVar("T")

VIEWS = Path(__file__).resolve().parent / "views"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:$])")


def md(text: object) -> str:
    """``text`` escaped for Markdown: HTML entities and Markdown syntax both neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A pooled connection acting for the signed-in account (none: a session that sees nothing); the
    setting is cleared before the connection goes back to the pool."""
    from dashboard.auth import signed_in

    account = signed_in()
    with pool().connection() as conn:
        conn.execute("SELECT set_config('seasight.token', %s, false)", (account.token if account else "",))
        if not conn.autocommit:
            conn.commit()
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.rollback()
                conn.execute("SELECT set_config('seasight.token', '', false)")
                conn.commit()


def read(what: str, fn: Callable[[psycopg.Connection], T]) -> T | None:
    """Run a read-side query; on failure show a clear error naming ``what`` and return None."""
    try:
        with connection() as conn:
            return fn(conn)
    except (psycopg.Error, OSError) as exc:
        st.error(f"Cannot read {what}: {exc.__class__.__name__}: {exc}")
    except Exception as exc:  # a SeasightError or a query's ValueError: say what failed, keep the page up
        st.error(f"Cannot read {what}: {exc}")
    return None


def acting_user() -> tuple[str, str] | None:
    """The signed-in account and the state or organisation it acts for (acted_by, owner)."""
    from dashboard.auth import signed_in

    account = signed_in()
    return None if account is None else (account.name, account.participant)


def need_acting_user() -> tuple[str, str] | None:
    who = acting_user()
    if who is None:
        st.info("Sign in to record anything.")
    return who


def page_url(page: str, **params: str) -> str:
    """The dashboard's URL path of page ``views/<page>.py`` (its file name, as ``st.navigation`` names it)
    with ``params`` as its query string."""
    query = urlencode(params)
    return f"/{page}" + (f"?{query}" if query else "")


def link_to(page: str, label: str, icon: str | None = None, **params: str) -> None:
    """A link to page ``views/<page>.py`` of the dashboard carrying ``params`` as query parameters.

    Inside the dashboard (``st.navigation`` knows the page) it is an ``st.page_link``; where the page is not
    registered (a page run on its own, e.g. in its AppTest) it is a plain Markdown link to the same URL.
    A link rather than a button: navigating from inside a refreshing fragment would race with its timer."""
    if not (VIEWS / f"{page}.py").is_file():
        raise ValueError(f"no dashboard page {page!r} (views/{page}.py)")
    try:
        st.page_link(str(VIEWS / f"{page}.py"), label=label, icon=icon, query_params=params or None)
    except StreamlitAPIException:
        st.markdown(f"[{md(label)}]({page_url(page, **params)})")
