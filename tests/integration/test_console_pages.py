"""The console's Today page: what is overdue, due today, at immediate risk, waiting, and the mail's health."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseState, Deadline, OutboxMessage
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in, stored_case


def _change(runtime: Runtime, reference: str, **values: object) -> None:
    with runtime.sessions.begin() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        for key, value in values.items():
            setattr(case, key, value)


def _section(html: str, heading: str) -> str:
    return html.split(f">{heading}</h2>", 1)[1].split("</section>", 1)[0]


def test_today_sorts_the_partnerships_cases_by_what_needs_doing(runtime: Runtime, clock: Clock) -> None:
    late = stored_case(runtime, "salford", "Ada Late")
    risky = stored_case(runtime, "salford", "Bo Risky")
    waiting = stored_case(runtime, "salford", "Cy Waiting")
    other = stored_case(runtime, "bnes", "Di Elsewhere")
    _change(runtime, risky, immediate_risk=True)
    _change(runtime, waiting, state=CaseState.AWAITING_INFORMATION)
    with runtime.sessions.begin() as session:  # the late case's deadline passed; the risky one's is due at 17:00 today
        for deadline in session.scalars(select(Deadline).join(Case).where(Case.reference.in_([late, risky]))):
            deadline.due = (
                clock.moment - timedelta(days=5) if deadline.case.reference == late else clock.moment + timedelta(hours=7)
            )
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        page = client.get("/").text
    assert other not in page
    overdue = _section(page, "Overdue now")
    assert (
        late in overdue and "overdue by 2 working days" in overdue
    )  # Friday 6 and Monday 9 March have closed and risky not in overdue
    assert risky in _section(page, "Due today") and late not in _section(page, "Due today")
    assert risky in _section(page, "Immediate risk") and late not in _section(page, "Immediate risk")
    assert waiting in _section(page, "Waiting for information")
    by_stage = _section(page, "Open cases by stage")
    assert "salford" in by_stage and "bnes" not in by_stage and ">3</a>" in by_stage
    mail = _section(page, "Mail")
    assert "No IMAP mailbox is watched" in mail and "Outbox: 1 waiting to be sent" in mail  # the sign-in link


def test_escalating_in_the_console_moves_the_case_as_the_emailed_command_does(runtime: Runtime) -> None:
    reference = stored_case(runtime)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
        assert post("agency", side="raising", agency="Northside Health").status_code == 200
        assert post("agency", side="challenged", agency="Salford Children's Services").status_code == 200
        assert post("escalate", why="").status_code == 400
        assert post("escalate", why="no answer at stage 1").status_code == 200
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        rules = [(e.rule, e.data.get("by")) for e in case.events]
        routed = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.case_id == case.id)).all()
        stage_one = [d.met for d in case.deadlines if d.stage == 1 and d.kind == "stage_response"]
    assert case.stage == 2
    assert ("escalate", SALFORD_MANAGER) in rules
    assert stage_one == [True]  # stage 1's response deadline is concluded, as after an emailed "escalate"
    assert "routed_case" in routed and "case_update" in routed  # the next tier, and the raiser and the manager told


def test_naming_the_challenged_agency_in_the_console_routes_a_case_that_waited_for_it(runtime: Runtime) -> None:
    from escalations.intake.receiving import Envelope, receive
    from tests.support.forms import docx_table_notice
    from tests.support.mail import notice_email, wire
    from tests.support.scenario import contact

    sender, mailbox = contact("salford", "Northside Health", "practitioner"), "escalations@salford.example"
    rows = [
        ("Name of child", "Jo Bloggs"),
        ("Date of birth", "14/02/2017"),
        ("Information of concern", "The referral was closed without a home visit."),
        ("Current stage", "1"),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]
    raw = wire(notice_email(docx_table_notice(rows), sender=sender, to=mailbox))
    receive(runtime.sessions, raw, Envelope("smtp", sender, (mailbox,)), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        case = session.scalars(select(Case)).one()
        reference, waiting = case.reference, case.state
        before = set(session.scalars(select(OutboxMessage.id)))
    assert waiting == CaseState.AWAITING_INFORMATION  # the notice names no challenged agency: the sender was asked
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        answer = client.post(f"/cases/{reference}/agency", data={"csrf": csrf, "side": "challenged", "agency": "Salford Police"})
        assert answer.status_code == 200
    with runtime.sessions() as session:
        case = session.scalars(select(Case)).one()
        sent = session.scalars(select(OutboxMessage).where(OutboxMessage.id.not_in(before))).all()
        rules = [e.rule for e in case.events]
    assert case.state == CaseState.OPEN and case.stage == 1
    assert {m.kind for m in sent} >= {"acknowledgement", "routed_case"}
    routed = next(m for m in sent if m.kind == "routed_case")
    assert contact("salford", "Salford Police", "practitioner") in routed.recipients
    assert rules[rules.index("agency:challenged:corrected") :].count("send:routed_case") == 1  # routed after, once


def test_the_raising_side_is_reassigned_only_to_a_contact_of_the_raising_agency(runtime: Runtime) -> None:
    reference = stored_case(runtime)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
        assert "Reassign the raising side" not in client.get(f"/cases/{reference}").text  # no raising agency yet
        assert post("raiser", email="elin.everard@northside-health.example").status_code == 400
        assert post("agency", side="raising", agency="Northside Health").status_code == 200
        assert "Reassign the raising side" in client.get(f"/cases/{reference}").text
        assert post("raiser", email="business.manager@bnes.example").status_code == 400
        assert post("raiser", email="Elin.Everard@northside-health.example").status_code == 200
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        [event] = [e for e in case.events if e.rule == "raiser:reassigned"]
    assert case.raised_by_email == "elin.everard@northside-health.example"
    assert event.data == {
        "by": SALFORD_MANAGER,
        "from": "dev.vellacott@northside-health.example",
        "to": "elin.everard@northside-health.example",
    }


def test_times_are_shown_in_uk_time(runtime: Runtime, clock: Clock) -> None:
    from datetime import UTC, datetime

    clock.moment = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)  # 10:30 in London (BST)
    reference = stored_case(runtime)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        listing = client.get("/cases").text
        page = client.get(f"/cases/{reference}").text
    assert "14 Jul 2026 10:30" in listing and reference in listing
    assert '<span class="at">14 Jul 2026 10:30</span>' in page and "09:30" not in page  # the timeline too


def test_cases_filter_by_the_day_they_were_opened_in_uk_time(runtime: Runtime, clock: Clock) -> None:
    from datetime import UTC, datetime

    clock.moment = datetime(2026, 7, 13, 23, 30, tzinfo=UTC)  # 00:30 on 14 July in London
    late = stored_case(runtime, "salford", "Ada Late")
    clock.moment = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
    later = stored_case(runtime, "salford", "Bo Later")
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        on_14th = client.get("/cases", params={"from": "2026-07-14", "to": "2026-07-14"}).text
        from_15th = client.get("/cases", params={"from": "2026-07-15"}).text
        nonsense = client.get("/cases", params={"from": "2026-13-45"}).text
    assert late in on_14th and later not in on_14th
    assert later in from_15th and late not in from_15th
    assert late in nonsense and later in nonsense  # a date that is no date filters nothing
    assert 'value="2026-07-15"' in from_15th
