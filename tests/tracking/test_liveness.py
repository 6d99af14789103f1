"""The pure pieces of consumer liveness (tracking/liveness.py): lag, states, the join bound, and what
`seasight status`/`health` say about hand-built heartbeats."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tracking.consumer import _BrokerNoise
from tracking.liveness import (
    ConsumerReport,
    GroupView,
    JoinWatch,
    LagRow,
    LivenessLimits,
    MemberRow,
    describe_stall,
    group_offsets_for,
    judge,
    member_state,
    partition_lag,
    report_as_dict,
    shown,
    status_lines,
    summary,
)

NOW = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
LIMITS = LivenessLimits(stale_after_s=30, lag_growing_alert_s=300, forget_after_s=86_400)


def member(
    pid: int = 100,
    state: str = "consuming",
    heartbeat_s_ago: float = 2,
    since_s_ago: float = 60,
    group: str = "seasight-tracker",
    detail: str = "",
    partitions: int = 3,
) -> MemberRow:
    return MemberRow(
        consumer_group=group,
        member=f"host-a:{pid}:abcd1234:ordinary",
        host="host-a",
        pid=pid,
        kafka_member_id=f"seasight-{group}-{pid}",
        state=state,
        state_since=NOW - timedelta(seconds=since_s_ago),
        detail=detail,
        partitions=partitions,
        resets=0,
        started_at=NOW - timedelta(hours=1),
        heartbeat_at=NOW - timedelta(seconds=heartbeat_s_ago),
    )


def lag(
    partition: int,
    value: int,
    holder: MemberRow,
    growing_s_ago: float | None = None,
    topic: str = "seasight.ais.position",
) -> LagRow:
    return LagRow(
        consumer_group=holder.consumer_group,
        topic=topic,
        partition=partition,
        member=holder.member,
        committed_offset=1000,
        end_offset=1000 + value,
        lag=value,
        growing_since=None if growing_s_ago is None else NOW - timedelta(seconds=growing_s_ago),
        measured_at=holder.heartbeat_at,
    )


def test_lag_is_end_minus_committed_and_never_below_zero() -> None:
    assert partition_lag(1500, 1200) == 300
    assert partition_lag(1500, None) == 1500  # nothing committed: everything since the start
    assert partition_lag(1500, None, start_offset=400) == 1100
    # Tansu's end offset is the last batch's base offset + 1: it can trail a committed offset
    assert partition_lag(1, 100) == 0


def test_member_state_puts_outages_first_then_partitions() -> None:
    assert member_state(3, True, broker_away=True, database_away=True) == "broker_away"
    assert member_state(3, True, broker_away=False, database_away=True) == "database_away"
    assert member_state(3, True, broker_away=False, database_away=False) == "consuming"
    assert member_state(0, True, broker_away=False, database_away=False) == "standby"
    assert member_state(0, False, broker_away=False, database_away=False) == "joining"


def test_the_join_watch_acts_once_per_bound_without_partitions() -> None:
    watch = JoinWatch(bound_s=60)
    assert not watch.observe(0.0, assigned=0, stable=False)  # starts counting
    assert not watch.observe(59.0, assigned=0, stable=False)
    assert watch.observe(60.0, assigned=0, stable=False)  # the bound has passed: act
    assert watch.overdue == 1
    assert not watch.observe(100.0, assigned=0, stable=False)  # counted again from the act
    assert watch.observe(120.0, assigned=0, stable=False)
    assert watch.overdue == 2
    assert not watch.observe(130.0, assigned=3, stable=True)  # partitions: all is well again
    assert watch.waited(130.0) == 0.0 and watch.overdue == 0


def test_the_join_watch_leaves_standby_members_and_unbounded_watches_alone() -> None:
    standby = JoinWatch(bound_s=10)
    for t in range(0, 100, 5):
        assert not standby.observe(float(t), assigned=0, stable=True)  # more members than partitions
    unbounded = JoinWatch(bound_s=None)
    for t in range(0, 1000, 50):
        assert not unbounded.observe(float(t), assigned=0, stable=False)
    assert unbounded.waited(950.0) == 950.0


def test_why_a_tracker_has_no_partitions_names_the_group_the_broker_view_and_the_trackers() -> None:
    view = GroupView("Unknown", ("seasight-g-1", "seasight-g-2"))
    text = describe_stall("g", 60, view, ["host-b pid 7 (joining)"], own_member="seasight-g-2")
    assert text.startswith("no partitions after 60 s in group g")
    assert "'Unknown' with 2 member(s), 1 other than this one" in text
    assert "host-b pid 7 (joining)" in text
    assert "did not answer" in describe_stall("g", 60, None, [], None)
    assert "no other tracker heard from" in describe_stall("g", 60, None, [], None)


def test_a_healthy_group_has_no_problem() -> None:
    a = member()
    report = ConsumerReport(NOW, [a], [lag(0, 0, a), lag(1, 12, a, growing_s_ago=20)])
    assert judge(report, LIMITS, expected_groups=("seasight-tracker",)) == []
    assert "1 live tracker consumer(s) in 1 group(s)" in summary(report, LIMITS)
    assert "total lag 12" in summary(report, LIMITS)


def test_no_tracker_at_all_or_none_in_the_expected_group_is_a_problem() -> None:
    assert "no tracker has reported yet" in judge(ConsumerReport(NOW, [], []), LIMITS)[0].text
    other = member(group="other")
    problems = judge(ConsumerReport(NOW, [other], []), LIMITS, expected_groups=("seasight-tracker",))
    assert [p.group for p in problems] == ["seasight-tracker"]


def test_a_tracker_gone_silent_is_missing_but_a_retired_group_is_not() -> None:
    crashed = member(heartbeat_s_ago=120)  # never said it stopped
    problems = judge(ConsumerReport(NOW, [crashed], []), LIMITS)
    assert (
        len(problems) == 1 and "tracker missing" in problems[0].text and "last heartbeat 2 min ago" in problems[0].text
    )
    retired = member(state="stopped", heartbeat_s_ago=600, group="test-group")
    assert judge(ConsumerReport(NOW, [retired], []), LIMITS) == []
    stopped = member(state="stopped", heartbeat_s_ago=600)
    problems = judge(ConsumerReport(NOW, [stopped], []), LIMITS, expected_groups=("seasight-tracker",))
    assert len(problems) == 1 and "stopped 10 min ago" in problems[0].text


def test_a_replaced_tracker_is_no_problem_once_its_partitions_have_a_new_holder() -> None:
    old = member(pid=1, heartbeat_s_ago=600)
    new = member(pid=2)
    assert judge(ConsumerReport(NOW, [old, new], [lag(0, 5, new)]), LIMITS) == []
    problems = judge(ConsumerReport(NOW, [old, new], [lag(0, 5, old)]), LIMITS)
    assert len(problems) == 1 and "holder gone" in problems[0].text and "lag 5" in problems[0].text


def test_broker_away_joining_too_long_and_growing_lag_are_problems() -> None:
    away = member(state="broker_away", since_s_ago=75)
    text = judge(ConsumerReport(NOW, [away], []), LIMITS)[0].text
    assert "broker away since 2026-11-24 06:28:45Z (75 s)" in text and "waiting and retrying" in text
    joining = member(state="joining", since_s_ago=80, detail="waiting 80 s for partitions", partitions=0)
    assert "has been joining for 80 s: waiting 80 s" in judge(ConsumerReport(NOW, [joining], []), LIMITS)[0].text
    assert judge(ConsumerReport(NOW, [member(state="joining", since_s_ago=10)], []), LIMITS) == []
    busy = member()
    problems = judge(ConsumerReport(NOW, [busy], [lag(2, 4000, busy, growing_s_ago=900)]), LIMITS)
    assert len(problems) == 1 and "seasight.ais.position[2]: lag 4000 growing for 15 min" in problems[0].text


def test_members_silent_for_a_day_are_forgotten() -> None:
    ancient = member(pid=1, heartbeat_s_ago=2 * 86_400)
    live = member(pid=2)
    kept = shown(ConsumerReport(NOW, [ancient, live], [lag(0, 0, ancient)]), LIMITS)
    assert [m.pid for m in kept.members] == [2]
    assert "no tracker has reported yet" in judge(ConsumerReport(NOW, [ancient], []), LIMITS)[0].text
    problems = judge(ConsumerReport(NOW, [ancient], []), LIMITS, expected_groups=("seasight-tracker",))
    assert [p.text for p in problems] == ["no tracker has reported in this group (start `seasight track`)"]


def test_status_lines_show_each_partition_its_lag_and_its_holder() -> None:
    a = member(pid=100)
    b = member(pid=200, heartbeat_s_ago=500)  # gone
    lags = [lag(0, 0, a), lag(1, 7, a, growing_s_ago=30), lag(2, 3, b), lag(0, 0, a, topic="seasight.sighting")]
    lines = status_lines(ConsumerReport(NOW, [a, b], lags), LIMITS)
    text = "\n".join(lines)
    assert "host-a pid 100     consuming; 3 partition(s), heartbeat 2 s ago" in text
    assert "GONE (was consuming)" in text
    assert (
        "seasight.ais.position: [0] lag 0 by host-a pid 100, [1] lag 7 growing for 30 s by host-a pid 100, "
        "[2] lag 3 by host-a pid 200 (gone)" in text
    )
    assert "seasight.sighting: [0] lag 0 held by host-a pid 100" in text
    away = member(state="broker_away", since_s_ago=75, detail="cannot reach the broker")
    assert "broker away since 2026-11-24 06:28:45Z" in "\n".join(status_lines(ConsumerReport(NOW, [away], []), LIMITS))
    assert "no tracker has reported" in status_lines(ConsumerReport(NOW, [], []), LIMITS)[0]


def test_the_json_report_carries_members_partitions_and_problems() -> None:
    away = member(state="broker_away")
    data = report_as_dict(ConsumerReport(NOW, [away], [lag(0, 9, away)]), LIMITS)
    assert data["members"][0]["state"] == "broker_away" and data["members"][0]["live"] is True  # type: ignore[index]
    assert data["partitions"][0]["lag"] == 9  # type: ignore[index]
    assert "broker away since" in data["problems"][0]["problem"]  # type: ignore[index]


def test_a_reset_group_starts_from_the_broker_offsets_else_the_recorded_ones() -> None:
    broker = {("seasight.ais.position", 0): 120, ("other.topic", 0): 5}
    recorded = {("seasight.ais.position", 0): 100, ("seasight.ais.position", 1): 80}
    assert group_offsets_for(["seasight.ais.position"], broker, recorded) == {
        ("seasight.ais.position", 0): 120,
        ("seasight.ais.position", 1): 80,
    }


def test_kafka_connection_noise_is_dropped_only_while_the_broker_is_known_away() -> None:
    noise = _BrokerNoise()

    def record(name: str, message: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, message, None, None)

    refused = record("kafka.net.manager", "Connection failed: KafkaConnectionError: 111 ECONNREFUSED")
    assert noise.filter(refused) and noise.seen  # passes, and makes the tracker look at the broker
    noise.away = True
    assert not noise.filter(refused)
    assert noise.filter(record("kafka.coordinator.heartbeat", "Consumer poll timeout has expired", logging.WARNING))
    assert noise.filter(record("seasight.tracking.consumer", "Connection failed to somewhere"))
