"""Issue 9, end to end over a real SMTP connection on loopback (aiosmtpd and smtplib):
agencies named by an alias, and "ask, don't guess" with a numbered list.

The example directory (config/directory.example.csv) gives Salford Police the
aliases "GMP" and "Greater Manchester Police". Salford's notice needs the
child's name, date of birth and the concern; the challenged agency is asked
for whenever it is not one directory agency.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseEvent, InboundMessage, OutboxMessage
from escalations.storage.repositories import Stored
from tests.support.forms import docx_table_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact

MAILBOX = "escalations@salford.example"
SENDER = contact("salford", "Northside Health", "practitioner")
POLICE = "Salford Police"
CHILDRENS = "Salford Children's Services"


class Intake:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.server = IntakeServer(IntakeHandler(runtime.mailboxes, self._store, 2_000_000))
        self._seen = 0

    def _store(self, raw: bytes, envelope: Envelope) -> Stored:
        return receive(self.runtime.sessions, raw, envelope, self.runtime.clock())

    def send(self, message: EmailMessage) -> InboundMessage:
        with smtplib.SMTP(self.server.host, self.server.port, timeout=10) as client:
            assert client.sendmail(SENDER, [MAILBOX], wire(message)) == {}
        self.runtime.worker().run_until_idle()
        with self.runtime.sessions() as session:
            row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
            assert row is not None
            session.expunge(row)
            return row

    def sent(self) -> list[tuple[str, set[str], str, str]]:
        """(kind, recipients, Message-ID, plain text) of the emails queued since the last call."""
        with self.runtime.sessions() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
            fresh, self._seen = rows[self._seen :], len(rows)
            out = []
            for row in fresh:
                message = email.message_from_bytes(row.raw, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                body = message.get_body(("plain",))
                out.append((row.kind, set(row.recipients), row.message_id, body.get_content() if body else ""))
            return out

    def case(self, reference: str) -> tuple[Case, list[CaseEvent]]:
        with self.runtime.sessions() as session:
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
            session.expunge_all()
            return case, list(events)


@pytest.fixture
def intake(runtime: Runtime) -> Iterator[Intake]:
    i = Intake(runtime)
    with i.server:
        yield i


def _notice(*, agency: str | None, stage: str, dob: str | None = "14/02/2017") -> EmailMessage:
    rows = [("Name of child", "Jo Bloggs")]
    if dob:
        rows.append(("Date of birth", dob))
    if agency:
        rows.append(("Agency whose decision is challenged", agency))
    rows += [
        ("Information of concern", "The referral was closed without a home visit."),
        ("Current stage", stage),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]
    return notice_email(docx_table_notice(rows), sender=SENDER, to=MAILBOX)


def _reply(to: tuple[str, set[str], str, str], reference: str, words: str) -> EmailMessage:
    """The sender's answer above the quoted letter, as a mail program writes it."""
    quoted = "\n".join("> " + line for line in to[3].splitlines())
    message = notice_email(
        None,
        sender=SENDER,
        to=MAILBOX,
        subject=f"RE: [{reference}] More information needed",
        body=f"{words}\n\nOn Tue, 10 Mar 2026 the escalation mailbox wrote:\n{quoted}\n",
    )
    message["In-Reply-To"] = to[2]
    message["References"] = to[2]
    return message


def _people(runtime: Runtime, agency: str, *roles: str) -> set[str]:
    return {contact("salford", agency, role) for role in roles}


def test_a_notice_naming_its_challenged_agency_only_by_an_alias_reaches_that_agencys_people(
    intake: Intake, runtime: Runtime
) -> None:
    inbound = intake.send(_notice(agency="GMP", stage="1"))
    assert inbound.case_id is not None and inbound.outcome and inbound.outcome.startswith("new-notice"), inbound.outcome
    reached = set().union(*(to for _, to, _, _ in intake.sent()))
    assert contact("salford", POLICE, "practitioner") in reached
    with runtime.sessions() as session:
        case = session.get(Case, inbound.case_id)
        assert case is not None and case.state == "open" and case.stage == 1
        events = {e.rule: e for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))}
    resolved = events["agency:challenged"]
    assert resolved.data["agency"] == POLICE
    assert resolved.data["evidence"][0] == {
        "side": "challenged",
        "agency": POLICE,
        "where": "the challenged agency field",
        "text": "GMP",
        "rule": "abbreviation",
        "score": 100.0,
    }
    assert events["agency:raising"].data["evidence"][0]["rule"] == "domain"


QUESTION = """Which agency is your disagreement with? The notice does not say.
Reply with the number or the name:

  1. Oakfield Primary School
  2. Salford Children's Services
  3. Salford Police
"""


def test_no_challenged_agency_gets_the_numbered_question_and_the_answer_2_routes_it(intake: Intake, runtime: Runtime) -> None:
    inbound = intake.send(_notice(agency=None, stage="2"))
    assert inbound.outcome and inbound.outcome.startswith("awaiting-information"), inbound.outcome
    [letter] = intake.sent()
    kind, to, _, text = letter
    assert kind == "information_needed" and to == {SENDER}
    assert QUESTION in text, text  # the sender's own agency (Northside Health) is not offered
    assert "The notice does not give" not in text  # nothing else is missing
    case, events = intake.case(_reference(runtime, inbound))
    assert case.state == "awaiting_information"
    assert [e.data["options"] for e in events if e.rule == "question:challenged-agency"] == [
        ["Oakfield Primary School", CHILDRENS, POLICE]
    ]

    answer = intake.send(_reply(letter, case.reference, "2"))
    assert answer.outcome and answer.outcome.startswith("information-received"), answer.outcome
    assert (
        answer.authentication is not None and answer.authentication["authenticated"] is False
    )  # recorded; not needed to complete a held notice
    sent = intake.sent()
    reached = set().union(*(to for _, to, _, _ in sent))
    assert _people(runtime, CHILDRENS, "line_manager", "designated_safeguarding_lead") <= reached  # stage 2's people
    assert not any(a.endswith("@police.salford.example") for a in reached)
    case, events = intake.case(case.reference)
    assert case.state == "open" and case.stage == 2  # the stage the notice named, not one further
    picked = [e for e in events if e.rule == "answer:challenged-agency"]
    assert [p.data for p in picked] == [{"agency": CHILDRENS, "how": "number 2 of the list sent"}]


def test_details_given_across_replies_accumulate_and_nothing_is_asked_twice(intake: Intake, runtime: Runtime) -> None:
    inbound = intake.send(_notice(agency=None, stage="1", dob=None))
    [first] = intake.sent()
    assert "The notice does not give: their date of birth." in first[3]
    assert QUESTION in first[3]
    reference = _reference(runtime, inbound)

    intake.send(_reply(first, reference, "Option 3."))
    [second] = intake.sent()
    assert second[0] == "information_needed"
    assert "The notice does not give: their date of birth." in second[3]
    assert "Which agency" not in second[3]  # the agency was given: not asked again
    case, _ = intake.case(reference)
    assert case.state == "awaiting_information"

    intake.send(_reply(second, reference, "Date of birth: 14/02/2017"))
    reached = set().union(*(to for _, to, _, _ in intake.sent()))
    assert contact("salford", POLICE, "practitioner") in reached
    case, events = intake.case(reference)
    assert case.state == "open" and case.stage == 1
    assert sum(1 for e in events if e.rule == "question:challenged-agency") == 1


def test_an_answer_naming_the_agency_by_an_alias_is_read_against_the_list(intake: Intake, runtime: Runtime) -> None:
    inbound = intake.send(_notice(agency="Salford Royal", stage="1"))
    [letter] = intake.sent()
    assert 'We could not find "Salford Royal" among the partnership\'s agencies.' in letter[3]
    reference = _reference(runtime, inbound)
    intake.send(_reply(letter, reference, "Sorry - it's Greater Manchester Police"))
    case, events = intake.case(reference)
    assert case.state == "open"
    assert [e.data["agency"] for e in events if e.rule == "answer:challenged-agency"] == [POLICE]


def _reference(runtime: Runtime, inbound: InboundMessage) -> str:
    with runtime.sessions() as session:
        case = session.get(Case, inbound.case_id)
        assert case is not None
        return case.reference
