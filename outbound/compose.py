"""Composing: a routing Decision into whole email messages, rendered from templates/.

Pure: no sockets, no database. Each message gets its fixed Message-ID here,
so a resend after a crash is recognisable. Subjects and attachment names carry
the case reference and stage only (DESIGN.md invariant 6); every message is
marked automatic (invariant 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
import email.policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import re

import jinja2

from escalations.intake import header_values
from escalations.intake.notices.model import Notice
from escalations.intake.notices.reader import Attachment
from escalations.intake.screening import ORIGIN_HEADER
from escalations.outbound.notice_forms import blank_form_attachment
from escalations.routing.directory import ContactEntry
from escalations.routing.escalation import Decision, DirectoryGap, Recipient
from escalations.routing.matching import new_message_id
from escalations.routing.deadlines import CHASER, Action, describe
from escalations.routing.policy import Policy, Stage

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ROLE_LABELS = {
    "practitioner": "practitioner",
    "line_manager": "line manager",
    "team_manager": "team manager",
    "service_manager": "service manager",
    "head_of_service": "head of service",
    "designated_safeguarding_lead": "designated safeguarding lead",
    "senior_manager": "senior manager",
    "business_manager": "business manager",
    "board_manager": "board manager",
    "chair": "chair of the partnership",
    "head_of_safeguarding": "head of safeguarding and quality assurance",
    "director_quality_assurance": "director of safeguarding and quality assurance",
    "quality_assurance_unit": "safeguarding and quality assurance unit",
    "board_referrals": "board referrals mailbox",
    "lado": "local authority designated officer (LADO)",
}
DEADLINE_LABELS = {
    "stage_response": "Response at this stage",
    "immediate_risk": "Immediate risk: action",
    "overall_resolution": "Whole matter resolved",
    "panel_decision": "Panel's decision",
}


def deadline_label(policy: Policy, kind: str, stage: int) -> str:
    """A deadline's heading in a letter or on the console ("Copy of the notice to the service manager")."""
    return DEADLINE_LABELS.get(kind) or sentence(describe(policy, kind, stage).removeprefix("the "))


def sentence(text: str) -> str:
    """The first letter upper case and nothing else changed (Jinja's ``capitalize`` lowers the rest: "monday 9 march")."""
    return text[:1].upper() + text[1:]


def with_article(word: str) -> str:
    """ "a child", "an adult", "an immediate risk"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def counted(number: int, noun: str) -> str:
    """ "1 message", "3 messages": never "message(s)"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


@cache
def environment(own_words_only: bool = False) -> jinja2.Environment:
    """The templates; ``own_words_only`` renders every ``{{ value }}`` empty, leaving the template's own words."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        keep_trailing_newline=True,
        trim_blocks=False,
        finalize=(lambda _value: "") if own_words_only else None,
    )
    env.filters.update(sentence=sentence, with_article=with_article, counted=counted)
    return env


class _KeptHeaders(HeaderRegistry):
    """The standard header registry, each header parsed once and then reused.

    Our letters repeat the same few dozen headers (From, Reply-To, the MIME
    parts' Content-Type…), and the registry parses every value it is given and
    builds a class for it: about half of a letter's cost. A header object is an
    immutable string with its parse tree, so one made for a value serves every
    letter that has that value; the bytes written are the registry's own.
    """

    @lru_cache(maxsize=512)  # noqa: B019 (one registry lives as long as the process)
    def __call__(self, name: str, value: str) -> Any:
        return super().__call__(name, value)


LETTER_POLICY = email.policy.default.clone(header_factory=_KeptHeaders())


@dataclass(frozen=True)
class Sender:
    """Who our mail comes from, the domain of our Message-IDs, and the key that signs them."""

    address: str
    secret: str = field(default="", repr=False)
    display_name: str = "Safeguarding escalations"

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    def message_id(self, reference: str | None) -> str:
        return new_message_id(reference, self.domain, self.secret)


@dataclass(frozen=True)
class Outgoing:
    kind: str
    message_id: str
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes


@dataclass(frozen=True)
class Letter:
    """What one email says: its template, subject, audience, and what it answers."""

    kind: str
    template: str
    subject: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    auto_submitted: str = "auto-generated"
    in_reply_to: str | None = None
    attachments: tuple[tuple[str, Attachment], ...] = ()
    blank_form: bool = False  # attach the partnership's blank Word form; the template gets its file name


# A letter that tells its reader something is attached (ours only: linear, no nested repeats).
_SAYS_ATTACHED = re.compile(r"\b(?:is|are|find|see the) attached\b|\battached (?:is|are|to this)\b", re.I)


class MissingAttachment(Exception):
    """A letter says something is attached but carries nothing: a template or caller bug, never sent."""


def render(template: str, context: dict[str, Any], own_words_only: bool = False) -> tuple[str, str]:
    env = environment(own_words_only)
    context = {"attached": [], **context}  # build() names what the letter carries
    return env.get_template(f"{template}.txt.j2").render(context), env.get_template(f"{template}.html.j2").render(context)


def check_attachments(letter: Letter, context: dict[str, Any], attachments: Sequence[tuple[str, Any]] | None = None) -> None:
    """A letter whose own words say something is attached must carry it. Only the template's words
    count: a practitioner may well write "minutes attached" in an outcome we quote."""
    if letter.attachments if attachments is None else attachments:
        return
    words = render(letter.template, context, own_words_only=True)
    if any(_SAYS_ATTACHED.search(w) for w in words):
        raise MissingAttachment(f"{letter.template}: the letter says something is attached, but nothing is")


def build(
    letter: Letter, context: dict[str, Any], policy: Policy, sender: Sender, now: datetime, reference: str | None
) -> Outgoing:
    """Render and assemble one message with its fixed Message-ID.

    ``attached`` (the file names this letter carries, the partnership's blank form among
    them when the letter asks for it) is given to every template, so a letter says
    "attached" only when it is; one that says so with nothing attached fails here.
    """
    form = blank_form_attachment(policy) if letter.blank_form else None
    attachments = letter.attachments + ((form.filename, form),) if form else letter.attachments
    context = {**context, "attached": [name for name, _ in attachments], "blank_form": form.filename if form else None}
    text, html = render(letter.template, context)
    check_attachments(letter, context, attachments)
    message_id = sender.message_id(reference)
    msg = EmailMessage(policy=LETTER_POLICY)
    msg["From"] = formataddr((f"{policy.short_name} {sender.display_name}", sender.address))
    msg["Reply-To"] = policy.mailbox
    msg["To"] = ", ".join(letter.to)
    if letter.cc:
        msg["Cc"] = ", ".join(letter.cc)
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    in_reply_to = header_values.message_id(letter.in_reply_to)  # it came from a stranger: copy only a valid msg-id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["Auto-Submitted"] = letter.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg[ORIGIN_HEADER] = policy.id
    if reference:
        msg["X-Escalations-Case"] = reference
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for filename, attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(
            attachment.data, maintype=maintype or "application", subtype=subtype or "octet-stream", filename=filename
        )
    return Outgoing(letter.kind, message_id, sender.address, tuple(dict.fromkeys(letter.to + letter.cc)), msg.as_bytes())


def case_context(reference: str, policy: Policy, decision: Decision, notice: Notice, now: datetime) -> dict[str, Any]:
    """Plain values the case templates need; nothing a template could call back into."""
    return stage_context(
        reference,
        policy,
        decision.stage,
        level=decision.level,
        immediate_risk=decision.immediate_risk,
        immediate_risk_advice=policy.immediate_risk.instructions,
        routed_to=people(decision.to),
        copied_to=people(decision.cc),
        recipients=people(decision.to + decision.cc),
        **_case_details(policy, decision, notice, now),
    )


def _case_details(policy: Policy, decision: Decision, notice: Notice, now: datetime) -> dict[str, Any]:
    subject_word = "adult" if notice.subject.kind == "adult" or policy.protects == ("adult",) else "child"
    return {
        "deadlines": deadline_lines(policy, decision.deadlines),
        "gaps": [{"label": gap_label(g)} for g in decision.gaps],
        "gap_reported": bool(decision.business_managers),
        "signposts": [{"text": s.text} for s in decision.signposts],
        "way_forward": _way_forward(decision),
        "panel": decision.stage.panel is not None,
        "raising_agency": decision.raising_agency.name if decision.raising_agency else None,
        "challenged_agency": decision.challenged_agency.name if decision.challenged_agency else None,
        "subject_word": subject_word,
        "notice": notice_details(notice, decision.raised_by, decision.raiser),
        "panel_options": list(decision.panel_options),
        "forwarded": 0,
        "now": _when(policy.calendar.local(now)),
    }


def raiser_lines(notice: Notice, sender: str | None = None, contact: ContactEntry | None = None) -> tuple[str | None, str | None]:
    """Who raised the concern ("name, role, agency") and how to reach them ("email, phone"): from the
    notice, else whoever signed it, else the directory's entry for the sender, else the sender's address
    (issue 11: never "not stated" when the notice is signed or the sender is known)."""
    by, signed = notice.raised_by, notice.signed
    entry = contact if contact is not None and (not sender or contact.email == sender.lower()) else None
    name = by.name or signed.name or (entry.name if entry else None)
    role = by.role or signed.role or (ROLE_LABELS.get(entry.role, entry.role) if entry else None)
    agency = by.agency or (entry.agency if entry else None)
    email = by.email or (entry.email if entry else None) or sender
    phone = by.phone or (entry.phone if entry else None)
    who = ", ".join(v for v in (name or email, role, agency) if v) or None
    reach = ", ".join(v for v in (email if name else None, phone) if v) or None
    return who, reach


def notice_details(notice: Notice, sender: str | None = None, contact: ContactEntry | None = None) -> dict[str, Any]:
    """What the notice says, for a letter: who raised it and how to reach them, about whom, the concern and what was tried."""
    raised_by, reach = raiser_lines(notice, sender, contact)
    return {
        "raised_by": raised_by,
        "raised_by_reach": reach,
        "subject_name": notice.subject.name,
        "subject_dob": notice.subject.dob.strftime("%-d %B %Y") if notice.subject.dob else None,
        "categories": ", ".join(c.replace("_", " ") for c in notice.categories) or None,
        "concern": notice.concern,
        "outcome_sought": notice.outcome_sought,
        # Bury adults 6: the board's email holds the action already taken to resolve it.
        "attempts": [
            {"date": a.date.strftime("%-d %B %Y") if a.date else None, "outcome": a.outcome}
            for a in notice.attempts
            if a.outcome or a.date
        ],
    }


def case_summary(
    policy: Policy, notice: Notice, agencies: Sequence[str], sender: str | None = None, contact: ContactEntry | None = None
) -> dict[str, Any]:
    """The case as a panel member needs it: the notice's details and the agencies involved."""
    subject_word = "adult" if notice.subject.kind == "adult" or policy.protects == ("adult",) else "child"
    details = notice_details(notice, sender, contact)
    return {"notice": details, "subject_word": subject_word, "agencies_in_dispute": list(agencies[:2])}


def partnership_context(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "name": policy.name, "short_name": policy.short_name}


def stage_context(reference: str, policy: Policy, stage: Stage, level: int = 1, **extra: Any) -> dict[str, Any]:
    """The plain values every case letter has, plus the letter's own (``reply_words`` given to override the stage's)."""
    return {
        "reference": reference,
        "partnership": partnership_context(policy),
        "stage": {"number": stage.number, "name": stage.name_at(level), "guidance": stage.guidance},
        "reply_words": case_reply_words(policy, stage, level),
        **extra,
    }


def case_reply_words(policy: Policy, stage: Stage, level: int = 1) -> list[dict[str, str]]:
    """The words that move a case at ``stage`` (routing/replies.py), each with what it does there."""
    if level < stage.levels:
        escalate = "moves the case up to the next level of this stage"
    elif policy.next_stage(stage.number) is not None:
        escalate = "moves the case to the next stage"
    else:
        escalate = "tells the business manager that the matter is unresolved at the policy's last stage"
    # "In progress" answers for the stage (issue 11); the raiser's acknowledgement leaves it out (``stage_only``).
    return [
        {"word": "Resolved", "then": "the outcome", "does": "closes the case; everyone involved is told", "stage_only": False},
        {"word": "Unresolved", "then": "the reason", "does": escalate, "stage_only": False},
        {
            "word": "Withdrawn",
            "then": "the reason",
            "does": "closes the case as withdrawn; everyone involved is told",
            "stage_only": False,
        },
        {
            "word": "In progress",
            "then": "what is being done",
            "does": "recorded and passed to the others involved, and reminders wait until the next working day;"
            " the case stays at this stage with the same deadlines",
            "stage_only": True,
        },
    ]


def _way_forward(decision: Decision) -> dict[str, Any] | None:
    """Barnet 4: who agree the way forward, and the numbered safeguarding leads who may chair."""
    way = decision.stage.way_forward
    if way is None:
        return None
    return {
        "agreed_by": " and ".join(ROLE_LABELS.get(r, r) for r in way.agreed_by),
        "chairs": people(decision.chairs),
    }


def people(recipients: Sequence[Recipient]) -> list[dict[str, Any]]:
    return [_person(r) for r in recipients]


def deadline_lines(policy: Policy, deadlines: Sequence[Any]) -> list[dict[str, str]]:
    return [
        {"label": deadline_label(policy, d.kind, d.stage), "due_text": _when(policy.calendar.local(d.due))}
        for d in deadlines
        if not getattr(d, "met", False)
    ]


def chaser_context(
    reference: str,
    policy: Policy,
    stage: Stage,
    action: Action,
    to_business_manager: bool,
    sent_to: Sequence[Recipient] = (),
    waiting: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A reminder's or chaser's words: what is due or overdue and how late, who it went to, who
    else waits for the answer, and what happens after the last chaser.

    The business manager is never warned that the business manager will be asked to step in;
    at the policy's last stage nothing "moves to the next stage": the business manager is told.
    """
    then = ""
    if action.kind == CHASER and not to_business_manager:
        if policy.chasers.escalate_to == "next_stage" and stage.number < policy.last_stage:
            then = "the matter moves to the next stage"
        elif policy.chasers.escalate_to == "next_stage":
            then = "the business manager is told that the matter is unresolved at the last stage of the policy"
        else:
            then = "the business manager is asked to step in"
    return stage_context(
        reference,
        policy,
        stage,
        what=action.reason,
        number=action.number,
        escalate_after=policy.chasers.escalate_after if action.kind == CHASER else 0,
        then=then,
        sent_to=people(sent_to),
        waiting=list(waiting),
    )


def gap_label(gap: DirectoryGap) -> str:
    role = ROLE_LABELS.get(gap.role, gap.role)
    if gap.side == "partnership":
        return f"{role} (partnership)"
    return f"{role} at {gap.agency}" if gap.agency else f"{role} at the {gap.side} agency (not recognised)"


SUFFIXES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf",
    "text/rtf": ".rtf",
    "text/plain": ".txt",
}


def attachment_name(reference: str, index: int, attachment: Attachment) -> str:
    """Reference and position only: the sender's file name may carry a child's name (invariant 6).

    Even the suffix is taken from a fixed list, never from the sender's name
    ("notice - Bloggs.Jo" must not become "….jo").
    """
    suffix = Path(attachment.filename or "").suffix.lower()
    if suffix not in SUFFIXES.values():
        suffix = SUFFIXES.get(attachment.content_type, ".bin")
    return f"{reference}-notice-{index}{suffix}"


def _person(r: Recipient) -> dict[str, Any]:
    return {"name": r.name, "role_label": ROLE_LABELS.get(r.role, r.role), "agency": r.agency}


def _when(local: datetime) -> str:
    return local.strftime("%A %-d %B %Y, %H:%M")
