"""Versions of a sighting (tracking/sighting_versions.py): a reused id is a new version, never a
discarded one; a replay adds nothing; another owner's id is never overwritten."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from seasight.schemas import Sighting
from tracking.sighting_versions import (
    Action,
    StoredSighting,
    StoredVersion,
    content_key,
    id_for_other_owner,
    plan_versions,
)

pytestmark = pytest.mark.unit

T = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
ID = str(uuid.UUID("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"))

FALSE_ALARM = Sighting(
    id=ID,
    observed_at=T,
    lat=9.5,
    lon=94.2,
    uncertainty_nm=0.1,  # not exact as a PostgreSQL real: compared as stored
    source_type="aircraft",
    craft_type="wooden_boat",
    persons_estimated=0,
    conditions=(),
    course_deg=None,
    speed_kn=None,
    ais_seen="no",
    confidence="medium",
    note="false alarm, 0 persons",
    is_exercise=False,
    owner="IDN",
    acted_by="patrol-1",
    received_at=T + timedelta(minutes=5),
)
SINKING = replace(
    FALSE_ALARM,
    persons_estimated=120,
    conditions=("persons_in_water", "taking_water"),
    note="boat sinking, 120 persons, persons in water",
    received_at=T + timedelta(minutes=9),
)


def stored_as(*versions: Sighting, current: int | None = None) -> StoredSighting:
    vs = [StoredVersion(n, content_key(v), v.received_at) for n, v in enumerate(versions, 1)]
    return StoredSighting(versions[0].owner, vs, current or len(vs))


def test_the_second_report_under_one_id_is_a_new_current_revision() -> None:
    plan = plan_versions({}, [FALSE_ALARM, SINKING])
    assert [(d.action, d.revision) for d in plan.decisions] == [(Action.NEW, 1), (Action.REVISION, 2)]
    assert plan.current[ID].persons_estimated == 120 and "persons_in_water" in plan.current[ID].conditions
    assert plan.counts() == {"sighting_revision": 1}
    # ... also when the first was stored in an earlier batch
    later = plan_versions({ID: stored_as(FALSE_ALARM)}, [SINKING])
    assert [(d.action, d.revision) for d in later.decisions] == [(Action.REVISION, 2)]


def test_a_replay_adds_nothing_even_of_an_older_version() -> None:
    stored = {ID: stored_as(FALSE_ALARM, SINKING)}
    plan = plan_versions(stored, [FALSE_ALARM, SINKING])
    assert [d.action for d in plan.decisions] == [Action.REPEAT, Action.REPEAT]
    assert plan.current == {} and plan.counts() == {"sighting_repeat": 2}
    # the stored real value read back (float4) is the same content as the report
    assert content_key(replace(FALSE_ALARM, uncertainty_nm=0.10000000149011612)) == content_key(FALSE_ALARM)


def test_a_resubmission_equal_to_the_current_version_is_a_repeat_but_a_return_to_an_old_one_is_not() -> None:
    stored = {ID: stored_as(FALSE_ALARM, SINKING)}
    again = replace(SINKING, received_at=T + timedelta(hours=1), acted_by="someone else")
    assert plan_versions(stored, [again]).decisions[0].action is Action.REPEAT
    back = replace(FALSE_ALARM, received_at=T + timedelta(hours=2))  # "it was a false alarm after all"
    plan = plan_versions(stored, [back])
    assert (plan.decisions[0].action, plan.decisions[0].revision) == (Action.REVISION, 3)


def test_a_revision_received_before_the_current_one_is_kept_but_not_current() -> None:
    early = replace(FALSE_ALARM, persons_estimated=5, received_at=T + timedelta(minutes=7))
    plan = plan_versions({ID: stored_as(FALSE_ALARM, SINKING)}, [early])
    assert (plan.decisions[0].action, plan.decisions[0].revision) == (Action.LATE, 3)
    assert plan.current == {} and plan.counts() == {"sighting_late": 1}


def test_another_owners_id_is_never_overwritten() -> None:
    theirs = replace(SINKING, owner="THA", acted_by="mallory")
    plan = plan_versions({ID: stored_as(FALSE_ALARM)}, [theirs])
    d = plan.decisions[0]
    assert d.other_owner and d.stored_id == id_for_other_owner(ID, "THA") != ID and d.action is Action.NEW
    assert ID not in plan.current and plan.current[d.stored_id].owner == "THA"
    assert plan.counts() == {"sighting_other_owner": 1}
