"""HTTP intake of sightings for field apps and hotlines: ``POST /sightings`` (JSON), with an OpenAPI
description at ``/openapi.json``. Started by ``seasight api``.

The request body is one sighting object or a list of them (fields in :mod:`ingest.sightings`). A request
is all or nothing: every record is validated first (types by the OpenAPI model, then the same domain
checks as file intake), and only a fully valid request is published to ``seasight.sighting`` and
acknowledged by the broker (acks=all) before ``201 Created`` is answered with the ids. An invalid request
gets ``422`` listing each problem with the record and field; a broker that does not acknowledge gets
``503`` and nothing is reported as accepted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from ingest.errors import IngestError, SightingError
from ingest.sightings import sighting_from_mapping
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

    model_config = ConfigDict(extra="forbid")

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
class ApiCaller:
    """Who a valid token belongs to."""

    account: str
    participant: str
    may_report: bool  # the account's role records sightings


def create_app(
    publish: Callable[[list[Sighting]], None],
    authenticate: Callable[[str], ApiCaller | None],
    clock: Clock = system_clock,
) -> FastAPI:
    """The HTTP app; ``publish`` sends the sightings and returns once the broker acknowledged them;
    ``authenticate`` maps a bearer token to its caller, or None when the token is not valid."""
    app = FastAPI(
        title="Seasight sightings intake",
        version="1",
        description="Reports of craft seen at sea (often without AIS), for maritime operations "
        "centres and rescue coordination centres.",
    )

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
            422: {"description": "Invalid report: each problem names the record and field"},
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
