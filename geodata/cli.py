"""``seasight geodata …`` sub-commands: load, import, where, status."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from seasight.settings import Settings


@contextmanager
def _schema_errors() -> Iterator[None]:
    """A database without geodata's tables gets a message saying what to run, not a traceback."""
    import psycopg

    from geodata.errors import GeodataError

    try:
        yield
    except psycopg.errors.UndefinedTable as exc:
        raise GeodataError(
            f"the database has no reference tables yet ({exc.diag.message_primary}); "
            "run `seasight migrate` and `seasight geodata load`"
        ) from exc
    except psycopg.Error as exc:
        raise GeodataError(f"reference-data query failed: {exc}") from exc


def register(subparsers: Any) -> None:
    geo = subparsers.add_parser(
        "geodata", help="reference geography: load layers, import files, ask where a position is"
    )
    sub = geo.add_subparsers(dest="geodata_command", required=True, metavar="ACTION")

    p = sub.add_parser(
        "load",
        help="load the reference layers (participants, SRRs, watch zones, ports); unchanged layers are skipped",
    )
    p.add_argument("--force", action="store_true", help="reload every layer even if unchanged")
    p.set_defaults(handler=_cmd_load)

    p = sub.add_parser(
        "import", help="import a GeoJSON / GeoPackage / Shapefile / KML file into a layer (all or nothing)"
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--layer",
        required=True,
        help="srr | states | zones | ports, or any other name for a layer kept as given",
    )
    p.add_argument("--repair", action="store_true", help="repair invalid geometries instead of rejecting the file")
    p.add_argument("--source-layer", default=None, help="layer of a multi-layer file (default: its first)")
    p.add_argument("--acted-by", default="import", help="user recorded as having imported the layer")
    p.add_argument(
        "--max-mb",
        type=float,
        default=None,
        help="largest file taken, MB (default: zones 2.1 as the dashboard's upload, other layers 67.1)",
    )
    p.add_argument("--max-features", type=int, default=None, help="most features taken (zones 1000, others 500000)")
    p.add_argument(
        "--max-vertices", type=int, default=None, help="most vertices per feature (zones 20000, others 500000)"
    )
    p.set_defaults(handler=_cmd_import)

    p = sub.add_parser(
        "fetch-countries",
        help="fetch Natural Earth country polygons (npm package world-atlas) and load them as states",
    )
    p.set_defaults(handler=_cmd_fetch_countries)

    p = sub.add_parser("where", help="on land?, distance to shore, SRR and RCC, nearest state, zones, ports")
    p.add_argument("lat", type=float, help="latitude, degrees north (negative south)")
    p.add_argument("lon", type=float, help="longitude, degrees east (negative west)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_where)

    p = sub.add_parser("status", help="which version of each reference layer is loaded")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_status)


def _cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.loader import load_reference_layers
    from seasight.db import connect

    with connect(settings) as conn:
        results = load_reference_layers(conn, force=args.force, cache_root=settings.stack_dir)
    for r in results:
        if r.status == "loaded":
            detail = f"{r.written} written, {r.kept} kept (edited by operators), {r.removed} removed"
        elif r.status == "kept":
            detail = "polygons a user imported are kept (use --force to replace them)"
        else:
            detail = ""
        print(f"{r.name:13} version {r.version:18} {r.status:9} {detail}".rstrip())
    return 0


def _cmd_fetch_countries(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.countries import WORLD_ATLAS_PACKAGE, fetch_countries, load_countries
    from seasight.db import connect

    path = fetch_countries(settings.stack_dir)
    print(f"country polygons from npm {WORLD_ATLAS_PACKAGE}: {path}")
    with connect(settings) as conn:
        _, result = load_countries(conn, path, force=True)
    if result is not None:
        print(
            f"loaded {result.features - len(result.skipped)} states ({result.repaired} geometries repaired); "
            f"skipped, no ISO code: {', '.join(result.skipped) or 'none'}"
        )
    return 0


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from geodata.importer import default_limits, import_file
    from seasight.db import connect

    limits = default_limits(args.layer)
    if args.max_mb is not None:
        limits = replace(limits, max_bytes=int(args.max_mb * 1e6))
    if args.max_features is not None:
        limits = replace(limits, max_features=args.max_features)
    if args.max_vertices is not None:
        limits = replace(limits, max_vertices=args.max_vertices)
    with connect(settings) as conn:
        result = import_file(
            conn,
            args.file,
            args.layer,
            repair=args.repair,
            acted_by=args.acted_by,
            source_layer=args.source_layer,
            limits=limits,
        )
    print(
        f"imported {result.features} features from {args.file.name} into layer {result.layer} "
        f"(table {result.table}; source CRS {result.source_crs}; {result.repaired} repaired; "
        f"{result.split_at_antimeridian} split at the antimeridian; {result.replaced} replaced)"
    )
    if result.skipped:
        print(f"skipped (no ISO code): {', '.join(result.skipped)}")
    return 0


def _cmd_where(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.lookup import check_position, where
    from seasight.db import connect

    lat, lon = check_position(args.lat, args.lon)  # a bad position fails before any connection
    with connect(settings) as conn, _schema_errors():
        answer = where(conn, lat, lon)
    if args.json:
        print(json.dumps(answer.as_dict(), indent=2))
        return 0
    print(f"position      {answer.lat:.4f}, {answer.lon:.4f}")
    print(f"on land       {'yes' if answer.on_land else 'no'}")
    print(f"to shore      {answer.distance_to_shore_nm:.1f} nm ({answer.shore_accuracy})")
    if not answer.srr:
        print("SRR           none loaded within reach (run `seasight geodata load`)")
    for s in answer.srr:
        where_ = "inside" if s.contains else f"{s.distance_nm:.1f} nm away"
        label = " [INDICATIVE boundary]" if s.indicative else ""
        contact = ", ".join(x for x in (s.rcc_phone, s.rcc_email) if x) or "contact not verified"
        print(f"SRR           {s.srr_id} {s.name} — {where_}{label}")
        print(f"  RCC         {s.rcc_name} ({s.rcc_country}); {contact}")
    if not answer.states:
        print("state         no country polygons within reach (import one: --layer states)")
    for st in answer.states:
        print(
            f"state         {st.iso3} {st.name} — "
            f"{'on its land' if st.contains else f'{st.distance_nm:.1f} nm from its coast'}"
        )
    for z in answer.zones:
        print(
            f"watch zone    {z.name} ({z.kind}) — "
            f"{'inside' if z.contains else f'{z.distance_nm:.1f} nm away'}: {z.reason}"
        )
    if not answer.zones:
        print("watch zone    none within reach")
    for port in answer.ports:
        print(f"port          {port.locode} {port.name} ({port.country_iso2}) {port.distance_nm:.1f} nm")
    return 0


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.loader import loaded_layers
    from seasight.db import connect

    with connect(settings) as conn, _schema_errors():
        layers = loaded_layers(conn)
    if args.json:
        print(json.dumps(layers, indent=2))
    elif not layers:
        print("no reference layers loaded (run `seasight geodata load`)")
    else:
        for layer in layers:
            print(
                f"{layer['name']:20} version {layer['version']:14} {layer['features']:6} features  "
                f"loaded {layer['loaded_at']} by {layer['acted_by']}  ({layer['source'][:60]})"
            )
    return 0
