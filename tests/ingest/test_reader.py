"""The AIS reader and decoder on hand-built and real sentences: records, units, nulls, merging, rejects."""

from __future__ import annotations

import functools
import operator
from datetime import UTC, datetime, timedelta

import pytest
from pyais import encode_dict

from ingest.ais import AisReader, Decoded, Outcome, Rejected
from ingest.decode import StaticMerger, mmsi_device
from seasight.schemas import FixedStationReport, HeardReport, PositionReport, SafetyBroadcast, StaticVoyageReport

RECEIVED = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def read(*lines: bytes | str, station: str | None = "rcv") -> list[Outcome]:
    reader = AisReader("test", station)
    out: list[Outcome] = []
    for line in lines:
        out += reader.feed_line(line.encode() if isinstance(line, str) else line, RECEIVED)
    return out + reader.finish(RECEIVED)


def records(*lines: bytes | str) -> list[object]:
    return [r for o in read(*lines) if isinstance(o, Decoded) for r in o.records]


def only_reject(*lines: bytes | str) -> Rejected:
    out = read(*lines)
    assert len(out) == 1 and isinstance(out[0], Rejected), out
    return out[0]


def encode(fields: dict[str, str | int | float | bytes | bool]) -> str:
    (sentence,) = encode_dict(fields, talker_id="AI", sentence_type="VDM")
    return sentence


def test_class_a_position_in_degrees_and_knots() -> None:
    # gpsd sample.aivdm type 1: 48.38163333 N, 123.39538333 W, 12.3 kn, 224.0°, heading 215, status 0.
    (report,) = records("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A")
    assert isinstance(report, PositionReport)
    assert (report.mmsi, report.msg_type, report.nav_status, report.heading_deg) == (371798000, 1, 0, 215)
    assert report.lat == pytest.approx(48.381633, abs=1e-6) and report.lon == pytest.approx(-123.395383, abs=1e-6)
    assert (report.sog_kn, report.cog_deg) == (12.3, 224.0)
    assert report.observed_at == report.received_at == RECEIVED and report.station == "rcv"


def test_not_available_values_become_null() -> None:
    (report,) = records(
        encode(
            {
                "type": 1,
                "mmsi": 525000001,
                "lat": -6.1,
                "lon": 106.8,
                "speed": 102.3,
                "course": 360,
                "heading": 511,
                "status": 15,
            }
        )
    )
    assert isinstance(report, PositionReport)
    assert (report.sog_kn, report.cog_deg, report.heading_deg, report.nav_status) == (None, None, None, 15)


@pytest.mark.parametrize("msg_type", [1, 9, 18, 27])
def test_position_not_available_is_heard_without_a_position(msg_type: int) -> None:
    (heard,) = records(encode({"type": msg_type, "mmsi": 525000001, "lat": 91, "lon": 181, "speed": 4.0}))
    assert isinstance(heard, HeardReport)  # counted as decoded, never as a position to move the vessel to
    assert (heard.mmsi, heard.msg_type, heard.observed_at, heard.station) == (525000001, msg_type, RECEIVED, "rcv")
    assert heard.fields["lat"] is None and heard.fields["lon"] is None
    assert heard.fields["sog"] == 4.0 and "speed" not in heard.fields


def test_position_not_available_with_static_part_gives_heard_and_static() -> None:
    heard, static = records(
        encode({"type": 19, "mmsi": 525000002, "lat": 91, "lon": 181, "shipname": "BINTANG LAUT", "ship_type": 30})
    )
    assert isinstance(heard, HeardReport) and isinstance(static, StaticVoyageReport)
    assert static.shipname == "BINTANG LAUT"


def test_binary_broadcast_is_heard_with_dac_and_fi() -> None:
    (heard,) = records("!AIVDM,1,1,,B,803Ovrh0EP:024`@02PN04da=3V<>N0000,4*39")
    assert isinstance(heard, HeardReport) and heard.msg_type == 8
    # DAC 1 FI 22, an area notice (IMO SN.1/Circ.289) that pyais decodes into its fields
    assert (heard.dac, heard.fi, heard.fields["data_decoded"]) == (1, 22, True)
    assert (heard.fields["month"], heard.fields["day"], heard.fields["duration"]) == (1, 1, 20)


def test_addressed_binary_keeps_destination_and_data() -> None:
    (heard,) = records(
        encode({"type": 6, "mmsi": 533000001, "dest_mmsi": 525000003, "dac": 235, "fid": 10, "data": b"\x44\x80"})
    )
    assert isinstance(heard, HeardReport)
    assert (heard.dac, heard.fi, heard.fields["dest_mmsi"]) == (235, 10, 525000003)
    assert heard.fields["data"].startswith("4480") and heard.fields["data_decoded"] is False
    assert "fid" not in heard.fields and "dac" not in heard.fields  # once, as HeardReport.dac / .fi


def test_addressed_safety_text_is_a_safety_record_with_its_addressee() -> None:
    (text,) = records(encode({"type": 12, "mmsi": 533000001, "dest_mmsi": 525000003, "text": "MAYDAY SINKING"}))
    assert isinstance(text, SafetyBroadcast)
    assert (text.msg_type, text.text, text.dest_mmsi) == (12, "MAYDAY SINKING", 525000003)


def test_acknowledgement_cut_short_gives_no_guessed_station() -> None:
    # gpsd sample.aivdm: message 7 of 128 bits acknowledges two whole stations and 24 bits of a third
    (ack,) = records("!AIVDM,1,1,,A,7IiQ4T`UjA9lC;b:M<MWE@,4*01")
    assert isinstance(ack, HeardReport) and ack.msg_type == 7
    assert (ack.fields["mmsi1"], ack.fields["mmsi2"], ack.fields["mmsi3"]) == (158483613, 321823389, None)


def test_dgnss_reference_station_south_of_the_equator() -> None:
    # gpsd sample.aivdm message 17: gpsd prints lon 134.4, lat -44.7 (pyais reads the fields unsigned)
    (dgnss,) = records("!AIVDM,1,1,1,A,A;wUJKU>io;WlWuwH`W1PpnuN<isf;5iHtOM1S6q?vsvNrNGOqLcr5mfD6t,2*51")
    assert isinstance(dgnss, HeardReport) and dgnss.msg_type == 17
    assert dgnss.fields["lat"] == pytest.approx(-44.697, abs=1e-3)
    assert dgnss.fields["lon"] == pytest.approx(134.448, abs=1e-3)


def test_long_range_message_27() -> None:
    (report,) = records(
        encode(
            {
                "type": 27,
                "mmsi": 567000001,
                "lat": 13.5,
                "lon": 98.25,
                "speed": 63,
                "course": 511,
                "status": 7,
            }
        )
    )
    assert isinstance(report, PositionReport)
    assert (report.lat, report.lon, report.sog_kn, report.cog_deg, report.nav_status) == (
        13.5,
        98.25,
        None,
        None,
        7,
    )


def test_class_b_extended_19_gives_position_and_static() -> None:
    position, static = records(
        encode(
            {
                "type": 19,
                "mmsi": 533000001,
                "lat": 3.1,
                "lon": 100.5,
                "speed": 5.5,
                "course": 90,
                "heading": 88,
                "shipname": "NELAYAN 7",
                "ship_type": 30,
                "to_bow": 5,
                "to_stern": 7,
                "to_port": 2,
                "to_starboard": 2,
            }
        )
    )
    assert isinstance(position, PositionReport) and isinstance(static, StaticVoyageReport)
    assert (position.sog_kn, position.heading_deg, position.nav_status) == (5.5, 88, None)
    assert (static.shipname, static.ship_type, static.to_bow_m, static.to_stern_m) == ("NELAYAN 7", 30, 5, 7)


def test_static_and_voyage_5_over_two_sentences() -> None:
    # pyais tests/ais_test_messages: MMSI 351759000 EVER DIADEM, IMO 9134270, NEW YORK, draught 12.2 m.
    (static,) = records(
        "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
        "!AIVDM,2,2,1,A,88888888880,2*25",
    )
    assert isinstance(static, StaticVoyageReport)
    assert (static.imo, static.callsign, static.shipname, static.ship_type) == (
        9134270,
        "3FOF8",
        "EVER DIADEM",
        70,
    )
    assert (static.destination, static.draught_m, static.eta) == ("NEW YORK", 12.2, "05-15T14:00")


def test_24a_and_24b_merge_per_mmsi() -> None:
    # gpsd sample.aivdm: MMSI 271041815 part A "PROGUY", part B type 60, call sign TC6163.
    part_a, part_b = records(
        "!AIVDM,1,1,,A,H42O55i18tMET00000000000000,2*6D", "!AIVDM,1,1,,A,H42O55lti4hhhilD3nink000?050,0*40"
    )
    assert isinstance(part_a, StaticVoyageReport) and isinstance(part_b, StaticVoyageReport)
    assert (part_a.shipname, part_a.callsign, part_a.ship_type) == ("PROGUY", None, None)
    assert (part_b.shipname, part_b.callsign, part_b.ship_type) == ("PROGUY", "TC6163", 60)
    assert (part_b.to_stern_m, part_b.to_starboard_m) == (15, 5)


def test_static_merger_is_bounded() -> None:
    merger = StaticMerger(max_vessels=2)

    class Part:
        def __init__(self, mmsi: int) -> None:
            self.mmsi, self.partno, self.shipname = mmsi, 0, "X"

    for mmsi in range(10):
        merger.merge(Part(mmsi))
    assert len(merger) == 2


def test_sart_active_is_a_safety_broadcast_from_a_sart() -> None:
    (broadcast,) = records(encode({"type": 14, "mmsi": 970012345, "text": "SART ACTIVE"}))
    assert isinstance(broadcast, SafetyBroadcast)
    assert (broadcast.text, broadcast.device) == ("SART ACTIVE", "ais_sart")
    assert mmsi_device(972000001) == "man_overboard" and mmsi_device(974000001) == "epirb_ais"
    assert mmsi_device(525000001) is None


def test_base_station_and_aid_to_navigation() -> None:
    # gpsd sample.aivdm: base station 3669702 (36.8837667 N, 76.3523617 W, 2007-05-14T19:57:39Z).
    (station,) = records("!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D")
    assert isinstance(station, FixedStationReport) and station.kind == "base_station"
    assert station.station_time == datetime(2007, 5, 14, 19, 57, 39, tzinfo=UTC)
    assert station.lat == pytest.approx(36.883767, abs=1e-6)
    aton = records(
        encode(
            {
                "type": 21,
                "mmsi": 995251234,
                "aid_type": 20,
                "name": "BUOY NORTH",
                "lat": -8.5,
                "lon": 115.3,
                "virtual_aid": True,
            }
        )
    )
    assert isinstance(aton[0], FixedStationReport)
    assert (aton[0].kind, aton[0].name, aton[0].aid_type, aton[0].virtual_aid) == (
        "aid_to_navigation",
        "BUOY NORTH",
        20,
        True,
    )


def _tagged(tag: str, sentence: str) -> str:
    checksum = functools.reduce(operator.xor, tag.encode(), 0)
    return f"\\{tag}*{checksum:02X}\\{sentence}"


def test_tag_block_time_and_station_take_precedence() -> None:
    line = _tagged("s:rORBCOMM104,c:1418172113", "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A")
    (report,) = records(line)
    assert isinstance(report, PositionReport)
    assert report.observed_at == datetime(2014, 12, 10, 0, 41, 53, tzinfo=UTC)
    assert report.station == "rORBCOMM104" and report.received_at == RECEIVED


def test_implausible_feed_time_falls_back_to_receive_time() -> None:
    future = int((RECEIVED + timedelta(days=30)).timestamp())
    (report,) = records(_tagged(f"c:{future}", "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"))
    assert isinstance(report, PositionReport) and report.observed_at == RECEIVED


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B", "checksum"),
        ("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6,0*05", "truncated"),
        ("!AIVDM,1,1,,A,`5RTgt0PAso;90TKcjM8h6g208CQ,0*1B", "unknown_type"),
        ("$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D", "not_ais"),
    ],
)
def test_rejections_carry_reason_raw_text_and_station(line: str, reason: str) -> None:
    out = read(line)
    rejected = [o for o in out if isinstance(o, Rejected)]
    assert len(rejected) == 1 and rejected[0].rejection.reason == reason
    assert rejected[0].rejection.raw == line and rejected[0].rejection.station == "rcv"
    assert rejected[0].rejection.received_at == RECEIVED


def test_orphan_fragment_is_rejected_at_the_end() -> None:
    rejected = only_reject("!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C")
    assert rejected.rejection.reason == "orphan_fragment" and rejected.lines == 1


def test_out_of_order_share_in_the_ledger() -> None:
    reader = AisReader("order", None)
    sentence = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
    for t in (1418172113, 1418172115, 1418172114, 1418172116):
        reader.feed_line(_tagged(f"c:{t}", sentence).encode(), RECEIVED)
    health = reader.ledger.snapshot(RECEIVED + timedelta(seconds=1))
    assert health.messages_decoded == 4 and health.out_of_order_share == 0.25


def test_a_record_its_schema_refuses_is_rejected_not_published() -> None:
    # The 30-bit MMSI field can hold 1,072,211,352 (seen in the real MarineCadastre day); an MMSI has
    # nine digits (ITU-R M.585), so the consumer's schema would refuse it: ingest rejects it instead.
    rejected = only_reject(encode({"type": 1, "mmsi": 1_072_211_352, "lat": 33.6, "lon": -117.9}))
    assert rejected.rejection.reason == "out_of_range" and "mmsi" in rejected.rejection.detail


def test_payloads_longer_than_their_message_allows_are_rejected_as_too_long() -> None:
    from ingest.decode import MAX_SLOT_BITS, decode_payload

    position = encode_dict({"type": 1, "mmsi": 366053209, "lat": 9.1, "lon": 95.3}, talker_id="AI")[0]
    payload = position.split(",")[5].encode()
    assert not hasattr(decode_payload(payload, 0), "reason")  # 168 bits: a message 1
    assert not hasattr(decode_payload(payload + b"0" * 2, 0), "reason")  # padded (real transponders do)
    five_slots = b"8" + b"0" * (MAX_SLOT_BITS // 6 - 1)
    assert getattr(decode_payload(five_slots, 0), "reason", None) != "too_long"
    binary = decode_payload(five_slots + b"0", 0)  # a message 8 longer than five slots
    assert binary.reason == "too_long" and "1014 bits" in binary.detail
    position_too_long = decode_payload(payload + b"0" * 200, 0)
    assert position_too_long.reason == "too_long"
