"""The same attachment is the same notice only when it names the same person (issue 12, defect 3).

Two practitioners about two children, each attaching the partnership's leaflet:
two cases, both routed, both senders answered. Two empty attachments: two
cases, both senders asked for the notice. The same notice document sent again,
by its author or a colleague: recorded once on its case. End to end through
the worker on SQLite and PostgreSQL, and once over a real SMTP session.
"""

from __future__ import annotations

import hashlib
import io
import smtplib
from email.message import EmailMessage

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select, update

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseState, InboundMessage, InboundStatus, NoticeRecord, OutboxMessage
from tests.support.forms import docx_table_notice, salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire

MAILBOX = "escalations@salford.example"
HEALTH = "a.khan@northside-health.example"  # Northside Health, by its domain
SCHOOL = "zara.stanway@oakfield-primary.example"  # Oakfield Primary School's practitioner
COLLEAGUE = "elin.everard@northside-health.example"
SAM = {
    "child": "Sam Example",
    "dob": "03/06/2015",
    "your_name": "Zara Stanway",
    "your_role": "Teacher",
    "your_agency": "Oakfield Primary School",
    "your_email": SCHOOL,
}


def leaflet() -> bytes:
    """The partnership's leaflet that practitioners attach to everything: names nobody."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for n, line in enumerate(
        [
            "Salford Safeguarding Children Partnership",
            "Resolving professional disagreements: a guide for practitioners",
            "Talk to the other professional first. If you still disagree, tell your line manager.",
            "Business Manager: business.manager@salford.example",
        ]
    ):
        canvas.drawString(72, 760 - 18 * n, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def body_notice(child: str, dob: str) -> str:
    return "\n".join(
        [
            f"Name of child: {child}",
            f"Date of birth: {dob}",
            "Information of concern: the referral was closed without a visit.",
            "Agency whose decision is challenged: Salford Children's Services",
            "Current stage: 2",
            "Immediate risk: No",
        ]
    )


def with_attachments(message: EmailMessage, *files: tuple[bytes, str]) -> bytes:
    for data, filename in files:
        maintype, subtype = (
            ("application", "pdf")
            if filename.endswith(".pdf")
            else ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
        )
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return wire(message)


def deliver(runtime: Runtime, raw: bytes, sender: str) -> InboundMessage:
    stored = receive(runtime.sessions, raw, Envelope("smtp", sender, (MAILBOX,)), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        row = session.get(InboundMessage, stored.id)
        assert row is not None
        return row


def cases(runtime: Runtime) -> list[Case]:
    with runtime.sessions() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def sent_to(runtime: Runtime, address: str) -> list[str]:
    """The kinds of mail queued for one address, in order."""
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row.kind for row in rows if address in row.recipients]


def leaflet_emails() -> dict[str, tuple[bytes, bytes]]:
    """Two notices about two children from two agencies, each with the same leaflet, three ways."""
    blank = docx_table_notice([("Name of child", ""), ("Date of birth", "")])  # the same bytes in both
    return {
        "notice in the body, leaflet attached": (
            with_attachments(
                notice_email(None, sender=HEALTH, body=body_notice("Jo Bloggs", "14/02/2017")), (leaflet(), "leaflet.pdf")
            ),
            with_attachments(
                notice_email(None, sender=SCHOOL, body=body_notice("Sam Example", "03/06/2015")), (leaflet(), "leaflet.pdf")
            ),
        ),
        "leaflet first, the notice form second": (
            with_attachments(notice_email(None, sender=HEALTH), (leaflet(), "leaflet.pdf"), (salford_notice(), "notice.docx")),
            with_attachments(
                notice_email(None, sender=SCHOOL), (leaflet(), "leaflet.pdf"), (salford_notice(**SAM), "notice.docx")
            ),
        ),
        "a blank form beside the notice in the body": (
            with_attachments(
                notice_email(None, sender=HEALTH, body=body_notice("Jo Bloggs", "14/02/2017")), (blank, "form.docx")
            ),
            with_attachments(
                notice_email(None, sender=SCHOOL, body=body_notice("Sam Example", "03/06/2015")), (blank, "form.docx")
            ),
        ),
    }


@pytest.mark.parametrize("first, second", leaflet_emails().values(), ids=leaflet_emails().keys())
def test_two_children_sharing_a_leaflet_are_two_cases_both_routed(runtime: Runtime, first: bytes, second: bytes) -> None:
    one = deliver(runtime, first, HEALTH)
    two = deliver(runtime, second, SCHOOL)
    assert (one.outcome.split(":")[0], two.outcome.split(":")[0]) == ("new-notice", "new-notice"), (one.outcome, two.outcome)
    a, b = cases(runtime)
    assert (a.state, b.state) == (CaseState.OPEN, CaseState.OPEN)
    assert two.case_id == b.id and two.case_id != one.case_id
    assert sent_to(runtime, HEALTH) == ["acknowledgement"] and sent_to(runtime, SCHOOL) == ["acknowledgement"]


def test_two_empty_attachments_are_two_notices_each_sender_asked(runtime: Runtime) -> None:
    one = deliver(
        runtime, with_attachments(notice_email(None, sender=HEALTH, body="Notice attached."), (b"", "notice.docx")), HEALTH
    )
    two = deliver(
        runtime, with_attachments(notice_email(None, sender=SCHOOL, body="Ours attached."), (b"", "notice.docx")), SCHOOL
    )
    assert {one.outcome.split(":")[0], two.outcome.split(":")[0]} == {"awaiting-information"}
    assert [c.state for c in cases(runtime)] == [CaseState.AWAITING_INFORMATION] * 2
    assert sent_to(runtime, HEALTH) == ["information_needed"] and sent_to(runtime, SCHOOL) == ["information_needed"]


@pytest.mark.parametrize("again_from", [HEALTH, COLLEAGUE], ids=["sent twice by its author", "sent by a colleague too"])
def test_the_same_notice_document_again_is_recorded_once(runtime: Runtime, again_from: str) -> None:
    notice = salford_notice()
    deliver(
        runtime, with_attachments(notice_email(None, sender=HEALTH), (leaflet(), "leaflet.pdf"), (notice, "notice.docx")), HEALTH
    )
    before = sent_to(runtime, again_from)
    again = deliver(
        runtime,
        with_attachments(notice_email(None, sender=again_from), (notice, "notice.docx"), (leaflet(), "leaflet.pdf")),
        again_from,
    )
    [case] = cases(runtime)
    assert again.case_id == case.id and again.outcome.startswith("duplicate-notice")
    assert sent_to(runtime, again_from) == before  # not routed again, nobody written to twice


def test_a_document_stored_with_another_persons_notice_is_not_that_notice(runtime: Runtime) -> None:
    """A case whose stored notice hash equals this document's but whose notice was about someone else
    (as a leaflet's hash was stored before this rule): equal bytes alone never make a duplicate."""
    first = deliver(runtime, with_attachments(notice_email(None, sender=HEALTH), (salford_notice(), "notice.docx")), HEALTH)
    other = salford_notice(**SAM)
    with runtime.sessions.begin() as session:
        session.execute(
            update(NoticeRecord)
            .where(NoticeRecord.case_id == first.case_id)
            .values(document_sha256=hashlib.sha256(other).hexdigest())
        )
    second = deliver(runtime, with_attachments(notice_email(None, sender=SCHOOL), (other, "notice.docx")), SCHOOL)
    assert second.outcome.startswith("new-notice") and second.case_id != first.case_id


def test_over_smtp_two_children_sharing_a_leaflet_are_both_answered(runtime: Runtime) -> None:
    first, second = leaflet_emails()["notice in the body, leaflet attached"]

    def store(raw: bytes, envelope: Envelope):  # type: ignore[no-untyped-def]
        return receive(runtime.sessions, raw, envelope, runtime.clock())

    with IntakeServer(IntakeHandler(runtime.mailboxes, store, 200_000)) as server:
        for sender, raw in ((HEALTH, first), (SCHOOL, second)):
            with smtplib.SMTP(server.host, server.port, timeout=10) as client:
                assert client.sendmail(sender, [MAILBOX], raw) == {}
    runtime.worker().run_until_idle()
    assert [c.state for c in cases(runtime)] == [CaseState.OPEN, CaseState.OPEN]
    with runtime.sessions() as session:
        statuses = [m.status for m in session.scalars(select(InboundMessage).order_by(InboundMessage.id))]
    assert statuses == [InboundStatus.PROCESSED, InboundStatus.PROCESSED]
    assert sent_to(runtime, HEALTH) == ["acknowledgement"] and sent_to(runtime, SCHOOL) == ["acknowledgement"]
