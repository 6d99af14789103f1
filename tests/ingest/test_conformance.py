"""Conformance of ``seasight decode`` with decoders nobody on the team wrote: gpsd's expected JSON for its
``sample.aivdm`` (``sample.aivdm.js.chk``, scaled units) and libais's ``typeexamples`` (.nmea + .json).

For every message both decode, each field Seasight publishes is compared with the reference, within the
stated tolerances and after applying Seasight's one convention on top of ITU-R M.1371: a "not available"
code is ``null`` (SOG 102.3 kn, COG 360°, heading 511, lat 91 / lon 181, ship type 0, draught 0, IMO 0).
Every difference found is listed in ``KNOWN_DIFFERENCES`` with its explanation; the test fails on any
difference not listed (and on any listed one that no longer occurs), so none is silently ignored.
Every message type is compared: the ones kept as "heard" records (binary 6/8/25/26 with DAC/FI, the
acknowledgements, link management …) on the fields both decoders print. Messages a reference decodes but
Seasight rejects (out of range, truncated) are checked against ``EXPECTED_NOT_DECODED``.
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
    12: {"dest_mmsi": ("dest_mmsi", int), "text": ("text", _text)},
    4: {"lat": POSITION_FIELDS["lat"], "lon": POSITION_FIELDS["lon"]},
    21: {
        "lat": POSITION_FIELDS["lat"],
        "lon": POSITION_FIELDS["lon"],
        "name": ("name", _text),
        "aid_type": ("aid_type", int),
    },
}


# Messages Seasight keeps as "heard" records (seasight.ais.heard): the fields both decoders print. gpsd
# prints 0 for an acknowledgement or interrogation slot the message does not carry; Seasight (pyais) null.
def _data_hex(value: Any) -> Any:
    """gpsd prints binary data as ``BITS:HEX`` (the hex may run past BITS with whatever bits followed);
    Seasight prints the hex, zero bits after the data. Compared bit for bit up to BITS (:func:`_same`)."""
    return value


def _bits(hex_text: str) -> str:
    return "".join(f"{int(c, 16):04b}" for c in hex_text)


def _same(key: str, expected: Any, got: Any, tolerance: float | None) -> bool:
    if key == "data" and isinstance(expected, str) and ":" in expected and isinstance(got, str):
        length, hex_text = expected.split(":", 1)
        n = int(length)
        return len(_bits(got)) >= n and _bits(hex_text)[:n] == _bits(got)[:n]
    if expected is None or got is None or tolerance is None:
        return bool(expected == got)
    return abs(float(expected) - float(got)) <= tolerance


def _zero_is_absent(value: Any) -> Any:
    return None if value == 0 else value


def _degrees(value: Any) -> Any:
    return float(value)  # gpsd prints the corners of 22 and 23 as text


HEARD_FIELDS: dict[int, dict[str, tuple[str, Convert]]] = {
    6: {"dest_mmsi": ("dest_mmsi", int), "dac": ("dac", int), "fid": ("fi", int), "data": ("data", _data_hex)},
    7: {f"mmsi{n}": (f"mmsi{n}", int if n == 1 else _zero_is_absent) for n in (1, 2, 3, 4)},
    8: {"dac": ("dac", int), "fid": ("fi", int), "data": ("data", _data_hex)},
    10: {"dest_mmsi": ("dest_mmsi", int)},
    11: {"lat": ("lat", float), "lon": ("lon", float)},
    13: {f"mmsi{n}": (f"mmsi{n}", int if n == 1 else _zero_is_absent) for n in (1, 2, 3, 4)},
    15: {"mmsi1": ("mmsi1", int), "type1_1": ("type1_1", int), "offset1_1": ("offset1_1", int)},
    16: {"mmsi1": ("mmsi1", int), "offset1": ("offset1", int), "increment1": ("increment1", int)},
    17: {"lat": ("lat", float), "lon": ("lon", float), "data": ("data", _data_hex)},
    20: {k: (k, int) for k in ("offset1", "number1", "timeout1", "increment1")},
    22: {
        **{k: (k, int) for k in ("channel_a", "channel_b", "txrx", "zonesize")},
        **{k: (k, _degrees) for k in ("ne_lon", "ne_lat", "sw_lon", "sw_lat")},
        "dest1": ("dest1", int),
        "dest2": ("dest2", int),
    },
    23: {
        **{k: (k, _degrees) for k in ("ne_lon", "ne_lat", "sw_lon", "sw_lat")},
        "stationtype": ("station_type", int),
        "shiptype": ("ship_type", int),
        "interval": ("interval", int),
        "quiet": ("quiet", int),
    },
    25: {
        "addressed": ("addressed", bool),
        "structured": ("structured", bool),
        "dest_mmsi": ("dest_mmsi", _zero_is_absent),
    },
    26: {
        "addressed": ("addressed", bool),
        "structured": ("structured", bool),
        "dest_mmsi": ("dest_mmsi", _zero_is_absent),
        "data": ("data", _data_hex),
    },
}
FIELDS.update(HEARD_FIELDS)
# Positions in degrees to 6 decimals (pyais, Seasight); gpsd prints 17's station to 1/10 degree and the
# corners of 22/23 to 6 decimals.
HEARD_TOLERANCE = {17: 0.05, 22: 2e-6, 23: 2e-6}


def seasight_decode(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run ``seasight decode FILE`` as a user would: decoded messages (stdout) and rejects (stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "seasight.app.cli", "decode", str(path)],
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
            if key == "data" and record.get("data_decoded"):
                continue  # pyais knew the application and printed its fields; gpsd printed the bits
            expected = convert(ref[ref_key])
            got = record.get(key)
            tolerance = TOLERANCE.get(key)
            if key in ("lat", "lon", "ne_lon", "ne_lat", "sw_lon", "sw_lat"):
                # Message 27 sends positions in 1/10 minute (1/600°): gpsd prints 4 decimals.
                tolerance = max(position_tolerance, 1 / 1200) if msg_type == 27 else position_tolerance
                tolerance = max(tolerance, HEARD_TOLERANCE.get(msg_type, 0.0))
            if not _same(key, expected, got, tolerance):
                differences.append(f"type {msg_type} mmsi {mmsi} {ref_key}: reference {expected!r}, seasight {got!r}")
    return differences, unpaired


def check_not_decoded(
    reference: list[dict[str, Any]],
    unpaired: Counter[int],
    rejected: list[dict[str, Any]],
    expected: dict[int, tuple[int, str]],
) -> None:
    """Every message type of ITU-R M.1371 has a record now (none is rejected as unsupported, none is left
    out of the comparison); the reference's messages Seasight rejects are exactly ``expected``."""
    assert all(ref["type"] in FIELDS for ref in reference)
    assert not [r for r in rejected if r["reason"] in ("unsupported_type", "no_position")]
    missing = {t: n for t, n in unpaired.items() if t in FIELDS}
    assert missing == {t: n for t, (n, _why) in expected.items()}


# -- gpsd ---------------------------------------------------------------------------------------------------

# Fields that differ from gpsd within the tolerances (after "@" ends six-bit text, as gpsd does, and
# message 14 text stops at the last whole character), and why.
_CUT_ACK = (
    "message 7 of 128 bits: its third acknowledged station has 24 of its 30 MMSI bits; gpsd fills the "
    "missing bits with zeros, Seasight prints null rather than a number the station never sent"
)
GPSD_KNOWN_DIFFERENCES: dict[str, str] = {
    "type 7 mmsi 655901842 mmsi3: reference 836359488, seasight None": _CUT_ACK,
    "type 7 mmsi 537411077 mmsi3: reference 76161024, seasight None": _CUT_ACK,
}

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
    # Every one of the 27 message types gpsd's capture holds is printed; 62 of its 97 messages (64 %) have
    # no position, static, safety or fixed-station record and are printed as heard (before: rejected).
    assert {r["msg_type"] for r in decoded} == {ref["type"] for ref in reference} == set(range(1, 28))
    heard = [r for r in decoded if r["record"] == "heard"]
    assert len(heard) == 62
    assert {r["msg_type"] for r in heard} == {6, 7, 8, 10, 11, 13, 15, 16, 17, 20, 22, 23, 25, 26}
    binary = [r for r in heard if r["msg_type"] in (6, 8)]
    assert len(binary) == 31 and all(isinstance(r["dac"], int) and isinstance(r["fi"], int) for r in binary)
    assert sum(1 for r in binary if r["data_decoded"]) > 0  # applications pyais knows, e.g. DAC 1 FI 31


# -- libais -------------------------------------------------------------------------------------------------

_ATON_NAME = "type 21 mmsi 852992994 name: reference '9%&//3*37-+P][`<RD^6', seasight \"9%&//3*37_+P]['<RD^6\""
LIBAIS_KNOWN_DIFFERENCES: dict[str, str] = {
    _ATON_NAME: (
        "the six-bit values 31 and 39 are '_' and \"'\" in ITU-R M.1371 table 47 (pyais, Seasight); "
        "libais prints '-' and '`' ('`' is not in the six-bit character set at all)"
    ),
    "type 23 mmsi 844285387 stationtype: reference 8, seasight 6": (
        "station type 8 is one of the codes 6-9 'regional use'; pyais 3.3 gives every one of them as 6"
    ),
}
_NOT_AN_MMSI = "out_of_range, rejected: the 30-bit source field holds {}, above 999999999 (no MMSI)"
LIBAIS_EXPECTED_NOT_DECODED: dict[int, tuple[int, str]] = {
    2: (1, "latitude -101.55: out_of_range, rejected (libais prints the raw value)"),
    9: (1, "SAR aircraft at latitude -99.42: out_of_range, rejected"),
    27: (1, "longitude 200.23: out_of_range, rejected"),
    15: (1, _NOT_AN_MMSI.format(1021648591)),
    17: (1, _NOT_AN_MMSI.format(1065113482)),
    26: (1, _NOT_AN_MMSI.format(1025342127)),
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
