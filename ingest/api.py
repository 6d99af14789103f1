"""HTTP intake of sightings for field apps and hotlines: ``POST /sightings`` (JSON), with an OpenAPI
description at ``/openapi.json``. Started by ``seasight api``.

The request body is one sighting object or a list of them (fields in :mod:`ingest.sightings`). A request
is all or nothing: every record is validated first (types by the OpenAPI model, then the same domain
checks as file intake), and only a fully valid request is published to ``seasight.sighting`` and
acknowledged by the broker (acks=all) before ``201 Created`` is answered with the ids. An invalid request
gets ``422`` listing each problem with the record and field (never echoing the input back); a broker that
does not acknowledge gets ``503`` and nothing is reported as accepted.

Bounds (:class:`ApiLimits`, from the settings): a body larger than ``max_body_bytes`` or a list of more
than ``max_records`` sightings is refused with ``413`` (the body is not read beyond the limit); NaN and
Infinity are not numbers a report can carry (``422``); each bearer token may make ``requests_per_minute``
requests, in bursts of ``burst`` (a token bucket), beyond which it gets ``429`` with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import IngestError, SightingError
from ingest.sightings import MAX_SIGHTINGS_BYTES, MAX_SIGHTINGS_RECORDS, sighting_from_mapping
from seasight.clock import Clock, system_clock
from seasight.schemas import Sighting

log = logging.getLogger("seasight.ingest.api")

SourceType = Literal[
    "aircraft",
    "vessel",
    "coastal_radar",
    "fisher",
    "ngo_hotline",
    "satellite_sar",
    "satellite_optical",
    "other",
]
Condition = Literal[
    "overcrowded",
    "taking_water",
    "engine_failure",
    "adrift",
    "no_life_jackets",
    "persons_in_water",
    "medical_emergency",
    "deaths_reported",
]


class SightingIn(BaseModel):
    """A sighting report as a field app or hotline sends it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # NaN / Infinity: 422, never stored

    observed_at: datetime = Field(description="When the craft was seen, ISO 8601 with a UTC offset")
    lat: float = Field(ge=-90, le=90, description="Latitude, decimal degrees WGS 84")
    lon: float = Field(ge=-180, le=180, description="Longitude, decimal degrees WGS 84")
    uncertainty_nm: float = Field(0, ge=0, le=500, description="Position uncertainty radius, nautical miles")
    source_type: SourceType = Field(description="Who or what saw it")
    owner: str = Field(
        min_length=2,
        max_length=64,
        description="Reporting state (ISO 3166 alpha-3, e.g. THA) or organisation id (e.g. IOM)",
    )
    acted_by: str | None = Field(
        None, min_length=1, max_length=128, description="Person entering the report (recorded with the token's account)"
    )
    craft_type: str = Field("unknown", max_length=60, description="e.g. wooden_fishing_boat, longtail, dinghy")
    persons_estimated: int | None = Field(None, ge=0, le=100_000, description="Estimated persons aboard")
    conditions: list[Condition] = Field(default_factory=list, description="Condition indicators seen")
    course_deg: float | None = Field(None, ge=0, lt=360, description="Course seen, degrees true")
    speed_kn: float | None = Field(None, ge=0, le=60, description="Speed seen, knots")
    ais_seen: Literal["yes", "no", "unknown"] = Field("unknown", description="Was an AIS signal seen")
    confidence: Literal["low", "medium", "high"] = "medium"
    note: str | None = Field(None, max_length=4000)
    is_exercise: bool = Field(False, description="True for exercise (table-top) reports")
    id: str | None = Field(None, description="UUID; derived from owner, time, position and source if absent")


class SightingsAccepted(BaseModel):
    accepted: int
    ids: list[str]


@dataclass(frozen=True)
class ApiLimits:
    """Bounds of the intake: request body (bytes), sightings per request, requests per token."""

    max_body_bytes: int = MAX_SIGHTINGS_BYTES
    max_records: int = MAX_SIGHTINGS_RECORDS
    requests_per_minute: float = 60.0
    burst: int = 20

    def __post_init__(self) -> None:
        if self.max_body_bytes < 1024 or self.max_records < 1 or self.requests_per_minute <= 0 or self.burst < 1:
            raise ValueError(f"API limits out of range: {self}")


MAX_ERRORS = 50  # problems listed in one 422 answer
MAX_TOKENS_TRACKED = 10_000  # rate-limit buckets kept (the least recently used go first)


class TokenBuckets:
    """Requests allowed per token: ``burst`` at once, refilled at ``per_minute``; durations on a monotonic
    clock (seconds), injectable for tests."""

    def __init__(self, per_minute: float, burst: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate_s = per_minute / 60.0
        self.burst = float(burst)
        self.monotonic = monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds to wait."""
        now = self.monotonic()
        tokens, at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate_s)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate_s
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_TOKENS_TRACKED:
            self._buckets.popitem(last=False)
        return wait


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class RequestBounds:
    """ASGI middleware: per-token rate limit (429) and body size (413) of every POST, before the body is
    parsed — a body is never read beyond the limit."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limits: ApiLimits, buckets: TokenBuckets
    ) -> None:
        self.app = app
        self.limits = limits
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        auth = headers.get(b"authorization", b"")
        client = scope.get("client") or ("?", 0)
        key = hashlib.sha256(auth).hexdigest()[:32] if auth else f"no-token:{client[0]}"
        wait = self.buckets.take(key)
        if wait > 0:
            log.warning("rate limit: a token was refused (retry in %.0f s)", wait)
            await _answer(
                send,
                429,
                f"too many requests for this token: at most {self.limits.requests_per_minute:g} a minute "
                f"(bursts of {self.limits.burst}); nothing accepted, retry in {math.ceil(wait)} s",
                [(b"retry-after", str(math.ceil(wait)).encode())],
            )
            return
        too_big = (
            f"request body larger than {self.limits.max_body_bytes} bytes: nothing accepted "
            f"(send at most {self.limits.max_records} sightings a request)"
        )
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limits.max_body_bytes):
            await _answer(send, 413, too_big)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limits.max_body_bytes:
                await _answer(send, 413, too_big)
                return
            if not message.get("more_body", False):
                break
        delivered = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def _problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    """What is wrong, by record and field, without the input (an invalid body is never echoed back)."""
    errors = exc.errors()
    out: list[dict[str, Any]] = [
        {
            "loc": [str(x) if not isinstance(x, int) else x for x in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors[:MAX_ERRORS]
    ]
    if len(errors) > MAX_ERRORS:
        out.append({"loc": ["body"], "msg": f"… and {len(errors) - MAX_ERRORS} more problems", "type": "more"})
    return out


@dataclass(frozen=True)
class ApiCaller:
    """Who a valid token belongs to."""

    account: str
    participant: str
    may_report: bool  # the account's role records sightings


def create_app(
    publish: Callable[[list[Sighting]], None],
    authenticate: Callable[[str], ApiCaller | None],
    clock: Clock = system_clock,
    limits: ApiLimits | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The HTTP app; ``publish`` sends the sightings and returns once the broker acknowledged them;
    ``authenticate`` maps a bearer token to its caller, or None when the token is not valid; ``limits``
    bound what a request and a token may send (``monotonic`` times the rate limit, seconds)."""
    limits = limits or ApiLimits()
    app = FastAPI(
        title="Seasight sightings intake",
        version="1",
        description="Reports of craft seen at sea (often without AIS), for maritime operations "
        "centres and rescue coordination centres.",
    )

    app.add_middleware(
        RequestBounds,  # an ASGI middleware class, as Starlette takes them
        limits=limits,
        buckets=TokenBuckets(limits.requests_per_minute, limits.burst, monotonic),
    )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _problems(exc)})

    bearer = HTTPBearer(auto_error=False, description="Per-organisation API token (seasight account token)")

    # FastAPI dependencies as defaults (the closures are local, so not resolvable from string annotations)
    def caller(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiCaller:  # noqa: B008
        who = authenticate(credentials.credentials) if credentials is not None else None
        if who is None:
            raise HTTPException(
                401,
                detail="a valid API token is required (Authorization: Bearer …)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return who

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/sightings",
        status_code=201,
        response_model=SightingsAccepted,
        responses={
            401: {"description": "No valid API token"},
            403: {"description": "The token's organisation may not report this (another owner, or no sighting role)"},
            413: {"description": "Body or list of sightings too large; nothing accepted"},
            422: {"description": "Invalid report: each problem names the record and field"},
            429: {"description": "Too many requests for this token; see Retry-After"},
            503: {"description": "The message broker did not acknowledge; nothing accepted"},
        },
    )
    def post_sightings(
        body: SightingIn | list[SightingIn],
        who: ApiCaller = Depends(caller),  # noqa: B008
    ) -> SightingsAccepted:
        reports = body if isinstance(body, list) else [body]
        if not reports:
            raise HTTPException(422, detail=["request: no sighting in the list"])
        if len(reports) > limits.max_records:
            raise HTTPException(
                413, detail=f"{len(reports)} sightings in one request, at most {limits.max_records}: nothing accepted"
            )
        if not who.may_report:
            raise HTTPException(403, detail=f"account {who.account} may not report sightings")
        others = sorted({r.owner.strip().upper() for r in reports} - {who.participant})
        if others:
            raise HTTPException(
                403, detail=f"this token reports for {who.participant}, not for {', '.join(others)}: nothing accepted"
            )
        received_at = clock()
        sightings: list[Sighting] = []
        problems: list[str] = []
        for number, report in enumerate(reports, 1):
            data = report.model_dump(exclude_none=True)
            data["observed_at"] = report.observed_at.isoformat()
            data["owner"] = who.participant
            data["acted_by"] = who.account + (f" ({report.acted_by})" if report.acted_by else "")
            where = "request" if not isinstance(body, list) else f"record {number}"
            try:
                sightings.append(sighting_from_mapping(data, where, received_at))
            except SightingError as exc:
                problems.extend(exc.problems)
        if problems:
            raise HTTPException(422, detail=problems)
        try:
            publish(sightings)
        except IngestError as exc:
            log.error("sightings not published: %s", exc)
            raise HTTPException(503, detail=f"not accepted: {exc}") from exc
        log.info("accepted %d sighting(s) from account %s (%s)", len(sightings), who.account, who.participant)
        return SightingsAccepted(accepted=len(sightings), ids=[s.id for s in sightings])

    return app
