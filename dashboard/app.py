"""Seasight dashboard entry point: it only routes (st.navigation); pages are thin."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "views"  # not "pages/": Streamlit would also list those files itself

st.set_page_config(page_title="Seasight", page_icon=":material/sailing:", layout="wide")
navigation = st.navigation(
    {
        "Operations": [
            st.Page(str(PAGES / "live_map.py"), title="Live map", icon=":material/map:", default=True),
            st.Page(str(PAGES / "concerns.py"), title="Concerns", icon=":material/warning:"),
            st.Page(str(PAGES / "sightings.py"), title="Sightings", icon=":material/visibility:"),
        ],
        "Search and rescue": [
            st.Page(str(PAGES / "sar_cases.py"), title="SAR cases", icon=":material/support:"),
            st.Page(str(PAGES / "disembarkation.py"), title="Disembarkation", icon=":material/directions_boat:"),
        ],
        "Analysis": [
            st.Page(str(PAGES / "practices.py"), title="Practices (RSO)", icon=":material/insights:"),
        ],
        "Reference": [
            st.Page(str(PAGES / "reference.py"), title="Feeds and reference data", icon=":material/sensors:"),
        ],
    }
)
navigation.run()
