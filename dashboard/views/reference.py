"""Feeds and reference data: the data-quality ledger of each feed, watch zones (list, map, upload through
geodata's validating importer) and the shared watchlist."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard.auth import require_page, signed_in
from dashboard.data import current_time, settings
from dashboard.maps import offline_map, reference_layers
from dashboard.ui import connection, md, need_acting_user, read
from geodata.errors import GeodataError
from geodata.importer import ZONE_LIMITS, import_file
from seasight.sharing import WRITERS
from tracking.feed_health import feed_notices, latest_feed_health
from tracking.liveness import STATE_WORDS, consumer_report, is_live, judge, limits_from, shown
from tracking.queries_map import ports_geojson, srr_geojson, watch_zones_geojson
from tracking.queries_reference import loaded_layers, watch_zones, watchlist_entries
from tracking.watchlist import (  # the checks `seasight watchlist import` makes too
    MAX_WATCHLIST_BYTES,
    WATCHLIST_COLUMNS,
    WatchlistError,
    parse_watchlist_csv,
    upsert_watchlist,
)

require_page("reference")  # direct URL: refused unless the signed-in role may use this page


#: Largest watch-zone file accepted from the browser (bytes): geodata's zone limits, the CLI's too.
MAX_ZONE_UPLOAD_BYTES = ZONE_LIMITS.max_bytes
STALE_FEED_MIN = 10  # a feed whose last snapshot is older than this is shown as stale (minutes)

st.title("Feeds and reference data")
tab_feeds, tab_zones, tab_watchlist, tab_layers = st.tabs(["Feed health", "Watch zones", "Watchlist", "Loaded layers"])


with tab_feeds:
    st.caption(
        "The latest snapshot of each feed's ledger (published on `seasight.feed.health`, stored by the "
        "tracker): every input line is counted once as decoded, rejected (with its reason) or metadata."
    )
    feeds = read("feed health", latest_feed_health)
    if feeds is not None and not feeds:
        st.info(
            "No feed has reported yet. Feeds report while `seasight ingest ais …` runs and the tracker "
            "(`seasight track`) stores their snapshots."
        )
    elif feeds:
        now = current_time()
        rows = []
        for f in feeds:
            age_min = (now - f["as_of"]).total_seconds() / 60
            rows.append(
                {
                    "Feed": f["feed"],
                    "Station": f["station"],
                    "State": "stale" if age_min > STALE_FEED_MIN else "reporting",
                    "As of": f["as_of"],
                    "Msg/s": f["messages_per_s"],
                    "Lines in": f["lines_in"],
                    "Rejected": f["lines_rejected"],
                    "Rejected %": round(100 * f["lines_rejected"] / f["lines_in"], 2) if f["lines_in"] else 0.0,
                    "Out of order %": round(100 * f["out_of_order_share"], 2),
                    "Latency p50 s": f["latency_p50_s"],
                    "Latency p95 s": f["latency_p95_s"],
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        stale = [r["Feed"] for r in rows if r["State"] == "stale"]
        if stale:
            st.warning(f"{len(stale)} feed(s) have not reported for over {STALE_FEED_MIN} min.")
        reasons = [
            {"Feed": f["feed"], "Reason": reason, "Lines": n}
            for f in feeds
            for reason, n in sorted((f["rejects_by_reason"] or {}).items(), key=lambda x: -x[1])
        ]
        if reasons:
            st.markdown("**Rejections by reason**")
            st.dataframe(pd.DataFrame(reasons), hide_index=True, width="stretch")
    notices = read("feed notices", feed_notices)
    if notices:
        st.markdown("**Feed stopped** — a station that delivered no message at all for a while (message time)")
        st.caption(
            "Detection runs on message time: while a feed is stopped its vessels are not reported as gone dark; "
            "the outage is this one notice instead."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Feed": n["feed"],
                        "Last heard": n["last_heard_at"],
                        "Resumed": n["resumed_at"],
                        "State": "still stopped" if n["still_stopped"] else "resumed",
                        "Hours": round(float(n["hours"] or 0.0), 2),
                    }
                    for n in notices
                ]
            ),
            hide_index=True,
            width="stretch",
        )

    st.markdown("**Trackers** — which process holds each partition, and how far behind it is")
    st.caption(
        "From each tracker's heartbeat (`seasight track`). Lag: records of a partition not yet stored in PostGIS "
        "(end offset − committed offset); on the embedded broker the end offset counts the start of the last "
        "record batch, so the lag can be short by up to one batch."
    )
    consumers = read("tracker heartbeats", consumer_report)
    if consumers is not None:
        limits = limits_from(settings())
        for problem in judge(consumers, limits, expected_groups=(settings().consumer_group,)):
            st.warning(f"{problem.group}: {problem.text}")
        consumers = shown(consumers, limits)
        if consumers.members:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Group": m.consumer_group,
                            "Host": m.host,
                            "PID": m.pid,
                            "State": STATE_WORDS.get(m.state, m.state)
                            + ("" if is_live(m, consumers.now, limits) or m.state == "stopped" else " (gone)"),
                            "Since": m.state_since,
                            "Partitions": m.partitions,
                            "Heartbeat s ago": round((consumers.now - m.heartbeat_at).total_seconds()),
                            "Group resets": m.resets,
                            "Why": m.detail,
                        }
                        for m in consumers.members
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            rows = []
            for x in consumers.lags:
                holder = consumers.holder(x)
                rows.append(
                    {
                        "Group": x.consumer_group,
                        "Topic": x.topic,
                        "Partition": x.partition,
                        "Lag": x.lag,
                        "Growing for s": round((consumers.now - x.growing_since).total_seconds())
                        if x.growing_since is not None and x.lag
                        else None,
                        "Committed": x.committed_offset,
                        "End": x.end_offset,
                        "Held by": f"{holder.host} pid {holder.pid}" if holder is not None else x.member,
                        "Holder live": holder is not None and is_live(holder, consumers.now, limits),
                    }
                )
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

with tab_zones:
    zones = read("watch zones", watch_zones)
    if zones is not None:
        if zones:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Name": z.name,
                            "Kind": z.kind,
                            "Why watched": z.reason,
                            "Area km²": z.area_km2,
                            "Active": z.active,
                            "Version": z.version,
                            "Source": z.source,
                            "By": z.acted_by,
                            "Updated": z.updated_at,
                        }
                        for z in zones
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.info("No watch zone. Load the authored ones (`seasight geodata load`) or upload a file below.")
        layers = read(
            "zones on the map",
            lambda conn: (watch_zones_geojson(conn), srr_geojson(conn), ports_geojson(conn)),
        )
        if layers is not None:
            fmap = offline_map()
            for group in reference_layers(*layers):
                group.add_to(fmap)
            import folium

            folium.LayerControl(collapsed=False).add_to(fmap)
            st_folium(fmap, key="zones-map", height=420, use_container_width=True, returned_objects=[])
            st.caption("SRR boundaries marked indicative are approximations, not the official limits.")
    st.markdown(
        "**Upload watch zones** (GeoJSON or KML; each feature needs `name` and `reason`, and `kind` "
        "one of departure_coast, transit_corridor, destination_approach, other). The file is "
        "validated whole; nothing is written unless every feature is valid. A zone with the same "
        "kind and name is replaced (its version goes up)."
    )
    who = need_acting_user()
    upload = st.file_uploader("Zones file", type=["geojson", "json", "kml"], key="zone_upload", disabled=who is None)
    if upload is not None and who is not None:
        data = upload.getvalue()
        if len(data) > MAX_ZONE_UPLOAD_BYTES:
            st.error(
                f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_ZONE_UPLOAD_BYTES / 1e6:.0f} MB. "
                "Nothing was imported."
            )
        elif st.button(f"Import {md(upload.name)} as watch zones", key="zone_import"):
            suffix = Path(upload.name).suffix.lower() or ".geojson"
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / (Path(upload.name).stem[:60] + suffix)
                path.write_bytes(data)
                try:
                    with st.spinner("Validating and importing…"), connection() as conn:
                        result = import_file(conn, path, "zones", acted_by=who[0], limits=ZONE_LIMITS)
                        conn.commit()
                except (GeodataError, ValueError) as exc:
                    st.error(f"Nothing was imported: {md(exc)}")
                else:
                    st.success(
                        f"Imported {result.features} zone(s) ({result.replaced} replaced, "
                        f"{result.repaired} repaired, {result.split_at_antimeridian} split at the "
                        "antimeridian)."
                    )

with tab_watchlist:
    entries = read("the watchlist", watchlist_entries)
    if entries is not None:
        if entries:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Id": w.id,
                            "Name": w.name,
                            "MMSI": w.mmsi,
                            "IMO": w.imo,
                            "Call sign": w.callsign,
                            "Why": w.reason,
                            "Active": w.active,
                            "On the picture": w.on_picture,
                            "Owner": w.owner,
                            "By": w.acted_by,
                            "Updated": w.updated_at,
                        }
                        for w in entries
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        else:
            st.info("The watchlist is empty.")
    st.markdown(
        f"**Upload watchlist entries** (CSV with a header row: {', '.join(WATCHLIST_COLUMNS)}; `id` "
        "and `reason` required and at least one identifier). An entry with an existing id is "
        "replaced. The whole file is checked first; nothing is written if any line is wrong."
    )
    st.caption(
        "You see your own state's entries and those other states share with yours "
        "(`seasight sharing set watchlist …`); the detector checks vessels against every entry."
    )
    account = signed_in()
    may_upload = account is not None and account.role in WRITERS["watchlist"]
    if account is not None and not may_upload:
        st.info(f"A {account.role.description} does not add watchlist entries.")
    upload_w = st.file_uploader("Watchlist CSV", type=["csv"], key="watchlist_upload", disabled=not may_upload)
    if upload_w is not None and who is not None and may_upload:
        data_w = upload_w.getvalue()
        text_w: str | None = None
        if len(data_w) > MAX_WATCHLIST_BYTES:
            st.error(
                f"The file is {len(data_w) / 1e6:.1f} MB; the limit is {MAX_WATCHLIST_BYTES / 1e6:.0f} MB. "
                "Nothing was imported."
            )
        else:
            try:
                text_w = data_w.decode("utf-8-sig")
            except UnicodeDecodeError:
                st.error("The file is not UTF-8 text. Nothing was imported.")
        if text_w is not None:
            entries_w, problems_w = parse_watchlist_csv(text_w, who[1], who[0])
            if problems_w:
                more = f"\n\n…and {len(problems_w) - 50} more" if len(problems_w) > 50 else ""
                st.error(
                    "Nothing was imported. Fix these lines:\n\n"
                    + "\n".join(f"- {md(p)}" for p in problems_w[:50])
                    + more
                )
            elif st.button(
                f"Import {len(entries_w)} watchlist entr{'y' if len(entries_w) == 1 else 'ies'}", key="watchlist_import"
            ):
                try:
                    with connection() as conn:
                        written = upsert_watchlist(conn, entries_w)
                        conn.commit()
                except WatchlistError as exc:  # an id another participant owns: nothing was written
                    st.error("Nothing was imported:\n\n" + "\n".join(f"- {md(p)}" for p in exc.problems[:50]))
                else:
                    st.success(f"Imported {written} watchlist entries (owner {who[1]}, by {md(who[0])}).")

with tab_layers:
    loaded = read("loaded layers", loaded_layers)
    if loaded is not None:
        if loaded:
            st.dataframe(
                pd.DataFrame(loaded, columns=["Layer", "Version", "Features", "Source", "Loaded", "By"]),
                hide_index=True,
                width="stretch",
            )
        else:
            st.info("No reference layer loaded yet (`seasight geodata load`).")
