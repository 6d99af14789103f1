"""Practices (RSO): disembarkation practices by state and port from recorded outcomes of real cases — map,
charts by year and route, exports — and the imported IOM Missing Migrants incidents, kept apart. All
figures come from ``coordination.disembarkation.queries``, small-cell suppressed, exercises excluded; the
figures of exercise cases (a table-top exercise, the demo's SIMULATED outcomes) are a mode of their own,
marked EXERCISE on every tab, and never mixed with real ones. Suppressed values are drawn as "<5" stubs,
never as bars (``dashboard.charts``)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from coordination.disembarkation.disclosure import MIX_COLUMNS
from coordination.disembarkation.disclosure import NEEDS_COLUMNS as NEEDS
from coordination.disembarkation.disclosure import PROCEDURE_COLUMNS as PROCEDURES
from coordination.disembarkation.practices import GROUPINGS, SMALL_CELL_THRESHOLD
from coordination.disembarkation.queries import (
    EXERCISE_NOTE,
    FORMATS,
    IOM_NOTE,
    SUPPRESSION_NOTE,
    export_iom_summary,
    export_practices,
    iom_summary_frame,
    outcome_counts,
    practices_frame,
    practices_geojson,
    practices_note,
)
from dashboard.auth import require_page
from dashboard.charts import chart_rows, figure_chart, figures_table
from dashboard.maps import offline_map, practices_layer
from dashboard.ui import read

require_page("practices")  # direct URL: refused unless the signed-in role may use this page

OUTCOME_COLUMNS = list(MIX_COLUMNS)
NEEDS_COLUMNS = list(NEEDS)
PROCEDURE_COLUMNS = list(PROCEDURES)
MIME = {
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
}

st.title("Practices (RSO)")
st.caption(
    "Persons with specific needs (UASC, pregnant women, older persons, persons with disabilities, medical "
    "evacuations) are summed over the cases that recorded them; screening and consular notification count cases."
)

counts = read("the recorded outcomes", outcome_counts) or {"real": 0, "exercise": 0}
MODES = (f"Real cases ({counts['real']})", f"EXERCISE cases — simulated ({counts['exercise']})")
# Real figures first; a database with exercise outcomes only (the demo) opens on those, plainly marked.
mode = st.radio(
    "Outcomes of",
    MODES,
    index=1 if counts["real"] == 0 and counts["exercise"] > 0 else 0,
    horizontal=True,
    key="prac_mode",
)
exercise = mode == MODES[1]
if exercise:
    st.warning(f"EXERCISE — {EXERCISE_NOTE}")
    st.caption(
        f"As for real figures, counts from 1 to {SMALL_CELL_THRESHOLD - 1} are suppressed "
        f"(<{SMALL_CELL_THRESHOLD} in the table), and so are medians, shares and ratios resting on fewer than "
        f"{SMALL_CELL_THRESHOLD} cases or persons (suppressed); unknown: no case recorded it."
    )
else:  # (says "exercise cases excluded": true of the real figures only)
    st.caption(SUPPRESSION_NOTE)

by = st.multiselect("Group by", GROUPINGS, default=["state"], key="prac_by")
if not by:
    st.info("Choose at least one grouping.")
    st.stop()


def _figure_columns(frame: pd.DataFrame, dims: list[str]) -> list[str]:
    """The figures of a practices or incidents table: every column but the origin, the grouping and the
    list of suppressed cells."""
    return [c for c in frame.columns if c not in {"origin", "suppressed", *dims}]


def labelled(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "group", out[dims].astype(str).agg(" / ".join, axis=1))
    return out


table = read("the practices", lambda conn: practices_frame(conn, by, exercise))
if table is None:
    st.stop()
note = read("what the figures rest on", lambda conn: practices_note(conn, by))
if note:
    st.info(note)
tab_table, tab_map, tab_charts, tab_export, tab_iom = st.tabs(
    ["Figures", "Map", "Charts by year and route", "Export", "IOM incidents (imported)"]
)


with tab_table:
    if table.empty:
        st.info(
            "No recorded outcome of an exercise case yet."
            if exercise
            else "No recorded outcome of a real case yet (outcomes are recorded on the Disembarkation page)."
        )
    else:
        st.dataframe(figures_table(table, _figure_columns(table, by)), hide_index=True, width="stretch")

with tab_map:
    if by not in (["state"], ["port"]):
        st.info("The map shows practices grouped by state or by port alone.")
    else:
        geo = read("the practices map", lambda conn: practices_geojson(conn, by, exercise))
        placed = [f for f in (geo or {}).get("features", []) if f["geometry"] is not None]
        if geo is not None and not placed:
            st.info("Nothing to map: no outcome recorded at a registered place of safety.")
        elif placed:
            fmap = offline_map()
            practices_layer({"type": "FeatureCollection", "features": placed}, by[0]).add_to(fmap)
            st_folium(fmap, key="practices-map", height=480, use_container_width=True, returned_objects=[])

with tab_charts:
    if exercise:
        st.caption("EXERCISE figures (simulated outcomes).")
    for dim in ("year", "route"):
        frame = read(f"practices by {dim}", partial(practices_frame, by=[dim], exercise=exercise))
        if frame is None:
            continue
        st.subheader(f"By {dim}")
        if frame.empty:
            st.info(f"No recorded outcome to chart by {dim}.")
            continue
        frame = labelled(frame, [dim])
        c1, c2 = st.columns(2)
        for col, title, columns in (
            (c1, "**Median hours from alert to disembarkation**", ["median_hours_to_disembarkation"]),
            (c2, "**Outcomes (cases)**", OUTCOME_COLUMNS),
            (c1, "**Fatality ratio** (dead and missing / persons)", ["fatality_ratio"]),
            (c2, "**Women and children share**", ["women_children_share"]),
            (c1, "**Persons with specific needs**", NEEDS_COLUMNS),
            (c2, "**Cases screened on arrival / with consular notification**", PROCEDURE_COLUMNS),
        ):
            col.markdown(title)
            col.altair_chart(figure_chart(chart_rows(frame, columns)), use_container_width=True)
    st.caption('Grey dashed stubs labelled "<5" or "suppressed" are suppressed values, "unknown" not recorded.')

with tab_export:
    st.markdown(
        "EXERCISE practices as grouped above (suppressed; simulated outcomes, every row `origin` = exercise)."
        if exercise
        else "Practices as grouped above (suppressed; exercises excluded)."
    )
    cols = st.columns(len(FORMATS))
    for col, fmt in zip(cols, FORMATS, strict=True):
        text = read(f"the {fmt} export", partial(export_practices, fmt=fmt, by=by, exercise=exercise))
        if text is not None:
            col.download_button(
                f"Download {fmt.upper()}",
                text,
                file_name=f"seasight-practices-{'exercise-' if exercise else ''}{'-'.join(by)}.{fmt}",
                mime=MIME[fmt],
                key=f"prac-dl-{fmt}",
            )

with tab_iom:
    st.caption(IOM_NOTE)
    iom_by = st.multiselect("Group by", ["region", "year", "route"], default=["region", "year"], key="iom_by")
    if iom_by:
        iom = read("the imported incidents", lambda conn: iom_summary_frame(conn, iom_by))
        if iom is not None and iom.empty:
            st.info("No IOM incident imported (`seasight disembark iom import FILE`).")
        elif iom is not None:
            st.dataframe(figures_table(iom, _figure_columns(iom, iom_by)), hide_index=True, width="stretch")
            csv_text = read("the IOM export", lambda conn: export_iom_summary(conn, "csv", iom_by))
            if csv_text is not None:
                st.download_button(
                    "Download CSV",
                    csv_text,
                    file_name="iom-incidents-summary.csv",
                    mime="text/csv",
                    key="iom-dl",
                )
