"""Map assets served by the dashboard itself, so the live map works with no internet.

folium loads Leaflet from a CDN by default; operations centres often have no internet, and a map whose
Leaflet cannot load stays blank. Leaflet ships in the PyPI package XStatic-Leaflet; it is copied into
``dashboard/static/vendor/`` and served by Streamlit's static file serving at ``/app/static/…``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
STATIC_URL = "/app/static/vendor"

LEAFLET_JS_URL = f"{STATIC_URL}/leaflet/leaflet.js"
LEAFLET_CSS_URL = f"{STATIC_URL}/leaflet/leaflet.css"


def install_static_assets() -> Path:
    """Copy Leaflet (JS, CSS, images) into the static folder if missing; return the vendor folder."""
    target = VENDOR_DIR / "leaflet"
    if not (target / "leaflet.js").exists():
        source = Path(xleaflet.BASE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, dirs_exist_ok=True)
    return VENDOR_DIR
