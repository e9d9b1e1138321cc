"""The top tiers carry what the policies require (issue 10, part B), through the real pipeline.

Each test walks a case with the example directory and a fixed clock, and
checks who is asked, what they are sent (and what is attached), and what is
recorded as a decision rather than an outcome.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.models import CaseState, OutboxMessage
from sqlalchemy import select

from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import docx_table_notice
from tests.support.mail import notice_email, wire
from tests.support.scenario import Scenario, by_kind, contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731  (GMT until 29 March 2026)


def _attachments(runtime: Runtime, kind: str) -> list[tuple[str, str]]:
    """(file name, content type) of the latest queued email of ``kind``."""
    with runtime.sessions() as session:
        raw = session.scalars(
            select(OutboxMessage.raw).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
        ).first()
    assert raw is not None, f"no {kind} email"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return [(str(part.get_filename()), part.get_content_type()) for part in message.iter_attachments()]


def _send(runtime: Runtime, clock: Clock, message: EmailMessage, sender: str, mailbox: str) -> None:
    receive(runtime.sessions, by_gateway(wire(message)), Envelope("smtp", sender, (mailbox,), peer=RELAY), clock())
    runtime.worker().run_until_idle()


# -- Bury adults step 4 -----------------------------------------------------------

BURYA_RAISING, BURYA_CHALLENGED = "Bury Community Health", "Bury Adult Social Care"


def test_bury_adults_step_4_email_holds_the_details_the_action_taken_and_the_notice(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "bsp@bury.example").at(T(2026, 3, 10, 10, 0))
    rows = [
        ("Name of adult", "Pat Jones"),
        ("Date of birth", "12 March 1952"),
        ("Agency you disagree with", BURYA_CHALLENGED),
        ("Details of the disagreement", "Discharged home without the agreed care package."),
        ("Action already taken", "Line managers met on 3 March and could not agree."),
        ("Step", "3"),
    ]
    ref = s.notice(contact("bury-adults", BURYA_RAISING, "practitioner"), rows)
    s.sent()
    s.reply(ref, contact("bury-adults", BURYA_CHALLENGED, "senior_manager"), "Unresolved")
    step4 = by_kind(s.sent())["routed_case"]
    assert contact("bury-adults", None, "board_referrals") in step4.to
    # Bury adults 6: the email holds the details of the disagreement and the action already taken.
    assert "Discharged home without the agreed care package." in step4.text
    assert "Action already taken to resolve it:" in step4.text
    assert "Line managers met on 3 March and could not agree." in step4.text
    assert _attachments(runtime, "routed_case") == [
        (f"{ref}-notice-1.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    ]
    assert "The original notice is attached" in step4.text


def test_a_notice_written_in_the_email_travels_as_that_email(runtime: Runtime, clock: Clock) -> None:
    practitioner = contact("bury-adults", BURYA_RAISING, "practitioner")
    body = "\n".join(
        [
            "Name of adult: Pat Jones",
            "Date of birth: 12 March 1952",
            f"Agency you disagree with: {BURYA_CHALLENGED}",
            "Details of the disagreement: Discharged home without the agreed care package.",
            "Action already taken: Safeguarding leads spoke on 5 March; no agreement.",
            "Step: 4",
        ]
    )
    clock.moment = T(2026, 3, 10, 10, 0)
    _send(
        runtime,
        clock,
        notice_email(None, sender=practitioner, to="bsp@bury.example", body=body),
        practitioner,
        "bsp@bury.example",
    )
    s = Scenario(runtime, clock, "bsp@bury.example")
    step4 = by_kind(s.sent())["routed_case"]
    assert contact("bury-adults", None, "board_referrals") in step4.to
    assert "Safeguarding leads spoke on 5 March; no agreement." in step4.text
    [(name, kind)] = _attachments(runtime, "routed_case")
    assert name.endswith("-notice-1.txt") and kind == "text/plain"
    with runtime.sessions() as session:
        raw = session.scalars(select(OutboxMessage.raw).where(OutboxMessage.kind == "routed_case")).one()
    [attached] = email.message_from_bytes(raw, policy=email.policy.default).iter_attachments()
    assert "Action already taken: Safeguarding leads spoke on 5 March; no agreement." in attached.get_content()


# -- Barnet: stage 2 up line management one level at a time; stage 4's way forward ------------------

BAR_RAISING, BAR_CHALLENGED = "Barnet Community Health", "Barnet Children's Social Care"


def _bar(role: str, side: str = "raising") -> str:
    return contact("barnet", BAR_RAISING if side == "raising" else BAR_CHALLENGED, role)


def _both(role: str) -> set[str]:
    return {_bar(role), _bar(role, "challenged")}


def _barnet_notice(stage: str) -> list[tuple[str, str]]:
    return [
        ("Name of child", "Sam Smith"),
        ("Date of birth", "03/09/2019"),
        ("Agency whose decision is challenged", BAR_CHALLENGED),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", stage),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]


def test_barnet_stage_2_goes_up_line_management_one_level_at_a_time(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))
    practitioner = _bar("practitioner")
    ref = s.notice(practitioner, _barnet_notice("2"))
    # Barnet 2, Stage 2: the Deputy Team Managers first, not all three levels at once.
    assert by_kind(s.sent())["routed_case"].to == _both("line_manager")
    assert (s.case(ref).stage, s.case(ref).level) == (2, 1)

    s.at(T(2026, 3, 10, 11, 0)).reply(ref, _bar("line_manager", "challenged"), "Unresolved: we still disagree.")
    level2 = by_kind(s.sent())
    assert (s.case(ref).stage, s.case(ref).level) == (2, 2)
    assert level2["routed_case"].to == _both("team_manager"), "the Team Managers only when the Deputies have not resolved it"
    assert level2["case_update"].to == {practitioner, _bar("line_manager", "challenged")}
    assert "Team Managers" in level2["routed_case"].text
    # The new level answers afresh: its own open response deadline, the same working day.
    assert ("stage_response", 2, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)
    assert "level-up" in [e.rule for e in s.case(ref).events]

    s.at(T(2026, 3, 10, 12, 0)).reply(ref, _bar("team_manager"), "Unresolved")
    assert by_kind(s.sent())["routed_case"].to == _both("head_of_service")
    assert (s.case(ref).stage, s.case(ref).level) == (2, 3)

    s.reply(ref, _bar("head_of_service", "challenged"), "Unresolved")
    assert by_kind(s.sent())["routed_case"].to == _both("designated_safeguarding_lead")
    assert (s.case(ref).stage, s.case(ref).level) == (3, 1)


def test_barnet_level_chasers_go_to_that_level(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bar("practitioner"), _barnet_notice("2"))
    s.reply(ref, _bar("line_manager", "challenged"), "Unresolved")
    s.sent()
    # Barnet 3 (same working day): the reminder before the deadline goes to this level's people only...
    s.at(T(2026, 3, 10, 15, 0)).tick()
    assert [(m.kind, m.to) for m in s.sent()] == [("reminder", _both("team_manager"))]
    # ...and unanswered at the deadline, the stage goes up to its next level (policy-rules: escalate_after = 0).
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert by_kind(s.sent())["routed_case"].to == _both("head_of_service")
    assert (s.case(ref).stage, s.case(ref).level) == (2, 3)


def test_barnet_stage_4_way_forward_is_chosen_by_the_board_manager_or_head_of_safeguarding(
    runtime: Runtime, clock: Clock
) -> None:
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))
    practitioner = _bar("practitioner")
    ref = s.notice(practitioner, _barnet_notice("4"))
    routed = by_kind(s.sent())["routed_case"]
    board, head = contact("barnet", None, "board_manager"), contact("barnet", None, "head_of_safeguarding")
    assert {board, head} <= routed.to
    # Barnet 2, Stage 4: they agree mediation or a meeting chaired by a safeguarding lead of an agency not
    # involved; the service lists who may chair and picks nobody.
    police, school = (contact("barnet", a, "designated_safeguarding_lead") for a in ("Barnet Police", "Hillside Academy"))
    assert "Proposed chair" not in routed.text
    assert "1. Dev Ashworth, designated safeguarding lead, Barnet Police" in routed.text
    assert "Kamal Yardley" in routed.text and _bar("designated_safeguarding_lead") not in routed.text
    assert police not in routed.everyone and school not in routed.everyone

    s.reply(ref, _bar("designated_safeguarding_lead"), "Chair 1")  # a party to the dispute cannot choose
    assert s.sent() == [] and "way-forward-not-theirs" in [e.rule for e in s.case(ref).events]
    assert ("stage_response", 4) in {(d.kind, d.stage) for d in s.case(ref).deadlines if not d.met}, "still chased"

    s.reply(ref, board, "Chair 7")
    [unclear] = s.sent()
    assert (unclear.kind, unclear.to) == ("choose_again", {board}) and "1. Dev Ashworth, Barnet Police" in unclear.text
    assert "way-forward-unclear" in [e.rule for e in s.case(ref).events]

    s.reply(ref, head, "Chair: Hillside Academy's safeguarding lead, Thursday 10:00")
    [agreed] = s.sent()
    assert agreed.kind == "way_forward" and school in agreed.to and practitioner in agreed.to
    assert "a meeting chaired by Kamal Yardley (Hillside Academy)" in agreed.text
    case = s.case(ref)
    assert case.state == CaseState.OPEN and case.outcome is None, "the way forward is a decision, not the outcome"
    [event] = [e for e in case.events if e.rule == "way-forward:chair"]
    assert event.kind == "decision" and event.data["chair"]["email"] == school


def test_barnet_stage_4_mediation(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(_bar("practitioner"), _barnet_notice("4"))
    s.sent()
    s.reply(ref, contact("barnet", None, "board_manager"), "Mediation: with both safeguarding leads on Friday.")
    [agreed] = s.sent()
    assert "agreed: mediation" in agreed.text and "both safeguarding leads on Friday" in agreed.text
    assert "way-forward:mediation" in [e.rule for e in s.case(ref).events]
    assert s.case(ref).state == CaseState.OPEN


# -- B&NES: stage 4 → the Chair, and the Resolution Panel -----------------------------------------------

BNES_RAISING, BNES_CHALLENGED = "B&NES Community Health", "B&NES Social Care"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _bnes(role: str, side: str = "raising") -> str:
    return contact("bnes", BNES_RAISING if side == "raising" else BNES_CHALLENGED, role)


def _bnes_case(s: Scenario, stage: str) -> str:
    rows = [
        ("Name of child", "Alex Example"),
        ("Date of birth", "30/06/2012"),
        ("Agency whose decision is challenged", BNES_CHALLENGED),
        ("Please document any information of concern", "The child protection plan was ended without a conference."),
        ("Current stage", stage),
    ]
    ref = s.notice(_bnes("practitioner"), rows)
    s.sent()
    return ref


def _unresolved_with_report(runtime: Runtime, clock: Clock, ref: str) -> None:
    sender = _bnes("service_manager", "challenged")
    report = docx_table_notice([], paragraphs=["Service Manager's report: the agencies could not agree at stage 4."])
    message = notice_email(
        report,
        sender=sender,
        to="escalations@bnes.example",
        subject=f"RE: [{ref}] Escalation – stage 4",
        body="Unresolved: report and Appendix A attached.",
        filename="report.docx",
    )
    appendix = docx_table_notice([("Dates", "02/03/2026"), ("Outcome", "Service managers met; no agreement.")])
    message.add_attachment(appendix, maintype="application", subtype=DOCX.split("/")[1], filename="appendix-a.docx")
    _send(runtime, clock, message, sender, "escalations@bnes.example")


def test_bnes_report_and_appendix_a_go_via_the_business_manager_to_the_chair(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = _bnes_case(s, "4")
    _unresolved_with_report(runtime, clock, ref)
    stage5 = by_kind(s.sent())["routed_case"]
    assert s.case(ref).stage == 5
    assert {contact("bnes", None, "business_manager"), contact("bnes", None, "chair")} <= stage5.to
    assert "The Service Manager's report and Appendix A (2 documents) are attached" in stage5.text
    assert _attachments(runtime, "routed_case") == [(f"{ref}-notice-{i}.docx", DOCX) for i in (1, 2, 3)]
    [forwarded] = [e for e in s.case(ref).events if e.rule == "documents-forwarded"]
    assert forwarded.data["count"] == 2


def test_bnes_no_report_is_never_said_to_be_sent(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = _bnes_case(s, "4")
    s.reply(ref, _bnes("service_manager", "challenged"), "Unresolved")
    sent = by_kind(s.sent())
    assert "report and Appendix A" not in sent["routed_case"].text
    assert "no Service Manager's report" in sent["needs_attention"].text
    rules = [e.rule for e in s.case(ref).events]
    assert "documents-missing" in rules and "documents-forwarded" not in rules


def test_bnes_chairs_decision_third_agency_panel_papers_and_outcome_to_everyone(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = _bnes_case(s, "4")
    _unresolved_with_report(runtime, clock, ref)
    stage5 = by_kind(s.sent())["routed_case"]
    assert "1. Avon Police" in stage5.text
    chair, director = contact("bnes", None, "chair"), contact("bnes", None, "director_quality_assurance")

    s.reply(ref, _bnes("service_manager"), "No panel")  # only the Chair (or the business manager for them) decides
    assert s.case(ref).state == CaseState.OPEN and "panel-decision-not-theirs" in [e.rule for e in s.case(ref).events]
    s.sent()

    s.reply(ref, chair, "Panel")  # the third agency is the Chair's to name, never picked for them
    [again] = s.sent()
    assert again.kind == "choose_again" and again.to == {chair} and "1. Avon Police" in again.text
    assert "panel-convened" not in [e.rule for e in s.case(ref).events]

    s.reply(ref, chair, "Panel: 1")
    [panel] = s.sent()
    members = {contact("bnes", a, "designated_safeguarding_lead") for a in (BNES_RAISING, BNES_CHALLENGED, "Avon Police")}
    assert panel.to == members | {director}
    assert "Alex Example" in panel.text and "The child protection plan was ended without a conference." in panel.text
    assert _attachments(runtime, "panel_convened") == [(f"{ref}-notice-{i}.docx", DOCX) for i in (1, 2, 3)]
    case = s.case(ref)
    [decided] = [e for e in case.events if e.rule == "chair-decision:panel"]
    assert decided.kind == "decision" and decided.data["third_agency"] == "Avon Police"
    assert case.state == CaseState.OPEN and case.outcome is None

    s.reply(ref, director, "Resolved: the panel decided a joint assessment; final.")
    [closed] = s.sent()
    assert members | {director, _bnes("practitioner"), chair, _bnes("service_manager")} <= closed.everyone
    assert s.case(ref).state == CaseState.RESOLVED


def test_bnes_no_panel_is_a_decision_not_the_outcome(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    ref = _bnes_case(s, "5")
    s.reply(ref, contact("bnes", None, "chair"), "No panel: a professionals meeting is enough.")
    [told] = s.sent()
    assert _bnes("practitioner") in told.to and "decided not to convene" in told.text
    case = s.case(ref)
    assert (case.state, case.outcome) == (CaseState.OPEN, None)
    [decided] = [e for e in case.events if e.rule == "chair-decision:no-panel"]
    assert decided.kind == "decision" and decided.data["convene"] is False
    assert ("stage_response", 5) not in {(d.kind, d.stage) for d in case.deadlines if not d.met}


# -- Bury's shared mailbox: a notice that does not say child or adult ----------------------------------

BURYC_RAISING, BURYC_CHALLENGED = "Bury Health Visiting", "Bury Children's Social Care"


def _undated_bury_notice(runtime: Runtime, clock: Clock, sender: str) -> tuple[int, str]:
    """A Bury notice with no date of birth: held in review; returns the inbound id and our question's Message-ID."""
    rows = [
        ("Name of child or adult", "Kai Doe"),
        ("Agency whose decision is challenged", BURYC_CHALLENGED),
        ("Please document any information of concern", "The strategy discussion was refused."),
        ("Current stage", "1"),
        ("Is there an immediate risk of significant harm?", "No"),
    ]
    clock.moment = T(2026, 3, 10, 10, 0)
    _send(runtime, clock, notice_email(docx_table_notice(rows), sender=sender, to="bsp@bury.example"), sender, "bsp@bury.example")
    with runtime.sessions() as session:
        from escalations.storage.models import InboundMessage, InboundStatus

        held = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        assert held is not None and held.status == InboundStatus.REVIEW, held.outcome if held else None
        assert held.review["rule"] == "shared-mailbox-unknown-subject"
        asked = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "information_needed")).one()
        assert asked.recipients == [sender] and held.case_id is None
        return held.id, asked.message_id


def test_bury_reply_with_the_date_of_birth_joins_the_held_notice(runtime: Runtime, clock: Clock) -> None:
    from escalations.storage.models import InboundMessage, InboundStatus

    practitioner = contact("bury-children", BURYC_RAISING, "practitioner")
    held_id, asked = _undated_bury_notice(runtime, clock, practitioner)
    reply = notice_email(
        None,
        sender=practitioner,
        to="bsp@bury.example",
        subject="RE: BSP escalation: more information needed",
        body="Date of birth: 03/09/2019\n\n> We could not tell whether the notice is about a child or an adult.",
        headers={"In-Reply-To": asked, "References": asked},
    )
    _send(runtime, clock, reply, practitioner, "bsp@bury.example")
    with runtime.sessions() as session:
        from escalations.storage.models import Case

        [case] = session.scalars(select(Case)).all()
        held = session.get(InboundMessage, held_id)
        assert held is not None and (held.status, held.case_id) == (InboundStatus.PROCESSED, case.id), held.outcome
        assert case.partnership == "bury-children" and case.state == CaseState.OPEN, [e.reason for e in case.events]
    s = Scenario(runtime, clock, "bsp@bury.example")
    routed = [m for m in s.sent() if m.kind == "routed_case"]
    assert [m.to for m in routed] == [{contact("bury-children", BURYC_CHALLENGED, "practitioner")}]
    assert "Kai Doe (date of birth 3 September 2019)" in routed[0].text
    assert "The strategy discussion was refused." in routed[0].text, "the held notice's details, not an empty case"
    assert _attachments(runtime, "routed_case") == [(f"{case.reference}-notice-1.docx", DOCX)]


def test_bury_reply_from_someone_else_does_not_join_the_held_notice(runtime: Runtime, clock: Clock) -> None:
    from escalations.storage.models import InboundMessage, InboundStatus

    practitioner = contact("bury-children", BURYC_RAISING, "practitioner")
    held_id, asked = _undated_bury_notice(runtime, clock, practitioner)
    other = contact("bury-children", BURYC_RAISING, "line_manager")
    reply = notice_email(
        None, sender=other, to="bsp@bury.example", body="Date of birth: 03/09/2019", headers={"In-Reply-To": asked}
    )
    _send(runtime, clock, reply, other, "bsp@bury.example")
    with runtime.sessions() as session:
        held = session.get(InboundMessage, held_id)
        assert held is not None and held.status == InboundStatus.REVIEW


def test_review_decide_new_with_partnership_picks_the_policy(runtime: Runtime, clock: Clock) -> None:
    from escalations.service.cli import main
    from escalations.storage.models import Case, InboundMessage, InboundStatus

    practitioner = contact("bury-children", BURYC_RAISING, "practitioner")
    held_id, _ = _undated_bury_notice(runtime, clock, practitioner)
    config = ["--config", str(runtime.settings.path)]
    # Without a policy the message would only come back to review (it used to, for ever).
    assert main(["review", "decide", str(held_id), "--new", *config]) == 1
    assert main(["review", "decide", str(held_id), "--new", "--partnership", "nowhere", *config]) == 1
    assert main(["review", "decide", str(held_id), "--case", "X", "--partnership", "bury-children", *config]) == 1
    assert main(["review", "decide", str(held_id), "--new", "--partnership", "bury-children", *config]) == 0
    with runtime.sessions() as session:
        held = session.get(InboundMessage, held_id)
        [case] = session.scalars(select(Case)).all()
        assert held is not None and held.status == InboundStatus.PROCESSED and held.case_id == case.id
        # Bury children's notice needs the date of birth: the case now waits for it, under the chosen policy.
        assert (case.partnership, case.state) == ("bury-children", CaseState.AWAITING_INFORMATION)


# -- Salford's own Appendix 2, exactly as published (no challenged agency, no stage) ---------------------

SAL_RAISING, SAL_CHALLENGED = "Northside Health", "Salford Children's Services"


def published_appendix_2() -> bytes:
    """Appendix 2 – Escalation Notice as Salford publishes it: no field for the agency challenged."""
    import docx

    document = docx.Document()
    document.add_paragraph("Appendix 2 – Escalation Notice")
    document.add_paragraph("Name of Child/Young Person: Jo Bloggs\tD.O.B 14/02/2017")
    document.add_paragraph("Please document any information of concern.")
    document.add_paragraph("Jo has missed three health appointments and the referral was closed without a visit.")
    document.add_paragraph("Signed: Aisha Khan.....Role: Health Visitor.....")
    document.add_paragraph("Dated: 05/03/2026")
    document.add_paragraph("Who has a copy of this notice been sent to? Team Manager, Northside Health")
    document.add_paragraph("Return to; SSCB Business Manager Sutherland House Swinton M27 6AY")
    import io

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _salford_held(runtime: Runtime, clock: Clock, body: str) -> tuple[str, str, str]:
    """The published form sent; returns the case reference, the practitioner and our question's Message-ID."""
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    clock.moment = T(2026, 3, 10, 10, 0)
    message = notice_email(published_appendix_2(), sender=practitioner, to="escalations@salford.example", body=body)
    _send(runtime, clock, message, practitioner, "escalations@salford.example")
    with runtime.sessions() as session:
        from escalations.storage.models import Case

        [case] = session.scalars(select(Case)).all()
        assert case.state == CaseState.AWAITING_INFORMATION
        asked = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "information_needed")).one()
        return case.reference, practitioner, asked.message_id


def _salford_reply(ref: str, practitioner: str, asked: str, words: str, form: bytes | None = None) -> EmailMessage:
    return notice_email(
        form,
        sender=practitioner,
        to="escalations@salford.example",
        subject=f"RE: [{ref}] More information needed",
        body=words,
        headers={"In-Reply-To": asked, "References": asked},
        filename="Escalation notice.docx",
    )


def test_salford_published_form_the_answer_moves_it_from_the_stage_the_notice_named(runtime: Runtime, clock: Clock) -> None:
    ref, practitioner, asked = _salford_held(runtime, clock, "Stage: 2\nPlease see the escalation notice.")
    s = Scenario(runtime, clock, "escalations@salford.example")
    s.sent()
    _send(runtime, clock, _salford_reply(ref, practitioner, asked, SAL_CHALLENGED), practitioner, "escalations@salford.example")
    case = s.case(ref)
    assert (case.state, case.stage) == (CaseState.OPEN, 2), "the stage the notice named, not one further"
    routed = by_kind(s.sent())["routed_case"]
    assert {contact("salford", SAL_CHALLENGED, r) for r in ("line_manager", "designated_safeguarding_lead")} <= routed.to
    # The managers get the form as sent, not the one-line answer.
    assert _attachments(runtime, "routed_case") == [(f"{ref}-notice-1.docx", DOCX)]


def test_salford_the_re_sent_form_with_the_answer_is_not_held_for_review(runtime: Runtime, clock: Clock) -> None:
    from escalations.storage.models import InboundMessage, InboundStatus

    ref, practitioner, asked = _salford_held(runtime, clock, "Please see the escalation notice.")
    s = Scenario(runtime, clock, "escalations@salford.example")
    s.sent()
    reply = _salford_reply(ref, practitioner, asked, f"It is {SAL_CHALLENGED}.", form=published_appendix_2())
    _send(runtime, clock, reply, practitioner, "escalations@salford.example")
    with runtime.sessions() as session:
        last = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        assert last is not None and last.status == InboundStatus.PROCESSED, last.outcome if last else None
    case = s.case(ref)
    assert (case.state, case.stage) == (CaseState.OPEN, 1)
    assert contact("salford", SAL_CHALLENGED, "practitioner") in by_kind(s.sent())["routed_case"].to


def test_salford_the_form_re_sent_as_a_new_email_answers_the_held_case(runtime: Runtime, clock: Clock) -> None:
    from escalations.storage.models import Case, InboundMessage, InboundStatus

    ref, practitioner, _ = _salford_held(runtime, clock, "Please see the escalation notice.")
    s = Scenario(runtime, clock, "escalations@salford.example")
    s.sent()
    again = notice_email(
        published_appendix_2(),
        sender=practitioner,
        to="escalations@salford.example",
        body=f"Agency whose decision is challenged: {SAL_CHALLENGED}",
    )
    _send(runtime, clock, again, practitioner, "escalations@salford.example")
    with runtime.sessions() as session:
        last = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
        assert last is not None and last.status == InboundStatus.PROCESSED, last.outcome if last else None
        assert len(session.scalars(select(Case)).all()) == 1
    case = s.case(ref)
    assert (case.state, case.stage) == (CaseState.OPEN, 1)
