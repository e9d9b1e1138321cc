"""The pipeline of DESIGN.md for one stored message: read, screen, match, decide, compose, record.

``prepare`` is pure and may be slow (reading documents); ``apply`` runs inside
the worker's one transaction and writes the case change, its events, the
deadlines and the outbox rows together (invariant 3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, defer, sessionmaker

from escalations.intake import mime
from escalations.intake.authentication import Authentication, Authenticator, Origin, unauthenticated
from escalations.intake.mime import InboundEmail, body_text
from escalations.intake.notices.conversion import CONVERTIBLE
from escalations.intake.notices.formats import is_notice_file, notice_format
from escalations.intake.notices.model import Notice
from escalations.intake.notices.profile import wordings_of
from escalations.intake.notices.reader import Attachment, NoticeDocument, Readings, read_notice, read_notice_and_documents
from escalations.intake.bounces import Bounce, is_report, read_bounce
from escalations.intake.screening import BOUNCE_RULES, TEXT_RULES, Screen, Verdict, screen
from escalations.outbound.compose import Sender
from escalations.routing.agencies import Resolution, Sources
from escalations.routing.agencies import answer as agency_answer
from escalations.routing.agencies import resolve as resolve_agencies
from escalations.routing.directory import Directory
from escalations.routing.escalation import decide
from escalations.routing.escalation import Parties
from escalations.routing.matching import (
    CONFIDENT_NAME,
    NoticeFacts,
    PolicyChoice,
    body_reference,
    choose_policy,
    match_notice,
    name_score,
    policies_for,
    reference_from_message_id,
    subject_reference,
)
from escalations.routing.policy import Policy
from escalations.routing.replies import Command, own_words, parse_command
from escalations.routing.deadlines import INFORMATION
from escalations.service.case_actions import AWAITING_RULE, RESPONSE_KINDS, CaseActions, CaseView, notice_documents
from escalations.service import reply_updates, top_tiers
from escalations.service.delivery import DeliveryAlerts, record_bounce
from escalations.service.directory import load_directory
from escalations.service.matching import Premise, decide_match, notice_candidates
from escalations.service.rehearsal import Rehearsal, quiet_in_rehearsal, rehearse
from escalations.storage.models import Case, CaseState, InboundMessage, InboundStatus, OutboxMessage
from escalations.storage.repositories import CaseRepository, InboundRepository

log = quiet_in_rehearsal(logging.getLogger(__name__))
# A notice's "today" (for ages) before its partnership is known: all five are in England.
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Context:
    policies: Mapping[str, Policy]
    screen: Screen
    sender: Sender
    clock: Callable[[], datetime]
    authenticator: Authenticator | None = None  # None: no sender is authenticated
    require_authentication: bool = True  # DESIGN.md invariant 10; false only for a test laboratory
    # Whether an address is in the directory: LibreOffice converts only such a sender's .doc, .odt or .rtf.
    known_sender: Callable[[str | None], bool] | None = None
    max_message_bytes: int | None = None  # larger messages are kept but not read (IMAP takes any size)


@dataclass(frozen=True)
class Prepared:
    mail: InboundEmail
    verdict: Verdict | None
    notice: Notice
    notice_files: tuple[Attachment, ...]
    files_notice: Notice | None = None  # the attachments alone, for a reply (its quoted text is no notice)
    words_notice: Notice | None = None  # the reply's own words (above the quotes) read as Label: value lines
    authentication: Authentication | None = None  # whether the From: sender is authenticated (None: screened out)
    bounce: Bounce | None = None  # a bounce of our own mail: who was not reached
    documents: tuple[NoticeDocument, ...] = ()  # attachments that by themselves name the notice's subject
    convert: bool = False  # a sender the directory knows: LibreOffice may open their .doc, .odt and .rtf


def prepare(raw: bytes, envelope_from: str | None, context: Context, origin: Origin | None = None) -> Prepared:
    """Parse, screen, authenticate the sender and read the notice: no writes, and no database read but ``known_sender`` (MalformedMessage is permanent)."""
    mail = mime.parse(raw, context.max_message_bytes)
    verdict = screen(mail, envelope_from, context.screen)
    if verdict is not None and verdict.rule in TEXT_RULES and parse_command(body_text(mail)) is not None:
        verdict = None  # a command on the first line is a person's reply, whatever wording follows
    if verdict is not None:
        bounce = read_bounce(raw, context.screen.message_id_domain) if verdict.rule in BOUNCE_RULES or is_report(raw) else None
        return Prepared(mail, verdict, Notice(), (), bounce=bounce)
    authentication = authenticate(raw, origin or Origin("ingest", envelope_from), context)
    today = context.clock().astimezone(LONDON).date()
    files = tuple(a for a in mail.attachments if is_notice_file(a))
    # The policy is chosen later, but the mailbox already says whose form wordings to know.
    forms = [policy.form for policy in policies_for(mail.to + mail.cc, context.policies)]
    wordings = wordings_of(forms)
    convert = _may_convert(files, mail.from_address, context)
    readings = Readings()  # each document read once, though a reply's are read with its body and without
    notice, documents = read_notice_and_documents(
        files, body_text(mail), today=today, form=wordings, convert=convert, readings=readings
    )
    looks_like_reply = bool(subject_reference(mail.subject) or mail.in_reply_to or mail.references)
    files_notice = (
        read_notice(files, None, today=today, form=wordings, convert=convert, readings=readings)
        if files and looks_like_reply
        else None
    )
    words_notice = read_notice((), own_words(body_text(mail)), today=today, form=wordings) if looks_like_reply else None
    return Prepared(
        mail, None, notice, files, files_notice, words_notice, authentication=authentication, documents=documents, convert=convert
    )


def authenticate(raw: bytes, origin: Origin, context: Context) -> Authentication:
    if context.authenticator is None:
        return unauthenticated("not authenticated: sender authentication is not configured")
    return context.authenticator.authenticate(raw, origin)


def _may_convert(files: tuple[Attachment, ...], sender: str | None, context: Context) -> bool:
    """LibreOffice opens a .doc, .odt or .rtf only from a sender in the directory (issue 12: a stranger's
    linked image made the server fetch it); anyone else is asked for the Word form or a PDF."""
    convertible = any(notice_format(f.filename, f.content_type, f.data) in CONVERTIBLE for f in files)
    return convertible and context.known_sender is not None and context.known_sender(sender)


class Apply:
    """Records what one prepared message means, in the caller's transaction."""

    def __init__(
        self,
        session: Session,
        inbound: InboundMessage,
        prepared: Prepared,
        context: Context,
        premise: Premise | None = None,
        now: datetime | None = None,
        rehearsal: Rehearsal | None = None,
    ) -> None:
        self.session = session
        self.premise = premise  # layer 3 decided before the transaction (service.matching), checked again here
        self.inbound = inbound
        self.p = prepared
        self.context = context
        self.now = now or context.clock()  # the rehearsal's time, so that its letters (dated) stand
        self.rehearsal = rehearsal  # the slow work done ahead of the transaction (service.rehearsal)
        self.cases = CaseRepository(session)
        self.actions = CaseActions(session, context.policies, context.sender, self.now, inbound.id, rehearsal=rehearsal)
        self.sender_address = prepared.mail.from_address
        self.authentication = prepared.authentication
        self._authentication_recorded = False
        self._resolved: tuple[int, tuple[Resolution, Resolution]] | None = None
        self._resolutions_recorded: set[tuple[int, str]] = set()

    def run(self) -> None:
        if self.p.verdict is not None:
            return self._ignored(self.p.verdict)
        earlier = self._same_message_earlier()
        if earlier is not None:
            return self._duplicate(earlier)
        decided = (self.inbound.review or {}).get("decision")
        if decided:
            return self._decided(decided)
        if not self._find_case() and not self._answers_held_notice():
            self._new_notice()

    def _decided(self, decided: dict) -> None:
        """A person settled this message in review: take it as they said (nothing is auto-merged)."""
        if decided.get("kind") == "case":
            case = self.cases.by_reference(decided["reference"])
            if case is None:
                return self._review("review-decision", f"the decision names case {decided['reference']}, which does not exist")
            return self._follow_up(case, "review-decision", f"a person attached it to {case.reference} in review", checked=True)
        return self._new_notice(forced=True, partnership=decided.get("partnership"))

    def _find_case(self) -> bool:
        """Layers 1 and 2: our Message-IDs, then a reference from a participant. False: no case named."""
        secret = self.context.sender.secret
        for message_id in ([self.p.mail.in_reply_to] if self.p.mail.in_reply_to else []) + list(reversed(self.p.mail.references)):
            reference = reference_from_message_id(message_id, secret) if secret else None
            case = self.cases.by_reference(reference) if reference else self._case_by_stored_id(message_id)
            if case is not None:
                why = "our signed Message-ID" if reference else "a Message-ID stored on the case"
                if not self._participant(case):  # a Message-ID names the case; it does not make the sender a party to it
                    self._from_outsider(case, f"it answers {why} of case {case.reference}")
                    return True
                self._follow_up(
                    case, "message-id", f"it answers {why} ({message_id}) and the sender is a participant", checked=True
                )
                return True
        reference = (
            subject_reference(self.p.mail.subject)
            or body_reference(own_words(body_text(self.p.mail)))
            or self.p.notice.case_reference
        )
        if not reference:
            return False
        case = self.cases.by_reference(reference)
        if case is None:
            self._review("unknown-reference", f"it names case {reference}, which does not exist")
            return True
        if not self._participant(case):
            self._from_outsider(case, f"it names case {reference}")
            return True
        self._follow_up(case, "reference", f"it names {reference} and the sender is a participant", checked=True)
        return True

    def _case_by_stored_id(self, message_id: str) -> Case | None:
        case_id = self.cases.case_for_message_id(message_id, exclude_inbound=self.inbound.id)
        return self.session.get(Case, case_id) if case_id is not None else None

    def _participant(self, case: Case) -> bool:
        """The raiser, anyone we have written to on the case, or a directory contact of its two agencies or
        its partnership: people, by address, never everyone at a domain."""
        sender = self.sender_address
        if not sender:
            return False
        if sender == case.raised_by_email or sender in self.cases.recipients_of(case.id):
            return True
        view = self.actions.view(case)
        agencies = {a.name for a in (view.parties.raising, view.parties.challenged) if a is not None}
        return any(c.email == sender and (c.agency is None or c.agency in agencies) for c in view.directory.contacts)

    def _from_outsider(self, case: Case, what: str) -> None:
        """Held for review; the sender is told nothing, the business manager sees why."""
        self.actions.event(
            case,
            "inbound",
            "reference-from-outsider",
            f"{what}, but its sender is not a participant of the case; held for review, nothing sent to the sender",
        )
        self._review(
            "reference-from-outsider",
            f"{what} but the sender is not a participant of it (its raiser, someone we wrote to on it, or a directory contact of its agencies or partnership)",
            case=case,
        )

    def _refuse_move(self, case: Case, layer: str) -> str | None:
        """Why this message may not move the case, or None (DESIGN.md invariant 10: authenticated and a participant)."""
        if layer == "review-decision":
            return None  # a person settled it in review and vouches for it
        if not self._participant(case):
            return "its sender is not a participant of the case"
        auth = self.authentication
        if not self.context.require_authentication:
            return None
        if auth is None or not auth.authenticated:
            return auth.reason if auth is not None else "not authenticated"
        sender_domain = (self.sender_address or "").rsplit("@", 1)[-1]
        if auth.from_domain != sender_domain:
            return f"not authenticated: the authenticated domain {auth.from_domain} is not the sender's {sender_domain}"
        return None

    def _hold_move(self, case: Case, what: str, why: str) -> None:
        """A move refused: review with the reason; the case and its people are untouched and the sender hears nothing."""
        reason = (
            f"{what} from {self.sender_address or 'an unknown sender'} was not applied to case {case.reference}: {why}. "
            f"`review decide ID --case {case.reference}` applies it; `--reject` drops it"
        )
        self.actions.event(
            case,
            "inbound",
            "move-held",
            f"{what} from {self.sender_address or 'an unknown sender'} was held for review, not applied: {why}",
            data={"from": self.sender_address},
        )
        self._review("unauthenticated-command", reason, case=case, candidates=(case.reference,))

    def _record_authentication(self, case: Case | None) -> None:
        auth = self.authentication
        if auth is None:
            return
        self.inbound.authentication = auth.to_json()
        if case is not None and not self._authentication_recorded:
            self._authentication_recorded = True
            rule = (
                "authentication:pass"
                if auth.authenticated
                else ("authentication:temporary" if auth.temporary else "authentication:none")
            )
            self.actions.event(
                case, "inbound", rule, f"sender {self.sender_address or 'unknown'}: {auth.reason}", data=auth.to_json()
            )

    def _same_message_earlier(self) -> InboundMessage | None:
        """The same message taken before (by SMTP and by IMAP, say): same Message-ID and the same body."""
        if not self.p.mail.message_id:
            return None
        return self.cases.earlier_same_message(self.inbound)

    def _duplicate(self, earlier: InboundMessage) -> None:
        self.inbound.duplicate_of = earlier.id
        case = earlier.case
        if case is not None:
            self.actions.event(
                case,
                "inbound",
                "duplicate-message",
                f"the same message arrived again ({self.inbound.source}); linked to inbound {earlier.id}, not processed again",
            )
        self._finish(InboundStatus.DUPLICATE, "duplicate-message", f"the same message as inbound {earlier.id}", case)

    # -- outcomes -------------------------------------------------------------

    def _finish(self, status: str, rule: str, reason: str, case: Case | None = None) -> None:
        self.inbound.status = status
        self.inbound.outcome = f"{rule}: {reason}" + "".join(f"; {cut}" for cut in self.p.mail.truncated)
        self.inbound.processed_at = self.now
        self.inbound.claim_token = None
        self.inbound.claimed_until = None
        self.inbound.claimed_by = None
        self.inbound.last_error = None
        if case is not None:
            self.inbound.case_id = case.id
            if self.p.mail.truncated:  # said on the case, not silently: the notice may be incomplete
                self.actions.event(
                    case, "inbound", "read-in-part", "the message was read in part: " + "; ".join(self.p.mail.truncated)
                )
        self._record_authentication(case)
        log.info("inbound %s: %s (%s)%s", self.inbound.id, status, rule, f" case {case.reference}" if case else "")

    def _ignored(self, verdict: Verdict) -> None:
        case = self._bounced_case()
        if case is None:
            reference = subject_reference(self.p.mail.subject)
            case = self.cases.by_reference(reference) if reference else None
        if case is not None:
            self.actions.event(
                case, "inbound", f"screening:{verdict.rule}", f"automated mail recorded and not answered: {verdict.reason}"
            )
        self._finish(InboundStatus.IGNORED, f"screening:{verdict.rule}", verdict.reason, case)

    def _bounced_case(self) -> Case | None:
        """A bounce of our mail: recorded on its outbox row, the address marked bouncing, the business manager told."""
        if self.p.bounce is None:
            return None
        alerts = DeliveryAlerts(self.context.policies, self.context.sender, self.rehearsal)
        row = record_bounce(self.session, alerts, self.inbound, self.p.bounce, self.now)
        return self.session.get(Case, row.case_id) if row is not None and row.case_id is not None else None

    def _review(
        self, rule: str, reason: str, case: Case | None = None, candidates: tuple[str, ...] = (), partnership: str | None = None
    ) -> None:
        """Wait for a person: the reason, the candidate cases, and the partnership whose business manager is told."""
        if partnership is None:
            mailboxes = policies_for(
                tuple(self.inbound.envelope_to or ()) + self.p.mail.to + self.p.mail.cc, self.context.policies
            )
            partnership = case.partnership if case is not None else (mailboxes[0].id if mailboxes else None)
        self.inbound.review = {"rule": rule, "reason": reason, "candidates": list(candidates), "partnership": partnership}
        self._finish(InboundStatus.REVIEW, rule, reason, case)

    # -- a message with no case reference --------------------------------------

    def _new_notice(self, forced: bool = False, partnership: str | None = None, held: InboundMessage | None = None) -> None:
        """``partnership``: the policy a person picked in review (Bury's shared mailbox, notice silent on who
        it is about); ``held``: the earlier message this one completes, whose notice and documents it carries."""
        addresses = tuple((held or self.inbound).envelope_to or ()) + self.p.mail.to + self.p.mail.cc
        candidates = policies_for(addresses, self.context.policies)
        choice = choose_policy(candidates, self.p.notice.subject.kind)
        if partnership in self.context.policies:
            picked = self.context.policies[partnership]
            choice = PolicyChoice(picked, "review-partnership", f"a person chose {picked.name} in review")
        if choice.policy is None:
            return self._undecided_policy(candidates, choice.rule, choice.reason)
        policy = choice.policy
        directory, agency_ids = load_directory(self.session, policy.id)
        if not forced and not _known_sender(directory, self.sender_address):
            return self._review(
                "unknown-sender",
                f"the sender's address is not in the {policy.short_name} directory, so nothing is sent to it",
                partnership=policy.id,
            )
        if not forced and self._matched(policy, directory):
            return
        case = self.actions.open_case(
            policy,
            self.p.notice,
            self.sender_address,
            choice.rule,
            choice.reason,
            self._document_hash(),
            inbound_id=held.id if held is not None else None,
        )
        if held is not None:
            self._joined(held, case)
        missing = self._missing(policy)
        question = self._agency_question(case, directory) if self.p.notice.has_content else None
        if missing or question:
            return self._await_information(case, policy, missing, question)
        self._route(case, policy, directory, agency_ids, current_stage=None, held=held)
        self._finish(InboundStatus.PROCESSED, "new-notice", f"case {case.reference} opened and routed", case)

    # -- a reply completing a notice held in review ------------------------------

    def _answers_held_notice(self) -> bool:
        """A reply to our "more information needed" about a notice held in review (Bury's shared mailbox:
        no date of birth, so no policy), from that notice's own sender: the two are read as one notice."""
        answered = {m for m in [self.p.mail.in_reply_to, *self.p.mail.references] if m}
        if not answered or not self.sender_address:
            return False
        held = InboundRepository(self.session).asked_in_review(answered)
        if held is None:
            return False
        raw, envelope_from = held.raw, held.envelope_from
        earlier = (
            self.rehearsal.prepared(held.id, raw, lambda: prepare(raw, envelope_from, self.context))
            if self.rehearsal is not None
            else prepare(raw, envelope_from, self.context)
        )
        if earlier.verdict is not None or earlier.mail.from_address != self.sender_address:
            return False  # only the person who sent the notice completes it
        answer = self.p.words_notice if self.p.words_notice is not None and self.p.words_notice.has_content else None
        answer = answer or self.p.files_notice
        notice = earlier.notice.updated_with(answer) if answer is not None and answer.has_content else earlier.notice
        self.p = Prepared(
            earlier.mail,
            None,
            notice,
            earlier.notice_files,
            authentication=self.p.authentication,
            documents=earlier.documents,
            convert=earlier.convert,
        )
        self._new_notice(held=held)
        return True

    def _joined(self, held: InboundMessage, case: Case) -> None:
        """The held notice leaves review: it and its answer are one case."""
        self.actions.event(
            case,
            "inbound",
            "joined-held-notice",
            f"this reply completes the notice held in review (inbound {held.id}); read together as one notice",
            data={"held_inbound": held.id},
        )
        held.status = InboundStatus.PROCESSED
        held.case_id = case.id
        held.outcome = f"joined: completed by inbound {self.inbound.id}, case {case.reference}"
        held.review = {**(held.review or {}), "decision": {"kind": "joined", "inbound": self.inbound.id}}

    def _matched(self, policy: Policy, directory: Directory) -> bool:
        """Layer 3 (routing.matching.match_notice): continue a case, or hold for review; False: a new case."""
        facts, sha = self._facts(directory)
        match = decide_match(self.cases, policy.id, facts, self.sender_address, sha, self.premise)
        case = self.cases.by_reference(match.reference) if match.reference else None
        if match.outcome == "review":
            self._review("possible-same-case", match.reason, candidates=match.candidates, partnership=policy.id)
        elif match.outcome == "same-document" and case is not None:
            self._document_again(case)
        elif match.outcome in ("held", "match") and case is not None:
            layer = "held-notice" if match.outcome == "held" else "same-subject"
            self._follow_up(case, layer, match.reason, checked=True, notice=self.p.notice)
        else:
            return False
        return True

    def _facts(self, directory: Directory) -> tuple[NoticeFacts, str | None]:
        """What layer 3 matches on, and the hash of the notice document (to spot it sent again)."""
        document = self._notice_document()
        facts = NoticeFacts(
            self.p.notice.subject.name,
            self.p.notice.subject.dob,
            frozenset(r.agency.name for r in self._agencies(None, directory) if r.agency is not None),
            self.p.notice.has_content,
            (document.name, document.dob) if document is not None else None,
        )
        return facts, document.sha256 if document is not None else None

    def decide_ahead(self) -> Premise | None:
        """Layer 3 decided ahead, reading only, for a notice that names no case; None where another layer
        or a person decides (a reply, a review decision) or the policy or the sender is not settled."""
        mail = self.p.mail
        names_a_case = mail.in_reply_to or mail.references or subject_reference(mail.subject) or self.p.notice.case_reference
        if self.p.verdict is not None or (self.inbound.review or {}).get("decision") or names_a_case:
            return None
        addresses = tuple(self.inbound.envelope_to or ()) + mail.to + mail.cc
        policy = choose_policy(policies_for(addresses, self.context.policies), self.p.notice.subject.kind).policy
        if policy is None:
            return None
        directory, _ = load_directory(self.session, policy.id)
        if not _known_sender(directory, self.sender_address):
            return None
        facts, sha = self._facts(directory)
        candidates = notice_candidates(self.cases, policy.id, facts, self.sender_address, sha)
        return Premise(policy.id, facts, candidates, match_notice(facts, candidates))

    def _notice_document(self) -> NoticeDocument | None:
        """The attachment that by itself names whom this notice is about; a leaflet, a logo or an
        empty file names nobody, so two notices sharing one are never the same notice by it."""
        subject = self.p.notice.subject
        return next((d for d in self.p.documents if _same_subject_as(d, subject.name, subject.dob)), None)

    def _document_hash(self) -> str | None:
        document = self._notice_document()
        return document.sha256 if document is not None else None

    def _document_again(self, case: Case) -> None:
        """The same notice document sent by another person: recorded once on the case, with both senders."""
        self.actions.event(
            case,
            "inbound",
            "duplicate-notice",
            f"the same notice document was also sent by {self.sender_address or 'an unknown sender'}; not routed again",
            data={"sender": self.sender_address},
        )
        self._finish(InboundStatus.PROCESSED, "duplicate-notice", f"the same notice as case {case.reference}", case)

    def _undecided_policy(self, candidates: list[Policy], rule: str, reason: str) -> None:
        known = [p for p in candidates if _known_sender(load_directory(self.session, p.id)[0], self.sender_address)]
        asked = None
        if rule == "shared-mailbox-unknown-subject" and known:
            problem = "We could not tell whether the notice is about a child or an adult. Please give the person's date of birth, or say which."
            asked = self._information_needed(known[0], None, [problem])
        self._review(rule, reason)
        if asked is not None:  # the sender's answer joins this message (``_answers_held_notice``)
            self.inbound.review = {**(self.inbound.review or {}), "asked": asked.message_id}

    def _missing(self, policy: Policy) -> list[str]:
        """What stops the notice being routed: nothing read, a required field missing, an
        attachment we could not read, or an immediate-risk answer we are unsure of (never guessed)."""
        notice = self.p.notice
        problems = [p.message for p in notice.problems]
        blocking = blocking_problems(notice)
        if not notice.has_content:
            if not self.p.notice_files:
                problems.insert(
                    0, "No escalation notice was attached, and the email itself does not set out the notice's details."
                )
            else:
                problems.insert(0, "The attached notice could not be read, or none of its fields were filled in.")
            return problems
        missing = missing_fields(notice, policy)
        return problems + missing if missing else blocking

    # -- a message naming a case -----------------------------------------------

    def _follow_up(self, case: Case, layer: str, why: str, checked: bool = False, notice: Notice | None = None) -> None:
        policy = self.context.policies.get(case.partnership)
        if policy is None:
            return self._review(
                "unknown-partnership", f"case {case.reference} belongs to a partnership no longer configured", case
            )
        view = self.actions.view(case)
        if not checked and not _known_sender(view.directory, self.sender_address):
            self.actions.event(
                case,
                "inbound",
                "unknown-sender",
                "a message naming this case came from an address outside the directory; held for review",
            )
            return self._review(
                "unknown-sender", f"names case {case.reference} but the sender is not in the {policy.short_name} directory", case
            )
        self.actions.event(
            case, "inbound", f"match:{layer}", f"matched to {case.reference}: {why}", data={"from": self.sender_address}
        )
        # Only attached notices count on a reply: the quoted text of our own
        # emails would otherwise read as a notice.
        if notice is None:
            notice = self.p.files_notice or Notice()
            if self.p.notice_files and self.p.files_notice is None:  # matched by a route prepare() could not foresee
                notice = read_notice(self.p.notice_files, None, today=self.now.astimezone(LONDON).date(), convert=self.p.convert)
        if layer != "review-decision" and notice.has_content and not self._same_person(case, notice):
            self.actions.event(
                case,
                "inbound",
                "different-subject",
                "a message on this case's thread carries a notice about someone else; held for review",
            )
            return self._review(
                "different-subject",
                f"it answers case {case.reference} but its notice is about someone else (an old thread reused?)",
                case=case,
                candidates=(case.reference,),
            )
        if case.state == CaseState.AWAITING_INFORMATION:
            # Waiting for what was missing: an attached notice, or the details written in the reply.
            if self.p.words_notice is not None and self.p.words_notice.has_content:
                notice = notice.updated_with(self.p.words_notice) if notice.has_content else self.p.words_notice
            return self._information_received(case, policy, view, notice)
        command = parse_command(body_text(self.p.mail))
        if case.state != CaseState.OPEN:
            return self._finish(
                InboundStatus.PROCESSED, "correspondence", f"recorded on {case.state} case {case.reference}", case
            )
        command = command or self._form_outcome(view, notice)
        refusal = self._refuse_move(case, layer) if command is not None or notice.has_content else None
        if refusal is not None:
            return self._hold_move(case, f'"{command.word}"' if command else "a further notice", refusal)
        if command is not None:
            return self._command(view, command)
        if notice.has_content:
            self.p = Prepared(self.p.mail, None, notice, self.p.notice_files)
            self.actions.add_notice(case, notice)
            self._route(case, policy, view.directory, view.agency_ids, current_stage=case.stage)
            return self._finish(
                InboundStatus.PROCESSED, "further-notice", f"case {case.reference} now at stage {case.stage}", case
            )
        if (
            layer != "review-decision"
            and self.context.require_authentication
            and not (self.authentication and self.authentication.authenticated)
        ):
            # Only an authenticated sender can stop the chasers: a forged "thanks" must not meet a deadline.
            self.actions.event(
                case,
                "inbound",
                "response-not-counted",
                "recorded, but not counted as the stage's response: the sender is not authenticated",
            )
            return self._finish(
                InboundStatus.PROCESSED, "correspondence", f"recorded on case {case.reference} (sender not authenticated)", case
            )
        self.actions.record_response(view, self.sender_address)
        reply_updates.pass_on(self.actions, view, self.sender_address, own_words(body_text(self.p.mail)))
        self._finish(InboundStatus.PROCESSED, "correspondence", f"recorded on case {case.reference}", case)

    def _same_person(self, case: Case, notice: Notice) -> bool:
        """A notice sent on a case's thread must be about that case's child or adult (threads get reused)."""
        earlier = self.cases.first_notice(case.id)
        subject = (earlier or {}).get("subject") or {}
        if notice.subject.dob and subject.get("dob") and notice.subject.dob.isoformat() != subject["dob"]:
            return False
        if notice.subject.name and subject.get("name"):
            return name_score(notice.subject.name, subject["name"]) >= CONFIDENT_NAME
        return True

    def _information_received(self, case: Case, policy: Policy, view: CaseView, notice: Notice) -> None:
        """A reply to "more information needed": its details are added to the held notice (the
        latest, which holds every earlier answer); an answer to the numbered agency question is read
        against the list that was sent. Routed once nothing is missing, from the stage the notice names."""
        picked = self._agency_answer(case, view)
        understood = _understood(notice) + (["the agency whose decision is challenged"] if picked else [])
        if notice.has_content and not understood:
            understood = ["other details of the notice"]
        earlier = self.cases.latest_notice(case.id)
        if earlier is not None:
            notice = Notice.from_json(earlier).updated_with(notice) if notice.has_content else Notice.from_json(earlier)
        if picked is not None:
            notice.challenged.agency = picked
        self.p = Prepared(self.p.mail, None, notice, self.p.notice_files, authentication=self.p.authentication)
        if understood:
            self.actions.add_notice(case, notice)
        missing = self._missing(policy)
        question = self._agency_question(case, view.directory) if notice.has_content else None
        if missing or question or not understood:
            # Always an answer: what the reply gave, and what is still missing (issue 11: "Concern:" got none).
            return self._await_information(case, policy, missing, question, understood)
        case.state = CaseState.OPEN
        self.actions.meet(case, lambda d: d.kind == INFORMATION, "the information arrived and the notice was routed")
        # The notice as first sent travels on, unless this answer brought the form again.
        files = self.p.notice_files or self.actions.original_notice(case)[1]
        self._route(case, policy, view.directory, view.agency_ids, current_stage=None, files=files)
        self._finish(InboundStatus.PROCESSED, "information-received", f"case {case.reference} routed", case)

    @staticmethod
    def _form_outcome(view: CaseView, notice: Notice) -> Command | None:
        """A returned Appendix A with its panel section filled says what the Chair or the panel decided."""
        stage = view.policy.stage(view.case.stage)
        if stage.panel is None or notice.panel.is_empty:
            return None
        if notice.panel.outcome:
            when = f" (panel of {notice.panel.date.isoformat()})" if notice.panel.date else ""
            return Command("resolved", "the returned form's panel outcome", f"{notice.panel.outcome}{when}")
        if notice.panel.convene is True:
            return Command("panel", "the returned form: the Chair's decision to convene", "")
        if notice.panel.convene is False:
            return Command("no_panel", "the returned form: the Chair's decision not to convene", "")
        return None

    def _command(self, view: CaseView, command: Command) -> None:
        """A reply whose first line is a command moves the case (and is the stage's response)."""
        case, actor = view.case, self.sender_address
        self.actions.event(
            case,
            "inbound",
            f"command:{command.kind}",
            f'{actor} replied "{command.word}"' + (f": {command.text}" if command.text else ""),
        )
        stage = view.policy.stage(case.stage)
        if command.kind in ("resolved", "withdrawn"):
            self.actions.close(view, command.kind, command.text, actor)
        elif command.kind == "escalate":
            why = f'{actor} replied "{command.word}"' + (f" ({command.text})" if command.text else "")
            earlier = reply_updates.before(self.actions, view)
            self.actions.escalate(view, why, actor, self.p.notice_files)
            reply_updates.left_behind(self.actions, view, actor, earlier, own_words(body_text(self.p.mail)), command.word)
        elif command.kind == "in_progress":
            reply_updates.in_progress(self.actions, view, actor, command.text, own_words(body_text(self.p.mail)))
        elif command.kind == "panel" and stage.panel is not None:
            top_tiers.convene_panel(self.actions, view, actor, command.text)
        elif command.kind in ("mediation", "chair") and stage.way_forward is not None:
            top_tiers.agree_way_forward(self.actions, view, command.kind, command.text, actor)
        elif command.kind == "no_panel" and stage.panel is not None:
            top_tiers.decline_panel(self.actions, view, actor, command.text)
        else:
            self.actions.record_response(view, actor)
            reply_updates.pass_on(self.actions, view, actor, own_words(body_text(self.p.mail)))
            return self._finish(
                InboundStatus.PROCESSED,
                "correspondence",
                f'"{command.word}" has no meaning at stage {case.stage}; recorded',
                case,
            )
        self._finish(
            InboundStatus.PROCESSED,
            f"command:{command.kind}",
            f"case {case.reference} is {case.state} at stage {case.stage}",
            case,
        )

    # -- writing ---------------------------------------------------------------

    def _await_information(
        self, case: Case, policy: Policy, problems: list[str], question: dict | None = None, understood: list[str] | None = None
    ) -> None:
        case.state = CaseState.AWAITING_INFORMATION
        case.updated_at = self.now
        asked = problems + ([question["ask"]] if question else [])
        self.actions.event(
            case,
            "decision",
            AWAITING_RULE,
            "the notice cannot be routed yet: " + " ".join(asked),
            data={"problems": problems, "question": question},
        )
        # Never slower than the immediate-risk path while the notice does not rule immediate risk out.
        self.actions.wait_for_information(case, policy, urgent=self.p.notice.immediate_risk is not False)
        if question is not None:
            # The list as sent: a later directory change must not shift what "2" means.
            self.actions.event(
                case,
                "decision",
                QUESTION_RULE,
                f"asked which agency is challenged, from a numbered list of {len(question['options'])}",
                data={"options": list(question["options"])},
            )
        self._information_needed(policy, case, problems, question, understood)
        self._finish(InboundStatus.PROCESSED, "awaiting-information", f"case {case.reference} waits for information", case)

    def _information_needed(
        self,
        policy: Policy,
        case: Case | None,
        problems: list[str],
        question: dict | None = None,
        understood: list[str] | None = None,
    ) -> OutboxMessage | None:
        """Ask for what is missing; on a reply (``understood`` not None), first say what it gave."""
        if not self.sender_address:
            return None
        return self.actions.information_needed(
            case, policy, self.sender_address, problems, question, understood, in_reply_to=self.p.mail.message_id
        )

    def _agencies(self, case: Case | None, directory: Directory) -> tuple[Resolution, Resolution]:
        """Both agencies, from everything this message says (routing/agencies.py); each resolution
        goes on the case's timeline once, with its evidence."""
        notice = self.p.notice
        if self._resolved is None or self._resolved[0] != id(notice):
            sources = Sources(
                raising_field=notice.raised_by.agency,
                challenged_field=notice.challenged.agency,
                raising_lines=tuple(t for t in (notice.raised_by.role, notice.raised_by.name, notice.signed.role) if t),
                challenged_lines=tuple(t for t in (notice.challenged.role, notice.challenged.name) if t),
                sender=self.sender_address,
                copied=tuple(self.p.mail.to) + tuple(self.p.mail.cc),
                body=own_words(body_text(self.p.mail)),
            )
            self._resolved = (id(notice), resolve_agencies(directory, sources))
        resolutions = self._resolved[1]
        if case is not None:
            for resolution in resolutions:
                key = (id(notice), resolution.side)
                if key not in self._resolutions_recorded:
                    self._resolutions_recorded.add(key)
                    outcome = "" if resolution.agency else (":ambiguous" if resolution.ambiguous else ":unknown")
                    self.actions.event(
                        case, "decision", f"agency:{resolution.side}{outcome}", resolution.describe(), data=resolution.to_json()
                    )
        return resolutions

    def _agency_question(self, case: Case, directory: Directory) -> dict | None:
        """Ask, don't guess: when the challenged agency is not one directory agency, the question to
        ask with the partnership's agencies (not the sender's own) as a numbered list."""
        raising, challenged = self._agencies(case, directory)
        if challenged.agency is not None:
            return None
        options = sorted(a.name for a in directory.agencies if raising.agency is None or a.name != raising.agency.name)
        if not options:
            return None
        if challenged.ambiguous:
            why = f"The notice could mean {' or '.join(challenged.ambiguous)}."
        elif challenged.unknown:
            why = f'We could not find "{challenged.unknown[:80]}" among the partnership\'s agencies.'
        else:
            why = "The notice does not say."
        return {
            "field": "challenged.agency",
            "ask": "Which agency is your disagreement with? " + why,
            "why": why,
            "options": options,
        }

    def _agency_answer(self, case: Case, view: CaseView) -> str | None:
        """The agency a reply picks from the numbered list sent to it (None: no question, or no answer)."""
        asked = self.cases.latest_event_data(case.id, QUESTION_RULE)
        if not asked or not asked.get("options"):
            return None
        picked, how = agency_answer(own_words(body_text(self.p.mail)), list(asked["options"]), view.directory)
        if picked is not None:
            self.actions.event(
                case,
                "inbound",
                "answer:challenged-agency",
                f"the reply names the challenged agency {picked}: {how}",
                data={"agency": picked, "how": how},
            )
        return picked

    def _route(
        self,
        case: Case,
        policy: Policy,
        directory: Directory,
        agency_ids: dict[str, int],
        current_stage: int | None,
        held: InboundMessage | None = None,
        files: tuple[Attachment, ...] = (),
    ) -> None:
        """Decide and queue the case's letters; ``files``: the notice's documents when they are not this
        message's own (``held``: the message held in review that this one completes)."""
        raising, challenged = self._agencies(case, directory)
        named = self.p.notice.challenged.name or self.actions.challenged_name(case)
        parties = Parties(raising.agency, challenged.agency, self.sender_address, named)
        if current_stage is not None and challenged.agency is None and case.challenged_agency_id is not None:
            # A further notice that does not name the other side again: the case's own challenged agency stays.
            known = {i: name for name, i in agency_ids.items()}
            parties = Parties(
                raising.agency,
                next((a for a in directory.agencies if a.name == known.get(case.challenged_agency_id)), None),
                self.sender_address,
                named,
            )
        decision = decide(policy, self.p.notice, directory, self.sender_address, self.now, current_stage, parties=parties)
        if current_stage is not None:
            self.actions.meet(
                case, lambda d: d.stage == current_stage and d.kind in RESPONSE_KINDS, "a further notice moved the case on"
            )
        files = files or notice_documents(self.p.mail, (held or self.inbound).raw)
        self.actions.route(case, policy, decision, self.p.notice, agency_ids, self.sender_address, self.p.mail.message_id, files)


def premise_for(reads: Callable[[], Session], inbound_id: int, prepared: Prepared, context: Context) -> Premise | None:
    """Layer 3 for a stored message, decided in a read-only session before the worker's write transaction."""
    with reads() as session:
        inbound = session.get(InboundMessage, inbound_id, options=[defer(InboundMessage.raw)])
        return Apply(session, inbound, prepared, context).decide_ahead() if inbound is not None else None


def rehearse_message(
    sessions: sessionmaker[Session], inbound_id: int, prepared: Prepared, context: Context, premise: Premise | None, now: datetime
) -> Rehearsal:
    """The message's decision run ahead in a read snapshot (service.rehearsal): its letters rendered there, not under the lock."""

    def run(session: Session, rehearsal: Rehearsal) -> None:
        inbound = session.get(InboundMessage, inbound_id, options=[defer(InboundMessage.raw)])  # read only if a letter carries it
        if inbound is not None:
            Apply(session, inbound, prepared, context, premise, now=now, rehearsal=rehearsal).run()

    return rehearse(sessions, run)


def missing_fields(notice: Notice, policy: Policy) -> list[str]:
    """The policy's required notice fields this notice leaves empty, as the sentences asked of the sender."""
    values = notice.to_json()
    return [f"The notice does not give: {_field_label(f)}." for f in policy.form.required if not _value_at(values, f)]


def blocking_problems(notice: Notice) -> list[str]:
    """Problems that hold a complete notice all the same: an unsure immediate-risk or subject answer, an unread document."""
    return [p.message for p in notice.problems if p.field in HOLDING_FIELDS or p.field.startswith("document")]


def route_named_agency(actions: CaseActions, case: Case) -> str:
    """A case waiting for information, routed once a person named its challenged agency (the web console).

    As when the sender's reply names it: the held notice (with every answer so
    far) now has the agency; if nothing else the policy needs is missing, the
    case is routed from the stage the notice names, and the sender acknowledged.
    Returns what happened, for the person who did it.
    """
    view = actions.view(case)
    held = actions.cases.latest_notice(case.id)
    names = {i: name for name, i in view.agency_ids.items()}
    if case.state != CaseState.AWAITING_INFORMATION or held is None or case.challenged_agency_id not in names:
        return "recorded"
    notice = Notice.from_json(held)
    notice.challenged.agency = names[case.challenged_agency_id]
    still = missing_fields(notice, view.policy) + blocking_problems(notice) if notice.has_content else ["the notice itself"]
    if still:
        actions.event(case, "decision", "awaiting-information", "the agency is named; still waiting for: " + " ".join(still))
        return "recorded; the case still waits for: " + " ".join(still)
    _, files = actions.original_notice(case)
    actions.add_notice(case, notice)
    case.state = CaseState.OPEN
    decision = decide(view.policy, notice, view.directory, case.raised_by_email, actions.now, None, parties=view.parties)
    actions.route(case, view.policy, decision, notice, view.agency_ids, case.raised_by_email, None, files)
    return f"routed at stage {case.stage}"


def _known_sender(directory: Directory, address: str | None) -> bool:
    return directory.agency_for_address(address) is not None or directory.is_contact(address)


def directory_senders(sessions: Callable[[], Session], policies: Mapping[str, Policy]) -> Callable[[str | None], bool]:
    """``Context.known_sender``: whether an address is in any partnership's directory (read when asked)."""

    def known(address: str | None) -> bool:
        with sessions() as session:
            return any(_known_sender(load_directory(session, p)[0], address) for p in policies)

    return known


def _same_subject_as(document: NoticeDocument, name: str | None, dob: date | None) -> bool:
    """The same person, by both name and date of birth; a missing one never agrees."""
    return dob == document.dob and bool(name) and name_score(document.name, name or "") >= CONFIDENT_NAME


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


QUESTION_RULE = "question:challenged-agency"  # its data: the numbered list of agencies as sent

# Problems that hold a notice even when its required fields are there.
HOLDING_FIELDS = ("immediate_risk", "subject.kind")

FIELD_LABELS = {
    "subject.name": "the name of the child or adult",
    "subject.dob": "their date of birth",
    "concern": "the information of concern (what the disagreement is about)",
    "challenged.agency": "the agency whose decision is challenged",
    "raised_by.name": "your name",
    "signed.name": "who signed the notice",
}

# What a reply to "more information needed" may give, as its answer names it.
REPLY_FIELDS = {
    **FIELD_LABELS,
    "immediate_risk": "whether they are at immediate risk",
    "stage": "the stage",
    "raised_by.agency": "your agency",
}


def _understood(notice: Notice) -> list[str]:
    """The details a reply gave, in the words the information-needed letter uses."""
    values = notice.to_json() if notice.has_content else {}
    return [label for path, label in REPLY_FIELDS.items() if _value_at(values, path) not in (None, "", [])]


def _field_label(path: str) -> str:
    return FIELD_LABELS.get(path, path.replace("_", " ").replace(".", " "))
