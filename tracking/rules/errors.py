"""Errors raised by the detection rules (root: :class:`RuleError`, a :class:`SeasightError`)."""

from __future__ import annotations

from seasight.errors import SeasightError


class RuleError(SeasightError):
    """Root of every error raised on purpose by ``tracking.rules``."""


class InvalidParameterError(RuleError):
    """A rule threshold is outside its documented range (the message names it, its unit and range)."""


class InvalidTrackError(RuleError):
    """A track window is malformed: points of another MMSI, not in time order, or naive times."""


class ThresholdsFileError(InvalidParameterError):
    """A thresholds file (``SEASIGHT_THRESHOLDS_FILE`` / ``--thresholds``) is unreadable, not TOML, names an
    unknown rule or threshold, or sets a value outside its declared range (the message names the file, the
    rule, the threshold, its unit and range)."""
