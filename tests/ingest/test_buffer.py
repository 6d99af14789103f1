"""The ingest buffer on disk (ingest/buffer.py): numbering, torn frames, freeing what is stored, the bound,
orphans. Pure file work: no broker, no database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.buffer import (
    SEGMENT_BYTES,
    BufferError,
    BufferFullError,
    IngestBuffer,
    buffer_folders,
    held_by_a_running_process,
)
from seasight.kafka import buffer_number
from tracking.stored_through import StoredRun, stored_runs

pytestmark = pytest.mark.unit

BOUND = 2 * SEGMENT_BYTES


def test_records_are_numbered_per_topic_and_partition_from_one(tmp_path: Path) -> None:
    buffer = IngestBuffer.create(tmp_path, BOUND)
    numbers = [
        buffer.append("seasight.ais.position", 0, b"1", b"a"),
        buffer.append("seasight.ais.position", 1, b"2", b"b"),
        buffer.append("seasight.ais.position", 0, b"1", b"c"),
        buffer.append("seasight.sighting", 0, b"s", b"d"),
    ]
    assert numbers == [1, 1, 2, 1]
    assert buffer.pending() == 4
    after_first = buffer.records_after({("seasight.ais.position", 0): 1})
    assert [(r.topic, r.partition, r.seq, r.value) for r in after_first] == [("seasight.ais.position", 0, 2, b"c")]
    buffer.close()


def test_a_stored_buffer_frees_its_disk_and_its_folder(tmp_path: Path) -> None:
    buffer = IngestBuffer.create(tmp_path, BOUND)
    for i in range(100):
        buffer.append("t", i % 3, str(i).encode(), b"x" * 100)
    assert buffer.held_bytes() > 0
    buffer.mark_stored({("t", 0): 34, ("t", 1): 33, ("t", 2): 32})  # one short on partition 2
    assert buffer.pending() == 1
    assert buffer.held_bytes() > 0
    buffer.mark_stored({("t", 2): 33})
    assert buffer.pending() == 0
    assert buffer.held_bytes() == 0
    # numbering goes on after the freed segment
    assert buffer.append("t", 0, b"k", b"v") == 35
    buffer.mark_stored({("t", 0): 35})
    assert buffer.close() is True
    assert not buffer.folder.exists()


def test_a_torn_last_frame_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    buffer = IngestBuffer.create(tmp_path, BOUND)
    for i in range(10):
        buffer.append("t", 0, b"k", f"value {i}".encode())
    buffer.sync()
    segment = next(buffer.folder.glob("seg-*.log"))
    buffer.close(remove_if_stored=False)
    with segment.open("ab") as out:
        out.write(b"\x40\x00\x00\x00garbage")  # a frame cut short by a crash
    orphan = IngestBuffer.adopt(buffer.folder)
    assert orphan is not None
    kept = list(orphan.records_after({("t", 0): 0}))
    assert [r.value for r in kept] == [f"value {i}".encode() for i in range(10)]
    assert orphan.pending() == 10
    orphan.close(remove_if_stored=False)


def test_a_live_buffer_cannot_be_adopted_and_an_orphan_takes_no_new_records(tmp_path: Path) -> None:
    live = IngestBuffer.create(tmp_path, BOUND)
    live.append("t", 0, b"k", b"v")
    assert IngestBuffer.adopt(live.folder) is None  # locked by its process
    live.close(remove_if_stored=False)
    orphan = IngestBuffer.adopt(live.folder)
    assert orphan is not None
    with pytest.raises(BufferError, match="adopted"):
        orphan.append("t", 0, b"k", b"v")
    orphan.close(remove_if_stored=False)
    assert buffer_folders(tmp_path) == [live.folder]


def test_a_full_buffer_waits_then_says_the_tracker_stores_nothing(tmp_path: Path) -> None:
    buffer = IngestBuffer.create(tmp_path, BOUND)
    value = os.urandom(64 * 1024)
    with pytest.raises(BufferFullError, match="is full"):
        for _ in range(BOUND // len(value) + 10):
            buffer.append("t", 0, b"k", value, wait_s=0.2)
    assert buffer.held_bytes() >= BOUND
    held = buffer.pending()
    buffer.mark_stored({("t", 0): held})  # the tracker catches up: room again
    assert buffer.append("t", 0, b"k", value, wait_s=0.2) == held + 1
    buffer.close(remove_if_stored=False)


def test_the_buffer_bound_must_hold_two_segments(tmp_path: Path) -> None:
    with pytest.raises(BufferError, match="below two segments"):
        IngestBuffer.create(tmp_path, SEGMENT_BYTES)


def test_the_incarnations_and_the_close_are_recorded(tmp_path: Path) -> None:
    buffer = IngestBuffer.create(tmp_path, BOUND)
    assert buffer.closed_cleanly() is None  # not closed yet: a crash would look like this
    buffer.sent_to("seasight-a")
    buffer.sent_to("seasight-a")
    buffer.sent_to("seasight-b")
    buffer.record_close(3)
    assert buffer.incarnations() == ["seasight-a", "seasight-b"]
    assert buffer.closed_cleanly() is False
    buffer.record_close(0)
    assert buffer.closed_cleanly() is True
    buffer.close(remove_if_stored=False)


def test_headers_give_the_buffer_and_number_or_nothing() -> None:
    assert buffer_number([("seasight-buffer", b"b1"), ("seasight-seq", b"42")]) == ("b1", 42)
    assert buffer_number([("seasight-seq", b"42")]) is None
    assert buffer_number([("seasight-buffer", b"b1"), ("seasight-seq", b"x")]) is None
    assert buffer_number([("seasight-buffer", b"b1"), ("seasight-seq", b"0")]) is None
    assert buffer_number(None) is None


def test_runs_stop_at_the_first_missing_number() -> None:
    runs = stored_runs(
        {
            ("b", "t", 0): [5, 3, 4, 4, 9, 10],  # repeats and a break after 5
            ("b", "t", 1): [7],
            ("b", "t", 2): [],
        }
    )
    assert runs == [StoredRun("b", "t", 0, 3, 5, 10), StoredRun("b", "t", 1, 7, 7, 7)]


def test_a_running_publishers_broker_state_is_read_from_its_folder(tmp_path: Path) -> None:
    from ingest.publish import describe_publisher, running_publishers

    buffer = IngestBuffer.create(tmp_path, BOUND)
    buffer.sent_to("cluster-1")
    buffer.record_broker_state(away_since=1_764_000_000.0, kept=42, at=1_764_000_060.0)
    assert held_by_a_running_process(buffer.folder)
    (state,) = running_publishers(tmp_path)
    assert (state.buffer_id, state.pid, state.kept) == (buffer.buffer_id, os.getpid(), 42)
    assert state.broker_away_since is not None and state.broker_away_since.isoformat() == "2025-11-24T16:00:00+00:00"
    assert describe_publisher(state) == (
        f"publisher {buffer.buffer_id} (pid {os.getpid()}): broker away since 2025-11-24T16:00:00Z, "
        "42 record(s) kept on disk (as of 2025-11-24T16:01:00Z)"
    )
    assert buffer.incarnations() == ["cluster-1"]  # one meta file, every field kept
    buffer.record_broker_state(away_since=None, kept=0, at=1_764_000_120.0)
    assert "broker answering, 0 record(s)" in describe_publisher(running_publishers(tmp_path)[0])
    buffer.append("t", 0, b"k", b"v")
    buffer.close(remove_if_stored=False)
    assert not held_by_a_running_process(buffer.folder)
    assert running_publishers(tmp_path) == []  # an orphan is not a running publisher
