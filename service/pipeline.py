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
from escalations.outbound.compose import Letter, Sender
from escalations.routing.directory import Directory
from escalations.routing.escalation import decide
from escalations.routing.matching import choose_policy, policies_for, subject_reference
from escalations.routing.policy import Policy
from escalations.routing.replies import Command, parse_command
from escalations.service.case_actions import RESPONSE_KINDS, CaseActions, CaseView
from escalations.service.directory import load_directory
from escalations.storage.models import Case, CaseState, InboundMessage, InboundStatus
from escalations.storage.repositories import CaseRepository

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
        self.actions = CaseActions(session, context.policies, context.sender, self.now, inbound.id)
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
            self.actions.event(case, "inbound", f"screening:{verdict.rule}", f"automated mail recorded and not answered: {verdict.reason}")
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
        case = self.actions.open_case(policy, self.p.notice, self.sender_address, choice.rule, choice.reason)
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

    # -- a message naming a case -----------------------------------------------

    def _follow_up(self, case: Case) -> None:
        policy = self.context.policies.get(case.partnership)
        if policy is None:
            return self._review("unknown-partnership", f"case {case.reference} belongs to a partnership no longer configured", case)
        view = self.actions.view(case)
        if not _known_sender(view.directory, self.sender_address):
            self.actions.event(case, "inbound", "unknown-sender", "a message naming this case came from an address outside the directory; held for review")
            return self._review("unknown-sender", f"names case {case.reference} but the sender is not in the {policy.short_name} directory", case)
        self.actions.event(case, "inbound", "subject-reference", f"a reply on case {case.reference} (matched by the reference in its subject)")
        # Only attached notices count on a reply: the quoted text of our own
        # emails would otherwise read as a notice.
        notice = read_notice(self.p.notice_files, None, today=self.now.astimezone(_london()).date()) if self.p.notice_files else Notice()
        if case.state == CaseState.AWAITING_INFORMATION:
            return self._information_received(case, policy, view, notice)
        command = parse_command(body_text(self.p.mail))
        if case.state != CaseState.OPEN:
            return self._finish(InboundStatus.PROCESSED, "correspondence", f"recorded on {case.state} case {case.reference}", case)
        if command is not None:
            return self._command(view, command)
        if notice.has_content:
            self.p = Prepared(self.p.mail, None, notice, self.p.notice_files)
            self.actions.add_notice(case, notice)
            self._route(case, policy, view.directory, view.agency_ids, current_stage=case.stage)
            return self._finish(InboundStatus.PROCESSED, "further-notice", f"case {case.reference} now at stage {case.stage}", case)
        self.actions.record_response(case, self.sender_address)
        self._finish(InboundStatus.PROCESSED, "correspondence", f"recorded on case {case.reference}", case)

    def _information_received(self, case: Case, policy: Policy, view: CaseView, notice: Notice) -> None:
        if not notice.has_content:
            return self._finish(InboundStatus.PROCESSED, "correspondence", f"recorded on case {case.reference}, still waiting for the notice", case)
        self.p = Prepared(self.p.mail, None, notice, self.p.notice_files)
        self.actions.add_notice(case, notice)
        missing = self._missing(policy)
        if missing:
            return self._await_information(case, policy, missing)
        case.state = CaseState.OPEN
        self._route(case, policy, view.directory, view.agency_ids, current_stage=None)
        self._finish(InboundStatus.PROCESSED, "information-received", f"case {case.reference} routed", case)

    def _command(self, view: CaseView, command: Command) -> None:
        """A reply whose first line is a command moves the case (and is the stage's response)."""
        case, actor = view.case, self.sender_address
        self.actions.event(case, "inbound", f"command:{command.kind}", f"{actor} replied \"{command.word}\"" + (f": {command.text}" if command.text else ""))
        stage = view.policy.stage(case.stage)
        if command.kind in ("resolved", "withdrawn"):
            self.actions.close(view, command.kind, command.text, actor)
        elif command.kind == "escalate":
            self.actions.escalate(view, f"{actor} replied \"{command.word}\"" + (f" ({command.text})" if command.text else ""), actor)
        elif command.kind == "panel" and stage.panel is not None:
            self.actions.convene_panel(view, actor)
        elif command.kind == "no_panel" and stage.panel is not None:
            self.actions.close(view, "resolved", f"the Chair decided not to convene a Resolution Panel. {command.text}".strip(), actor)
        else:
            self.actions.record_response(case, actor)
            return self._finish(InboundStatus.PROCESSED, "correspondence", f"\"{command.word}\" has no meaning at stage {case.stage}; recorded", case)
        self._finish(InboundStatus.PROCESSED, f"command:{command.kind}", f"case {case.reference} is {case.state} at stage {case.stage}", case)

    # -- writing ---------------------------------------------------------------

    def _await_information(self, case: Case, policy: Policy, problems: list[str]) -> None:
        case.state = CaseState.AWAITING_INFORMATION
        case.updated_at = self.now
        self.actions.event(case, "decision", "awaiting-information", "the notice cannot be routed yet: " + " ".join(problems))
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
        self.actions.queue(case, policy, letter, context)

    def _route(self, case: Case, policy: Policy, directory: Directory, agency_ids: dict[str, int], current_stage: int | None) -> None:
        decision = decide(policy, self.p.notice, directory, self.sender_address, self.now, current_stage)
        if current_stage is not None:
            self.actions.meet(case, lambda d: d.stage == current_stage and d.kind in RESPONSE_KINDS, "a further notice moved the case on")
        self.actions.route(case, policy, decision, self.p.notice, agency_ids, self.sender_address, self.p.mail.message_id, self.p.notice_files)


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
