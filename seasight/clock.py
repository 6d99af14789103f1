"""Where Seasight's "now" comes from: a clock is an input, never a hidden call.

Code that needs the current time (a detection round's end, the time a record was received, the default date
of a form) takes a :data:`Clock` — a function returning a timezone-aware UTC ``datetime`` — so a test, a
replay or a table-top exercise can run it at any instant it chooses. The running system uses
:func:`system_clock`; ``SEASIGHT_FIXED_TIME`` (settings) pins every process to one instant instead, for
reproducible exercises, screenshots and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

#: A source of the current time: returns a timezone-aware datetime in UTC.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The machine's clock, UTC (the only place in Seasight's code that reads it)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at ``at`` (timezone-aware; kept in UTC)."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError(f"a fixed clock needs a timezone-aware time, got {self.at.isoformat()}")
        object.__setattr__(self, "at", self.at.astimezone(UTC))

    def __call__(self) -> datetime:
        return self.at
