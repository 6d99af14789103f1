"""Consumer liveness and lag: which tracker holds which partition, how far behind it is, and why a tracker
that cannot consume is not consuming (issue 14; tables of migration 0150).

Each tracker consumer (one per consumer group it is in: ``GROUP`` and, with ``--detect``, ``GROUP.priority``)
writes, every ``SEASIGHT_TRACKER_HEARTBEAT_S`` seconds, one ``consumer_member`` row (host, pid, the broker's
member id, its state and why) and one ``consumer_lag`` row per partition it holds:

    lag = end offset - committed offset   (records of the partition not yet stored in PostGIS; 0 at least)

The end offset is the broker's ListOffsets "latest" answer (Kafka protocol, KIP-79 semantics). On Apache
Kafka it counts records. **On the embedded Tansu broker (0.6) it is the base offset of the partition's last
record batch + 1**, so the lag shown there can be short by up to one producer batch (never below 0); the
committed offsets themselves count records on both brokers.

``seasight status``, ``seasight health`` (its ``consumers`` check) and the dashboard's feeds page read
these rows through :func:`consumer_report`, and judge them with :func:`judge` (pure). Every time is the
database's clock (``now()``), on writing and on judging, so trackers on hosts with skewed clocks compare
fairly; ``SEASIGHT_FIXED_TIME`` (the event time of exercises) does not decide whether a process is alive.

The pure pieces here (:func:`partition_lag`, :class:`JoinWatch`, :func:`judge`, :func:`member_state`,
:func:`describe_stall`) take every input, the clock included, as arguments.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast

import psycopg

from seasight.rows import fetch_all_as, fetch_all_by_name, fetch_one_by_name

if TYPE_CHECKING:
    from seasight.settings import Settings

log = logging.getLogger("seasight.tracking.liveness")

ConsumerState = Literal["joining", "consuming", "standby", "broker_away", "database_away", "stopped"]
STATES: tuple[ConsumerState, ...] = ("joining", "consuming", "standby", "broker_away", "database_away", "stopped")

#: Words the status and the feeds page use for each state.
STATE_WORDS: dict[str, str] = {
    "joining": "joining its group",
    "consuming": "consuming",
    "standby": "in its group, no partition (more members than partitions)",
    "broker_away": "broker away",
    "database_away": "database away",
    "stopped": "stopped",
}


# ---------------------------------------------------------------------------------------------------------
# pure pieces
# ---------------------------------------------------------------------------------------------------------


def partition_lag(end_offset: int, committed: int | None, start_offset: int = 0) -> int:
    """Records of a partition not yet committed by its group: ``end - committed`` (``end - start`` when
    the group has committed nothing), never below 0 (Tansu's end offset can trail the committed offset by
    up to one batch; see the module docstring)."""
    return max(0, end_offset - (committed if committed is not None else start_offset))


def member_state(assigned: int, stable: bool, broker_away: bool, database_away: bool) -> ConsumerState:
    """The state a tracker consumer reports: an outage first, then whether it holds partitions; a member
    that completed its join (``stable``) but got none is on standby, else it is still joining."""
    if broker_away:
        return "broker_away"
    if database_away:
        return "database_away"
    if assigned > 0:
        return "consuming"
    return "standby" if stable else "joining"


@dataclass
class JoinWatch:
    """How long a consumer has been without partitions while not on standby, and when that passes the join
    bound (``SEASIGHT_TRACKER_JOIN_BOUND_S``, s). After each time the bound passes, the next one is
    counted from then on (the tracker acts, then gives the group another bound).

    Times are ``time.monotonic()`` seconds, passed in (the watch reads no clock)."""

    bound_s: float | None  # None: never act (wait for the group as long as it takes)
    waiting_since: float | None = None
    overdue: int = 0  # how many times the bound has passed in this wait

    def observe(self, now: float, assigned: int, stable: bool) -> bool:
        """Record one look at the consumer; True when the bound has just passed (time to act)."""
        if assigned > 0 or stable:
            self.waiting_since = None
            self.overdue = 0
            return False
        if self.waiting_since is None:
            self.waiting_since = now
            return False
        if self.bound_s is not None and now - self.waiting_since >= self.bound_s:
            self.waiting_since = now
            self.overdue += 1
            return True
        return False

    def waited(self, now: float) -> float:
        """Seconds without partitions so far (0 when it holds some)."""
        return 0.0 if self.waiting_since is None else now - self.waiting_since


@dataclass(frozen=True, slots=True)
class GroupView:
    """What the broker says of a consumer group (DescribeGroups): its state and its members' ids."""

    state: str
    members: tuple[str, ...]


def describe_stall(
    group: str, waited_s: float, view: GroupView | None, live_trackers: Sequence[str], own_member: str | None
) -> str:
    """Why a tracker has no partitions, in words, for its log and its status row."""
    others = [m for m in (view.members if view else ()) if m != own_member]
    broker = (
        "the broker did not answer DescribeGroups"
        if view is None
        else f"the broker reports the group {view.state!r} with {len(view.members)} member(s)"
        + (f", {len(others)} other than this one" if own_member in view.members else "")
    )
    trackers = (
        f"trackers heard from lately: {', '.join(live_trackers)}" if live_trackers else "no other tracker heard from"
    )
    return f"no partitions after {waited_s:.0f} s in group {group}: {broker}; {trackers}"


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One ``consumer_member`` row (migration 0150)."""

    consumer_group: str
    member: str
    host: str
    pid: int
    kafka_member_id: str | None
    state: str
    state_since: datetime
    detail: str
    partitions: int
    resets: int
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class LagRow:
    """One ``consumer_lag`` row (migration 0150): a partition, who holds it, and how far behind it is."""

    consumer_group: str
    topic: str
    partition: int
    member: str
    committed_offset: int | None
    end_offset: int
    lag: int
    growing_since: datetime | None
    measured_at: datetime


@dataclass(frozen=True)
class ConsumerReport:
    """Every tracker consumer and partition as last reported, and the database's clock when read."""

    now: datetime
    members: list[MemberRow]
    lags: list[LagRow]

    def holder(self, lag: LagRow) -> MemberRow | None:
        for m in self.members:
            if (m.consumer_group, m.member) == (lag.consumer_group, lag.member):
                return m
        return None


@dataclass(frozen=True, slots=True)
class LivenessLimits:
    """When a consumer counts as gone and when a lag counts as a problem (``SEASIGHT_*`` settings)."""

    stale_after_s: float = 30.0  # no heartbeat for this long (s): the process is gone or hung
    lag_growing_alert_s: float = 300.0  # a lag above 0 that has only grown for this long (s)
    forget_after_s: float = 86_400.0  # members stopped or silent longer than this are left out (s)


def limits_from(settings: Settings) -> LivenessLimits:
    """The limits of SEASIGHT_CONSUMER_STALE_AFTER_S and SEASIGHT_CONSUMER_LAG_ALERT_S."""
    return LivenessLimits(
        stale_after_s=settings.consumer_stale_after_s, lag_growing_alert_s=settings.consumer_lag_alert_s
    )


@dataclass(frozen=True, slots=True)
class Problem:
    group: str
    text: str


def is_live(member: MemberRow, now: datetime, limits: LivenessLimits) -> bool:
    """A member that has not stopped and has sent a heartbeat within ``stale_after_s``."""
    return member.state != "stopped" and (now - member.heartbeat_at).total_seconds() <= limits.stale_after_s


def judge(report: ConsumerReport, limits: LivenessLimits, expected_groups: Sequence[str] = ()) -> list[Problem]:
    """What is wrong with the consumers, per group (empty: all is well). Pure.

    * no tracker has ever reported;
    * an expected group (the configured one) without a live member, or any group whose members all went
      silent without stopping (crashed or hung: no heartbeat for ``stale_after_s``); a group whose members
      all stopped cleanly and that is not expected is retired, not a problem;
    * a live member that cannot reach the broker or the database, or has been joining for over
      ``stale_after_s`` (says since when and why);
    * a partition whose holder is gone while its lag is above 0 (nobody stores it);
    * a partition whose lag has grown for over ``lag_growing_alert_s``.

    Members silent for over ``forget_after_s`` are left out (:func:`shown`).
    """
    report = shown(report, limits)
    now = report.now
    if not report.members and not expected_groups:
        return [Problem("-", "no tracker has reported yet (start `seasight track`)")]
    problems: list[Problem] = []
    for group in sorted({m.consumer_group for m in report.members} | set(expected_groups)):
        members = [m for m in report.members if m.consumer_group == group]
        live = [m for m in members if is_live(m, now, limits)]
        if not live:
            if not members:
                problems.append(Problem(group, "no tracker has reported in this group (start `seasight track`)"))
                continue
            silent = [m for m in members if m.state != "stopped"]
            if group in expected_groups or silent:
                last = max(silent or members, key=lambda m: m.heartbeat_at)
                how = "last heartbeat" if silent else "stopped"
                problems.append(
                    Problem(
                        group,
                        f"tracker missing: no live member ({how} {_ago(now, last.heartbeat_at)} ago, "
                        f"{last.host} pid {last.pid})",
                    )
                )
            continue
        for m in live:
            if m.state in ("broker_away", "database_away"):
                what = "broker" if m.state == "broker_away" else "database"
                problems.append(
                    Problem(
                        group,
                        f"{what} away since {m.state_since:%Y-%m-%d %H:%M:%S}Z ({_ago(now, m.state_since)}); "
                        f"{m.host} pid {m.pid} waiting and retrying",
                    )
                )
            elif m.state == "joining" and (now - m.state_since).total_seconds() > limits.stale_after_s:
                problems.append(
                    Problem(group, f"{m.host} pid {m.pid} has been joining for {_ago(now, m.state_since)}: {m.detail}")
                )
        live_keys = {m.member for m in live}
        for lag in (x for x in report.lags if x.consumer_group == group):
            where = f"{lag.topic}[{lag.partition}]"
            if lag.member not in live_keys:
                if lag.lag > 0:
                    problems.append(
                        Problem(
                            group,
                            f"{where}: holder gone (last measured {_ago(now, lag.measured_at)} ago, lag {lag.lag})",
                        )
                    )
            elif (
                lag.lag > 0
                and lag.growing_since is not None
                and (now - lag.growing_since).total_seconds() > limits.lag_growing_alert_s
            ):
                problems.append(Problem(group, f"{where}: lag {lag.lag} growing for {_ago(now, lag.growing_since)}"))
    return problems


def shown(report: ConsumerReport, limits: LivenessLimits) -> ConsumerReport:
    """The report without members (and their partitions) stopped or silent for over ``forget_after_s``."""
    keep = [m for m in report.members if (report.now - m.heartbeat_at).total_seconds() <= limits.forget_after_s]
    keys = {(m.consumer_group, m.member) for m in keep}
    groups = {m.consumer_group for m in keep}
    lags = [x for x in report.lags if x.consumer_group in groups or (x.consumer_group, x.member) in keys]
    return ConsumerReport(report.now, keep, lags)


def status_lines(report: ConsumerReport, limits: LivenessLimits) -> list[str]:
    """``seasight status``'s consumers section: members, then partitions with lag and holder."""
    report = shown(report, limits)
    if not report.members:
        return ["consumers: no tracker has reported (start `seasight track`)"]
    lines = ["consumers (lag = records not yet stored; on the embedded broker it can be short by one batch):"]
    for m in sorted(report.members, key=lambda m: (m.consumer_group, m.host, m.pid)):
        live = is_live(m, report.now, limits)
        state = STATE_WORDS.get(m.state, m.state)
        if m.state in ("broker_away", "database_away"):
            state += f" since {m.state_since:%Y-%m-%d %H:%M:%S}Z"
        if not live and m.state != "stopped":
            state = f"GONE (was {state})"
        lines.append(
            f"  {m.consumer_group:28} {m.host} pid {m.pid:<7} {state}; {m.partitions} partition(s), "
            f"heartbeat {_ago(report.now, m.heartbeat_at)} ago"
            + (f", {m.resets} group reset(s)" if m.resets else "")
            + (f" - {m.detail}" if m.detail else "")
        )
    by_topic: dict[tuple[str, str], list[LagRow]] = {}
    for lag in sorted(report.lags, key=lambda x: (x.consumer_group, x.topic, x.partition)):
        by_topic.setdefault((lag.consumer_group, lag.topic), []).append(lag)
    for (group, topic), rows in by_topic.items():
        holders = {_holder_words(report, x, limits) for x in rows}
        parts = []
        for x in rows:
            part = f"[{x.partition}] lag {x.lag}"
            if x.growing_since is not None and x.lag:
                part += f" growing for {_ago(report.now, x.growing_since)}"
            if len(holders) > 1:
                part += f" by {_holder_words(report, x, limits)}"
            parts.append(part)
        one = f" held by {holders.pop()}" if len(holders) == 1 else ""
        lines.append(f"  {group:28} {topic}: {', '.join(parts)}{one}")
    return lines


def _holder_words(report: ConsumerReport, lag: LagRow, limits: LivenessLimits) -> str:
    h = report.holder(lag)
    who = f"{h.host} pid {h.pid}" if h is not None else lag.member
    return who if h is not None and is_live(h, report.now, limits) else f"{who} (gone)"


def report_as_dict(
    report: ConsumerReport, limits: LivenessLimits, expected_groups: Sequence[str] = ()
) -> dict[str, object]:
    """``seasight status --json``'s consumers part (with :func:`judge`'s problems)."""
    problems = judge(report, limits, expected_groups)
    report = shown(report, limits)
    return {
        "as_of": report.now.isoformat(),
        "members": [
            {
                "group": m.consumer_group,
                "member": m.member,
                "host": m.host,
                "pid": m.pid,
                "kafka_member_id": m.kafka_member_id,
                "state": m.state,
                "state_since": m.state_since.isoformat(),
                "live": is_live(m, report.now, limits),
                "detail": m.detail,
                "partitions": m.partitions,
                "resets": m.resets,
                "heartbeat_at": m.heartbeat_at.isoformat(),
            }
            for m in report.members
        ],
        "partitions": [
            {
                "group": x.consumer_group,
                "topic": x.topic,
                "partition": x.partition,
                "member": x.member,
                "committed_offset": x.committed_offset,
                "end_offset": x.end_offset,
                "lag": x.lag,
                "growing_since": x.growing_since.isoformat() if x.growing_since else None,
                "measured_at": x.measured_at.isoformat(),
            }
            for x in report.lags
        ],
        "problems": [{"group": p.group, "problem": p.text} for p in problems],
    }


def _ago(now: datetime, then: datetime) -> str:
    s = max(0.0, (now - then).total_seconds())
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 172_800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.0f} d"


# ---------------------------------------------------------------------------------------------------------
# database side
# ---------------------------------------------------------------------------------------------------------


#: The columns of a :class:`MemberRow`, each named as its field.
_MEMBER_COLUMNS = (
    "consumer_group, member, host, pid, kafka_member_id, state, state_since, detail, partitions, resets,"
    " started_at, heartbeat_at"
)


def consumer_report(conn: psycopg.Connection) -> ConsumerReport:
    """Every ``consumer_member`` and ``consumer_lag`` row, with the database's clock (read only)."""
    clock = fetch_one_by_name(conn, "SELECT now() AS db_now")
    assert clock is not None
    members = fetch_all_as(
        conn,
        MemberRow,
        f"SELECT {_MEMBER_COLUMNS} FROM consumer_member ORDER BY consumer_group, host, pid, member",
    )
    lags = fetch_all_as(
        conn,
        LagRow,
        """SELECT consumer_group, topic, kafka_partition AS "partition", member, committed_offset, end_offset, lag,
                  growing_since, measured_at
             FROM consumer_lag ORDER BY consumer_group, topic, kafka_partition""",
    )
    return ConsumerReport(cast(datetime, clock["db_now"]), members, lags)


def live_trackers(conn: psycopg.Connection, group: str, stale_after_s: float, except_member: str) -> list[MemberRow]:
    """Members of ``group`` other than ``except_member`` that have sent a heartbeat lately and not stopped."""
    return fetch_all_as(
        conn,
        MemberRow,
        f"""SELECT {_MEMBER_COLUMNS}
                 FROM consumer_member
                WHERE consumer_group = %s AND member <> %s AND state <> 'stopped'
                  AND heartbeat_at > now() - make_interval(secs => %s)""",
        (group, except_member, stale_after_s),
    )


def recorded_offsets(conn: psycopg.Connection, group: str) -> dict[tuple[str, int], int]:
    """The committed offsets of ``group`` as its holders last reported them ((topic, partition) -> offset)."""
    return {
        (r["topic"], int(r["kafka_partition"])): int(r["committed_offset"])
        for r in fetch_all_by_name(
            conn,
            "SELECT topic, kafka_partition, committed_offset FROM consumer_lag "
            "WHERE consumer_group = %s AND committed_offset IS NOT NULL",
            (group,),
        )
    }


@dataclass
class Heartbeat:
    """What one consumer reports on a heartbeat."""

    state: ConsumerState
    detail: str = ""
    kafka_member_id: str | None = None
    lags: Mapping[tuple[str, int], tuple[int | None, int, int]] = field(default_factory=dict)
    """(topic, partition) -> (committed offset, end offset, lag)."""
    resets: int = 0


def member_key() -> tuple[str, int, str]:
    """(host, pid, member key) of this process: the key is unique per start (``host:pid:token``)."""
    host = socket.gethostname()
    pid = os.getpid()
    return host, pid, f"{host}:{pid}:{uuid.uuid4().hex[:8]}"


class LivenessRecorder:
    """Writes one consumer's heartbeats (its own autocommit connection, apart from the tracker's batch
    transactions). While the database is away a heartbeat is skipped with one log line, never raised: the
    tracker's own database handling pauses consumption meanwhile."""

    def __init__(self, database_url: str, group: str, host: str, pid: int, member: str) -> None:
        self.database_url = database_url
        self.group = group
        self.host = host
        self.pid = pid
        self.member = member
        self._conn: psycopg.Connection | None = None
        self._state: str | None = None
        self._failing = False

    def connection(self) -> psycopg.Connection:
        """This recorder's autocommit connection (opened on first use)."""
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.database_url, autocommit=True, connect_timeout=5, application_name="seasight-tracker-liveness"
            )
        return self._conn

    def beat(self, beat: Heartbeat) -> bool:
        """Write the member row (state_since moves only when the state changes) and the lag rows of the
        partitions it holds. False when the database could not be written (logged once per outage)."""
        try:
            conn = self.connection()
            with conn.transaction():
                conn.execute(
                    """INSERT INTO consumer_member AS m (consumer_group, member, host, pid, kafka_member_id, state,
                                                         detail, partitions, resets)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                       ON CONFLICT (consumer_group, member) DO UPDATE
                          SET kafka_member_id = EXCLUDED.kafka_member_id,
                              state = EXCLUDED.state,
                              state_since = CASE WHEN m.state = EXCLUDED.state THEN m.state_since ELSE now() END,
                              detail = EXCLUDED.detail,
                              partitions = EXCLUDED.partitions,
                              resets = EXCLUDED.resets,
                              heartbeat_at = now()""",
                    (
                        self.group,
                        self.member,
                        self.host,
                        self.pid,
                        beat.kafka_member_id,
                        beat.state,
                        beat.detail[:2000],
                        len(beat.lags),
                        beat.resets,
                    ),
                )
                self._write_lags(conn, beat.lags)
            if self._failing:
                log.info("liveness: heartbeats of %s written again", self.group)
            self._failing = False
            return True
        except psycopg.Error as exc:
            if not self._failing:
                log.warning("liveness: cannot write the heartbeat of %s (%s); will retry", self.group, _first(exc))
            self._failing = True
            self.close()
            return False

    def _write_lags(
        self, conn: psycopg.Connection, lags: Mapping[tuple[str, int], tuple[int | None, int, int]]
    ) -> None:
        """Upsert the held partitions' lags. growing_since: kept while the lag does not shrink and stays
        above 0, set to the previous measurement's time when it grows from a smaller value, cleared when it
        shrinks or reaches 0 (whoever measured it before)."""
        if not lags:
            return
        items = sorted(lags.items())
        conn.execute(
            """INSERT INTO consumer_lag AS l (consumer_group, topic, kafka_partition, member, committed_offset,
                                              end_offset, lag)
               SELECT %s, t, p, %s, c, e, g
                 FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(t, p, c, e, g)
               ON CONFLICT (consumer_group, topic, kafka_partition) DO UPDATE
                  SET member = EXCLUDED.member,
                      committed_offset = EXCLUDED.committed_offset,
                      end_offset = EXCLUDED.end_offset,
                      lag = EXCLUDED.lag,
                      growing_since = CASE
                          WHEN EXCLUDED.lag = 0 OR EXCLUDED.lag < l.lag THEN NULL
                          WHEN EXCLUDED.lag > l.lag THEN coalesce(l.growing_since, l.measured_at)
                          ELSE l.growing_since END,
                      measured_at = now()""",
            (
                self.group,
                self.member,
                [k[0] for k, _ in items],
                [k[1] for k, _ in items],
                [v[0] for _, v in items],
                [v[1] for _, v in items],
                [v[2] for _, v in items],
            ),
        )

    def stopped(self) -> None:
        """Mark the member stopped (a clean exit); its partitions' rows stay until a new holder writes them."""
        self.beat(Heartbeat("stopped"))
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def group_offsets_for(
    topics: Iterable[str], broker: Mapping[tuple[str, int], int], recorded: Mapping[tuple[str, int], int]
) -> dict[tuple[str, int], int]:
    """The offsets a reset group starts again from: the broker's committed offsets, else (for partitions
    the broker no longer knows) those its holders last recorded. Only partitions of ``topics``."""
    wanted = set(topics)
    out = {k: v for k, v in recorded.items() if k[0] in wanted}
    out.update({k: v for k, v in broker.items() if k[0] in wanted})
    return out


def read_report(database_url: str, timeout_s: float = 5.0) -> ConsumerReport:
    """:func:`consumer_report` over a short-lived connection (raises psycopg.Error when unreachable)."""
    with psycopg.connect(
        database_url, autocommit=True, connect_timeout=max(1, int(timeout_s)), application_name="seasight-status"
    ) as conn:
        return consumer_report(conn)


def summary(report: ConsumerReport, limits: LivenessLimits) -> str:
    """One line: live trackers, groups, partitions held and their total lag."""
    live = [m for m in report.members if is_live(m, report.now, limits)]
    groups = sorted({m.consumer_group for m in live})
    keys = {(m.consumer_group, m.member) for m in live}
    held = [x for x in report.lags if (x.consumer_group, x.member) in keys]
    return (
        f"{len(live)} live tracker consumer(s) in {len(groups)} group(s) ({', '.join(groups) or '-'}), "
        f"{len(held)} partition(s) held, total lag {sum(x.lag for x in held)}"
    )
