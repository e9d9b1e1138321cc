"""The letter catalogue: every email the service sends, as one table, and the one path to the outbox.

Each kind names its template, its subject pattern, its ``Auto-Submitted``
value and who may receive it. A subject is filled only from values whose
shape cannot carry personal data (a case reference, a stage number, a
partnership's short name, a configured mailbox name, counts): DESIGN.md
invariant 6 is checked here, once, for every letter. Every outbox row is made
by ``outbox_row`` from a catalogue letter, so no module outside ``outbound/``
assembles an email or an outbox row itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from typing import Any

from escalations.intake.notices.reader import Attachment
from escalations.outbound.compose import Letter, Outgoing, Sender, attachment_name, build
from escalations.routing.escalation import Decision
from escalations.routing.policy import SHORT_NAME, Policy
from escalations.storage.models import OutboxMessage

# Who may receive a letter: the sides of a case and the partnership's people.
RAISER = "raiser"  # the person who raised the concern (or who sent a notice we hold)
STAGE = "stage"  # the people at the case's current stage, on either side (and a panel's chair and members)
COPIES = "copies"  # people the policy copies in at a stage
ACTOR = "actor"  # the person whose reply or action caused the letter
BUSINESS_MANAGER = "business_manager"
CONSOLE_USER = "console_user"  # a person the directory allows to sign in to the console

# The only values a subject may carry, each with the one shape it may have (invariant 6).
SUBJECT_VALUES = {
    "reference": re.compile(r"[A-Z]{2,8}-\d{4}-\d{4,6}"),
    "stage": re.compile(r"\d{1,2}"),
    "partnership": SHORT_NAME,  # the policy's acronym ("SSCB"), checked when the policy is loaded
    "mailbox": re.compile(r"[A-Za-z0-9._-]{1,40}"),  # a mailbox's configured name
    "counts": re.compile(r"\d+ [a-z ]+(?:, \d+ [a-z ]+)*"),  # "3 waiting for review, 1 in quarantine"
    "period": re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4} to \d{1,2} [A-Z][a-z]{2} \d{4}"),  # "1 Mar 2026 to 31 Mar 2026"
}


class UnsafeSubject(Exception):
    """A subject value that is not one of the shapes a subject may carry: never sent."""


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter: its template, subject, RFC 3834 marking and audience."""

    name: str
    template: str
    subject: str  # a pattern over SUBJECT_VALUES only
    audience: tuple[str, ...]
    label: str  # what it is, as a person names it ("the closing email")
    auto_submitted: str = "auto-generated"  # "auto-replied" for a direct answer to a person's message
    blank_form: bool = False  # carries the partnership's blank notice form
    subject_without_case: str | None = None  # for a letter that may come before a case exists
    kind: str = ""  # the outbox row's kind, when several letters share one (default: ``name``)

    @property
    def outbox_kind(self) -> str:
        return self.kind or self.name


def _kinds(*kinds: LetterKind) -> dict[str, LetterKind]:
    return {k.name: k for k in kinds}


_CASE = "[{reference}] "
_STAGE = " – stage {stage}"
CATALOGUE = _kinds(
    LetterKind(
        "acknowledgement",
        "practitioner/acknowledgement",
        _CASE + "Escalation received" + _STAGE,
        (RAISER,),
        "acknowledgement to the practitioner",
        auto_submitted="auto-replied",
        blank_form=True,
    ),
    LetterKind("routed_case", "manager/routed-case", _CASE + "Escalation" + _STAGE, (STAGE, COPIES), "escalation email"),
    LetterKind(
        "directory_gap",
        "business_manager/directory-gap",
        _CASE + "Directory gap" + _STAGE,
        (BUSINESS_MANAGER,),
        "directory-gap notice",
    ),
    LetterKind(
        "not_escalated",
        "practitioner/not-escalated",
        _CASE + "Not escalated",
        (RAISER,),
        "not-escalated reply",
        auto_submitted="auto-replied",
    ),
    LetterKind("case_update", "practitioner/case-update", _CASE + "Case update" + _STAGE, (RAISER, ACTOR), "case update"),
    LetterKind(
        "chair_decision",
        "practitioner/case-update",
        _CASE + "Chair's decision" + _STAGE,
        (RAISER, STAGE),
        "case update",
        kind="case_update",
    ),
    LetterKind(
        "reply_update",
        "practitioner/reply-update",
        _CASE + "Reply received" + _STAGE,
        (RAISER, STAGE),
        "reply passed on to the case's other parties",
    ),
    LetterKind(
        "resolved",
        "manager/case-closed",
        _CASE + "Resolved" + _STAGE,
        (RAISER, STAGE, COPIES, BUSINESS_MANAGER),
        "closing email",
        kind="case_closed",
    ),
    LetterKind(
        "withdrawn",
        "manager/case-closed",
        _CASE + "Withdrawn" + _STAGE,
        (RAISER, STAGE, COPIES, BUSINESS_MANAGER),
        "closing email",
        kind="case_closed",
    ),
    LetterKind(
        "information_needed",
        "practitioner/information-needed",
        _CASE + "More information needed",
        (RAISER,),
        "request for more information",
        auto_submitted="auto-replied",
        blank_form=True,
        subject_without_case="{partnership} escalation: more information needed",
    ),
    LetterKind(
        "information_chaser",
        "practitioner/information-needed",
        _CASE + "More information needed",
        (RAISER,),
        "reminder that information is still needed",
        auto_submitted="auto-replied",
        blank_form=True,
    ),
    LetterKind(
        "needs_attention",
        "business_manager/needs-attention",
        _CASE + "Needs attention" + _STAGE,
        (BUSINESS_MANAGER,),
        "needs-attention notice",
    ),
    LetterKind("reminder", "manager/reminder", _CASE + "Reminder" + _STAGE, (STAGE, BUSINESS_MANAGER), "reminder"),
    LetterKind("chaser", "manager/chaser", _CASE + "Overdue" + _STAGE, (STAGE, BUSINESS_MANAGER), "chaser"),
    LetterKind(
        "overrun", "manager/overrun-reasons", _CASE + "Reasons needed" + _STAGE, (RAISER, BUSINESS_MANAGER), "request for reasons"
    ),
    LetterKind(
        "panel_convened", "manager/panel-convened", _CASE + "Resolution Panel" + _STAGE, (STAGE,), "Resolution Panel invitation"
    ),
    LetterKind("way_forward", "manager/way-forward", _CASE + "Way forward" + _STAGE, (STAGE, RAISER), "way forward agreed"),
    LetterKind(
        "choose_again",
        "manager/choose-again",
        _CASE + "Please choose from the list" + _STAGE,
        (ACTOR,),
        "request to choose from the list again",
    ),
    LetterKind(
        "delivery_failure",
        "business_manager/delivery-failure",
        _CASE + "Not delivered" + _STAGE,
        (BUSINESS_MANAGER,),
        "alert about undelivered mail",
        subject_without_case="{partnership} escalations: an email was not delivered",
    ),
    LetterKind(
        "review_summary",
        "business_manager/review-summary",
        "{partnership} escalations: {counts}",
        (BUSINESS_MANAGER,),
        "daily review summary",
    ),
    LetterKind(
        "board_report",
        "business_manager/board-report",
        "{partnership} escalations report, {period}",
        (BUSINESS_MANAGER,),
        "board report",
    ),
    LetterKind(
        "mailbox_alert",
        "business_manager/mailbox-alert",
        "Escalations mailbox {mailbox}: cannot sign in",
        (BUSINESS_MANAGER,),
        "mailbox alert",
    ),
    LetterKind(
        "console_sign_in",
        "business_manager/console-sign-in",
        "Your sign-in link to the escalations console",
        (CONSOLE_USER,),
        "console sign-in link",
    ),
)


def label(outbox_kind: str) -> str:
    """What a letter of this outbox kind is, in words ("closing email")."""
    return next((k.label for k in CATALOGUE.values() if k.outbox_kind == outbox_kind), outbox_kind.replace("_", " "))


def subject_fields(pattern: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(pattern) if name}


def subject(kind: LetterKind, values: dict[str, Any]) -> str:
    """The kind's subject from the values given; any value outside its safe shape is refused (invariant 6)."""
    pattern = kind.subject if values.get("reference") or kind.subject_without_case is None else kind.subject_without_case
    wanted = subject_fields(pattern)
    unknown = wanted - SUBJECT_VALUES.keys()
    if unknown:
        raise UnsafeSubject(f"{kind.name}: the subject names {sorted(unknown)}, which a subject may not carry")
    texts = {name: str(values.get(name, "")) for name in wanted}
    for name, text in texts.items():
        if not SUBJECT_VALUES[name].fullmatch(text):
            raise UnsafeSubject(f"{kind.name}: {name} is not the shape a subject may carry")
    return pattern.format(**texts)


def letter(
    name: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    *,
    reference: str | None = None,
    stage: int | None = None,
    in_reply_to: str | None = None,
    attachments: Sequence[tuple[str, Attachment]] = (),
    **subject_values: str,
) -> Letter:
    """A letter of a catalogue kind to ``to`` (and ``cc``): the only way a Letter is made outside tests."""
    kind = CATALOGUE[name]
    values = {"reference": reference, "stage": stage, **subject_values}
    return Letter(
        kind.outbox_kind,
        kind.template,
        subject(kind, values),
        tuple(to),
        tuple(cc),
        auto_submitted=kind.auto_submitted,
        in_reply_to=in_reply_to,
        attachments=tuple(attachments),
        blank_form=kind.blank_form,
    )


def case_letters(
    reference: str,
    decision: Decision,
    sender_address: str | None,
    inbound_message_id: str | None,
    notice_files: Sequence[Attachment],
) -> list[Letter]:
    """The acknowledgement, the routed case, and a directory-gap notice where one is needed."""
    stage = decision.stage.number
    letters = []
    if sender_address:
        letters.append(
            letter("acknowledgement", (sender_address,), reference=reference, stage=stage, in_reply_to=inbound_message_id)
        )
    to = tuple(r.email for r in decision.to)
    cc = tuple(r.email for r in decision.cc)
    if to or cc:
        files = tuple((attachment_name(reference, i, a), a) for i, a in enumerate(notice_files, start=1))
        letters.append(letter("routed_case", to or cc, cc if to else (), reference=reference, stage=stage, attachments=files))
    managers = tuple(r.email for r in decision.business_managers)
    if decision.gaps and managers:
        letters.append(letter("directory_gap", managers, reference=reference, stage=stage))
    return letters


def outbox_row(
    letter: Letter,
    context: dict[str, Any],
    policy: Policy,
    sender: Sender,
    now: datetime,
    reference: str | None = None,
    case_id: int | None = None,
    dedupe_key: str | None = None,
    kept: KeptLetters | None = None,
) -> OutboxMessage:
    """The one way an outgoing email becomes an outbox row (DESIGN.md invariant 4 and STYLE.md 5: one outbox).
    ``kept``: letters rendered ahead of the write transaction (service.rehearsal), taken where they fit."""
    out = (
        kept.build(letter, context, policy, sender, now, reference)
        if kept is not None
        else build(letter, context, policy, sender, now, reference)
    )
    return OutboxMessage(
        case_id=case_id,
        kind=out.kind,
        dedupe_key=dedupe_key,
        message_id=out.message_id,
        mail_from=out.mail_from,
        recipients=list(out.recipients),
        raw=out.raw,
        next_attempt_at=now,
        created_at=now,
    )


class KeptLetters:
    """Letters rendered ahead of a write transaction (service.rehearsal), for it to take instead of rendering.

    While ``keeping``, each letter is rendered and kept under everything that went into it: the
    letter, the plain values of its template context (outbound.compose: their repr says all a
    template can read), the partnership, the time and the case reference. After ``take_from_now``,
    a letter is taken where one was kept with exactly the same inputs, each at most once (two
    letters alike still get a Message-ID each), and rendered anew where none was.
    """

    def __init__(self) -> None:
        self.keeping = True
        self._kept: dict[tuple[Any, ...], list[Outgoing]] = {}
        self.taken = 0
        self.rendered = 0  # rendered after keeping stopped: their inputs changed since

    def build(
        self, letter: Letter, context: dict[str, Any], policy: Policy, sender: Sender, now: datetime, reference: str | None
    ) -> Outgoing:
        key = _inputs(letter, context, policy, now, reference)
        if self.keeping:
            out = build(letter, context, policy, sender, now, reference)
            if key is not None:
                self._kept.setdefault(key, []).append(out)
            return out
        kept = self._kept.get(key, []) if key is not None else []
        if kept:
            self.taken += 1
            return kept.pop(0)
        self.rendered += 1
        return build(letter, context, policy, sender, now, reference)

    def keep(
        self, letter: Letter, context: dict[str, Any], policy: Policy, sender: Sender, now: datetime, reference: str | None = None
    ) -> None:
        """Render a letter now, ahead of its write transaction, for ``outbox_row`` to take there (before ``take_from_now``)."""
        assert self.keeping, "letters are kept before take_from_now"
        self.build(letter, context, policy, sender, now, reference)

    def take_from_now(self) -> None:
        self.keeping = False


def _inputs(letter: Letter, context: dict[str, Any], policy: Policy, now: datetime, reference: str | None) -> tuple | None:
    try:
        hash(letter)
    except TypeError:
        return None
    return (letter, repr(context), policy.id, id(policy), now, reference)
