"""The streaming detection stage: the detection rules run inside the tracker's consumer group, per batch,
on event time, with keyed per-vessel state — cost per message instead of per 24-hour window.

Per batch, inside the tracker's database transaction (after the batch's positions are written, before it
commits — so flags, positions and the offsets that follow them move together):

1. every position updates its feed's watermark (:class:`~tracking.rules.feeds.FeedTimeline`), its vessel's
   thinned state (:mod:`tracking.stream.state`, tagged with its zones by one STRtree query per batch,
   :mod:`tracking.stream.zones`) and the grid of where vessels have been (:class:`Grid`);
2. the *subjects* are the vessels whose kept track changed, plus the vessels whose silence has become due
   for a gap test now that event time has passed (last report + ``min_gap_h``, re-checked every
   ``recheck`` of event time while they stay silent);
3. :func:`tracking.detect.evaluate` — the same pure rules as every other mode — runs for the subjects, with
   their grid neighbours as the other party of encounters and as coverage; new sightings are evaluated
   on arrival against the vessels around them;
4. :func:`tracking.detect.store_flags` reconciles the stored flags of the subjects with what the rules
   now say, in the same transaction.

The caller commits, then commits the Kafka offsets, then publishes the returned changes to ``seasight.flag``
(never before the commit). **Restart**: the state is a function of the committed positions (thinning is
per time bucket, idempotent): :meth:`DetectionStage.start` rebuilds it from the last ``horizon`` of
``position``; a batch replayed after a crash between the database commit and the offset commit changes
nothing (duplicates are ignored, flag writes are idempotent). So a restart resumes exactly.

With several tracker processes (one per partition set), each stage holds the vessels of its partitions
(keyed by MMSI); feed watermarks are then per process, from the messages it consumes.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import math
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from seasight.schemas import PositionReport, SafetyBroadcast, Sighting
from tracking.detect import (
    EVALUATED_RULES,
    DetectionInput,
    DistanceToAnchorage,
    RuleSet,
    StoreResult,
    evaluate,
    identity_reports_from_change,
    load_coasts,
    load_contacts,
    load_ports,
    load_reports_before,
    nearest_port_km,
    store_flags,
)
from tracking.feed_health import store_feed_outages
from tracking.rules import encounter as encounter_rule
from tracking.rules import unidentified as unidentified_rule
from tracking.rules.feeds import FeedOutage, FeedTimeline
from tracking.rules.model import (
    Contact,
    DistanceToShore,
    IdentityReport,
    SafetyText,
    TrackPoint,
    TrackWindow,
    Zone,
)
from tracking.rules.watchlist import WatchlistEntry
from tracking.stream.state import Codebook, StateLimits, Tag, VesselState, tag_of_text, tag_text
from tracking.stream.zones import ZoneIndex

log = logging.getLogger("seasight.tracking.stream")

_JUST_PAST = timedelta(milliseconds=1)  # the resolution of the packed state's times

#: Rules that read sightings: a vessel evaluated without them must not have their flags withdrawn.
SIGHTING_RULES = frozenset({encounter_rule.CONTACT_ID, unidentified_rule.MATCHED_ID})
VESSEL_RULES = EVALUATED_RULES - SIGHTING_RULES


@dataclass(frozen=True, slots=True)
class StageSettings:
    """How the stage bounds its work (event-time durations)."""

    limits: StateLimits = field(default_factory=StateLimits)
    recheck: timedelta = timedelta(hours=1)  # a silent vessel's gap is re-tested this often (event time)
    neighbour_cell_deg: float = 0.25  # grid cell of "where vessels have been" (about 15 nm)
    coverage_cells: int = 2  # cells around a silent vessel searched for coverage (>= 20 nm)
    reference_refresh_s: float = 60.0  # zones / watchlist / ports re-read this often (wall time)
    retention: timedelta = timedelta(days=7)  # a restart rebuilds vessels heard this close to the newest


class Grid:
    """Which vessels have had a kept report in each cell (about 15 nm) within the state's horizon: candidates
    for encounters and coverage. Entries of vessels that moved on are harmless (the rules measure exactly);
    :meth:`rebuild` drops what the states no longer hold. A cell holds its MMSIs as a packed array (4 bytes
    each), not a set: the grid stays a small part of the per-vessel memory."""

    def __init__(self, cell_deg: float) -> None:
        self.cell = cell_deg
        self.columns = round(360.0 / cell_deg)  # cells round the globe: a column index wraps at 180 degrees
        self.cells: dict[tuple[int, int], array[int]] = {}

    def key(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self.cell), math.floor(lon / self.cell) % self.columns)

    def add(self, mmsi: int, lat: float, lon: float) -> None:
        key = self.key(lat, lon)
        held = self.cells.get(key)
        if held is None:
            self.cells[key] = array("I", (mmsi,))
        elif mmsi not in held:
            held.append(mmsi)

    def around(self, lat: float, lon: float, reach: int = 1) -> set[int]:
        i, j = self.key(lat, lon)
        out: set[int] = set()
        for di in range(-reach, reach + 1):
            for dj in range(-reach, reach + 1):
                held = self.cells.get((i + di, (j + dj) % self.columns))
                if held is not None:
                    out.update(held)
        return out

    def rebuild(self, states: dict[int, VesselState]) -> None:
        cells: dict[tuple[int, int], set[int]] = {}
        for mmsi, state in states.items():
            for key in state.cells(self.cell):
                cells.setdefault(key, set()).add(mmsi)
        self.cells = {key: array("I", sorted(held)) for key, held in cells.items()}


@dataclass
class StageStats:
    positions: int = 0
    evaluations: int = 0
    batches: int = 0
    evaluate_s: float = 0.0
    store_s: float = 0.0


def point_of(r: PositionReport) -> TrackPoint:
    return TrackPoint(
        mmsi=r.mmsi,
        observed_at=r.observed_at,
        lat=r.lat,
        lon=r.lon,
        sog_kn=r.sog_kn,
        cog_deg=r.cog_deg,
        heading_deg=r.heading_deg,
        nav_status=r.nav_status,
        msg_type=r.msg_type,
        station=r.station,
    )


def contact_of(s: Sighting) -> Contact:
    return Contact(
        sighting_id=str(s.id),
        observed_at=s.observed_at,
        lat=s.lat,
        lon=s.lon,
        uncertainty_nm=s.uncertainty_nm,
        source_type=s.source_type,
        craft_type=s.craft_type,
        persons_estimated=s.persons_estimated,
        conditions=tuple(s.conditions),
        ais_seen=s.ais_seen,
    )


class DetectionStage:
    """Keyed, incremental detection (see the module docstring)."""

    def __init__(
        self,
        rules: RuleSet | None = None,
        settings: StageSettings | None = None,
        *,
        distance_to_shore: DistanceToShore | None = None,
    ) -> None:
        if distance_to_shore is None:
            from geodata.shore import distance_to_shore_nm

            distance_to_shore = distance_to_shore_nm
        self.rules = rules or RuleSet()
        self.settings = settings or StageSettings()
        self.distance_to_shore: DistanceToShore = distance_to_shore
        self.feeds = FeedTimeline()
        self.states: dict[int, VesselState] = {}
        self.book = Codebook()
        self.grid = Grid(self.settings.neighbour_cell_deg)
        self._grid_rebuilt_at: datetime | None = None
        self._due: list[tuple[datetime, int]] = []
        self._queued: set[int] = set()
        self._contacts: list[Contact] = []
        self.zones = ZoneIndex(())
        self.watchlist: tuple[WatchlistEntry, ...] = ()
        self._anchorage: DistanceToAnchorage | None = None
        self._reference_at = -math.inf
        self._outages_known: set[FeedOutage] = set()
        self.stats = StageStats()
        self.started = False
        #: Checkpoint under this name (the tracker sets its consumer group): see :meth:`start`, :meth:`_save`.
        self.checkpoint_group: str | None = None
        self._forgotten: set[int] = set()  # vessels dropped from the state since the last checkpoint
        #: A vessel heard again after a silence longer than the state holds: its report before the silence
        #: and when it was heard again (the went-dark rule sees the whole gap; ``max_silence_h``).
        self._before: dict[int, tuple[TrackPoint, datetime]] = {}

    # -- start / restart -------------------------------------------------------------------------------

    def start(self, conn: psycopg.Connection[Any]) -> None:
        """Load the state as the committed batches left it — from the checkpoint (``detection_track``,
        ``detection_feeds``) when this stage checkpoints and one exists, else rebuilt from the committed
        positions of the last ``horizon`` — and read the reference data. Either way a restart resumes exactly."""
        self._refresh_reference(conn, force=True)
        row = conn.execute("SELECT max(observed_at) FROM vessel_state").fetchone()
        latest = row[0] if row else None
        if latest is not None:
            if not self._restore(conn, latest):
                self._rebuild(conn, latest)
                if self.checkpoint_group is not None:
                    self._save(conn, set(self.states))  # the first checkpoint: everything rebuilt
            self._contacts = list(load_contacts(conn, latest - self.settings.limits.horizon))
        self._outages_known = set(self.feeds.all_outages())
        self.started = True

    def _rebuild(self, conn: psycopg.Connection[Any], latest: datetime) -> None:
        # Each vessel's own last ``horizon`` (its silence is judged from its own last report), for the
        # vessels heard within ``retention`` of the newest report.
        cur = conn.execute(
            """SELECT p.mmsi, p.observed_at, ST_Y(p.geom), ST_X(p.geom), p.sog_kn, p.cog_deg, p.heading_deg,
                      p.nav_status, p.msg_type, p.station
               FROM vessel_state vs JOIN position p
                    ON p.mmsi = vs.mmsi AND p.observed_at >= vs.observed_at - %s
                       AND p.observed_at <= vs.observed_at
               WHERE vs.observed_at >= %s
               ORDER BY p.observed_at, p.mmsi""",
            (self.settings.limits.horizon, latest - self.settings.retention),
        )
        points = [TrackPoint(*r) for r in cur]
        self._take(points, conn)
        log.info("detection stage rebuilt: %d vessels from %d positions", len(self.states), len(points))

    def _restore(self, conn: psycopg.Connection[Any], latest: datetime) -> bool:
        """The state from the checkpoint of ``checkpoint_group``; ``False`` when there is none."""
        if self.checkpoint_group is None:
            return False
        row = conn.execute(
            "SELECT timeline FROM detection_feeds WHERE consumer_group = %s", (self.checkpoint_group,)
        ).fetchone()
        if row is None:
            return False
        for kind, value, code in conn.execute("SELECT kind, value, code FROM detection_code").fetchall():
            if kind == "station":
                self.book.bind_station(value, code)
            else:
                self.book.bind_tag(tag_of_text(value), code)
        self.feeds = FeedTimeline.restore(row[0])
        rows = conn.execute(
            """SELECT dt.mmsi, dt.base_ms, dt.records, vs.observed_at, ST_Y(vs.geom), ST_X(vs.geom), vs.sog_kn,
                      vs.cog_deg, vs.heading_deg, vs.nav_status, vs.msg_type, vs.station
               FROM detection_track dt JOIN vessel_state vs USING (mmsi)
               WHERE vs.observed_at >= %s""",
            (latest - self.settings.retention,),
        ).fetchall()
        latest_reports = [TrackPoint(r[0], *r[3:]) for r in rows]
        self._register(conn, latest_reports, [])
        for r, report in zip(rows, latest_reports, strict=True):
            state = self.states[r[0]] = VesselState.restored(r[0], r[1], bytes(r[2]), report, self.book)
            tail_at = state.tail_at()
            assert tail_at is not None
            heapq.heappush(self._due, (self._gap_due(tail_at), r[0]))
            self._queued.add(r[0])
        self.grid.rebuild(self.states)
        log.info("detection stage restored from its checkpoint: %d vessels", len(self.states))
        return True

    def _register(self, conn: psycopg.Connection[Any], points: Sequence[TrackPoint], tags: Sequence[Tag]) -> None:
        """Bind the shared codes (table ``detection_code``) of the stations and zone tags a batch brings that
        this stage has not met yet (checkpointing stages only; standalone ones number their own)."""
        if self.checkpoint_group is None:
            return
        stations = {p.station for p in points if not self.book.knows_station(p.station)}
        new_tags = {t for t in tags if not self.book.knows_tag(t)}
        if not stations and not new_tags:
            return
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('detection_code'))")  # one allocator at a time
        for kind, values in (("station", sorted(v for v in stations if v is not None)), ("zones", new_tags)):
            texts = [v if isinstance(v, str) else tag_text(v) for v in values]
            for text in texts:
                conn.execute(
                    """INSERT INTO detection_code (kind, value, code)
                       SELECT %s, %s, coalesce(max(code), 0) + 1 FROM detection_code WHERE kind = %s
                       ON CONFLICT (kind, value) DO NOTHING""",
                    (kind, text, kind),
                )
            for value, code in conn.execute(
                "SELECT value, code FROM detection_code WHERE kind = %s AND value = ANY(%s)", (kind, texts)
            ).fetchall():
                if kind == "station":
                    self.book.bind_station(value, code)
                else:
                    self.book.bind_tag(tag_of_text(value), code)

    def _save(self, conn: psycopg.Connection[Any], changed: set[int]) -> None:
        """Checkpoint, in the batch's transaction: the kept tracks that changed, the vessels forgotten, the
        feed timelines."""
        if self.checkpoint_group is None:
            return
        rows = [(m, self.states[m].base_ms, self.states[m].data) for m in sorted(changed) if m in self.states]
        with conn.cursor() as cur:
            if rows:
                cur.executemany(
                    """INSERT INTO detection_track (mmsi, base_ms, records, updated_at) VALUES (%s, %s, %s, now())
                       ON CONFLICT (mmsi) DO UPDATE
                       SET base_ms = excluded.base_ms, records = excluded.records, updated_at = now()""",
                    rows,
                )
            if self._forgotten:
                cur.execute("DELETE FROM detection_track WHERE mmsi = ANY(%s)", (sorted(self._forgotten),))
            cur.execute(
                """INSERT INTO detection_feeds (consumer_group, timeline, updated_at) VALUES (%s, %s, now())
                   ON CONFLICT (consumer_group) DO UPDATE SET timeline = excluded.timeline, updated_at = now()""",
                (self.checkpoint_group, Jsonb(self.feeds.snapshot())),
            )
        self._forgotten = set()

    def _refresh_reference(self, conn: psycopg.Connection[Any], force: bool = False) -> None:
        if not force and time.monotonic() - self._reference_at < self.settings.reference_refresh_s:
            return
        import shapely

        rows = conn.execute("SELECT id, name, kind, reason, ST_AsBinary(geom) FROM zone WHERE active").fetchall()
        self.zones = ZoneIndex(
            [Zone(zone_id=r[0], name=r[1], kind=r[2], reason=r[3], geometry=shapely.from_wkb(r[4])) for r in rows]
        )
        self.watchlist = tuple(
            WatchlistEntry(entry_id=r[0], reason=r[1], owner=r[2], mmsi=r[3], imo=r[4], callsign=r[5], name=r[6])
            for r in conn.execute(
                "SELECT id, reason, owner, mmsi, imo, callsign, name FROM watchlist_entry WHERE active"
            ).fetchall()
        )
        self._anchorage = nearest_port_km(load_ports(conn))
        self._reference_at = time.monotonic()

    # -- per batch -------------------------------------------------------------------------------------

    def _take(self, points: Sequence[TrackPoint], conn: psycopg.Connection[Any] | None = None) -> set[int]:
        """Fold reports into the state; returns the MMSIs whose kept track changed."""
        changed: set[int] = set()
        tags = self.zones.tags(points)
        if conn is not None:
            self._register(conn, points, tags)
        horizon = self.settings.limits.horizon
        unknown: dict[int, datetime] = {}  # vessels without a state: their first report of this batch
        for p, tag in zip(points, tags, strict=True):
            self.feeds.observe(p.station, p.observed_at)
            state = self.states.get(p.mmsi)
            if state is None:
                state = self.states[p.mmsi] = VesselState(p.mmsi)
                unknown.setdefault(p.mmsi, p.observed_at)
            else:
                tail_at = state.tail_at()
                if tail_at is not None and p.observed_at - tail_at > horizon:
                    last = state.last(self.book)  # about to fall out of the state's horizon
                    assert last is not None
                    self._before[p.mmsi] = (last, p.observed_at)
            before = state.tail_ms
            if state.add(p, self.settings.limits, self.book, tag):
                changed.add(p.mmsi)
                self.grid.add(state.mmsi, p.lat, p.lon)
            if state.tail_ms != before and p.mmsi not in self._queued:
                # One entry per vessel: when it comes up stale (heard since), it is pushed back.
                tail_at = state.tail_at()
                assert tail_at is not None
                heapq.heappush(self._due, (self._gap_due(tail_at), p.mmsi))
                self._queued.add(p.mmsi)
        self.stats.positions += len(points)
        if conn is not None and unknown:
            self._look_before(conn, unknown)
        return changed

    def _look_before(self, conn: psycopg.Connection[Any], firsts: dict[int, datetime]) -> None:
        """For vessels new to the state (first heard, forgotten after a long silence, or not in a restored
        checkpoint): their last stored report before this batch, within ``max_silence_h`` — when it is
        older than the state's horizon, the silence since is a gap the state alone cannot show."""
        silence = timedelta(hours=self.rules.went_dark.max_silence_h)
        since = min(firsts.values()) - silence
        for mmsi, last in load_reports_before(conn, firsts, since).items():
            again = firsts[mmsi]
            if self.settings.limits.horizon < again - last.observed_at <= silence:
                self._before[mmsi] = (last, again)

    def _gap_due(self, last_heard: datetime) -> datetime:
        """When a vessel last heard at ``last_heard`` is first due for a gap test: just past ``min_gap_h``
        (gaps are strictly longer than the threshold, as Global Fishing Watch defines them)."""
        return last_heard + timedelta(hours=self.rules.went_dark.min_gap_h) + _JUST_PAST

    def _pop_due(self) -> set[int]:
        """Vessels whose silence has become due for a gap test at the current watermarks."""
        now = self.feeds.event_time()
        due: set[int] = set()
        if now is None:
            return due
        requeue: list[tuple[datetime, int]] = []
        while self._due and self._due[0][0] <= now:
            at, mmsi = heapq.heappop(self._due)
            state = self.states.get(mmsi)
            tail_at = None if state is None else state.tail_at()
            if state is None or tail_at is None:
                self._queued.discard(mmsi)
                continue
            if self._gap_due(tail_at) > at:
                requeue.append((self._gap_due(tail_at), mmsi))  # heard again since
                continue
            if now - tail_at >= self.settings.limits.horizon:
                # Silent for longer than the state holds: its flags stand as last stored; forget it.
                del self.states[mmsi]
                self._queued.discard(mmsi)
                self._forgotten.add(mmsi)
                continue
            watermark = self.feeds.watermark(state.tail_station(self.book))
            if watermark is None or watermark < at:
                requeue.append((at + self.settings.recheck, mmsi))  # its own feed is not there yet
                continue
            due.add(mmsi)
            if at - tail_at < self.settings.limits.horizon:
                requeue.append((at + self.settings.recheck, mmsi))
            else:
                self._queued.discard(mmsi)
        for entry in requeue:
            heapq.heappush(self._due, entry)
        return due

    def _prune_grid(self) -> None:
        """Rebuild the grid from the states every ``recheck`` of event time, so that it holds only the cells
        of reports still within the horizon (its memory stays bounded by the states')."""
        now = self.feeds.event_time()
        if now is None:
            return
        if self._grid_rebuilt_at is None or now - self._grid_rebuilt_at >= self.settings.recheck:
            if self._grid_rebuilt_at is not None:
                self.grid.rebuild(self.states)
            self._grid_rebuilt_at = now

    def process(
        self,
        conn: psycopg.Connection[Any],
        positions: Sequence[PositionReport] = (),
        sightings: Sequence[Sighting] = (),
        safety: Sequence[SafetyBroadcast] = (),
        static_mmsis: Iterable[int] = (),
        complete_to: datetime | None = None,
    ) -> StoreResult:
        """Take one committed-to-be batch and store what the rules now say (in the caller's transaction).

        ``complete_to``: the latest message time of the slowest input partition that still has messages
        queued (``None`` when every partition is caught up) — no feed counts as complete beyond it, so a
        partition consumed ahead of another never makes the other's vessels look silent."""
        rebuilt = not self.started
        if rebuilt:
            self.start(conn)  # reads the committed positions, and this batch's own (written just before)
        self._refresh_reference(conn)
        points = sorted((point_of(r) for r in positions), key=lambda p: p.observed_at)
        changed = self._take(points, conn)
        subjects = set(changed)
        if rebuilt:
            subjects |= {p.mmsi for p in points}  # already folded in by the rebuild, not yet evaluated
        self.feeds.held_back_to = complete_to
        subjects |= {s.mmsi for s in safety}
        subjects |= set(static_mmsis) & set(self.states)
        subjects |= self._pop_due()
        self._prune_grid()
        self._save(conn, changed)
        new_contacts = [contact_of(s) for s in sightings]
        self._contacts.extend(new_contacts)
        now = self.feeds.event_time()
        if now is not None:
            keep_from = now - self.settings.limits.horizon
            self._contacts = [c for c in self._contacts if c.observed_at >= keep_from]
        result = self._evaluate(conn, subjects, new_contacts)
        outages = set(self.feeds.all_outages()) - self._outages_known
        if outages:
            store_feed_outages(conn, sorted(outages, key=lambda o: (o.feed or "", o.last_heard_at)))
            self._outages_known |= outages
        self.stats.batches += 1
        return result

    def flush(self, conn: psycopg.Connection[Any]) -> StoreResult:
        """Re-test every silent vessel at the current watermarks (at the end of a drained stream, so that
        the last gaps are judged on the final event time, whatever the batch boundaries were)."""
        self.feeds.held_back_to = None
        min_gap = timedelta(hours=self.rules.went_dark.min_gap_h)
        silent = set()
        for mmsi, state in self.states.items():
            tail_at = state.tail_at()
            if tail_at is None:
                continue
            watermark = self.feeds.watermark(state.tail_station(self.book))
            if watermark is not None and min_gap < watermark - tail_at < self.settings.limits.horizon:
                silent.add(mmsi)
        return self._evaluate(conn, silent, [])

    def _neighbours(self, subjects: set[int]) -> set[int]:
        out: set[int] = set()
        reach = self.settings.coverage_cells
        min_gap = timedelta(hours=self.rules.went_dark.min_gap_h)
        for mmsi in subjects:
            state = self.states.get(mmsi)
            tail_at = None if state is None else state.tail_at()
            if state is None or tail_at is None:
                continue
            watermark = self.feeds.watermark(state.tail_station(self.book))
            silent = watermark is not None and watermark - tail_at >= min_gap
            out |= self.grid.around(*state.tail_position(), reach if silent else 1)
        return out - subjects

    def _evaluate(self, conn: psycopg.Connection[Any], subjects: set[int], contacts: Sequence[Contact]) -> StoreResult:
        now = self.feeds.event_time()
        if now is None or (not subjects and not contacts):
            return StoreResult()
        started = time.perf_counter()
        start = now - self.settings.limits.horizon
        near_contacts: set[int] = set()
        for c in contacts:
            near_contacts |= self.grid.around(c.lat, c.lon, 2)
        readers = self._neighbours(subjects) | near_contacts
        windows: list[TrackWindow] = []
        lookup = self.zones.lookup.tags
        lookup.clear()
        for mmsi in sorted(subjects | readers):
            state = self.states.get(mmsi)
            if state is None or state.tail_ms is None:
                continue
            for p, tag in state.tagged(self.book):
                lookup[(p.lat, p.lon)] = tag
            window = state.window(start, now, self.book)
            before = self._before.get(mmsi)
            if before is not None:
                if window.points and window.points[0].observed_at == before[1]:
                    window = dataclasses.replace(window, before=before[0])
                else:  # the report heard again has left the state: the gap is history
                    del self._before[mmsi]
            windows.append(window)
        evaluated = [w for w in windows if w.mmsi in subjects]
        identities, history, texts = self._vessel_facts(conn, sorted(subjects), start, now)
        data = DetectionInput(
            start=start,
            end=now,
            windows=tuple(windows),
            zones=self.zones.zones,
            contacts=tuple(contacts),
            identities=identities,
            identity_history=history,
            texts=texts,
            watchlist=self.watchlist,
            coasts=load_coasts(conn, evaluated, now),
            feeds=self.feeds,
        )
        flags = evaluate(
            data,
            self.rules,
            distance_to_shore=self.distance_to_shore,
            distance_to_anchorage_km=self._anchorage,
            subjects=subjects,
        )
        if contacts:  # a new sighting also answers for the vessels around it (rules 9, 10, contact encounter)
            flags += [
                f
                for f in evaluate(
                    data,
                    self.rules,
                    distance_to_shore=self.distance_to_shore,
                    distance_to_anchorage_km=self._anchorage,
                    subjects=near_contacts - subjects,
                )
                if f.rule_id in SIGHTING_RULES
            ]
        lookup.clear()
        evaluated_at = time.perf_counter()
        self.stats.evaluate_s += evaluated_at - started
        self.stats.evaluations += len(evaluated)
        result = store_flags(
            conn,
            _dedupe(flags),
            start=start,
            end=now,
            evaluated_mmsis=sorted(subjects),
            evaluated_rules=VESSEL_RULES if not contacts else EVALUATED_RULES,
            evaluated_sightings=[c.sighting_id for c in contacts],
            cooldown=self.rules.cooldown,
        )
        self.stats.store_s += time.perf_counter() - evaluated_at
        return result

    def _vessel_facts(
        self, conn: psycopg.Connection[Any], mmsis: list[int], start: datetime, end: datetime
    ) -> tuple[dict[int, IdentityReport], tuple[IdentityReport, ...], tuple[SafetyText, ...]]:
        if not mmsis:
            return {}, (), ()
        identities = {
            r[0]: IdentityReport(
                mmsi=r[0], observed_at=r[1], name=r[2], callsign=r[3], imo=r[4], ship_type=r[5], destination=r[6]
            )
            for r in conn.execute(
                """SELECT mmsi, coalesce(static_at, first_seen_at), name, callsign, imo, ship_type, destination
                   FROM vessel WHERE mmsi = ANY(%s)
                      OR imo IN (SELECT imo FROM vessel WHERE mmsi = ANY(%s) AND imo IS NOT NULL)""",
                (mmsis, mmsis),
            ).fetchall()
        }
        history = tuple(
            r
            for row in conn.execute(
                """SELECT mmsi, observed_at, field, old_value, new_value FROM vessel_identity_change
                   WHERE mmsi = ANY(%s) AND observed_at >= %s AND observed_at <= %s
                     AND field IN ('name', 'callsign', 'imo') ORDER BY mmsi, observed_at""",
                (mmsis, start, end),
            ).fetchall()
            for r in identity_reports_from_change(*row)
        )
        texts = tuple(
            SafetyText(mmsi=r[0], observed_at=r[1], text=r[2], lat=r[3], lon=r[4], msg_type=r[5])
            for r in conn.execute(
                """SELECT mmsi, observed_at, text, ST_Y(geom), ST_X(geom), msg_type FROM safety_broadcast
                   WHERE mmsi = ANY(%s) AND observed_at >= %s AND observed_at <= %s ORDER BY observed_at""",
                (mmsis, start, end),
            ).fetchall()
        )
        return identities, history, texts

    def memory_points(self) -> int:
        """Reports held in the state (for the benchmark's per-vessel memory figure)."""
        return sum(s.size() for s in self.states.values())


def _dedupe(flags: Sequence[Any]) -> list[Any]:
    from tracking.detect import natural_key

    best: dict[Any, Any] = {}
    for f in flags:
        k = natural_key(f)
        if k not in best or (f.severity, f.score) > (best[k].severity, best[k].score):
            best[k] = f
    return list(best.values())


__all__ = ["DetectionStage", "Grid", "StageSettings"]
