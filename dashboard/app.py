"""Seasight dashboard entry point: it only routes (st.navigation); pages are thin.

Nobody gets past the sign-in page without an account; then navigation lists only the pages the
account's role may use (dashboard.auth.PAGE_ROLES), and each page checks again, so direct URLs of other
pages are refused.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.auth import may_open, sign_in_page, sign_out, signed_in

PAGES = Path(__file__).resolve().parent / "views"  # not "pages/": Streamlit would also list those files itself
# The page icon ships with the dashboard: a ":material/…:" page icon is fetched from a font CDN, and an
# operations centre's dashboard makes no request that leaves the machine (issue 18).
ICON = Path(__file__).resolve().parent / "icon.png"

st.set_page_config(page_title="Seasight", page_icon=str(ICON), layout="wide")
account = signed_in()
if account is None:
    navigation = st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in")])
else:
    sections = {
        "Operations": [
            ("live_map", "Live map", ":material/map:"),
            ("concerns", "Concerns", ":material/warning:"),
            ("sightings", "Sightings", ":material/visibility:"),
        ],
        "Search and rescue": [
            ("sar_cases", "SAR cases", ":material/support:"),
            ("case_thread", "Case thread", ":material/timeline:"),
            ("disembarkation", "Disembarkation", ":material/directions_boat:"),
        ],
        "Analysis": [("practices", "Practices (RSO)", ":material/insights:")],
        "Reference": [("reference", "Feeds and reference data", ":material/sensors:")],
    }
    allowed = {
        section: [(page, title, icon) for page, title, icon in pages if may_open(page, account)]
        for section, pages in sections.items()
    }
    allowed = {section: pages for section, pages in allowed.items() if pages}
    first = next(iter(allowed.values()))[0][0]
    navigation = st.navigation(
        {
            section: [
                st.Page(str(PAGES / f"{page}.py"), title=title, icon=icon, default=(page == first))
                for page, title, icon in pages
            ]
            for section, pages in allowed.items()
        }
    )
    with st.sidebar:
        st.caption(f"Signed in: {account.name} ({account.role.description}, {account.participant})")
        if st.button("Sign out", key="sign_out"):
            sign_out()
            st.rerun()
navigation.run()
