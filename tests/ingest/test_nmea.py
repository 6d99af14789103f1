"""Line parsing and multi-sentence reassembly (ingest/nmea.py): hand-built sentences, exact expectations."""

from __future__ import annotations

import functools
import operator

import pytest

from ingest.nmea import (
    FragmentBuffer,
    GatehouseStamp,
    LineProblem,
    ReassemblyLimits,
    Sentence,
    parse_line,
)

# gpsd test/sample.aivdm, type 1 (MMSI 371798000).
SINGLE = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
# pyais tests/ais_test_messages: a two-sentence message 5.
PART1 = b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C"
PART2 = b"!AIVDM,2,2,1,A,88888888880,2*25"


def with_checksum(body: bytes, start: bytes = b"!") -> bytes:
    return start + body + b"*%02X" % functools.reduce(operator.xor, body, 0)


def test_single_sentence_fields() -> None:
    s = parse_line(SINGLE)
    assert isinstance(s, Sentence)
    assert (s.fragment_count, s.fragment_number, s.channel, s.fill_bits, s.checksum) == (1, 1, "A", 0, "4A")
    assert s.payload == b"15RTgt0PAso;90TKcjM8h6g208CQ" and not s.own_ship and s.feed_time_s is None


def test_bad_checksum_is_rejected_not_decoded() -> None:
    problem = parse_line(SINGLE[:-2] + b"4B")
    assert problem == LineProblem("checksum", "NMEA checksum does not match")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (SINGLE[:-3], "truncated"),  # no checksum
        (b"!AIVDM,1,1,,A,15RTgt0P", "truncated"),
        (with_checksum(b"AIVDM,1,1,,A,15RT"), "truncated"),  # 6 fields
        (with_checksum(b"AIVDM,1,1,,A,15RT{}gt,0"), "undecodable_payload"),
        (with_checksum(b"AIVDM,3,4,,A,15RT,0"), "malformed"),
        (with_checksum(b"AIVDM,1,1,,A,15RT,7"), "malformed"),
        (with_checksum(b"AIVDM,1,1,,A,,0"), "truncated"),
        (with_checksum(b"GPGGA,184353.07,1929.045,S", b"$"), "not_ais"),
        (b"IamNotAnAisMessage1111", "not_ais"),
        (b"\\s:rcv1,c:1635731889*00\\" + SINGLE, "checksum"),
        (b"\\s:rcv1,c:1635731889" + SINGLE, "truncated"),
    ],
)
def test_problems_have_reasons(line: bytes, reason: str) -> None:
    result = parse_line(line)
    assert isinstance(result, LineProblem), result
    assert result.reason == reason


def test_blank_and_comment_lines_carry_nothing() -> None:
    assert parse_line(b"") is None
    assert parse_line(b"   ") is None
    assert parse_line(b"# a comment") is None


def test_tag_block_time_station_group() -> None:
    tag = b"g:1-2-3454,s:41925,c:1635731893"
    line = b"\\" + tag + b"*%02X\\" % functools.reduce(operator.xor, tag, 0) + PART1
    s = parse_line(line)
    assert isinstance(s, Sentence)
    assert (s.feed_time_s, s.source_station, s.group) == (1635731893.0, "41925", "3454")


def test_tag_block_time_in_milliseconds() -> None:
    tag = b"s:x,c:1635731893500"
    s = parse_line(b"\\" + tag + b"*%02X\\" % functools.reduce(operator.xor, tag, 0) + SINGLE)
    assert isinstance(s, Sentence) and s.feed_time_s == pytest.approx(1635731893.5)


def test_gatehouse_wrapper_times_the_next_sentence() -> None:
    # DMA AisLib stream_example.txt, lines 1-2.
    stamp = parse_line(b"$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B")
    assert stamp == GatehouseStamp(1276256771.39, "992190934", "2B")
    s = parse_line(b"!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B", stamp)
    assert isinstance(s, Sentence)
    assert s.feed_time_s == pytest.approx(1276256771.39) and s.source_station == "992190934"
    # A wrapper naming another sentence's checksum is not applied.
    other = parse_line(SINGLE, stamp)
    assert isinstance(other, Sentence) and other.feed_time_s is None


def test_trailing_uscg_time() -> None:
    # libais typeexamples.nmea, first line: the last trailer field is the receiver's UNIX time.
    line = (
        b"!AIVDM,1,1,,A,403Ovl@000Htt<tSF0l4Q@100`Pq,0*28,d-109,S2105,t050056.00,T56.13718694,"
        b"r003669946,1325394060,1325394001"
    )
    s = parse_line(line)
    assert isinstance(s, Sentence) and s.feed_time_s == 1325394001.0


def _sentence(line: bytes) -> Sentence:
    s = parse_line(line)
    assert isinstance(s, Sentence)
    return s


def test_reassembly_in_order_and_reversed() -> None:
    for order in ((PART1, PART2), (PART2, PART1)):
        buffer = FragmentBuffer()
        first, evicted = buffer.add(_sentence(order[0]), 0.0)
        assert first is None and not evicted and len(buffer) == 1
        done, evicted = buffer.add(_sentence(order[1]), 0.1)
        assert done is not None and [s.fragment_number for s in done] == [1, 2]
        assert not evicted and len(buffer) == 0


def test_fragments_expire_after_ttl() -> None:
    buffer = FragmentBuffer(ReassemblyLimits(max_pending=10, ttl_s=5))
    buffer.add(_sentence(PART1), 0.0)
    assert buffer.expire(4.9) == []
    evicted = buffer.expire(5.1)
    assert len(evicted) == 1 and evicted[0][0].fragment_number == 1 and len(buffer) == 0


def test_pending_fragments_are_bounded() -> None:
    buffer = FragmentBuffer(ReassemblyLimits(max_pending=3, ttl_s=60))
    evicted_total = 0
    for seq in range(10):
        line = with_checksum(b"AIVDM,2,1,%d,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn22,0" % seq)
        _, evicted = buffer.add(_sentence(line), 0.0)
        evicted_total += len(evicted)
        assert len(buffer) <= 3
    assert evicted_total == 7


def test_repeated_fragment_starts_a_new_message() -> None:
    buffer = FragmentBuffer()
    buffer.add(_sentence(PART1), 0.0)
    done, evicted = buffer.add(_sentence(PART1), 0.1)
    assert done is None and len(evicted) == 1 and len(buffer) == 1


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="max_pending"):
        ReassemblyLimits(max_pending=0)
    with pytest.raises(ValueError, match="ttl_s"):
        ReassemblyLimits(ttl_s=0)


def test_sentences_and_tag_blocks_longer_than_the_standard_are_rejected_as_too_long() -> None:
    from ingest.nmea import MAX_SENTENCE_CHARS

    longest_payload = b"1" * (MAX_SENTENCE_CHARS - len(b"!AIVDM,1,1,,A,,0*00"))
    fits = parse_line(with_checksum(b"AIVDM,1,1,,A," + longest_payload + b",0"))
    assert isinstance(fits, Sentence) and len(fits.raw) == MAX_SENTENCE_CHARS
    too_long = parse_line(with_checksum(b"AIVDM,1,1,,A," + longest_payload + b"1,0"))
    assert isinstance(too_long, LineProblem) and too_long.reason == "too_long" and "IEC 61162-1" in too_long.detail
    assert MAX_SENTENCE_CHARS == 188
    huge = parse_line(with_checksum(b"AIVDM,1,1,,A," + b"1" * 10_000 + b",0"))  # valid checksum, 10,000 chars
    assert isinstance(huge, LineProblem) and huge.reason == "too_long"

    tag = b"s:" + b"x" * 75 + b",c:1635731893"
    line = b"\\" + tag + b"*%02X\\" % functools.reduce(operator.xor, tag, 0) + SINGLE
    problem = parse_line(line)
    assert isinstance(problem, LineProblem) and problem.reason == "too_long" and "tag block" in problem.detail
