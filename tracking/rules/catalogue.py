"""The catalogue of detection rules and their thresholds, for analysts and the dashboard (CONTRIBUTING.md
§7): every rule id with what it detects, its version, and each threshold's name, unit, default, range and
public source."""

from __future__ import annotations

from typing import Any

from tracking.rules import (
    appeared_dark,
    distress,
    encounter,
    identity,
    loitering,
    motion,
    people_at_risk,
    reachability,
    unidentified,
    watchlist,
    went_dark,
    zone_events,
)
from tracking.rules.cooldown import CooldownParameters
from tracking.rules.parameters import RuleParameters
from tracking.rules.risk import RiskParameters

#: (rule id, rule version, parameters class, what it detects)
RULES: tuple[tuple[str, int, type[RuleParameters] | None, str], ...] = (
    (
        went_dark.RULE_ID,
        went_dark.RULE_VERSION,
        went_dark.WentDarkParameters,
        "AIS silent far beyond the reporting interval of its class and speed; GFW suspected disabling (rule 1)",
    ),
    (
        appeared_dark.RULE_ID,
        appeared_dark.RULE_VERSION,
        appeared_dark.AppearedDarkParameters,
        "first heard far offshore inside the feed's coverage, where other vessels were heard before (rule 1)",
    ),
    (
        loitering.LOITERING_ID,
        loitering.RULE_VERSION,
        loitering.LoiteringParameters,
        "slow for hours far from shore (rule 2)",
    ),
    (
        loitering.DRIFTING_ID,
        loitering.RULE_VERSION,
        loitering.DriftingParameters,
        "no way on: making ground with course over ground off the heading (rule 2)",
    ),
    (
        encounter.ENCOUNTER_ID,
        encounter.RULE_VERSION,
        encounter.EncounterParameters,
        "two vessels within 500 m, slow, for more than 2 h, away from anchorages, on resampled tracks (rule 3)",
    ),
    (
        encounter.CONTACT_ID,
        encounter.RULE_VERSION,
        encounter.ContactEncounterParameters,
        "a slow AIS vessel at a sighted craft without AIS (rule 3)",
    ),
    (
        zone_events.ENTERED_WATCH_ZONE_ID,
        zone_events.RULE_VERSION,
        zone_events.ZoneEventParameters,
        "entered a watch zone or transit corridor (rule 4)",
    ),
    (
        zone_events.REACHED_DEPARTURE_AREA_ID,
        zone_events.RULE_VERSION,
        zone_events.ZoneEventParameters,
        "reached a known departure area (rule 4)",
    ),
    (
        zone_events.APPROACHING_DESTINATION_ID,
        zone_events.RULE_VERSION,
        zone_events.ZoneEventParameters,
        "approaching the coast of a destination state (rule 4)",
    ),
    (
        identity.IMPOSSIBLE_SPEED_ID,
        identity.RULE_VERSION,
        identity.SpoofingParameters,
        "jump between fixes faster than any vessel (rule 5)",
    ),
    (
        identity.TWO_PLACES_ID,
        identity.RULE_VERSION,
        identity.SpoofingParameters,
        "one MMSI alternating between two places (rule 5)",
    ),
    (
        motion.RULE_ID,
        motion.RULE_VERSION,
        motion.MotionParameters,
        "reported speed or course disagrees with the track's own movement: spoofed or replayed (rule 5)",
    ),
    (
        identity.INVALID_MMSI_ID,
        identity.RULE_VERSION,
        None,
        "an MMSI no ITU-R M.585 ship format allows (rule 5)",
    ),
    (
        identity.IDENTITY_CHANGE_ID,
        identity.RULE_VERSION,
        identity.IdentityChangeParameters,
        "name, call sign or IMO number changed (rule 5)",
    ),
    (
        identity.FLAG_CHANGE_ID,
        identity.RULE_VERSION,
        None,
        "one IMO number under MMSIs of different flag states (rule 5)",
    ),
    (
        watchlist.RULE_ID,
        watchlist.RULE_VERSION,
        watchlist.WatchlistParameters,
        "MMSI, IMO, call sign or fuzzy name on the shared watchlist (rule 6)",
    ),
    (
        distress.RULE_ID,
        distress.RULE_VERSION,
        distress.DistressParameters,
        "AIS-SART / MOB / EPIRB active, SART/MOB ACTIVE text, MAYDAY / SOS / SINKING text (rule 7)",
    ),
    (
        distress.URGENCY_ID,
        distress.RULE_VERSION,
        distress.DistressParameters,
        "PAN PAN (urgency) in a safety text (rule 7, high)",
    ),
    (
        distress.STATUS_ID,
        distress.RULE_VERSION,
        distress.DistressParameters,
        "not under command or aground reported offshore: navigational status alone, at most medium (rule 7)",
    ),
    (
        distress.TEST_RULE_ID,
        distress.RULE_VERSION,
        distress.DistressParameters,
        "a distress device transmitting in test mode (rule 7, info)",
    ),
    (
        reachability.RULE_ID,
        reachability.RULE_VERSION,
        reachability.ReachabilityParameters,
        "a dark vessel of concern could have reached a watch zone or coast at its top speed (rule 8)",
    ),
    (
        unidentified.UNIDENTIFIED_ID,
        unidentified.RULE_VERSION,
        unidentified.UnidentifiedCraftParameters,
        "a sighting no AIS track explains: a contact of concern (rule 9)",
    ),
    (
        unidentified.MATCHED_ID,
        unidentified.RULE_VERSION,
        unidentified.UnidentifiedCraftParameters,
        "a sighting matched to an AIS track, linked to that vessel (rule 9, info)",
    ),
    (
        people_at_risk.RULE_ID,
        people_at_risk.RULE_VERSION,
        people_at_risk.PeopleAtRiskParameters,
        "people aboard a sighted craft in danger, with a suggested IAMSAR phase (rule 10)",
    ),
)


def catalogue() -> list[dict[str, Any]]:
    """Every rule with its thresholds (JSON-ready), plus the risk-score weights as rule ``risk``."""
    out: list[dict[str, Any]] = []
    for rule_id, version, params, detects in RULES:
        out.append(
            {
                "rule": rule_id,
                "version": version,
                "detects": detects,
                "thresholds": params.describe() if params else [],
            }
        )
    out.append(
        {
            "rule": "cooldown",
            "version": 1,
            "detects": "a repeat of the same event within its rule's cooldown updates the flag instead of raising "
            "another (applied where flags are stored)",
            "thresholds": CooldownParameters.describe(),
        }
    )
    out.append(
        {
            "rule": "risk",
            "version": 1,
            "detects": "risk score combining a subject's active flags",
            "thresholds": RiskParameters.describe(),
        }
    )
    return out
