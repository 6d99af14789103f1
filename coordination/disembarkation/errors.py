"""Errors of the disembarkation part, under the coordination root. Messages name the field and reason.

A case that does not exist is :class:`coordination.errors.CaseNotFoundError`, the one error for it in all of
coordination."""

from __future__ import annotations

from coordination.errors import CoordinationError


class DisembarkationError(CoordinationError):
    """Root of every error raised on purpose by ``coordination.disembarkation``."""


class InvalidOutcomeError(DisembarkationError):
    """A recorded outcome is impossible or malformed (the field and the reason are named)."""


class InvalidPlaceError(DisembarkationError):
    """A place-of-safety entry or edit is malformed (the field and the reason are named)."""


class PlaceNotFoundError(DisembarkationError):
    """No place of safety has the given UN/LOCODE."""


class ImportFormatError(DisembarkationError):
    """A file to import is not in a known layout (the missing columns are named)."""


class NoSeaRouteError(DisembarkationError):
    """No sea route joins two positions without crossing land."""


class ReportFormatError(DisembarkationError):
    """An export format or grouping that does not exist was asked for."""
