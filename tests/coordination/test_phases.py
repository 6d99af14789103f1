"""IAMSAR phase rules: transitions with reasons, time in phase, checklist timers, second-coordinator
confirmation of no-action decisions, closure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coordination import phases as ph
from coordination.errors import CaseClosedError, InvalidInputError, PhaseRuleError

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def opened(phase: ph.Phase = ph.Phase.UNCERTAINTY) -> list[ph.CaseEvent]:
    return [ph.open_event(phase, "ana", T0, "boat overdue, hotline call", {})]


def test_open_then_escalate_records_reason_and_direction() -> None:
    log = opened()
    ev = ph.change_phase(
        ph.replay(log), ph.Phase.ALERT, "no contact after enquiries", "ana", T0 + timedelta(minutes=40)
    )
    assert ev.kind is ph.EventKind.PHASE_CHANGED
    assert ev.data == {
        "from": "uncertainty",
        "to": "alert",
        "reason": "no contact after enquiries",
        "direction": "escalation",
    }
    log.append(ev)
    down = ph.change_phase(
        ph.replay(log),
        ph.Phase.UNCERTAINTY,
        "boat reported by fishers as safe",
        "ben",
        T0 + timedelta(minutes=50),
    )
    assert down.data["direction"] == "downgrade"


def test_phase_change_needs_reason_and_a_different_phase() -> None:
    state = ph.replay(opened())
    with pytest.raises(InvalidInputError, match="reason"):
        ph.change_phase(state, ph.Phase.ALERT, "   ", "ana", T0)
    with pytest.raises(PhaseRuleError, match="already in the uncertainty"):
        ph.change_phase(state, ph.Phase.UNCERTAINTY, "again", "ana", T0)
    with pytest.raises(InvalidInputError, match="timezone"):
        ph.change_phase(state, ph.Phase.ALERT, "x", "ana", datetime(2026, 11, 23, 2, 0))


def test_time_in_each_phase() -> None:
    log = opened()
    log.append(ph.change_phase(ph.replay(log), ph.Phase.ALERT, "r", "ana", T0 + timedelta(minutes=30)))
    log.append(ph.change_phase(ph.replay(log), ph.Phase.DISTRESS, "r", "ana", T0 + timedelta(minutes=75)))
    log.append(ph.change_phase(ph.replay(log), ph.Phase.ALERT, "r", "ana", T0 + timedelta(minutes=100)))
    totals = ph.time_in_phases(ph.replay(log), T0 + timedelta(minutes=130))
    assert totals[ph.Phase.UNCERTAINTY] == timedelta(minutes=30)
    assert totals[ph.Phase.ALERT] == timedelta(minutes=45 + 30)
    assert totals[ph.Phase.DISTRESS] == timedelta(minutes=25)


def test_overdue_checklist_actions_and_escalation_prompt() -> None:
    log = opened()
    # 20 min in: only verify_report (due 15 min) is overdue
    p20 = ph.prompts(ph.replay(log), T0 + timedelta(minutes=20))
    assert [(p.kind, p.action_id) for p in p20] == [("overdue_action", "verify_report")]
    assert p20[0].overdue_by == timedelta(minutes=5)
    log.append(ph.record_action(ph.replay(log), "verify_report", "ana", T0 + timedelta(minutes=21)))
    # 61 min in: the two 30-min actions are overdue, and the 60-min uncertainty timer prompts alert
    p61 = ph.prompts(ph.replay(log), T0 + timedelta(minutes=61))
    assert [(p.kind, p.action_id) for p in p61] == [
        ("overdue_action", "communication_search"),
        ("overdue_action", "plot_lkp"),
        ("escalate", None),
    ]
    assert "consider escalating to alert" in p61[-1].message
    # a custom timer (range checked)
    assert [
        p.kind for p in ph.prompts(ph.replay(log), T0 + timedelta(minutes=61), ph.PhaseTimers(uncertainty_max_min=90))
    ] == ["overdue_action"] * 2
    with pytest.raises(InvalidInputError, match="uncertainty_max_min"):
        ph.PhaseTimers(uncertainty_max_min=2)


def test_timers_restart_with_the_new_phase_and_distress_has_no_escalation() -> None:
    log = opened()
    log.append(ph.change_phase(ph.replay(log), ph.Phase.DISTRESS, "boat sinking", "ana", T0 + timedelta(hours=1)))
    pr = ph.prompts(ph.replay(log), T0 + timedelta(hours=1, minutes=11))
    assert sorted(p.action_id or "" for p in pr) == ["dispatch_sar_facilities", "distress_relay"]
    assert all(p.kind == "overdue_action" for p in pr)


def test_record_action_only_from_current_checklist_and_once() -> None:
    state = ph.replay(opened())
    with pytest.raises(InvalidInputError, match="not on the uncertainty checklist"):
        ph.record_action(state, "distress_relay", "ana", T0)
    log = opened()
    log.append(ph.record_action(state, "verify_report", "ana", T0 + timedelta(minutes=1)))
    with pytest.raises(PhaseRuleError, match="already recorded"):
        ph.record_action(ph.replay(log), "verify_report", "ana", T0 + timedelta(minutes=2))


def test_no_action_needs_a_second_coordinator() -> None:
    log = opened(ph.Phase.ALERT)
    log.append(ph.propose_no_action(ph.replay(log), "boat located by navy, safe", "ana", T0 + timedelta(minutes=5)))
    state = ph.replay(log)
    assert state.no_action is not None and state.no_action.confirmed_by is None
    with pytest.raises(PhaseRuleError, match="second coordinator"):
        ph.confirm_no_action(state, "ana", T0 + timedelta(minutes=6))
    with pytest.raises(PhaseRuleError, match="already awaiting confirmation"):
        ph.propose_no_action(state, "again", "ben", T0 + timedelta(minutes=6))
    # closing while the decision awaits confirmation is refused
    with pytest.raises(PhaseRuleError, match="awaits a second coordinator"):
        ph.close_case(state, ph.Conclusion.LOCATED_SAFE, "safe", "ana", T0 + timedelta(minutes=6))
    log.append(ph.confirm_no_action(state, "ben", T0 + timedelta(minutes=7)))
    state = ph.replay(log)
    assert state.no_action is not None and state.no_action.confirmed_by == "ben"
    # a confirmed no-action silences the timers
    assert ph.prompts(state, T0 + timedelta(hours=5)) == []
    with pytest.raises(PhaseRuleError, match="already confirmed"):
        ph.confirm_no_action(state, "carla", T0 + timedelta(minutes=8))


def test_no_action_refused_in_distress_and_without_proposal() -> None:
    state = ph.replay(opened(ph.Phase.DISTRESS))
    with pytest.raises(PhaseRuleError, match="distress phase"):
        ph.propose_no_action(state, "x", "ana", T0)
    with pytest.raises(PhaseRuleError, match="no no-action decision"):
        ph.confirm_no_action(state, "ben", T0)


def test_close_with_conclusion_then_nothing_more() -> None:
    log = opened(ph.Phase.DISTRESS)
    ev = ph.close_case(
        ph.replay(log),
        ph.Conclusion.RESCUED,
        "63 persons rescued by MV Example",
        "ana",
        T0 + timedelta(hours=3),
    )
    assert ev.data["conclusion"] == "rescued" and ev.data["final_phase"] == "distress"
    log.append(ev)
    state = ph.replay(log)
    assert state.is_closed and state.conclusion is ph.Conclusion.RESCUED
    assert ph.time_in_phases(state, T0 + timedelta(hours=10))[ph.Phase.DISTRESS] == timedelta(hours=3)
    assert ph.prompts(state, T0 + timedelta(hours=10)) == []
    with pytest.raises(CaseClosedError):
        ph.change_phase(state, ph.Phase.ALERT, "r", "ana", T0 + timedelta(hours=4))
    with pytest.raises(InvalidInputError, match="summary"):
        ph.close_case(ph.replay(opened()), ph.Conclusion.LOST, "", "ana", T0)


def test_hand_over_changes_coordinating_rcc() -> None:
    log = [ph.open_event(ph.Phase.ALERT, "ana", T0, "r", {"rcc": "MRCC A"})]
    ev = ph.hand_over(ph.replay(log), "MRCC B", "boat drifted into SRR B", "ana", T0 + timedelta(hours=1), "duty B")
    assert ev.data["from_rcc"] == "MRCC A" and ev.data["to_rcc"] == "MRCC B"
    log.append(ev)
    assert ph.replay(log).rcc == "MRCC B"
    with pytest.raises(PhaseRuleError, match="already coordinates"):
        ph.hand_over(ph.replay(log), "MRCC B", "r", "ana", T0 + timedelta(hours=2))


def test_log_must_start_with_opened() -> None:
    with pytest.raises(PhaseRuleError, match="must start"):
        ph.replay([ph.CaseEvent(ph.EventKind.NOTE, T0, "ana", {})])
