"""``seasight decode`` as a user runs it: JSON lines out, rejects as JSON on stderr, exit 0 unless the
input cannot be read. No broker needed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def test_decode_stdin_prints_json_and_rejects() -> None:
    lines = (
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n"
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B\n"  # bad checksum
        b"# comment\n"
    )
    done = run_cli("decode", "-", input=lines)
    assert done.returncode == 0, done.stderr.decode()
    (message,) = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert {k: message[k] for k in ("msg_type", "mmsi", "sog", "cog", "heading", "nav_status")} == {
        "msg_type": 1,
        "mmsi": 371798000,
        "sog": 12.3,
        "cog": 224.0,
        "heading": 215,
        "nav_status": 0,
    }
    (reject,) = [json.loads(line) for line in done.stderr.decode().splitlines() if line.startswith("{")]
    assert reject["reason"] == "checksum" and reject["raw"].endswith("*4B")


def test_decode_of_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    done = run_cli("decode", str(tmp_path / "missing.nmea"))
    assert done.returncode == 1
    assert b"cannot read" in done.stderr and b"missing.nmea" in done.stderr


def test_decode_keys_for_static_and_safety(shared_data: Path) -> None:
    done = run_cli("decode", str(shared_data / "ais_nmea" / "gpsd" / "sample.aivdm"))
    assert done.returncode == 0
    decoded = [json.loads(line) for line in done.stdout.decode().splitlines()]
    static = next(d for d in decoded if d["msg_type"] == 5)
    assert {"imo", "callsign", "shipname", "ship_type", "destination"} <= static.keys()
    safety = next(d for d in decoded if d["msg_type"] == 14)
    assert isinstance(safety["text"], str) and safety["text"]
