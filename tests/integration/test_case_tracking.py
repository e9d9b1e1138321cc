"""Case tracking that stays right (issue 11): deadlines close when met, by the right people;
held notices keep what each reply gave; a case waiting for information is chased."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from escalations.service.cli import main
from escalations.service.runtime import Runtime

from tests.conftest import Clock
from tests.support.scenario import Scenario, Sent, by_kind, contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731  (GMT until 29 March 2026)

SAL_RAISING, SAL_CHALLENGED = "Northside Health", "Salford Children's Services"


def _notice(child: str, dob: str, challenged: str, stage: str = "1") -> list[tuple[str, str]]:
    return [
        ("Name of child", child),
        ("Date of birth", dob),
        ("Agency whose decision is challenged", challenged),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", stage),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]


def test_salford_copy_deadline_closes_when_the_copy_goes_out_after_the_agency_is_known(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.held_notice(practitioner, _notice("Jo Bloggs", "14/02/2017", "the council"))
    assert [m.kind for m in s.sent()] == ["information_needed"]
    s.reply(ref, practitioner, SAL_CHALLENGED)
    routed = by_kind(s.sent())["routed_case"]
    assert contact("salford", SAL_CHALLENGED, "service_manager") in routed.cc
    assert not any(kind.startswith("copy:") for kind, _, _ in s.open_deadlines(ref))
    s.at(T(2026, 3, 12, 17, 0)).tick()
    assert not [m for m in s.sent() if m.kind == "chaser" and "copy" in m.text]


def _still_missing(text: str) -> list[str]:
    given = "  - The notice does not give: "
    return [line[len(given) :].split(" (")[0].rstrip(".") for line in text.splitlines() if line.startswith(given)]


def test_details_given_across_several_replies_are_kept(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.held_notice(practitioner, [("Agency whose decision is challenged", SAL_CHALLENGED), ("Current stage", "1")])
    [asked] = s.sent()
    assert "name of the child" in asked.text and "date of birth" in asked.text
    s.reply(ref, practitioner, "Name of child: Jo Bloggs")
    [asked] = s.sent()
    assert "From your reply we took: the name of the child or adult." in asked.text
    assert _still_missing(asked.text) == ["their date of birth", "the information of concern"]
    s.reply(ref, practitioner, "Date of birth: 14/02/2017")
    [asked] = s.sent()
    assert "From your reply we took: their date of birth." in asked.text
    assert _still_missing(asked.text) == ["the information of concern"], "the name given first is not asked again"
    s.reply(ref, practitioner, "Concern: the referral was closed without a visit.")
    routed = by_kind(s.sent())["routed_case"]
    assert "Jo Bloggs (date of birth 14 February 2017)" in routed.text


def test_a_reply_to_a_held_notice_that_gives_nothing_we_understand_is_answered(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.held_notice(practitioner, _notice("Jo Bloggs", "", SAL_CHALLENGED))
    s.sent()
    s.reply(ref, practitioner, "Whatsit: the family moved last week\n\nThanks")
    [answer] = s.sent()
    assert answer.kind == "information_needed" and answer.subject == f"[{ref}] More information needed"
    assert "date of birth" in answer.text, "what is still missing"
    assert "could not find" in answer.text.lower(), "says the reply gave nothing it could use"
    assert s.case(ref).state == "awaiting_information"


def test_a_copy_deadline_closes_when_the_copy_goes_out_at_a_later_stage(runtime: Runtime, clock: Clock) -> None:
    """The directory had no Service Manager at first: the copy deadline opened; once the copy went
    out (with the next stage's routed case) it is met, and nobody is chased for it."""
    from escalations.service.directory import current_rows, import_rows

    with runtime.sessions.begin() as session:
        everyone = current_rows(session, "salford")
        import_rows(session, [r for r in everyone if not (r.agency == SAL_CHALLENGED and r.role == "service_manager")])
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED))
    s.sent()
    assert ("copy:service-manager-copy", 1, T(2026, 3, 12, 17, 0)) in s.open_deadlines(ref)
    with runtime.sessions.begin() as session:
        import_rows(session, everyone)
    s.at(T(2026, 3, 11, 10, 0)).reply(ref, contact("salford", SAL_CHALLENGED, "practitioner"), "Unresolved: no visit planned.")
    routed = by_kind(s.sent())["routed_case"]
    assert contact("salford", SAL_CHALLENGED, "service_manager") in routed.everyone
    assert not any(kind.startswith("copy:") for kind, _, _ in s.open_deadlines(ref))
    s.at(T(2026, 3, 12, 17, 0)).tick()
    assert not [m for m in s.sent() if "copy" in m.text and m.kind in ("chaser", "reminder")]


BAR_RAISING, BAR_CHALLENGED = "Barnet Community Health", "Barnet Children's Social Care"


def test_a_reply_from_someone_outside_the_stage_is_recorded_but_does_not_meet_its_deadline(
    runtime: Runtime, clock: Clock
) -> None:
    """Barnet: the raising agency's line manager answers the reasons request (Barnet 3); that is kept
    with the case, but the stage-4 people have still not responded."""
    s = Scenario(runtime, clock, "escalations@barnet.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("barnet", BAR_RAISING, "practitioner"), _notice("Sam Smith", "03/09/2019", BAR_CHALLENGED, "4"))
    s.sent()
    line_manager = contact("barnet", BAR_RAISING, "line_manager")
    s.reply(ref, line_manager, "We are still waiting to hear from the other agency.")
    assert ("stage_response", 4, T(2026, 3, 10, 17, 0)) in s.open_deadlines(ref)
    case = s.case(ref)
    assert "response-not-counted" in [e.rule for e in case.events]
    assert any(e.kind == "inbound" and e.rule.startswith("match:") for e in case.events), "still recorded"
    s.reply(ref, contact("barnet", None, "head_of_safeguarding"), "We will meet on Thursday.")
    assert ("stage_response", 4, T(2026, 3, 10, 17, 0)) not in s.open_deadlines(ref), "a stage-4 party's reply meets it"


def test_a_case_waiting_for_information_is_chased_and_shows_how_long_it_has_waited(
    runtime: Runtime, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    """Salford stage 1 answers the same working day: the sender is chased for what is missing from
    then, the business manager is told after the policy's chasers, and sees the wait."""
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))  # Tuesday
    practitioner = contact("salford", SAL_RAISING, "practitioner")
    ref = s.held_notice(practitioner, _notice("Jo Bloggs", "", SAL_CHALLENGED))
    s.sent()
    assert s.open_deadlines(ref) == {("information", 1, T(2026, 3, 10, 17, 0))}

    def chased() -> list[Sent]:
        return [m for m in s.sent() if m.kind != "review_summary"]  # the business manager's daily list

    s.at(T(2026, 3, 10, 16, 59)).tick()
    assert chased() == []
    s.at(T(2026, 3, 10, 17, 0)).tick()
    [chaser] = chased()
    assert (chaser.kind, chaser.to, chaser.subject) == ("information_chaser", {practitioner}, f"[{ref}] More information needed")
    assert "date of birth" in chaser.text
    for day in (11, 12):
        s.at(T(2026, 3, day, 9, 0)).tick()
        assert [m.kind for m in chased()] == ["information_chaser"]
    s.at(T(2026, 3, 13, 9, 0)).tick()  # three chasers brought nothing (Salford: business manager)
    [attention] = chased()
    assert (attention.kind, attention.to) == ("needs_attention", {contact("salford", None, "business_manager")})
    assert "waiting for information" in attention.text
    assert s.case(ref).state == "awaiting_information", "the notice still cannot be routed without what is missing"

    s.at(T(2026, 3, 16, 10, 0))  # Monday: Wednesday to Friday have passed since Tuesday 10 March
    config, now = ["--config", str(runtime.settings.path)], ["--now", "2026-03-16T10:00:00+00:00"]
    assert main(["cases", "list", *now, *config]) == 0
    assert "waiting for information since 10 March 2026 (3 working days)" in capsys.readouterr().out
    assert main(["cases", "show", ref, *now, *config]) == 0
    assert "Waiting for information since 10 March 2026 (3 working days)" in capsys.readouterr().out
    assert main(["cases", "show", ref, "--json", *now, *config]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["waiting"] == {"since": "2026-03-10T10:00:00+00:00", "working_days": 3}
    s.tick()
    summary = [m for m in s.sent() if m.kind == "review_summary"]
    assert [m.to for m in summary] == [{contact("salford", None, "business_manager")}]
    assert f"{ref}: waiting for information since 10 March 2026 (3 working days)" in summary[0].text

    s.reply(ref, practitioner, "Date of birth: 14/02/2017")
    assert "routed_case" in by_kind(s.sent())
    assert s.open_deadlines(ref) == {("stage_response", 1, T(2026, 3, 16, 17, 0))}, "the wait is over: met"


def _second_practitioner(runtime: Runtime) -> str:
    """Salford Children's Services gets a second practitioner (several people in one role)."""
    from dataclasses import replace

    from escalations.service.directory import current_rows, import_rows

    with runtime.sessions.begin() as session:
        rows = current_rows(session, "salford")
        kamal = next(r for r in rows if r.agency == SAL_CHALLENGED and r.role == "practitioner")
        import_rows(session, [*rows, replace(kamal, name="Nia Brook", email="nia.brook@childrens.salford.example")])
    return "nia.brook@childrens.salford.example"


def test_a_named_practitioner_gets_their_own_case_and_its_chasers(runtime: Runtime, clock: Clock) -> None:
    nia = _second_practitioner(runtime)
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    named = _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED) + [("Practitioner you disagree with", "Nia Brook")]
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), named)
    routed = by_kind(s.sent())["routed_case"]
    assert routed.to == {nia}
    assert any(e.rule == "named-practitioner" for e in s.case(ref).events)
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert [m.to for m in s.sent() if m.kind == "chaser"] == [{nia}]


def test_a_practitioner_the_directory_does_not_know_leaves_the_case_to_the_role(runtime: Runtime, clock: Clock) -> None:
    nia = _second_practitioner(runtime)
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    named = _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED) + [("Practitioner you disagree with", "Ravi Someone")]
    s.notice(contact("salford", SAL_RAISING, "practitioner"), named)
    routed = by_kind(s.sent())["routed_case"]
    assert routed.to == {nia, "kamal.underhill@childrens.salford.example"}


def test_a_newcomer_at_a_stage_gets_the_case_before_any_chaser(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    ref = s.notice(contact("salford", SAL_RAISING, "practitioner"), _notice("Jo Bloggs", "14/02/2017", SAL_CHALLENGED))
    s.sent()
    nia = _second_practitioner(runtime)  # joins the challenged agency's practitioners after the case was routed
    s.at(T(2026, 3, 10, 15, 0)).tick()
    first, reminder = s.sent()
    assert (first.kind, first.to, first.subject) == ("routed_case", {nia}, f"[{ref}] Escalation – stage 1")
    assert "Jo Bloggs" in first.text and "Response at this stage: Tuesday 10 March 2026, 17:00" in first.text
    assert (reminder.kind, reminder.to) == ("reminder", {nia, "kamal.underhill@childrens.salford.example"})
    assert any(e.rule == "newcomer" for e in s.case(ref).events)
    s.at(T(2026, 3, 10, 17, 0)).tick()
    assert [m.kind for m in s.sent()] == ["chaser"], "the case goes to a newcomer once"


def test_a_held_notice_that_may_be_about_immediate_risk_is_chased_at_the_immediate_risk_pace(
    runtime: Runtime, clock: Clock
) -> None:
    """B&NES stage 1 allows five working days, but immediate harm the same day (within its 24 hours): a held
    notice that says (or does not rule out) immediate risk is chased at that pace, never the slower one."""
    s = Scenario(runtime, clock, "escalations@bnes.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("bnes", "B&NES Community Health", "practitioner")
    rows = [r for r in _notice("", "30/06/2012", "B&NES Social Care") if not r[0].startswith("Is the child")]
    ref = s.held_notice(practitioner, [*rows, ("Is the child at immediate risk of significant harm?", "Yes")])
    assert s.open_deadlines(ref) == {("information", 1, T(2026, 3, 10, 23, 59))}
    calm = s.held_notice(practitioner, _notice("", "03/09/2019", "B&NES Social Care"))
    assert s.open_deadlines(calm) == {("information", 1, T(2026, 3, 17, 17, 0))}
