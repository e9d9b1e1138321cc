"""Console test helpers: a stored case with a document, and signing a TestClient in by the emailed link."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.intake.notices.model import Notice, Subject
from escalations.service.case_actions import CaseActions
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, Deadline, InboundMessage, OutboxMessage

SALFORD_MANAGER = "business.manager@salford.example"
BNES_MANAGER = "business.manager@bnes.example"
LINK = re.compile(r"https?://[^\s\"<>]+/sign-in/[A-Za-z0-9_-]+")
DOCUMENT = b"%PDF-1.4 the notice document of the test case"


def stored_case(runtime: Runtime, partnership: str = "salford", name: str = "Jo Testwell") -> str:
    """An open case at stage 1 with a stage-1 deadline and a message carrying one PDF attachment; its reference."""
    now = runtime.clock()
    policy_ = runtime.policies[partnership]
    sender = runtime.context().sender
    with runtime.sessions.begin() as session:
        inbound = InboundMessage(
            received_at=now,
            source="smtp",
            mailbox=policy_.mailbox,
            envelope_from="dev.vellacott@northside-health.example",
            envelope_to=[policy_.mailbox],
            message_id=f"<{partnership}-{name.replace(' ', '.')}@test.example>",
            raw_sha256="0" * 64,
            dedupe_key=f"{partnership}-{name}",
            raw=_notice_email(policy_.mailbox),
            size=100,
            status="processed",
        )
        session.add(inbound)
        session.flush()
        actions = CaseActions(session, runtime.policies, sender, now, inbound_id=inbound.id)
        case = actions.open_case(
            policy_, Notice(subject=Subject(kind="child", name=name)), inbound.envelope_from, "test", "opened by the test"
        )
        inbound.case_id = case.id
        session.add(
            Deadline(
                case=case,
                kind="stage_response",
                stage=1,
                due=now + timedelta(days=3),
                set_at=now,
                met=False,
                rule="test",
                reason="the test's deadline",
            )
        )
        return case.reference


def _notice_email(to: str) -> bytes:
    message = EmailMessage()
    message["From"] = "dev.vellacott@northside-health.example"
    message["To"] = to
    message["Subject"] = "Escalation"
    message["Message-ID"] = "<notice@test.example>"
    message.set_content("Please see the attached notice.")
    message.add_attachment(DOCUMENT, maintype="application", subtype="pdf", filename="Jo Testwell notice.pdf")
    return message.as_bytes()


def sign_in_mails(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "console_sign_in").order_by(OutboxMessage.id))
        return list(rows)


def link_in(raw: bytes) -> str:
    mail = message_from_bytes(raw, policy=policy.default)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = LINK.search(text)
    assert found, text
    return found.group(0)


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def ask_for_link(client: TestClient, email: str) -> int:
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "csrf": csrf_in(page.text)}).status_code


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def sign_in(client: TestClient, runtime: Runtime, email: str) -> str:
    """Ask for a link, take it from the outbox, open it and press Sign in; the page's CSRF token."""
    assert ask_for_link(client, email) == 200
    link = link_in(sign_in_mails(runtime)[-1].raw)
    assert client.get(link).status_code == 200
    response = client.post("/sign-in/confirm", data={"token": token_of(link)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    home = client.get("/")
    assert home.status_code == 200 and email in home.text
    return csrf_in(home.text)


def case_id(runtime: Runtime, reference: str) -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Case.id).where(Case.reference == reference)).one()


def later(runtime: Runtime, **delta: float) -> datetime:
    return runtime.clock() + timedelta(**delta)


def held_message(runtime: Runtime, status: str, partnership: str = "salford", **review: object) -> int:
    """A message from the test case's raiser, held in review or quarantine for a partnership's mailbox; its id."""
    mailbox = runtime.policies[partnership].mailbox
    raw = _notice_email(mailbox).replace(b"<notice@test.example>", f"<held-{status}@test.example>".encode())
    with runtime.sessions.begin() as session:
        message = InboundMessage(
            received_at=runtime.clock(),
            source="smtp",
            mailbox=mailbox,
            envelope_from="dev.vellacott@northside-health.example",
            envelope_to=[mailbox],
            message_id=f"<held-{status}@test.example>",
            raw_sha256="1" * 64,
            dedupe_key=f"held-{status}-{partnership}",
            raw=raw,
            size=len(raw),
            status=status,
            tries=3 if status == "quarantined" else 1,
            last_error="ValueError: could not read Jo Testwell's form" if status == "quarantined" else None,
            review={"partnership": partnership, **review} if status == "review" else None,
        )
        session.add(message)
        session.flush()
        return message.id
