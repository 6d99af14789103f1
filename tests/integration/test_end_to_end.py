"""The thin end-to-end slice: one AIVDM sentence in, a position row and a vessel_state row out."""

from __future__ import annotations

import psycopg
import pytest

from tests.conftest import RunningStack, run_cli

pytestmark = pytest.mark.integration

# gpsd's test/sample.aivdm, message type 1 (decode given by gpsd's sample.aivdm.js.chk):
# MMSI 371798000, lat 48.38163333, lon -123.39538333, speed 12.3 kn, course 224.0, heading 215, status 0.
SENTENCE = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"


def test_sentence_reaches_postgis(stack: RunningStack) -> None:
    env = stack.env()
    published = run_cli("ingest", "ais", "-", "--station", "e2e-test", env=env, input=SENTENCE)
    assert published.returncode == 0, published.stderr.decode()
    assert b"published 1 position reports" in published.stdout

    tracked = run_cli(
        "track",
        "--until-idle",
        "--group",
        "e2e-slice",
        "--max-poll-interval-ms",
        "3000",
        "--idle-timeout",
        "30",
        env=env,
    )
    assert tracked.returncode == 0, tracked.stderr.decode()

    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT mmsi, ST_Y(geom), ST_X(geom), sog_kn, cog_deg, heading_deg, nav_status, msg_type, station,"
            " observed_at, received_at FROM position WHERE mmsi = 371798000 AND station = 'e2e-test'"
        ).fetchone()
        assert row is not None, "position row missing"
        mmsi, lat, lon, sog, cog, heading, status, msg_type, station, observed_at, received_at = row
        assert mmsi == 371798000
        assert lat == pytest.approx(48.38163333, abs=1e-6)
        assert lon == pytest.approx(-123.39538333, abs=1e-6)
        assert sog == pytest.approx(12.3, abs=0.05)
        assert cog == pytest.approx(224.0, abs=0.05)
        assert (heading, status, msg_type, station) == (215, 0, 1, "e2e-test")
        # The sentence carries no timestamp: the fix is timed by its receive time.
        assert observed_at == received_at

        state = conn.execute(
            "SELECT ST_Y(geom), ST_X(geom), observed_at FROM vessel_state WHERE mmsi = 371798000"
        ).fetchone()
        assert state is not None, "vessel_state row missing"
        assert state[0] == pytest.approx(48.38163333, abs=1e-6)
        assert state[1] == pytest.approx(-123.39538333, abs=1e-6)
        assert state[2] >= observed_at
