"""Issue 11: an agency renamed in the directory while a case is open, over real SMTP from notice to resolution.

Notices and replies go in through the production SMTP server on loopback
(aiosmtpd and smtplib), authenticated by SPF for the loopback address; the
service's mail goes out through the real outbox sender to an SMTP sink. The
rename is an ordinary `directory import` of the file with the new name.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.outbound.transports import SmtpTransport
from escalations.routing.directory import to_csv
from escalations.service.cli import main
from escalations.service.directory import current_rows
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, InboundMessage
from escalations.storage.repositories import Stored
from tests.conftest import Clock
from tests.support.dns import Zone
from tests.support.forms import docx_table_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact
from tests.support.smtp_sink import SmtpSink

MAILBOX = "escalations@salford.example"
OLD, NEW = "Salford Children's Services", "Salford Children and Families"
RAISER = contact("salford", "Northside Health", "practitioner")
PRACTITIONER = contact("salford", OLD, "practitioner")
BUSINESS_MANAGER = contact("salford", None, "business_manager")


class Intake:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.server = IntakeServer(IntakeHandler(runtime.mailboxes, self._store, 2_000_000))

    def _store(self, raw: bytes, envelope: Envelope) -> Stored:
        return receive(self.runtime.sessions, raw, envelope, self.runtime.clock())

    def send(self, sender: str, message: EmailMessage) -> InboundMessage:
        with smtplib.SMTP(self.server.host, self.server.port, timeout=10) as client:
            assert client.sendmail(sender, [MAILBOX], wire(message)) == {}
        self.runtime.worker().run_until_idle()
        with self.runtime.sessions() as session:
            row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
            assert row is not None and row.case is not None, row.outcome if row else "nothing stored"
            session.expunge(row)
            return row


@pytest.fixture
def intake(runtime: Runtime, dns_zone: Zone) -> Iterator[Intake]:
    for domain in ("northside-health.example", "childrens.salford.example"):
        dns_zone.txt(domain, "v=spf1 ip4:127.0.0.0/8 -all")  # the senders' own servers: loopback
    i = Intake(runtime)
    with i.server:
        yield i


def _notice(child: str, dob: str, agency: str) -> EmailMessage:
    rows = [
        ("Name of child", child),
        ("Date of birth", dob),
        ("Agency whose decision is challenged", agency),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", "1"),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]
    return notice_email(docx_table_notice(rows), sender=RAISER, to=MAILBOX)


def _case(runtime: Runtime, case_id: int) -> Case:
    with runtime.sessions() as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.expunge(case)
        return case


def test_an_agency_renamed_while_its_case_is_open_keeps_the_case_routed_to_resolution(
    runtime: Runtime, clock: Clock, intake: Intake, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock.moment = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # Tuesday 10:00
    first = intake.send(RAISER, _notice("Jo Bloggs", "14/02/2017", OLD))
    reference = _case(runtime, first.case_id or 0).reference

    # The council renames the service: the admin exports, edits the agency column, imports.
    with runtime.sessions() as session:
        rows = [replace(r, agency=NEW) if r.agency == OLD else r for r in current_rows(session, "salford")]
    csv = tmp_path / "renamed.csv"
    csv.write_text(to_csv(rows), encoding="utf-8")
    capsys.readouterr()
    assert main(["directory", "import", str(csv), "--config", str(runtime.settings.path)]) == 0
    assert f"renamed salford: {OLD} -> {NEW}" in capsys.readouterr().out

    # A practitioner who still uses the old name: the notice routes to the renamed agency.
    clock.moment = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
    second = intake.send(RAISER, _notice("Sam Smith", "03/09/2019", OLD))
    assert second.case_id != first.case_id
    agency = _case(runtime, first.case_id or 0).challenged_agency_id
    assert agency is not None and _case(runtime, second.case_id or 0).challenged_agency_id == agency

    # The first case's chaser still reaches the challenged side, not only the raising one.
    clock.moment = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    runtime.scheduler().run_once()

    # Wednesday: the renamed agency's practitioner says the work is in progress (their chasers wait a
    # working day), and the raiser hears it without the quoted history; the raiser's answer reaches them.
    clock.moment = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    progress = notice_email(
        None,
        sender=PRACTITIONER,
        to=MAILBOX,
        subject=f"RE: [{reference}] Overdue – stage 1",
        body="In progress: a joint visit is booked for Thursday.\n\nOn Tue, 10 Mar 2026, SSCB wrote:\n> Child: Jo Bloggs",
    )
    row = intake.send(PRACTITIONER, progress)
    assert row.authentication and row.authentication["authenticated"], row.authentication
    assert _case(runtime, first.case_id or 0).state == "open"
    clock.moment = datetime(2026, 3, 11, 10, 30, tzinfo=UTC)
    answer = notice_email(
        None, sender=RAISER, to=MAILBOX, subject=f"RE: [{reference}] Reply received – stage 1", body="I will join the visit."
    )
    intake.send(RAISER, answer)
    runtime.scheduler().run_once()  # Wednesday's chaser is held by the "In progress"

    # The renamed agency's practitioner resolves the first case.
    reply = notice_email(
        None,
        sender=PRACTITIONER,
        to=MAILBOX,
        subject=f"RE: [{reference}] Escalation – stage 1",
        body="Resolved: a visit is booked.",
    )
    row = intake.send(PRACTITIONER, reply)
    assert row.authentication and row.authentication["authenticated"], row.authentication
    assert _case(runtime, first.case_id or 0).state == "resolved"

    with SmtpSink() as relay:
        sender = runtime.outbox_sender(SmtpTransport(relay.host, relay.port, timeout=5))
        while sender.run_once():
            pass
        received = relay.wait_for(1)
    by_subject: dict[str, list[set[str]]] = {}
    texts: dict[str, list[str]] = {}
    for message in received:
        subject = str(message.message["Subject"])
        by_subject.setdefault(subject, []).append(set(message.rcpt_tos))
        body = message.message.get_body(("plain",))
        texts.setdefault(subject, []).append(body.get_content() if body is not None else "")
    assert by_subject[f"[{reference}] Overdue – stage 1"] == [{PRACTITIONER}]  # Tuesday's only: Wednesday's was held
    progress_to, answer_to = by_subject[f"[{reference}] Reply received – stage 1"]
    assert RAISER in progress_to and PRACTITIONER not in progress_to
    assert PRACTITIONER in answer_to and RAISER not in answer_to
    told = texts[f"[{reference}] Reply received – stage 1"][0]
    assert f"Kamal Underhill, practitioner, {NEW}, replied" in told and "a joint visit is booked" in told
    assert "Jo Bloggs" not in told, "no quoted history"
    routed = texts[f"[{reference}] Escalation – stage 1"][0]
    assert "Raised by: Dev Vellacott, practitioner, Northside Health" in routed
    assert f"How to reach them: {RAISER}, 0161 496 0103" in routed
    second_routed = next(t for s, ts in texts.items() if s.endswith("Escalation – stage 1") and reference not in s for t in ts)
    assert f"Agency whose decision is challenged: {NEW}" in second_routed
    assert any(PRACTITIONER in to for to in by_subject[f"[{reference}] Escalation – stage 1"])
    [closed] = by_subject[f"[{reference}] Resolved – stage 1"]
    assert {RAISER, PRACTITIONER, BUSINESS_MANAGER} <= closed
    assert all(f"{NEW}" not in subject and "Jo" not in subject for subject in by_subject), "no names in subjects"
