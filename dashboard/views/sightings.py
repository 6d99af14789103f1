"""Sightings: report one (validated exactly as ``POST /sightings``) and the list of recent reports."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import get_args

import pandas as pd
import streamlit as st

from dashboard.auth import require_page
from dashboard.data import current_time, settings
from dashboard.forms import publish_sighting, validate_sighting
from dashboard.ui import md, need_acting_user, read
from ingest.api import Condition, SourceType
from ingest.errors import IngestError
from seasight.errors import SeasightError
from tracking.queries_map import sightings

require_page("sightings")  # direct URL: refused unless the signed-in role may use this page


WINDOWS = {"last 24 h": 24, "last 7 days": 168, "last 30 days": 720, "any time": None}

st.title("Sightings")
st.caption("Craft seen by aircraft, ships, radar, fishers, hotlines or satellites — often boats with no AIS.")

tab_list, tab_report = st.tabs(["Recent sightings", "Report a sighting"])

with tab_list:
    c1, c2 = st.columns(2)
    window = c1.selectbox("Seen in", list(WINDOWS), index=1, key="sight_window")
    with_exercise = c2.checkbox("Include exercise reports", value=True, key="sight_exercise")
    hours = WINDOWS[window]
    since = None if hours is None else current_time() - timedelta(hours=hours)
    rows = read("the sightings", lambda conn: sightings(conn, since=since, include_exercise=with_exercise))
    if rows is not None:
        if not rows:
            st.info(
                "No sighting in this window. Report one in the next tab, send them to `POST /sightings` "
                "(`seasight api`) or load a file (`seasight ingest sightings FILE`)."
            )
        else:
            n_ex = sum(1 for s in rows if s.is_exercise)
            if n_ex:
                st.warning(f"{n_ex} of these {len(rows)} reports are EXERCISE reports (marked in the Mode column).")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Mode": "EXERCISE" if s.is_exercise else "real",
                            "Seen (UTC)": s.observed_at,
                            "Lat": round(s.lat, 4),
                            "Lon": round(s.lon, 4),
                            "± nm": s.uncertainty_nm,
                            "Source": s.source_type,
                            "Craft": s.craft_type,
                            "Persons": s.persons_estimated,
                            "Conditions": ", ".join(s.conditions),
                            "AIS seen": s.ais_seen,
                            "Confidence": s.confidence,
                            "Open flags": s.open_flags,
                            "Note": s.note,  # outside text: shown as text in the table
                            "Reported by": f"{s.owner} / {s.acted_by}",
                            "Id": s.id,
                        }
                        for s in rows
                    ]
                ),
                hide_index=True,
                width="stretch",
            )

with tab_report:
    who = need_acting_user()
    with st.form("report_sighting", clear_on_submit=False):
        now = current_time()
        c1, c2, c3 = st.columns(3)
        day = c1.date_input("Date seen (UTC)", now.date(), key="sf_date")
        clock = c2.time_input("Time seen (UTC)", time(now.hour, now.minute), key="sf_time")
        source_type = c3.selectbox("Seen by", get_args(SourceType), key="sf_source")
        lat = c1.number_input("Latitude (°, north +)", -90.0, 90.0, 0.0, format="%.5f", key="sf_lat")
        lon = c2.number_input("Longitude (°, east +)", -180.0, 180.0, 0.0, format="%.5f", key="sf_lon")
        unc = c3.number_input("Position uncertainty (nm)", 0.0, 500.0, 1.0, key="sf_unc")
        craft = c1.text_input(
            "Craft type",
            "unknown",
            max_chars=60,
            key="sf_craft",
            help="e.g. wooden_fishing_boat, longtail, dinghy",
        )
        persons = c2.number_input("Persons estimated (0 = unknown)", 0, 100_000, 0, key="sf_persons")
        ais_seen = c3.selectbox("AIS signal seen", ["unknown", "yes", "no"], key="sf_ais")
        conditions = st.multiselect("Conditions seen", get_args(Condition), key="sf_conditions")
        c4, c5, c6 = st.columns(3)
        course = c4.number_input("Course seen (° true, blank = unknown)", 0.0, 359.9, None, key="sf_course")
        speed = c5.number_input("Speed seen (kn, blank = unknown)", 0.0, 60.0, None, key="sf_speed")
        confidence = c6.selectbox("Confidence", ["medium", "low", "high"], key="sf_conf")
        note = st.text_area("Note", max_chars=4000, key="sf_note")
        exercise = st.checkbox("Exercise report (table-top)", key="sf_exercise")
        submitted = st.form_submit_button("Submit the sighting", disabled=who is None)
    if submitted and who is not None:
        user, owner = who
        received = current_time()
        result = validate_sighting(
            {
                "observed_at": datetime.combine(day, clock, tzinfo=UTC),
                "lat": lat,
                "lon": lon,
                "uncertainty_nm": unc,
                "source_type": source_type,
                "owner": owner,
                "acted_by": user,
                "craft_type": craft,
                "persons_estimated": persons or None,
                "conditions": list(conditions),
                "course_deg": course,
                "speed_kn": speed,
                "ais_seen": ais_seen,
                "confidence": confidence,
                "note": note or None,
                "is_exercise": exercise,
            },
            received,
        )
        if isinstance(result, list):
            st.error(
                "The sighting was not sent. Fix these and submit again:\n\n" + "\n".join(f"- {md(p)}" for p in result)
            )
        else:
            try:
                with st.spinner("Sending to the broker…"):
                    publish_sighting(settings(), result)
            except (IngestError, SeasightError) as exc:
                st.error(f"The sighting was not accepted (nothing was sent): {exc}")
            else:
                st.success(
                    f"Sighting {result.id} accepted"
                    + (" (EXERCISE)" if result.is_exercise else "")
                    + ". It appears in the list once the tracker has stored it."
                )
