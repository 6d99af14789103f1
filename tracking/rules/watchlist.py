"""Rule 6 — watchlist: a vessel's MMSI, IMO number, call sign or name is on a shared watchlist.

Identifiers are typed by hand into transponders and watchlists alike, so each is compared in a normal
form, and every match says in its evidence how the two values compared:

* **MMSI and IMO number** (ITU-R M.585; IMO resolution A.1117(30)): equal numbers. HIGH.
* **Call sign** (ITU Radio Regulations article 19): equal after case, spaces, "@" padding and punctuation
  are removed, so ``9V 5240``, ``9v-5240`` and ``9V5240`` are one call sign. HIGH.
* **Name**: both names normalised (:func:`name_form`: upper case, "@" padding and punctuation become
  spaces, a leading hull prefix such as ``MV``, ``M.V.``, ``KM`` or ``FV`` removed), then, best first:

  1. the same name;
  2. the same words in another order (``LAUT BINTANG`` for ``BINTANG LAUT``);
  3. the same letters and digits spaced differently (``SEAPRINCESS`` for ``SEA PRINCESS``);
  4. a **near spelling**: rapidfuzz ``token_sort_ratio`` (0–100) at or above ``min_name_similarity``,
     allowed only when both names have at least ``min_name_length`` letters and digits, and only when
     both carry the same numbers (hull numbers tell sister vessels apart: ``CAHAYA 2031`` is not
     ``CAHAYA 2032``).

  Names shorter than ``min_name_length`` match word for word only (1–3): with a 90 similarity floor a
  single inserted letter passes for any name of five letters or more, and the near neighbours of a short
  name are other names — ``EAGLE`` must not match ``BEAGLE``. A name match is MEDIUM: the analyst checks it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz

from tracking.rules.model import Flag, IdentityReport, Severity, SubjectKind
from tracking.rules.parameters import RuleParameters, threshold

RULE_ID = "watchlist"
RULE_VERSION = 2  # 2: call signs without spacing/punctuation, names word for word when short, numbers kept

#: Hull prefixes stripped before name comparison (motor vessel, motor tanker, Indonesian kapal motor and
#: kapal motor penumpang, fishing vessel, steam ship, motor yacht, Indonesian navy / patrol ships, Thai navy).
NAME_PREFIXES = frozenset({"MV", "MT", "KM", "KMP", "FV", "SS", "MY", "KRI", "KN", "HTMS"})

_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]+")


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
        description="a near spelling of a listed name at or above this similarity is a match",
    )
    min_name_length: float = threshold(
        8.0,
        unit="letters and digits",
        low=1.0,
        high=30.0,
        source="Seasight (authored)",
        description="names with fewer letters and digits than this match word for word only, never by spelling",
    )


@dataclass(frozen=True, slots=True)
class NameForm:
    """A vessel name in the form names are compared in: ``words`` (upper case letters and digits),
    ``prefix`` the hull prefix removed (``None`` when there was none)."""

    words: tuple[str, ...]
    prefix: str | None

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def compact(self) -> str:
        """Letters and digits only, without spaces."""
        return "".join(self.words)

    @property
    def numbers(self) -> tuple[str, ...]:
        """The runs of digits in the name, in order (a hull number such as ``2032``)."""
        return tuple(re.findall(r"[0-9]+", self.text))


def normalise_callsign(value: str | None) -> str | None:
    """A call sign as compared: upper case letters and digits only (``9V 5240`` → ``9V5240``); ``None``
    when nothing is left."""
    if value is None:
        return None
    cleaned = _NOT_ALPHANUMERIC.sub("", value.upper())
    return cleaned or None


def name_form(name: str | None) -> NameForm | None:
    """The :class:`NameForm` of a name: "@" padding and punctuation become spaces, a leading hull prefix
    (``MV``, ``M.V.``, ``M/V``, ``KM.`` …) is removed when other words follow; ``None`` for no name."""
    if name is None:
        return None
    words = tuple(_NOT_ALPHANUMERIC.sub(" ", name.upper()).split())
    if not words:
        return None
    # A prefix is one word (MV, KM, HTMS) or single letters with stops or a slash between (M.V., M/V, K.M.P.).
    for take in (1, 2, 3):
        if len(words) <= take:
            break
        head = words[:take]
        if take > 1 and any(len(w) != 1 for w in head):
            continue
        if "".join(head) in NAME_PREFIXES:
            return NameForm(words[take:], "".join(head))
    return NameForm(words, None)


def normalise_name(name: str | None) -> str | None:
    """A normalised vessel name without a leading hull prefix (``m.v. sea@@ star`` → ``SEA STAR``)."""
    form = name_form(name)
    return None if form is None else form.text


def name_similarity(a: str | None, b: str | None) -> float:
    """0–100 similarity (rapidfuzz ``token_sort_ratio``) of two vessel names after normalisation (0 when
    either is missing)."""
    fa, fb = name_form(a), name_form(b)
    if fa is None or fb is None:
        return 0.0
    return float(fuzz.token_sort_ratio(fa.text, fb.text))


@dataclass(frozen=True, slots=True)
class NameMatch:
    """How a heard name matched a listed one: ``how`` (``same name``, ``same words in another order``,
    ``same letters spaced differently``, ``near spelling``) and the similarity (0–100)."""

    how: str
    similarity: float


def match_name(listed: NameForm, heard: NameForm, params: WatchlistParameters) -> NameMatch | None:
    """The match of a heard name with a listed one (see the module docstring), or ``None``."""
    if listed.words == heard.words:
        return NameMatch("same name", 100.0)
    if sorted(listed.words) == sorted(heard.words):
        return NameMatch("same words in another order", 100.0)
    if listed.compact == heard.compact:
        return NameMatch("same letters spaced differently", 100.0)
    if min(len(listed.compact), len(heard.compact)) < params.min_name_length:
        return None  # short names: word for word only
    if listed.numbers != heard.numbers:
        return None  # another hull number is another vessel
    similarity = float(fuzz.token_sort_ratio(listed.text, heard.text))
    if similarity >= params.min_name_similarity:
        return NameMatch("near spelling", round(similarity, 1))
    return None


def _callsign_evidence(listed: str, heard: str, normal: str) -> dict[str, Any]:
    same_text = listed.strip().upper() == heard.strip().upper()
    return {
        "on": "callsign",
        "value": heard,
        "listed_as": listed,
        "normalised": normal,
        "how": "same call sign" if same_text else "same call sign without spaces, punctuation or case",
    }


def _name_evidence(
    listed_raw: str, heard_raw: str, listed: NameForm, heard: NameForm, match: NameMatch, params: WatchlistParameters
) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "on": "name",
        "value": heard_raw,
        "listed_as": listed_raw,
        "normalised": heard.text,
        "listed_normalised": listed.text,
        "how": match.how,
        "similarity": match.similarity,
    }
    if match.how == "near spelling":
        evidence["similarity_floor"] = params.min_name_similarity
    removed = [p for p in (heard.prefix, listed.prefix) if p is not None]
    if removed:
        evidence["prefix_removed"] = sorted(set(removed))
    return evidence


def _explain(m: dict[str, Any]) -> str:
    """One line of a match for the flag's summary."""
    if m["on"] in ("mmsi", "imo"):
        return f"{m['on'].upper()} {m['value']}"
    if m["on"] == "callsign":
        return f'call sign "{m["value"]}" = listed "{m["listed_as"]}" ({m["how"]})'
    similarity = f", similarity {m['similarity']:.0f} ≥ {m['similarity_floor']:.0f}" if "similarity_floor" in m else ""
    return f'name "{m["value"]}" ~ listed "{m["listed_as"]}" ({m["how"]}{similarity})'


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
    matching entry, each with how it matched (the best match first in the summary; exact identifiers
    outrank names).

    ``seen_at`` (the time of the vessel's report being checked) is the flag's window start.
    """
    heard_callsign = identity.callsign if identity else None
    callsign = normalise_callsign(heard_callsign)
    imo = identity.imo if identity else None
    heard_name = identity.name if identity else None
    name = name_form(heard_name)
    hits: list[tuple[WatchlistEntry, list[dict[str, Any]], float, bool]] = []
    for entry in entries:
        matched: list[dict[str, Any]] = []
        if entry.mmsi is not None and entry.mmsi == mmsi:
            matched.append({"on": "mmsi", "value": mmsi, "how": "same MMSI"})
        if entry.imo is not None and imo is not None and entry.imo == imo:
            matched.append({"on": "imo", "value": imo, "how": "same IMO number"})
        entry_callsign = normalise_callsign(entry.callsign)
        if entry_callsign is not None and callsign is not None and entry_callsign == callsign:
            assert entry.callsign is not None and heard_callsign is not None
            matched.append(_callsign_evidence(entry.callsign, heard_callsign, callsign))
        entry_name = name_form(entry.name)
        name_score = 0.0
        if entry_name is not None and name is not None:
            found = match_name(entry_name, name, params)
            if found is not None:
                assert entry.name is not None and heard_name is not None
                name_score = found.similarity
                matched.append(_name_evidence(entry.name, heard_name, entry_name, name, found, params))
        if matched:
            exact = any(m["on"] in ("mmsi", "imo", "callsign") for m in matched)
            hits.append((entry, matched, 1.0 if exact else round(name_score / 100.0, 4), exact))
    if not hits:
        return []
    exact_any = any(exact for _, _, _, exact in hits)
    hits.sort(key=lambda h: (not h[3], -h[2]))  # exact identifiers first, then the closest names
    entry, matched, score, _ = hits[0]
    how = "; ".join(_explain(m) for m in matched)
    more = f" (+{len(hits) - 1} more entr{'y' if len(hits) == 2 else 'ies'})" if len(hits) > 1 else ""
    shown = name.text if name is not None else None
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
                f"MMSI {mmsi}{' (' + shown + ')' if shown else ''} on watchlist {entry.owner} "
                f"entry {entry.entry_id} by {how}: {entry.reason}{more}"
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
                "vessel": {"mmsi": mmsi, "imo": imo, "callsign": callsign, "name": shown},
            },
            parameters=params.provenance(),
        )
    ]
