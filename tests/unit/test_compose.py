"""Composing: a routing Decision into whole emails, for each of the five packaged policies.

Real policies, a hand-built directory of fictional ``.example`` people, the real
engine and the real templates. What is checked is what a recipient's mail
client sees, read back from the bytes with the stdlib parser: invariant 5
(recipients from the directory only), 6 (no personal data in subjects or
attachment names) and 7 (every message marked automatic).
"""

from __future__ import annotations

import email
import email.generator
import email.policy
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import escape

from escalations.intake.mime import parse
from escalations.intake.notices.model import Challenged, Notice, Person, Subject
from escalations.intake.notices.reader import Attachment
from escalations.intake.screening import Screen, screen
from escalations.outbound import compose as compose_module
from escalations.outbound.compose import (
    Outgoing,
    Sender,
    build,
    case_context,
    chaser_context,
    deadline_label,
    partnership_context,
    render,
    stage_context,
)
from escalations.outbound.letters import case_letters
from escalations.outbound.notice_forms import blank_form, form_filename
from escalations.routing.directory import AgencyEntry, ContactEntry, Directory
from escalations.routing.escalation import decide
from escalations.routing.deadlines import Action, OpenDeadline, due_actions, lateness
from escalations.routing.policy import Policy, Stage, load_policies
from tests.support.forms import docx_table_notice
from tests.support.letters import unreadable

POLICIES = load_policies(Path(str(files("escalations.config") / "partnerships")))
SENDER = Sender("escalations@partnership.example")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # Tuesday, 10:00 in London
INBOUND_ID = "<20260310095840.4f1c@northside-health.example>"
CHILD = "Jo Bloggs"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX = docx_table_notice([("Name of child", CHILD), ("Concern", "Three missed health appointments.")])
NOTICE_FILE = Attachment(f"{CHILD} notice.docx", DOCX_TYPE, DOCX)

RAISING = AgencyEntry("Northside Health", ("northside-health.example",))
CHALLENGED = AgencyEntry("Riverside Children's Services", ("childrens.riverside.example",))
PEOPLE = {
    RAISING: {
        "practitioner": "Dev Vellacott",
        "line_manager": "Elin Everard",
        "team_manager": "Farah Marchbank",
        "service_manager": "Gareth Upton",
        "head_of_service": "Hana Dimmock",
        "designated_safeguarding_lead": "Idris Greystone",
        "senior_manager": "Jess Northcott",
    },
    CHALLENGED: {
        "practitioner": "Kamal Underhill",
        "line_manager": "Lowri Dalby",
        "team_manager": "Maya Lockwood",
        "service_manager": "Niall Tandy",
        "head_of_service": "Orla Coulthard",
        "designated_safeguarding_lead": "Priya Fairbank",
        "senior_manager": "Quentin Merriman",
    },
    None: {
        "business_manager": "Aisha Ashdown",
        "board_manager": "Ben Hallam",
        "chair": "Carys Ormsby",
        "head_of_safeguarding": "Dafydd Penhale",
        "director_quality_assurance": "Esme Wragg",
        "quality_assurance_unit": "Fenella Quayle",
        "board_referrals": "Gideon Ashworth",
        "lado": "Harriet Lingard",
    },
}
PRACTITIONER = "dev.vellacott@northside-health.example"
STRANGERS = ("dev.at.home@mail.example", "jo.bloggs.parent@mail.example", "team.leader@northside-health.example")


def address(name: str, domain: str) -> str:
    return f"{name.lower().replace(' ', '.')}@{domain}"


def directory(policy: Policy, missing: Iterable[tuple[AgencyEntry | None, str]] = ()) -> Directory:
    """Every role filled at both agencies and the partnership, except the ``missing`` (agency, role) pairs."""
    gaps = set(missing)
    partnership_domain = policy.mailbox.split("@")[1]
    contacts = tuple(
        ContactEntry(
            name, address(name, agency.domains[0] if agency else partnership_domain), role, agency.name if agency else None
        )
        for agency, people in PEOPLE.items()
        for role, name in people.items()
        if (agency, role) not in gaps
    )
    return Directory(policy.id, (RAISING, CHALLENGED), contacts)


def notice(policy: Policy, stage: int = 1, **changes: Any) -> Notice:
    kind = "adult" if policy.protects == ("adult",) else "child"
    base = Notice(
        partnership=policy.id,
        subject=Subject(kind, CHILD, date(2017, 2, 14) if kind == "child" else date(1948, 7, 1)),
        raised_by=Person("Dev Vellacott", "Health Visitor", RAISING.name, PRACTITIONER, "0161 496 0000"),
        challenged=Challenged(CHALLENGED.name, "Kamal Underhill", "Social Worker"),
        categories=["thresholds", "non_attendance"],
        concern="Jo has missed three health appointments and the referral was closed without a visit.",
        immediate_risk=False,
        stage=stage,
        outcome_sought="A strategy discussion this week.",
    )
    return replace(base, **changes)


@dataclass(frozen=True)
class Sent:
    """One composed email as its recipient's mail client reads it."""

    kind: str
    out: Outgoing
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def header_addresses(self) -> set[str]:
        return {a.lower() for _, a in getaddresses([str(v) for h in ("To", "Cc") for v in self.message.get_all(h, [])])}


def reference(policy: Policy) -> str:
    return f"{policy.prefix}-2026-0007"


def compose(
    pid: str,
    *,
    stage: int = 1,
    where: Directory | None = None,
    notice_files: Sequence[Attachment] = (NOTICE_FILE,),
    **changes: Any,
) -> dict[str, Sent]:
    """Decide, write and build every letter for one new notice, by kind."""
    policy = POLICIES[pid]
    the_notice = notice(policy, stage, **changes)
    the_directory = where or directory(policy)
    decision = decide(policy, the_notice, the_directory, PRACTITIONER, NOW)
    ref = reference(policy)
    context = case_context(ref, policy, decision, the_notice, NOW)
    sent = {}
    for letter in case_letters(ref, decision, PRACTITIONER, INBOUND_ID, notice_files):
        out = build(letter, context, policy, SENDER, NOW, ref)
        parsed = email.message_from_bytes(out.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        assert letter.kind not in sent
        sent[letter.kind] = Sent(letter.kind, out, parsed)
    return sent


def directory_emails(where: Directory) -> set[str]:
    return {c.email for c in where.contacts}


PIDS = [pytest.param(pid, id=pid) for pid in ("bury-children", "salford", "barnet", "bury-adults", "bnes")]
STAGES = [
    pytest.param(pid, stage.number, id=f"{pid}-stage-{stage.number}")
    for pid, policy in POLICIES.items()
    for stage in policy.stages
]


def test_the_five_partnerships_are_tested() -> None:
    assert sorted(POLICIES) == sorted(p.values[0] for p in PIDS)


# -- invariant 6: subjects and attachment names ------------------------------


@pytest.mark.parametrize(("pid", "stage"), STAGES)
def test_subjects_are_the_reference_and_stage_only(pid: str, stage: int) -> None:
    ref = reference(POLICIES[pid])
    sent = compose(pid, stage=stage)
    assert {kind: str(s.message["Subject"]) for kind, s in sent.items()} == {
        "acknowledgement": f"[{ref}] Escalation received – stage {stage}",
        "routed_case": f"[{ref}] Escalation – stage {stage}",
    }


@pytest.mark.parametrize(("pid", "stage"), STAGES)
def test_no_header_of_any_part_names_the_child(pid: str, stage: int) -> None:
    for s in compose(pid, stage=stage).values():
        for part in s.message.walk():
            for name, value in part.items():
                assert "bloggs" not in str(value).lower(), (s.kind, name)
        assert b"bloggs" not in s.out.raw.split(b"\n\n", 1)[0].lower()


@pytest.mark.parametrize("pid", PIDS)
def test_attachments_are_named_by_reference_and_position(pid: str) -> None:
    ref = reference(POLICIES[pid])
    second = Attachment("Jo Bloggs chronology.pdf", "application/pdf", b"%PDF-1.7\n%%EOF\n")
    sent = compose(pid, stage=2, notice_files=(NOTICE_FILE, second))
    routed = [(a.get_filename(), a.get_content_type(), a.get_content()) for a in sent["routed_case"].message.iter_attachments()]
    assert routed == [(f"{ref}-notice-1.docx", DOCX_TYPE, DOCX), (f"{ref}-notice-2.pdf", "application/pdf", second.data)]
    acknowledged = [(a.get_filename(), a.get_content_type()) for a in sent["acknowledgement"].message.iter_attachments()]
    assert acknowledged == [(form_filename(POLICIES[pid], "docx"), DOCX_TYPE)]  # the blank form only, never the sender's files


@pytest.mark.parametrize("pid", PIDS)
def test_the_acknowledgement_attaches_the_partnerships_blank_form_and_says_what_it_is_for(pid: str) -> None:
    policy = POLICIES[pid]
    ack = compose(pid)["acknowledgement"]
    [form] = ack.message.iter_attachments()
    assert form.get_filename() == form_filename(policy, "docx") == f"{policy.form.id}.docx"
    assert _document_xml(form.get_content()) == _document_xml(blank_form(policy, "docx"))  # the zip's dates differ
    for text in (ack.text, ack.html):
        assert f"blank escalation form is attached ({policy.form.id}.docx)" in text
        assert "send it to this mailbox as a new email" in text


def _document_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return package.read("word/document.xml")


def test_a_partnership_without_form_wording_is_acknowledged_without_a_form(caplog) -> None:  # type: ignore[no-untyped-def]
    policy = replace(POLICIES["salford"], id="elsewhere")  # a partnership added by configuration: no templates/forms file
    the_notice = notice(policy)
    decision = decide(policy, the_notice, directory(policy), PRACTITIONER, NOW)
    context = case_context(reference(policy), policy, decision, the_notice, NOW)
    [ack] = [letter for letter in case_letters(reference(policy), decision, PRACTITIONER, None, ()) if letter.blank_form]
    message = email.message_from_bytes(build(ack, context, policy, SENDER, NOW, None).raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert list(message.iter_attachments()) == []
    assert "form is attached" not in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "partnership elsewhere: no blank form to attach" in caplog.text


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        pytest.param("Jo Bloggs notice.docx", "SAL-2026-0007-notice-1.docx", id="docx"),
        pytest.param("Jo Bloggs notice.DOCX", "SAL-2026-0007-notice-1.docx", id="upper-case-suffix"),
        pytest.param("Jo Bloggs notice.pdf", "SAL-2026-0007-notice-1.pdf", id="pdf"),
        pytest.param("Jo Bloggs notice", "SAL-2026-0007-notice-1.docx", id="no-suffix"),
        pytest.param("Notes on Jo Bloggs.final version", "SAL-2026-0007-notice-1.docx", id="suffix-with-a-space"),
        pytest.param("Jo Bloggs notice.docx.verylongsuffix", "SAL-2026-0007-notice-1.docx", id="suffix-too-long"),
        pytest.param(None, "SAL-2026-0007-notice-1.docx", id="no-file-name"),
        pytest.param("Jo Bloggs.exe", "SAL-2026-0007-notice-1.docx", id="suffix-not-on-the-list"),
    ],
)
def test_attachment_name_whatever_the_original(original: str | None, expected: str) -> None:
    sent = compose("salford", notice_files=(Attachment(original, DOCX_TYPE, DOCX),))
    assert [a.get_filename() for a in sent["routed_case"].message.iter_attachments()] == [expected]


@pytest.mark.parametrize(
    ("original", "personal"),
    [
        pytest.param("Jo Bloggs notice.docx", "bloggs", id="name-before-suffix"),
        pytest.param("Escalation notice - Jo.Bloggs", "bloggs", id="long-surname-after-dot"),
        pytest.param("Escalation notice - J.Smith", "smith", id="short-surname-after-dot"),
        pytest.param("Escalation notice - Bloggs.Jo", "jo", id="first-name-after-dot"),
    ],
)
def test_attachment_name_carries_nothing_of_the_original(original: str, personal: str) -> None:
    sent = compose("salford", notice_files=(Attachment(original, DOCX_TYPE, DOCX),))
    (name,) = [a.get_filename() for a in sent["routed_case"].message.iter_attachments()]
    assert name.startswith("SAL-2026-0007-notice-1.")
    assert personal not in name.lower()


# -- invariant 7 and threading: the headers of every message ----------------


@pytest.mark.parametrize("pid", PIDS)
def test_every_message_is_marked_automatic_and_ours(pid: str) -> None:
    policy = POLICIES[pid]
    ref = reference(policy)
    sent = compose(pid) | compose(pid, where=directory(policy, [(CHALLENGED, "practitioner")]))
    assert {"acknowledgement", "routed_case", "directory_gap"} <= set(sent)
    expected_auto = {"acknowledgement": "auto-replied", "routed_case": "auto-generated", "directory_gap": "auto-generated"}
    for kind, s in sent.items():
        m = s.message
        assert m["Auto-Submitted"] == expected_auto[kind], kind
        assert m["X-Auto-Response-Suppress"] == "All", kind
        assert m["X-Escalations-Origin"] == pid, kind
        assert m["X-Escalations-Case"] == ref, kind
        assert m["Message-ID"] == s.out.message_id and s.out.message_id.endswith("@partnership.example>"), kind
        assert m["Reply-To"] == policy.mailbox, kind
        assert m["From"].addresses[0].addr_spec == SENDER.address == s.out.mail_from, kind
        assert m["Date"].datetime == NOW, kind


@pytest.mark.parametrize("pid", PIDS)
def test_only_the_acknowledgement_answers_the_inbound_message(pid: str) -> None:
    sent = compose(pid)
    assert {kind: (s.message["In-Reply-To"], s.message["References"]) for kind, s in sent.items()} == {
        "acknowledgement": (INBOUND_ID, INBOUND_ID),
        "routed_case": (None, None),
    }


@pytest.mark.parametrize("pid", PIDS)
def test_message_ids_are_unique(pid: str) -> None:
    ids = [s.out.message_id for _ in range(3) for s in compose(pid).values()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("pid", PIDS)
def test_our_own_mail_coming_back_is_screened(pid: str) -> None:
    ours = Screen(own_addresses=frozenset({SENDER.address}), message_id_domain=SENDER.domain)
    for s in compose(pid).values():
        verdict = screen(parse(s.out.raw), "", ours)
        assert verdict is not None and verdict.rule == "own-mail"


# -- bodies ------------------------------------------------------------------


@pytest.mark.parametrize("pid", PIDS)
def test_every_message_has_a_text_and_an_html_part(pid: str) -> None:
    policy = POLICIES[pid]
    sent = compose(pid) | compose(pid, where=directory(policy, [(CHALLENGED, "practitioner")]))
    for kind, s in sent.items():
        assert s.message.get_content_type() in ("multipart/alternative", "multipart/mixed"), kind
        assert reference(policy) in s.text and reference(policy) in s.html, kind
        assert policy.name in s.text, kind
        assert s.html.lstrip().startswith("<!DOCTYPE html>"), kind


SCRIPT = "Closed without a visit <script>alert('x')</script> & no reply"


@pytest.mark.parametrize("pid", PIDS)
def test_html_escapes_what_the_notice_says(pid: str) -> None:
    routed = compose(pid, concern=SCRIPT)["routed_case"]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; no reply" in routed.html
    assert "<script>" not in routed.html
    assert SCRIPT in routed.text  # plain text is not HTML: left as written


@pytest.mark.parametrize(
    ("pid", "mentions"),
    [
        pytest.param("bury-children", "same working day", id="bury-children"),
        pytest.param("salford", "same working day", id="salford"),
        pytest.param("barnet", "designated safeguarding lead", id="barnet"),
        pytest.param("bury-adults", "999", id="bury-adults"),
        pytest.param("bnes", "24 hours", id="bnes"),
    ],
)
def test_acknowledgement_of_immediate_risk_gives_the_policy_advice(pid: str, mentions: str) -> None:
    advice = POLICIES[pid].immediate_risk.advice
    ack = compose(pid, immediate_risk=True)["acknowledgement"]
    assert advice in ack.text
    assert str(escape(advice)) in ack.html
    assert mentions in advice


@pytest.mark.parametrize("pid", PIDS)
def test_only_an_immediate_risk_notice_is_flagged_as_one(pid: str) -> None:
    flagged = {risk: "IMMEDIATE RISK" in compose(pid, immediate_risk=risk)["acknowledgement"].text for risk in (True, False)}
    assert flagged == {True: True, False: False}


# -- invariant 5: recipients --------------------------------------------------


@pytest.mark.parametrize(
    ("pid", "missing", "challenged", "label"),
    [
        pytest.param(
            "bury-children",
            [(CHALLENGED, "practitioner")],
            CHALLENGED.name,
            "practitioner at Riverside Children's Services",
            id="bury-children",
        ),
        pytest.param(
            "salford",
            [(CHALLENGED, "practitioner")],
            CHALLENGED.name,
            "practitioner at Riverside Children's Services",
            id="salford",
        ),
        pytest.param(
            "barnet",
            [(CHALLENGED, "practitioner")],
            CHALLENGED.name,
            "practitioner at Riverside Children's Services",
            id="barnet",
        ),
        pytest.param(
            "bury-adults",
            [(CHALLENGED, "practitioner")],
            CHALLENGED.name,
            "practitioner at Riverside Children's Services",
            id="bury-adults",
        ),
        pytest.param(
            "bnes", [(CHALLENGED, "practitioner")], CHALLENGED.name, "practitioner at Riverside Children's Services", id="bnes"
        ),
        pytest.param(
            "salford",
            [],
            "Hillside Housing Trust",
            "practitioner at the challenged agency (not recognised)",
            id="salford-unknown-agency",
        ),
    ],
)
def test_a_directory_gap_goes_to_the_business_manager(
    pid: str, missing: list[tuple[AgencyEntry, str]], challenged: str, label: str
) -> None:
    policy = POLICIES[pid]
    where = directory(policy, missing)
    sent = compose(pid, where=where, challenged=Challenged(challenged, "Kamal Underhill", "Social Worker"))
    gap = sent["directory_gap"]
    manager = address(PEOPLE[None]["business_manager"], policy.mailbox.split("@")[1])
    assert gap.out.recipients == (manager,)
    assert gap.header_addresses() == {manager}
    assert str(gap.message["Subject"]) == f"[{reference(policy)}] Directory gap – stage 1"
    assert f"- {label}" in gap.text
    assert str(escape(label)) in gap.html
    assert label in sent["acknowledgement"].text


@pytest.mark.parametrize("pid", PIDS)
def test_no_gap_letter_when_the_directory_is_complete(pid: str) -> None:
    assert "directory_gap" not in compose(pid)


@pytest.mark.parametrize("pid", PIDS)
def test_recipients_come_only_from_the_directory(pid: str) -> None:
    policy = POLICIES[pid]
    where = directory(policy)
    sent = compose(
        pid,
        stage=policy.last_stage,
        where=where,
        immediate_risk=True,
        raised_by=Person("Dev Vellacott", "Health Visitor", RAISING.name, STRANGERS[0], "0161 496 0000"),
        copies_to=list(STRANGERS[1:]) + [f"Team Leader <{STRANGERS[2]}>"],
    )
    assert sent["acknowledgement"].out.recipients == (PRACTITIONER,)
    for kind, s in sent.items():
        named = set(s.out.recipients) | s.header_addresses()
        assert not named & set(STRANGERS), kind
        if kind != "acknowledgement":
            assert named <= directory_emails(where), kind
    assert sent["routed_case"].out.recipients


@pytest.mark.parametrize("pid", PIDS)
def test_routed_case_goes_to_the_decision_recipients(pid: str) -> None:
    policy = POLICIES[pid]
    where = directory(policy)
    routed = compose(pid, stage=2, where=where)["routed_case"]
    decision = decide(policy, notice(policy, 2), where, PRACTITIONER, NOW)
    expected = [r.email for r in decision.to + decision.cc]
    assert expected and list(routed.out.recipients) == expected
    assert routed.header_addresses() == set(expected)


# -- templates ---------------------------------------------------------------


def full_context() -> dict[str, Any]:
    policy = POLICIES["salford"]
    the_notice = notice(policy, immediate_risk=True)
    where = directory(policy, [(CHALLENGED, "service_manager")])
    decision = decide(policy, the_notice, where, PRACTITIONER, NOW)
    return {**case_context(reference(policy), policy, decision, the_notice, NOW), "blank_form": "salford-escalation-notice.docx"}


def without(context: dict[str, Any], dotted: str) -> dict[str, Any]:
    """A copy of ``context`` with one key (``a.b`` for a nested one) left out."""
    head, _, rest = dotted.partition(".")
    if not rest:
        return {k: v for k, v in context.items() if k != head}
    return {**context, head: without(context[head], rest)}


@pytest.mark.parametrize(
    ("template", "key"),
    [
        pytest.param("practitioner/acknowledgement", "reference", id="ack-reference"),
        pytest.param("practitioner/acknowledgement", "partnership", id="ack-partnership"),
        pytest.param("practitioner/acknowledgement", "stage", id="ack-stage"),
        pytest.param("practitioner/acknowledgement", "immediate_risk", id="ack-immediate-risk"),
        pytest.param("practitioner/acknowledgement", "immediate_risk_advice", id="ack-immediate-risk-advice"),
        pytest.param("practitioner/acknowledgement", "routed_to", id="ack-routed-to"),
        pytest.param("practitioner/acknowledgement", "deadlines", id="ack-deadlines"),
        pytest.param("practitioner/acknowledgement", "gaps", id="ack-gaps"),
        pytest.param("practitioner/acknowledgement", "signposts", id="ack-signposts"),
        pytest.param("practitioner/acknowledgement", "stage.name", id="ack-stage-name"),
        pytest.param("practitioner/acknowledgement", "blank_form", id="ack-blank-form"),
        pytest.param("manager/routed-case", "notice", id="routed-notice"),
        pytest.param("manager/routed-case", "notice.concern", id="routed-notice-concern"),
        pytest.param("manager/routed-case", "subject_word", id="routed-subject-word"),
        pytest.param("manager/routed-case", "recipients", id="routed-recipients"),
        pytest.param("manager/routed-case", "raising_agency", id="routed-raising-agency"),
        pytest.param("manager/routed-case", "partnership.name", id="routed-partnership-name"),
        pytest.param("business_manager/directory-gap", "gaps", id="gap-gaps"),
        pytest.param("business_manager/directory-gap", "reference", id="gap-reference"),
        pytest.param("business_manager/directory-gap", "stage", id="gap-stage"),
    ],
)
def test_render_refuses_a_missing_value(template: str, key: str) -> None:
    context = full_context()
    text, html = render(template, context)  # the whole context renders
    assert text and html
    with pytest.raises(jinja2.UndefinedError):
        render(template, without(context, key))


@pytest.mark.parametrize("pid", PIDS)
def test_letters_built_with_kept_headers_are_byte_for_byte_the_registrys(pid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each header is parsed once and reused (compose.LETTER_POLICY); the bytes must not change."""
    monkeypatch.setattr(Sender, "message_id", lambda self, reference: f"<fixed.{reference}@partnership.example>")

    def letters() -> list[bytes]:
        boundaries = iter(range(100))
        monkeypatch.setattr(
            email.generator.Generator, "_make_boundary", classmethod(lambda cls, text=None: f"=={next(boundaries)}==")
        )
        return [sent.out.raw for sent in compose(pid).values()]

    kept = letters() + letters()  # the second time, every header comes from the kept ones
    monkeypatch.setattr(compose_module, "LETTER_POLICY", email.policy.default)
    fresh = letters() + letters()
    assert kept == fresh and len(kept) >= 4
    assert "–" in email.message_from_bytes(kept[0], policy=email.policy.default)["Subject"]


# -- "attached" means attached ------------------------------------------------


def test_a_letter_saying_attached_must_carry_the_attachment() -> None:
    from escalations.outbound.compose import Letter, MissingAttachment, check_attachments

    context = full_context()
    bare = Letter("routed_case", "manager/routed-case", "[X] Escalation – stage 1", ("a@b.example",))
    out = build(bare, context, POLICIES["salford"], SENDER, NOW, "SAL-2026-0001")
    assert b"attached" not in out.raw.lower(), "with nothing attached, the letter does not say so"
    with pytest.raises(MissingAttachment):  # told it carries a file, the template says so: the letter must carry it
        check_attachments(bare, {**context, "attached": ["SAL-2026-0001-notice-1.docx"]})
    carried = replace(bare, attachments=(("SAL-2026-0001-notice-1.docx", NOTICE_FILE),))
    out = build(carried, context, POLICIES["salford"], SENDER, NOW, "SAL-2026-0001")
    assert b"The original notice is attached (SAL-2026-0001-notice-1.docx)" in out.raw


def test_a_quoted_outcome_saying_attached_is_not_the_letters_claim() -> None:
    from escalations.outbound.compose import Letter, stage_context

    policy = POLICIES["salford"]
    context = stage_context("SAL-2026-0001", policy, policy.stage(1), state="resolved", outcome="Minutes are attached.")
    context.update(copies=[], copy_reasons=[])
    letter = Letter("case_closed", "manager/case-closed", "[SAL-2026-0001] Resolved – stage 1", ("a@b.example",))
    assert b"Minutes are attached." in build(letter, context, policy, SENDER, NOW, "SAL-2026-0001").raw


@pytest.mark.parametrize("template", sorted(p.name for p in Path(str(files("escalations.templates"))).rglob("*.j2")))
def test_every_template_says_attached_only_when_it_carries_something(template: str) -> None:
    from escalations.outbound.compose import _SAYS_ATTACHED

    [path] = list(Path(str(files("escalations.templates"))).rglob(template))
    source = path.read_text(encoding="utf-8")
    words = "".join(part.split("}}", 1)[-1] for part in source.split("{{"))  # the template's own words
    if _SAYS_ATTACHED.search(words):
        checked = "{% if attached %}" in source or "{% if blank_form %}" in source
        assert checked, f"{template} says something is attached without checking that it is"


# -- words a person can read (issue 11) ---------------------------------------


def reminders_and_chasers(policy: Policy, deadlines: Sequence[Any]) -> list[tuple[Stage, Action]]:
    """Every reminder, chaser, move-on and overrun the real chaser plan makes for ``deadlines``, a week either side."""
    found: dict[str, tuple[Stage, Action]] = {}
    for i, d in enumerate(deadlines):
        open_deadline = OpenDeadline(i, 7, d.kind, d.stage, d.due, NOW)
        for hours in (-10, -2, 0, 1, 20, 26, 50, 75, 100, 170):
            for action in due_actions(policy, open_deadline, frozenset(), d.due + timedelta(hours=hours)):
                found.setdefault(f"{action.key}:{action.number}", (policy.stage(d.stage), action))
    return list(found.values())


def every_letter(pid: str) -> list[tuple[str, str]]:
    """(what, words) for every letter kind this module composes, text and HTML, at every stage of one partnership."""
    policy = POLICIES[pid]
    ref = reference(policy)
    words: list[tuple[str, str]] = []
    for stage in policy.stages:
        for where in (directory(policy), directory(policy, [(CHALLENGED, "service_manager"), (CHALLENGED, "team_manager")])):
            for risk in (False, True):
                for kind, sent in compose(pid, stage=stage.number, where=where, immediate_risk=risk).items():
                    words += [(f"{kind} at stage {stage.number}", sent.text), (f"{kind} html", sent.html)]
                decision = decide(policy, notice(policy, stage.number, immediate_risk=risk), where, PRACTITIONER, NOW)
                for at_stage, action in reminders_and_chasers(policy, decision.deadlines):
                    for to_managers in (False, True):
                        context = chaser_context(ref, policy, at_stage, action, to_managers)
                        template = {"reminder": "manager/reminder", "chaser": "manager/chaser"}.get(action.kind)
                        if template is None:  # a move-on or an overrun: its reason goes to the business manager
                            template, context = "business_manager/needs-attention", {**context, "event": action.reason}
                        text, html = render(template, context)
                        words += [(f"{action.kind} {action.key}", text), (f"{action.kind} {action.key} html", html)]
    subject_word = "adult" if policy.protects == ("adult",) else "child"
    for word in {subject_word, "adult", "child"}:
        plain = {"reference": ref, "partnership": partnership_context(policy), "subject_word": word, "signposts": []}
        for template in ("practitioner/not-escalated", "practitioner/information-needed"):
            extra = {"problems": ["the date of birth"], "question": None, "understood": None, "blank_form": None}
            text, html = render(template, {**plain, **extra})
            words += [(template, text), (f"{template} html", html)]
    return words


@pytest.mark.parametrize("pid", PIDS)
def test_no_letter_says_an_internal_name_or_a_half_formatted_word(pid: str) -> None:
    found = [f"{what}: {problem}" for what, text in every_letter(pid) for problem in unreadable(text)]
    assert found == []


def test_the_guard_catches_what_people_were_sent() -> None:
    sent = (
        "Copy:service-manager-copy: monday 9 march 2026, 17:00. 0 working day(s) late. If a adult is at risk. "
        "stage_response. Raised by: None. {{ x }}"
    )
    assert len(unreadable(sent)) == 8


def test_a_copy_deadline_is_named_as_a_person_reads_it() -> None:
    policy = POLICIES["salford"]
    where = directory(policy, [(CHALLENGED, "service_manager")])
    decision = decide(policy, notice(policy), where, PRACTITIONER, NOW)
    copy = next(d for d in decision.deadlines if d.kind == "copy:service-manager-copy")
    assert deadline_label(policy, copy.kind, copy.stage) == "Copy of the notice to the service manager"
    [(_, chaser)] = [(s, a) for s, a in reminders_and_chasers(policy, [copy]) if a.kind == "chaser" and a.number == 1]
    assert chaser.reason.startswith("the copy of the notice to the service manager was due Thursday 12 March 2026, 17:00")


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        # Salford's working day closes at 17:00 (London); Friday 13 March 2026, Monday 16.
        (datetime(2026, 3, 10, 17, 0, tzinfo=UTC), datetime(2026, 3, 10, 17, 30, tzinfo=UTC), "late since 17:00 today"),
        (
            datetime(2026, 3, 10, 17, 0, tzinfo=UTC),
            datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
            "late since Tuesday 10 March 2026, 17:00",
        ),
        (datetime(2026, 3, 10, 17, 0, tzinfo=UTC), datetime(2026, 3, 11, 17, 0, tzinfo=UTC), "1 working day late"),
        (datetime(2026, 3, 10, 17, 0, tzinfo=UTC), datetime(2026, 3, 12, 10, 0, tzinfo=UTC), "1 working day late"),
        (datetime(2026, 3, 12, 17, 0, tzinfo=UTC), datetime(2026, 3, 17, 10, 0, tzinfo=UTC), "2 working days late"),
        (datetime(2026, 3, 10, 17, 0, tzinfo=UTC), datetime(2026, 3, 13, 17, 0, tzinfo=UTC), "3 working days late"),
        # Due at noon: that afternoon is late, but no whole working day yet.
        (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), datetime(2026, 3, 10, 17, 30, tzinfo=UTC), "late since 12:00 today"),
    ],
)
def test_lateness_counts_the_working_days_closed_since_the_deadline(due: datetime, now: datetime, expected: str) -> None:
    assert lateness(POLICIES["salford"], due, now) == expected


def test_a_chaser_more_than_a_day_late_says_how_many_working_days() -> None:
    policy = POLICIES["salford"]
    d = OpenDeadline(1, 7, "stage_response", 1, datetime(2026, 3, 10, 17, 0, tzinfo=UTC), NOW)
    [action] = due_actions(policy, d, frozenset(), datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    assert "(1 working day late)" in action.reason and "(s)" not in action.reason
    text, _ = render("manager/chaser", chaser_context(reference(policy), policy, policy.stage(1), action, False))
    assert "The stage 1 response was due Tuesday 10 March 2026, 17:00" in text


def test_the_last_stages_chaser_says_what_happens_instead_of_a_next_stage() -> None:
    # Barnet moves an unanswered stage on at once (no chasers); a partnership that chases first, then moves on:
    salford = POLICIES["salford"]
    policy = replace(salford, chasers=replace(salford.chasers, escalate_to="next_stage"))
    last = policy.stage(policy.last_stage)
    d = OpenDeadline(1, 7, "stage_response", last.number, datetime(2026, 3, 10, 17, 0, tzinfo=UTC), NOW)
    [action] = due_actions(policy, d, frozenset(), datetime(2026, 3, 10, 17, 0, tzinfo=UTC))
    text, html = render("manager/chaser", chaser_context(reference(policy), policy, last, action, False))
    assert "next stage" not in text + html
    assert "the business manager is told that the matter is unresolved" in text
    earlier = chaser_context(reference(policy), policy, policy.stage(1), action, False)
    assert "the matter moves to the next stage" in render("manager/chaser", earlier)[0]


@pytest.mark.parametrize("pid", ["salford", "bnes"])
def test_a_chaser_to_the_business_manager_does_not_warn_them_of_themselves(pid: str) -> None:
    policy = POLICIES[pid]
    d = OpenDeadline(1, 7, "stage_response", 1, datetime(2026, 3, 10, 17, 0, tzinfo=UTC), NOW)
    [action] = due_actions(policy, d, frozenset(), datetime(2026, 3, 10, 17, 0, tzinfo=UTC))
    text, html = render("manager/chaser", chaser_context(reference(policy), policy, policy.stage(1), action, True))
    assert "business manager" not in text + html and "after that" not in text + html
    assert "This is chaser 1 of" in text


@pytest.mark.parametrize("pid", PIDS)
def test_every_letter_inviting_a_reply_offers_the_words_for_its_stage(pid: str) -> None:
    policy = POLICIES[pid]
    for stage in policy.stages:
        sent = compose(pid, stage=stage.number)
        for kind in ("acknowledgement", "routed_case"):
            text, html = sent[kind].text, sent[kind].html
            assert '"Resolved" followed by the outcome: closes the case' in text, (kind, stage.number)
            assert "“Resolved” followed by the outcome: closes the case" in html, (kind, stage.number)
            last = stage.number == policy.last_stage
            onwards = (
                "moves the case up to the next level of this stage" if stage.levels > 1 else "moves the case to the next stage"
            )
            assert (onwards in text) != last, (kind, stage.number)
            assert ("unresolved at the policy's last stage" in text) == last, (kind, stage.number)


def test_a_letter_asking_for_words_of_ones_own_offers_no_command() -> None:
    policy = POLICIES["barnet"]
    context = stage_context(reference(policy), policy, policy.stage(4), what="x", request="Give the reasons.", reply_words=[])
    text, html = render("manager/overrun-reasons", context)
    assert "Start your reply with" not in text and '"Resolved" followed by' not in text
    assert "write your answer in your own words" in text and "write your answer in your own words" in html
