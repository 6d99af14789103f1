"""Feed sources over real sockets and files (no broker needed): TCP reconnect with back-off, UDP datagrams,
real-time replay from the file's own timestamps."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from ingest.errors import SourceError
from ingest.sources import Backoff, FileSource, TcpSource, UdpSource, open_source


def serve_sessions(sessions: list[bytes]) -> tuple[int, threading.Thread]:
    """A loopback TCP server sending each payload in its own connection, then closing it."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def run() -> None:
        with server:
            for payload in sessions:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(payload)
                time.sleep(0.2)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return port, thread


def test_tcp_reconnects_and_keeps_every_line() -> None:
    port, thread = serve_sessions([b"line 1\r\nline 2\n", b"line 3\nline 4 cut by the disconnect"])
    source = TcpSource("127.0.0.1", port, backoff=Backoff(initial_s=0.05, max_s=0.2), idle_exit_s=1.5)
    lines = [line for chunk in source.chunks(threading.Event()) for line in chunk]
    assert lines == [b"line 1", b"line 2", b"line 3", b"line 4 cut by the disconnect"]
    assert source.sessions >= 2  # a third may be accepted by the listen backlog before the server closes
    thread.join(timeout=5)


def test_tcp_retries_while_nobody_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free port, closed again: connection refused
    source = TcpSource("127.0.0.1", port, backoff=Backoff(initial_s=0.05, max_s=0.1), idle_exit_s=0.5)
    started = time.monotonic()
    assert [c for c in source.chunks(threading.Event())] == []
    assert source.sessions == 0 and time.monotonic() - started < 5


def test_backoff_grows_to_its_cap() -> None:
    delays = Backoff(initial_s=0.5, factor=2, max_s=3).delays()
    assert [next(delays) for _ in range(5)] == [0.5, 1.0, 2.0, 3, 3]
    with pytest.raises(ValueError):
        Backoff(initial_s=0)


def test_udp_listener_splits_datagrams_into_lines() -> None:
    source = UdpSource("127.0.0.1", 0, idle_exit_s=0.8)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"!AIVDM,a\r\n!AIVDM,b\r\n", ("127.0.0.1", source.port))
        sender.sendto(b"!AIVDM,c", ("127.0.0.1", source.port))
    lines = [line for chunk in source.chunks(threading.Event()) for line in chunk]
    assert lines == [b"!AIVDM,a", b"!AIVDM,b", b"!AIVDM,c"]


def test_real_time_replay_follows_the_file_timestamps(shared_data: Path) -> None:
    # DMA AisLib replay_dump.txt: $PGHP times from 09:19:09.499 to 09:19:30.922, 21.4 s of traffic.
    path = shared_data / "ais_nmea" / "dma_aislib" / "replay_dump.txt"
    started = time.monotonic()
    lines = [line for chunk in FileSource(path, speed=20).chunks(threading.Event()) for line in chunk]
    elapsed = time.monotonic() - started
    assert len(lines) == len(path.read_bytes().splitlines())
    assert 21.4 / 20 * 0.9 <= elapsed <= 21.4 / 20 + 2.0
    fast_started = time.monotonic()
    assert sum(len(c) for c in FileSource(path).chunks(threading.Event())) == len(lines)
    assert time.monotonic() - fast_started < 0.5


def test_source_specs() -> None:
    assert open_source("tcp://127.0.0.1:10110").name == "tcp://127.0.0.1:10110"
    with pytest.raises(SourceError, match="HOST:PORT"):
        open_source("tcp://nowhere")
    with pytest.raises(SourceError, match="no such file"):
        open_source("/nonexistent/feed.nmea")
    with pytest.raises(SourceError, match="between 0.01 and 10000"):
        FileSource(Path(__file__), speed=0)


def test_an_endless_line_is_cut_to_the_bound_and_the_next_line_still_read(tmp_path: Path) -> None:
    import io

    from ingest.sources import MAX_LINE_BYTES, StdinSource, bounded_lines

    good = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
    data = b"x" * (5 * 1024 * 1024) + b"\n" + good + b"\r\n" + b"y" * (MAX_LINE_BYTES + 1)
    assert [len(line) for line in bounded_lines(io.BytesIO(data))] == [MAX_LINE_BYTES, len(good), MAX_LINE_BYTES]
    path = tmp_path / "endless.nmea"
    path.write_bytes(data)
    lines = [line for chunk in FileSource(path).chunks(threading.Event()) for line in chunk]
    assert lines[1] == good and max(len(line) for line in lines) == MAX_LINE_BYTES
    piped = [line for chunk in StdinSource(io.BytesIO(data)).chunks(threading.Event()) for line in chunk]
    assert piped == lines
