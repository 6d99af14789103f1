"""Practice figures for recipients of aggregate-only outcomes (migration 0080, ``seasight report publish``).

A state may share its outcomes with a participant or the RSO at detail ``aggregate``: the recipient reads
no row of them, yet they count in the recipient's practice figures. A service (which reads every outcome)
computes, for each such recipient and for every grouping of :data:`practices.GROUPINGS` (15), the
suppressed figures (:func:`practices.suppress_shared`: small-cell and complementary suppression) over the
real outcomes the recipient may count — its own state's, those shared with it in full, those shared with
it as aggregates — and stores them in ``shared_practice_figures``, readable by that recipient alone. The
recipient's practices page and ``seasight report practices`` then show the published figures
(:func:`published_practices`), with the time they were computed.

Why published and not computed per request: the recipient's session may not read the rows, and a
function answering any grouping on demand could be asked two groupings and the answers differenced.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from coordination.disembarkation.practices import GROUPINGS, GroupFigures, OutcomeRecord, suppress_shared
from coordination.disembarkation.store import real_outcome_records_with_owner
from seasight.accounts import RSO
from seasight.rows import fetch_all_by_name, fetch_one_by_name
from seasight.sharing import EVERYONE, Agreement

log = logging.getLogger("coordination.disembarkation.publish")

#: The roles whose accounts read practice figures (the dashboard's practices page, `report practices`).
READER_ROLES = ("rso_analyst", "focal_point", "sar_coordinator")


@dataclass(frozen=True)
class Publication:
    """Published figures of one grouping for the session's participant."""

    figures: list[GroupFigures]
    computed_at: datetime
    aggregate_of: tuple[str, ...]  # owners sharing only aggregates with this recipient


def groupings() -> list[tuple[str, ...]]:
    """Every non-empty grouping, dimensions in the order of :data:`GROUPINGS`."""
    return [combo for size in range(1, len(GROUPINGS) + 1) for combo in itertools.combinations(GROUPINGS, size)]


def canonical(by: Sequence[str]) -> tuple[str, ...]:
    unknown = [d for d in by if d not in GROUPINGS]
    if unknown or not by:
        raise ValueError(f"group by one or more of {', '.join(GROUPINGS)}, not {list(by)}")
    return tuple(sorted(set(by), key=GROUPINGS.index))


def countable_owners(
    recipient: str, owners: Iterable[str], agreements: Iterable[Agreement]
) -> tuple[set[str], set[str]]:
    """(owners the recipient reads in full — its own state, SYSTEM, full agreements —, owners it counts
    only as aggregates) among ``owners``, by the outcome agreements."""
    agreements = [a for a in agreements if a.kind == "outcome" and a.recipient in (recipient, EVERYONE)]
    full = {o for o in owners if o == "SYSTEM" or (o == recipient and recipient != RSO)}
    full |= {a.owner for a in agreements if a.detail == "full"}
    aggregate = {a.owner for a in agreements if a.detail == "aggregate"} - full
    present = set(owners)
    return full & present, aggregate & present


def figures_for(
    recipient: str, records: Sequence[tuple[str, OutcomeRecord]], agreements: Sequence[Agreement]
) -> tuple[dict[tuple[str, ...], list[GroupFigures]], set[str], set[str]]:
    """The suppressed figures of every grouping over what ``recipient`` may count (pure)."""
    full, aggregate = countable_owners(recipient, {o for o, _ in records}, agreements)
    counted = [r for o, r in records if o in full | aggregate]
    return {by: suppress_shared(counted, by) for by in groupings()}, full, aggregate


def publish_practices(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Recompute the published figures of every recipient with aggregate-only sources (a service
    session: it reads every outcome and agreement); remove those of recipients without any. Returns the
    rows written per recipient. Runs in one transaction: readers see the old set or the new one."""
    me = fetch_one_by_name(conn, "SELECT role, name FROM session_account()")
    if me is None or me["role"] != "service":
        raise PermissionError("practice figures are published by a service account (SEASIGHT_ACCOUNT_TOKEN)")
    records = real_outcome_records_with_owner(conn)
    agreements = [
        Agreement(owner=r["owner"], kind=r["record_kind"], recipient=r["recipient"], detail=r["detail"])
        for r in fetch_all_by_name(
            conn, "SELECT owner, record_kind, recipient, detail FROM sharing_agreement WHERE record_kind = 'outcome'"
        )
    ]
    readers = {
        r["participant"]
        for r in fetch_all_by_name(
            conn,
            "SELECT DISTINCT participant FROM account WHERE disabled_at IS NULL AND role = ANY(%s)",
            (list(READER_ROLES),),
        )
    }
    written: dict[str, int] = {}
    with conn.transaction():
        for recipient in sorted(readers):
            by_grouping, full, aggregate = figures_for(recipient, records, agreements)
            if not aggregate:
                continue
            for by, rows in by_grouping.items():
                conn.execute(
                    """INSERT INTO shared_practice_figures (recipient, grouping, figures, owners, aggregate_of,
                                                            computed_at, acted_by)
                       VALUES (%s, %s, %s, %s, %s, now(), %s)
                       ON CONFLICT (recipient, grouping) DO UPDATE
                          SET figures = excluded.figures, owners = excluded.owners,
                              aggregate_of = excluded.aggregate_of, computed_at = now(),
                              acted_by = excluded.acted_by""",
                    (
                        recipient,
                        ",".join(by),
                        Jsonb([g.as_dict() for g in rows]),
                        sorted(full | aggregate),
                        sorted(aggregate),
                        me["name"],
                    ),
                )
            written[recipient] = len(by_grouping)
        conn.execute("DELETE FROM shared_practice_figures WHERE NOT (recipient = ANY(%s))", (list(written),))
    log.info("practice figures published for %s", ", ".join(f"{r} ({n})" for r, n in written.items()) or "nobody")
    return written


def _figures_from(d: dict[str, Any], by: Sequence[str]) -> GroupFigures:
    values = {f.name: d.get(f.name) for f in fields(GroupFigures) if f.name not in ("group", "suppressed")}
    return GroupFigures(
        group=tuple((dim, str(d[dim])) for dim in by), suppressed=tuple(d.get("suppressed", ())), **values
    )


def published_practices(conn: psycopg.Connection[Any], by: Sequence[str]) -> Publication | None:
    """The figures published for this session's participant and grouping ``by`` (None: nothing published
    for it, so its figures are computed from the rows it may read — which also names a bad grouping)."""
    if not by or any(d not in GROUPINGS for d in by):
        return None
    row = fetch_one_by_name(
        conn,
        """SELECT figures, computed_at, aggregate_of FROM shared_practice_figures
            WHERE recipient = session_participant() AND grouping = %s""",
        (",".join(canonical(by)),),
    )
    if row is None:
        return None
    figures = sorted((_figures_from(d, by) for d in row["figures"]), key=lambda g: g.group)
    return Publication(figures, row["computed_at"], tuple(row["aggregate_of"]))


def pending_aggregates(conn: psycopg.Connection[Any]) -> list[str]:
    """Owners sharing outcomes with this session's participant as aggregates only (visible agreements)."""
    rows = fetch_all_by_name(
        conn,
        """SELECT DISTINCT a.owner FROM sharing_agreement a
            WHERE a.record_kind = 'outcome' AND a.detail = 'aggregate'
              AND a.recipient IN (session_participant(), '*') AND a.owner <> session_participant()
              AND NOT EXISTS (SELECT 1 FROM sharing_agreement f
                               WHERE f.owner = a.owner AND f.record_kind = 'outcome' AND f.detail = 'full'
                                 AND f.recipient IN (session_participant(), '*'))
            ORDER BY 1""",
    )
    return [r["owner"] for r in rows]
