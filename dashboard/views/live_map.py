"""Live map: vessels coloured by risk with course vectors and short trails, sightings, flags of concern,
open SAR cases with search areas, watch zones, SRRs and ports; filtered on the server by the map's bounds.
Refreshed in place (one keyed map; only its data layers are replaced)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import folium
import pandas as pd
import psycopg
import streamlit as st
from streamlit_folium import st_folium

from coordination.queries import open_cases_geojson
from dashboard.auth import may_open, require_page, signed_in
from dashboard.data import current_time, settings
from dashboard.maps import (
    MAX_INDIVIDUAL,
    RISK_COLOURS,
    case_layer,
    concern_layer,
    density_cell_deg,
    density_layer,
    line_layer,
    live_map,
    reference_layers,
    sighting_layer,
    vessel_layers,
)
from dashboard.ui import link_to, md, read
from tracking.queries_concerns import Concern, concerns_for, vessel_identity
from tracking.queries_map import (
    CATEGORY_NAMES,
    RISK_LEVELS,
    MapFilter,
    MapVessel,
    SightingRow,
    concerns_geojson,
    count_in_view,
    course_vectors_geojson,
    density_geojson,
    distress_watch,
    flag_states_present,
    latest_report_at,
    map_vessels_geojson,
    normalise_bounds,
    picture_counts,
    picture_time,
    ports_geojson,
    sightings,
    sightings_geojson,
    srr_geojson,
    trails_geojson,
    vessels_in_view,
    watch_zones_geojson,
)

GeoJson = dict[str, Any]  # a GeoJSON FeatureCollection as the queries return it

require_page("live_map")  # direct URL: refused unless the signed-in role may use this page


TIME_WINDOWS = {"last hour": 1.0, "last 6 h": 6.0, "last 24 h": 24.0, "last 7 days": 168.0, "any time": None}
# Named areas of the region (west, south, east, north); "Map view" uses the map's own bounds.
AREAS = {
    "Map view": None,
    "Bay of Bengal": (78.0, 5.0, 95.0, 23.0),
    "Andaman Sea": (92.0, 5.0, 99.5, 17.0),
    "Strait of Malacca": (95.0, 0.0, 104.5, 7.5),
    "Java and Timor Seas": (105.0, -13.0, 130.0, -4.0),
}
TRAIL_HOURS = 2.0
TRAILS_MAX_VESSELS = 1_500  # above this many vessels in view, trails are skipped (zoom in to see them)


st.title("Live map")

with st.sidebar:
    st.subheader("Filters")
    window_label = st.selectbox("Reported in", list(TIME_WINDOWS), index=2, key="map_window")
    categories = st.multiselect("Vessel type", CATEGORY_NAMES, key="map_types")
    flag_options = read("flag states", flag_states_present) or []
    flag_states = st.multiselect("Flag state (from MMSI)", flag_options, key="map_flags")
    min_risk = st.selectbox("Minimum risk", RISK_LEVELS, key="map_risk")
    area = st.selectbox("Area", list(AREAS), key="map_area")
    st.subheader("Layers")
    show_trails = st.checkbox(f"Trails (last {TRAIL_HOURS:.0f} h)", value=True, key="map_trails")
    show_vectors = st.checkbox("Course vectors (30 min ahead)", value=True, key="map_vectors")
    show_sightings = st.checkbox("Sightings", value=True, key="map_sightings")
    show_concerns = st.checkbox("Flags of concern", value=True, key="map_concerns")
    show_cases = st.checkbox("Open SAR cases", value=True, key="map_cases")
    st.caption("Watch zones, SRR boundaries (indicative) and ports: use the layer control on the map.")

legend = " · ".join(f"<span style='color:{c}'>●</span> {risk}" for risk, c in RISK_COLOURS.items())
st.markdown(f"Risk colour: {legend}", unsafe_allow_html=True)  # constant text only


@st.cache_data(ttl=300, show_spinner=False)
def _reference() -> tuple[GeoJson, GeoJson, GeoJson] | None:
    def q(conn: psycopg.Connection) -> tuple[GeoJson, GeoJson, GeoJson]:
        return watch_zones_geojson(conn), srr_geojson(conn), ports_geojson(conn)

    return read("reference layers", q)


@st.fragment(run_every=settings().dashboard_distress_check_s)
def distress_check() -> None:
    """Every second, one cheap query: is a new DISTRESS flag open? Then the whole page is drawn again at once
    (the map shows it now, not at its next refresh), and the banner names it until it is no longer open."""
    got = read("distress flags", distress_watch)
    if got is None:
        return
    seen = st.session_state.get("distress-newest")
    st.session_state["distress-newest"] = got.newest_id
    if got.newest_id is not None and seen is not None and got.newest_id > seen:
        st.rerun()  # a new distress since the last look: draw the whole page now
    if got.open_real:
        st.error(f"DISTRESS: {got.open_real} open distress flag(s). Newest: {md(got.newest_real_summary or '')}")
    if got.open_exercise:
        st.warning(f"EXERCISE distress: {got.open_exercise} open exercise distress flag(s) (not real).")


@st.fragment(run_every=settings().dashboard_refresh_s)
def live_picture() -> None:
    clock_now = current_time()
    now = picture_time(clock_now, read("the picture's latest report", latest_report_at))
    if now != clock_now:
        st.info(
            f"Historical picture: the newest report is from {now:%Y-%m-%d %H:%M} UTC "
            f"({(clock_now - now).total_seconds() / 3600:,.0f} h before now — a replayed or imported capture, "
            "or a feed that stopped). The time windows count back from that report."
        )
    hours = TIME_WINDOWS[window_label]
    # The map's own value (bounds, last click) is in session state before it is drawn again.
    bbox = AREAS[area] or _view_bbox(st.session_state.get("live-map"))
    flt = MapFilter(
        bbox=bbox,
        since=None if hours is None else now - timedelta(hours=hours),
        categories=tuple(categories),
        flag_states=tuple(flag_states),
        min_risk=min_risk,
    )

    def layers(
        conn: psycopg.Connection,
    ) -> tuple[
        dict[str, int],
        int,
        GeoJson | None,
        list[MapVessel],
        GeoJson | None,
        list[SightingRow],
        GeoJson | None,
        GeoJson | None,
    ]:
        counts = picture_counts(conn, now)
        in_view = count_in_view(conn, flt)
        density: GeoJson | None = None
        if in_view > MAX_INDIVIDUAL:  # wide view: vessels of concern one by one, the rest as density
            vessels = vessels_in_view(
                conn,
                replace(flt, min_risk=max(flt.min_risk, "info", key=RISK_LEVELS.index), limit=MAX_INDIVIDUAL),
            )
            density = density_geojson(conn, flt, density_cell_deg(flt.bbox))
        else:
            vessels = vessels_in_view(conn, flt)
        trails = (
            trails_geojson(conn, [v.mmsi for v in vessels], now - timedelta(hours=TRAIL_HOURS))
            if show_trails and len(vessels) <= TRAILS_MAX_VESSELS
            else None
        )
        sights = sightings(conn, since=flt.since, bbox=bbox) if show_sightings else []
        concerns = concerns_geojson(conn, bbox=bbox) if show_concerns else None
        cases = open_cases_geojson(conn) if show_cases else None
        return counts, in_view, density, vessels, trails, sights, concerns, cases

    got = read("the maritime picture", layers)
    if got is None:
        return
    counts, in_view, density, vessels, trails, sights, concerns, cases = got
    cols = st.columns(6)
    simulated = counts["vessels_simulated"]
    cols[0].metric(
        "Vessels on the picture",
        f"{counts['vessels']:,}",
        help=f"{counts['vessels'] - simulated:,} real, {simulated:,} SIMULATED",
    )
    cols[1].metric("Reported in the last hour", counts["vessels_last_hour"])
    cols[2].metric("In view (filtered)", in_view)
    cols[3].metric("Sightings (24 h)", counts["sightings_24h"])
    # real and exercise apart; the number shown is what needs attention (medium or higher), the rest in help
    cols[4].metric(
        "Open flags (real)",
        counts["open_flags_attention"],
        help=f"real flags of severity medium or higher; {counts['open_flags']} real flags open in all",
    )
    cols[5].metric(
        "Open flags (EXERCISE)",
        counts["open_exercise_flags_attention"],
        help=f"exercise flags of severity medium or higher; {counts['open_exercise_flags']} open in all "
        "(low ones: zone entries of lane traffic and the like)",
    )
    if any((v.station or "").startswith("demo-") for v in vessels):
        st.warning("SIMULATED DEMO FEED: the vessels shown are generated by `seasight demo`, not real traffic.")
    if counts["vessels"] == 0:
        st.info("No vessel positions yet. Start a feed (`seasight ingest ais …`) and the tracker (`seasight track`).")
    elif not in_view:
        st.info("No vessel matches the filters in this view.")
    if density is not None:
        st.caption(
            f"{in_view:,} vessels in view: vessels with a flag are drawn one by one, the others as counts "
            f"per area (zoom in below {MAX_INDIVIDUAL:,} vessels to see each one)."
        )
    if show_trails and trails is None and vessels:
        st.caption(f"Trails hidden: more than {TRAILS_MAX_VESSELS:,} vessels in view — zoom in or filter.")

    fmap = live_map()
    ref = _reference()
    if ref is not None:
        for group in reference_layers(*ref):
            group.add_to(fmap)
    groups: list[folium.FeatureGroup] = []
    if trails is not None:
        groups.append(line_layer(trails, f"Trails ({len(trails['features'])})", "#6c757d", 1.0))
    if density is not None:
        groups.append(density_layer(density))
    if show_vectors:
        groups.append(line_layer(course_vectors_geojson(vessels), "Course vectors (30 min)", "#333333", 1.5))
    if cases is not None:
        groups.append(case_layer(cases))
    if concerns is not None:
        groups.append(concern_layer(concerns))
    if show_sightings:
        groups.append(sighting_layer(sightings_geojson(sights, now)))
    groups.extend(vessel_layers(map_vessels_geojson(vessels, now)))
    state = st_folium(
        fmap,
        key="live-map",
        height=620,
        use_container_width=True,
        feature_group_to_add=groups,
        layer_control=folium.LayerControl(collapsed=True),
        returned_objects=["bounds", "last_active_drawing"],
    )
    _selected(state)


def _view_bbox(state: object) -> tuple[float, float, float, float] | None:
    """The bounds the map last reported (padded by a quarter each side, so small pans need no new query)."""
    b = (state or {}).get("bounds") if isinstance(state, dict) else None
    sw, ne = (b or {}).get("_southWest") or {}, (b or {}).get("_northEast") or {}
    if sw.get("lat") is None or ne.get("lat") is None:
        return None
    pad_lat = (ne["lat"] - sw["lat"]) / 4
    pad_lng = (ne["lng"] - sw["lng"]) / 4
    return normalise_bounds(sw["lat"] - pad_lat, sw["lng"] - pad_lng, ne["lat"] + pad_lat, ne["lng"] + pad_lng)


def _selected(state: dict[str, Any] | None) -> None:
    """Details of what was clicked on the map: a vessel (identity, flags with their evidence) or a
    sighting (its flags), with a way to act: open a SAR case."""
    drawing = (state or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") or {}
    mmsi_text = str(props.get("mmsi") or "")
    sighting_id = str(props.get("id") or "") if "seen" in props else ""
    if mmsi_text.isdigit():
        _vessel_details(int(mmsi_text))
    elif sighting_id:
        _sighting_details(sighting_id)
    else:
        st.caption("Click a vessel or a sighting for its identity, its flags and their evidence.")


def _flags(flags: list[Concern]) -> None:
    if not flags:
        st.caption("No open flag.")
    for f in flags:
        with st.expander(f"{f.severity.upper()} · {f.rule_id} · score {f.score:.2f} — {md(f.summary)}"):
            st.json({"evidence": f.evidence, "parameters": f.parameters})


def _vessel_details(mmsi: int) -> None:
    got = read("the vessel", lambda conn: (vessel_identity(conn, mmsi), concerns_for(conn, mmsi=mmsi)))
    if got is None:
        return
    identity, flags = got
    if identity is None:
        st.warning(f"MMSI {mmsi} is no longer on the picture.")
        return
    st.subheader(f"Selected: MMSI {mmsi}")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": identity.name,
                    "IMO": identity.imo,
                    "Call sign": identity.callsign,
                    "Flag (MID)": identity.flag_state,
                    "Destination": identity.destination,
                    "AIS class": identity.ais_class,
                    "Last report": identity.last_report_at,
                    "Identity changes": identity.identity_changes,
                }
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    _flags(flags)
    # Links, not buttons: navigating from inside the refreshing fragment would race with its timer.
    link_to("sar_cases", "Open a SAR case for this vessel", ":material/support:", mmsi=str(mmsi))
    if may_open("case_thread", signed_in()):
        link_to("case_thread", "This vessel's cases (case thread)", ":material/timeline:", mmsi=str(mmsi))


def _sighting_details(sighting_id: str) -> None:
    flags = read("the sighting's flags", lambda conn: concerns_for(conn, sighting_id=sighting_id))
    if flags is None:
        return
    st.subheader(f"Selected: sighting {sighting_id}")
    _flags(flags)
    if flags:
        st.caption(
            "Open a case from one of these flags on the Concerns page (position, time and persons come "
            "from the sighting)."
        )


distress_check()
live_picture()
