"""The pipeline of DESIGN.md for one stored message: read, screen, match, decide, compose, record.

``prepare`` is pure and may be slow (reading documents); ``apply`` runs inside
the worker's one transaction and writes the case change, its events, the
deadlines and the outbox rows together (invariant 3).
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from escalations.intake import mime
from escalations.intake.mime import InboundEmail
from escalations.intake.notices.model import Notice
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.intake.screening import Screen, Verdict, screen
from escalations.outbound.compose import Letter, Sender, build, case_context, case_letters
from escalations.routing.directory import Directory
from escalations.routing.escalation import Decision, decide
from escalations.routing.matching import choose_policy, policies_for, subject_reference
from escalations.routing.policy import Policy
from escalations.service.directory import load_directory
from escalations.storage.models import (
    Case,
    CaseEvent,
    CaseState,
    Deadline,
    InboundMessage,
    InboundStatus,
    NoticeRecord,
    OutboxMessage,
)
from escalations.storage.repositories import CaseRepository, OutboxRepository

log = logging.getLogger(__name__)

NOTICE_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/pdf",
    "application/msword",
)
NOTICE_SUFFIXES = (".docx", ".pdf", ".doc", ".odt", ".rtf")


@dataclass(frozen=True)
class Context:
    policies: Mapping[str, Policy]
    screen: Screen
    sender: Sender
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class Prepared:
    mail: InboundEmail
    verdict: Verdict | None
    notice: Notice
    notice_files: tuple[Attachment, ...]


def prepare(raw: bytes, envelope_from: str | None, context: Context) -> Prepared:
    """Parse, screen and read the notice: pure, no database (MalformedMessage is permanent)."""
    mail = mime.parse(raw)
    verdict = screen(mail, envelope_from, context.screen)
    if verdict is not None:
        return Prepared(mail, verdict, Notice(), ())
    today = context.clock().astimezone(_london()).date()
    files = tuple(a for a in mail.attachments if is_notice_file(a))
    notice = read_notice(files, body_text(mail), today=today)
    return Prepared(mail, None, notice, files)


def body_text(mail: InboundEmail) -> str | None:
    if mail.text:
        return mail.text
    if mail.html:
        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", mail.html)
        text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", text)
        return html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    return None


def is_notice_file(attachment: Attachment) -> bool:
    name = (attachment.filename or "").lower()
    return attachment.content_type in NOTICE_TYPES or name.endswith(NOTICE_SUFFIXES)


def _london():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


class Apply:
    """Records what one prepared message means, in the caller's transaction."""

    def __init__(self, session: Session, inbound: InboundMessage, prepared: Prepared, context: Context) -> None:
        self.session = session
        self.inbound = inbound
        self.p = prepared
        self.context = context
        self.now = context.clock()
        self.cases = CaseRepository(session)
        self.sender_address = prepared.mail.from_address

    def run(self) -> None:
        if self.p.verdict is not None:
            return self._ignored(self.p.verdict)
        reference = subject_reference(self.p.mail.subject) or self.p.notice.case_reference
        if reference:
            case = self.cases.by_reference(reference)
            if case is None:
                return self._review("unknown-reference", f"the subject names case {reference}, which does not exist")
            return self._follow_up(case)
        return self._new_notice()

    # -- outcomes -------------------------------------------------------------

    def _finish(self, status: str, rule: str, reason: str, case: Case | None = None) -> None:
        self.inbound.status = status
        self.inbound.outcome = f"{rule}: {reason}"
        self.inbound.processed_at = self.now
        self.inbound.claim_token = None
        self.inbound.claimed_until = None
        self.inbound.last_error = None
        if case is not None:
            self.inbound.case_id = case.id
        log.info("inbound %s: %s (%s)%s", self.inbound.id, status, rule, f" case {case.reference}" if case else "")

    def _ignored(self, verdict: Verdict) -> None:
        reference = subject_reference(self.p.mail.subject)
        case = self.cases.by_reference(reference) if reference else None
        if case is not None:
            self._event(case, "inbound", f"screening:{verdict.rule}", f"automated mail recorded and not answered: {verdict.reason}")
        self._finish(InboundStatus.IGNORED, f"screening:{verdict.rule}", verdict.reason, case)

    def _review(self, rule: str, reason: str, case: Case | None = None) -> None:
        self._finish(InboundStatus.REVIEW, rule, reason, case)

    # -- a message with no case reference --------------------------------------

    def _new_notice(self) -> None:
        addresses = tuple(self.inbound.envelope_to or ()) + self.p.mail.to + self.p.mail.cc
        candidates = policies_for(addresses, self.context.policies)
        choice = choose_policy(candidates, self.p.notice.subject.kind)
        if choice.policy is None:
            return self._undecided_policy(candidates, choice.rule, choice.reason)
        policy = choice.policy
        directory, agency_ids = load_directory(self.session, policy.id)
        if not _known_sender(directory, self.sender_address):
            return self._review("unknown-sender", f"the sender's address is not in the {policy.short_name} directory, so nothing is sent to it")
        case = self._open_case(policy, choice.rule, choice.reason)
        missing = self._missing(policy)
        if missing:
            return self._await_information(case, policy, missing)
        self._route(case, policy, directory, agency_ids, current_stage=None)
        self._finish(InboundStatus.PROCESSED, "new-notice", f"case {case.reference} opened and routed", case)

    def _undecided_policy(self, candidates: list[Policy], rule: str, reason: str) -> None:
        known = [p for p in candidates if _known_sender(load_directory(self.session, p.id)[0], self.sender_address)]
        if rule == "shared-mailbox-unknown-subject" and known:
            problem = "We could not tell whether the notice is about a child or an adult. Please give the person's date of birth, or say which."
            self._information_needed(known[0], None, [problem])
        self._review(rule, reason)

    def _missing(self, policy: Policy) -> list[str]:
        notice = self.p.notice
        problems = [p.message for p in notice.problems]
        if not notice.has_content:
            if not self.p.notice_files:
                problems.insert(0, "No escalation notice was attached, and the email itself does not set out the notice's details.")
            else:
                problems.insert(0, "The attached notice could not be read, or none of its fields were filled in.")
            return problems
        values = notice.to_json()
        missing = [field for field in policy.form.required if not _value_at(values, field)]
        return problems + [f"The notice does not give: {_field_label(f)}." for f in missing] if missing else []

    # -- a message naming a case -----------------------------------------------

    def _follow_up(self, case: Case) -> None:
        policy = self.context.policies.get(case.partnership)
        if policy is None:
            return self._review("unknown-partnership", f"case {case.reference} belongs to a partnership no longer configured", case)
        directory, agency_ids = load_directory(self.session, policy.id)
        if not _known_sender(directory, self.sender_address):
            self._event(case, "inbound", "unknown-sender", "a message naming this case came from an address outside the directory; held for review")
            return self._review("unknown-sender", f"names case {case.reference} but the sender is not in the {policy.short_name} directory", case)
        # Only attached notices count on a reply: the quoted text of our own
        # emails would otherwise read as a notice.
        notice = read_notice(self.p.notice_files, None, today=self.now.astimezone(_london()).date()) if self.p.notice_files else Notice()
        self._event(case, "inbound", "subject-reference", f"a reply on case {case.reference} (matched by the reference in its subject)")
        if notice.has_content and case.state == CaseState.AWAITING_INFORMATION:
            self.p = Prepared(self.p.mail, None, notice, self.p.notice_files)
            missing = self._missing(policy)
            if missing:
                return self._await_information(case, policy, missing)
            case.state = CaseState.OPEN
            self._route(case, policy, directory, agency_ids, current_stage=None)
            return self._finish(InboundStatus.PROCESSED, "information-received", f"case {case.reference} routed", case)
        if notice.has_content and case.state == CaseState.OPEN:
            self.p = Prepared(self.p.mail, None, notice, self.p.notice_files)
            self._route(case, policy, directory, agency_ids, current_stage=case.stage)
            return self._finish(InboundStatus.PROCESSED, "further-notice", f"case {case.reference} now at stage {case.stage}", case)
        self._finish(InboundStatus.PROCESSED, "correspondence", f"recorded on case {case.reference}", case)

    # -- writing ---------------------------------------------------------------

    def _open_case(self, policy: Policy, rule: str, reason: str) -> Case:
        year = policy.calendar.local(self.now).year
        number = self.cases.next_number(policy.id, year)
        case = self.cases.add(
            Case(
                reference=f"{policy.prefix}-{year}-{number:04d}",
                partnership=policy.id,
                year=year,
                number=number,
                state=CaseState.OPEN,
                stage=1,
                immediate_risk=False,
                subject_kind=self.p.notice.subject.kind,
                raised_by_email=self.sender_address,
                opened_at=self.now,
                updated_at=self.now,
            )
        )
        self.inbound.case_id = case.id
        self._event(case, "inbound", "new-notice", f"a new notice with no case reference opened case {case.reference}")
        self._event(case, "decision", f"policy:{rule}", reason)
        self.cases.add_notice(
            NoticeRecord(case_id=case.id, inbound_id=self.inbound.id, form=self.p.notice.form, data=self.p.notice.to_json(), read_at=self.now)
        )
        return case

    def _await_information(self, case: Case, policy: Policy, problems: list[str]) -> None:
        case.state = CaseState.AWAITING_INFORMATION
        case.updated_at = self.now
        self._event(case, "decision", "awaiting-information", "the notice cannot be routed yet: " + " ".join(problems))
        self._information_needed(policy, case, problems)
        self._finish(InboundStatus.PROCESSED, "awaiting-information", f"case {case.reference} waits for information", case)

    def _information_needed(self, policy: Policy, case: Case | None, problems: list[str]) -> None:
        if not self.sender_address:
            return
        reference = case.reference if case else None
        subject = f"[{reference}] More information needed" if reference else f"{policy.short_name} escalation: more information needed"
        letter = Letter("information_needed", "practitioner/information-needed", subject, (self.sender_address,),
                        auto_submitted="auto-replied", in_reply_to=self.p.mail.message_id)
        context = {
            "reference": reference,
            "partnership": {"id": policy.id, "name": policy.name, "short_name": policy.short_name},
            "problems": problems,
            "subject_word": "child" if policy.protects == ("child",) else ("adult" if policy.protects == ("adult",) else "child or adult"),
        }
        self._queue(case, policy, letter, context, reference)

    def _route(self, case: Case, policy: Policy, directory: Directory, agency_ids: dict[str, int], current_stage: int | None) -> None:
        notice = self.p.notice
        decision = decide(policy, notice, directory, self.sender_address, self.now, current_stage)
        self._apply_decision(case, decision, agency_ids)
        if current_stage is not None:
            self.cases.add_notice(
                NoticeRecord(case_id=case.id, inbound_id=self.inbound.id, form=notice.form, data=notice.to_json(), read_at=self.now)
            )
        context = case_context(case.reference, policy, decision, notice, self.now)
        for letter in case_letters(case.reference, decision, self.sender_address, self.p.mail.message_id, self.p.notice_files):
            self._queue(case, policy, letter, context, case.reference)

    def _apply_decision(self, case: Case, decision: Decision, agency_ids: dict[str, int]) -> None:
        case.stage = decision.stage.number
        case.immediate_risk = case.immediate_risk or decision.immediate_risk
        case.subject_kind = case.subject_kind or self.p.notice.subject.kind
        if decision.raising_agency is not None:
            case.raising_agency_id = agency_ids.get(decision.raising_agency.name)
        if decision.challenged_agency is not None:
            case.challenged_agency_id = agency_ids.get(decision.challenged_agency.name)
        case.updated_at = self.now
        for reason in decision.reasons:
            self._event(case, "decision", reason.rule, reason.text)
        existing = {(d.stage, d.kind) for d in case.deadlines}
        for plan in decision.deadlines:
            if (plan.stage, plan.kind) in existing:
                continue
            self.cases.add_deadline(
                Deadline(case=case, kind=plan.kind, stage=plan.stage, due=plan.due, met=False, rule=plan.rule, reason=plan.reason)
            )
            self._event(case, "deadline", plan.rule, f"{plan.kind} due {plan.due.isoformat()}: {plan.reason}")

    def _queue(self, case: Case | None, policy: Policy, letter: Letter, context: dict, reference: str | None) -> None:
        out = build(letter, context, policy, self.context.sender, self.now, reference)
        row = OutboxRepository(self.session).add(
            OutboxMessage(
                case_id=case.id if case else None,
                kind=out.kind,
                message_id=out.message_id,
                mail_from=out.mail_from,
                recipients=list(out.recipients),
                raw=out.raw,
                next_attempt_at=self.now,
                created_at=self.now,
            )
        )
        if case is not None:
            self._event(case, "outbound", f"send:{out.kind}", f"{out.kind.replace('_', ' ')} queued for {len(out.recipients)} recipient(s)",
                        outbox_id=row.id, data={"recipients": list(out.recipients), "message_id": out.message_id})

    def _event(self, case: Case, kind: str, rule: str, reason: str, outbox_id: int | None = None, data: dict | None = None) -> None:
        self.cases.add_event(
            CaseEvent(case_id=case.id, at=self.now, kind=kind, rule=rule, reason=reason,
                      inbound_id=self.inbound.id, outbox_id=outbox_id, data=data or {})
        )


def _known_sender(directory: Directory, address: str | None) -> bool:
    return directory.agency_for_address(address) is not None or directory.is_contact(address)


def _value_at(values: dict, path: str) -> object:
    current: object = values
    for part in path.split("."):
        if isinstance(current, list):
            current = [item.get(part) for item in current if isinstance(item, dict)]
            current = [v for v in current if v]
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


FIELD_LABELS = {
    "subject.name": "the name of the child or adult",
    "subject.dob": "their date of birth",
    "concern": "the information of concern (what the disagreement is about)",
    "challenged.agency": "the agency whose decision is challenged",
    "raised_by.name": "your name",
    "signed.name": "who signed the notice",
}


def _field_label(path: str) -> str:
    return FIELD_LABELS.get(path, path.replace("_", " ").replace(".", " "))
