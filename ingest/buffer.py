"""The ingest buffer: what a publisher accepted, kept on disk until the tracker's PostGIS commit covers it.

Why: the embedded broker (Tansu, memory storage) loses every record when it restarts, and a broker's
acknowledgement (acks=all) is then no promise at all. So the pipeline is acknowledged end to end, as log
shippers (Vector's disk buffers, Fluent Bit's filesystem storage) do it: every record a publisher sends is
first appended here, numbered, and kept until the tracker says it is stored; after a broker restart whatever
is not yet stored is sent again. Idempotent writes in the tracker make the repeats harmless.

Numbering. Records are numbered per (topic, partition) from 1, in send order, and carry the buffer's id and
their number in two Kafka headers (:data:`seasight.kafka.HEADER_BUFFER`, ``HEADER_SEQ``). A partition keeps one
producer's order, so the tracker sees each partition's numbers rising. In the transaction that stores a
batch it advances a **stored-through mark** per (buffer, topic, partition) — only over an unbroken run
from the mark, so a record lost in between holds the mark back instead of being passed over
(``seasight/migrations/0062_ingest_stored_through.sql``). Everything at or below the mark is stored in
PostGIS; this module then deletes the segments holding nothing newer.

On disk, one folder per publisher process (``<stack>/ingest-buffer/<buffer id>/``), locked by that process
while it runs (an unlocked folder is an orphan: its process ended, maybe with records not yet stored), made of
segment files of frames::

    u32 body length | u32 CRC-32 of the body | body
    body = u64 number | u16 partition | u8 topic length | u16 key length | topic | key | value

A frame cut short by a crash fails its length or CRC and is dropped when the folder is next opened: it was
never acknowledged to anyone (the publisher acknowledges only after it is written and flushed). The folder's
size is bounded (``max_bytes``): a full buffer makes :meth:`IngestBuffer.append` wait for the tracker to
catch up (back-pressure on the feeds), never drop.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestError

log = logging.getLogger("seasight.ingest.buffer")

SEGMENT_BYTES = 8 * 1024 * 1024
"""A segment file is closed and a new one begun past this size (bytes): the unit in which disk is freed."""

_FRAME = struct.Struct("<II")
_BODY = struct.Struct("<QHBH")
_MAX_TOPIC = 255
_MAX_KEY = 65_535

TopicPartitionKey = tuple[str, int]


class BufferError(IngestError):
    """The ingest buffer cannot take or give back records (named folder and cause)."""


class BufferFullError(BufferError):
    """The buffer stayed full for longer than the caller would wait: the tracker is not storing records."""


@dataclass(frozen=True, slots=True)
class BufferedRecord:
    """One record as kept: where it goes and its number there."""

    topic: str
    partition: int
    seq: int
    key: bytes
    value: bytes


@dataclass
class _Segment:
    path: Path
    size: int = 0
    last_seq: dict[TopicPartitionKey, int] = field(default_factory=dict)
    records: int = 0


def _encode(record: BufferedRecord) -> bytes:
    topic = record.topic.encode()
    if len(topic) > _MAX_TOPIC:
        raise BufferError(f"topic name of {len(topic)} bytes is longer than {_MAX_TOPIC}")
    if len(record.key) > _MAX_KEY:
        raise BufferError(f"record key of {len(record.key)} bytes is longer than {_MAX_KEY}")
    body = _BODY.pack(record.seq, record.partition, len(topic), len(record.key)) + topic + record.key + record.value
    return _FRAME.pack(len(body), zlib.crc32(body)) + body


def read_segment(path: Path) -> tuple[list[BufferedRecord], int]:
    """The whole frames of one segment file, and the byte length they take (a torn tail is not counted)."""
    data = path.read_bytes()
    records: list[BufferedRecord] = []
    at = 0
    while at + _FRAME.size <= len(data):
        length, crc = _FRAME.unpack_from(data, at)
        start = at + _FRAME.size
        body = data[start : start + length]
        if len(body) < length or length < _BODY.size or zlib.crc32(body) != crc:
            break
        seq, partition, topic_len, key_len = _BODY.unpack_from(body)
        o = _BODY.size
        topic = body[o : o + topic_len].decode()
        key = body[o + topic_len : o + topic_len + key_len]
        value = body[o + topic_len + key_len :]
        records.append(BufferedRecord(topic, partition, seq, key, value))
        at = start + length
    return records, at


class IngestBuffer:
    """One publisher's buffer folder (see the module docstring). Thread-safe."""

    def __init__(self, folder: Path, max_bytes: int, lock_fd: int, adopted: bool = False) -> None:
        self.folder = folder
        self.buffer_id = folder.name
        self.max_bytes = max_bytes
        self.adopted = adopted  # an orphan taken over to re-send or delete, not one being written to
        self._lock_fd = lock_fd
        self._segments: list[_Segment] = []
        self._next_seq: dict[TopicPartitionKey, int] = {}
        self._stored: dict[TopicPartitionKey, int] = {}
        self._writer: _Segment | None = None
        self._file: object = None
        self._mutex = threading.Condition()
        self._meta_lock = threading.Lock()  # meta.json is read, changed and replaced as one step
        self._load()

    # -- opening ----------------------------------------------------------------------------------------

    @classmethod
    def create(cls, root: Path, max_bytes: int) -> IngestBuffer:
        """A new buffer folder under ``root`` for this process, locked until :meth:`close`."""
        if max_bytes < 2 * SEGMENT_BYTES:
            raise BufferError(f"ingest buffer bound {max_bytes} bytes is below two segments ({2 * SEGMENT_BYTES})")
        folder = root / f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise BufferError(f"cannot create the ingest buffer {folder}: {exc}") from exc
        fd = _lock(folder)
        assert fd is not None  # a folder made just now is locked by nobody else
        meta = {"buffer_id": folder.name, "incarnations": [], "pid": os.getpid()}
        (folder / "meta.json").write_text(json.dumps(meta))
        return cls(folder, max_bytes, fd)

    @classmethod
    def adopt(cls, folder: Path) -> IngestBuffer | None:
        """An orphan folder (its process has ended), locked for this process; None if a live process holds it."""
        try:
            fd = _lock(folder)
        except FileNotFoundError:
            return None
        if fd is None:
            return None
        return cls(folder, 0, fd, adopted=True)

    def _load(self) -> None:
        for path in sorted(self.folder.glob("seg-*.log")):
            records, whole = read_segment(path)
            size = path.stat().st_size
            if whole < size:
                log.warning("ingest buffer %s: dropping a torn frame at the end of %s", self.buffer_id, path.name)
                with path.open("r+b") as out:
                    out.truncate(whole)
            segment = _Segment(path, whole, records=len(records))
            for r in records:
                tp = (r.topic, r.partition)
                segment.last_seq[tp] = max(segment.last_seq.get(tp, 0), r.seq)
                self._next_seq[tp] = max(self._next_seq.get(tp, 1), r.seq + 1)
            self._segments.append(segment)

    # -- writing ----------------------------------------------------------------------------------------

    def append(self, topic: str, partition: int, key: bytes, value: bytes, wait_s: float | None = None) -> int:
        """Keep one record and return its number; wait (up to ``wait_s``; None: as long as it takes) while
        the buffer is full. Raises :class:`BufferFullError` when the wait runs out."""
        if self.adopted:
            raise BufferError(f"ingest buffer {self.buffer_id} was adopted to re-send; it takes no new records")
        with self._mutex:
            deadline = None if wait_s is None else time.monotonic() + wait_s
            warned = False
            while self.held_bytes() >= self.max_bytes:
                if not warned:
                    log.warning(
                        "ingest buffer %s is full (%d MB): waiting for the tracker to store records",
                        self.buffer_id,
                        self.max_bytes // 2**20,
                    )
                    warned = True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise BufferFullError(
                        f"ingest buffer {self.buffer_id} is full ({self.max_bytes // 2**20} MB) and the tracker "
                        "stored nothing for "
                        f"{wait_s:.0f} s"
                    )
                self._mutex.wait(timeout=1.0 if remaining is None else min(1.0, remaining))
            tp = (topic, partition)
            seq = self._next_seq.get(tp, 1)
            frame = _encode(BufferedRecord(topic, partition, seq, key, value))
            segment = self._writable()
            segment_file = self._file
            segment_file.write(frame)  # type: ignore[attr-defined]
            segment.size += len(frame)
            segment.records += 1
            segment.last_seq[tp] = seq
            self._next_seq[tp] = seq + 1
            return seq

    def _writable(self) -> _Segment:
        if self._writer is not None and self._writer.size < SEGMENT_BYTES:
            return self._writer
        self._close_file()
        number = int(self._segments[-1].path.stem.split("-")[1]) + 1 if self._segments else 1
        segment = _Segment(self.folder / f"seg-{number:06d}.log")
        self._file = segment.path.open("ab", buffering=256 * 1024)
        self._segments.append(segment)
        self._writer = segment
        return segment

    def sync(self) -> None:
        """Write what is held in memory to disk and fsync it (before the publisher acknowledges anything)."""
        with self._mutex:
            if self._file is not None:
                self._file.flush()  # type: ignore[attr-defined]
                os.fsync(self._file.fileno())  # type: ignore[attr-defined]

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.flush()  # type: ignore[attr-defined]
            os.fsync(self._file.fileno())  # type: ignore[attr-defined]
            self._file.close()  # type: ignore[attr-defined]
            self._file = None
        self._writer = None

    # -- what the tracker has stored ----------------------------------------------------------------------

    def mark_stored(self, marks: dict[TopicPartitionKey, int]) -> int:
        """Take the tracker's stored-through marks; delete every segment they cover whole. Returns the number
        of segments deleted."""
        with self._mutex:
            for tp, through in marks.items():
                if through > self._stored.get(tp, 0):
                    self._stored[tp] = through
            deleted = 0
            for segment in list(self._segments):
                if segment is self._writer:
                    continue
                if all(self._stored.get(tp, 0) >= last for tp, last in segment.last_seq.items()):
                    segment.path.unlink(missing_ok=True)
                    self._segments.remove(segment)
                    deleted += 1
            if self._writer is not None and self._writer.records and self.pending() == 0:
                # everything written so far is stored: start a fresh segment and free the old one
                old = self._writer
                self._close_file()
                old.path.unlink(missing_ok=True)
                self._segments.remove(old)
                deleted += 1
            if deleted:
                self._mutex.notify_all()
            return deleted

    def stored(self) -> dict[TopicPartitionKey, int]:
        with self._mutex:
            return dict(self._stored)

    def pending(self) -> int:
        """Records held that the tracker has not yet stored."""
        with self._mutex:
            return sum(max(0, n - 1 - self._stored.get(tp, 0)) for tp, n in self._next_seq.items())

    def pending_by_partition(self) -> dict[TopicPartitionKey, tuple[int, int]]:
        """(stored through, last numbered) of every (topic, partition) with records not yet stored."""
        with self._mutex:
            return {
                tp: (self._stored.get(tp, 0), n - 1)
                for tp, n in self._next_seq.items()
                if n - 1 > self._stored.get(tp, 0)
            }

    def held_bytes(self) -> int:
        return sum(s.size for s in self._segments)

    def records_after(self, after: dict[TopicPartitionKey, int]) -> Iterator[BufferedRecord]:
        """Every record held whose number is above ``after`` for its (topic, partition) — in the order they
        were first sent (the order to send them again in). Partitions missing from ``after`` give nothing."""
        with self._mutex:
            if self._file is not None:
                self._file.flush()  # type: ignore[attr-defined]
            segments = list(self._segments)
        for segment in segments:
            if not any(last > after.get(tp, 1 << 62) for tp, last in segment.last_seq.items()):
                continue
            try:
                records, _ = read_segment(segment.path)
            except FileNotFoundError:
                continue  # deleted meanwhile: everything in it was stored
            for record in records:
                if record.seq > after.get((record.topic, record.partition), 1 << 62):
                    yield record

    # -- the broker incarnations it was sent to ------------------------------------------------------------

    def incarnations(self) -> list[str]:
        """Broker cluster ids this buffer's records were sent to, oldest first (``meta.json``)."""
        seen = self._meta().get("incarnations", [])
        return [str(x) for x in seen] if isinstance(seen, list) else []

    def _meta(self) -> dict[str, object]:
        return read_meta(self.folder)

    def _write_meta(self, meta: dict[str, object]) -> None:
        tmp = self.folder / "meta.json.tmp"
        tmp.write_text(json.dumps({**meta, "buffer_id": self.buffer_id}))
        tmp.replace(self.folder / "meta.json")

    def _update_meta(self, changes: dict[str, object]) -> None:
        """Read ``meta.json``, apply ``changes`` and replace it, as one step for this process's threads (the
        keeper and the feeds both write it)."""
        with self._meta_lock:
            self._write_meta({**self._meta(), **changes})

    def sent_to(self, cluster_id: str) -> None:
        """Record that this buffer's records were (re)sent to the broker incarnation ``cluster_id``."""
        with self._meta_lock:
            meta = self._meta()
            seen = meta.get("incarnations", [])
            seen = [str(x) for x in seen] if isinstance(seen, list) else []
            if seen and seen[-1] == cluster_id:
                return
            self._write_meta({**meta, "incarnations": [*seen, cluster_id][-20:]})

    def record_broker_state(self, away_since: float | None, kept: int, at: float) -> None:
        """What the publisher last saw of the broker, for ``seasight status`` and ``health`` in other processes:
        ``away_since`` (Unix seconds, None when the broker answers), ``kept`` records not yet acknowledged by
        it, as of ``at`` (Unix seconds)."""
        self._update_meta({"broker": {"away_since": away_since, "kept": kept, "at": at}})

    def broker_state(self) -> dict[str, object] | None:
        """The last :meth:`record_broker_state`, or None if none was recorded."""
        state = self._meta().get("broker")
        return state if isinstance(state, dict) else None

    def closed_cleanly(self) -> bool | None:
        """Whether the publisher that wrote this folder closed with every record acknowledged by the broker
        (True), closed with some not acknowledged (False), or never closed — it crashed (None)."""
        closed = self._meta().get("closed")
        if not isinstance(closed, dict):
            return None
        return closed.get("unacknowledged") == 0

    def record_close(self, unacknowledged: int) -> None:
        """How the publisher closed: the number of records the broker never acknowledged."""
        self._update_meta({"closed": {"unacknowledged": unacknowledged}})

    # -- closing ----------------------------------------------------------------------------------------

    def close(self, remove_if_stored: bool = True) -> bool:
        """Flush and unlock; with ``remove_if_stored``, delete the folder when nothing in it awaits storing.
        Returns True when the folder was deleted."""
        with self._mutex:
            self._close_file()
            removed = False
            if remove_if_stored and self.pending() == 0:
                shutil.rmtree(self.folder, ignore_errors=True)
                removed = True
            os.close(self._lock_fd)
            return removed


def _lock(folder: Path) -> int | None:
    """An exclusive lock on the folder's lock file (held while the fd is open); None if another holds it."""
    fd = os.open(folder / "lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def held_by_a_running_process(folder: Path) -> bool:
    """Whether a running publisher holds ``folder`` (its exclusive lock): probed with a shared lock, taken and
    released at once, so the probe never keeps the folder from its owner."""
    try:
        fd = os.open(folder / "lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing the descriptor releases a shared lock it took
    return False


def read_meta(folder: Path) -> dict[str, object]:
    """A buffer folder's ``meta.json`` read from outside its process ({} if it cannot be read)."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def buffer_folders(root: Path) -> list[Path]:
    """Every buffer folder under ``root``, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "meta.json").exists())
