"""A case walked through its policy against a fixed clock and the example directory."""

from __future__ import annotations

import csv
import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from escalations.intake.receiving import Envelope, receive
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, InboundMessage, OutboxMessage
from escalations.storage.repositories import CaseRepository
from tests.conftest import Clock
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import docx_table_notice
from tests.support.mail import notice_email, wire
from tests.support.letters import unreadable

DIRECTORY = Path(str(resources.files("escalations.config"))) / "directory.example.csv"


@cache
def _rows() -> tuple[dict[str, str], ...]:
    with DIRECTORY.open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def contact(partnership: str, agency: str | None, role: str) -> str:
    """The example directory's one address for a role (at an agency, or the partnership's own)."""
    found = [
        r["email"] for r in _rows() if r["partnership"] == partnership and r["agency"] == (agency or "") and r["role"] == role
    ]
    assert len(found) == 1, (partnership, agency, role, found)
    return found[0]


def contacts(partnership: str, *wanted: tuple[str | None, str]) -> set[str]:
    return {contact(partnership, agency, role) for agency, role in wanted}


@dataclass(frozen=True)
class Sent:
    kind: str
    to: frozenset[str]
    cc: frozenset[str]
    subject: str
    text: str

    @property
    def everyone(self) -> frozenset[str]:
        return self.to | self.cc


class Scenario:
    def __init__(self, runtime: Runtime, clock: Clock, mailbox: str) -> None:
        self.runtime = runtime
        self.clock = clock
        self.mailbox = mailbox
        self._seen = 0

    def at(self, moment: datetime) -> Scenario:
        self.clock.moment = moment
        return self

    def notice(self, sender: str, rows: list[tuple[str, str]]) -> str:
        """A notice (a Word table of label/value rows) from ``sender``; returns the case reference."""
        self._deliver(notice_email(docx_table_notice(rows), sender=sender, to=self.mailbox), sender)
        with self.runtime.sessions() as session:
            inbound = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
            assert inbound is not None and inbound.case is not None, inbound.outcome if inbound else "nothing stored"
            assert inbound.case.state != "awaiting_information", inbound.outcome
            return inbound.case.reference

    def held_notice(self, sender: str, rows: list[tuple[str, str]]) -> str:
        """A notice the service holds for more information; returns the case reference."""
        self._deliver(notice_email(docx_table_notice(rows), sender=sender, to=self.mailbox), sender)
        with self.runtime.sessions() as session:
            inbound = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
            assert inbound is not None and inbound.case is not None, inbound.outcome if inbound else "nothing stored"
            assert inbound.case.state == "awaiting_information", inbound.outcome
            return inbound.case.reference

    def reply(self, reference: str, sender: str, body: str) -> None:
        self._deliver(
            notice_email(None, sender=sender, to=self.mailbox, subject=f"RE: [{reference}] Escalation", body=body), sender
        )

    def tick(self) -> int:
        """One scheduler pass at the scenario's clock."""
        return self.runtime.scheduler().run_once()

    def sent(self) -> list[Sent]:
        """The emails queued since the last call."""
        with self.runtime.sessions() as session:
            rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        fresh, self._seen = rows[self._seen :], len(rows)
        return [_sent(row) for row in fresh]

    def case(self, reference: str) -> Case:
        with self.runtime.sessions() as session:
            case = CaseRepository(session).by_reference(reference)
            assert case is not None
            return case

    def open_deadlines(self, reference: str) -> set[tuple[str, int, datetime]]:
        return {(d.kind, d.stage, d.due) for d in self.case(reference).deadlines if not d.met}

    def _deliver(self, message: EmailMessage, sender: str) -> None:
        # As through the partnership's gateway, which checked the sender (tests.support.authentication).
        receive(
            self.runtime.sessions, by_gateway(wire(message)), Envelope("smtp", sender, (self.mailbox,), peer=RELAY), self.clock()
        )
        self.runtime.worker().run_until_idle()


def notice_rows(child: str, dob: str, challenged: str, stage: str, risk: str = "No", **more: str) -> list[tuple[str, str]]:
    """The label/value rows of a child's escalation notice, as a Word table."""
    rows = [
        ("Name of child", child),
        ("Date of birth", dob),
        ("Agency whose decision is challenged", challenged),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", stage),
        ("Is the child at immediate risk of significant harm?", risk),
    ]
    return rows + list(more.items())


def by_kind(sent: list[Sent]) -> dict[str, Sent]:
    out: dict[str, Sent] = {}
    for s in sent:
        assert s.kind not in out, f"two {s.kind} emails"
        out[s.kind] = s
    return out


def _sent(row: OutboxMessage) -> Sent:
    message = email.message_from_bytes(row.raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    html = message.get_body(("html",))
    for part in (body, html):  # every letter every scenario sends is one a person can read
        problems = unreadable(part.get_content()) if part is not None else []
        assert not problems, f"{row.kind} to be sent says {problems}"
    return Sent(
        kind=row.kind,
        to=frozenset(a.addr_spec for a in message["To"].addresses),
        cc=frozenset(a.addr_spec for a in message["Cc"].addresses) if message["Cc"] else frozenset(),
        subject=str(message["Subject"]),
        text=body.get_content() if body is not None else "",
    )
