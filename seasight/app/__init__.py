"""Seasight's application layer: the programs that put the parts together.

The command line (:mod:`seasight.app.cli`, the ``seasight`` console script), the health checks behind
``seasight health`` and ``seasight status`` (:mod:`seasight.app.health`), the benchmark behind ``seasight
bench`` (:mod:`seasight.app.bench`, :mod:`seasight.app.bare_bench`) and the demo with its three stories
(:mod:`seasight.app.demo`, :mod:`seasight.app.demo_stories`, the real history it loads in ``demo_data/``).

This layer may import every package (``ingest``, ``tracking``, ``coordination``, ``dashboard``,
``geodata``). The shared kernel beside it (the rest of ``seasight/``: settings, database, migrations,
Kafka helpers, schemas, the local stack, the clock, errors) imports none of them, so any package can
depend on the kernel without a cycle; ``tests/seasight/test_layers.py`` fails when it does.
"""
