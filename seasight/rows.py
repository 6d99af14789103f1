"""Rows read by name: every query's row as a dict keyed by its column names (``psycopg.rows.dict_row``).

A row read by position (``row[7]``) silently takes the wrong field when a column is added to its SELECT; a
row read by name does not, and a missing name fails loudly (``KeyError``). Name computed columns with ``AS``
(``ST_Y(geom) AS lat``). Where a row is handed around as a record, use ``psycopg.rows.class_row`` with a frozen
dataclass instead. ``tests/seasight/test_structure.py`` keeps positional reads from coming back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg.rows import class_row, dict_row

Params = Sequence[object] | Mapping[str, object] | None
T = TypeVar("T")


def fetch_all_by_name(conn: psycopg.Connection[Any], query: str, params: Params = None) -> list[dict[str, Any]]:
    """The rows of ``query`` (values bound from ``params``), each a dict keyed by its column names."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()


def fetch_one_by_name(conn: psycopg.Connection[Any], query: str, params: Params = None) -> dict[str, Any] | None:
    """The first row of ``query`` as a dict keyed by its column names, or None when it returns no row."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchone()


def fetch_all_as(conn: psycopg.Connection[Any], record: type[T], query: str, params: Params = None) -> list[T]:
    """The rows of ``query``, each built as ``record`` (a dataclass) from its columns by name
    (``psycopg.rows.class_row``): every column must be named as one of its fields."""
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(query, params).fetchall()


def fetch_one_as(conn: psycopg.Connection[Any], record: type[T], query: str, params: Params = None) -> T | None:
    """The first row of ``query`` built as ``record`` by column name, or None when it returns no row."""
    with conn.cursor(row_factory=class_row(record)) as cur:
        return cur.execute(query, params).fetchone()
