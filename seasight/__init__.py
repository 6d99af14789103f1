"""Seasight: what every part shares (settings, database, migrations, Kafka helpers, message schemas,
the clock, errors and the embedded local stack). No domain logic lives here, and nothing here imports a
domain package; the programs that compose them (the command line, the demo, the benchmark) are the
application layer in :mod:`seasight.app`."""

__version__ = "0.1.0"
