"""Small helpers every page shares: the acting user, safe text, and reading with a clear error.

Outside text (ship names, notes, station names) never goes into Markdown or HTML unescaped: use
:func:`md` to put it in Markdown, or show it in a table (``st.dataframe`` renders cells as text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg
import streamlit as st

from dashboard.data import pool

T = TypeVar("T")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~:$])")
_OWNER = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")


def md(text: object) -> str:
    """``text`` escaped for Markdown: HTML entities and Markdown syntax both neutralised."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    with pool().connection() as conn:
        yield conn


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
    """The person acting and the state/organisation they act for, asked once in the sidebar.
    Every recorded action carries them (acted_by, owner). None until both are given."""
    with st.sidebar:
        st.markdown("**Acting as**")
        user = st.text_input("Your name or user id", key="acting_user", max_chars=128).strip()
        owner = (
            st.text_input("On behalf of (ISO alpha-3 or organisation id)", key="acting_owner", max_chars=16)
            .strip()
            .upper()
        )
    if not user or not owner:
        return None
    if not _OWNER.match(owner):
        st.sidebar.error("Use an ISO 3166 alpha-3 code (e.g. THA) or an organisation id (e.g. UNHCR).")
        return None
    return user, owner


def need_acting_user() -> tuple[str, str] | None:
    who = acting_user()
    if who is None:
        st.info("To record anything, give your name and who you act for in the sidebar (Acting as).")
    return who
