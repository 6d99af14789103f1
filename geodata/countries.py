"""Country polygons for the ``state`` table, fetched by a set-up command from the npm registry.

No country polygons ship in the repository. ``seasight geodata fetch-countries`` runs the ordinary npm
client (``npm pack``) for the package :data:`WORLD_ATLAS_PACKAGE` — Natural Earth 1:50m countries as
TopoJSON, ISC licence, data public domain (Natural Earth 4.1.0) — verifies the tarball's integrity
(``npm pack`` checks the registry's sha512) and keeps ``countries-50m.json`` in the stack folder's cache.
``seasight geodata load`` (and so ``seasight up``) then loads the cached file into ``state`` without any
network. Features carry ISO 3166-1 numeric codes, turned into alpha-3 with pycountry; the few without a
code (Kosovo, Somaliland, N. Cyprus, Indian Ocean Ter., Siachen Glacier) are skipped and named.

A user with better polygons imports them instead: ``seasight geodata import FILE --layer states``.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from geodata.errors import GeodataError
from geodata.importer import ImportResult, import_file
from geodata.reference import checksum_of
from seasight.rows import fetch_one_by_name

log = logging.getLogger("seasight.geodata.countries")

WORLD_ATLAS_PACKAGE = "world-atlas@2.0.2"
WORLD_ATLAS_FILE = "countries-50m.json"
CACHE_SUBDIR = "geodata-cache"
NPM_TIMEOUT_S = 180.0


def cached_countries_file(cache_root: Path) -> Path:
    """Where the fetched TopoJSON lives (it may not exist yet)."""
    name = WORLD_ATLAS_PACKAGE.replace("@", "-")
    return cache_root / CACHE_SUBDIR / name / WORLD_ATLAS_FILE


def fetch_countries(cache_root: Path, *, npm: str = "npm") -> Path:
    """Fetch :data:`WORLD_ATLAS_PACKAGE` with ``npm pack`` into the cache (once) and return the file."""
    target = cached_countries_file(cache_root)
    if target.exists():
        return target
    npm_path = shutil.which(npm)
    if npm_path is None:
        raise GeodataError(
            f"cannot fetch country polygons: the npm client ({npm!r}) is not installed; "
            "install Node.js/npm, or "
            "import polygons you have with `seasight geodata import FILE --layer states`"
        )
    with tempfile.TemporaryDirectory(prefix="seasight-npm-") as tmp:
        try:
            done = subprocess.run(
                [npm_path, "pack", WORLD_ATLAS_PACKAGE, "--pack-destination", tmp, "--silent"],
                cwd=tmp,
                capture_output=True,
                timeout=NPM_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise GeodataError(f"npm pack {WORLD_ATLAS_PACKAGE} took longer than {NPM_TIMEOUT_S:g} s") from exc
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            message = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no tarball"]
            raise GeodataError(f"npm pack {WORLD_ATLAS_PACKAGE} failed: {message[0]}")
        try:
            with tarfile.open(tarballs[0], "r:gz") as tar:
                member = tar.getmember(f"package/{WORLD_ATLAS_FILE}")
                extracted = tar.extractfile(member)
                if extracted is None:
                    raise GeodataError(f"{tarballs[0].name}: package/{WORLD_ATLAS_FILE} is not a file")
                content = extracted.read()
        except (tarfile.TarError, KeyError) as exc:
            raise GeodataError(f"{tarballs[0].name}: no package/{WORLD_ATLAS_FILE} ({exc})") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(content)
    partial.replace(target)  # atomic: a half-written cache file is never used
    log.info("fetched %s (%d bytes) into %s", WORLD_ATLAS_PACKAGE, len(content), target)
    return target


def load_countries(
    conn: psycopg.Connection[Any], path: Path, *, force: bool = False
) -> tuple[str, ImportResult | None]:
    """Load the cached world-atlas countries into ``state``.

    Returns ("loaded", result), ("unchanged", None) when that exact file is already loaded, or
    ("kept", None) when someone imported other state polygons (they are not replaced unless ``force``).
    """
    checksum = checksum_of(path.read_bytes(), b"states")
    row = fetch_one_by_name(conn, "SELECT checksum, source FROM geodata_layer WHERE name = 'import:states'")
    if row is not None and not force:
        if row["checksum"] == checksum:
            return "unchanged", None
        if not str(row["source"]).startswith(WORLD_ATLAS_FILE):
            log.info(
                "state polygons imported from %s are kept (not replaced by %s)", row["source"], WORLD_ATLAS_PACKAGE
            )
            return "kept", None
    result = import_file(conn, path, "states", repair=True, source_layer="countries", acted_by="system")
    return "loaded", result
