"""SAR cases: open one, escalate its phase with a reason, the phase checklist and its timers, SURPIC,
drift and search area on a map, SITREP and CAP 1.2 downloads — all through ``coordination.cases``.
Exercise cases are marked on every view and in every message."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

import pandas as pd
import psycopg
import streamlit as st
from streamlit_folium import st_folium

from coordination import phases as ph
from coordination.cases import (
    OpenCaseRequest,
    assign,
    case_as_dict,
    case_surpic,
    change_phase,
    close_case,
    issue_cap,
    issue_sitrep,
    list_cases,
    load_case,
    open_case,
    record_action,
    store_search_area,
)
from coordination.drift import LEEWAY_CLASSES
from coordination.errors import CoordinationError
from coordination.queries import open_cases_geojson
from coordination.surpic import SurpicParameters, entry_as_dict
from coordination.surpic import to_csv as surpic_csv
from dashboard.auth import require_page
from dashboard.data import current_time
from dashboard.maps import search_area_map
from dashboard.ui import connection, md, need_acting_user, read

require_page("sar_cases")  # direct URL: refused unless the signed-in role may use this page

st.title("SAR cases")

who = need_acting_user()
now = current_time()


T = TypeVar("T")


def run(what: str, fn: Callable[[psycopg.Connection], T]) -> T | None:
    """Run a coordination command; show the rule's refusal as an error. Returns its result or None."""
    try:
        with connection() as conn:
            result = fn(conn)
            conn.commit()
            return result
    except CoordinationError as exc:
        st.error(f"{what} refused: {exc}")
    return None


# --- list ---------------------------------------------------------------------------------------------
c1, c2 = st.columns(2)
include_closed = c1.checkbox("Include closed cases", key="case_closed")
mode = c2.radio("Mode", ["all", "real only", "exercise only"], horizontal=True, key="case_mode")
exercise_filter = {"all": None, "real only": False, "exercise only": True}[mode]
cases = read("the cases", lambda conn: list_cases(conn, include_closed, exercise_filter))
if cases is None:
    st.stop()
if cases:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Case": c["reference"],
                    "Mode": "EXERCISE" if c["exercise"] else "REAL",
                    "Phase": c["phase"],
                    "Status": c["status"],
                    "Persons": c["persons"],
                    "Craft": c["craft"],
                    "RCC": (c["rcc"] or {}).get("name"),
                    "Opened": c["opened_at"],
                }
                for c in cases
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No case. Open one below (or from a flag on the Concerns page, or a vessel on the Live map).")

# --- open ---------------------------------------------------------------------------------------------
# A vessel handed over by the live map's link (?mmsi=...), or by another page through session state.
mmsi_param = str(st.query_params.get("mmsi", ""))
origin = {"mmsi": int(mmsi_param)} if mmsi_param.isdigit() else (st.session_state.get("case_from") or {})
with st.expander("Open a case", expanded=bool(origin) or not cases):
    with st.form("open_case"):
        mmsi = st.number_input(
            "From a vessel (MMSI, 0 = none)", 0, 999_999_999, int(origin.get("mmsi", 0)), key="oc_mmsi"
        )
        c1, c2 = st.columns(2)
        lat = c1.number_input(
            "Last known latitude (° N +; used when no vessel)", -90.0, 90.0, None, format="%.4f", key="oc_lat"
        )
        lon = c2.number_input(
            "Last known longitude (° E +; used when no vessel)",
            -180.0,
            180.0,
            None,
            format="%.4f",
            key="oc_lon",
        )
        persons = c1.number_input("Persons on board (0 = unknown)", 0, 10_000, 0, key="oc_persons")
        craft = c2.text_input("Craft", "wooden_boat", max_chars=40, key="oc_craft")
        phase = c1.selectbox("Phase", [p.value for p in ph.Phase], key="oc_phase")
        exercise = c2.checkbox("EXERCISE case (table-top; never counted as real)", key="oc_exercise")
        situation = st.text_area("Situation", max_chars=2000, key="oc_situation")
        reason = st.text_input("Reason for opening", max_chars=500, key="oc_reason")
        go = st.form_submit_button("Open the case", disabled=who is None)
    if go and who is not None:
        user, owner = who
        req = OpenCaseRequest(
            lat=lat,
            lon=lon,
            persons=persons or None,
            craft=craft or None,
            situation=situation,
            exercise=exercise,
            phase=ph.Phase(phase),
            reason=reason or "case opened",
            mmsi=mmsi or None,
        )
        record = run("Opening the case", lambda conn: open_case(conn, req, user, owner, now))
        if record is not None:
            st.session_state.pop("case_from", None)
            st.query_params.clear()
            st.session_state["case_pick"] = record.id
            st.success(f"Opened {record.reference}" + (" (EXERCISE)" if record.exercise else ""))
            st.rerun()

if not cases:
    st.stop()

# --- one case -----------------------------------------------------------------------------------------
ids = [c["id"] for c in cases]
if st.session_state.get("case_pick") not in ids:
    st.session_state["case_pick"] = ids[0]
labels = {c["id"]: f"{c['reference']} · {'EXERCISE' if c['exercise'] else 'REAL'} · {c['phase']}" for c in cases}
case_id = st.selectbox("Case", ids, key="case_pick", format_func=lambda i: labels[i])
record = read("the case", lambda conn: load_case(conn, case_id))
if record is None:
    st.stop()
case = case_as_dict(record, now)
if case["exercise"]:
    st.warning("EXERCISE EXERCISE EXERCISE — this is an exercise case; its messages say so.")
st.subheader(f"{case['reference']} — {case['phase'].upper()} ({case['phase_code']})")
m = st.columns(4)
m[0].metric("Phase since", case["phase_since"][11:16] + " UTC")
m[1].metric("Persons", case["persons"] if case["persons"] is not None else "unknown")
m[2].metric("SITREPs sent", case["sitreps_sent"])
m[3].metric("Status", case["status"])
st.markdown(
    f"**Casualty:** {md(case['casualty'])}  \n**Craft:** {md(case['craft'])} · **Source:** "
    f"{md(case['source'])}  \n**Situation:** {md(case['situation'] or '-')}  \n"
    f"**LKP:** {case['position']['lat']:.4f}, {case['position']['lon']:.4f} at {case['position']['time']}"
)
rcc = case["rcc"]
if rcc:
    st.markdown(
        f"**Responsible RCC:** {md(rcc['name'])} ({md(rcc['country'])}), SRR {md(rcc['srr_name'])}"
        + (" — *indicative SRR boundary*" if rcc["indicative"] else "")
    )
else:
    st.caption("No responsible RCC found (no SRR covers the position, or the SRR layer is not loaded).")

tab_check, tab_phase, tab_surpic, tab_area, tab_msgs, tab_log = st.tabs(
    ["Checklist and timers", "Phase", "SURPIC", "Drift and search area", "SITREP and CAP", "Log"]
)


with tab_check:
    for p in case["prompts"]:
        st.error(f":material/alarm: {md(p['message'])} (overdue by {p['overdue_min']:.0f} min)")
    if not case["prompts"]:
        st.success("No timer has run out.")
    for item in case["checklist"]:
        c1, c2 = st.columns([5, 1])
        box = ":material/check_box:" if item["done"] else ":material/check_box_outline_blank:"
        c1.markdown(
            f"{box} **{md(item['title'])}** — due {item['due_at'][11:16]} UTC  \n"
            f"<small>{md(item['iamsar'])}</small>",  # escaped by md(); only the <small> tag is HTML
            unsafe_allow_html=True,
        )
        clicked = not item["done"] and c2.button(
            "Done", key=f"done-{case_id}-{item['id']}", disabled=who is None or case["status"] == "closed"
        )
        if clicked and who is not None:
            mark_done = partial(record_action, case_id=case_id, action_id=item["id"], by=who[0], now=now)
            if run("Recording the action", mark_done):
                st.rerun()

with tab_phase:
    t = case["time_in_phase_s"]
    st.caption("Time in each phase: " + ", ".join(f"{k} {v // 60} min" for k, v in t.items()))
    with st.form("phase_change"):
        to = st.selectbox("Change phase to", [p.value for p in ph.Phase if p.value != case["phase"]], key="pc_to")
        why = st.text_input("Reason (required)", max_chars=500, key="pc_reason")
        ok = st.form_submit_button("Change phase", disabled=who is None or case["status"] == "closed")
    if ok and who is not None:
        user = who[0]
        if run("The phase change", lambda conn: change_phase(conn, case_id, ph.Phase(to), why, user, now)):
            st.rerun()
    c1, c2 = st.columns(2)
    with c1.form("assign"):
        role = st.selectbox(
            "Assign a role",
            ["SMC", "OSC", "SRU", "ACO"],
            key="as_role",
            help="SAR mission co-ordinator, on-scene co-ordinator, SAR unit, aircraft co-ordinator",
        )
        assignee = st.text_input("Name (unit, ship or person)", max_chars=200, key="as_name")
        assign_ok = st.form_submit_button("Assign", disabled=who is None or case["status"] == "closed")
    if assign_ok and who is not None:
        user = who[0]
        if run("The assignment", lambda conn: assign(conn, case_id, role, assignee, user, now)):
            st.rerun()
    with c2.form("close"):
        conclusion = st.selectbox("Close the case as", [c.value for c in ph.Conclusion], key="cl_conclusion")
        summary = st.text_input("Closing summary (required)", max_chars=1000, key="cl_summary")
        close_ok = st.form_submit_button("Close the case", disabled=who is None or case["status"] == "closed")
    if close_ok and who is not None:
        user = who[0]
        if run("Closing", lambda conn: close_case(conn, case_id, ph.Conclusion(conclusion), summary, user, now)):
            st.rerun()

with tab_surpic:
    radius = st.slider("Radius (nm)", 10, 300, 100, 10, key="surpic_radius")
    got = read("the SURPIC", lambda conn: case_surpic(conn, case_id, now, SurpicParameters(radius_nm=radius)))
    if got is not None:
        datum, entries = got
        st.caption(
            f"Ships with an AIS report in the last 6 h within {radius} nm of "
            f"{datum[0]:.3f}, {datum[1]:.3f} (datum, else LKP), nearest first."
        )
        if entries:
            st.dataframe(pd.DataFrame([entry_as_dict(e) for e in entries]), hide_index=True, width="stretch")
            st.download_button(
                "Download SURPIC (CSV)",
                surpic_csv(entries),
                file_name=f"{case['reference']}-surpic.csv",
                mime="text/csv",
                key="surpic_dl",
            )
        else:
            st.info("No ship near enough (moving, recently reported) for a SURPIC.")

with tab_area:
    with st.form("drift"):
        c1, c2 = st.columns(2)
        classes = list(LEEWAY_CLASSES)
        craft_class = c1.selectbox(
            "Leeway class",
            classes,
            key="dr_craft",
            index=classes.index(record.craft) if record.craft in classes else 0,
            format_func=lambda k: LEEWAY_CLASSES[k].label,
        )
        wind_from = c1.number_input("Wind from (° true)", 0.0, 359.9, 0.0, key="dr_wind_from")
        wind_kn = c1.number_input("Wind (kn)", 0.0, 80.0, 10.0, key="dr_wind")
        cur_set = c2.number_input("Total water current set (° true)", 0.0, 359.9, 0.0, key="dr_set")
        cur_kn = c2.number_input("Current drift (kn)", 0.0, 10.0, 0.5, key="dr_cur")
        compute = st.form_submit_button(
            "Compute and store the search area", disabled=who is None or case["status"] == "closed"
        )
    if compute and who is not None:
        user = who[0]
        res = run(
            "The search area",
            lambda conn: store_search_area(
                conn, case_id, wind_from, wind_kn, cur_set, cur_kn, user, now, craft=craft_class
            ),
        )
        if res is not None:
            st.rerun()
    area = case["search_area"]
    if area:
        st.caption(
            f"Datum {area['datum']['lat']:.4f}, {area['datum']['lon']:.4f}; radius "
            f"{area['radius_nm']:.1f} nm; computed {area['computed_at']}."
        )
    else:
        st.info("No search area yet: compute one above (from the LKP, wind and current).")
    geo = read("the case on the map", lambda conn: open_cases_geojson(conn))
    if geo is not None:
        mine = {
            "type": "FeatureCollection",
            "features": [f for f in geo["features"] if f["properties"]["case_id"] == case_id],
        }
        if mine["features"]:
            centre = (
                (area["datum"]["lat"], area["datum"]["lon"])
                if area
                else (case["position"]["lat"], case["position"]["lon"])
            )
            st_folium(
                search_area_map(mine, centre),
                key=f"case-map-{case_id}",
                height=420,
                use_container_width=True,
                returned_objects=[],
            )
        else:
            st.caption("Closed cases are not drawn.")

with tab_msgs:
    c1, c2 = st.columns(2)
    full = c1.checkbox("Full SITREP (parts G–N)", key="sitrep_full")
    if c1.button("Issue the next SITREP", disabled=who is None, key="sitrep_issue") and who is not None:
        user = who[0]
        out = run("The SITREP", lambda conn: issue_sitrep(conn, case_id, user, now, full=full))
        if out is not None:
            st.session_state[f"sitrep-{case_id}"] = out
    if f"sitrep-{case_id}" in st.session_state:
        number, text = st.session_state[f"sitrep-{case_id}"]
        c1.download_button(
            f"Download SITREP {number}",
            text,
            file_name=f"{case['reference']}-sitrep-{number}.txt",
            mime="text/plain",
            key="sitrep_dl",
        )
        c1.code(text, language=None)
    if c2.button("Issue the next CAP 1.2 message", disabled=who is None, key="cap_issue") and who is not None:
        user = who[0]
        msg = run("The CAP message", lambda conn: issue_cap(conn, case_id, user, now))
        if msg is not None:
            st.session_state[f"cap-{case_id}"] = (msg.msg_type.value, msg.identifier, msg.xml)
    if f"cap-{case_id}" in st.session_state:
        kind, ident, xml = st.session_state[f"cap-{case_id}"]
        c2.download_button(f"Download CAP {kind}", xml, file_name=f"{ident}.xml", mime="application/xml", key="cap_dl")
        c2.code(xml, language="xml")
    st.caption(
        "Issuing numbers the message and records it in the case log as sent; CAP is validated "
        "against the OASIS CAP 1.2 schema first."
    )

with tab_log:
    st.dataframe(
        pd.DataFrame(
            [
                {"#": e["seq"], "Event": e["kind"], "At": e["at"], "By": e["by"], "Details": str(e["data"])}
                for e in case["log"]
            ]
        ),
        hide_index=True,
        width="stretch",
    )
