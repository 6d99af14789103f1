"""Detection rules: pure functions over typed track windows that return flags with provenance.

No Kafka, database or clock in here (CONTRIBUTING.md §1): every rule takes frozen records
(:mod:`tracking.rules.model`) and a parameters record whose thresholds declare unit, default, range and
public source (:mod:`tracking.rules.parameters`), and returns :class:`~tracking.rules.model.Flag` records
carrying rule id, rule version, parameters, evidence and a one-line summary. Distance to shore and to
anchorages are injected callables.

Rules: 1 :mod:`went_dark` (with GFW's suspected disabling) and :mod:`appeared_dark`, 2 :mod:`loitering`
(loitering, drifting), 3 :mod:`encounter` (AIS–AIS and AIS–sighted contact), 4 :mod:`zone_events`, 5
:mod:`identity` (impossible speed, two places, invalid MMSI, identity and flag changes) and :mod:`motion`
(reported against observed motion), 6 :mod:`watchlist`, 7 :mod:`distress` (distress, urgency, navigational
status), 8 :mod:`reachability`, 9 :mod:`unidentified` (contacts of concern, sightings matched to tracks), 10
:mod:`people_at_risk` (suggested IAMSAR phase); :mod:`risk` combines them; ``docs/severity.md`` says which
severity each event has and why. :mod:`resample` puts tracks on GFW's 10-minute grid (encounters,
loitering); :mod:`geo` holds the geodesy and the longitude arithmetic that keeps every rule right across the
180° meridian. :mod:`catalogue` lists every rule and threshold; :mod:`mmsi` gives station kind and flag
state (ITU-R M.585).
"""

from tracking.rules.errors import InvalidParameterError, InvalidTrackError, RuleError
from tracking.rules.model import (
    Contact,
    DistanceToShore,
    Flag,
    IdentityReport,
    SafetyText,
    Severity,
    SubjectKind,
    TrackPoint,
    TrackWindow,
    Zone,
)

__all__ = [
    "Contact",
    "DistanceToShore",
    "Flag",
    "IdentityReport",
    "InvalidParameterError",
    "InvalidTrackError",
    "RuleError",
    "SafetyText",
    "Severity",
    "SubjectKind",
    "TrackPoint",
    "TrackWindow",
    "Zone",
]
