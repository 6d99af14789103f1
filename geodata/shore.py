"""On land? and how far from shore? — answered per AIS message, with no database.

Source
    The signed distance-to-coastline grid shipped inside the PyPI package ``landmetrics`` (file
    ``distance_to_land_0.1deg_gt0km2.nc``): great-circle distance in km from the centre of every
    0.1° × 0.1° cell to the nearest shoreline of GSHHG full resolution, level 1 (Wessel & Smith 1996,
    doi:10.1029/96JB00104), negative over land, stored as int16 in steps of 0.2 km. Every island counts
    (``min_island_area_km2 = 0``). Licence: CC BY 4.0 (derived grid), GSHHG under LGPL.

How a position is answered
    The whole grid (1801 × 3600 cells, 13 MB, kept as the file's int16) is read into memory once per
    process, the first time it is needed (about 0.1 s). A query is then a bilinear interpolation of the
    four surrounding cell centres (longitude wraps at the antimeridian) — a few microseconds, no I/O.

Accuracy (state it to the watch officer)
    * Far from the coast (more than one cell, ≈ 6 nm): within about 0.2 km (0.1 nm) of the grid's
      GSHHG distance, plus the interpolation error between cell centres (under 1 km in open water).
    * Within about one cell of the coastline (≈ 11 km, 6 nm) the distance is an interpolation across the
      shore and can be wrong by up to about 6 km (≈ 3 nm); :func:`is_land` places the coastline where the
      interpolated signed distance crosses zero, so points within about 3 nm of a shore can be classed on
      the wrong side. Islands or spits not much wider than a cell (≈ 11 km) may read as sea in
      :func:`is_land` while :func:`distance_to_shore_nm` still measures the distance to their shore.
      Example: Christmas Island (about 19 km × 14 km) reads as sea at most of its points.
    * Rules that use "≥ 20 nm from shore" (loitering) or "> 50 nm from shore" (GFW suspected AIS
      disabling) are far outside the uncertain band.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from geodata.errors import CoordinateError, LayerError

log = logging.getLogger("seasight.geodata.shore")

KM_PER_NM = 1.852
"""Kilometres in one international nautical mile (exact, by definition)."""

GRID_FILE = "distance_to_land_0.1deg_gt0km2.nc"
GRID_VARIABLE = "distance_to_land"
GRID_SOURCE = "landmetrics: GSHHG full-resolution signed distance to coastline, 0.1° grid"
GRID_RESOLUTION_DEG = 0.1
NEAR_SHORE_UNCERTAINTY_NM = 3.0
"""Worst-case error of the interpolated distance (nm) within one grid cell of a shore (see module doc)."""


@dataclass(frozen=True)
class ShoreGrid:
    """The signed distance-to-coastline grid in memory (km, negative over land)."""

    lat0: float  # latitude of row 0, degrees
    lon0: float  # longitude of column 0, degrees
    step: float  # cell spacing, degrees
    units: npt.NDArray[np.int16]  # shape (rows, cols), as stored in the file (13 MB)
    scale_km: float  # km per unit (0.2)
    offset_km: float  # km added after scaling (0.0)

    @property
    def rows(self) -> int:
        return int(self.units.shape[0])

    @property
    def cols(self) -> int:
        return int(self.units.shape[1])


_lock = threading.Lock()
_grid: ShoreGrid | None = None


def _grid_path() -> Path:
    import landmetrics

    path = Path(landmetrics.__file__).resolve().parent / "data" / GRID_FILE
    if not path.exists():
        raise LayerError(f"the landmetrics package has no {GRID_FILE} (expected at {path}); reinstall landmetrics")
    return path


def load_grid() -> ShoreGrid:
    """The grid, read once per process (thread-safe) from the landmetrics package."""
    global _grid
    if _grid is not None:
        return _grid
    with _lock:
        if _grid is None:
            import netCDF4

            path = _grid_path()
            with netCDF4.Dataset(str(path), "r") as ds:
                var = ds.variables[GRID_VARIABLE]
                var.set_auto_maskandscale(False)  # decode by hand: scale_factor 0.2 km per unit
                raw = np.asarray(var[:])
                scale = float(getattr(var, "scale_factor", 1.0))
                offset = float(getattr(var, "add_offset", 0.0))
                lat = np.asarray(ds.variables["lat"][:], dtype="float64")
                lon = np.asarray(ds.variables["lon"][:], dtype="float64")
            step = round(float(lat[-1] - lat[0]) / (lat.size - 1), 6)  # axes are stored as float32
            lon_step = round(float(lon[-1] - lon[0]) / (lon.size - 1), 6)
            if not (math.isclose(step, lon_step, rel_tol=1e-4) and raw.shape == (lat.size, lon.size)):
                raise LayerError(f"{path}: unexpected grid layout (shape {raw.shape}, lat step {step})")
            _grid = ShoreGrid(
                lat0=round(float(lat[0]), 6),
                lon0=round(float(lon[0]), 6),
                step=step,
                units=np.ascontiguousarray(raw, dtype=np.int16),
                scale_km=scale,
                offset_km=offset,
            )
            log.debug("shore grid loaded from %s: %d x %d cells", path.name, _grid.rows, _grid.cols)
    return _grid


def _check(lat: float, lon: float) -> None:
    if not isinstance(lat, (int, float)) or not math.isfinite(lat) or not -90.0 <= lat <= 90.0:
        raise CoordinateError(f"latitude must be a number from -90 to 90 degrees, got {lat!r}")
    if not isinstance(lon, (int, float)) or not math.isfinite(lon) or not -540.0 <= lon <= 540.0:
        raise CoordinateError(f"longitude must be a number from -180 to 180 degrees, got {lon!r}")


def signed_distance_to_shore_km(lat: float, lon: float) -> float:
    """Signed great-circle distance (km) to the nearest GSHHG shoreline, negative on land.

    Bilinear interpolation of the 0.1° landmetrics grid; longitude may be given in any convention
    (-180..180 or 0..360), it wraps at the antimeridian. Accuracy: see the module docstring.
    """
    _check(lat, lon)
    g = load_grid()
    y = (lat - g.lat0) / g.step
    i = min(int(y), g.rows - 2)  # lat >= -90 so y >= 0
    wy = y - i
    x = ((lon - g.lon0) % 360.0) / g.step
    j = int(x)
    wx = x - j
    j %= g.cols
    j1 = (j + 1) % g.cols
    u = g.units  # interpolate in stored units; scaling is linear so it commutes
    top = u.item(i, j) * (1.0 - wx) + u.item(i, j1) * wx
    bottom = u.item(i + 1, j) * (1.0 - wx) + u.item(i + 1, j1) * wx
    return (top * (1.0 - wy) + bottom * wy) * g.scale_km + g.offset_km


def distance_to_shore_nm(lat: float, lon: float) -> float:
    """Distance from a position at sea to the nearest shore, in nautical miles (0.0 on land).

    Source GSHHG full resolution via the landmetrics 0.1° grid; ±0.1 nm offshore, up to about
    ±3 nm (:data:`NEAR_SHORE_UNCERTAINTY_NM`) within one cell (≈ 6 nm) of a coast. Raises
    :class:`~geodata.errors.CoordinateError` for a latitude outside -90..90 or a non-finite value.
    """
    return max(0.0, signed_distance_to_shore_km(lat, lon)) / KM_PER_NM


def is_land(lat: float, lon: float) -> bool:
    """True when the position is on land (the interpolated signed distance is below zero).

    Accuracy: the coastline is placed within about 3 nm; islands narrower than ≈ 11 km may read as sea.
    """
    return signed_distance_to_shore_km(lat, lon) < 0.0


def distance_to_shore_nm_many(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised :func:`distance_to_shore_nm` for batches (nm, 0.0 on land). Same accuracy."""
    return np.maximum(signed_distance_to_shore_km_many(lat, lon), 0.0) / KM_PER_NM


def signed_distance_to_shore_km_many(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Vectorised :func:`signed_distance_to_shore_km` (km, negative on land)."""
    la = np.asarray(lat, dtype="float64")
    lo = np.asarray(lon, dtype="float64")
    la, lo = np.broadcast_arrays(la, lo)
    bad = ~np.isfinite(la) | ~np.isfinite(lo) | (la < -90.0) | (la > 90.0)
    if bad.any():
        k = int(np.argmax(bad))
        raise CoordinateError(f"position {k}: latitude {la.flat[k]!r} / longitude {lo.flat[k]!r} out of range")
    g = load_grid()
    y = (la - g.lat0) / g.step
    i = np.minimum(y.astype(np.int64), g.rows - 2)
    wy = y - i
    x = np.mod(lo - g.lon0, 360.0) / g.step
    j = x.astype(np.int64)
    wx = x - j
    j %= g.cols
    j1 = (j + 1) % g.cols
    u = g.units
    top = u[i, j] * (1.0 - wx) + u[i, j1] * wx
    bottom = u[i + 1, j] * (1.0 - wx) + u[i + 1, j1] * wx
    return np.asarray((top * (1.0 - wy) + bottom * wy) * g.scale_km + g.offset_km, dtype=np.float64)
