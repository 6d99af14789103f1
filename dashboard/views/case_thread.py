"""Case thread: one case from what raised it to what became of the people — the vessel's AIS track, its
flags, the sighting(s), the case log, requests for assistance, SITREPs as sent, CAP messages, the places
of safety when asked for, and the recorded outcome — all through ``coordination.thread``.

Reached with ``?case=SEASIGHT-12`` (from the SAR cases page) or ``?mmsi=...`` (from a vessel on the live
map: the vessel's cases to pick from). Exercise cases say so on every view."""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from coordination.cases import case_reference, list_cases, parse_case_reference
from coordination.disembarkation.ranking import RankingParameters
from coordination.disembarkation.store import options_as_dict, options_for_case
from coordination.errors import InvalidInputError
from coordination.thread import CaseThread, case_thread, cases_of_vessel
from dashboard.auth import require_page
from dashboard.data import current_time
from dashboard.maps import offline_map, polyline
from dashboard.ui import link_to, md, read

require_page("case_thread")  # direct URL: refused unless the signed-in role may use this page

st.title("Case thread")
st.caption(
    "Everything held about one case, oldest first: track → flags → sighting → case → SITREPs and CAP → "
    "disembarkation → outcome."
)

STAGE_LABELS = {
    "track": "Track",
    "flag": "Flag",
    "sighting": "Sighting",
    "case": "Case",
    "request": "Request",
    "sitrep": "SITREP",
    "cap": "CAP",
    "options": "Places of safety",
    "outcome": "Outcome",
}

# --- which case ---------------------------------------------------------------------------------------
case_param = str(st.query_params.get("case", "")).strip()
if case_param:
    try:  # as users write it: SEASIGHT-12, seasight-12 or 12
        case_param = case_reference(parse_case_reference(case_param))
    except InvalidInputError as exc:
        st.error(f"Case {md(case_param)} refused: {md(exc)}")
        case_param = ""
mmsi_param = str(st.query_params.get("mmsi", "")).strip()
choices: dict[str, str] = {}
if mmsi_param.isdigit():
    vessel_cases = read("the vessel's cases", lambda conn: cases_of_vessel(conn, int(mmsi_param)))
    if vessel_cases is None:
        st.stop()
    st.subheader(f"Cases of MMSI {mmsi_param}")
    if not vessel_cases:
        st.info(f"MMSI {mmsi_param} has no SAR case (opened from it or from a flag on it).")
        st.stop()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Case": c["reference"],
                    "Mode": "EXERCISE" if c["exercise"] else "REAL",
                    "Status": c["status"] + (f" ({c['conclusion'].replace('_', ' ')})" if c["conclusion"] else ""),
                    "Opened": c["opened_at"],
                    "Persons": c["persons"],
                    "Outcome": "not recorded"
                    if c["outcome"] is None
                    else f"{c['outcome']['outcome'].replace('_', ' ')} {c['outcome']['place'] or ''}".strip(),
                }
                for c in vessel_cases
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    choices = {c["reference"]: f"{c['reference']} · {c['status']}" for c in vessel_cases}
else:
    listed = read("the cases", lambda conn: list_cases(conn, include_closed=True))
    if listed is None:
        st.stop()
    choices = {
        c["reference"]: f"{c['reference']} · {'EXERCISE' if c['exercise'] else 'REAL'} · {c['status']}" for c in listed
    }
if case_param and case_param not in choices:
    choices = {case_param: case_param, **choices}  # not listed: the query below says whether it may be read
if not choices:
    st.info("No SAR case yet: open one on the SAR cases page.")
    st.stop()
keys = list(choices)
default = case_param or keys[0]
reference = st.selectbox(
    "Case", keys, index=keys.index(default), key="thread_case", format_func=lambda k: choices.get(k, k)
)

with_options = st.checkbox(
    "Rank the places of safety now (routing by sea takes a few seconds)", key="thread_options", value=False
)


@st.cache_data(ttl=120, show_spinner=False)
def _options(ref: str) -> dict[str, Any] | None:
    """Ranked options for the case with the default parameters (kept two minutes)."""
    params = RankingParameters()
    return read(
        "the places of safety", lambda conn: options_as_dict(options_for_case(conn, parse_case_reference(ref), params))
    )


options = None
now = current_time()
if with_options:
    with st.spinner("Routing by sea to the places of safety…"):
        options = _options(reference)

thread: CaseThread | None = read(
    "the case thread",
    lambda conn: case_thread(conn, reference, options=options, options_at=now if options is not None else None),
)
if thread is None:
    st.stop()

# --- the thread ---------------------------------------------------------------------------------------
if thread.exercise:
    st.warning("EXERCISE EXERCISE EXERCISE — this is an exercise case.")
status = thread.status + (f" ({thread.conclusion.replace('_', ' ')})" if thread.conclusion else "")
st.subheader(f"{thread.reference} — {thread.phase.upper()}, {status}")
c1, c2, c3 = st.columns(3)
with c1:
    link_to("sar_cases", "Open on the SAR cases page", ":material/support:", case=thread.reference)
with c2:
    link_to("disembarkation", "Disembarkation options and outcome", ":material/directions_boat:")
if thread.mmsi is not None:
    with c3:
        link_to("case_thread", f"All cases of MMSI {thread.mmsi}", ":material/timeline:", mmsi=str(thread.mmsi))

st.dataframe(
    pd.DataFrame(
        [
            {
                "Time (UTC)": e.at.isoformat(),
                "Stage": STAGE_LABELS.get(e.stage, e.stage),
                "What": e.title,
                "Detail": e.detail,
                "Ref": e.ref or "",
            }
            for e in thread.entries
        ]
    ),
    hide_index=True,
    width="stretch",
    height="content",  # the whole thread, sighting to outcome, without scrolling inside the table
)
for e in thread.entries:
    if e.text:
        with st.expander(f"{STAGE_LABELS[e.stage]} {md(e.ref or '')} as sent — {e.at:%Y-%m-%d %H:%MZ}"):
            st.code(e.text, language="xml" if e.stage == "cap" else None)

# The map always shows where the case is (last known position), with the vessel's AIS track when it has one.
if thread.lkp:
    fmap = offline_map(thread.lkp, 7)
    if thread.track:
        polyline([(f.lat, f.lon) for f in thread.track], color="#264653", weight=2, tooltip="AIS track").add_to(fmap)
    folium.CircleMarker(thread.lkp, radius=7, color="#c1121f", fill=True, tooltip="Last known position").add_to(fmap)
    for o in (options or {}).get("options", []):
        polyline([(lat, lon) for lon, lat in o["route"]], color="#2a9d8f", weight=2, opacity=0.7).add_to(fmap)
    st_folium(fmap, key=f"thread-map-{thread.case_id}", height=420, use_container_width=True, returned_objects=[])
if thread.mmsi is None:
    st.caption("No AIS track: the case was not opened from a vessel.")
