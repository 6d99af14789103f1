"""Rule 6 (watchlist) on hand-made identities: identifiers, call signs and names in their normal forms,
word-for-word matching of short names, the similarity floor, and the explanation every match carries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tracking.tracks import T0
from tracking.rules.model import IdentityReport, Severity
from tracking.rules.watchlist import (
    RULE_VERSION,
    WatchlistEntry,
    WatchlistParameters,
    match_name,
    name_form,
    name_similarity,
    normalise_callsign,
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


# -- call signs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("listed", "heard"), [("9V5240", "9V 5240"), ("9V 5240", "9V5240"), ("9v-5240", "9V.5240@@")])
def test_call_sign_spacing_case_and_punctuation_do_not_matter(listed: str, heard: str) -> None:
    entries = [WatchlistEntry("W-9V", "reported by MRCC", "SGP", callsign=listed)]
    (flag,) = watchlist(533000001, identity(callsign=heard), entries, P, seen_at=T0)
    assert flag.severity is Severity.HIGH and flag.rule_version == RULE_VERSION == 2
    (match,) = flag.evidence["entries"][0]["matched"]
    assert match == {
        "on": "callsign",
        "value": heard,
        "listed_as": listed,
        "normalised": "9V5240",
        "how": "same call sign without spaces, punctuation or case",
    }
    assert f'call sign "{heard}" = listed "{listed}"' in flag.summary


def test_a_different_call_sign_is_no_match() -> None:
    entries = [WatchlistEntry("W-9V", "reported by MRCC", "SGP", callsign="9V5240")]
    assert watchlist(533000001, identity(callsign="9V5241"), entries, P, seen_at=T0) == []
    assert normalise_callsign(" - @ ") is None


# -- names: short ones word for word -------------------------------------------------------------------------

EAGLE = [WatchlistEntry("W-E", "suspected smuggling vessel", "AUS", name="EAGLE")]


@pytest.mark.parametrize("name", ["BEAGLE", "BEAGLES", "EAGLES", "SEA EAGLE", "EAGLE 2", "EGALE"])
def test_a_short_name_never_matches_by_spelling(name: str) -> None:
    assert watchlist(533000001, identity(name=name), EAGLE, P, seen_at=T0) == []


@pytest.mark.parametrize(
    ("name", "how"),
    [("eagle", "same name"), ("M/V EAGLE", "same name"), ("E.A.G.L.E", "same letters spaced differently")],
)
def test_a_short_name_matches_word_for_word(name: str, how: str) -> None:
    (flag,) = watchlist(533000001, identity(name=name), EAGLE, P, seen_at=T0)
    (match,) = flag.evidence["entries"][0]["matched"]
    assert (match["how"], match["similarity"], match["listed_as"], match["value"]) == (how, 100.0, "EAGLE", name)
    assert flag.severity is Severity.MEDIUM


# -- names: long ones, by spelling above the floor -----------------------------------------------------------


def test_a_near_spelling_says_its_similarity_and_the_floor() -> None:
    (flag,) = watchlist(533000001, identity(name="KM BINTANG LAUTT"), ENTRIES, P, seen_at=T0)
    (match,) = flag.evidence["entries"][0]["matched"]
    assert match["how"] == "near spelling" and match["similarity_floor"] == 90.0
    assert match["similarity"] == 96.0 and match["prefix_removed"] == ["KM"]
    assert (match["normalised"], match["listed_normalised"]) == ("BINTANG LAUTT", "BINTANG LAUT")
    assert 'name "KM BINTANG LAUTT" ~ listed "KM Bintang Laut" (near spelling, similarity 96 ≥ 90)' in flag.summary


def test_the_floor_is_the_analysts_to_raise() -> None:
    strict = WatchlistParameters(min_name_similarity=97.0)
    assert watchlist(533000001, identity(name="BINTANG LAUTT"), ENTRIES, strict, seen_at=T0) == []
    (flag,) = watchlist(533000001, identity(name="LAUT BINTANG"), ENTRIES, strict, seen_at=T0)
    assert flag.evidence["entries"][0]["matched"][0]["how"] == "same words in another order"
    assert flag.parameters["min_name_similarity"]["value"] == 97.0


@pytest.mark.parametrize("name", ["CAHAYA 2031", "CAHAYA 20321", "CAHAYA"])
def test_another_hull_number_is_another_vessel(name: str) -> None:
    entries = [WatchlistEntry("W-C", "facilitator vessel", "IDN", name="KM Cahaya 2032")]
    assert watchlist(533000001, identity(name=name), entries, P, seen_at=T0) == []
    assert len(watchlist(533000001, identity(name="CAHAYA  2032"), entries, P, seen_at=T0)) == 1


def test_run_together_words_are_the_same_letters() -> None:
    entries = [WatchlistEntry("W-P", "carrier", "MYS", name="Sea Princess")]
    (flag,) = watchlist(533000001, identity(name="SEAPRINCESS"), entries, P, seen_at=T0)
    assert flag.evidence["entries"][0]["matched"][0]["how"] == "same letters spaced differently"


def test_hull_prefixes_in_their_spellings() -> None:
    for spelled in ("MV SEA STAR", "M/V SEA STAR", "M.V. SEA STAR", "m. v. sea star", "KMP SEA STAR", "K.M. SEA STAR"):
        form = name_form(spelled)
        assert form is not None and form.text == "SEA STAR" and form.prefix is not None, spelled
    assert normalise_name("MV") == "MV"  # a name that is only a prefix stays a name
    assert normalise_name("MVS STAR") == "MVS STAR"


def test_every_match_of_several_entries_is_explained() -> None:
    entries = [*ENTRIES, WatchlistEntry("W-6", "same call sign, spaced", "SGP", callsign="YB KX 7")]
    (flag,) = watchlist(525099999, identity(name="LAUT BINTANG", callsign="YBKX7"), entries, P, seen_at=T0)
    by_id = {e["id"]: e["matched"] for e in flag.evidence["entries"]}
    assert [m["how"] for m in by_id["W-2"]] == ["same MMSI"]
    assert [m["how"] for m in by_id["W-4"]] == ["same call sign"]
    assert [m["how"] for m in by_id["W-6"]] == ["same call sign without spaces, punctuation or case"]
    assert [m["how"] for m in by_id["W-1"]] == ["same words in another order"]
    assert flag.evidence["entries"][-1]["id"] == "W-1"  # exact identifiers first, then names


_WORDS = st.lists(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8), min_size=1, max_size=4
)


@settings(max_examples=200, deadline=None)
@given(_WORDS, st.sampled_from([" ", "  ", ".", "-", "@", " / "]), st.booleans())
def test_punctuation_spacing_and_case_never_undo_a_match(words: list[str], joiner: str, lower: bool) -> None:
    listed = " ".join(words)
    heard = joiner.join(words)
    heard = heard.lower() if lower else heard
    fl, fh = name_form(listed), name_form(heard)
    assert fl is not None and fh is not None
    found = match_name(fl, fh, P)
    assert found is not None and found.similarity == 100.0
    assert normalise_callsign(heard) == normalise_callsign(listed)


@settings(max_examples=200, deadline=None)
@given(_WORDS, _WORDS)
def test_name_matching_is_symmetric(a: list[str], b: list[str]) -> None:
    fa, fb = name_form(" ".join(a)), name_form(" ".join(b))
    assert fa is not None and fb is not None
    assert match_name(fa, fb, P) == match_name(fb, fa, P)
