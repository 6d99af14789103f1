"""folium maps that work offline: Leaflet served by the dashboard itself and a coastline drawn from
packaged land polygons instead of web tiles (operations centres often have no internet)."""

from __future__ import annotations

from typing import Any

import folium

from dashboard.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL

# Asia-Pacific view: Bay of Bengal to the Timor Sea.
DEFAULT_CENTER = (5.0, 105.0)
DEFAULT_ZOOM = 4
SEA_COLOUR = "#dbe9f4"
LAND_STYLE = {"fillColor": "#f2efe6", "color": "#8c8c7a", "weight": 0.8, "fillOpacity": 1.0}


def offline_map(center: tuple[float, float] = DEFAULT_CENTER, zoom: int = DEFAULT_ZOOM) -> folium.Map:
    """A folium map with no tiles, local Leaflet and the offline land basemap."""
    fmap = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True)
    # Only Leaflet itself is needed: no Bootstrap/jQuery/awesome-markers from CDNs.
    fmap.default_js = [("leaflet", LEAFLET_JS_URL)]
    fmap.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    fmap.get_root().header.add_child(
        folium.Element(f"<style>.leaflet-container {{ background: {SEA_COLOUR}; }}</style>")
    )
    land = _land()
    if land is not None:
        folium.GeoJson(land, name="Land (offline basemap)", style_function=lambda _f: LAND_STYLE,
                       interactive=False, control=False).add_to(fmap)
    return fmap


def _land() -> dict[str, Any] | None:
    try:
        from geodata.basemap import land_geojson
    except ImportError:  # geodata not installed in this build: the sea colour alone still shows positions
        return None
    return land_geojson()


def vessel_layer(geojson: dict[str, Any], name: str = "Vessels (AIS)") -> folium.GeoJson:
    """Vessels as one GeoJSON layer of circle markers (cheap for many thousands of points)."""
    return folium.GeoJson(
        geojson,
        name=name,
        marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=0.9, weight=1),
        style_function=lambda _f: {"color": "#0b3d91", "fillColor": "#1f77b4"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "mmsi", "sog", "cog", "last_report"],
                                      aliases=["Name", "MMSI", "SOG", "COG", "Last report"]),
        popup=folium.GeoJsonPopup(fields=["name", "mmsi", "sog", "cog", "last_report", "station"],
                                  aliases=["Name", "MMSI", "SOG", "COG", "Last report", "Station"]),
    )
