"""The HTTP intake app on a real server (uvicorn on loopback). Its publish step and its token lookup are
the dependencies given to it: here a publish that fails as a broker that does not acknowledge would, to
check that nothing is reported as accepted then, and a lookup over a fixed set of tokens. (Publishing to
the real broker, with tokens looked up in the real database, is in test_integration.py.)"""

from __future__ import annotations

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

from ingest.api import ApiCaller, create_app
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


def serve(publish: Any) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(publish, TOKENS.get), host="127.0.0.1", port=port, log_level="warning")
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
