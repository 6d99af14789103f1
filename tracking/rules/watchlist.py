"""Rule 6 — watchlist: a vessel's MMSI, IMO number, call sign or (fuzzily) name is on a shared watchlist.

Exact identifiers (MMSI, IMO, call sign after normalisation) match with high severity. Names match fuzzily
(rapidfuzz ``token_sort_ratio``, 0–100, on normalised names with common hull prefixes such as ``MV``,
``KM`` or ``FV`` removed), because names are typed by hand into transponders and watchlists alike:
``SEA PRINCESS`` vs ``PRINCESS SEA`` or ``SEA PRlNCESS``. Short names are too ambiguous to match fuzzily.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz

from tracking.rules.identity import normalise_text
from tracking.rules.model import Flag, IdentityReport, Severity, SubjectKind
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "watchlist"
RULE_VERSION = 1

#: Hull prefixes stripped before name comparison (motor vessel, Indonesian kapal motor, fishing vessel …).
NAME_PREFIXES = ("MV", "M/V", "MT", "M/T", "KM", "KMP", "FV", "F/V", "SS", "MY", "KRI", "KN", "HTMS")


@dataclass(frozen=True, slots=True)
class WatchlistEntry:
    """One entry of a shared watchlist; any of the identifiers may be missing."""

    entry_id: str
    reason: str
    owner: str
    mmsi: int | None = None
    imo: int | None = None
    callsign: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class WatchlistParameters(RuleParameters):
    min_name_similarity: float = threshold(
        90.0,
        unit="rapidfuzz token_sort_ratio (0-100)",
        low=50.0,
        high=100.0,
        source="Seasight (authored)",
        description="fuzzy name similarity at or above this is a match",
    )
    min_name_length: float = threshold(
        4.0,
        unit="characters",
        low=1.0,
        high=30.0,
        source="Seasight (authored)",
        description="names shorter than this (after normalisation) only match exactly",
    )


def normalise_name(name: str | None) -> str | None:
    """Normalised vessel name without a leading hull prefix."""
    cleaned = normalise_text(name)
    if cleaned is None:
        return None
    words = cleaned.split()
    if len(words) > 1 and (words[0] in NAME_PREFIXES or words[0].replace(".", "") in NAME_PREFIXES):
        words = words[1:]
    return " ".join(" ".join(words).replace(".", " ").split()) or None


def name_similarity(a: str | None, b: str | None) -> float:
    """0–100 similarity of two vessel names after normalisation (0 when either is missing)."""
    na, nb = normalise_name(a), normalise_name(b)
    if na is None or nb is None:
        return 0.0
    return float(fuzz.token_sort_ratio(na, nb))


def watchlist(
    mmsi: int,
    identity: IdentityReport | None,
    entries: Sequence[WatchlistEntry],
    params: WatchlistParameters,
    *,
    seen_at: datetime,
    lat: float | None = None,
    lon: float | None = None,
) -> list[Flag]:
    """Match one vessel (its MMSI and latest identity) against the watchlist: one flag naming every
    matching entry (the best match first in the summary; exact identifiers outrank names).

    ``seen_at`` (the time of the vessel's report being checked) is the flag's window start.
    """
    callsign = normalise_text(identity.callsign) if identity else None
    imo = identity.imo if identity else None
    name = normalise_name(identity.name) if identity else None
    hits: list[tuple[WatchlistEntry, list[dict[str, Any]], float, bool]] = []
    for entry in entries:
        matched: list[dict[str, Any]] = []
        if entry.mmsi is not None and entry.mmsi == mmsi:
            matched.append({"on": "mmsi", "value": mmsi})
        if entry.imo is not None and imo is not None and entry.imo == imo:
            matched.append({"on": "imo", "value": imo})
        entry_callsign = normalise_text(entry.callsign)
        if entry_callsign is not None and callsign is not None and entry_callsign == callsign:
            matched.append({"on": "callsign", "value": callsign})
        entry_name = normalise_name(entry.name)
        name_score = 0.0
        if entry_name is not None and name is not None:
            if entry_name == name:
                name_score = 100.0
            elif min(len(entry_name), len(name)) >= params.min_name_length:
                name_score = name_similarity(entry_name, name)
            if name_score >= params.min_name_similarity:
                matched.append(
                    {"on": "name", "value": name, "listed_as": entry_name, "similarity": round(name_score, 1)}
                )
        if matched:
            exact = any(m["on"] in ("mmsi", "imo", "callsign") for m in matched)
            hits.append((entry, matched, 1.0 if exact else round(name_score / 100.0, 4), exact))
    if not hits:
        return []
    exact_any = any(exact for _, _, _, exact in hits)
    best = max(hits, key=lambda h: h[2])
    entry, matched, score, _ = best
    on = ", ".join(m["on"] for m in matched)
    more = f" (+{len(hits) - 1} more entr{'y' if len(hits) == 2 else 'ies'})" if len(hits) > 1 else ""
    return [
        Flag(
            rule_id=RULE_ID,
            rule_version=RULE_VERSION,
            subject_kind=SubjectKind.VESSEL,
            mmsi=mmsi,
            sighting_id=None,
            severity=Severity.HIGH if exact_any else Severity.MEDIUM,
            score=score,
            window_start=seen_at,
            window_end=seen_at,
            lat=lat,
            lon=lon,
            summary=(
                f"MMSI {mmsi}{' (' + name + ')' if name else ''} on watchlist {entry.owner} "
                f"entry {entry.entry_id} by {on}: {entry.reason}{more}"
            ),
            evidence={
                "entries": [
                    {
                        "id": e.entry_id,
                        "owner": e.owner,
                        "reason": e.reason,
                        "mmsi": e.mmsi,
                        "imo": e.imo,
                        "callsign": e.callsign,
                        "name": e.name,
                        "matched": m,
                        "score": sc,
                    }
                    for e, m, sc, _ in hits
                ],
                "vessel": {"mmsi": mmsi, "imo": imo, "callsign": callsign, "name": name},
            },
            parameters=params.provenance(),
        )
    ]
