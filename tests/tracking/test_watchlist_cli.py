"""``seasight watchlist add|list|remove|import`` as users of two states run it, against a database of its
own: entries owned by the acting account's state, another state's entries never changed, a CSV imported
whole or not at all with every bad line named, and a listed call sign typed with a space found by the
detector on a vessel sending it without one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import RunningStack, acting_env, fresh_database, run_cli
from tests.tracking.test_detect_db import reports
from tests.tracking.tracks import line
from tracking.detect import RuleSet, run_detection
from tracking.store import write_positions
from tracking.watchlist import WatchlistError, WatchlistRecord, upsert_watchlist

pytestmark = pytest.mark.integration

T0 = datetime(2032, 7, 4, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def wl(stack: RunningStack) -> Iterator[RunningStack]:
    yield fresh_database(stack, "seasight_watchlist_cli_test")


def tha(stack: RunningStack) -> dict[str, str]:
    return acting_env(stack, "wl-coordinator-tha", "THA", "sar_coordinator")


def idn(stack: RunningStack) -> dict[str, str]:
    return acting_env(stack, "wl-operator-idn", "IDN", "moc_operator")


def stored(stack: RunningStack) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.owner_url) as conn:
        return conn.execute(
            "SELECT id, owner, acted_by, active, mmsi, imo, callsign, name, reason FROM watchlist_entry ORDER BY id"
        ).fetchall()


def test_add_list_remove_as_the_accounts_state(wl: RunningStack) -> None:
    added = run_cli(
        *("watchlist", "add", "--id", "THA-1", "--reason", "mother ship, RCC Bangkok"),
        *("--callsign", "9V 5240", "--name", "KM Bintang Laut"),
        env=tha(wl),
    )
    assert added.returncode == 0, added.stderr.decode()
    assert b"watchlist entry THA-1 added for THA by wl-coordinator-tha" in added.stdout
    auto = run_cli("watchlist", "add", "--reason", "reported by fishers", "--mmsi", "525123456", env=idn(wl))
    assert auto.returncode == 0, auto.stderr.decode()
    auto_id = auto.stdout.decode().split()[2]
    assert auto_id.startswith("IDN-") and len(auto_id) == 12

    # Entries are their state's records (migration 0077): IDN sees its own, not THA's unshared one.
    listed = run_cli("watchlist", "list", "--json", env=idn(wl))
    assert listed.returncode == 0, listed.stderr.decode()
    rows = {e["id"]: e for e in json.loads(listed.stdout)}
    assert "THA-1" not in rows
    assert rows[auto_id]["owner"] == "IDN" and rows[auto_id]["mmsi"] == 525123456
    text = run_cli("watchlist", "list", "--owner", "tha", env=tha(wl)).stdout.decode()
    assert "THA-1" in text and 'name "KM Bintang Laut"' in text and "call sign 9V 5240" in text and auto_id not in text

    # Indonesia can neither take over nor remove Thailand's entry
    taken = run_cli("watchlist", "add", "--id", "THA-1", "--reason", "mine now", "--mmsi", "1", env=idn(wl))
    assert taken.returncode == 1 and b"'THA-1' refused by the database: it is another state's entry" in taken.stderr
    refused = run_cli("watchlist", "remove", "THA-1", env=idn(wl))
    assert refused.returncode == 1 and b"no watchlist entry 'THA-1'" in refused.stderr
    assert [r for r in stored(wl) if r[0] == "THA-1"][0][:4] == ("THA-1", "THA", "wl-coordinator-tha", True)

    removed = run_cli("watchlist", "remove", "THA-1", env=tha(wl))
    assert removed.returncode == 0, removed.stderr.decode()
    again = run_cli("watchlist", "remove", "THA-1", env=tha(wl))
    assert again.returncode == 1 and b"already removed" in again.stderr
    assert "THA-1" not in run_cli("watchlist", "list", env=tha(wl)).stdout.decode()
    assert "[removed]" in run_cli("watchlist", "list", "--all", env=tha(wl)).stdout.decode()
    # kept for the flags citing it, and every change is in the audit log with the account that made it
    with psycopg.connect(wl.owner_url) as conn:
        audit = conn.execute(
            "SELECT action, account FROM audit_log WHERE table_name = 'watchlist_entry' AND record_key = 'THA-1'"
            " ORDER BY id"
        ).fetchall()
    assert audit == [("insert", "wl-coordinator-tha"), ("update", "wl-coordinator-tha")]


def test_bad_entries_and_accounts_are_refused_clearly(wl: RunningStack) -> None:
    for args, message in [
        (("--mmsi", "12ab"), b"mmsi: '12ab' is not a number of up to 9 digits"),
        (("--imo", "9123456"), b"imo: '9123456' fails the IMO check digit (the last digit should be 3)"),
        (("--imo", "912345"), b"an IMO number has 7 digits"),
        (("--callsign", "9V 5240 XYZ"), b"has 9 letters and digits; AIS carries at most 7"),
        ((), b"give at least one of mmsi, imo, callsign, name"),
    ]:
        done = run_cli("watchlist", "add", "--reason", "test", *args, env=tha(wl))
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    admin = acting_env(wl, "wl-admin", "THA", "administrator")
    assert b"an administrator account keeps no watchlist entries" in run_cli("watchlist", "list", env=admin).stderr
    nobody = {k: v for k, v in wl.env().items() if not k.startswith("SEASIGHT_ACCOUNT")}
    assert b"no account configured" in run_cli("watchlist", "list", env=nobody).stderr


def test_import_is_all_or_nothing_with_every_bad_line_named(wl: RunningStack, tmp_path: Path) -> None:
    run_cli("watchlist", "add", "--id", "IDN-OWN", "--reason", "Indonesia's", "--name", "Cahaya 2032", env=idn(wl))
    before = stored(wl)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,reason,mmsi,imo,callsign,name\n"
        "tha-ok-1,facilitator,563100001,,,\n"
        "tha-bad-2,,12345678901,,,\n"
        "tha-bad-3,reflagged,,9123456,,\n"
        "tha-ok-1,twice,,,,SEA STAR\n"
        "tha-bad-5,too long a call sign,,,ABCDEFGH,\n"
        "tha-ok-6,pair of skiffs,,,,Eagle\n"
    )
    done = run_cli("watchlist", "import", str(bad), env=tha(wl))
    assert done.returncode == 1
    lines = [x for x in done.stderr.decode().splitlines() if x.startswith(str(bad))]
    assert [x.removeprefix(f"{bad}: ") for x in lines] == [
        "line 3: reason: required (why the vessel is watched)",
        "line 3: mmsi: '12345678901' is not a number of up to 9 digits",
        "line 4: imo: '9123456' fails the IMO check digit (the last digit should be 3)",
        "line 5: id: 'tha-ok-1' appears twice",
        "line 6: callsign: 'ABCDEFGH' has 8 letters and digits; AIS carries at most 7",
    ]
    assert b"nothing was imported (5 problem(s))" in done.stderr
    assert stored(wl) == before

    # every line right but one id that is Indonesia's: found in the database, named by its line, nothing written
    clash = tmp_path / "clash.csv"
    clash.write_text("id,reason,name\ntha-ok-7,carrier,SEA PRINCESS\nIDN-OWN,mine,BINTANG\n")
    done = run_cli("watchlist", "import", str(clash), env=tha(wl))
    assert done.returncode == 1, done.stdout
    assert (
        f"{clash}: line 3: id: 'IDN-OWN' refused by the database: it is another state's entry".encode() in done.stderr
    )
    assert stored(wl) == before

    good = tmp_path / "good.csv"
    good.write_text("\ufeffid,reason,callsign,name\ntha-ok-8,carrier,HS 2231,\ntha-ok-9,skiff,,M.V. Eagle\n")
    dry = run_cli("watchlist", "import", str(good), "--dry-run", env=tha(wl))
    assert dry.returncode == 0 and b"would import 2 watchlist entries for THA" in dry.stdout
    assert stored(wl) == before
    done = run_cli("watchlist", "import", str(good), env=tha(wl))
    assert done.returncode == 0, done.stderr.decode()
    assert b"imported 2 watchlist entries for THA" in done.stdout
    new = {r[0]: r for r in stored(wl) if r not in before}
    assert set(new) == {"tha-ok-8", "tha-ok-9"}
    assert new["tha-ok-8"][1:4] == ("THA", "wl-coordinator-tha", True) and new["tha-ok-9"][7] == "M.V. Eagle"
    missing = run_cli("watchlist", "import", str(tmp_path / "none.csv"), env=tha(wl))
    assert missing.returncode == 1 and b"cannot read" in missing.stderr


def test_a_listed_call_sign_with_a_space_is_found_on_the_vessel(wl: RunningStack) -> None:
    """The issue's case: "9V 5240" on the watchlist, 9V5240 in the vessel's message 5. And a listed name
    EAGLE is not raised for two vessels named BEAGLE."""
    listed = run_cli(
        *("watchlist", "add", "--id", "THA-9V", "--reason", "transhipment reported by MRCC Singapore"),
        *("--callsign", "9V 5240"),
        env=tha(wl),
    )
    assert listed.returncode == 0, listed.stderr.decode()
    eagle = run_cli("watchlist", "add", "--id", "THA-E", "--reason", "skiff", "--name", "EAGLE", env=tha(wl))
    assert eagle.returncode == 0, eagle.stderr.decode()
    carrier, beagles = 563100091, (563100092, 563100093)
    with psycopg.connect(wl.database_url) as conn:  # a service session: the detector's view
        points = [
            p
            for k, mmsi in enumerate((carrier, *beagles))
            for p in line(mmsi, 8.0 + k, 96.0, course=90, speed_kn=8, every=timedelta(minutes=10), count=7, start=T0)
        ]
        write_positions(conn, reports(points))
        for mmsi, name, callsign in ((carrier, "STAR CARRIER", "9V5240"), *((b, "BEAGLE", None) for b in beagles)):
            conn.execute(
                "UPDATE vessel SET name = %s, callsign = %s, static_at = %s WHERE mmsi = %s",
                (name, callsign, T0, mmsi),
            )
        run_detection(conn, end=T0 + timedelta(hours=1), rules=RuleSet(), distance_to_shore=lambda lat, lon: 200.0)
        flags = conn.execute(
            "SELECT mmsi, severity, summary, evidence FROM flag WHERE rule_id = 'watchlist' ORDER BY mmsi"
        ).fetchall()
        conn.rollback()
    assert [f[0] for f in flags] == [carrier]
    mmsi, severity, summary, evidence = flags[0]
    assert severity == "high"
    (entry,) = evidence["entries"]
    assert entry["id"] == "THA-9V" and entry["matched"] == [
        {
            "on": "callsign",
            "value": "9V5240",
            "listed_as": "9V 5240",
            "normalised": "9V5240",
            "how": "same call sign without spaces, punctuation or case",
        }
    ]
    assert 'call sign "9V5240" = listed "9V 5240"' in summary


def test_the_dashboards_upload_path_never_takes_over_another_states_entry(wl: RunningStack) -> None:
    """``upsert_watchlist`` (the dashboard's upload) refuses, whole, a file holding another owner's id."""
    run_cli("watchlist", "add", "--id", "IDN-KEEP", "--reason", "Indonesia's", "--mmsi", "525000777", env=idn(wl))
    mine = WatchlistRecord("tha-dash-1", "carrier", "THA", "dash-user", name="SEA PRINCESS")
    theirs = WatchlistRecord("IDN-KEEP", "now Thai", "THA", "dash-user", mmsi=567000001)
    with psycopg.connect(wl.owner_url) as conn:
        with pytest.raises(WatchlistError, match="'IDN-KEEP' is IDN's entry"):
            upsert_watchlist(conn, [mine, theirs])
        conn.rollback()
        assert upsert_watchlist(conn, [mine]) == 1
        conn.commit()
    rows = {r[0]: r for r in stored(wl)}
    assert rows["IDN-KEEP"][1:5] == ("IDN", "wl-operator-idn", True, 525000777)
    assert rows["tha-dash-1"][1] == "THA"
