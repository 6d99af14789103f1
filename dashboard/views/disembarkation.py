"""Disembarkation: ranked places of safety for a case (IMO MSC.167(78)) on a map with the reasons for each
rank, and the form to record the outcome — all through ``coordination.disembarkation``. People are only
ever counted, never named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from coordination.cases import list_cases
from coordination.disembarkation.errors import DisembarkationError
from coordination.disembarkation.outcomes import Outcome, OutcomeKind, Reception
from coordination.disembarkation.ranking import RankingParameters
from coordination.disembarkation.store import (
    options_as_dict,
    options_for_case,
    outcome_versions,
    record_outcome,
)
from coordination.errors import CoordinationError
from dashboard.auth import require_page
from dashboard.data import current_time
from dashboard.forms import parse_counts
from dashboard.maps import offline_map, places_layer, polyline
from dashboard.ui import connection, md, need_acting_user, read

require_page("disembarkation")  # direct URL: refused unless the signed-in role may use this page

TRI = {"unknown": None, "yes": True, "no": False}  # a yes/no question whose answer may not be known

st.title("Disembarkation")
st.caption(
    "Places of safety ranked for a case: the state responsible for the SRR where people are recovered "
    "must provide or ensure one (IMO MSC.167(78)); a rescuing ship is only a temporary place of safety."
)


cases = read("the cases", lambda conn: list_cases(conn, include_closed=True))
if cases is None:
    st.stop()
if not cases:
    st.info("No SAR case yet: options and outcomes belong to a case (open one on the SAR cases page).")
    st.stop()
labels = {
    c["id"]: f"{c['reference']} · {'EXERCISE' if c['exercise'] else 'REAL'} · {c['status']} · "
    f"{c['persons'] if c['persons'] is not None else '?'} persons"
    for c in cases
}
case_id = st.selectbox("Case", list(labels), key="dis_case", format_func=lambda i: labels[i])
case = next(c for c in cases if c["id"] == case_id)
if case["exercise"]:
    st.warning("EXERCISE case: its outcome never enters practice statistics.")


@st.cache_data(ttl=120, show_spinner=False)
def _options(case: int, speed_kn: float, max_nm: float) -> dict[str, Any] | None:
    """Ranked options (sea routing is the slow part: kept two minutes per case and parameters)."""
    params = RankingParameters(ship_speed_kn=speed_kn, max_sea_distance_nm=max_nm)
    return read("the options", lambda conn: options_as_dict(options_for_case(conn, case, params)))


tab_options, tab_outcome = st.tabs(["Options", "Outcome"])

with tab_options:
    c1, c2 = st.columns(2)
    speed = c1.number_input("Rescuing ship's speed (kn)", 2.0, 30.0, RankingParameters().ship_speed_kn, key="dis_speed")
    max_nm = c2.number_input(
        "Farthest place considered (nm by sea)",
        50.0,
        3000.0,
        RankingParameters().max_sea_distance_nm,
        key="dis_max",
    )
    try:
        params = RankingParameters(ship_speed_kn=speed, max_sea_distance_nm=max_nm)
    except (ValueError, DisembarkationError) as exc:
        st.error(f"Parameters refused: {exc}")
        st.stop()
    with st.spinner("Routing by sea to the registered places of safety…"):
        result = _options(case_id, params.ship_speed_kn, params.max_sea_distance_nm)
    if result is not None:
        st.markdown(
            f"**Responsible state:** {md(result['responsible_state'] or 'unknown')} — "
            f"{md(result['responsible_basis'])}  \n**From:** {result['from']['lat']:.3f}, "
            f"{result['from']['lon']:.3f} ({md(result['from']['basis'])})"
        )
        options = result["options"]
        if not options:
            st.info(
                "No place of safety within reach by sea (register and port list). Are the reference layers "
                "loaded (`seasight geodata load`)?"
            )
        else:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Rank": o["rank"],
                            "Place": o["port"],
                            "UN/LOCODE": o["locode"],
                            "State": o["state"],
                            "Status": o.get("status", ""),
                            "Responsible state": o["responsible_state"],
                            "Sea distance nm": round(o["sea_distance_nm"], 1),
                            "ETA h": round(o["eta_hours"], 1),
                            "Score h": round(o["score_hours"], 1),
                            "Why": "; ".join(o["reasons"]),
                        }
                        for o in options
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            fmap = offline_map((result["from"]["lat"], result["from"]["lon"]), 6)
            folium.CircleMarker(
                (result["from"]["lat"], result["from"]["lon"]),
                radius=8,
                color="#c1121f",
                fill=True,
                tooltip="Rescue position",
            ).add_to(fmap)
            for o in options:
                polyline([(lat, lon) for lon, lat in o["route"]], color="#264653", weight=2, opacity=0.7).add_to(fmap)
            places_layer(options).add_to(fmap)
            st_folium(fmap, key=f"dis-map-{case_id}", height=460, use_container_width=True, returned_objects=[])
        if result["unreachable"]:
            with st.expander(f"{len(result['unreachable'])} place(s) with no sea route"):
                st.dataframe(pd.DataFrame(result["unreachable"]), hide_index=True, width="stretch")

with tab_outcome:
    if "dis_flash" in st.session_state:
        st.success(st.session_state.pop("dis_flash"))
    versions = read("the recorded outcome", lambda conn: outcome_versions(conn, case_id))
    if versions:
        st.markdown("**Recorded versions** (the last is current; an edit adds a version)")
        st.dataframe(pd.DataFrame(versions), hide_index=True, width="stretch")
    elif versions is not None:
        st.info("No outcome recorded for this case yet.")
    who = need_acting_user()
    with st.form("outcome"):
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox("Outcome", [k.value for k in OutcomeKind], key="out_kind")
        state = c2.text_input("State (ISO alpha-3)", max_chars=3, key="out_state")
        locode = c3.text_input("Place of safety (UN/LOCODE)", max_chars=5, key="out_locode")
        place_name = c1.text_input("Landing place without a LOCODE", max_chars=200, key="out_place")
        day = c2.date_input("Outcome date (UTC)", current_time().date(), key="out_date")
        at = c3.time_input("Outcome time (UTC)", key="out_time")
        st.markdown("Counts of persons (leave 0 when not known).")
        k = st.columns(4)
        persons = k[0].number_input("Persons aboard", 0, 100_000, 0, key="out_persons")
        men = k[1].number_input("Men", 0, 100_000, 0, key="out_men")
        women = k[2].number_input("Women", 0, 100_000, 0, key="out_women")
        children = k[3].number_input("Children", 0, 100_000, 0, key="out_children")
        uasc = k[0].number_input("Unaccompanied / separated children", 0, 100_000, 0, key="out_uasc")
        deaths = k[1].number_input("Deaths", 0, 100_000, 0, key="out_deaths")
        missing = k[2].number_input("Missing", 0, 100_000, 0, key="out_missing")
        days = k[3].number_input("Days at sea", 0.0, 365.0, 0.0, key="out_days")
        reception = c1.selectbox("Reception on arrival", ["unknown", *[r.value for r in Reception]], key="out_rec")
        route = c2.text_input("Route", max_chars=200, key="out_route", help="e.g. Bay of Bengal/Andaman Sea")
        source = c3.text_input("Source of the figures", max_chars=200, key="out_source")
        nationalities = c1.text_input(
            "Nationalities (counts)", max_chars=500, key="out_nat", help="ISO alpha-3 and count, e.g. MMR:120, BGD:3"
        )
        quality_options: list[str | int] = ["unknown", 1, 2, 3, 4, 5]
        quality = c2.selectbox(
            "Source quality (1 single unverified … 5 official verified)", quality_options, key="out_quality"
        )
        k2 = st.columns(5)
        screened = k2[0].selectbox("Screened on arrival", TRI, key="out_screened")
        asylum = k2[1].selectbox("Referred to asylum procedures", TRI, key="out_asylum")
        consular = k2[2].selectbox("Consular notification", TRI, key="out_consular")
        trafficking = k2[3].number_input("Trafficking victims identified", 0, 100_000, 0, key="out_traff")
        returns = k2[4].number_input("Voluntary returns (AVRR)", 0, 100_000, 0, key="out_returns")
        st.markdown("Persons with specific needs (counts; leave 0 when not known).")
        k3 = st.columns(4)
        pregnant = k3[0].number_input("Pregnant women", 0, 100_000, 0, key="out_pregnant")
        older = k3[1].number_input("Older persons (60 and over)", 0, 100_000, 0, key="out_older")
        disabled = k3[2].number_input("Persons with disabilities", 0, 100_000, 0, key="out_disabled")
        medevac = k3[3].number_input(
            "Medical evacuations", 0, 100_000, 0, key="out_medevac", help="persons evacuated before disembarkation"
        )
        reason = st.text_input("Why this version (required)", max_chars=500, key="out_reason")
        save = st.form_submit_button("Record the outcome", disabled=who is None)
    if save and who is not None:

        def none0(x: float) -> int | None:
            return int(x) if x else None

        try:
            outcome = Outcome(
                case_id=case_id,
                outcome=OutcomeKind(kind),
                state=state.strip().upper() or None,
                locode=locode.strip().upper() or None,
                place_name=place_name.strip() or None,
                outcome_at=datetime.combine(day, at, tzinfo=UTC),
                route=route.strip() or None,
                persons_aboard=none0(persons),
                men=none0(men),
                women=none0(women),
                children=none0(children),
                uasc=none0(uasc),
                deaths=none0(deaths),
                missing=none0(missing),
                days_at_sea=days or None,
                reception=None if reception == "unknown" else Reception(reception),
                source=source.strip(),
                nationalities=parse_counts(nationalities),
                source_quality=None if quality == "unknown" else int(quality),
                screened=TRI[screened],
                referred_to_asylum=TRI[asylum],
                consular_notification=TRI[consular],
                trafficking_victims_identified=none0(trafficking),
                voluntary_returns=none0(returns),
                pregnant_women=none0(pregnant),
                older_persons=none0(older),
                persons_with_disabilities=none0(disabled),
                medical_evacuations=none0(medevac),
                is_exercise=bool(case["exercise"]),
            )
            with connection() as conn:
                version = record_outcome(conn, outcome, reason, who[0], who[1])
                conn.commit()
        except (CoordinationError, ValueError) as exc:
            st.error(f"The outcome was not recorded: {md(exc)}")
        else:
            st.session_state["dis_flash"] = f"Outcome recorded as version {version}."
            st.rerun()
