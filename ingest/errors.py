"""The exception tree of ``ingest/``: one root, narrow children (after pyais's ``exceptions.py``).

Bad *feed content* is never an exception: a line that cannot become a record is a typed
:class:`~seasight.schemas.RejectedInput` with a reason. These exceptions are for a source that cannot be
opened or read, and for sighting input a person must correct.
"""

from __future__ import annotations

from seasight.errors import SeasightError


class IngestError(SeasightError):
    """Root of every error ``ingest/`` raises on purpose."""


class SourceError(IngestError):
    """A feed source cannot be opened or read (no such file, bad address, port in use)."""


class CsvLayoutError(IngestError):
    """A decoded-AIS CSV file does not have the columns of the layout asked for (named in the message)."""


class SightingError(IngestError):
    """A sighting report is invalid; the message names the record and the field and says what is wrong.

    ``problems`` holds every problem found, one string each, so a form or file can be fixed in one go.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"invalid sighting input: {shown}{more}")
