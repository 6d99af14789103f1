"""Argument types shared by every part's sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
from datetime import datetime


def utc_time(text: str) -> datetime:
    """An ISO 8601 time with a UTC offset (``2026-11-23T13:05Z`` or ``…+07:00``); a clear error otherwise."""
    try:
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time such as 2026-11-23T13:05Z") from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset; add Z or +07:00")
    return value
