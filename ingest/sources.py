"""Feed sources: where AIS lines come from. Each yields chunks of raw lines (bytes, no line endings).

One adapter per transport behind one small interface (:class:`Source`), all feeding the same reader:

* :class:`FileSource` — a file (``.gz`` too) replayed as fast as possible, or in real time / ×N using the
  times the file itself carries (tag block ``c:``, ``$PGHP`` wrappers, trailing USCG times);
* :class:`StdinSource` — standard input (``-``);
* :class:`TcpSource` — a TCP client of one receiver (AIS-catcher, gpsd, a base station or a network such
  as AISHub), with TCP keep-alive, a stale-connection timeout and reconnect with exponential back-off;
* :class:`UdpSource` — a UDP listener (receivers commonly forward NMEA as datagrams, e.g. to port 10110).

Every source stops when ``stop`` is set; network sources also after ``idle_exit_s`` without data (for
batch runs and tests; unset = run until stopped).
"""

from __future__ import annotations

import gzip
import logging
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ingest.errors import SourceError
from ingest.nmea import GatehouseStamp, Sentence, parse_line

log = logging.getLogger("seasight.ingest.sources")

CHUNK_LINES = 500
"""Lines handed over per chunk by file sources (count): larger amortises the hand-over, smaller lowers
latency."""

MAX_LINE_BYTES = 1024
"""Longest line kept (bytes, default 1 KiB): a tag block (at most 82 characters with its backslashes), a
sentence (82, IEC 61162-1) and a receiver's trailer (USCG's is about 80) fit several times over. A feed that
sends no line ending, or a file with an endless line, cannot grow memory: the first 1 KiB is passed on as one
line (and rejected by the reader as too long, so it is counted), the rest skipped."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: ``initial_s`` (s, default 0.5, range 0.01..60) multiplied by ``factor`` (default 2)
    after every failed attempt, capped at ``max_s`` (s, default 30, range 0.1..3600)."""

    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0.01 <= self.initial_s <= 60 or not 1 <= self.factor <= 10 or not 0.1 <= self.max_s <= 3600:
            raise ValueError(f"back-off out of range: {self}")

    def delays(self) -> Iterator[float]:
        delay = self.initial_s
        while True:
            yield delay
            delay = min(delay * self.factor, self.max_s)


class Source(ABC):
    """A feed: ``name`` identifies it in the ledger and in rejections."""

    name: str

    @abstractmethod
    def chunks(self, stop: threading.Event) -> Iterator[list[bytes]]:
        """Chunks of lines until the source ends or ``stop`` is set."""

    def close(self) -> None:  # noqa: B027 - optional hook: most sources hold nothing to release
        """Release what the source holds (sockets)."""


def bounded_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The lines of ``stream`` without their line endings, never holding more than ``max_bytes`` of one line:
    the first ``max_bytes`` of a longer line are passed on (the reader rejects them as too long, so they are
    counted) and the rest of it is skipped in bounded reads."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while True:  # skip the rest of the overlong line
                rest = stream.readline(max_bytes)
                if not rest or rest.endswith(b"\n"):
                    break
            line = line[:max_bytes]
        yield line.rstrip(b"\r\n")


def _split_lines(buffer: bytes, chunk: bytes) -> tuple[list[bytes], bytes]:
    data = buffer + chunk
    lines = data.split(b"\n")
    rest = lines.pop()
    if len(rest) > MAX_LINE_BYTES:
        lines.append(rest)
        rest = b""
    return [line.rstrip(b"\r") for line in lines], rest


def line_feed_time(line: bytes) -> float | None:
    """The time a line carries (UNIX seconds), for real-time replay; ``None`` when it carries none."""
    parsed = parse_line(line)
    if isinstance(parsed, Sentence):
        return parsed.feed_time_s
    if isinstance(parsed, GatehouseStamp):
        return parsed.time_s
    return None


class FileSource(Source):
    """A file replayed as fast as possible (``speed`` None) or at ``speed`` × real time (0.01..10,000)."""

    def __init__(self, path: Path, speed: float | None = None) -> None:
        if speed is not None and not 0.01 <= speed <= 10_000:
            raise SourceError(f"--speed {speed}: must be between 0.01 and 10000 (× real time)")
        if not path.is_file():
            raise SourceError(f"AIS source {str(path)!r}: no such file")
        self.path = path
        self.speed = speed
        self.name = f"file:{path.name}"

    def _open(self) -> BinaryIO:
        try:
            if self.path.suffix == ".gz":
                return gzip.open(self.path, "rb")  # type: ignore[return-value]
            return self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"AIS source {str(self.path)!r}: cannot open ({exc})") from exc

    def chunks(self, stop: threading.Event) -> Iterator[list[bytes]]:
        with self._open() as fh:
            if self.speed is None:
                chunk: list[bytes] = []
                for line in bounded_lines(fh):
                    chunk.append(line)
                    if len(chunk) >= CHUNK_LINES:
                        yield chunk
                        chunk = []
                        if stop.is_set():
                            return
                if chunk:
                    yield chunk
                return
            yield from self._paced(fh, stop, self.speed)

    @staticmethod
    def _paced(fh: BinaryIO, stop: threading.Event, speed: float) -> Iterator[list[bytes]]:
        """Release each line when ``(its time − first time) / speed`` has passed on the wall clock.

        Lines without a time go with the line before; a time earlier than the newest seen (out of order)
        does not wait."""
        first_feed: float | None = None
        wall_start = time.monotonic()
        untimed = 0
        for line in bounded_lines(fh):
            feed_time = line_feed_time(line)
            if feed_time is None and first_feed is None:
                untimed += 1
                if untimed == 1000:
                    log.warning(
                        "--speed: the first 1000 lines carry no time (tag block c:, $PGHP, trailer): "
                        "they are replayed as fast as possible"
                    )
            if feed_time is not None:
                if first_feed is None:
                    first_feed, wall_start = feed_time, time.monotonic()
                wait = wall_start + (feed_time - first_feed) / speed - time.monotonic()
                if wait > 0 and stop.wait(wait):
                    return
            if stop.is_set():
                return
            yield [line]


class StdinSource(Source):
    """Standard input, line by line as it arrives."""

    name = "stdin"

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin.buffer

    def chunks(self, stop: threading.Event) -> Iterator[list[bytes]]:
        for line in bounded_lines(self.stream):
            yield [line]
            if stop.is_set():
                return


def parse_host_port(text: str, what: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SourceError(f"{what} {text!r}: expected HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)


class TcpSource(Source):
    """A TCP client of one receiver or network, reconnecting with back-off.

    ``stale_s`` (s, default 120, range 1..86,400): no data for this long on an open connection means the
    peer is gone without closing (a cut link); the connection is dropped and made again. TCP keep-alive
    probes (after 30 s idle, every 10 s) also detect a dead peer. ``idle_exit_s``: stop altogether after
    this long without data (unset = keep reconnecting until stopped).
    """

    def __init__(
        self,
        host: str,
        port: int,
        backoff: Backoff | None = None,
        idle_exit_s: float | None = None,
        stale_s: float = 120.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        if not 1 <= stale_s <= 86_400:
            raise SourceError(f"stale timeout {stale_s} s outside 1..86400")
        self.host, self.port = host, port
        self.backoff = backoff or Backoff()
        self.idle_exit_s = idle_exit_s
        self.stale_s = stale_s
        self.connect_timeout_s = connect_timeout_s
        self.name = f"tcp://{host}:{port}"
        self.sessions = 0

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
        sock.settimeout(0.5)
        return sock

    def chunks(self, stop: threading.Event) -> Iterator[list[bytes]]:
        delays = self.backoff.delays()
        last_data = time.monotonic()
        while not stop.is_set():
            if self.idle_exit_s is not None and time.monotonic() - last_data > self.idle_exit_s:
                log.info("%s: no data for %.1f s, stopping", self.name, self.idle_exit_s)
                return
            try:
                sock = self._connect()
            except OSError as exc:
                delay = next(delays)
                log.warning("%s: cannot connect (%s); retrying in %.1f s", self.name, exc, delay)
                if stop.wait(delay):
                    return
                continue
            self.sessions += 1
            log.info("%s: connected (session %d)", self.name, self.sessions)
            delays = self.backoff.delays()
            buffer = b""
            with sock:
                while not stop.is_set():
                    try:
                        data = sock.recv(65536)
                    except TimeoutError:
                        idle = time.monotonic() - last_data
                        if self.idle_exit_s is not None and idle > self.idle_exit_s:
                            break
                        if idle > self.stale_s:
                            log.warning("%s: no data for %.0f s, reconnecting", self.name, idle)
                            break
                        continue
                    except OSError as exc:
                        log.warning("%s: connection lost (%s)", self.name, exc)
                        break
                    if not data:
                        log.info("%s: closed by the peer", self.name)
                        break
                    last_data = time.monotonic()
                    lines, buffer = _split_lines(buffer, data)
                    if lines:
                        yield lines
            if buffer:
                yield [buffer]  # a line cut by the disconnect: passed on so it is counted (rejected)
            if not stop.is_set():
                delay = next(delays)
                if stop.wait(delay):
                    return


class UdpSource(Source):
    """A UDP listener: each datagram holds one or more NMEA lines. Binds at construction (port 0 = any)."""

    def __init__(self, host: str, port: int, idle_exit_s: float | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
            self.sock.bind((host, port))
        except OSError as exc:
            self.sock.close()
            raise SourceError(f"udp://{host}:{port}: cannot listen ({exc})") from exc
        self.sock.settimeout(0.5)
        self.host, self.port = self.sock.getsockname()[:2]
        self.idle_exit_s = idle_exit_s
        self.name = f"udp://{host}:{self.port}"

    def chunks(self, stop: threading.Event) -> Iterator[list[bytes]]:
        last_data = time.monotonic()
        try:
            while not stop.is_set():
                try:
                    data, _ = self.sock.recvfrom(65535)
                except TimeoutError:
                    if self.idle_exit_s is not None and time.monotonic() - last_data > self.idle_exit_s:
                        return
                    continue
                last_data = time.monotonic()
                lines = [line.rstrip(b"\r") for line in data.split(b"\n")]
                if lines and not lines[-1]:
                    lines.pop()
                if lines:
                    yield lines
        finally:
            self.close()

    def close(self) -> None:
        self.sock.close()


def open_source(
    spec: str, speed: float | None = None, idle_exit_s: float | None = None, backoff: Backoff | None = None
) -> Source:
    """A source from a command-line spec: ``-`` (stdin), ``tcp://HOST:PORT``, ``udp://[HOST]:PORT`` or
    a file."""
    if spec == "-":
        return StdinSource()
    if spec.startswith("tcp://"):
        host, port = parse_host_port(spec[6:], "TCP source")
        return TcpSource(host, port, backoff=backoff, idle_exit_s=idle_exit_s)
    if spec.startswith("udp://"):
        host, port = parse_host_port(spec[6:], "UDP source")
        return UdpSource(host, port, idle_exit_s=idle_exit_s)
    return FileSource(Path(spec), speed)
