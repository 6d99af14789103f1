"""SAR cases: open one (LKP time and source), escalate its phase with a reason, no-action decisions confirmed
by a second coordinator, the phase checklist and its timers, SURPIC, drift and search area for a datum time
on a map, requests for assistance, SITREP items, SITREPs composed, sent and kept, CAP 1.2, a readable case
log and a closed case's conclusion — all through ``coordination.cases``. Exercise cases are marked on every
view and in every message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import pandas as pd
import psycopg
import streamlit as st
from streamlit_folium import st_folium

from coordination import phases as ph
from coordination.cases import (
    OpenCaseRequest,
    answer_handover,
    assign,
    case_as_dict,
    case_reference,
    case_surpic,
    change_phase,
    close_case,
    confirm_no_action,
    end_assistance,
    get_sitrep,
    hand_over,
    issue_cap,
    issue_sitrep,
    list_cases,
    list_sitreps,
    load_case,
    open_case,
    parse_case_reference,
    propose_no_action,
    record_action,
    request_assistance,
    store_search_area,
    withdraw_handover,
)
from coordination.drift import LEEWAY_CLASSES
from coordination.errors import CoordinationError
from coordination.queries import open_cases_geojson
from coordination.surpic import SurpicParameters, entry_as_dict
from coordination.surpic import to_csv as surpic_csv
from dashboard.auth import require_page
from dashboard.data import current_time
from dashboard.maps import search_area_map
from dashboard.ui import connection, link_to, md, need_acting_user, read

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
just_closed = st.session_state.get("case_just_closed")
listed = read("the cases", lambda conn: list_cases(conn, include_closed or bool(just_closed), exercise_filter))
if listed is None:
    st.stop()
# a case closed here stays on the list (with its conclusion) until another case is picked
cases = [c for c in listed if include_closed or c["status"] == "open" or c["id"] == just_closed]
if cases:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Case": c["reference"],
                    "Mode": "EXERCISE" if c["exercise"] else "REAL",
                    "Phase": c["phase"],
                    "Status": c["status"] + (f" ({c['conclusion'].replace('_', ' ')})" if c["conclusion"] else ""),
                    "Persons": c["persons"],
                    "Craft": c["craft"],
                    "RCC": (c["rcc"] or {}).get("name"),
                    "Held by": c["owner"]
                    + (
                        f" (offered to {c['handover_to']}"
                        + (", yours to accept" if who is not None and c["handover_to"] == who[1] else "")
                        + ")"
                        if c["handover_to"]
                        else ""
                    ),
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
        lkp_day = c1.date_input("Date of the last known position (UTC)", now.date(), key="oc_lkp_day")
        lkp_clock = c2.time_input(
            "Time of the last known position (UTC; empty = the vessel's last AIS report, else now)",
            None,
            key="oc_lkp_time",
            step=60,
        )
        source = c1.text_input("Reported by (source)", max_chars=200, key="oc_source", help="hotline, aircraft …")
        casualty = c2.text_input("Identity of the casualty (name, description)", max_chars=200, key="oc_casualty")
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
            time=datetime.combine(lkp_day, lkp_clock, tzinfo=UTC) if lkp_clock is not None else None,
            source=source or None,
            casualty=casualty or None,
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
# A case named by a link (?case=SEASIGHT-12, e.g. from the case thread page): picked once per link.
case_param = str(st.query_params.get("case", "")).strip()
if case_param and st.session_state.get("case_param_taken") != case_param:
    st.session_state["case_param_taken"] = case_param
    try:
        linked = parse_case_reference(case_param)
    except CoordinationError as exc:
        st.error(f"Case {md(case_param)} refused: {md(exc)}")
    else:
        if linked in ids:
            st.session_state["case_pick"] = linked
        else:
            st.info(f"{case_reference(linked)} is not in the list: tick “Include closed cases”, or check the mode.")
if st.session_state.get("case_pick") not in ids:
    st.session_state["case_pick"] = ids[0]
labels = {c["id"]: f"{c['reference']} · {'EXERCISE' if c['exercise'] else 'REAL'} · {c['phase']}" for c in cases}
case_id = st.selectbox("Case", ids, key="case_pick", format_func=lambda i: labels[i])
if just_closed is not None and case_id != just_closed:
    st.session_state.pop("case_just_closed", None)
record = read("the case", lambda conn: load_case(conn, case_id))
if record is None:
    st.stop()
case = case_as_dict(record, now)
if case["exercise"]:
    st.warning("EXERCISE EXERCISE EXERCISE — this is an exercise case; its messages say so.")
st.subheader(f"{case['reference']} — {case['phase'].upper()} ({case['phase_code']})")
link_to(
    "case_thread",
    "Case thread: track, flags, sighting, log, SITREPs, CAP, outcome",
    ":material/timeline:",
    case=case["reference"],
)
m = st.columns(4)
m[0].metric("Phase since", case["phase_since"][11:16] + " UTC")
m[1].metric("Persons", case["persons"] if case["persons"] is not None else "unknown")
m[2].metric("SITREPs sent", case["sitreps_sent"])
m[3].metric("Status", case["status"])
if case["status"] == "closed":
    closing = next((e for e in reversed(case["log"]) if e["kind"] == "closed"), None)
    st.success(
        f"Closed {case['closed_at'][:16].replace('T', ' ')} UTC — conclusion: "
        f"**{md(str(case['conclusion']).replace('_', ' '))}**"
        + (f": {md(closing['data'].get('summary', ''))}" if closing else "")
    )
st.markdown(
    f"**Casualty:** {md(case['casualty'])}  \n**Craft:** {md(case['craft'])} · **Source:** "
    f"{md(case['source'])}  \n**Situation:** {md(case['situation'] or '-')}  \n"
    f"**LKP:** {case['position']['lat']:.4f}, {case['position']['lon']:.4f} at "
    f"{case['position']['time'][:16].replace('T', ' ')} UTC (reported by {md(case['source'])})"
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
            st.session_state["case_just_closed"] = case_id
            st.rerun()
    # hand-over: an offer the receiving state's coordinator accepts (then the case is theirs), IAMSAR Vol. II ch. 3
    offer = case["handover_offer"]
    mine_state = who[1] if who is not None else None
    if offer is not None:
        st.warning(
            f"Hand-over to {md(offer['to_rcc'])} ({md(offer['to_country'])}) offered by {md(offer['offered_by'])}: "
            f"{md(offer['reason'])} — awaiting acceptance; {md(case['owner'])} holds the case until then."
        )
        if mine_state == offer["to_country"]:
            c1, c2 = st.columns(2)
            if c1.button("Accept the hand-over", key="ho_accept") and who is not None:
                user, state = who
                if run("Accepting", lambda conn: answer_handover(conn, case_id, True, state, user, now)):
                    st.rerun()
            decline_why = c2.text_input("Reason to decline", max_chars=500, key="ho_decline_reason")
            if c2.button("Decline the hand-over", key="ho_decline") and who is not None:
                user, state = who
                if run("Declining", lambda conn: answer_handover(conn, case_id, False, state, user, now, decline_why)):
                    st.rerun()
        elif mine_state == case["owner"]:
            withdraw_why = st.text_input("Reason to withdraw the offer", max_chars=500, key="ho_withdraw_reason")
            if st.button("Withdraw the offer", key="ho_withdraw") and who is not None:
                user = who[0]
                if run("Withdrawing", lambda conn: withdraw_handover(conn, case_id, withdraw_why, user, now)):
                    st.rerun()
    elif case["status"] == "open":
        with st.form("handover"):
            st.markdown(
                "**Hand over** to the RCC of another SRR: its coordinators accept in Seasight, and the case becomes "
                "theirs. An RCC outside Seasight: give its name and state, and who accepted there."
            )
            c1, c2, c3 = st.columns(3)
            to_srr = c1.text_input("SRR id of the receiving RCC", max_chars=40, key="ho_srr")
            to_rcc = c2.text_input("or the RCC's name", max_chars=200, key="ho_rcc")
            to_country = c3.text_input("and its state (ISO alpha-3)", max_chars=3, key="ho_country")
            accepted_by = c1.text_input("Accepted by (RCC outside Seasight only)", max_chars=200, key="ho_by")
            ho_reason = c2.text_input("Reason (required)", max_chars=500, key="ho_reason")
            ho_ok = st.form_submit_button("Hand over", disabled=who is None)
        if ho_ok and who is not None:
            user = who[0]
            done_over = run(
                "The hand-over",
                lambda conn: hand_over(
                    conn,
                    case_id,
                    to_srr.strip() or None,
                    ho_reason,
                    user,
                    now,
                    accepted_by,
                    to_rcc_name=to_rcc or None,
                    to_country=to_country or None,
                ),
            )
            if done_over is not None:
                st.rerun()
    if case["previous_owners"]:
        st.caption(f"Held before by {', '.join(case['previous_owners'])} (hand-over accepted).")
    # no-action: proposed by one coordinator, effective only when a second one confirms it (IAMSAR Vol. II ch. 3)
    na = case["no_action"]
    if na is None:
        with st.form("no_action"):
            na_reason = st.text_input(
                "Propose a no-action decision — reason (not in the distress phase)", max_chars=500, key="na_reason"
            )
            na_ok = st.form_submit_button(
                "Propose no further action",
                disabled=who is None or case["status"] == "closed" or case["phase"] == "distress",
            )
        if na_ok and who is not None:
            user = who[0]
            if run("The no-action decision", lambda conn: propose_no_action(conn, case_id, na_reason, user, now)):
                st.rerun()
    elif na["confirmed_by"]:
        st.info(
            f"No-action decision of {md(na['proposed_by'])} confirmed by {md(na['confirmed_by'])}: {md(na['reason'])}"
        )
    else:
        st.warning(
            f"No-action decision proposed by {md(na['proposed_by'])}: {md(na['reason'])} — "
            "awaiting a second coordinator."
        )
        mine = who is not None and who[0] == na["proposed_by"]
        if (
            st.button(
                "Confirm the no-action decision (second coordinator)",
                key="na_confirm",
                disabled=who is None or mine or case["status"] == "closed",
                help="The coordinator who proposed it cannot confirm it." if mine else None,
            )
            and who is not None
        ):
            user = who[0]
            if run("The confirmation", lambda conn: confirm_no_action(conn, case_id, user, now)):
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
                surpic_csv(entries, case["reference"], case["exercise"]),
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
        dt_day = c1.date_input("Datum date (UTC)", now.date(), key="dr_day")
        dt_clock = c2.time_input(
            "Datum time (UTC): the time the drift is computed for",
            now.time().replace(second=0, microsecond=0),
            key="dr_time",
            step=60,
        )
        compute = st.form_submit_button(
            "Compute and store the search area", disabled=who is None or case["status"] == "closed"
        )
    if compute and who is not None:
        user = who[0]
        res = run(
            "The search area",
            lambda conn: store_search_area(
                conn,
                case_id,
                wind_from,
                wind_kn,
                cur_set,
                cur_kn,
                user,
                now,
                datum_time=datetime.combine(dt_day, dt_clock, tzinfo=UTC),
                craft=craft_class,
            ),
        )
        if res is not None:
            st.rerun()
    area = case["search_area"]
    if area:
        st.caption(
            f"Datum {area['datum']['lat']:.4f}, {area['datum']['lon']:.4f} at "
            f"{area['datum_time'] or 'time not recorded'}; radius {area['radius_nm']:.1f} nm; "
            f"computed {area['computed_at']}."
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
    closed = case["status"] == "closed"
    st.markdown("**Requests for assistance** (SITREP item E)")
    for r in case["requests"]:
        c1, c2 = st.columns([5, 1])
        persons_text = f", {r['persons']} persons" if r["persons"] is not None else ""
        c1.markdown(
            f"{r['number']}. **{md(r['label'])}**{persons_text} — {md(r['detail'] or '-')}"
            + (f" · asked of {md(r['asked_of'])}" if r["asked_of"] else "")
            + f" · *{r['status']}*"
        )
        if (
            r["status"] == "open"
            and c2.button("Met", key=f"req-met-{case_id}-{r['number']}", disabled=who is None or closed)
            and who is not None
        ):
            met = partial(end_assistance, case_id=case_id, number=r["number"], status="met", by=who[0], now=now)
            if run("Ending the request", met):
                st.rerun()
    with st.form("request"):
        c1, c2, c3 = st.columns(3)
        need = c1.selectbox(
            "Assistance needed",
            [n.value for n in ph.AssistanceNeed],
            key="rq_need",
            format_func=lambda v: v.replace("_", " "),
        )
        rq_persons = c2.number_input("Persons it concerns (0 = not given)", 0, 10_000, 0, key="rq_persons")
        asked_of = c3.text_input("Asked of", max_chars=200, key="rq_asked")
        detail = st.text_input("Detail", max_chars=1000, key="rq_detail")
        rq_ok = st.form_submit_button("Record the request", disabled=who is None or closed)
    if rq_ok and who is not None:
        user = who[0]
        made = run(
            "The request",
            lambda conn: request_assistance(
                conn, case_id, ph.AssistanceNeed(need), user, now, detail, asked_of, rq_persons or None
            ),
        )
        if made is not None:
            st.rerun()

    st.markdown("**SITREP** (IAMSAR short form A–F, full form A–N)")
    with st.form("sitrep"):
        full = st.checkbox("Full SITREP (items G–N)", key="sitrep_full")
        to_text = st.text_input("To (addressees, comma separated; empty = all concerned)", key="sitrep_to")
        items: dict[str, str] = {}
        for letter, label in ph.SITREP_ITEMS.items():
            current = (case["sitrep_items"].get(letter) or {}).get("text", "")
            items[letter] = st.text_input(f"{letter}. {label}", current, max_chars=1000, key=f"sitrep_item_{letter}")
        c1, c2 = st.columns(2)
        compose = c1.form_submit_button("Compose (draft, not sent)", disabled=who is None)
        send = c2.form_submit_button("Send the next SITREP", disabled=who is None)
    if (compose or send) and who is not None:
        user = who[0]
        addressees = [x.strip() for x in to_text.split(",") if x.strip()]
        written = {k: v for k, v in items.items() if v.strip()}
        out = run(
            "The SITREP",
            lambda conn: issue_sitrep(
                conn, case_id, user, now, full=full, to=addressees, record_it=bool(send), items=written
            ),
        )
        if out is not None:
            st.session_state[f"sitrep-{case_id}"] = (out[0], out[1], bool(send))
    if f"sitrep-{case_id}" in st.session_state:
        number, text, was_sent = st.session_state[f"sitrep-{case_id}"]
        st.caption(f"SITREP {number} — {'sent and kept' if was_sent else 'DRAFT, not sent'}")
        st.code(text, language=None)
    sent = read("the SITREPs sent", lambda conn: list_sitreps(conn, case_id))
    if sent:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "No.": r["number"],
                        "Final": "FINAL" if r["final"] else "",
                        "Form": r["form"],
                        "Sent": r["sent_at"][:16].replace("T", " "),
                        "By": r["sent_by"],
                        "To": ", ".join(r["to"]) or "all concerned",
                    }
                    for r in sent
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        pick = st.selectbox("SITREP as sent", [r["number"] for r in sent], key=f"sitrep-pick-{case_id}")
        kept = read("the SITREP", lambda conn: get_sitrep(conn, case_id, int(pick)))
        if kept is not None:
            st.download_button(
                f"Download SITREP {kept['number']}",
                kept["text"],
                file_name=f"{case['reference']}-sitrep-{kept['number']}.txt",
                mime="text/plain",
                key="sitrep_dl",
            )
    elif sent is not None:
        st.caption("No SITREP sent yet.")

    st.markdown("**CAP 1.2**")
    if st.button("Issue the next CAP 1.2 message", disabled=who is None, key="cap_issue") and who is not None:
        user = who[0]
        msg = run("The CAP message", lambda conn: issue_cap(conn, case_id, user, now))
        if msg is not None:
            st.session_state[f"cap-{case_id}"] = (msg.msg_type.value, msg.identifier, msg.xml)
    if f"cap-{case_id}" in st.session_state:
        kind, ident, xml = st.session_state[f"cap-{case_id}"]
        st.download_button(f"Download CAP {kind}", xml, file_name=f"{ident}.xml", mime="application/xml", key="cap_dl")
        st.code(xml, language="xml")
    st.caption(
        "Sending numbers a SITREP, keeps its text as sent and records it in the case log; CAP is validated "
        "against the OASIS CAP 1.2 schema first."
    )

with tab_log:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": e["seq"],
                    "At (UTC)": e["at"][:19].replace("T", " "),
                    "By": e["by"],
                    "Event": e["kind"],
                    "What": e["summary"],
                }
                for e in case["log"]
            ]
        ),
        hide_index=True,
        width="stretch",
    )
