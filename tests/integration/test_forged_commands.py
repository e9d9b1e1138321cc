"""Issue 12, defect 2: a forged From: must never move a case.

Over a real SMTP connection on loopback (aiosmtpd and smtplib), with the
sender's DNS (SPF, DKIM keys, DMARC) served by the test's own DNS server:
the swaks attack goes to review and changes nothing, the same reply properly
authenticated moves the case, and an authenticated sender who is not a
participant moves nothing.
"""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.intake.smtp import IntakeHandler
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import CaseEvent, InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.repositories import CaseRepository, Stored
from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway, dkim_key
from tests.support.dns import Zone
from tests.support.forms import salford_notice
from tests.support.intake_server import IntakeServer
from tests.support.mail import notice_email, wire
from tests.support.scenario import contact

MAILBOX = "escalations@salford.example"
PRACTITIONER = "a.khan@northside-health.example"
MANAGER = "lowri.dalby@childrens.salford.example"  # line manager of the challenged agency: routed the case at stage 2
OUTSIDER = "someone.else@childrens.salford.example"  # at the agency's domain, but nobody on the case
BUSINESS_MANAGER = contact("salford", None, "business_manager")


class Intake:
    """The production SMTP handler on loopback, storing into the runtime's database."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.server = IntakeServer(IntakeHandler(runtime.mailboxes, self._store, 200_000))

    def _store(self, raw: bytes, envelope: Envelope) -> Stored:
        return receive(self.runtime.sessions, raw, envelope, self.runtime.clock())

    def send(self, mail_from: str, raw: bytes, helo: str = "mail.sender.example") -> InboundMessage:
        with smtplib.SMTP(self.server.host, self.server.port, local_hostname=helo, timeout=10) as client:
            client.sendmail(mail_from, [MAILBOX], raw)
        self.runtime.worker().run_until_idle()
        with self.runtime.sessions() as session:
            row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
            assert row is not None
            return row


@pytest.fixture
def intake(runtime: Runtime, dns_zone: Zone) -> Iterator[Intake]:
    i = Intake(runtime)
    with i.server:
        yield i


def _open_case(runtime: Runtime) -> str:
    """The notice comes through the partnership's gateway (authenticated); routed to the stage 2 people."""
    raw = by_gateway(wire(notice_email(salford_notice(), message_id="<notice-1@northside-health.example>")))
    receive(runtime.sessions, raw, Envelope("smtp", PRACTITIONER, (MAILBOX,), peer=RELAY), runtime.clock())
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        notice = session.scalar(select(InboundMessage).where(InboundMessage.message_id == "<notice-1@northside-health.example>"))
        assert notice is not None and notice.case is not None, notice.outcome if notice else "not stored"
        return notice.case.reference


def _reply(sender: str, reference: str, body: str = "Resolved - no further action") -> bytes:
    return wire(
        notice_email(
            None,
            sender=sender,
            subject=f"RE: [{reference}] Escalation",
            body=body,
            message_id=f"<reply-{abs(hash(body + sender))}@x.example>",
        )
    )


def _outbox_ids(runtime: Runtime) -> list[int]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage.id)))


def _case(runtime: Runtime, reference: str):  # type: ignore[no-untyped-def]
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference(reference)
        assert case is not None
        return case.state, case.stage


def _events(runtime: Runtime, inbound_id: int) -> dict[str, CaseEvent]:
    with runtime.sessions() as session:
        return {e.rule: e for e in session.scalars(select(CaseEvent).where(CaseEvent.inbound_id == inbound_id))}


def test_the_swaks_attack_goes_to_review_changes_nothing_tells_the_attacker_nothing(
    runtime: Runtime, intake: Intake, dns_zone: Zone, clock: Clock, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _open_case(runtime)
    before = (_case(runtime, reference), _outbox_ids(runtime))
    # The attacker owns evil.example and publishes SPF for its own host: SPF passes, for the wrong domain.
    dns_zone.txt("evil.example", "v=spf1 ip4:127.0.0.1 -all")

    row = intake.send("attacker@evil.example", _reply(MANAGER, reference), helo="evil.example")

    assert row.status == InboundStatus.REVIEW and row.review and row.review["rule"] == "unauthenticated-command"
    assert (row.peer_ip, row.helo) == ("127.0.0.1", "evil.example")
    assert row.authentication and row.authentication["authenticated"] is False
    assert [(c["method"], c["result"], c["domain"], c["aligned"]) for c in row.authentication["checks"]] == [
        ("spf", "pass", "evil.example", False)
    ]
    assert (_case(runtime, reference), _outbox_ids(runtime)) == before, (
        "the case is unchanged and nobody, the attacker least, is sent anything"
    )
    events = _events(runtime, row.id)
    assert "not aligned with the From: domain childrens.salford.example" in events["move-held"].reason
    assert events["authentication:none"].data["checks"][0]["domain"] == "evil.example"

    # The business manager sees why: in the review listing, and in the morning summary.
    capsys.readouterr()
    assert main(["review", "list", "--json", "--config", str(runtime.settings.path)]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == row.id and "not authenticated" in listed["reason"] and listed["candidates"] == [reference]
    clock.moment = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    runtime.scheduler().run_once()
    with runtime.sessions() as session:
        [summary] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review_summary")).all()
    assert summary.recipients == [BUSINESS_MANAGER]
    text = email.message_from_bytes(summary.raw, policy=email.policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "not aligned with the From: domain childrens.salford.example" in " ".join(text.split())


def test_the_same_reply_signed_by_the_managers_domain_resolves_the_case(runtime: Runtime, intake: Intake, dns_zone: Zone) -> None:
    reference = _open_case(runtime)
    key = dkim_key("childrens.salford.example")
    key.publish(dns_zone)

    row = intake.send(MANAGER, key.sign(_reply(MANAGER, reference)))

    assert row.status == InboundStatus.PROCESSED, row.outcome
    assert _case(runtime, reference) == ("resolved", 2)
    assert row.authentication and row.authentication["method"] == "dkim" and row.authentication["by"] == "service"
    assert "authentication:pass" in _events(runtime, row.id)


def test_the_reply_from_a_host_the_managers_spf_allows_escalates_the_case(
    runtime: Runtime, intake: Intake, dns_zone: Zone
) -> None:
    reference = _open_case(runtime)
    dns_zone.txt("childrens.salford.example", "v=spf1 ip4:127.0.0.0/8 -all")

    row = intake.send(MANAGER, _reply(MANAGER, reference, "Escalate: we cannot agree at this level"))

    assert row.status == InboundStatus.PROCESSED, row.outcome
    assert _case(runtime, reference) == ("open", 3)
    assert row.authentication and row.authentication["method"] == "spf"


def test_an_authenticated_sender_at_the_agencys_domain_who_is_not_on_the_case_moves_nothing(
    runtime: Runtime, intake: Intake, dns_zone: Zone
) -> None:
    reference = _open_case(runtime)
    key = dkim_key("childrens.salford.example")
    key.publish(dns_zone)
    before = _outbox_ids(runtime)

    row = intake.send(OUTSIDER, key.sign(_reply(OUTSIDER, reference)))

    assert row.status == InboundStatus.REVIEW and row.review and row.review["rule"] == "reference-from-outsider"
    assert row.authentication and row.authentication["authenticated"] is True
    assert _case(runtime, reference) == ("open", 2) and _outbox_ids(runtime) == before


def test_answering_our_signed_message_id_needs_a_participant_too(runtime: Runtime, intake: Intake, dns_zone: Zone) -> None:
    reference = _open_case(runtime)
    with runtime.sessions() as session:
        our_id = session.scalar(select(OutboxMessage.message_id).where(OutboxMessage.kind == "routed_case"))
    police = contact("salford", "Salford Police", "line_manager")  # in the directory, but Salford Police is not a party
    key = dkim_key("police.salford.example")
    key.publish(dns_zone)
    reply = notice_email(
        None, sender=police, subject="RE: Escalation", body="Resolved", headers={"In-Reply-To": our_id, "References": our_id}
    )

    row = intake.send(police, key.sign(wire(reply)))

    assert row.status == InboundStatus.REVIEW and row.review and row.review["rule"] == "reference-from-outsider"
    assert _case(runtime, reference) == ("open", 2)


def test_unauthenticated_correspondence_is_recorded_but_does_not_meet_the_deadline(runtime: Runtime, intake: Intake) -> None:
    reference = _open_case(runtime)
    row = intake.send(MANAGER, _reply(MANAGER, reference, "Thanks, we are looking at it"))
    assert row.status == InboundStatus.PROCESSED
    assert "response-not-counted" in _events(runtime, row.id)
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference(reference)
        assert case is not None and not any(d.met for d in case.deadlines if d.kind == "stage_response")


def test_a_person_deciding_in_review_applies_the_held_command(runtime: Runtime, intake: Intake) -> None:
    reference = _open_case(runtime)
    row = intake.send(MANAGER, _reply(MANAGER, reference))
    assert row.status == InboundStatus.REVIEW
    assert main(["review", "decide", str(row.id), "--case", reference, "--config", str(runtime.settings.path)]) == 0
    assert _case(runtime, reference) == ("resolved", 2)


def test_with_require_authentication_off_a_participant_still_must_be_on_the_case(
    tmp_path, database_url: str, clock: Clock, dns_zone: Zone
) -> None:  # type: ignore[no-untyped-def]
    from escalations.service.settings import load_settings
    from tests.conftest import default_trust, write_settings

    settings = load_settings(write_settings(tmp_path, database_url, trust=default_trust() + "require_authentication = false\n"))
    with Runtime(settings, clock=clock) as runtime:
        runtime.prepare_database()
        reference = _open_case(runtime)
        intake = Intake(runtime)
        with intake.server:
            outsider = intake.send(OUTSIDER, _reply(OUTSIDER, reference))
            assert outsider.status == InboundStatus.REVIEW and _case(runtime, reference) == ("open", 2)
            row = intake.send(MANAGER, _reply(MANAGER, reference))
        assert row.status == InboundStatus.PROCESSED and row.authentication and row.authentication["authenticated"] is False
        assert _case(runtime, reference) == ("resolved", 2), (
            "the laboratory setting lets an unauthenticated participant's command through"
        )
