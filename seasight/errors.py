"""The one exception root of the shared package, with narrow children.

Library exceptions (psycopg, kafka-python, pydantic) are translated into these at the boundary so the
CLI can print a clear message naming what is wrong, and consumer loops can decide retry / dead-letter /
stop by class.
"""


class SeasightError(Exception):
    """Root of every error Seasight raises on purpose."""


class ConfigurationError(SeasightError):
    """A setting is missing or invalid (named in the message)."""


class StackError(SeasightError):
    """The embedded local stack (PostgreSQL cluster or broker) could not be started, reached or stopped."""


class MigrationError(SeasightError):
    """A schema migration failed or the applied history disagrees with the files."""


class SchemaError(SeasightError):
    """A message does not match its declared schema (wrong version, missing or out-of-range field)."""
