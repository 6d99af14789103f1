"""Rule 9 — unidentified craft: a sighting that no AIS track explains becomes a contact of concern; a
sighting that an AIS track explains is linked to that vessel.

A track *explains* a sighting when its position at the sighting time — interpolated between fixes that
bracket it within ``time_window_min``, or the nearest fix within ``time_window_min`` with an allowance of
its reported speed × the time offset — lies within ``correlation_radius_nm`` plus the reporter's own
position uncertainty. Of several such tracks the nearest is the match.

* Matched (``ais_seen`` ``yes`` or ``unknown``): flag ``sighting_matched`` on the *vessel* (severity info,
  score 0, evidence names the MMSI and the sighting) — no contact of concern.
* No track within reach: flag ``unidentified_craft`` on the *contact*. Severity medium when the reporter
  saw no AIS on it (``ais_seen = no``), low when AIS was seen or not checked (a hole in reception may hide
  the track); the evidence lists the nearest tracks that were too far.
* ``ais_seen = no`` and AIS tracks close by: the sighted craft carries no AIS, so it is *not* one of them
  (a craft alongside a mother ship is the case the watch officer most needs): it stays a contact of
  concern, and the nearby vessels are named (rule 3 ``encounter_contact`` judges the rendezvous).

Correlation radius and time window: AIS position accuracy is metres, but a patrol aircraft's or fisher's
position is often off by a mile or more and is reported minutes late; the defaults follow the sighting's
own uncertainty plus 2 nm and ± 30 min.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tracking.rules.encounter import position_at
from tracking.rules.geo import distance_nm
from tracking.rules.model import Contact, Flag, Severity, SubjectKind, TrackWindow, hours_between
from tracking.rules.parameters import RuleParameters, threshold

UNIDENTIFIED_ID = "unidentified_craft"
MATCHED_ID = "sighting_matched"
RULE_VERSION = 1


@dataclass(frozen=True, slots=True)
class UnidentifiedCraftParameters(RuleParameters):
    correlation_radius_nm: float = threshold(
        2.0,
        unit="nm",
        low=0.05,
        high=50.0,
        source="Seasight (authored): visual/aircraft fix error of about 1-2 nm; the sighting's own "
        "uncertainty_nm is added",
        description="an AIS track this close to the sighted position (plus its uncertainty) explains it",
    )
    time_window_min: float = threshold(
        30.0,
        unit="min",
        low=1.0,
        high=360.0,
        source="Seasight (authored); Class A/B vessels report at least every 3 min (ITU-R M.1371-5 Tables 1-2)",
        description="track fixes within this time of the sighting are used to place the vessel",
    )
    nearby_report_nm: float = threshold(
        20.0,
        unit="nm",
        low=0.0,
        high=200.0,
        source="IMO Res. A.1106(29): nominal shipborne AIS range about 20 nm",
        description="tracks within this distance that do not explain the sighting are listed as evidence",
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    window: TrackWindow
    lat: float
    lon: float
    distance_nm: float
    allowance_nm: float
    offset_min: float
    how: str

    def evidence(self) -> dict[str, Any]:
        return {
            "mmsi": self.window.mmsi,
            "position_at_sighting": [round(self.lat, 6), round(self.lon, 6)],
            "distance_nm": round(self.distance_nm, 3),
            "speed_allowance_nm": round(self.allowance_nm, 3),
            "nearest_fix_offset_min": round(self.offset_min, 1),
            "placed_by": self.how,
        }


def _place(window: TrackWindow, contact: Contact, window_span: timedelta) -> _Candidate | None:
    near = [p for p in window.points if abs(p.observed_at - contact.observed_at) <= window_span]
    if not near:
        return None
    nearest = min(near, key=lambda p: abs(p.observed_at - contact.observed_at))
    offset_h = abs(hours_between(nearest.observed_at, contact.observed_at))
    pos = position_at(window, contact.observed_at, window_span * 2)
    if (
        pos is not None
        and any(p.observed_at <= contact.observed_at for p in near)
        and any(p.observed_at >= contact.observed_at for p in near)
    ):
        lat, lon, allowance, how = pos[0], pos[1], 0.0, "interpolated"
    else:
        lat, lon, how = nearest.lat, nearest.lon, "nearest fix"
        allowance = (nearest.sog_kn or 0.0) * offset_h
    return _Candidate(
        window=window,
        lat=lat,
        lon=lon,
        distance_nm=distance_nm(lat, lon, contact.lat, contact.lon),
        allowance_nm=allowance,
        offset_min=offset_h * 60.0,
        how=how,
    )


def unidentified_craft(
    contact: Contact, windows: Sequence[TrackWindow], params: UnidentifiedCraftParameters
) -> list[Flag]:
    """Link one sighting to the AIS track that explains it, or raise it as a contact of concern."""
    span = timedelta(minutes=params.time_window_min)
    reach = params.correlation_radius_nm + contact.uncertainty_nm
    candidates = [c for w in windows if w.points and (c := _place(w, contact, span)) is not None]
    candidates.sort(key=lambda c: (c.distance_nm - c.allowance_nm, c.offset_min))
    explaining = [c for c in candidates if c.distance_nm - c.allowance_nm <= reach]
    nearby = [c for c in candidates if c.distance_nm <= params.nearby_report_nm][:5]
    what = contact.craft_type.replace("_", " ")
    common = {
        "sighting": contact.evidence(),
        "ais_seen": contact.ais_seen,
        "correlation_radius_nm": round(reach, 3),
    }

    if explaining and contact.ais_seen != "no":
        best = explaining[0]
        return [
            Flag(
                rule_id=MATCHED_ID,
                rule_version=RULE_VERSION,
                subject_kind=SubjectKind.VESSEL,
                mmsi=best.window.mmsi,
                sighting_id=contact.sighting_id,
                severity=Severity.INFO,
                score=0.0,
                window_start=contact.observed_at,
                window_end=contact.observed_at,
                lat=contact.lat,
                lon=contact.lon,
                summary=(
                    f"matched: sighted {what} ({contact.source_type}) is MMSI {best.window.mmsi}, "
                    f"{best.distance_nm:.2f} nm from its track"
                ),
                evidence={
                    **common,
                    "matched": True,
                    "mmsi": best.window.mmsi,
                    "match": best.evidence(),
                    "other_candidates": [c.evidence() for c in explaining[1:5]],
                },
                parameters=params.provenance(),
            )
        ]

    severity = Severity.MEDIUM if contact.ais_seen == "no" else Severity.LOW
    persons = "" if contact.persons_estimated is None else f" with about {contact.persons_estimated} people"
    if contact.ais_seen == "no" and explaining:
        why = (
            f"seen without AIS beside {len(explaining)} AIS vessel(s) ("
            + ", ".join(f"MMSI {c.window.mmsi} {c.distance_nm:.2f} nm" for c in explaining[:3])
            + ")"
        )
    elif nearby:
        why = f"no AIS track within {reach:.1f} nm (nearest MMSI {nearby[0].window.mmsi} " + (
            f"{nearby[0].distance_nm:.1f} nm)"
        )
    else:
        why = f"no AIS track within {params.nearby_report_nm:g} nm"
    return [
        Flag(
            rule_id=UNIDENTIFIED_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.CONTACT,
            mmsi=None,
            sighting_id=contact.sighting_id,
            severity=severity,
            score=0.6 if severity is Severity.MEDIUM else 0.3,
            window_start=contact.observed_at,
            window_end=contact.observed_at,
            lat=contact.lat,
            lon=contact.lon,
            summary=f"unidentified {what}{persons} ({contact.source_type}, AIS seen: {contact.ais_seen}); {why}",
            evidence={
                **common,
                "matched": False,
                "mmsi": None,
                "alongside_ais_vessels": [c.evidence() for c in explaining[:5]] if contact.ais_seen == "no" else [],
                "nearby_tracks": [c.evidence() for c in nearby],
            },
            parameters=params.provenance(),
        )
    ]
