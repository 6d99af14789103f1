"""Seasight: what every part shares (settings, database, migrations, Kafka helpers, message schemas,
the command line and the embedded local stack). No domain logic lives here."""

__version__ = "0.1.0"
