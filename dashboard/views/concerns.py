"""Concerns: the ranked vessels and contacts of concern with their explanations; open a SAR case."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coordination.cases import OpenCaseRequest, open_case
from coordination.errors import CoordinationError
from dashboard.auth import require_page
from dashboard.data import current_time, settings
from dashboard.ui import connection, md, need_acting_user, read
from seasight.errors import SeasightError
from tracking.flag_review import ACTIONS as REVIEW_ACTIONS
from tracking.flag_review import FlagReviewError, review_flag
from tracking.queries_concerns import (
    STATUSES,
    concern,
    flag_history,
    ranked_concerns,
    rules_present,
    subjects_of_concern,
)
from tracking.thresholds import catalogue_in_force, selected_thresholds

require_page("concerns")  # direct URL: refused unless the signed-in role may use this page

st.title("Concerns")
st.caption(
    "Vessels and contacts of concern ranked by their risk score (distress first), which combines their "
    "current flags (tracking.rules.risk); below, every flag with the rule that fired, its parameters and "
    "its evidence."
)

with st.sidebar:
    st.subheader("Show")
    statuses = st.multiselect("Status", STATUSES, default=["open", "acknowledged"], key="concern_status")
    rule_options = read("rules", rules_present) or []
    rules = st.multiselect("Rule", rule_options, key="concern_rules")
    min_score = st.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key="concern_score")

with st.sidebar:
    include_info = st.checkbox("Include info-only subjects", key="concern_info")
subjects = read(
    "the subjects of concern",
    lambda conn: subjects_of_concern(conn, statuses=tuple(statuses) or ("open",), include_info=include_info),
)
st.subheader("Vessels and contacts of concern")
if subjects:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Risk": round(s.assessment.score, 2),
                    "Severity": s.assessment.severity.label,
                    "Distress": s.assessment.distress,
                    "Kind": s.kind,
                    "Subject": f"{s.name or '(no name)'} — MMSI {s.mmsi}"
                    if s.kind == "vessel"
                    else f"sighting {s.sighting_id}",  # outside text: shown as text in the table
                    "Why": s.assessment.explanation,
                    "Flags": len(s.flags),
                    "Exercise": "EXERCISE" if s.exercise else "",
                }
                for s in subjects
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"Risk": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")},
    )
elif subjects is not None:
    st.info("No vessel or contact of concern.")
st.subheader("Flags")

rows = (
    read("the flags", lambda conn: ranked_concerns(conn, tuple(statuses), tuple(rules), min_score)) if statuses else []
)
if rows is None:
    st.stop()
if not rows:
    st.info("No flag matches. Flags appear when the detector (`seasight detect`) finds a vessel or contact of concern.")
    st.stop()

table = pd.DataFrame(
    [
        {
            "Flag": c.flag_id,
            "Severity": c.severity,
            "Score": round(c.score, 2),
            "Rule": f"{c.rule_id} v{c.effective_rule_version}",
            "Subject": c.subject,  # outside text: a table cell shows it as text
            "Why": c.summary,
            "From": c.window_start,
            "Until": c.window_end,
            "Status": c.status,
            "Exercise": "EXERCISE" if c.exercise else "",
        }
        for c in rows
    ]
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={"Score": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")},
)

flag_labels = {c.flag_id: f"#{c.flag_id} {c.severity} · {c.rule_id} · {c.subject}" for c in rows}
choice = st.selectbox("Look at a flag", list(flag_labels), key="concern_pick", format_func=flag_labels.__getitem__)
if choice is None:
    st.stop()
chosen_flag_id: int = choice
got = read("the flag", lambda conn: (concern(conn, chosen_flag_id), flag_history(conn, chosen_flag_id)))
if got is None:
    st.stop()
flag, history = got
if flag is None:
    st.stop()
st.subheader(f"Flag {flag.flag_id}: {md(flag.rule_id)} — {flag.severity}")
if flag.exercise:
    st.warning("EXERCISE: this flag was raised from exercise data (not a real event).")
st.markdown(
    f"**Subject:** {md(flag.subject)}  \n**Why:** {md(flag.summary)}  \n"
    f"**Window:** {flag.window_start:%Y-%m-%d %H:%M} – {flag.window_end:%Y-%m-%d %H:%M} UTC  \n"
    f"**Status:** {flag.status}" + (f" ({md(flag.status_reason)})" if flag.status_reason else "")
)

left, right = st.columns(2)
left.markdown("**Evidence**")
left.json(flag.evidence)
right.markdown("**Rule parameters**")
right.json(flag.parameters)
if history:
    st.markdown("**History** (each re-evaluation by the detector)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Version": h.version,
                    "Action": h.action,
                    "Reason": h.reason,
                    "Severity": h.severity,
                    "Score": round(h.score, 2),
                    "At": h.recorded_at,
                    "By": h.acted_by,
                }
                for h in history
            ]
        ),
        hide_index=True,
        width="stretch",
    )

with st.expander("Rules and their thresholds (what each rule detects, the value in force, units, defaults, sources)"):
    try:
        in_force = selected_thresholds(settings())
    except SeasightError as exc:
        st.error(f"The thresholds file is refused, so the detector will not start with it: {exc}")
    else:
        st.caption(
            f"Thresholds in force: {in_force.source} (digest {in_force.digest}); read-only here — an analyst "
            "changes them in the thresholds file (SEASIGHT_THRESHOLDS_FILE, docs/thresholds.md). Each flag's "
            "parameters name the values and digest that fired it."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Rule": r["rule"],
                        "Version": r["version"],
                        "Detects": r["detects"],
                        "Threshold": r["name"],
                        "In force": r["value"],
                        "Default": r["default"],
                        "Tuned": "tuned" if r["tuned"] else "",
                        "Unit": r["unit"],
                        "Range": f"{r['range'][0]:g}–{r['range'][1]:g}",
                        "Source": r["source"],
                    }
                    for r in catalogue_in_force(in_force)
                ]
            ),
            hide_index=True,
            width="stretch",
        )

st.markdown("**Act**")
who = need_acting_user()
allowed = [name for name, spec in REVIEW_ACTIONS.items() if flag.status in spec.allowed_from]
if allowed:
    with st.form("review_flag"):
        action = st.radio(
            "Action",
            allowed,
            horizontal=True,
            key="review_action",
            help="acknowledge: seen and being handled; dismiss: not a concern (reason required); "
            "reopen: back to open (reason required)",
        )
        review_reason = st.text_input("Reason", max_chars=1000, key="review_reason")
        reviewed = st.form_submit_button("Record", disabled=who is None, key="review_submit")
    if reviewed and who is not None:
        user, owner = who
        try:
            with connection() as conn:
                version = review_flag(conn, flag.flag_id, action, review_reason, user, owner)
                conn.commit()
        except FlagReviewError as exc:
            st.error(f"Not recorded: {exc}")
        else:
            st.success(f"Flag {flag.flag_id}: {action} recorded as version {version}.")
else:
    st.caption(f"A {flag.status} flag takes no acknowledgement or dismissal.")
with st.form("open_case_from_flag"):
    st.markdown(f"Open a SAR case from flag {flag.flag_id} (position, time and situation come from the flag).")
    persons = st.number_input("Persons on board (estimate, 0 if unknown)", 0, 10_000, 0, key="flag_case_persons")
    exercise = st.checkbox("Exercise case", value=flag.exercise, key="flag_case_exercise")
    reason = st.text_input("Reason", "opened from a flag of concern", max_chars=500, key="flag_case_reason")
    submitted = st.form_submit_button("Open a SAR case", disabled=who is None)
if submitted and who is not None:
    user, owner = who
    try:
        with connection() as conn:
            record = open_case(
                conn,
                OpenCaseRequest(
                    flag_id=flag.flag_id,
                    persons=persons or None,
                    exercise=exercise,
                    reason=reason or "opened from a flag",
                ),
                by=user,
                owner=owner,
                now=current_time(),
            )
            conn.commit()
    except CoordinationError as exc:
        st.error(f"The case was not opened: {exc}")
    else:
        st.success(
            f"Opened {record.reference}"
            + (" (EXERCISE)" if record.exercise else "")
            + ". See it on the SAR cases page."
        )
