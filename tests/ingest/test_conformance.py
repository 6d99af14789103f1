"""Conformance of ``seasight decode`` with decoders nobody on the team wrote: gpsd's expected JSON for its
``sample.aivdm`` (``sample.aivdm.js.chk``, scaled units) and libais's ``typeexamples`` (.nmea + .json).

For every message both decode, each field Seasight publishes is compared with the reference, within the
stated tolerances and after applying Seasight's one convention on top of ITU-R M.1371: a "not available"
code is ``null`` (SOG 102.3 kn, COG 360°, heading 511, lat 91 / lon 181, ship type 0, draught 0, IMO 0).
Every difference found is listed in ``KNOWN_DIFFERENCES`` with its explanation; the test fails on any
difference not listed (and on any listed one that no longer occurs), so none is silently ignored.
Messages a reference decodes but Seasight does not turn into records (e.g. message 8 binary broadcasts)
are counted by reason and checked against ``EXPECTED_NOT_DECODED``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import REPO_ROOT

Convert = Callable[[Any], Any]

# Tolerances: positions 2e-6° (pyais rounds to 6 decimals, gpsd prints 7: at most 0.2 m); speed 0.05 kn
# and course 0.05° (both are sent in tenths); draught 0.05 m (tenths of a metre).
TOLERANCE = {"lat": 2e-6, "lon": 2e-6, "sog": 0.05, "cog": 0.05, "draught": 0.05}


def _na(value: Any, *not_available: Any) -> Any:
    return None if value in not_available else value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return value.replace("@", " ").strip() or None


# reference key -> (Seasight key, conversion of the reference value to Seasight's convention)
POSITION_FIELDS: dict[str, tuple[str, Convert]] = {
    "mmsi": ("mmsi", int),
    "lat": ("lat", lambda v: _na(v, 91, 91.0)),
    "lon": ("lon", lambda v: _na(v, 181, 181.0)),
    "speed": ("sog", lambda v: _na(v, 102.3, 1023, 63)),
    "course": ("cog", lambda v: _na(v, 360, 360.0, 511)),
    "heading": ("heading", lambda v: _na(v, 511)),
    "status": ("nav_status", int),
}
STATIC_FIELDS: dict[str, tuple[str, Convert]] = {
    "imo": ("imo", lambda v: _na(int(v), 0)),
    "callsign": ("callsign", _text),
    "shipname": ("shipname", _text),
    "shiptype": ("ship_type", lambda v: _na(v, 0)),
    "destination": ("destination", _text),
    "draught": ("draught", lambda v: _na(v, 0, 0.0)),
    "to_bow": ("to_bow", int),
    "to_stern": ("to_stern", int),
    "to_port": ("to_port", int),
    "to_starboard": ("to_starboard", int),
}
FIELDS: dict[int, dict[str, tuple[str, Convert]]] = {
    **{t: POSITION_FIELDS for t in (1, 2, 3, 9, 18, 27)},
    19: {
        **POSITION_FIELDS,
        **{
            k: v
            for k, v in STATIC_FIELDS.items()
            if k in ("shipname", "shiptype", "to_bow", "to_stern", "to_port", "to_starboard")
        },
    },
    5: STATIC_FIELDS,
    24: {
        k: v
        for k, v in STATIC_FIELDS.items()
        if k in ("shipname", "callsign", "shiptype", "to_bow", "to_stern", "to_port", "to_starboard")
    },
    14: {"text": ("text", _text)},
    4: {"lat": POSITION_FIELDS["lat"], "lon": POSITION_FIELDS["lon"]},
    21: {
        "lat": POSITION_FIELDS["lat"],
        "lon": POSITION_FIELDS["lon"],
        "name": ("name", _text),
        "aid_type": ("aid_type", int),
    },
}


def seasight_decode(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``seasight decode FILE`` as a user would: decoded messages (stdout) and rejects (stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "seasight.cli", "decode", str(path)],
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    decoded = [json.loads(line) for line in done.stdout.decode().splitlines()]
    rejected = [json.loads(line) for line in done.stderr.decode().splitlines() if line.startswith("{")]
    return decoded, rejected


def _merge_records(decoded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Message 19 gives two records (position, static) with one MMSI in a row: one message for comparison."""
    merged: list[dict[str, Any]] = []
    for record in decoded:
        if (
            merged
            and record["msg_type"] == 19
            and merged[-1]["msg_type"] == 19
            and merged[-1]["mmsi"] == record["mmsi"]
            and "shipname" not in merged[-1]
        ):
            merged[-1] = {**merged[-1], **record}
        else:
            merged.append(record)
    return merged


def compare(
    reference: list[dict[str, Any]], ours: list[dict[str, Any]], position_tolerance: float = TOLERANCE["lat"]
) -> tuple[list[str], Counter[int]]:
    """Pair messages in order by (type, MMSI); return the field differences and the reference messages
    (by type) Seasight published no record for."""
    ours = _merge_records(ours)
    differences: list[str] = []
    unpaired: Counter[int] = Counter()
    cursor = 0
    for ref in reference:
        msg_type, mmsi = ref["type"], int(ref["mmsi"])
        if msg_type not in FIELDS:
            unpaired[msg_type] += 1
            continue
        match = None
        for index in range(cursor, min(cursor + 8, len(ours))):
            candidate = ours[index]
            if candidate["msg_type"] != msg_type or candidate["mmsi"] != mmsi:
                continue
            # gpsd and libais print message 24 once both parts are in; Seasight publishes each part merged
            # with what is known, so the reference pairs with the first record that has both parts.
            if (
                msg_type == 24
                and ("shipname" in ref)
                and ("callsign" in ref)
                and (candidate["shipname"] is None or candidate["callsign"] is None)
            ):
                continue
            match = index
            break
        if match is None:
            unpaired[msg_type] += 1
            continue
        cursor = match + 1
        record = ours[match]
        for ref_key, (key, convert) in FIELDS[msg_type].items():
            if ref_key not in ref:
                continue
            expected = convert(ref[ref_key])
            got = record.get(key)
            tolerance = TOLERANCE.get(key)
            if key in ("lat", "lon"):
                # Message 27 sends positions in 1/10 minute (1/600°): gpsd prints 4 decimals.
                tolerance = max(position_tolerance, 1 / 1200) if msg_type == 27 else position_tolerance
            if expected is None or got is None or tolerance is None:
                same = expected == got
            else:
                same = abs(float(expected) - float(got)) <= tolerance
            if not same:
                differences.append(f"type {msg_type} mmsi {mmsi} {ref_key}: reference {expected!r}, seasight {got!r}")
    return differences, unpaired


def check_not_decoded(
    reference: list[dict[str, Any]],
    unpaired: Counter[int],
    rejected: list[dict[str, Any]],
    expected: dict[int, tuple[int, str]],
) -> None:
    """Types Seasight does not publish: the reference's count of them equals Seasight's unsupported_type
    rejects (both agree what those messages are); published types missing are exactly ``expected``."""
    unsupported = sum(1 for ref in reference if ref["type"] not in FIELDS)
    assert sum(1 for r in rejected if r["reason"] == "unsupported_type") == unsupported
    missing = {t: n for t, n in unpaired.items() if t in FIELDS}
    assert missing == {t: n for t, (n, _why) in expected.items()}


# -- gpsd ---------------------------------------------------------------------------------------------------

# No field differs from gpsd within the tolerances (after "@" ends six-bit text, as gpsd does, and
# message 14 text stops at the last whole character).
GPSD_KNOWN_DIFFERENCES: dict[str, str] = {}

# Messages of the types Seasight publishes that gpsd prints but Seasight rejects, and why.
GPSD_EXPECTED_NOT_DECODED: dict[int, tuple[int, str]] = {
    1: (
        1,
        "'13aIkM@P00PJ@qPNL=e@0?wJ28JO,5': 163 bits, shorter than the 168 of ITU-R M.1371; gpsd decodes "
        "what is there, Seasight rejects it as truncated rather than guess the missing bits",
    ),
    4: (
        1,
        "base station 972158237 reports lat 109.33, lon 205.12: gpsd prints them, Seasight rejects the "
        "message as out_of_range (not 91/181 'not available', so not a null either)",
    ),
}


def test_gpsd_sample(shared_data: Path) -> None:
    folder = shared_data / "ais_nmea" / "gpsd"
    reference = [json.loads(line) for line in (folder / "sample.aivdm.js.chk").read_text().splitlines()]
    assert len(reference) == 97  # SOURCES.md
    decoded, rejected = seasight_decode(folder / "sample.aivdm")
    differences, unpaired = compare(reference, decoded)
    assert set(differences) == set(GPSD_KNOWN_DIFFERENCES)
    check_not_decoded(reference, unpaired, rejected, GPSD_EXPECTED_NOT_DECODED)


# -- libais -------------------------------------------------------------------------------------------------

_ATON_NAME = "type 21 mmsi 852992994 name: reference '9%&//3*37-+P][`<RD^6', seasight \"9%&//3*37_+P]['<RD^6\""
LIBAIS_KNOWN_DIFFERENCES: dict[str, str] = {
    _ATON_NAME: (
        "the six-bit values 31 and 39 are '_' and \"'\" in ITU-R M.1371 table 47 (pyais, Seasight); "
        "libais prints '-' and '`' ('`' is not in the six-bit character set at all)"
    ),
}
LIBAIS_EXPECTED_NOT_DECODED: dict[int, tuple[int, str]] = {
    2: (1, "latitude -101.55: out_of_range, rejected (libais prints the raw value)"),
    9: (1, "SAR aircraft at latitude -99.42: out_of_range, rejected"),
    27: (1, "longitude 200.23: out_of_range, rejected"),
}


def test_libais_typeexamples(shared_data: Path) -> None:
    folder = shared_data / "ais_nmea" / "libais"
    reference = [json.loads(line) for line in (folder / "typeexamples.json").read_text().splitlines()]
    assert len(reference) == 26  # SOURCES.md
    decoded, rejected = seasight_decode(folder / "typeexamples.nmea")
    # libais's expected JSON holds positions as float32 (e.g. -70.34690856933594 for -70.346905):
    # float32 resolves about 8e-6° at 100°, so positions are compared within 1e-5° (about 1 m).
    differences, unpaired = compare(reference, decoded, position_tolerance=1e-5)
    assert set(differences) == set(LIBAIS_KNOWN_DIFFERENCES)
    check_not_decoded(reference, unpaired, rejected, LIBAIS_EXPECTED_NOT_DECODED)
