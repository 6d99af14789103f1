"""Rule 1 — AIS gap / went dark.

A vessel "went dark" when its AIS falls silent far longer than the reporting interval ITU-R M.1371-5 sets
for its class and speed, and for *longer than* the gap length public systems use: Global Fishing Watch's
gap detector (``GlobalFishingWatch/pipe-gaps``) keeps a gap when its duration is strictly greater than the
threshold, and GFW publishes gap events from 6 h; Skylight flags dark activity after 6 h. A silence of
exactly 6 h is therefore not a 6 h gap, and exactly ``missed_reports`` nominal intervals is not enough
either. The score explains itself through four components, each in [0, 1]:

* ``length`` — gap hours over the long-gap threshold (12 h → 1);
* ``offshore`` — distance from shore of both ends over the offshore threshold (50 nm → 1);
* ``watch_zone`` — 1 when an end lies in or near a watch zone;
* ``coverage`` — how many *other* vessels were heard near the gap's ends while it was silent (the feed
  demonstrably covered the area, so the silence is not a reception hole), over the minimum count.

**Suspected AIS disabling** is Global Fishing Watch's named variant, checked on every gap and shown with
each criterion in the flag's evidence (Welch et al. 2022, doi:10.1126/sciadv.abq2109, and GFW's published
filter): the gap lasts at least 12 h; it *starts* more than 50 nm from shore (GFW's code tests the start
only — where the vessel reappears does not matter, and an ongoing gap has no end); and the vessel had a
dense track before it: at least 14 positions in the 12 h before the gap, and more than 10 positions a day.
GFW counts satellite positions and takes the 10 a day from its modelled satellite reception of the area
for the vessel's class; Seasight counts the positions the vessel's feed delivered, and the rate over (up
to) the day before the gap, which is the reception the vessel demonstrably had there.

Severity (see ``docs/severity.md``): **high** for a long dark period offshore in coverage (at least
``long_gap_h``, starting at least ``offshore_nm`` from shore, at least one other vessel heard nearby
meanwhile), for GFW's suspected disabling with coverage, and for a long gap near a watch zone with coverage;
**medium** when the score reaches 0.5 *and* another vessel was heard, or for suspected disabling without
coverage evidence; **low** otherwise (without anyone heard, the silence may as well be a hole in reception).

A gap still open at the window's end is reported as ``ongoing``.

**Silences longer than the window.** A window may carry the vessel's last report before it
(:attr:`~tracking.rules.model.TrackWindow.before`, looked up at most ``max_silence_h`` back): the silence
from that report to the window's first (or to the feed's watermark, when the vessel is still silent) is
judged like any other, so a 26–28 h dark period is seen whole by a 24 h window. The time before the feed
timeline begins counts as live feed time (the earlier rounds that saw it judged it so); a silence longer
than ``max_silence_h`` is not followed. The track before such a gap is not held: its evidence says
``prior_track_held: false``, and GFW's density criteria of suspected disabling do not hold on it.

**Event time.** Given a :class:`~tracking.rules.feeds.FeedTimeline` (every detection mode passes one), the
rule decides on message time only: a silence lasts at most up to the watermark of the vessel's own feed
(the station of its last report), never to the wall clock; only the time that feed was *live* (not in an
outage) counts towards the gap thresholds, so a feed that stops raises a feed notice, not went-dark
flags; and a gap is declared only when that feed demonstrably heard the vessel's area after the silence
began: at least ``coverage_required_vessels`` other vessels heard by the same feed within
``coverage_radius_nm`` of the gap's ends between the last report and the gap's end (some moment of it,
not necessarily all of it — the live-time test above already discounts the feed's own outages).
Without a timeline (unit tests of the scoring) reception is assumed continuous up to the window's end.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.rules.feeds import FeedTimeline
from tracking.rules.geo import METRES_PER_NM, degree_box, distance_nm
from tracking.rules.model import (
    NAV_AT_ANCHOR,
    NAV_MOORED,
    DistanceToShore,
    Flag,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    Zone,
    hours_between,
)
from tracking.rules.parameters import RuleParameters, threshold

logger = logging.getLogger(__name__)

RULE_ID = "went_dark"
RULE_VERSION = 3  # 2: strict gap thresholds, GFW suspected disabling, severity calibration; 3: silences
# longer than the evaluated window, from the vessel's last report before it (max_silence_h)

_ITU = "ITU-R M.1371-5 Annex 1 Tables 1-2"


def expected_report_interval(ais_class: str, sog_kn: float | None, nav_status: int | None) -> timedelta:
    """Nominal reporting interval of a mobile station (ITU-R M.1371-5, Annex 1, Tables 1 and 2).

    Class A: 3 min at anchor or moored and not faster than 3 kn; 10 s at 0–14 kn; 6 s at 14–23 kn; 2 s above
    23 kn (the shorter intervals while changing course are ignored: the longest interval is the fair bound).
    Class B "CS": 3 min at 2 kn or less, 30 s above. SAR aircraft (message 9): 10 s.
    Unknown speed is treated as the slowest case (longest interval).
    """
    if ais_class == "SAR":
        return timedelta(seconds=10)
    if ais_class == "B":
        if sog_kn is None or sog_kn <= 2.0:
            return timedelta(minutes=3)
        return timedelta(seconds=30)
    if sog_kn is None:
        return timedelta(minutes=3)
    if nav_status in (NAV_AT_ANCHOR, NAV_MOORED) and sog_kn <= 3.0:
        return timedelta(minutes=3)
    if sog_kn <= 14.0:
        return timedelta(seconds=10)
    if sog_kn <= 23.0:
        return timedelta(seconds=6)
    return timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class WentDarkParameters(RuleParameters):
    """Thresholds of the went-dark rule (units in each field's declaration)."""

    min_gap_h: float = threshold(
        6.0,
        unit="h",
        low=0.25,
        high=72.0,
        source="Global Fishing Watch pipe-gaps: a gap is longer than the threshold (strictly); GFW gap events "
        "from 6 h; Skylight dark activity after 6 h",
        description="a silence must last longer than this to be a gap (exactly this long is not one)",
    )
    missed_reports: float = threshold(
        10.0,
        unit="reports",
        low=2.0,
        high=10_000.0,
        source=f"Seasight; nominal intervals from {_ITU}",
        description="the silence must also be longer than this many nominal reporting intervals for class and speed",
    )
    long_gap_h: float = threshold(
        12.0,
        unit="h",
        low=1.0,
        high=168.0,
        source="Global Fishing Watch: only gaps >= 12 h are analysed as suspected AIS disabling (satellite "
        "revisit time)",
        description="gap length that scores the full length component; a gap this long is a long dark period",
    )
    offshore_nm: float = threshold(
        50.0,
        unit="nm",
        low=0.0,
        high=500.0,
        source="Global Fishing Watch: suspected disabling gaps start > 50 nm from shore",
        description="distance from shore that scores the full offshore component; a long gap starting this "
        "far out is offshore",
    )
    in_port_nm: float = threshold(
        3.0,
        unit="nm",
        low=0.0,
        high=20.0,
        source="Seasight (authored): a vessel stopped this close to shore is in port",
        description="silences that begin stopped this close to shore, and end there too, are not flagged",
    )
    stopped_kn: float = threshold(
        0.5,
        unit="kn",
        low=0.0,
        high=3.0,
        source="Design reference numbers: stopped < 0.5 kn",
        description="a vessel slower than this (or moored / at anchor) is stopped",
    )
    watch_zone_near_nm: float = threshold(
        20.0,
        unit="nm",
        low=0.0,
        high=200.0,
        source="Seasight (authored); about one nominal VHF AIS range (IMO Res. A.1106(29): ~20 nm)",
        description="an end of the gap this close to a watch zone counts as near it",
    )
    coverage_radius_nm: float = threshold(
        20.0,
        unit="nm",
        low=1.0,
        high=200.0,
        source="IMO Res. A.1106(29): nominal shipborne AIS range about 20 nm",
        description="other vessels heard within this distance of a gap end show the feed covered the area",
    )
    coverage_min_vessels: float = threshold(
        3.0,
        unit="vessels",
        low=1.0,
        high=100.0,
        source="Seasight (authored), after GFW's restriction of gap analysis to areas of good reception",
        description="distinct other vessels heard during the gap that give full coverage confidence",
    )
    coverage_required_vessels: float = threshold(
        1.0,
        unit="vessels",
        low=0.0,
        high=100.0,
        source="Seasight (authored): DESIGN.md event-time detection, a gap needs demonstrated reception",
        description="other vessels the same feed must have heard near the last report after the silence "
        "became a gap before it is declared (0: no requirement); applies with a feed timeline",
    )
    disabling_min_gap_h: float = threshold(
        12.0,
        unit="h",
        low=1.0,
        high=168.0,
        source="Global Fishing Watch suspected AIS disabling: gap_hours >= 12",
        description="suspected disabling: the gap (feed-live time) lasts at least this long",
    )
    disabling_start_shore_nm: float = threshold(
        50.0,
        unit="nm",
        low=0.0,
        high=500.0,
        source="Global Fishing Watch suspected AIS disabling: gap start > 50 nm (92 600 m) from shore",
        description="suspected disabling: the last report before the gap is more than this far from shore",
    )
    disabling_positions_before: float = threshold(
        14.0,
        unit="positions",
        low=0.0,
        high=10_000.0,
        source="Global Fishing Watch suspected AIS disabling: positions_12_hours_before_sat >= 14",
        description="suspected disabling: at least this many positions in the hours before the gap",
    )
    disabling_hours_before: float = threshold(
        12.0,
        unit="h",
        low=1.0,
        high=48.0,
        source="Global Fishing Watch suspected AIS disabling: positions counted over the 12 h before the gap",
        description="suspected disabling: the span before the gap whose positions are counted",
    )
    disabling_positions_per_day: float = threshold(
        10.0,
        unit="positions/day",
        low=0.0,
        high=100_000.0,
        source="Global Fishing Watch suspected AIS disabling: reception > 10 positions per day (GFW models it "
        "per 1° cell and AIS class; Seasight measures the vessel's own over the day before)",
        description="suspected disabling: the vessel's positions per day before the gap exceed this",
    )
    max_silence_h: float = threshold(
        72.0,
        unit="h",
        low=1.0,
        high=720.0,
        source="Seasight (authored), after issue 16: 26-28 h dark periods were lost with a 24 h window; "
        "GFW publishes gaps of several days",
        description="the longest silence followed: a vessel's last report before the evaluated window is "
        "looked up this far back, so a gap longer than the window is seen whole (longer silences are not "
        "followed further; their flag stands as last stored)",
    )
    weight_length: float = threshold(
        0.40,
        unit="weight",
        low=0.0,
        high=1.0,
        source="Seasight (authored)",
        description="weight of the length component in the score",
    )
    weight_offshore: float = threshold(
        0.25,
        unit="weight",
        low=0.0,
        high=1.0,
        source="Seasight (authored)",
        description="weight of the offshore component in the score",
    )
    weight_watch_zone: float = threshold(
        0.15,
        unit="weight",
        low=0.0,
        high=1.0,
        source="Seasight (authored)",
        description="weight of the watch-zone component in the score",
    )
    weight_coverage: float = threshold(
        0.20,
        unit="weight",
        low=0.0,
        high=1.0,
        source="Seasight (authored)",
        description="weight of the coverage component in the score",
    )


@dataclass(frozen=True, slots=True)
class Gap:
    """One silence of a track: the last report before it and the first after (``None`` when ongoing).
    ``live`` is how long of it the vessel's feed was receiving (the whole silence without a timeline)."""

    before: TrackPoint
    after: TrackPoint | None
    ends_at: datetime
    live: timedelta | None = None

    @property
    def hours(self) -> float:
        return hours_between(self.before.observed_at, self.ends_at)

    @property
    def live_hours(self) -> float:
        if self.live is None:
            return self.hours
        return self.live / timedelta(hours=1)


def find_gaps(window: TrackWindow, params: WentDarkParameters, feeds: FeedTimeline | None = None) -> list[Gap]:
    """Silences longer than both ``min_gap_h`` and ``missed_reports`` nominal intervals (strictly: a silence
    of exactly ``min_gap_h`` is not a gap, as in Global Fishing Watch's gap detector).

    With ``feeds``, an ongoing silence ends at the watermark of the vessel's feed (not at ``window.end``
    when that is later), and only the time the feed was live counts (see the module docstring)."""
    gaps: list[Gap] = []
    pts = (window.before, *window.points) if window.before is not None else window.points
    ais_class = window.ais_class
    min_gap = timedelta(hours=params.min_gap_h)
    max_silence = timedelta(hours=params.max_silence_h)
    for i, before in enumerate(pts):
        after = pts[i + 1] if i + 1 < len(pts) else None
        ends_at = after.observed_at if after is not None else window.end
        nominal = expected_report_interval(ais_class, before.sog_kn, before.nav_status)
        if ends_at - before.observed_at <= max(min_gap, nominal * params.missed_reports):
            continue  # cheap test first: the silence is short even before the feed is considered
        live: timedelta | None = None
        if feeds is not None:
            if after is None:
                watermark = feeds.watermark(before.station)
                ends_at = max(before.observed_at, min(ends_at, watermark or before.observed_at))
            live = feeds.live(before.station, before.observed_at, ends_at)
            first = feeds.first_heard(before.station)
            if first is not None and first > before.observed_at:
                # Before the timeline knows the feed (the report before the window): judged live, as the
                # earlier rounds that saw that time judged it.
                live += min(first, ends_at) - before.observed_at
            silence = live
        else:
            silence = ends_at - before.observed_at
        if before is window.before and ends_at - before.observed_at > max_silence:
            continue  # longer than the rule follows a silence from before the window
        if silence > min_gap and silence > nominal * params.missed_reports:
            gaps.append(Gap(before=before, after=after, ends_at=ends_at, live=live))
    return gaps


def stayed_in_port(gap: Gap, shore_nm: Sequence[float], params: WentDarkParameters) -> bool:
    """True when the silence was spent in port: it began stopped (moored, at anchor, or slower than
    ``stopped_kn``) within ``in_port_nm`` of shore and, if the vessel has reappeared, it did so within
    ``in_port_nm`` of shore and of where it fell silent."""
    before = gap.before
    stopped = before.nav_status in (NAV_MOORED, NAV_AT_ANCHOR) or (
        before.sog_kn is not None and before.sog_kn <= params.stopped_kn
    )
    if not stopped or shore_nm[0] > params.in_port_nm:
        return False
    if gap.after is None:
        return True
    moved = distance_nm(before.lat, before.lon, gap.after.lat, gap.after.lon)
    return shore_nm[1] <= params.in_port_nm and moved <= params.in_port_nm


#: ``CoverageIndex.heard(feed=ANY_FEED)``: reports of every feed count.
ANY_FEED: object = object()


class CoverageIndex:
    """Reports of many vessels, bucketed by cell of ``cell_deg`` degrees and by MMSI, each bucket in time
    order, to answer quickly "which other vessels were heard within R nm of here between t0 and t1" — the
    evidence that the feed covered an area while a vessel was silent. Built once, then only read. The
    longitude cells wrap at the 180° meridian, so a search near Fiji also looks on the other side of it, and
    the cells searched around a position are a conservative degree box (:func:`~tracking.rules.geo.degree_box`):
    no report within the radius is ever left out, near the poles either."""

    def __init__(self, points: Iterable[TrackPoint], cell_deg: float = 0.1) -> None:
        self.cell = cell_deg
        self._columns = max(1, round(360.0 / cell_deg))
        buckets: dict[tuple[int, int], dict[int, list[TrackPoint]]] = defaultdict(lambda: defaultdict(list))
        for p in points:
            buckets[(math.floor(p.lat / cell_deg), self._column(p.lon))][p.mmsi].append(p)
        self._cells: dict[tuple[int, int], list[tuple[int, list[datetime], list[TrackPoint]]]] = {}
        for key, by_mmsi in buckets.items():
            rows = []
            for mmsi, pts in by_mmsi.items():
                pts.sort(key=lambda q: q.observed_at)
                rows.append((mmsi, [q.observed_at for q in pts], pts))
            self._cells[key] = rows

    def _column(self, lon: float) -> int:
        return math.floor(((lon + 180.0) % 360.0) / self.cell) % self._columns

    def _around(
        self, lat: float, lon: float, radius_nm: float
    ) -> Iterator[tuple[int, list[datetime], list[TrackPoint]]]:
        # conservative: every report within radius_nm (geodesic) lies in the cells searched, at any latitude
        dlat, dlon = degree_box(lat, radius_nm * METRES_PER_NM)
        first = math.floor(((lon - dlon) + 180.0) / self.cell)
        last = math.floor(((lon + dlon) + 180.0) / self.cell)
        columns = sorted({j % self._columns for j in range(first, min(last, first + self._columns - 1) + 1)})
        for i in range(math.floor((lat - dlat) / self.cell), math.floor((lat + dlat) / self.cell) + 1):
            for j in columns:
                yield from self._cells.get((i, j), ())

    def heard(
        self,
        lat: float,
        lon: float,
        radius_nm: float,
        start: datetime,
        stop: datetime,
        exclude: int | None = None,
        feed: str | None | object = ANY_FEED,
    ) -> set[int]:
        """MMSIs (other than ``exclude``) with a report strictly between ``start`` and ``stop`` within
        ``radius_nm`` of (lat, lon); with ``feed`` (a station name or ``None``; leave it out for any feed),
        only reports delivered by that feed."""
        found: set[int] = set()
        for mmsi, times, pts in self._around(lat, lon, radius_nm):
            if mmsi == exclude or mmsi in found:
                continue
            k = bisect.bisect_right(times, start)
            while k < len(times) and times[k] < stop:
                q = pts[k]
                if (feed is ANY_FEED or q.station == feed) and distance_nm(lat, lon, q.lat, q.lon) <= radius_nm:
                    found.add(mmsi)
                    break
                k += 1
        return found

    def reports(
        self,
        lat: float,
        lon: float,
        radius_nm: float,
        start: datetime,
        stop: datetime,
        exclude: int | None = None,
        feed: str | None | object = ANY_FEED,
    ) -> list[TrackPoint]:
        """Every report (of MMSIs other than ``exclude``, by ``feed`` when given) strictly between ``start`` and
        ``stop`` within ``radius_nm`` of (lat, lon), in no particular order."""
        out: list[TrackPoint] = []
        for mmsi, times, pts in self._around(lat, lon, radius_nm):
            if mmsi == exclude:
                continue
            k = bisect.bisect_right(times, start)
            while k < len(times) and times[k] < stop:
                q = pts[k]
                if (feed is ANY_FEED or q.station == feed) and distance_nm(lat, lon, q.lat, q.lon) <= radius_nm:
                    out.append(q)
                k += 1
        return out


def heard_nearby(
    gap: Gap,
    coverage: CoverageIndex,
    radius_nm: float,
    *,
    since: datetime | None = None,
    feed: str | None | object = ANY_FEED,
) -> set[int]:
    """MMSIs of other vessels heard within ``radius_nm`` of either end of the gap while it was silent
    (from ``since`` when given, else from its start), by ``feed`` when given."""
    heard: set[int] = set()
    start = since or gap.before.observed_at
    for end in (gap.before, gap.after):
        if end is not None:
            heard |= coverage.heard(
                end.lat, end.lon, radius_nm, start, gap.ends_at + _JUST_AFTER, exclude=gap.before.mmsi, feed=feed
            )
    return heard


_JUST_AFTER = timedelta(microseconds=1)  # ``heard`` is strict at ``stop``; the watermark itself counts


@dataclass(frozen=True, slots=True)
class DisablingCheck:
    """Global Fishing Watch's suspected-AIS-disabling criteria on one gap (module docstring), each with the
    value it was decided on. ``holds`` when all of them do."""

    gap_hours: float
    start_shore_nm: float | None
    positions_before: int
    positions_per_day: float
    history_h: float
    long_enough: bool
    starts_offshore: bool
    dense_before: bool
    dense_per_day: bool

    @property
    def holds(self) -> bool:
        return self.long_enough and self.starts_offshore and self.dense_before and self.dense_per_day

    def evidence(self) -> dict[str, object]:
        return {
            "holds": self.holds,
            "gap_hours": round(self.gap_hours, 3),
            "start_distance_to_shore_nm": None if self.start_shore_nm is None else round(self.start_shore_nm, 2),
            "positions_before": self.positions_before,
            "positions_per_day": round(self.positions_per_day, 2),
            "history_h": round(self.history_h, 3),
            "criteria": {
                "gap_at_least_min_hours": self.long_enough,
                "starts_beyond_shore_distance": self.starts_offshore,
                "positions_in_hours_before": self.dense_before,
                "positions_per_day_above": self.dense_per_day,
            },
        }


def suspected_disabling(
    window: TrackWindow, gap: Gap, start_shore_nm: float | None, params: WentDarkParameters
) -> DisablingCheck:
    """GFW's suspected-disabling criteria on ``gap`` of ``window`` (module docstring). The positions before
    the gap are those of the window strictly before its last report (GFW: ``start - 12 h <= t < start``);
    the rate per day is over the day before the gap, or the part of it the window holds."""
    start = gap.before.observed_at
    before = timedelta(hours=params.disabling_hours_before)
    counted = sum(1 for p in window.points if start - before <= p.observed_at < start)
    # the day before the gap, or the part of it the window holds (none for a gap from the report before the
    # window: its prior track is not held, so it cannot show the dense track GFW asks for)
    day_from = min(start, max(window.start, start - timedelta(days=1)))
    history = start - day_from
    in_day = sum(1 for p in window.points if day_from <= p.observed_at <= start)
    per_day = in_day / (history / timedelta(days=1)) if history > timedelta(0) else 0.0
    return DisablingCheck(
        gap_hours=gap.live_hours,
        start_shore_nm=start_shore_nm,
        positions_before=counted,
        positions_per_day=per_day,
        history_h=history / timedelta(hours=1),
        long_enough=gap.live_hours >= params.disabling_min_gap_h,
        starts_offshore=start_shore_nm is not None and start_shore_nm > params.disabling_start_shore_nm,
        dense_before=counted >= params.disabling_positions_before,
        dense_per_day=per_day > params.disabling_positions_per_day,
    )


def went_dark(
    window: TrackWindow,
    params: WentDarkParameters,
    *,
    distance_to_shore: DistanceToShore | None,
    watch_zones: Sequence[Zone] = (),
    others: Sequence[TrackPoint] | CoverageIndex = (),
    feeds: FeedTimeline | None = None,
) -> list[Flag]:
    """Flag every AIS gap of ``window`` (see the module docstring for the score).

    ``distance_to_shore`` (nm) is injected; when ``None`` the offshore component is 0 and the evidence says
    the distance is unknown. ``others`` are reports of other vessels around the window (or a prebuilt
    :class:`CoverageIndex` of all reports), used to show that the feed covered the area during the silence.

    Severity as in the module docstring (``docs/severity.md``): high for a long dark period offshore in
    coverage, GFW's suspected disabling in coverage, or a long gap near a watch zone in coverage.
    """
    index = others if isinstance(others, CoverageIndex) else CoverageIndex(others)
    flags: list[Flag] = []
    for gap in find_gaps(window, params, feeds):
        feed = gap.before.station
        heard = heard_nearby(gap, index, params.coverage_radius_nm, feed=feed if feeds is not None else ANY_FEED)
        if feeds is not None and len(heard) < params.coverage_required_vessels:
            logger.debug(
                "MMSI %s: silence from %s not declared a gap: feed %s heard %d other vessel(s) nearby",
                window.mmsi,
                gap.before.observed_at,
                feed,
                len(heard),
            )
            continue
        ends = [gap.before] + ([gap.after] if gap.after is not None else [])
        shore_nm: list[float] | None = None
        if distance_to_shore is not None:
            shore_nm = [distance_to_shore(p.lat, p.lon) for p in ends]
            if stayed_in_port(gap, shore_nm, params):
                logger.debug("MMSI %s: gap from %s spent in port; not flagged", window.mmsi, gap.before.observed_at)
                continue
        near_zones = sorted(
            {z.name for z in watch_zones for p in ends if z.within_nm(p.lat, p.lon, params.watch_zone_near_nm)}
        )

        length = min(1.0, gap.live_hours / params.long_gap_h)
        if shore_nm is None:
            offshore = 0.0
        elif params.offshore_nm == 0:
            offshore = 1.0
        else:
            offshore = min(1.0, min(shore_nm) / params.offshore_nm)
        zone_c = 1.0 if near_zones else 0.0
        coverage = min(1.0, len(heard) / params.coverage_min_vessels)
        weights = (
            params.weight_length,
            params.weight_offshore,
            params.weight_watch_zone,
            params.weight_coverage,
        )
        total_w = sum(weights) or 1.0
        score = (length * weights[0] + offshore * weights[1] + zone_c * weights[2] + coverage * weights[3]) / total_w

        long_gap = gap.live_hours >= params.long_gap_h
        start_shore = None if shore_nm is None else shore_nm[0]
        offshore_start = start_shore is not None and start_shore >= params.offshore_nm
        disabling = suspected_disabling(window, gap, start_shore, params)
        long_dark_offshore = long_gap and offshore_start and bool(heard)
        if long_dark_offshore or (disabling.holds and heard) or (long_gap and near_zones and heard):
            severity = Severity.HIGH
        elif (score >= 0.5 and heard) or disabling.holds:
            severity = Severity.MEDIUM
        else:
            severity = Severity.LOW

        where = "distance from shore unknown" if shore_nm is None else f"{min(shore_nm):.0f} nm offshore"
        parts = [
            f"MMSI {window.mmsi} silent for {gap.hours:.1f} h" + (" (still silent)" if gap.after is None else ""),
            where,
            f"{len(heard)} other vessel(s) heard nearby meanwhile",
        ]
        if near_zones:
            parts.append("near " + ", ".join(near_zones))
        if disabling.holds:
            parts.append("suspected AIS disabling (GFW criteria)")
        flags.append(
            Flag(
                rule_id=RULE_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=window.mmsi,
                sighting_id=None,
                severity=severity,
                score=round(score, 4),
                window_start=gap.before.observed_at,
                window_end=gap.ends_at,
                lat=gap.before.lat,
                lon=gap.before.lon,
                summary="; ".join(parts),
                evidence={
                    "gap_hours": round(gap.hours, 3),
                    "ongoing": gap.after is None,
                    "last_report": gap.before.evidence(),
                    "next_report": gap.after.evidence() if gap.after is not None else None,
                    "ais_class": window.ais_class,
                    "nominal_interval_s": expected_report_interval(
                        window.ais_class, gap.before.sog_kn, gap.before.nav_status
                    ).total_seconds(),
                    "feed": feed,
                    "feed_live_hours": round(gap.live_hours, 3),
                    "distance_to_shore_nm": None if shore_nm is None else [round(d, 2) for d in shore_nm],
                    "near_watch_zones": near_zones,
                    "other_vessels_heard": sorted(heard),
                    "suspected_disabling": disabling.holds,
                    "suspected_disabling_check": disabling.evidence(),
                    "long_dark_offshore_in_coverage": long_dark_offshore,
                    # False for a silence from the vessel's last report before the window (max_silence_h):
                    # the track before it is not held, so the suspected-disabling density is not judged on it
                    "prior_track_held": gap.before is not window.before,
                    "score_components": {
                        "length": round(length, 4),
                        "offshore": round(offshore, 4),
                        "watch_zone": zone_c,
                        "coverage": round(coverage, 4),
                    },
                },
                parameters=params.provenance(),
            )
        )
    return flags
