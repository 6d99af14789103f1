"""Errors of the SAR-coordination part: one root, narrow children.

Each message names what is wrong (the field, the case, the rule) so the CLI can print it as is.
"""

from __future__ import annotations

from seasight.errors import SeasightError


class CoordinationError(SeasightError):
    """Root of every error raised on purpose by ``coordination``."""


class InvalidInputError(CoordinationError):
    """A value given by the coordinator is missing, malformed or out of range (the field is named)."""


class CaseNotFoundError(CoordinationError):
    """No SAR case has the given id (none exists, this session may not read it, or the ``sar_case`` table
    is missing). The one error for a missing case in all of coordination, disembarkation included."""


class PhaseRuleError(CoordinationError):
    """A case action breaks an IAMSAR phase rule (e.g. same phase twice, confirming one's own decision)."""


class CaseClosedError(PhaseRuleError):
    """The case is closed; nothing may be added except by reopening it as a new case."""


class SchemaMissingError(CoordinationError):
    """A table this part reads (e.g. ``srr`` from geodata) is not in the database yet."""


class CapValidationError(CoordinationError):
    """A CAP 1.2 message built by Seasight does not validate against the OASIS CAP 1.2 XSD."""


class CaseAccessError(CoordinationError):
    """The acting account may not write this case (it belongs to another state's RCC)."""
