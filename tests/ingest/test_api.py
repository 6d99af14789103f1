"""The HTTP intake app on a real server (uvicorn on loopback). Its publish step and its token lookup are
the dependencies given to it: here a publish that fails as a broker that does not acknowledge would, to
check that nothing is reported as accepted then, and a lookup over a fixed set of tokens. (Publishing to
the real broker, with tokens looked up in the real database, is in test_integration.py.)"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from ingest.api import ApiCaller, ApiLimits, TokenBuckets, create_app
from ingest.publish import PublishError
from seasight.schemas import Sighting

REPORT = {
    "observed_at": "2026-11-21T23:40:00Z",
    "lat": 5.35,
    "lon": 95.9,
    "source_type": "aircraft",
    "owner": "IDN",
    "acted_by": "bakamla-patrol",
}
TOKENS = {
    "idn-token": ApiCaller("idn-bakamla", "IDN", may_report=True),
    "tha-token": ApiCaller("tha-mrcc", "THA", may_report=True),
    "rso-token": ApiCaller("rso-analyst", "RSO", may_report=False),
}


def serve(publish: Any, **options: Any) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(publish, TOKENS.get, **options), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post(url: str, body: Any, token: str | None = "idn-token") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture()
def published() -> list[Sighting]:
    return []


@pytest.fixture()
def working(published: list[Sighting]) -> Iterator[str]:
    yield from serve(published.extend)


@pytest.fixture()
def broker_away() -> Iterator[str]:
    def fail(sightings: list[Sighting]) -> None:
        raise PublishError("broker did not acknowledge records: KafkaTimeoutError")

    yield from serve(fail)


def test_accepted_reports_are_handed_to_publish(working: str, published: list[Sighting]) -> None:
    status, answer = post(working + "/sightings", [REPORT, {**REPORT, "lat": 5.4}])
    assert status == 201 and answer["accepted"] == 2
    assert [s.id for s in published] == answer["ids"] and published[0].owner == "IDN"
    assert published[0].acted_by == "idn-bakamla (bakamla-patrol)"  # who sent it: the token's account


def test_no_or_a_bad_token_is_401_and_nothing_published(working: str, published: list[Sighting]) -> None:
    for token in (None, "made-up", ""):
        status, answer = post(working + "/sightings", REPORT, token=token)
        assert status == 401, token
    assert published == []


def test_another_organisations_records_or_no_reporting_role_is_403(working: str, published: list[Sighting]) -> None:
    status, answer = post(working + "/sightings", [REPORT, {**REPORT, "owner": "THA"}], token="idn-token")
    assert status == 403 and "not for THA" in answer["detail"]
    status, answer = post(working + "/sightings", REPORT, token="tha-token")
    assert status == 403 and "reports for THA, not for IDN" in answer["detail"]
    status, answer = post(working + "/sightings", {**REPORT, "owner": "RSO"}, token="rso-token")
    assert status == 403 and "may not report" in answer["detail"]
    assert published == []


def test_a_broker_that_does_not_acknowledge_means_503_and_nothing_accepted(broker_away: str) -> None:
    status, answer = post(broker_away + "/sightings", REPORT)
    assert status == 503
    assert "not accepted" in answer["detail"] and "acknowledge" in answer["detail"]


def test_unknown_fields_and_wrong_types_name_the_field(working: str, published: list[Sighting]) -> None:
    status, answer = post(working + "/sightings", {**REPORT, "colour": "blue"})
    assert status == 422 and answer["detail"][0]["loc"][-1] == "colour"
    status, answer = post(working + "/sightings", {**REPORT, "source_type": "drone"})
    assert status == 422 and answer["detail"][0]["loc"][-1] == "source_type"
    assert published == []


# --------------------------------------------------------------------------------------------------------
# bounds: body size and list length (413), NaN / Infinity (422), nothing echoed back, rate per token (429)
# --------------------------------------------------------------------------------------------------------

SMALL = ApiLimits(max_body_bytes=64 * 1024, max_records=3, requests_per_minute=600, burst=100)


@pytest.fixture()
def bounded(published: list[Sighting]) -> Iterator[str]:
    yield from serve(published.extend, limits=SMALL)


def _raw(url: str, body: bytes, chunked: bool = False, token: str = "idn-token") -> tuple[int, bytes]:
    """POST ``body`` as it is (optionally chunked, without a Content-Length); the status and the raw answer."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        if chunked:
            conn.putrequest("POST", "/sightings")
            for k, v in {**headers, "Transfer-Encoding": "chunked"}.items():
                conn.putheader(k, v)
            conn.endheaders()
            try:
                for start in range(0, len(body), 16 * 1024):
                    part = body[start : start + 16 * 1024]
                    conn.send(f"{len(part):X}\r\n".encode() + part + b"\r\n")
                conn.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the rest was sent
        else:
            conn.request("POST", "/sightings", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_a_body_over_the_limit_is_413_and_not_read(bounded: str, published: list[Sighting]) -> None:
    big = json.dumps([{**REPORT, "note": "x" * 3000}] * 40).encode()  # 130 kB, over 64 kB
    status, answer = _raw(bounded, big)
    assert status == 413 and b"larger than 65536 bytes" in answer and len(answer) < 300
    status, answer = _raw(bounded, big, chunked=True)  # no Content-Length: counted while read
    assert status == 413 and b"nothing accepted" in answer
    assert published == []


def test_a_list_over_the_limit_is_413(bounded: str, published: list[Sighting]) -> None:
    status, answer = post(bounded + "/sightings", [{**REPORT, "lat": 5.0 + k / 10} for k in range(4)])
    assert status == 413 and "4 sightings in one request, at most 3" in answer["detail"]
    assert post(bounded + "/sightings", [REPORT] * 3)[0] == 201


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_422_not_500(working: str, published: list[Sighting], number: str) -> None:
    for field in ("lat", "uncertainty_nm", "speed_kn"):
        body = json.dumps({**REPORT, field: 1.0}).replace("1.0", number).encode()
        status, answer = _raw(working, body)
        assert status == 422, (field, answer)
        assert any(e["loc"][-1] == field for e in json.loads(answer)["detail"]), answer
    assert published == []


def test_an_invalid_body_is_not_echoed_back(working: str) -> None:
    junk = "y" * 500_000
    status, answer = _raw(working, json.dumps([{**REPORT, "colour": junk}] * 5).encode())
    assert status == 422 and len(answer) < 5_000 and b"yyyy" not in answer
    problems = json.loads(answer)["detail"]
    assert any(e["loc"][-1] == "colour" for e in problems) and all("input" not in e for e in problems)
    status, answer = _raw(working, b"{" + b"z" * 200_000)  # not JSON
    assert status == 422 and len(answer) < 2_000 and b"zzzz" not in answer


def test_each_token_is_rate_limited_with_retry_after(published: list[Sighting]) -> None:
    now = [1000.0]
    limits = ApiLimits(requests_per_minute=60, burst=2)
    for url in serve(published.extend, limits=limits, monotonic=lambda: now[0]):
        assert post(url + "/sightings", REPORT)[0] == 201
        assert post(url + "/sightings", REPORT)[0] == 201
        status, answer = post(url + "/sightings", REPORT)
        assert status == 429 and "at most 60 a minute" in answer["detail"]
        request = urllib.request.Request(
            url + "/sightings",
            data=json.dumps(REPORT).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer idn-token"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 429 and refused.value.headers["Retry-After"] == "1"
        assert post(url + "/sightings", {**REPORT, "owner": "THA"}, token="tha-token")[0] == 201  # its own bucket
        now[0] += 1.0  # a second later: one more request for idn
        assert post(url + "/sightings", REPORT)[0] == 201
        assert post(url + "/sightings", REPORT)[0] == 429
    assert len(published) == 4


def test_token_buckets_refill_at_the_rate_and_cap_at_the_burst() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=30, burst=3, monotonic=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(2.0)  # one request every 2 s
    now[0] += 3600  # idle for an hour: still only the burst
    assert [buckets.take("a") == 0.0 for _ in range(4)] == [True, True, True, False]


def test_the_settings_defaults_are_the_intakes_limits() -> None:
    from ingest.sightings import MAX_SIGHTINGS_BYTES, MAX_SIGHTINGS_RECORDS
    from seasight.settings import Settings

    defaults = Settings()
    assert (defaults.api_max_body_bytes, defaults.api_max_records) == (MAX_SIGHTINGS_BYTES, MAX_SIGHTINGS_RECORDS)
    assert (defaults.api_requests_per_minute, defaults.api_burst) == (
        ApiLimits().requests_per_minute,
        ApiLimits().burst,
    )
