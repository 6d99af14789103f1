"""Builders of small hand-made tracks for the rule tests (Andaman Sea / Bay of Bengal coordinates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from seasight.schemas import PositionReport
from tracking.rules.geo import destination
from tracking.rules.model import DistanceToShore, Flag, TrackPoint, TrackWindow

T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def line(
    mmsi: int,
    lat: float,
    lon: float,
    *,
    course: float,
    speed_kn: float,
    every: timedelta,
    count: int,
    start: datetime = T0,
    heading: int | None = None,
    nav_status: int | None = 0,
    msg_type: int = 1,
    sog_kn: float | None = -1.0,
) -> list[TrackPoint]:
    """``count`` fixes every ``every`` on a straight course at ``speed_kn``; reported SOG is the true speed
    unless ``sog_kn`` is given (None = not reported)."""
    points: list[TrackPoint] = []
    for i in range(count):
        t = start + every * i
        hours = (every * i).total_seconds() / 3600
        plat, plon = destination(lat, lon, course, speed_kn * hours)
        points.append(
            TrackPoint(
                mmsi=mmsi,
                observed_at=t,
                lat=plat,
                lon=plon,
                sog_kn=speed_kn if sog_kn == -1.0 else sog_kn,
                cog_deg=course % 360,
                heading_deg=heading if heading is not None else int(course) % 360,
                nav_status=nav_status,
                msg_type=msg_type,
            )
        )
    return points


def window(points: list[TrackPoint], end: datetime | None = None) -> TrackWindow:
    return TrackWindow.of(points, end=end)


def vessel_mmsi(flag: Flag) -> int:
    """The MMSI of a flag raised on a vessel; fails the test if the flag has none (raised on a sighting)."""
    assert flag.mmsi is not None, f"{flag.rule_id} flag on {flag.subject_kind} has no MMSI"
    return flag.mmsi


def constant_shore(nm: float) -> DistanceToShore:
    """A distance-to-shore callable returning ``nm`` everywhere."""
    return lambda lat, lon: nm


def shore_east_of(lon_coast: float) -> DistanceToShore:
    """Distance to a straight north–south coast at longitude ``lon_coast`` (land to the east), near 15° N."""
    import math

    def distance(lat: float, lon: float) -> float:
        return max(0.0, (lon_coast - lon) * 60.0 * math.cos(math.radians(lat)))

    return distance


def as_reports(points: list[TrackPoint], station: str) -> list[PositionReport]:
    """The hand-built fixes as the AIS position reports the tracker stores, received when observed, in the
    order given."""
    return [
        PositionReport(
            mmsi=p.mmsi,
            observed_at=p.observed_at,
            lat=p.lat,
            lon=p.lon,
            sog_kn=p.sog_kn,
            cog_deg=p.cog_deg,
            heading_deg=p.heading_deg,
            nav_status=p.nav_status,
            msg_type=p.msg_type,
            station=station,
            received_at=p.observed_at,
        )
        for p in points
    ]
