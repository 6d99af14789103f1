"""AppTest of every page on the seeded database: renders without exception, shows the expected elements,
and shows outside text (the hostile vessel name, the hostile sighting note) only as text."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pandas as pd
import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_KEY, SignedIn
from seasight.accounts import Role
from tests.conftest import REPO_ROOT, TEST_NOW, RunningStack, account_token
from tests.dashboard.conftest import HOSTILE_NAME, HOSTILE_NOTE, SEEDED_MMSIS, SeededOutcomes, SeededWorld

pytestmark = pytest.mark.integration

PAGES = REPO_ROOT / "dashboard" / "views"


_STACK: list[RunningStack] = []


@pytest.fixture(autouse=True)
def _pages_stack(dashboard_stack: RunningStack) -> None:
    _STACK[:] = [dashboard_stack]


def sign_in_as(app: AppTest, user: str = "test-officer", owner: str = "THA", role: str = "sar_coordinator") -> None:
    """The page's session signed in as test account ``user`` (a real token of the dashboard database)."""
    token = account_token(_STACK[0], user, owner, role)
    app.session_state[SESSION_KEY] = SignedIn(user, owner, Role(role), token)


def page(name: str) -> AppTest:
    """A page signed in as a Thai SAR coordinator (the seeded world is Thailand's)."""
    app = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
    sign_in_as(app)
    return app


def no_raw_html(app: AppTest) -> None:
    """No Markdown-ish element carries outside HTML unescaped (tables render cells as text)."""
    texts: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "subheader",
        "header",
        "error",
        "warning",
        "info",
        "success",
    ):
        texts.extend(str(e.value) for e in getattr(app, kind))
    texts.extend(str(e.label) for e in app.expander)
    for text in texts:
        assert "<img" not in text and "<script" not in text, text


def frames(app: AppTest) -> list[Any]:
    return [d.value for d in app.dataframe]


def act_as(app: AppTest, user: str = "test-officer", owner: str = "THA") -> None:
    """Sign the page's session in as ``user`` of ``owner`` (the dashboard acts only as a signed-in account)."""
    sign_in_as(app, user, owner)


def test_concerns_ranked_with_evidence(seeded_world: SeededWorld, dashboard_env: None) -> None:
    app = page("concerns").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Concerns"
    subjects = frames(app)[0]  # ranked by the risk score of tracking.rules.risk, distress first
    assert subjects.iloc[0]["Distress"] and subjects.iloc[0]["Subject"] == f"sighting {seeded_world.sighting_id}"
    vessel = subjects[subjects["Subject"] == f"{HOSTILE_NAME} — MMSI {seeded_world.hostile_mmsi}"].iloc[0]
    assert vessel["Kind"] == "vessel" and vessel["Risk"] > 0 and "went_dark" in vessel["Why"]
    table = frames(app)[1]
    flags = list(table["Flag"])
    assert flags.index(seeded_world.contact_flag_id) < flags.index(seeded_world.vessel_flag_id)
    assert any(HOSTILE_NAME in s for s in table["Subject"])  # shown as text in the table
    modes = dict(zip(table["Why"], table["Exercise"], strict=True))
    assert modes["Exercise contact"] == "EXERCISE" and modes["Overcrowded boat, no AIS, 120 persons"] == ""
    app.selectbox(key="concern_pick").set_value(seeded_world.vessel_flag_id).run()
    assert not app.exception, app.exception
    assert any("went" in s.value for s in app.subheader)
    assert any(j.value and "gap_h" in str(j.value) for j in app.json)
    rules = next(t for t in frames(app) if "Threshold" in t.columns)
    went_dark = rules[(rules["Rule"] == "went_dark") & (rules["Threshold"] == "min_gap_h")].iloc[0]
    assert went_dark["Unit"] == "h" and "Global Fishing Watch" in went_dark["Source"]
    assert went_dark["In force"] == went_dark["Default"] == 6.0 and went_dark["Tuned"] == ""  # no file: built-in
    assert any("Thresholds in force: built-in defaults (digest " in c.value for c in app.caption)
    no_raw_html(app)
    assert any(
        "&lt;img" in m.value or "\\<img" in m.value or "&lt;img" in m.value.replace("\\", "") for m in app.markdown
    )  # the name is in the detail, escaped


def test_concerns_open_a_case_from_a_flag(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = page("concerns").run()
    app.selectbox(key="concern_pick").set_value(seeded_world.contact_flag_id).run()
    act_as(app)
    app.run()
    app.number_input(key="flag_case_persons").set_value(120)
    app.checkbox(key="flag_case_exercise").check()
    app.button[-1].click().run()  # the form's submit button
    assert not app.exception, app.exception
    assert any("Opened SEASIGHT-" in s.value and "EXERCISE" in s.value for s in app.success), app.error
    with psycopg.connect(dashboard_stack.database_url) as conn:
        row = conn.execute(
            "SELECT origin_kind, is_exercise, acted_by, owner, persons FROM sar_case"
            " WHERE flag_id = %s ORDER BY id DESC LIMIT 1",
            (seeded_world.contact_flag_id,),
        ).fetchone()
    assert row == ("flag", True, "test-officer", "THA", 120)


def test_concerns_dismiss_a_flag_with_a_reason(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    with psycopg.connect(dashboard_stack.database_url) as conn:  # a flag of this test's own
        row = conn.execute(
            """INSERT INTO flag (rule_id, rule_version, subject_kind, mmsi, severity, score, window_start,
                                 window_end, summary) VALUES ('loitering', 1, 'vessel', %s, 'low', 0.3,
                                 '2031-05-01T00:00Z', '2031-05-01T03:00Z', 'test loitering to dismiss')
               RETURNING id""",
            (seeded_world.hostile_mmsi,),
        ).fetchone()
        assert row is not None
        flag_id = int(row[0])
        conn.commit()
    try:
        app = page("concerns").run()
        app.selectbox(key="concern_pick").set_value(flag_id).run()
        act_as(app, "watch-officer-7", "MYS")
        app.run()
        app.radio(key="review_action").set_value("dismiss")
        app.button(key="review_submit").click().run()
        assert not app.exception, app.exception
        assert any("reason is required" in e.value for e in app.error)  # nothing recorded without a reason
        app.radio(key="review_action").set_value("dismiss")
        app.text_input(key="review_reason").input("known fishing vessel, seen by MMEA patrol")
        app.button(key="review_submit").click().run()
        assert not app.exception, app.exception
        assert any("dismiss recorded" in s.value for s in app.success), app.error
        with psycopg.connect(dashboard_stack.database_url) as conn:
            status = conn.execute("SELECT status, status_reason FROM flag WHERE id = %s", (flag_id,)).fetchone()
            version = conn.execute(
                "SELECT action, acted_by, owner, reason FROM flag_version WHERE flag_id = %s"
                " ORDER BY version DESC LIMIT 1",
                (flag_id,),
            ).fetchone()
        # the reason is in Malaysia's review version, not on the flag every state sees (migration 0077)
        assert status == ("dismissed", None)
        assert version == ("dismissed", "watch-officer-7", "MYS", "known fishing vessel, seen by MMEA patrol")
    finally:
        with psycopg.connect(dashboard_stack.database_url) as conn:
            conn.execute("DELETE FROM flag WHERE id = %s", (flag_id,))


def test_sightings_list_and_report(seeded_world: SeededWorld, dashboard_env: None) -> None:
    app = page("sightings").run()
    assert not app.exception, app.exception
    table = frames(app)[0]
    row = table[table["Id"] == seeded_world.sighting_id].iloc[0]
    assert row["Note"] == HOSTILE_NOTE and row["Open flags"] == 1
    no_raw_html(app)
    # No free-text "acting as": the report is the signed-in account's, for its state.
    assert not [t for t in app.text_input if t.key in ("acting_user", "acting_owner")]
    act_as(app)
    app.run()
    app.number_input(key="sf_lat").set_value(5.5)
    app.number_input(key="sf_lon").set_value(96.1)
    app.text_input(key="sf_craft").input("wooden boat <b>")
    app.text_area(key="sf_note").input(HOSTILE_NOTE)
    app.checkbox(key="sf_exercise").check()
    # The API's domain check: a report from the future is refused, every problem listed, nothing sent.
    app.date_input(key="sf_date").set_value(TEST_NOW.date() + timedelta(days=2))
    app.button[-1].click().run()
    assert not app.exception, app.exception
    assert not app.success and any("not sent" in e.value and "future" in e.value for e in app.error), [
        e.value for e in app.error
    ]
    app.date_input(key="sf_date").set_value(TEST_NOW.date())
    app.time_input(key="sf_time").set_value((TEST_NOW - timedelta(minutes=5)).time())
    app.button[-1].click().run()
    assert not app.exception, app.exception
    assert app.success and "accepted (EXERCISE)" in app.success[0].value, [e.value for e in app.error]
    no_raw_html(app)


def test_sar_cases_page(seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack) -> None:
    app = page("sar_cases").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "SAR cases"
    table = frames(app)[0]
    modes = dict(zip(table["Case"], table["Mode"], strict=True))
    assert modes[f"SEASIGHT-{seeded_world.exercise_case_id}"] == "EXERCISE"
    assert modes[f"SEASIGHT-{seeded_world.real_case_id}"] == "REAL"
    # The real case opened from the hostile vessel: its casualty line names the vessel, escaped.
    app.selectbox(key="case_pick").set_value(seeded_world.real_case_id).run()
    assert not app.exception, app.exception
    no_raw_html(app)
    assert any("Casualty" in m.value and "img src" in m.value for m in app.markdown)
    assert not any("EXERCISE EXERCISE" in w.value for w in app.warning)
    # Checklist, SURPIC table, log are there; the signed-in coordinator may act on them.
    assert any("Verify the report" in m.value for m in app.markdown)
    assert [b for b in app.button if b.label == "Done" and not b.disabled]
    act_as(app)
    app.run()
    done = [b for b in app.button if b.label == "Done"]
    done[0].click().run()
    assert not app.exception, app.exception
    assert any(":material/check_box:" in m.value and "Verify the report" in m.value for m in app.markdown)
    # Escalate with a reason.
    app.selectbox(key="pc_to").set_value("alert")
    app.text_input(key="pc_reason").input("no contact for 2 h")
    next(b for b in app.button if b.label == "Change phase").click().run()
    assert not app.exception, app.exception
    assert "ALERT" in app.subheader[0].value
    # Drift and search area for a datum time given here (not "now": the search planned two hours ahead).
    datum_at = TEST_NOW + timedelta(hours=2)
    app.date_input(key="dr_day").set_value(datum_at.date())
    app.time_input(key="dr_time").set_value(datum_at.time())
    next(b for b in app.button if b.label == "Compute and store the search area").click().run()
    assert not app.exception, app.exception
    assert any("Datum" in c.value and f"at {datum_at.isoformat()}" in c.value for c in app.caption), app.error
    # A request for assistance, a SITREP item, then the SITREP: a draft first, then sent and kept.
    app.selectbox(key="rq_need").set_value("ships_to_assist")
    app.number_input(key="rq_persons").set_value(40)
    app.text_input(key="rq_asked").input("ships within 30 NM")
    next(b for b in app.button if b.label == "Record the request").click().run()
    assert not app.exception, app.exception
    assert any("SHIPS IN THE VICINITY TO PROCEED AND ASSIST" in m.value for m in app.markdown)
    app.text_input(key="sitrep_item_M").input("air search at first light")
    app.checkbox(key="sitrep_full").check()
    next(b for b in app.button if b.label == "Compose (draft, not sent)").click().run()
    assert not app.exception, app.exception
    assert any("DRAFT, not sent" in c.value for c in app.caption)
    assert any("M. FUTURE PLANS: air search at first light" in c.value for c in app.code)
    next(b for b in app.button if b.label == "Send the next SITREP").click().run()
    assert not app.exception, app.exception
    sitrep = next(c.value for c in app.code if "SAR SITREP 1" in c.value)
    assert "E. ASSISTANCE REQUIRED: (1) SHIPS IN THE VICINITY TO PROCEED AND ASSIST, 40 PERSONS" in sitrep
    assert f"AT {datum_at:%d%H%M}Z" in sitrep  # item K: the datum's own time
    assert any(b.label == "Download SITREP 1" for b in app.download_button)
    next(b for b in app.button if b.label == "Issue the next CAP 1.2 message").click().run()
    assert not app.exception, app.exception
    assert any("urn:oasis:names:tc:emergency:cap:1.2" in c.value for c in app.code)
    log = frames(app)[-1]
    kinds = list(log["Event"])
    assert kinds[:1] == ["opened"] and {"action_done", "phase_changed", "search_area", "message_sent"} <= set(kinds)
    # the log reads as words, not Python dicts
    assert "escalation: uncertainty → alert — no contact for 2 h" in set(log["What"])
    assert not any("{" in str(w) for w in log["What"])
    # The exercise case says so.
    app.selectbox(key="case_pick").set_value(seeded_world.exercise_case_id).run()
    assert any("EXERCISE EXERCISE EXERCISE" in w.value for w in app.warning)


def test_sar_cases_open_manual_exercise_case(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = page("sar_cases").run()
    act_as(app)
    app.run()
    app.number_input(key="oc_lat").set_value(8.25)
    app.number_input(key="oc_lon").set_value(97.5)
    app.number_input(key="oc_persons").set_value(60)
    lkp_at = TEST_NOW - timedelta(hours=2, minutes=15)
    app.date_input(key="oc_lkp_day").set_value(lkp_at.date())
    app.time_input(key="oc_lkp_time").set_value(lkp_at.time())
    app.text_input(key="oc_source").input("fishers by radio")
    app.checkbox(key="oc_exercise").check()
    app.text_input(key="oc_reason").input("table-top")
    next(b for b in app.button if b.label == "Open the case").click().run()
    assert not app.exception, app.exception
    assert "EXERCISE" in app.selectbox(key="case_pick").format_func(app.selectbox(key="case_pick").value)
    case_id = app.selectbox(key="case_pick").value
    assert any(f"at {lkp_at:%Y-%m-%d %H:%M} UTC (reported by fishers by radio)" in m.value for m in app.markdown), (
        "the LKP time and source given in the form"
    )
    # No-action: proposed by one coordinator, who cannot confirm it; a second one does.
    app.text_input(key="na_reason").input("located safe by fishers")
    next(b for b in app.button if b.label == "Propose no further action").click().run()
    assert not app.exception, app.exception
    confirm = next(b for b in app.button if b.key == "na_confirm")
    assert confirm.disabled, "the proposer cannot confirm"
    act_as(app, "second-officer", "THA")
    app.run()
    next(b for b in app.button if b.key == "na_confirm").click().run()
    assert not app.exception, app.exception
    assert any("confirmed by second\\-officer" in i.value for i in app.info), [i.value for i in app.info]
    act_as(app)
    app.run()
    # SURPIC: the seeded vessel at 8.9 N 97.1 E, about 45 nm away and under way, can help.
    surpic = next(t for t in frames(app) if "distance_nm" in t.columns)
    assert SEEDED_MMSIS[2] in set(surpic["mmsi"]) and (surpic["distance_nm"] < 100).all()
    assert any(b.label == "Download SURPIC (CSV)" for b in app.download_button)
    # Assign an SMC, then close the case with a summary.
    app.selectbox(key="as_role").set_value("SMC")
    app.text_input(key="as_name").input("MRCC duty officer")
    next(b for b in app.button if b.label == "Assign").click().run()
    assert not app.exception, app.exception
    app.selectbox(key="cl_conclusion").set_value("false_alarm")
    app.text_input(key="cl_summary").input("exercise ended")
    next(b for b in app.button if b.label == "Close the case").click().run()
    assert not app.exception, app.exception
    # the closed case stays shown, with its conclusion
    assert app.selectbox(key="case_pick").value == case_id
    assert any("conclusion: **false alarm**: exercise ended" in s.value for s in app.success)
    with psycopg.connect(dashboard_stack.database_url) as conn:
        kinds = [
            r[0]
            for r in conn.execute("SELECT kind FROM case_event WHERE case_id = %s ORDER BY seq", (case_id,)).fetchall()
        ]
        status = conn.execute("SELECT status, conclusion FROM sar_case WHERE id = %s", (case_id,)).fetchone()
    assert kinds == ["opened", "no_action_proposed", "no_action_confirmed", "assigned", "closed"]
    assert status == ("closed", "false_alarm")


def test_feeds_and_reference_page(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    from ingest.ledger import FeedLedger
    from tracking.feed_health import write_feed_health

    now = TEST_NOW
    ledger = FeedLedger("tcp://dash-test:5631", "<b>station</b>", now - timedelta(minutes=2))
    ledger.lines_in, ledger.lines_decoded = 10, 8
    ledger.rejected("bad checksum", 2)
    stale = FeedLedger("file:old.nmea", None, now - timedelta(hours=3))
    with psycopg.connect(dashboard_stack.database_url) as conn:
        write_feed_health(conn, [ledger.snapshot(now), stale.snapshot(now - timedelta(hours=2))])
        conn.commit()

    app = page("reference").run(timeout=90)
    assert not app.exception, app.exception
    assert app.title[0].value == "Feeds and reference data"
    tables = frames(app)
    feeds = next(t for t in tables if "Feed" in t.columns and "Msg/s" in t.columns)
    row = feeds[feeds["Feed"] == "tcp://dash-test:5631"].iloc[0]
    assert row["Station"] == "<b>station</b>" and row["Rejected"] == 2 and row["Rejected %"] == 20.0
    assert row["State"] == "reporting"
    assert feeds[feeds["Feed"] == "file:old.nmea"].iloc[0]["State"] == "stale"
    assert any("have not reported" in w.value for w in app.warning)
    reasons = next(t for t in tables if "Reason" in t.columns)
    assert "bad checksum" in set(reasons["Reason"])
    zones = next(t for t in tables if "Why watched" in t.columns)
    assert "Dashboard test zone <b>" in set(zones["Name"])
    watchlist = next(t for t in tables if "On the picture" in t.columns)
    entry = watchlist[watchlist["Id"] == "dash-test-1"].iloc[0]
    assert entry["Name"] == HOSTILE_NAME and bool(entry["On the picture"])
    no_raw_html(app)


def test_feeds_page_shows_which_tracker_holds_each_partition_and_its_lag(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    from tracking.liveness import Heartbeat, LivenessRecorder

    holder = LivenessRecorder(
        dashboard_stack.database_url, "dash-group", "dash-host", 4242, "dash-host:4242:t:ordinary"
    )
    lags = {("seasight.ais.position", 0): (100, 130, 30), ("seasight.ais.position", 1): (None, 5, 5)}
    assert holder.beat(Heartbeat("consuming", lags=lags))
    holder.close()
    waiting = LivenessRecorder(
        dashboard_stack.database_url, "dash-group", "dash-host", 4343, "dash-host:4343:t:ordinary"
    )
    assert waiting.beat(Heartbeat("broker_away", detail="cannot reach the broker at kafka:9092 (connection refused)"))
    waiting.close()

    app = page("reference").run(timeout=90)
    assert not app.exception, app.exception
    tables = frames(app)
    members = next(t for t in tables if "PID" in t.columns and "Why" in t.columns)
    mine = members[members["Group"] == "dash-group"].set_index("PID")
    assert mine.loc[4242, "State"] == "consuming" and mine.loc[4242, "Partitions"] == 2
    assert mine.loc[4343, "State"] == "broker away" and "connection refused" in mine.loc[4343, "Why"]
    partitions = next(t for t in tables if "Held by" in t.columns)
    held = partitions[partitions["Group"] == "dash-group"].set_index("Partition")
    assert held.loc[0, "Lag"] == 30 and held.loc[0, "End"] == 130 and held.loc[0, "Held by"] == "dash-host pid 4242"
    assert held.loc[1, "Lag"] == 5 and bool(held.loc[1, "Holder live"])
    assert any("dash-group: broker away since" in w.value for w in app.warning)
    no_raw_html(app)


def _zone_file(name: str, kind: str = "transit_corridor", reason: str | None = "test corridor") -> bytes:
    props: dict[str, Any] = {"name": name, "kind": kind}
    if reason is not None:
        props["reason"] = reason
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[96, 3], [97, 3], [97, 4], [96, 4], [96, 3]]],
                    },
                }
            ],
        }
    ).encode()


def test_zone_upload_validated_and_size_limited(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = page("reference").run(timeout=90)
    act_as(app)
    app.run(timeout=90)
    # Invalid: no reason. Nothing is written.
    app.file_uploader(key="zone_upload").upload(
        "bad.geojson", _zone_file("Dash upload bad", reason=None), "application/geo+json"
    ).run(timeout=90)
    next(b for b in app.button if b.label.startswith("Import")).click().run(timeout=90)
    assert not app.exception, app.exception
    assert any("Nothing was imported" in e.value and "reason" in e.value for e in app.error)
    # Too big: refused before any parsing.
    app.file_uploader(key="zone_upload").upload(
        "big.geojson", b" " * (2 * 1024 * 1024 + 1), "application/geo+json"
    ).run(timeout=90)
    assert any("the limit is" in e.value for e in app.error)
    # Valid.
    app.file_uploader(key="zone_upload").upload(
        "good.geojson", _zone_file("Dash upload <ok>"), "application/geo+json"
    ).run(timeout=90)
    next(b for b in app.button if b.label.startswith("Import")).click().run(timeout=90)
    assert not app.exception, app.exception
    assert any("Imported 1 zone" in s.value for s in app.success), [e.value for e in app.error]
    with psycopg.connect(dashboard_stack.database_url) as conn:
        row = conn.execute("SELECT kind, acted_by FROM zone WHERE name = 'Dash upload <ok>'").fetchone()
    assert row == ("transit_corridor", "test-officer")


def test_disembarkation_options_and_outcome(
    seeded_outcomes: SeededOutcomes,
    seeded_world: SeededWorld,
    dashboard_env: None,
    dashboard_stack: RunningStack,
) -> None:
    app = page("disembarkation").run(timeout=120)
    assert not app.exception, app.exception
    app.selectbox(key="dis_case").set_value(seeded_world.real_case_id).run(timeout=120)
    assert not app.exception, app.exception
    assert any("Responsible state" in m.value for m in app.markdown)
    options = frames(app)[0]
    assert list(options["Rank"])[:3] == [1, 2, 3] and (options["Why"].str.len() > 0).all()
    assert set(options["State"]) <= {"THA", "MYS", "IDN"}
    no_raw_html(app)
    # Record an outcome (counts only) with an acting user; an invalid one is refused with the reason.
    act_as(app)
    case_id = seeded_outcomes.case_ids[0]  # opened three days ago, outcome version 1 already recorded
    app.selectbox(key="dis_case").set_value(case_id).run(timeout=120)
    app.selectbox(key="out_kind").set_value("disembarked")
    app.text_input(key="out_locode").input(seeded_outcomes.locode)
    app.number_input(key="out_persons").set_value(40)
    app.number_input(key="out_deaths").set_value(50)  # more dead than aboard: refused
    app.text_input(key="out_reason").input("first report")
    next(b for b in app.button if b.label == "Record the outcome").click().run(timeout=120)
    assert not app.exception, app.exception
    assert any("not recorded" in e.value for e in app.error), [s.value for s in app.success]
    app.number_input(key="out_deaths").set_value(2)
    app.text_input(key="out_nat").input("MMR:38, BGD:2")
    app.selectbox(key="out_screened").set_value("yes")
    app.text_input(key="out_source").input("RCC report <b>")
    next(b for b in app.button if b.label == "Record the outcome").click().run(timeout=120)
    assert not app.exception, app.exception
    assert any("version 2" in s.value for s in app.success), [e.value for e in app.error]
    assert len(frames(app)[-1]) == 2  # both versions listed, the first kept
    with psycopg.connect(dashboard_stack.database_url) as conn:
        row = conn.execute(
            "SELECT outcome, state, locode, persons_aboard, deaths, acted_by, owner FROM "
            "disembarkation_outcome WHERE case_id = %s AND version = 2",
            (case_id,),
        ).fetchone()
    assert row is not None and row[0] == "disembarked" and row[2] == seeded_outcomes.locode
    assert row[3:] == (40, 2, "test-officer", "THA")
    with psycopg.connect(dashboard_stack.database_url) as conn:
        extra = conn.execute(
            "SELECT nationalities, screened, referred_to_asylum FROM disembarkation_outcome "
            "WHERE case_id = %s AND version = 2",
            (case_id,),
        ).fetchone()
    assert extra == ({"MMR": 38, "BGD": 2}, True, None)


def test_practices_page(seeded_outcomes: SeededOutcomes, dashboard_env: None) -> None:
    app = page("practices").run(timeout=120)
    assert not app.exception, app.exception
    assert app.title[0].value == "Practices (RSO)"
    assert any("suppressed" in c.value for c in app.caption)
    table = frames(app)[0]
    tha = table[table["state"] == "THA"].iloc[0]
    assert tha["cases"] >= 6 and tha["disembarked"] >= 6  # real cases only: the exercise pushback is not here
    assert not (pd.to_numeric(table["pushed_back"], errors="coerce").fillna(0) > 0).any()
    shown = {str(v) for column in ("cases", "persons", "dead", "missing") for v in table[column]}
    assert not shown & {"None", "nan"}, shown  # suppressed reads "<5", missing "unknown"
    assert tha["median_hours_to_disembarkation"] == pytest.approx(48.0, abs=1.0)
    labels = [b.label for b in app.download_button]
    assert {"Download CSV", "Download JSON", "Download GEOJSON", "Download KML"} <= set(labels)
    no_raw_html(app)


def test_watchlist_upload_validated(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    app = page("reference").run(timeout=90)
    act_as(app)
    app.run(timeout=90)
    bad = b"id,reason,mmsi,name\ndash-wl-1,,12ab,\ndash-wl-2,smuggling,,\n"
    app.file_uploader(key="watchlist_upload").upload("bad.csv", bad, "text/csv").run(timeout=90)
    assert not app.exception, app.exception
    error = next(e.value for e in app.error if "Nothing was imported" in e.value)
    assert "line 2" in error and "reason" in error and "mmsi" in error and "line 3" in error
    assert not [b for b in app.button if b.label.startswith("Import") and "watchlist" in b.label]
    good = f"id,reason,mmsi,imo,name\ndash-wl-3,suspected facilitator,563900123,,{HOSTILE_NAME}\n".encode()
    app.file_uploader(key="watchlist_upload").upload("good.csv", good, "text/csv").run(timeout=90)
    next(b for b in app.button if b.label == "Import 1 watchlist entry").click().run(timeout=90)
    assert not app.exception, app.exception
    assert any("Imported 1 watchlist" in s.value for s in app.success)
    with psycopg.connect(dashboard_stack.database_url) as conn:
        row = conn.execute("SELECT name, mmsi, owner, acted_by FROM watchlist_entry WHERE id = 'dash-wl-3'").fetchone()
    assert row == (HOSTILE_NAME, 563900123, "THA", "test-officer")
    too_big = b"id,reason,mmsi\n" + b"x" * (1024 * 1024 + 1)
    app.file_uploader(key="watchlist_upload").upload("big.csv", too_big, "text/csv").run(timeout=90)
    assert any("the limit is" in e.value for e in app.error)


def test_sar_cases_takes_the_vessel_from_the_live_map_link(seeded_world: SeededWorld, dashboard_env: None) -> None:
    app = page("sar_cases")
    app.query_params["mmsi"] = str(seeded_world.hostile_mmsi)
    app.run()
    assert not app.exception, app.exception
    assert app.number_input(key="oc_mmsi").value == seeded_world.hostile_mmsi


def test_sar_cases_hand_over_is_accepted_by_the_receiving_state(
    seeded_world: SeededWorld, dashboard_env: None, dashboard_stack: RunningStack
) -> None:
    from coordination.cases import OpenCaseRequest, open_case

    with psycopg.connect(dashboard_stack.database_url) as conn:  # the stack's service session
        conn.execute(
            """INSERT INTO srr (id, name, rcc_name, rcc_country, indicative, source, geom) VALUES
               ('DASH-MYS', 'Dashboard test SRR Malaysia', 'Test MRCC Malaysia', 'MYS', true, 'test fixture',
                ST_Multi(ST_MakeEnvelope(100, 0, 105, 10, 4326)))
               ON CONFLICT DO NOTHING"""
        )
        case = open_case(
            conn,
            OpenCaseRequest(lat=6.5, lon=99.5, persons=25, reason="test hand-over"),
            "test-officer",
            "THA",
            TEST_NOW,
        )
        conn.commit()
    account_token(dashboard_stack, "test-mys-officer", "MYS")  # Malaysia's coordinator uses Seasight
    app = page("sar_cases").run()
    app.selectbox(key="case_pick").set_value(case.id).run()
    app.text_input(key="ho_srr").input("DASH-MYS")
    app.text_input(key="ho_reason").input("boat drifted south-east into the Malaysian SRR")
    next(b for b in app.button if b.label == "Hand over").click().run()
    assert not app.exception, app.exception
    assert any("awaiting acceptance; THA holds the case" in w.value for w in app.warning)
    assert not [b for b in app.button if b.key == "ho_accept"], "the offering state does not accept its own offer"
    # Malaysia's coordinator sees the offered case, accepts it, and then holds it
    sign_in_as(app, "test-mys-officer", "MYS")
    app.run()
    listed = frames(app)[0]
    assert "THA (offered to MYS, yours to accept)" in set(listed["Held by"])
    app.selectbox(key="case_pick").set_value(case.id).run()
    next(b for b in app.button if b.key == "ho_accept").click().run()
    assert not app.exception, app.exception
    assert any("Held before by THA" in c.value for c in app.caption)
    assert any("Test MRCC Malaysia" in m.value for m in app.markdown)
    with psycopg.connect(dashboard_stack.database_url) as conn:
        row = conn.execute("SELECT owner, rcc_name, handover_to FROM sar_case WHERE id = %s", (case.id,)).fetchone()
    assert row == ("MYS", "Test MRCC Malaysia", None)
