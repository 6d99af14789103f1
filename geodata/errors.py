"""The exception root of ``geodata/`` with narrow children.

Library exceptions (shapely, pyproj, pyogrio, psycopg) are translated into these at the boundary, so
the CLI prints one clear line naming what is wrong (the file, the layer, the feature, the field).
"""

from __future__ import annotations

from seasight.errors import SeasightError


class GeodataError(SeasightError):
    """Root of every error ``geodata/`` raises on purpose."""


class CoordinateError(GeodataError, ValueError):
    """A latitude or longitude is missing, not finite or out of range (named in the message)."""


class LayerError(GeodataError):
    """An authored or packaged reference layer is missing or malformed (layer and feature named)."""


class ImportRejectedError(GeodataError):
    """A file given to ``seasight geodata import`` was rejected; nothing of it was stored."""
