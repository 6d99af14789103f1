"""Seasight dashboard entry point: it only routes (st.navigation); pages are thin."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Seasight", page_icon="🌊", layout="wide")
navigation = st.navigation(
    {
        "Operations": [
            st.Page(str(PAGES / "live_map.py"), title="Live map", icon="🗺️", default=True),
            st.Page(str(PAGES / "concerns.py"), title="Concerns", icon="⚠️"),
            st.Page(str(PAGES / "sightings.py"), title="Sightings", icon="👁️"),
        ],
        "Search and rescue": [
            st.Page(str(PAGES / "sar_cases.py"), title="SAR cases", icon="🛟"),
        ],
        "Reference": [
            st.Page(str(PAGES / "reference.py"), title="Feeds and reference data", icon="📡"),
        ],
    }
)
navigation.run()
