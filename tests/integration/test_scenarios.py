"""Each partnership's policy walked end to end: notice, every stage, chasers, resolution.

A fixed clock (London time in comments) and the example directory; every
step asserts the exact recipients, copies and due times the policy text gives.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState, OutboxMessage
from sqlalchemy import select

from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import docx_table_notice
from tests.support.mail import notice_email, wire
from tests.support.scenario import Scenario, by_kind, contact, contacts, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731  (GMT until 29 March 2026)


_notice = notice_rows


# -- Barnet -------------------------------------------------------------------

BAR_RAISING, BAR_CHALLENGED = "Barnet Community Health", "Barnet Children's Social Care"


def _bar(role: str, side: str = "raising") -> str:
    return contact("barnet", BAR_RAISING if side == "raising" else BAR_CHALLENGED, role)


def test_barnet_four_stages_same_day_chasers_overrun_and_action_log(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    practitioner = _bar("practitioner")
    ref = s.notice(practitioner, _notice("Sam Smith", "03/09/2019", BAR_CHALLENGED, "1"))
    sent = by_kind(s.sent())
    # Stage 1: the professionals in disagreement; the raiser is told, not routed to.
    assert sent["routed_case"].to == {_bar("practitioner", "challenged")}
    assert sent["acknowledgement"].to == {practitioner}
    # Barnet 3: escalated the same working day; the whole matter within five working days.
    assert s.open_deadlines(ref) == {
        ("stage_response", 1, T(2026, 3, 10, 17, 0)),
        ("overall_resolution", 1, T(2026, 3, 17, 17, 0)),
    }

    assert s.at(T(2026, 3, 10, 14, 59)).tick() == 0
    assert s.at(T(2026, 3, 10, 15, 0)).tick() == 1  # two hours before a same-day deadline
    [reminder] = s.sent()
    assert (reminder.kind, reminder.to) == ("reminder", {_bar("practitioner", "challenged")})
    assert reminder.subject == f"[{ref}] Reminder – stage 1"
    assert s.tick() == 0, "a second pass sends nothing twice"

    # Barnet 3: not answered by the end of the same working day, the matter moves on at once.
    s.at(T(2026, 3, 10, 17, 0)).tick()
    moved = by_kind(s.sent())
    assert s.case(ref).stage == 2
    # Barnet 2, Stage 2: up line management one level at a time (Deputy Team Manager first).
    assert moved["routed_case"].to == {_bar("line_manager"), _bar("line_manager", "challenged")}
    assert moved["case_update"].to == {practitioner}

    s.reply(ref, _bar("line_manager", "challenged"), "Unresolved: we still do not agree.\n\n> quoted")
    s.sent()
    s.reply(ref, _bar("team_manager", "challenged"), "Unresolved")
    s.sent()
    s.reply(ref, _bar("head_of_service", "challenged"), "Unresolved")
    stage3 = by_kind(s.sent())
    assert s.case(ref).stage == 3
    assert stage3["routed_case"].to == {_bar("designated_safeguarding_lead"), _bar("designated_safeguarding_lead", "challenged")}

    s.reply(ref, _bar("designated_safeguarding_lead"), "Escalate - significant policy issue")
    stage4 = by_kind(s.sent())
    assert s.case(ref).stage == 4
    assert stage4["routed_case"].to == {
        _bar("designated_safeguarding_lead"),
        _bar("designated_safeguarding_lead", "challenged"),
        contact("barnet", None, "board_manager"),
        contact("barnet", None, "head_of_safeguarding"),
    }
    # Barnet 2, Stage 4: safeguarding leads of agencies not involved are listed; the service picks none.
    police_lead = contact("barnet", "Barnet Police", "designated_safeguarding_lead")
    assert "Way forward" in stage4["routed_case"].text and "Barnet Police" in stage4["routed_case"].text
    assert police_lead not in stage4["routed_case"].everyone

    # Past five working days: the escalating agency's manager is asked for reasons and safety.
    s.reply(ref, contact("barnet", None, "board_manager"), "We are arranging mediation next week.")
    s.sent()
    s.at(T(2026, 3, 17, 17, 0)).tick()
    overrun = [m for m in s.sent() if m.kind == "overrun"]
    assert [(m.to, m.subject) for m in overrun] == [({_bar("line_manager")}, f"[{ref}] Reasons needed – stage 4")]
    assert "safety" in overrun[0].text

    s.reply(ref, _bar("line_manager"), "The delay was agreed; the child was seen at home on Monday and is safe.")
    # Issue 11: the written record is shared: the reasons reach the case's other parties.
    [passed_on] = s.sent()
    assert passed_on.kind == "reply_update" and _bar("line_manager") not in passed_on.everyone
    assert "the child was seen at home on Monday" in passed_on.text
    assert "overrun-response" in [e.rule for e in s.case(ref).events], (
        "Barnet 3: the reasons and the safety confirmation are recorded"
    )
    s.reply(ref, contact("barnet", None, "head_of_safeguarding"), "Resolved: mediation agreed a strategy discussion on Friday.")
    [closed] = s.sent()
    case = s.case(ref)
    assert (case.state, case.outcome) == (CaseState.RESOLVED, "mediation agreed a strategy discussion on Friday.")
    assert closed.kind == "case_closed" and closed.subject == f"[{ref}] Resolved – stage 4"
    assert practitioner in closed.to
    # Barnet 4: the issue, learning and outcome go to the Board Manager for the BSCB Action Log.
    assert contact("barnet", None, "board_manager") in closed.everyone
    assert "Action Log" in closed.text
    assert s.open_deadlines(ref) == set()
    assert s.at(T(2026, 3, 20, 12, 0)).tick() == 0, "a resolved case is never chased"


# -- Salford ------------------------------------------------------------------

SAL_RAISING, SAL_CHALLENGED = "Northside Health", "Salford Children's Services"


def test_salford_three_stages_copies_consultation_and_lado(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.notice(practitioner, _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED, "1"))
    sent = by_kind(s.sent())
    assert sent["routed_case"].to == {contact("salford", SAL_CHALLENGED, "practitioner")}
    # 3.4: copied to the Service Manager within 2 working days (done at once); 4.2: every notice to the Business Manager.
    assert sent["routed_case"].cc == {
        contact("salford", SAL_CHALLENGED, "service_manager"),
        contact("salford", None, "business_manager"),
    }
    assert "LADO" in sent["acknowledgement"].text
    case = s.case(ref)
    assert {(d.kind, d.met) for d in case.deadlines} == {("stage_response", False), ("copy:service-manager-copy", True)}

    s.reply(ref, contact("salford", SAL_CHALLENGED, "practitioner"), "Unresolved. We maintain the threshold was not met.")
    stage2 = by_kind(s.sent())
    assert stage2["routed_case"].to == contacts(
        "salford",
        (SAL_RAISING, "line_manager"),
        (SAL_RAISING, "designated_safeguarding_lead"),
        (SAL_CHALLENGED, "line_manager"),
        (SAL_CHALLENGED, "designated_safeguarding_lead"),
    )
    s.reply(ref, contact("salford", SAL_RAISING, "line_manager"), "Escalate")
    stage3 = by_kind(s.sent())
    # 3.1: the practitioner's manager to the Operational/Service Manager; 3.2: the SQAU for consultation.
    assert stage3["routed_case"].to == {
        contact("salford", SAL_RAISING, "line_manager"),
        contact("salford", SAL_CHALLENGED, "service_manager"),
        contact("salford", None, "quality_assurance_unit"),
    }
    s.reply(ref, contact("salford", SAL_CHALLENGED, "service_manager"), "Resolved: an assessment will start tomorrow.")
    [closed] = s.sent()
    assert s.case(ref).state == CaseState.RESOLVED
    assert contact("salford", None, "business_manager") in closed.cc  # 5: general issues to the Business Manager


def test_salford_copy_to_a_missing_service_manager_is_chased_with_the_business_manager(runtime: Runtime, clock: Clock) -> None:
    from escalations.routing.directory import parse_csv
    from escalations.service.directory import current_rows, import_rows

    with runtime.sessions.begin() as session:
        rows = [r for r in current_rows(session, "salford") if not (r.agency == SAL_CHALLENGED and r.role == "service_manager")]
        import_rows(session, rows)
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED, "1"))
    assert "directory_gap" in by_kind(s.sent())
    assert ("copy:service-manager-copy", 1, T(2026, 3, 12, 17, 0)) in s.open_deadlines(ref)
    s.at(T(2026, 3, 12, 17, 0)).tick()
    chasers = [m for m in s.sent() if m.kind == "chaser" and "copy" in m.text]
    assert [m.to for m in chasers] == [{contact("salford", None, "business_manager")}]
    assert parse_csv  # the import path used above is the CLI's own


# -- Bury (children) ------------------------------------------------------------

BURYC_RAISING, BURYC_CHALLENGED = "Bury Health Visiting", "Bury Children's Social Care"


def test_bury_children_immediate_risk_same_working_day_through_four_tiers(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "bsp@bury.example").at(T(2026, 3, 13, 16, 45))  # Friday 16:45, after the cut-off
    practitioner = contact("bury-children", BURYC_RAISING, "practitioner")
    ref = s.notice(practitioner, _notice("Kai Doe", "03/09/2019", BURYC_CHALLENGED, "1", risk="Yes"))
    assert ref.startswith("BURYC-2026-")
    sent = by_kind(s.sent())
    dsls = contacts(
        "bury-children", (BURYC_RAISING, "designated_safeguarding_lead"), (BURYC_CHALLENGED, "designated_safeguarding_lead")
    )
    assert sent["routed_case"].to == {contact("bury-children", BURYC_CHALLENGED, "practitioner")} | dsls
    assert "IMMEDIATE RISK" in sent["acknowledgement"].text
    # Bury children 5, "same working day", in clock time for a child at risk: that Friday night, not Monday.
    assert ("immediate_risk", 1, T(2026, 3, 13, 23, 59)) in s.open_deadlines(ref)
    for stage, replier_role, expect in [
        (2, "practitioner", {(BURYC_RAISING, "line_manager"), (BURYC_CHALLENGED, "line_manager")}),
        (
            3,
            "line_manager",
            {
                (BURYC_RAISING, "senior_manager"),
                (BURYC_RAISING, "designated_safeguarding_lead"),
                (BURYC_CHALLENGED, "senior_manager"),
                (BURYC_CHALLENGED, "designated_safeguarding_lead"),
            },
        ),
    ]:
        s.reply(ref, contact("bury-children", BURYC_CHALLENGED, replier_role), "Escalate")
        routed = by_kind(s.sent())["routed_case"]
        assert s.case(ref).stage == stage
        assert {contact("bury-children", a, r) for a, r in expect} <= routed.to
    s.reply(ref, contact("bury-children", BURYC_CHALLENGED, "senior_manager"), "Escalate")
    routed = by_kind(s.sent())["routed_case"]
    assert s.case(ref).stage == 4
    assert contact("bury-children", None, "business_manager") in routed.to
    s.reply(ref, contact("bury-children", None, "business_manager"), "Resolved: strategy meeting held.")
    assert s.case(ref).state == CaseState.RESOLVED


# -- Bury (adults) --------------------------------------------------------------

BURYA_RAISING, BURYA_CHALLENGED = "Bury Community Health", "Bury Adult Social Care"


def test_bury_adults_four_steps_to_the_board_and_999_advice(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "bsp@bury.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("bury-adults", BURYA_RAISING, "practitioner")
    rows = [
        ("Name of adult", "Pat Jones"),
        ("Date of birth", "12 March 1952"),
        ("Agency you disagree with", BURYA_CHALLENGED),
        ("Details of the disagreement", "Discharged home without the agreed care package."),
        ("Step", "3"),
        ("Is the adult at imminent risk of harm?", "Yes"),
    ]
    ref = s.notice(practitioner, rows)
    assert ref.startswith("BURYA-2026-")
    sent = by_kind(s.sent())
    assert "999" in sent["acknowledgement"].text and "safeguarding adults referral" in sent["acknowledgement"].text
    assert {
        contact("bury-adults", a, r)
        for a in (BURYA_RAISING, BURYA_CHALLENGED)
        for r in ("designated_safeguarding_lead", "senior_manager")
    } <= sent["routed_case"].to
    s.reply(ref, contact("bury-adults", BURYA_CHALLENGED, "senior_manager"), "Unresolved")
    step4 = by_kind(s.sent())["routed_case"]
    # Step 4: referral to the Safeguarding Adults Board by email; the independent chair mediates.
    assert {contact("bury-adults", None, "board_referrals"), contact("bury-adults", None, "chair")} <= step4.to
    assert "action" in step4.text.lower()
    s.reply(ref, contact("bury-adults", None, "chair"), "Resolved: mediation agreed a joint review.")
    assert s.case(ref).state == CaseState.RESOLVED


# -- B&NES --------------------------------------------------------------------

BNES_RAISING, BNES_CHALLENGED = "B&NES Community Health", "B&NES Social Care"


def _bnes(role: str, side: str = "raising") -> str:
    return contact("bnes", BNES_RAISING if side == "raising" else BNES_CHALLENGED, role)


def test_bnes_five_stages_to_the_chairs_panel(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_CHALLENGED, "1"))
    s.sent()
    for stage, role in [(2, "line_manager"), (3, "team_manager"), (4, "service_manager")]:
        s.reply(
            ref,
            _bnes("practitioner" if stage == 2 else {3: "line_manager", 4: "team_manager"}[stage], "challenged"),
            "Unresolved",
        )
        routed = by_kind(s.sent())["routed_case"]
        assert s.case(ref).stage == stage
        assert {_bnes(role), _bnes(role, "challenged")} <= routed.to
    s.reply(ref, _bnes("service_manager", "challenged"), "Unresolved: no agreement at service manager level.")
    stage5 = by_kind(s.sent())["routed_case"]
    assert s.case(ref).stage == 5
    # The Service Manager's report goes via the Business Manager to the Chair, who decides on a panel.
    assert {contact("bnes", None, "business_manager"), contact("bnes", None, "chair")} <= stage5.everyone
    assert "No panel" in stage5.text
    s.reply(ref, contact("bnes", None, "chair"), "Panel: Avon Police; convene for Thursday.")
    [panel] = s.sent()
    assert panel.kind == "panel_convened" and panel.subject == f"[{ref}] Resolution Panel – stage 5"
    members = {contact("bnes", a, "designated_safeguarding_lead") for a in (BNES_RAISING, BNES_CHALLENGED, "Avon Police")}
    assert panel.to == members | {contact("bnes", None, "director_quality_assurance")}
    assert ("panel_decision", 5, T(2026, 3, 17, 17, 0)) in s.open_deadlines(ref)
    s.reply(ref, contact("bnes", None, "director_quality_assurance"), "Resolved: the panel decided a joint assessment; final.")
    case = s.case(ref)
    assert (case.state, case.outcome) == (CaseState.RESOLVED, "the panel decided a joint assessment; final.")


def test_bnes_resolution_at_stages_two_to_four_sends_appendix_a_to_the_business_manager(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_CHALLENGED, "3"))
    s.sent()
    s.reply(ref, _bnes("team_manager", "challenged"), "Resolved: agreed at team manager level.")
    [closed] = s.sent()
    assert contact("bnes", None, "business_manager") in closed.cc
    assert "Appendix A" in closed.text


def test_bnes_chair_may_decline_a_panel(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_CHALLENGED, "5"))
    s.sent()
    s.reply(ref, contact("bnes", None, "chair"), "No panel: the agencies agreed a way forward at my meeting.")
    case = s.case(ref)
    # The Chair's decision is a decision, not the outcome: the case stays open until it is resolved.
    assert case.state == CaseState.OPEN and case.outcome is None
    assert "chair-decision:no-panel" in [e.rule for e in case.events]


def test_bnes_disagreement_within_one_agency_is_signposted_not_escalated(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_RAISING, "1"))
    [reply] = s.sent()
    assert reply.kind == "not_escalated" and "whistle-blowing" in reply.text
    assert s.case(ref).state == CaseState.CLOSED
    assert s.open_deadlines(ref) == set()


def test_bnes_immediate_harm_the_same_day_within_24_clock_hours(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 28, 12, 0))  # Saturday before the clocks go forward
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_CHALLENGED, "1", risk="Yes"))
    # "on the same day" (the earlier of it and "within 24 hours"): that Saturday, 23:59 GMT.
    assert ("immediate_risk", 1, T(2026, 3, 28, 23, 59)) in s.open_deadlines(ref)


@pytest.mark.parametrize("reply", ["Withdrawn: the family moved out of area.", "withdraw - resolved informally"])
def test_withdrawn_closes_the_case_and_its_deadlines(runtime: Runtime, clock: Clock, reply: str) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.notice(practitioner, _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED, "1"))
    s.sent()
    s.reply(ref, practitioner, reply)
    [closed] = s.sent()
    assert s.case(ref).state == CaseState.WITHDRAWN
    assert closed.subject == f"[{ref}] Withdrawn – stage 1"
    assert s.open_deadlines(ref) == set()


def test_other_replies_are_recorded_and_count_as_the_response(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED, "1"))
    s.sent()
    s.reply(
        ref, contact("salford", SAL_CHALLENGED, "practitioner"), "Thanks, I will call you this afternoon.\n\nResolved? not yet"
    )
    # Recorded, and (issue 11) passed to the raiser as the written record, never back to its sender.
    [passed_on] = s.sent()
    assert passed_on.kind == "reply_update" and passed_on.to == {contact("salford", SAL_RAISING, "practitioner")}
    case = s.case(ref)
    assert (case.state, case.stage) == (CaseState.OPEN, 1)
    assert s.open_deadlines(ref) == set()
    assert s.at(T(2026, 3, 11, 10, 0)).tick() == 0, "a stage that has responded is not chased"


def test_the_next_tier_gets_the_notice_and_the_original_document(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED, "1"))
    s.sent()
    s.reply(ref, contact("salford", SAL_CHALLENGED, "practitioner"), "Unresolved")
    routed = by_kind(s.sent())["routed_case"]
    assert "Jo Bloggs (date of birth 14 February 2017)" in routed.text
    assert "The referral was closed without a visit." in routed.text
    with runtime.sessions() as session:
        raw = session.scalars(
            select(OutboxMessage.raw).where(OutboxMessage.kind == "routed_case").order_by(OutboxMessage.id.desc())
        ).first()
    assert f'filename="{ref}-notice-1.docx"'.encode() in raw


def test_bnes_returned_appendix_a_records_the_chairs_decision_and_the_panels_outcome(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bnes("practitioner"), _notice("Alex Example", "30/06/2012", BNES_CHALLENGED, "5"))
    s.sent()

    def return_form(sender: str, rows: list[tuple[str, str]]) -> None:
        form = docx_table_notice([("Name of child", "Alex Example"), ("Date of birth", "30/06/2012"), *rows])
        message = notice_email(form, sender=sender, to="escalations@bnes.example", subject=f"RE: [{ref}] Escalation – stage 5")
        receive(
            runtime.sessions,
            by_gateway(wire(message)),
            Envelope("smtp", sender, ("escalations@bnes.example",), peer=RELAY),
            clock(),
        )
        runtime.worker().run_until_idle()

    return_form(
        contact("bnes", None, "chair"),
        [("Date of Referral", "09/03/2026"), ("Chair's Decision to Convene a Resolution Panel: Yes or No", "Yes")],
    )
    assert [m.kind for m in s.sent()] == ["choose_again"], "the form says Yes; the Chair still names the third agency"
    s.reply(ref, contact("bnes", None, "chair"), "Panel: Avon Police")
    assert [m.kind for m in s.sent()] == ["panel_convened"]
    return_form(
        contact("bnes", None, "director_quality_assurance"),
        [("Outcome and Date of BCSSP Resolution Panel", "19/03/2026 – joint assessment to start at once")],
    )
    case = s.case(ref)
    assert case.state == CaseState.RESOLVED and "joint assessment" in (case.outcome or "")
