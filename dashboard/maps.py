"""folium maps that work offline: Leaflet served by the dashboard itself and a coastline drawn from
packaged land polygons instead of web tiles (operations centres often have no internet)."""

from __future__ import annotations

import html
import math
from typing import Any

import folium
from branca.element import Figure
from folium.utilities import TypeMultiLine

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
    root = fmap.get_root()
    if not isinstance(root, Figure):  # folium.Map puts itself in a Figure when it is made
        raise TypeError(f"a folium map's root is a Figure, not {type(root).__name__}")
    root.header.add_child(folium.Element(f"<style>.leaflet-container {{ background: {SEA_COLOUR}; }}</style>"))
    land = _land()
    if land is not None:
        folium.GeoJson(
            land,
            name="Land (offline basemap)",
            style_function=lambda _f: LAND_STYLE,
            interactive=False,
            control=False,
        ).add_to(fmap)
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
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "mmsi", "sog", "cog", "last_report"],
            aliases=["Name", "MMSI", "SOG", "COG", "Last report"],
        ),
        popup=folium.GeoJsonPopup(
            fields=["name", "mmsi", "sog", "cog", "last_report", "station"],
            aliases=["Name", "MMSI", "SOG", "COG", "Last report", "Station"],
        ),
    )


# --- live map layers ------------------------------------------------------------------------------------

#: Marker colour by risk (most urgent open/acknowledged flag). Legend shown on the page.
RISK_COLOURS = {
    "none": "#4a6fa5",
    "info": "#7f7f7f",
    "low": "#e6c229",
    "medium": "#f17105",
    "high": "#d11149",
    "distress": "#6a0dad",
}
# Above this many vessels in view, only vessels with a flag are drawn one by one and the rest as density
# cells (server-side clustering): measured with dashboard/benchmark.py, see the report of issue 8.
MAX_INDIVIDUAL = 5_000


def density_cell_deg(bbox: tuple[float, float, float, float] | None) -> float:
    """Grid cell for the density layer: about 50 cells across the view."""
    if bbox is None:
        return 1.0
    west, _, east, _ = bbox
    width = east - west if east >= west else east - west + 360
    return max(0.02, min(5.0, width / 50))


VESSEL_FIELDS = ["name", "mmsi", "category", "flag", "sog", "cog", "last_report", "risk", "open_flags"]
VESSEL_ALIASES = ["Name", "MMSI", "Type", "Flag", "SOG", "COG", "Last report", "Risk", "Open flags"]


def live_map(center: tuple[float, float] = DEFAULT_CENTER, zoom: int = DEFAULT_ZOOM) -> folium.Map:
    """The live map's base: offline coast, canvas rendering (20,000 circle markers stay fluid)."""
    fmap = offline_map(center, zoom)
    fmap.options["preferCanvas"] = True
    return fmap


def vessel_layers(geojson: dict[str, Any]) -> list[folium.FeatureGroup]:
    """One layer per risk level (so each can be toggled), vessels as canvas circle markers."""
    groups = []
    by_risk: dict[str, list[dict[str, Any]]] = {risk: [] for risk in RISK_COLOURS}
    for feature in geojson["features"]:
        by_risk[feature["properties"]["risk"]].append(feature)
    for risk, features in reversed(list(by_risk.items())):
        group = folium.FeatureGroup(name=f"Vessels — risk {risk} ({len(features)})")
        if features:
            colour = RISK_COLOURS[risk]
            radius = 4 if risk in ("none", "info") else 6
            # No style_function: folium would compute a style per feature (seconds for 20,000); the
            # marker's own options style the whole layer.
            folium.GeoJson(
                {"type": "FeatureCollection", "features": features},
                marker=folium.CircleMarker(
                    radius=radius, fill=True, fill_opacity=0.9, weight=0.6, color="#1b1b1b", fill_color=colour
                ),
                tooltip=folium.GeoJsonTooltip(
                    fields=["name", "mmsi", "sog", "last_report", "risk"],
                    aliases=["Name", "MMSI", "SOG", "Last report", "Risk"],
                ),
                popup=folium.GeoJsonPopup(fields=VESSEL_FIELDS, aliases=VESSEL_ALIASES),
            ).add_to(group)
        groups.append(group)
    return groups


def line_layer(geojson: dict[str, Any], name: str, colour: str, weight: float = 1.2) -> folium.FeatureGroup:
    """Lines (trails, course vectors) as ONE multi-polyline in one colour, not clickable: one Leaflet
    layer however many vessels (cheap to draw and to send)."""
    group = folium.FeatureGroup(name=name)
    lines = [[(lat, lon) for lon, lat in f["geometry"]["coordinates"]] for f in geojson["features"]]
    if lines:
        polyline(lines, color=colour, weight=weight, opacity=0.75, interactive=False).add_to(group)
    return group


def polyline(locations: TypeMultiLine, **path_options: str | float | bool) -> folium.PolyLine:
    """``folium.PolyLine`` (one line, or several as one layer) with Leaflet path options (color, weight
    in pixels, opacity 0–1, interactive ...); typed here because folium leaves its constructor unannotated."""
    return folium.PolyLine(locations, **path_options)  # type: ignore[no-untyped-call]


def sighting_layer(geojson: dict[str, Any]) -> folium.FeatureGroup:
    """Sightings as squares-ish markers: red ring when a flag (contact of concern) is open on them."""
    group = folium.FeatureGroup(name=f"Sightings ({len(geojson['features'])})")
    if geojson["features"]:
        folium.GeoJson(
            geojson,
            marker=folium.CircleMarker(radius=7, fill=True, fill_opacity=0.6, weight=3),
            style_function=lambda f: {
                "color": "#d11149" if f["properties"]["concern"] else "#2a9d8f",
                "fillColor": "#ffffff",
                "dashArray": "3",
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["seen", "craft", "persons", "source", "exercise"],
                aliases=["Seen", "Craft", "Persons", "Source", "Mode"],
            ),
            popup=folium.GeoJsonPopup(
                fields=["id", "seen", "craft", "persons", "conditions", "note", "owner", "exercise", "flags"],
                aliases=[
                    "Sighting",
                    "Seen",
                    "Craft",
                    "Persons",
                    "Conditions",
                    "Note",
                    "Reported by",
                    "Mode",
                    "Flags",
                ],
            ),
        ).add_to(group)
    return group


def concern_layer(geojson: dict[str, Any]) -> folium.FeatureGroup:
    """Flags with a position (where the rule fired): the vessels and contacts of concern."""
    group = folium.FeatureGroup(name=f"Flags of concern ({len(geojson['features'])})")
    if geojson["features"]:
        folium.GeoJson(
            geojson,
            marker=folium.CircleMarker(radius=11, fill=False, weight=2),
            style_function=lambda f: {"color": RISK_COLOURS.get(f["properties"]["severity"], "#d11149")},
            tooltip=folium.GeoJsonTooltip(
                fields=["subject", "rule", "severity"], aliases=["Subject", "Rule", "Severity"]
            ),
            popup=folium.GeoJsonPopup(
                fields=["flag_id", "mode", "subject", "rule", "severity", "score", "summary", "status", "until"],
                aliases=["Flag", "Mode", "Subject", "Rule", "Severity", "Score", "Why", "Status", "Until"],
            ),
        ).add_to(group)
    return group


def case_layer(geojson: dict[str, Any]) -> folium.FeatureGroup:
    """Open SAR cases: last known position, datum and search area; exercise cases drawn dashed grey."""
    group = folium.FeatureGroup(name="Open SAR cases and search areas")
    if geojson["features"]:
        for feature in geojson["features"]:
            p = feature["properties"]
            p["mode"] = "EXERCISE" if p.get("exercise") else "REAL"
            p["craft"] = html.escape(str(p.get("craft") or "-"))
            p["rcc"] = html.escape(str(p.get("rcc") or "-"))
        folium.GeoJson(
            geojson,
            marker=folium.CircleMarker(radius=8, fill=True, fill_opacity=0.9, weight=2),
            style_function=lambda f: {
                "color": "#555555" if f["properties"]["exercise"] else "#c1121f",
                "fillColor": "#ffffff" if f["properties"]["role"] == "datum" else "#c1121f",
                "fillOpacity": 0.12 if f["properties"]["role"] == "search_area" else 0.9,
                "dashArray": "6" if f["properties"]["exercise"] else None,
                "weight": 2,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["reference", "mode", "phase", "role"], aliases=["Case", "Mode", "Phase", "Shown"]
            ),
            popup=folium.GeoJsonPopup(
                fields=["reference", "mode", "phase", "role", "persons", "craft", "rcc", "lkp_time"],
                aliases=["Case", "Mode", "Phase", "Shown", "Persons", "Craft", "RCC", "LKP time"],
            ),
        ).add_to(group)
    return group


def reference_layers(zones: dict[str, Any], srrs: dict[str, Any], ports: dict[str, Any]) -> list[folium.FeatureGroup]:
    """Watch zones, SRR boundaries (labelled indicative) and ports; hidden by default except zones."""
    out = []
    zg = folium.FeatureGroup(name=f"Watch zones ({len(zones['features'])})", show=True)
    if zones["features"]:
        folium.GeoJson(
            zones,
            style_function=lambda _f: {
                "color": "#e76f51",
                "weight": 1.5,
                "fillOpacity": 0.06,
                "dashArray": "4",
            },
            tooltip=folium.GeoJsonTooltip(fields=["name", "kind", "reason"], aliases=["Zone", "Kind", "Why watched"]),
        ).add_to(zg)
    out.append(zg)
    sg = folium.FeatureGroup(name=f"SRR boundaries — indicative ({len(srrs['features'])})", show=False)
    if srrs["features"]:
        folium.GeoJson(
            srrs,
            style_function=lambda _f: {
                "color": "#264653",
                "weight": 1.2,
                "fillOpacity": 0.0,
                "dashArray": "8 4",
            },
            tooltip=folium.GeoJsonTooltip(fields=["name", "rcc", "label"], aliases=["SRR", "RCC", "Boundary"]),
        ).add_to(sg)
    out.append(sg)
    pg = folium.FeatureGroup(name=f"Ports ({len(ports['features'])})", show=False)
    if ports["features"]:
        folium.GeoJson(
            ports,
            marker=folium.CircleMarker(radius=3, fill=True, fill_opacity=1, weight=1),
            style_function=lambda _f: {"color": "#000000", "fillColor": "#ffd166"},
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "locode", "country"], aliases=["Port", "UN/LOCODE", "Country"]
            ),
        ).add_to(pg)
    out.append(pg)
    return out


def search_area_map(geojson: dict[str, Any], center: tuple[float, float], zoom: int = 7) -> folium.Map:
    """A small map of one case: LKP, datum and search area."""
    fmap = offline_map(center, zoom)
    case_layer(geojson).add_to(fmap)
    return fmap


def density_layer(geojson: dict[str, Any]) -> folium.FeatureGroup:
    """Vessel counts per grid cell (wide views with many vessels): circles sized by count."""
    group = folium.FeatureGroup(name=f"Vessel density ({sum(f['properties']['count'] for f in geojson['features'])})")
    if geojson["features"]:
        folium.GeoJson(
            geojson,
            marker=folium.CircleMarker(fill=True, fill_opacity=0.45, weight=1, color="#4a6fa5", fill_color="#4a6fa5"),
            style_function=lambda f: {"radius": min(22, 4 + 3 * math.log2(1 + f["properties"]["count"]))},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(group)
    return group


def places_layer(options: list[dict[str, Any]]) -> folium.GeoJson:
    """Ranked places of safety (from ``options_as_dict``) as points with their rank and reasons. GeoJSON
    popups need no jQuery (folium's plain Popup does, and jQuery is not served offline)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [o["lon"], o["lat"]]},
            "properties": {
                "rank": f"#{o['rank']}",
                "place": html.escape(f"{o['port']} ({o['locode']}, {o['state']})"),
                "distance": f"{o['sea_distance_nm']:.0f} nm, ETA {o['eta_hours']:.1f} h",
                "why": "<br>".join(html.escape(r) for r in o["reasons"]),
            },
        }
        for o in options
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Places of safety",
        marker=folium.CircleMarker(radius=7, fill=True, fill_opacity=0.9, color="#1b1b1b", fill_color="#2a9d8f"),
        tooltip=folium.GeoJsonTooltip(fields=["rank", "place"], labels=False),
        popup=folium.GeoJsonPopup(
            fields=["rank", "place", "distance", "why"], aliases=["Rank", "Place", "By sea", "Why"]
        ),
    )


def practices_layer(geojson: dict[str, Any], key: str) -> folium.GeoJson:
    """Practice figures per state or port (suppressed upstream) as points with every figure in the popup."""
    fields = [
        "cases",
        "persons",
        "disembarked",
        "refused",
        "pushed_back",
        "median_hours_to_disembarkation",
        "fatality_ratio",
        "women_children_share",
        "detention_share",
    ]
    features = []
    for f in geojson["features"]:
        p = f["properties"]
        hidden = set(p.get("suppressed") or ())
        props = {
            k: html.escape(str(p.get(k)))
            if p.get(k) is not None
            else ("suppressed (fewer than 5)" if k in hidden else "unknown")
            for k in fields
        }
        props[key] = html.escape(str(p.get(key)))
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Practices",
        marker=folium.CircleMarker(radius=9, fill=True, fill_opacity=0.6, color="#264653", fill_color="#264653"),
        tooltip=folium.GeoJsonTooltip(fields=[key, "cases"], aliases=[key.title(), "Cases"]),
        popup=folium.GeoJsonPopup(fields=[key, *fields], aliases=[key.title(), *[x.replace("_", " ") for x in fields]]),
    )
