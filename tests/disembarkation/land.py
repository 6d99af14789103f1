"""Independent land check for tests: Natural Earth 1:50m country polygons (shared data), not the GLOBE
mask the code uses."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from shapely import STRtree
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

# Natural Earth 1:50m is generalised; shrink land by about 2 km so coastline generalisation is not taken
# for a crossing. A leg across an island or peninsula still cuts the shrunken polygon.
COAST_TOLERANCE_DEG = 0.02


@lru_cache(maxsize=1)
def land_tree(shared_data: Path) -> tuple[STRtree, list[BaseGeometry]]:
    data = json.loads((shared_data / "geo" / "natural_earth" / "ne_50m_admin_0_countries.json").read_text())
    polys = []
    for f in data["features"]:
        g = shape(f["geometry"]).buffer(-COAST_TOLERANCE_DEG)
        if not g.is_empty:
            polys.append(g)
    return STRtree(polys), polys


PORT_END_ALLOWANCE_NM = 8.0
"""The last nm before a port's charted position are not checked: there Natural Earth's generalised 1:50m
coast and the GLOBE 1 km mask disagree by a few km (e.g. Lhokseumawe, IDLSW), and 1:50m closes inlets a few
km wide that ships use (the upper Cambridge Gulf below Wyndham, AUWYN: 6.7 nm). The legs there are still
checked on the 1 km mask (``legs_at_sea_between``) by the tests that use this."""


def land_crossed_nm(shared_data: Path, coordinates: list[tuple[float, float]], ends_at_port: bool = False) -> float:
    """Length (nm, 60 nm per degree of arc, approximately) of the line inside (shrunken) land."""
    line = LineString(coordinates)
    if ends_at_port:
        line = substring(line, 0.0, max(0.0, line.length - PORT_END_ALLOWANCE_NM / 60.0))
    tree, polys = land_tree(shared_data)
    total = 0.0
    for i in tree.query(line):
        total += line.intersection(polys[int(i)]).length * 60.0
    return total
