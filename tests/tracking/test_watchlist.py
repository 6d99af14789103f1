from __future__ import annotations

import pytest

from tests.tracking.tracks import T0
from tracking.rules.model import IdentityReport, Severity
from tracking.rules.watchlist import (
    WatchlistEntry,
    WatchlistParameters,
    name_similarity,
    normalise_name,
    watchlist,
)

P = WatchlistParameters()
ENTRIES = [
    WatchlistEntry("W-1", "suspected facilitator vessel, 2015 Andaman Sea", "THA", name="KM Bintang Laut"),
    WatchlistEntry("W-2", "mother ship reported by RCC", "IDN", mmsi=525099999),
    WatchlistEntry("W-3", "reflagged carrier", "AUS", imo=9123456),
    WatchlistEntry("W-4", "call sign from NGO hotline", "UNHCR", callsign="YBKX7"),
    WatchlistEntry("W-5", "short name", "MYS", name="SRI"),
]


def identity(name: str | None = None, callsign: str | None = None, imo: int | None = None) -> IdentityReport:
    return IdentityReport(mmsi=533000001, observed_at=T0, name=name, callsign=callsign, imo=imo)


def test_exact_mmsi_is_high() -> None:
    flags = watchlist(525099999, None, ENTRIES, P, seen_at=T0)
    assert len(flags) == 1 and flags[0].severity is Severity.HIGH and flags[0].score == 1.0
    assert flags[0].evidence["entries"][0]["id"] == "W-2"


@pytest.mark.parametrize(
    ("ident", "entry"),
    [
        (identity(imo=9123456), "W-3"),
        (identity(callsign="ybkx7 "), "W-4"),
    ],
)
def test_exact_imo_or_call_sign(ident: IdentityReport, entry: str) -> None:
    flags = watchlist(533000001, ident, ENTRIES, P, seen_at=T0)
    assert flags[0].severity is Severity.HIGH and flags[0].evidence["entries"][0]["id"] == entry


@pytest.mark.parametrize("name", ["BINTANG LAUT", "KM. BINTANG LAUT@@@@", "LAUT BINTANG", "BINTANG LAUTT"])
def test_fuzzy_name_matches_are_medium(name: str) -> None:
    flags = watchlist(533000001, identity(name=name), ENTRIES, P, seen_at=T0)
    assert len(flags) == 1
    assert flags[0].severity is Severity.MEDIUM
    assert flags[0].evidence["entries"][0]["matched"][0]["on"] == "name"
    assert 0.9 <= flags[0].score <= 1.0


@pytest.mark.parametrize("name", ["BINTANG TIMUR", "LAUT SELATAN", "SEA STAR", "SRIKANDI"])
def test_different_names_do_not_match(name: str) -> None:
    assert watchlist(533000001, identity(name=name), ENTRIES, P, seen_at=T0) == []


def test_short_names_match_only_exactly() -> None:
    assert watchlist(533000001, identity(name="SRA"), ENTRIES, P, seen_at=T0) == []
    assert len(watchlist(533000001, identity(name="sri"), ENTRIES, P, seen_at=T0)) == 1


def test_no_identity_and_unlisted_mmsi_is_clean() -> None:
    assert watchlist(533000001, None, ENTRIES, P, seen_at=T0) == []


def test_several_entries_give_one_flag_naming_all() -> None:
    flags = watchlist(525099999, identity(name="BINTANG LAUT", imo=9123456), ENTRIES, P, seen_at=T0)
    assert len(flags) == 1
    assert {e["id"] for e in flags[0].evidence["entries"]} == {"W-1", "W-2", "W-3"}
    assert "+2 more entries" in flags[0].summary


def test_name_helpers() -> None:
    assert normalise_name("  m.v. sea@@ star ") == "SEA STAR"
    assert normalise_name("MV") == "MV"
    assert normalise_name("KM Bintang") == "BINTANG"
    assert name_similarity(None, "X") == 0.0
    assert name_similarity("Sea Star", "STAR SEA") == 100.0
