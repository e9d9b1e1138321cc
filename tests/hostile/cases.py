"""The hostile inbound messages: named families of generated cases, each with the outcome issue 12 requires.

A case is an id (``family-what-size``), a builder of what the attacker's SMTP
client sends, the set-up its database starts from (empty but for the
directory, or with case SAL-2026-0001 open), and the outcome required of it.
Where today's code does not yet do what issue 12 requires, ``defect`` names
the defect and the branch that fixes it: the test is a strict xfail until the
fix is merged, then it fails loudly and the marker comes off.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage

from tests.hostile.harness import (
    AWAITING,
    IGNORED,
    OPENED,
    QUARANTINED,
    RECORDED,
    REFUSED,
    REVIEW,
    Ctx,
    Delivery,
)
from tests.support import forms, office, pdfs
from tests.support.mail import DOCX, wire

PRACTITIONER = "a.khan@northside-health.example"
MANAGER = "lowri.dalby@childrens.salford.example"  # the challenged agency's line manager on SAL-2026-0001
BUSINESS_MANAGER = "business.manager@salford.example"
OTHER_AGENCY = "sami.cresswell@police.salford.example"  # in the directory, not a party to SAL-2026-0001
STRANGER = "attacker@evil.example"
MAILBOX = "escalations@salford.example"
CHILD = ("Jo", "Bloggs")  # the child named by every notice built here
REFERENCE = "SAL-2026-0001"

Build = Callable[[Ctx], Delivery]

# Who fixes what (issue 12's numbered defects), for the xfail reasons.
BRANCH = {1: "freeze", 2: "auth", 3: "documents", 4: "documents", 9: "delivery", 10: "limits"}
# Defects fixed on main: a case reproducing one of these must now pass outright.
FIXED = frozenset({1, 2, 3, 4, 9, 10})


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    build: Build
    outcome: str  # the required outcome class
    rule: str | None = None  # the required rule (a prefix of the inbound row's outcome or error), where fixed
    setup: str = "empty"  # "empty", "case" (SAL-2026-0001 open) or "leaflet-case"
    defect: int | None = None  # issue 12 defect that today's code still shows
    defect_on: tuple[str, ...] = ("sqlite", "postgres")  # backends on which the defect shows
    branch: str | None = None  # when no helper's branch is known to fix it
    isolate: bool = False  # today's code may run for minutes: the worker runs in a child killed at the bound
    automated: bool = False  # automated mail: never answered
    says: str | None = None  # for AWAITING: words the information-needed letter must contain
    alternatives: tuple[str, ...] = ()  # other acceptable outcomes (issue 12 leaves the choice open)
    notes: str = ""

    def xfail_reason(self, backend: str) -> str | None:
        if self.defect is None or self.defect in FIXED or backend not in self.defect_on:
            return None
        return f"issue 12 defect {self.defect}: fixed on branch {self.branch or BRANCH[self.defect]}"


# --- builders -------------------------------------------------------------------------------------------


def message(
    *,
    sender: str = PRACTITIONER,
    to: str = MAILBOX,
    display: str = "Practitioner",
    subject: str = "Escalation notice",
    body: str = "Please find the escalation notice attached.",
    html: str | None = None,
    attachments: tuple[tuple[bytes, str, str, str], ...] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"{display} <{sender}>" if display else sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = "Tue, 10 Mar 2026 09:58:00 +0000"
    mail["Message-ID"] = (
        message_id or f"<{random.Random(subject + body[:50] + sender).getrandbits(64):x}@{sender.split('@')[-1] or 'x.example'}>"
    )
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    for data, maintype, subtype, filename in attachments:
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail


def docx(data: bytes, filename: str = "escalation notice.docx") -> tuple[bytes, str, str, str]:
    return (data, DOCX[0], DOCX[1], filename)


def pdf(data: bytes, filename: str = "escalation notice.pdf") -> tuple[bytes, str, str, str]:
    return (data, "application", "pdf", filename)


def sent(make: Callable[[], EmailMessage], mail_from: str | None = None, rcpt: tuple[str, ...] = (MAILBOX,)) -> Build:
    """The message made when the case runs (making 240 messages up front would slow every test run)."""

    def build(ctx: Ctx) -> Delivery:
        mail = make()
        envelope = mail_from if mail_from is not None else _addr(str(mail["From"] or ""))
        return Delivery(wire(mail), envelope, rcpt)

    return build


def raw(
    make: Callable[[], bytes], mail_from: str = STRANGER, *, verbatim: bool = False, rcpt: tuple[str, ...] = (MAILBOX,)
) -> Build:
    return lambda ctx: Delivery(make(), mail_from, rcpt, verbatim)


def _addr(value: str) -> str:
    return value[value.rfind("<") + 1 : value.rfind(">")] if "<" in value else value


def headers_then(body: bytes, *header_lines: bytes) -> bytes:
    return b"\r\n".join(header_lines) + b"\r\n\r\n" + body


BASIC = (
    b"From: Practitioner <a.khan@northside-health.example>",
    b"To: escalations@salford.example",
    b"Date: Tue, 10 Mar 2026 09:58:00 +0000",
)

SALFORD_BODY = "\n".join(
    [
        "Name of Child/Young Person: Jo Bloggs",
        "D.O.B: 14/02/2017",
        "Information of concern: Jo has missed three health appointments and the referral was closed without a visit.",
        "Your name: Aisha Khan",
        "Your role: Health Visitor",
        "Your agency: Northside Health",
        "Your email: a.khan@northside-health.example",
        "Agency whose decision is challenged: Salford Children's Services",
        "Current stage: 2",
        "Is the child at immediate risk of significant harm? No",
        "Signed: Aisha Khan",
        "Dated: 05/03/2026",
    ]
)


@functools.cache
def salford_docx(**overrides: str | None) -> bytes:
    return forms.salford_notice(**overrides)


def later(make: Callable[[], Build]) -> Build:
    """A builder whose message is made only when the case runs (bombs and noise are slow to make)."""
    return lambda ctx: make()(ctx)


def good_notice(**kwargs: object) -> EmailMessage:
    return message(attachments=(docx(salford_docx()),), **kwargs)  # type: ignore[arg-type]


# --- set-ups ----------------------------------------------------------------------------------------------

LEAFLET = pdfs.pages_notice(1)  # a one-page "what happens next" leaflet that many senders attach


SETUPS: dict[str, tuple[Build, ...]] = {
    "empty": (),
    # SAL-2026-0001: Jo Bloggs, Northside Health challenging Salford Children's Services, stage 2, open.
    "case": (sent(lambda: good_notice(message_id="<setup-1@northside-health.example>")),),
    # The same, with the partnership's leaflet attached before the notice (defect 3).
    "leaflet-case": (
        sent(
            lambda: message(
                attachments=(pdf(LEAFLET, "what happens next.pdf"), docx(salford_docx())),
                message_id="<setup-2@northside-health.example>",
            )
        ),
    ),
    # A notice written in the email, with an empty attachment beside it (defect 3: two empty files matched).
    "empty-attachment-case": (
        sent(
            lambda: message(
                body=SALFORD_BODY, attachments=(docx(b"", "blank.docx"),), message_id="<setup-3@northside-health.example>"
            )
        ),
    ),
}


# --- the families -------------------------------------------------------------------------------------


def controls() -> Iterator[Case]:
    """Plain good notices: the suite fails if hostile handling breaks the ordinary path."""
    yield Case("control-salford-docx", "control", sent(lambda: good_notice()), OPENED, "new-notice")
    yield Case(
        "control-salford-pdf-acroform",
        "control",
        sent(lambda: message(attachments=(pdf(pdfs.acroform_notice()),))),
        OPENED,
        "new-notice",
    )
    yield Case("control-salford-body-only", "control", sent(lambda: message(body=SALFORD_BODY)), OPENED, "new-notice")
    yield Case(
        "control-salford-body-quoted-printable",
        "control",
        sent(lambda: _recoded(message(body=SALFORD_BODY + "\n" + "é" * 3), "quoted-printable")),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-salford-body-base64",
        "control",
        sent(lambda: _recoded(message(body=SALFORD_BODY), "base64")),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-salford-docx-with-logo",
        "control",
        sent(
            lambda: message(
                attachments=(("\x89PNG\r\n\x1a\n".encode() + bytes(64), "image", "png", "logo.png"), docx(salford_docx()))
            )
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-salford-uppercase-sender",
        "control",
        sent(lambda: good_notice(sender=PRACTITIONER.upper())),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-barnet-docx",
        "control",
        sent(
            lambda: message(
                sender="juno.prendergast@barnet-health.example",
                to="escalations@barnet.example",
                attachments=(docx(forms.barnet_notice()),),
            ),
            rcpt=("escalations@barnet.example",),
        ),
        OPENED,
        "new-notice",
        notes="a Barnet notice to the Barnet mailbox",
    )
    yield Case(
        "control-bury-children-docx",
        "control",
        sent(
            lambda: message(
                sender="h.visitor@bury-health.example",
                to="bsp@bury.example",
                attachments=(docx(forms.bury_children_notice(reference=None)),),
            ),
            rcpt=("bsp@bury.example",),
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-bury-adults-docx",
        "control",
        sent(
            lambda: message(
                sender="h.visitor@bury-health.example", to="bsp@bury.example", attachments=(docx(forms.bury_adults_notice()),)
            ),
            rcpt=("bsp@bury.example",),
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "control-notice-missing-dob",
        "control",
        sent(lambda: message(attachments=(docx(salford_docx(dob=None)),))),
        AWAITING,
        "awaiting-information",
        says="date of birth",
    )
    yield Case(
        "control-reply-from-challenged-manager",
        "control",
        sent(
            lambda: message(
                sender=MANAGER, subject=f"RE: [{REFERENCE}] Escalation", body="We will visit tomorrow and call you after."
            )
        ),
        RECORDED,
        "correspondence",
        setup="case",
    )
    yield Case("control-unknown-sender-notice", "control", sent(lambda: good_notice(sender=STRANGER)), REVIEW, "unknown-sender")


def _recoded(mail: EmailMessage, encoding: str) -> EmailMessage:
    body = mail.get_content()
    mail.set_content(body, cte=encoding)
    return mail


def mime() -> Iterator[Case]:
    """Malformed MIME: missing sections, broken structure, bad encodings, header bombs."""
    yield Case(
        "mime-no-headers", "mime", raw(lambda: b"\r\njust a body, no header section at all\r\n"), QUARANTINED, "MalformedMessage"
    )
    yield Case(
        "mime-binary-garbage-4k",
        "mime",
        raw(lambda: _lines(random.Random(1).randbytes(4096).replace(b"\r", b"").replace(b"\n", b""))),
        QUARANTINED,
        "MalformedMessage",
    )
    yield Case(
        "mime-headers-only",
        "mime",
        raw(lambda: b"\r\n".join(BASIC) + b"\r\nSubject: nothing else\r\n"),
        AWAITING,
        "awaiting-information",
        says="No escalation notice was attached",
    )
    yield Case(
        "mime-header-without-colon",
        "mime",
        raw(lambda: headers_then(b"hello", b"this is not a header", *BASIC)),
        QUARANTINED,
        "MalformedMessage",
    )
    for name, boundary_header, body in (
        (
            "never-closed",
            b'Content-Type: multipart/mixed; boundary="never-closed"',
            b"--never-closed\r\nContent-Type: text/plain\r\n\r\n" + SALFORD_BODY.encode() + b"\r\n",
        ),
        ("missing-parameter", b"Content-Type: multipart/mixed", b"--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"),
        (
            "wrong-boundary",
            b'Content-Type: multipart/mixed; boundary="aaa"',
            b"--bbb\r\nContent-Type: text/plain\r\n\r\n" + SALFORD_BODY.encode() + b"\r\n--bbb--\r\n",
        ),
        (
            "empty-boundary",
            b'Content-Type: multipart/mixed; boundary=""',
            b"--\r\nContent-Type: text/plain\r\n\r\nhello\r\n----\r\n",
        ),
        (
            "boundary-in-body",
            b'Content-Type: multipart/mixed; boundary="b"',
            b"--b\r\nContent-Type: text/plain\r\n\r\n--b is how lines start\r\n--bb\r\n--b--\r\n",
        ),
        ("no-parts", b'Content-Type: multipart/mixed; boundary="b"', b"--b--\r\n"),
        ("preamble-only", b'Content-Type: multipart/mixed; boundary="b"', b"this is a preamble and nothing else\r\n"),
    ):
        yield Case(
            f"mime-boundary-{name}",
            "mime",
            raw(
                lambda body=body, boundary_header=boundary_header: headers_then(
                    body, *BASIC, b"Subject: Escalation notice", b"MIME-Version: 1.0", boundary_header
                ),
                PRACTITIONER,
            ),
            AWAITING
            if name in ("missing-parameter", "empty-boundary", "boundary-in-body", "no-parts", "preamble-only")
            else OPENED,
            alternatives=(AWAITING, OPENED),
        )
    for count, outcome in ((150, OPENED), (205, QUARANTINED), (300, QUARANTINED)):
        yield Case(
            f"mime-parts-{count}",
            "mime",
            raw(lambda count=count: _many_parts(count), PRACTITIONER),
            outcome,
            None if outcome == OPENED else "MalformedMessage",
        )
    for depth in (20, 150, 500):
        yield Case(
            f"mime-nested-depth-{depth}",
            "mime",
            raw(lambda depth=depth: _nested(depth), PRACTITIONER),
            QUARANTINED if depth > 199 else AWAITING,
            "MalformedMessage" if depth > 199 else None,
        )
    yield Case(
        "mime-bad-base64-attachment",
        "mime",
        raw(lambda: _single_attachment(b"@@@ not base64 !!! ===\r\n" * 20, "base64"), PRACTITIONER),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "mime-truncated-base64-docx",
        "mime",
        raw(lambda: _single_attachment(_lines(base64.b64encode(salford_docx())[:3001]), "base64"), PRACTITIONER),
        AWAITING,
        "awaiting-information",
        says="could not be read",
    )
    yield Case(
        "mime-bad-quoted-printable-body",
        "mime",
        raw(
            lambda: headers_then(
                b"Name of Child/Young Person: Jo =ZZ=4 Bloggs=\r\n=\r\n=3",
                *BASIC,
                b"Subject: x",
                b"Content-Transfer-Encoding: quoted-printable",
            ),
            PRACTITIONER,
        ),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "mime-unknown-transfer-encoding",
        "mime",
        raw(
            lambda: headers_then(SALFORD_BODY.encode(), *BASIC, b"Subject: x", b"Content-Transfer-Encoding: x-klingon"),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    for charset in ("x-unknown-charset", "utf-7", "utf-16", "iso-2022-jp", 'bogus"; name=evil'):
        yield Case(
            f"mime-charset-{charset.split(chr(34))[0]}",
            "mime",
            raw(
                lambda charset=charset: headers_then(
                    SALFORD_BODY.encode(),
                    *BASIC,
                    b"Subject: x",
                    b"MIME-Version: 1.0",
                    b"Content-Type: text/plain; charset=" + charset.encode(),
                ),
                PRACTITIONER,
            ),
            OPENED if charset in ("x-unknown-charset", 'bogus"; name=evil', "iso-2022-jp", "utf-7") else AWAITING,
            alternatives=(OPENED, AWAITING),
        )
    yield Case(
        "mime-8bit-latin1-headers",
        "mime",
        raw(lambda: headers_then(b"hello", *BASIC, b"Subject: Jos\xe9 \xff\xfe escalation"), STRANGER),
        AWAITING,
        "awaiting-information",
    )
    for words in (200, 3000):
        yield Case(
            f"mime-encoded-word-bomb-subject-{words}",
            "mime",
            raw(
                lambda words=words: headers_then(b"hello", *BASIC, b"Subject: " + b"\r\n ".join([b"=?utf-8?q?=41?="] * words)),
                STRANGER,
            ),
            AWAITING,
            "awaiting-information",
        )
        yield Case(
            f"mime-encoded-word-bomb-from-{words}",
            "mime",
            raw(
                lambda words=words: headers_then(
                    b"hello",
                    b"From: " + b"\r\n ".join([b"=?utf-8?b?QQ==?="] * words) + b" <attacker@evil.example>",
                    b"To: escalations@salford.example",
                    b"Subject: x",
                ),
                STRANGER,
            ),
            REVIEW,
            "unknown-sender",
        )
    yield Case("mime-rfc2231-filename-bomb", "mime", raw(lambda: _rfc2231_bomb(1000), PRACTITIONER), OPENED, "new-notice")
    yield Case(
        "mime-huge-folded-subject-100k",
        "mime",
        raw(lambda: headers_then(b"hello", *BASIC, b"Subject: " + b"\r\n ".join([b"word" * 15] * 1700)), STRANGER),
        AWAITING,
        "awaiting-information",
        isolate=True,
    )
    yield Case(
        "mime-header-count-2000",
        "mime",
        raw(lambda: headers_then(b"hello", *BASIC, b"Subject: x", *[b"X-Junk-%d: value" % i for i in range(2000)]), STRANGER),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "mime-header-count-20000",
        "mime",
        raw(lambda: headers_then(b"hello", *BASIC, b"Subject: x", *[b"X-Junk-%d: value" % i for i in range(20000)]), STRANGER),
        AWAITING,
        defect=1,
        branch="freeze, probably (header caps and the budget)",
        isolate=True,
        alternatives=(AWAITING, QUARANTINED),
        notes="intake.mime._headers looks each header up by name again: quadratic in the number of headers",
    )
    yield Case(
        "mime-duplicate-subject",
        "mime",
        raw(lambda: headers_then(b"hello", *BASIC, b"Subject: one", b"Subject: [SAL-2026-0001] two"), STRANGER),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "mime-duplicate-message-id",
        "mime",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(), *BASIC, b"Subject: x", b"Message-ID: <one@x.example>", b"Message-ID: <two@x.example>"
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "mime-duplicate-content-type",
        "mime",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(), *BASIC, b"Subject: x", b"Content-Type: text/html", b"Content-Type: text/plain"
            ),
            PRACTITIONER,
        ),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "mime-garbage-content-type",
        "mime",
        raw(
            lambda: headers_then(SALFORD_BODY.encode(), *BASIC, b"Subject: x", b"Content-Type: ;;;/;;; boundary==="), PRACTITIONER
        ),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "mime-garbage-date",
        "mime",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: a.khan@northside-health.example",
                b"To: escalations@salford.example",
                b"Date: Thu, 99 Foo 99999 99:99:99 +9999",
                b"Subject: x",
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    for count in (50, 10_000):
        yield Case(
            f"mime-references-{count}",
            "mime",
            raw(
                lambda count=count: headers_then(
                    b"hello",
                    *BASIC,
                    b"Subject: x",
                    b"References: " + b"\r\n ".join(b"<r%d@evil.example>" % i for i in range(count)),
                ),
                PRACTITIONER,
            ),
            AWAITING,
            "awaiting-information",
            defect=1 if count > 100 else None,
            branch="freeze (References capped)",
            isolate=count > 100,
            notes="one database query per Message-ID in References: 2-12 s for 2,000 here (a 50 KB header); a budget or a cap bounds it",
        )
    yield Case(
        "mime-forwarded-message-rfc822", "mime", sent(lambda: _forwarded(good_notice())), OPENED, alternatives=(OPENED, AWAITING)
    )
    yield Case(
        "mime-nul-in-body",
        "mime",
        raw(
            lambda: headers_then(SALFORD_BODY.encode().replace(b"Jo Bloggs", b"Jo\x00 Bloggs"), *BASIC, b"Subject: x"),
            PRACTITIONER,
        ),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )


def _many_parts(count: int) -> bytes:
    """A notice and ``count - 3`` tiny attachments: ``count`` MIME parts with the container and the text."""
    notice = (
        b"--b\r\nContent-Type: " + "/".join(DOCX).encode() + b'\r\nContent-Disposition: attachment; filename="notice.docx"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _lines(base64.b64encode(salford_docx())) + b"\r\n"
    )
    tiny = b"".join(
        b'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="part%d.bin"\r\n\r\nx\r\n'
        % i
        for i in range(count - 3)
    )
    return headers_then(
        b"--b\r\nContent-Type: text/plain\r\n\r\nNotice attached.\r\n" + notice + tiny + b"--b--\r\n",
        *BASIC,
        b"Subject: Escalation notice",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b"',
    )


def _nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for level in range(depth):
        b = b"n%d" % level
        body = b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n" + body + b"--" + b + b"--\r\n"
    return b"\r\n".join(BASIC) + b"\r\nSubject: nested\r\nMIME-Version: 1.0\r\n" + body


def _lines(data: bytes, width: int = 76) -> bytes:
    """Bytes cut into CRLF lines, as SMTP carries them."""
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"")
    return b"\r\n".join(data[i : i + width] for i in range(0, len(data), width))


def _single_attachment(payload: bytes, encoding: str) -> bytes:
    return headers_then(
        b"--b\r\nContent-Type: text/plain\r\n\r\nNotice attached.\r\n--b\r\nContent-Type: "
        + "/".join(DOCX).encode()
        + b'\r\nContent-Disposition: attachment; filename="notice.docx"\r\nContent-Transfer-Encoding: '
        + encoding.encode()
        + b"\r\n\r\n"
        + payload
        + b"\r\n--b--\r\n",
        *BASIC,
        b"Subject: Escalation notice",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b"',
    )


def _rfc2231_bomb(pieces: int) -> bytes:
    params = b"".join(
        b";\r\n filename*%d*=utf-8''%%41%%42" % i if i == 0 else b";\r\n filename*%d*=%%41%%42" % i for i in range(pieces)
    )
    attachment = _lines(base64.b64encode(salford_docx()))
    return headers_then(
        b"--b\r\nContent-Type: text/plain\r\n\r\nNotice attached.\r\n--b\r\nContent-Type: "
        + "/".join(DOCX).encode()
        + b"\r\nContent-Disposition: attachment"
        + params
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + attachment
        + b"\r\n--b--\r\n",
        *BASIC,
        b"Subject: Escalation notice",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b"',
    )


def _forwarded(inner: EmailMessage) -> EmailMessage:
    outer = message(body="Forwarding the notice below.")
    outer.add_attachment(inner)
    return outer


def html_and_text() -> Iterator[Case]:
    """Pathological HTML and text: the regular expressions of defect 1 and their neighbours."""

    def html_only(markup: str, sender: str = STRANGER) -> Build:
        def make() -> EmailMessage:
            mail = message(sender=sender, body="")
            mail.set_content(markup, subtype="html")
            return mail

        return sent(make)

    # Defect 1: body_text's <(script|style).*?</\1> scans to the end from every unclosed tag.
    for tag, kb in (("script", 300), ("style", 300)):
        yield Case(
            f"html-unclosed-{tag.lower()}-runs-{kb}k",
            "html",
            html_only(f"<{tag}>" * (kb * 1024 // (len(tag) + 2))),
            REVIEW,
            "unknown-sender",
            defect=1,
            isolate=True,
        )
    yield Case(
        "html-unclosed-script-runs-8k",
        "html",
        html_only("<script>" * 1000),
        REVIEW,
        "unknown-sender",
        notes="small enough that today's quadratic cost is still under a second",
    )
    yield Case("html-closed-scripts-10k", "html", html_only("<script>x</script>" * 10_000), REVIEW, "unknown-sender")
    yield Case(
        "html-megabyte-attribute",
        "html",
        later(lambda: html_only('<a href="' + "x" * 1_000_000 + '">click</a>')),
        REVIEW,
        "unknown-sender",
    )
    yield Case("html-unclosed-attribute-quote", "html", html_only('<p title="' + "y" * 200_000), REVIEW, "unknown-sender")
    yield Case("html-nested-divs-50k", "html", html_only("<div>" * 50_000 + "x" + "</div>" * 50_000), REVIEW, "unknown-sender")
    yield Case("html-unclosed-comment", "html", html_only("<!--" + "a" * 200_000), REVIEW, "unknown-sender")
    yield Case("html-entity-flood", "html", html_only("&amp;" * 100_000 + "&#x10FFFF;&#0;&#xD800;"), REVIEW, "unknown-sender")
    yield Case("html-many-br", "html", html_only("<br>" * 100_000), REVIEW, "unknown-sender")
    yield Case(
        "html-lt-run",
        "html",
        html_only("<" * 300_000),
        REVIEW,
        "unknown-sender",
        defect=1,
        isolate=True,
        notes="body_text's <[^>]+> from every '<' of a run with no '>': quadratic (516 s here)",
    )
    yield Case(
        "html-notice-from-practitioner",
        "html",
        html_only(
            "<html><body>" + "".join(f"<p>{line}</p>" for line in SALFORD_BODY.splitlines()) + "</body></html>", PRACTITIONER
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "html-notice-with-unclosed-style",
        "html",
        html_only("<style>" * 40_000 + "".join(f"<p>{line}</p>" for line in SALFORD_BODY.splitlines()), PRACTITIONER),
        AWAITING,
        defect=1,
        isolate=True,
        alternatives=(AWAITING, OPENED),
        notes="the notice follows an unclosed <style>: whatever is read, it is read in bounded time",
    )

    def body_field(label: str, value: str, sender: str = PRACTITIONER) -> Build:
        return sent(
            lambda: message(
                sender=sender, body=SALFORD_BODY.replace("Your email: a.khan@northside-health.example", f"{label}: {value}")
            )
        )

    # Defect 1: clean_email's _EMAIL_IN_TEXT from every position of a long address-like run.
    yield Case(
        "text-address-like-run-60k",
        "text",
        body_field("Your email", "a" * 60_000),
        OPENED,
        defect=1,
        isolate=True,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "text-address-like-dots-60k",
        "text",
        body_field("Your email", "a." * 30_000 + "@"),
        OPENED,
        defect=1,
        isolate=True,
        alternatives=(OPENED, AWAITING),
    )
    yield Case("text-address-like-run-2k", "text", body_field("Your email", "a" * 2_000), OPENED, alternatives=(OPENED, AWAITING))
    yield Case("text-many-at-signs-90k", "text", body_field("Your email", "@" * 90_000), OPENED, alternatives=(OPENED, AWAITING))
    yield Case("text-at-pairs-40k", "text", body_field("Your email", "a@" * 40_000), OPENED, alternatives=(OPENED, AWAITING))
    yield Case(
        "text-phone-paren-run-60k",
        "text",
        body_field("Telephone", "(" * 60_000),
        OPENED,
        isolate=True,
        alternatives=(OPENED, AWAITING),
        defect=1,
        branch="freeze",
        notes="clean_phone's [\\d(][\\d\\s().\\-]{7,}\\d from every '(' of a run with no digit: the same quadratic shape",
    )
    yield Case(
        "text-long-whitespace-run",
        "text",
        body_field("Name of Child/Young Person", " " * 90_000 + "Jo Bloggs"),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "text-immediate-risk-whitespace-run",
        "text",
        body_field("Is the child at immediate risk of significant harm?", "N" + " \t" * 30_000 + "o"),
        AWAITING,
        isolate=True,
        defect=1,
        branch="freeze",
        alternatives=(AWAITING, OPENED),
        notes="parse_yes_no's \\s*yes… searched from every position of a whitespace run: quadratic",
    )
    yield Case("text-long-dots-leader", "text", body_field("Signed", "." * 90_000), OPENED, alternatives=(OPENED, AWAITING))
    yield Case("text-dates-flood", "text", body_field("Dated", "01/01/2001 " * 8_000), OPENED, alternatives=(OPENED, AWAITING))
    yield Case(
        "text-body-over-the-read-limit",
        "text",
        sent(lambda: message(body=SALFORD_BODY + "\n" + ("filler line of the body\n" * 8_000))),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "text-100k-short-lines",
        "text",
        sent(lambda: message(sender=STRANGER, body="x\n" * 100_000)),
        REVIEW,
        "unknown-sender",
        defect=1,
        branch="freeze, probably (the per-message budget)",
        isolate=True,
        alternatives=(REVIEW, QUARANTINED),
        notes="linear, but ~0.4 ms a line of label matching in the worker: 20 s for one 200 KB email; a per-message budget bounds it",
    )
    yield Case(
        "text-5k-short-lines", "text", sent(lambda: message(sender=STRANGER, body="x\n" * 5_000)), REVIEW, "unknown-sender"
    )
    yield Case(
        "text-many-labels",
        "text",
        sent(lambda: message(body="\n".join(f"Name of Child/Young Person: Child {i}" for i in range(3000)))),
        AWAITING,
        alternatives=(AWAITING, OPENED),
    )
    yield Case(
        "text-bidi-and-zero-width",
        "text",
        sent(lambda: message(body=SALFORD_BODY.replace("Jo Bloggs", "Jo\u200b Blo\u202eggs\u2066"))),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "text-quoted-history-flood",
        "text",
        sent(
            lambda: message(sender=MANAGER, subject=f"RE: [{REFERENCE}] Escalation", body="Noted.\n" + "> quoted line\n" * 50_000)
        ),
        RECORDED,
        "correspondence",
        setup="case",
    )


def addresses() -> Iterator[Case]:
    """Who the mail says it is from: forged, disguised, doubled, empty, international."""
    yield Case(
        "addr-forged-business-manager-notice",
        "addresses",
        sent(lambda: good_notice(sender=BUSINESS_MANAGER), mail_from=STRANGER),
        OPENED,
        notes="a new notice needs no authentication in issue 12; moving a case does (see commands)",
    )
    yield Case(
        "addr-display-name-is-a-directory-address",
        "addresses",
        sent(lambda: good_notice(sender=STRANGER, display=PRACTITIONER)),
        REVIEW,
        "unknown-sender",
        defect=2,
        branch="none yet",
        notes="the header is written unquoted by the sender's program; parseaddr takes the display name's address",
    )
    yield Case(
        "addr-display-name-angle-trick",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b'From: "a.khan@northside-health.example <a.khan@northside-health.example>" <attacker@evil.example>',
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-two-from-headers",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: attacker@evil.example",
                b"From: a.khan@northside-health.example",
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-two-addresses-in-from",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: attacker@evil.example, a.khan@northside-health.example",
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-empty-from",
        "addresses",
        raw(lambda: headers_then(SALFORD_BODY.encode(), b"From: ", b"To: escalations@salford.example", b"Subject: notice")),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-no-from",
        "addresses",
        raw(lambda: headers_then(SALFORD_BODY.encode(), b"To: escalations@salford.example", b"Subject: notice")),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-group-syntax-from",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(), b"From: undisclosed-recipients:;", b"To: escalations@salford.example", b"Subject: notice"
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-idn-utf8-domain",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                "From: Practitioner <a.khan@northside-heälth.example>".encode(),
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-utf8-local-part-in-agency",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                "From: Practitioner <jö.khan@northside-health.example>".encode(),
                b"To: escalations@salford.example",
                b"Subject: notice",
            ),
            "jo.khan@northside-health.example",
        ),
        OPENED,
        alternatives=(OPENED, REVIEW),
    )
    yield Case(
        "addr-punycode-lookalike",
        "addresses",
        sent(lambda: good_notice(sender="a.khan@xn--northside-hlth-1kb.example")),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-lookalike-digit",
        "addresses",
        sent(lambda: good_notice(sender="a.khan@northside-hea1th.example")),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-quoted-local-with-at",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b'From: "a.khan@northside-health.example"@evil.example',
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-comment-in-address",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: attacker(a.khan@northside-health.example)@evil.example",
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-encoded-word-hides-address",
        "addresses",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: =?utf-8?q?a=2Ekhan=40northside-health=2Eexample?= <attacker@evil.example>",
                b"To: escalations@salford.example",
                b"Subject: notice",
            )
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-huge-display-name",
        "addresses",
        sent(lambda: good_notice(sender=STRANGER, display="Name " * 4_000)),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "addr-reply-to-attacker",
        "addresses",
        sent(lambda: good_notice(headers={"Reply-To": STRANGER})),
        OPENED,
        "new-notice",
        notes="the acknowledgement goes to the From address, never Reply-To (checked below)",
    )
    yield Case(
        "addr-many-recipients-header",
        "addresses",
        sent(lambda: good_notice(sender=STRANGER, headers={"Cc": ", ".join(f"x{i}@evil.example" for i in range(500))})),
        REVIEW,
        "unknown-sender",
    )
    yield Case("addr-rcpt-not-our-mailbox", "addresses", sent(lambda: good_notice(), rcpt=("victim@elsewhere.example",)), REFUSED)
    yield Case(
        "addr-rcpt-our-domain-other-box", "addresses", sent(lambda: good_notice(), rcpt=("postmaster@salford.example",)), REFUSED
    )
    yield Case(
        "addr-rcpt-mixed",
        "addresses",
        sent(lambda: good_notice(), rcpt=("victim@elsewhere.example", MAILBOX)),
        OPENED,
        "new-notice",
    )
    yield Case(
        "addr-subdomain-of-agency-notice",
        "addresses",
        sent(lambda: good_notice(sender="x@evil.northside-health.example")),
        OPENED,
        alternatives=(OPENED, REVIEW),
        defect=None,
        notes="subdomains count only when the directory says so (issue 12); either a new case or review is acceptable for a notice",
    )


def smtp() -> Iterator[Case]:
    """Refused in the SMTP dialogue: nothing stored, the sending server keeps the message and says why."""
    notice = lambda: wire(good_notice())  # noqa: E731
    yield Case(
        "smtp-declared-size-over-the-limit",
        "smtp",
        lambda ctx: Delivery(notice(), PRACTITIONER, mail_options=("SIZE=999999999",)),
        REFUSED,
    )
    yield Case("smtp-mail-from-garbage", "smtp", lambda ctx: Delivery(notice(), mail_command="MAIL FROM:<<<@>>> junk"), REFUSED)
    yield Case("smtp-rcpt-source-route", "smtp", sent(good_notice, rcpt=("@salford.example:victim@elsewhere.example",)), REFUSED)
    yield Case("smtp-rcpt-percent-hack", "smtp", sent(good_notice, rcpt=("victim%elsewhere.example@salford.example",)), REFUSED)
    yield Case("smtp-rcpt-our-mailbox-with-a-plus", "smtp", sent(good_notice, rcpt=("escalations+x@salford.example",)), REFUSED)


COMMANDS = (
    ("resolved", "Resolved - no further action"),
    ("escalate", "Escalate: we still disagree"),
    ("withdraw", "Withdraw"),
    ("unresolved", "Unresolved, please move to stage 3"),
)


def commands() -> Iterator[Case]:
    """Commands in replies from people not authenticated: none may move the case (defect 2, fixed by the auth branch)."""
    for word, body in COMMANDS:
        # A stranger forging the From of the challenged manager, with the real reference in the subject.
        yield Case(
            f"command-{word}-forged-manager-from-subject-ref",
            "commands",
            sent(
                lambda body=body: message(sender=MANAGER, subject=f"RE: [{REFERENCE}] Escalation", body=body), mail_from=STRANGER
            ),
            REVIEW,
            setup="case",
        )
        yield Case(
            f"command-{word}-forged-business-manager",
            "commands",
            sent(
                lambda body=body: message(sender=BUSINESS_MANAGER, subject=f"RE: [{REFERENCE}] Escalation", body=body),
                mail_from=STRANGER,
            ),
            REVIEW,
            setup="case",
        )
        # The stranger's own address, the real reference in the subject: held as an outsider today.
        yield Case(
            f"command-{word}-stranger-subject-ref",
            "commands",
            sent(lambda body=body: message(sender=STRANGER, subject=f"RE: [{REFERENCE}] Escalation", body=body)),
            REVIEW,
            "reference-from-outsider",
            setup="case",
        )
        # A forged In-Reply-To of our real routed-case message, from a stranger.
        yield Case(
            f"command-{word}-stranger-forged-in-reply-to",
            "commands",
            _replying(STRANGER, body, forged_from=None),
            REVIEW,
            "reference-from-outsider",
            setup="case",
        )
        # Someone in the directory but no party to the case, answering our Message-ID (a forwarded thread).
        yield Case(
            f"command-{word}-directory-outsider-in-reply-to",
            "commands",
            _replying(OTHER_AGENCY, body, forged_from=None),
            REVIEW,
            setup="case",
        )
        # Any address at a subdomain of a party's agency domain.
        yield Case(
            f"command-{word}-agency-subdomain-sender",
            "commands",
            sent(
                lambda body=body: message(
                    sender="anyone@evil.childrens.salford.example", subject=f"RE: [{REFERENCE}] Escalation", body=body
                )
            ),
            REVIEW,
            setup="case",
        )
        # The reference only in the body.
        yield Case(
            f"command-{word}-forged-manager-body-ref",
            "commands",
            sent(
                lambda body=body: message(sender=MANAGER, subject="RE: Escalation", body=f"{body}\n\nCase {REFERENCE}"),
                mail_from=STRANGER,
            ),
            REVIEW,
            setup="case",
        )
    yield Case(
        "command-panel-forged-chair",
        "commands",
        sent(
            lambda body=body: message(sender=BUSINESS_MANAGER, subject=f"RE: [{REFERENCE}] Escalation", body="Panel"),
            mail_from=STRANGER,
        ),
        REVIEW,
        setup="case",
        alternatives=(REVIEW, RECORDED),
        notes="Panel has no meaning at Salford stage 2: at most recorded, never moving the case",
    )
    yield Case(
        "command-resolved-unknown-reference",
        "commands",
        sent(
            lambda body=body: message(sender=MANAGER, subject="RE: [SAL-2026-0999] Escalation", body="Resolved"),
            mail_from=STRANGER,
        ),
        REVIEW,
        "unknown-reference",
        setup="case",
    )
    yield Case(
        "command-resolved-forged-our-message-id-mac",
        "commands",
        lambda ctx: Delivery(
            wire(
                message(
                    sender=STRANGER,
                    subject="RE: Escalation",
                    body="Resolved",
                    headers={"In-Reply-To": f"<sal-2026-0001.0000000000.{'0' * 16}@{ctx.domain}>"},
                )
            ),
            STRANGER,
        ),
        REVIEW,
        setup="case",
        alternatives=(REVIEW, AWAITING),
        notes="a Message-ID in our form with a wrong MAC names no case",
    )


def _replying(sender: str, body: str, forged_from: str | None) -> Build:
    def build(ctx: Ctx) -> Delivery:
        routed = ctx.sent_message_ids[-1]
        mail = message(sender=sender, subject="RE: Escalation", body=body, headers={"In-Reply-To": routed, "References": routed})
        return Delivery(wire(mail), forged_from or sender)

    return build


def automated() -> Iterator[Case]:
    """Automated mail is recorded and never answered; none of it counts as a response."""
    reply = f"RE: [{REFERENCE}] Escalation"

    def auto(
        case_id: str,
        outcome: str,
        rule: str | None = None,
        defect: int | None = None,
        sender: str = MANAGER,
        subject: str = reply,
        body: str = "I am away.",
        mail_from: str | None = None,
        **headers: str,
    ) -> Case:
        fields = {k.replace("_", "-"): v for k, v in headers.items()}
        make = lambda: message(sender=sender, subject=subject, body=body, headers=fields)  # noqa: E731
        return Case(
            case_id, "automated", sent(make, mail_from=mail_from), outcome, rule, setup="case", defect=defect, automated=True
        )

    yield auto("auto-submitted-auto-replied", IGNORED, "screening:auto-submitted", Auto_Submitted="auto-replied")
    yield auto("auto-submitted-auto-generated", IGNORED, "screening:auto-submitted", Auto_Submitted="auto-generated")
    yield auto("auto-precedence-bulk", IGNORED, "screening:precedence", Precedence="bulk")
    yield auto("auto-precedence-junk", IGNORED, "screening:precedence", Precedence="junk")
    yield auto("auto-precedence-auto-reply", IGNORED, "screening:precedence", Precedence="auto_reply")
    yield auto("auto-list-id", IGNORED, "screening:mailing-list", List_Id="<safeguarding.lists.example>")
    yield auto("auto-x-autoreply", IGNORED, "screening:auto-reply", X_Autoreply="yes")
    yield auto("auto-exchange-inbox-rule", IGNORED, "screening:auto-reply", X_MS_Exchange_Inbox_Rules_Loop=MANAGER)
    yield auto("auto-subject-automatic-reply", IGNORED, "screening:auto-reply", subject=f"Automatic reply: {reply}")
    yield auto("auto-subject-out-of-office", IGNORED, "screening:auto-reply", subject=f"Out of Office: {reply}")
    yield auto("auto-subject-german", IGNORED, "screening:auto-reply", subject=f"Abwesenheitsnotiz: {reply}")
    yield auto("auto-subject-french", IGNORED, "screening:auto-reply", subject=f"Réponse automatique : {reply}")
    yield auto("auto-null-sender-bounce", IGNORED, "screening:null-sender", mail_from="")
    yield auto("auto-mailer-daemon-from", IGNORED, "screening:daemon-sender", sender="MAILER-DAEMON@mx.childrens.salford.example")
    yield auto("auto-noreply-from", IGNORED, "screening:daemon-sender", sender="no-reply@childrens.salford.example")
    yield auto("auto-our-origin-header", IGNORED, "screening:own-mail", X_Escalations_Origin="salford")
    yield auto("auto-from-our-own-address", IGNORED, "screening:own-mail", sender="escalations@partnership.example")
    yield Case(
        "auto-dsn-multipart-report", "automated", raw(lambda: _dsn(), ""), IGNORED, "screening:", setup="case", automated=True
    )
    yield Case(
        "auto-our-message-id-came-back",
        "automated",
        _our_mail_back(),
        IGNORED,
        "screening:own-mail",
        setup="case",
        automated=True,
    )
    yield Case(
        "auto-loop-our-acknowledgement-quoted",
        "automated",
        sent(
            lambda: message(
                sender=MANAGER,
                subject=reply,
                body="Thank you",
                headers={"Auto-Submitted": "auto-replied", "X-Escalations-Origin": "salford"},
            )
        ),
        IGNORED,
        "screening:",
        setup="case",
        automated=True,
    )
    # Defect 9 (fixed by the delivery branch): without the standard headers these counted as the stage's response.
    yield auto(
        "auto-ooo-no-headers-english",
        IGNORED,
        body="I am out of the office until Monday 16 March with no access to email. For urgent matters contact the duty desk.",
    )
    yield auto("auto-ooo-no-headers-dutch-subject", IGNORED, subject=f"Automatisch antwoord: {reply}", body="Ik ben afwezig.")
    yield auto(
        "auto-ooo-no-headers-spanish-subject",
        IGNORED,
        subject=f"Respuesta automática: {reply}",
        body="Estoy fuera de la oficina.",
    )
    yield auto(
        "auto-ooo-exchange-suppress-header-only",
        IGNORED,
        X_Auto_Response_Suppress="All",
        body="I am currently out of the office.",
    )
    yield auto(
        "auto-exchange-plain-text-bounce",
        IGNORED,
        sender="MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@childrens.salford.example",
        subject=f"Undeliverable: {reply}",
        body="Delivery has failed to these recipients or groups:\n\nlowri.dalby@childrens.salford.example\n"
        "The email address you entered couldn't be found.\n\nDiagnostic information for administrators:\n"
        "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
    )
    yield auto(
        "auto-gmail-style-bounce-no-headers",
        IGNORED,
        sender="mail-noreply@childrens.salford.example",
        subject=f"Delivery Status Notification (Failure) {reply}",
        body="Address not found\n\nYour message wasn't delivered to x@childrens.salford.example because the address couldn't be found.",
    )


def _dsn() -> bytes:
    """An RFC 3464 delivery status notification, as a mail server sends it."""
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.childrens.salford.example>\r\nTo: escalations@salford.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender [SAL-2026-0001]\r\nMessage-ID: <dsn-1@mx.childrens.salford.example>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.childrens.salford.example\r\n\r\n"
        b"Final-Recipient: rfc822; x@childrens.salford.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--r--\r\n"
    )


def _our_mail_back() -> Build:
    def build(ctx: Ctx) -> Delivery:
        ours = ctx.sent_message_ids[0]
        mail = message(
            sender=MANAGER,
            subject=f"[{REFERENCE}] Escalation notice received",
            body="(our acknowledgement, looped back)",
            message_id=ours,
        )
        return Delivery(wire(mail), MANAGER)

    return build


def injection() -> Iterator[Case]:
    """CR/LF and NUL in the headers we read and reuse (defect 10)."""

    def with_header(name: bytes, value: bytes, sender: str = PRACTITIONER, body: bytes = SALFORD_BODY.encode()) -> Build:
        headers = [h for h in BASIC if not h.lower().startswith(name.lower() + b":")]
        return raw(lambda: headers_then(body, *headers, b"Subject: Escalation notice", name + b": " + value), sender)

    # A folded Message-ID keeps its CR LF: the acknowledgement's In-Reply-To raises today.
    yield Case(
        "inject-crlf-folded-message-id",
        "injection",
        with_header(b"Message-ID", b"<abc@\r\n northside-health.example>"),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-crlf-folded-message-id-missing-fields",
        "injection",
        with_header(
            b"Message-ID", b"<abc@\r\n northside-health.example>", body=SALFORD_BODY.replace("D.O.B: 14/02/2017", "").encode()
        ),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "inject-crlf-encoded-message-id",
        "injection",
        with_header(b"Message-ID", b"=?utf-8?q?=3Cabc=0D=0ABcc=3A_x=40evil=2Eexample=3E?="),
        OPENED,
        "new-notice",
        defect=10,
        notes="the decoded Message-ID keeps its CR LF and the acknowledgement's In-Reply-To raises: quarantined today",
    )
    yield Case(
        "inject-crlf-encoded-message-id-missing-fields",
        "injection",
        with_header(
            b"Message-ID",
            b"=?utf-8?q?=3Cabc=0D=0ABcc=3A_x=40evil=2Eexample=3E?=",
            body=SALFORD_BODY.replace("D.O.B: 14/02/2017", "").encode(),
        ),
        AWAITING,
        "awaiting-information",
        defect=10,
    )
    yield Case(
        "inject-crlf-encoded-subject",
        "injection",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(), *BASIC, b"Subject: =?utf-8?q?Escalation=0D=0ABcc=3A_victim=40evil=2Eexample?="
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-crlf-encoded-from-name",
        "injection",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: =?utf-8?q?Aisha=0D=0ABcc=3A_victim=40evil=2Eexample?= <a.khan@northside-health.example>",
                b"To: escalations@salford.example",
                b"Subject: notice",
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-crlf-folded-in-reply-to",
        "injection",
        with_header(b"In-Reply-To", b"<x@\r\n evil.example>"),
        OPENED,
        alternatives=(OPENED, AWAITING, REVIEW),
    )
    yield Case(
        "inject-bare-cr-in-message-id",
        "injection",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(), *BASIC, b"Subject: notice", b"Message-ID: <abc\r@northside-health.example>"
            ),
            PRACTITIONER,
            verbatim=True,
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-bare-lf-in-subject",
        "injection",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                *BASIC,
                b"Subject: notice\nBcc: victim@evil.example",
                b"Message-ID: <blf@northside-health.example>",
            ),
            PRACTITIONER,
            verbatim=True,
        ),
        OPENED,
        "new-notice",
    )
    # NUL: PostgreSQL text cannot hold it; today the store fails and the sender gets 451 for ever.
    yield Case(
        "inject-nul-in-message-id",
        "injection",
        with_header(b"Message-ID", b"<nul\x00id@northside-health.example>"),
        OPENED,
        "new-notice",
        defect=10,
        defect_on=("postgres",),
    )
    yield Case(
        "inject-nul-in-subject",
        "injection",
        raw(lambda: headers_then(SALFORD_BODY.encode(), *BASIC, b"Subject: Escalation\x00notice"), PRACTITIONER),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-nul-in-from",
        "injection",
        raw(
            lambda: headers_then(
                SALFORD_BODY.encode(),
                b"From: a.khan\x00@northside-health.example",
                b"To: escalations@salford.example",
                b"Subject: x",
            ),
            PRACTITIONER,
        ),
        REVIEW,
        alternatives=(REVIEW, OPENED),
    )
    yield Case(
        "inject-nul-in-mail-from",
        "injection",
        sent(lambda: good_notice(), mail_from="a.khan\x00x@northside-health.example"),
        OPENED,
        alternatives=(OPENED, REFUSED),
        defect=10,
        defect_on=("postgres",),
        notes="refused with 5xx at MAIL FROM, or stored: never 451 for ever",
    )
    yield Case(
        "inject-nul-in-header-name",
        "injection",
        raw(lambda: headers_then(SALFORD_BODY.encode(), *BASIC, b"Subject: x", b"X-Evil\x00Name: y"), PRACTITIONER),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-attachment-filename-crlf",
        "injection",
        raw(
            lambda: _single_attachment(_lines(base64.b64encode(salford_docx())), "base64").replace(
                b'filename="notice.docx"', b'filename="=?utf-8?q?notice=0D=0ABcc=3A_victim=40evil=2Eexample=2Edocx?="'
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-attachment-filename-traversal",
        "injection",
        sent(lambda: message(attachments=(docx(salford_docx(), "../../../../etc/passwd.docx"),))),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-attachment-filename-child-name",
        "injection",
        sent(lambda: message(attachments=(docx(salford_docx(), "Jo Bloggs DOB 14-02-2017 escalation.docx"),))),
        OPENED,
        "new-notice",
    )
    yield Case(
        "inject-message-id-20k",
        "injection",
        with_header(b"Message-ID", b"<" + b"m" * 20_000 + b"@northside-health.example>"),
        OPENED,
        alternatives=(OPENED, REFUSED),
    )
    yield Case(
        "inject-references-crlf-encoded",
        "injection",
        with_header(b"References", b"=?utf-8?q?=3Cr=0D=0A=40x=3E?="),
        OPENED,
        alternatives=(OPENED, AWAITING, REVIEW),
    )


def smuggling() -> Iterator[Case]:
    """SMTP smuggling: end-of-data look-alikes inside DATA must never end the message or start another."""
    smuggled = (
        b"MAIL FROM:<business.manager@salford.example>\r\nRCPT TO:<escalations@salford.example>\r\nDATA\r\n"
        b"From: business.manager@salford.example\r\nTo: escalations@salford.example\r\n"
        b"Subject: RE: [SAL-2026-0001] Escalation\r\nMessage-ID: <smuggled@salford.example>\r\n\r\nResolved"
    )
    for name, end in (
        ("lf-dot-lf", b"\n.\n"),
        ("cr-dot-lf", b"\r.\n"),
        ("lf-dot-crlf", b"\n.\r\n"),
        ("crlf-dot-lf", b"\r\n.\n"),
        ("cr-dot-cr", b"\r.\r"),
        ("crlf-dot-cr", b"\r\n.\r"),
    ):
        body = b"From: attacker@evil.example\r\nTo: escalations@salford.example\r\nSubject: hello\r\n\r\nhello" + end + smuggled
        yield Case(
            f"smuggle-{name}",
            "smuggling",
            raw(lambda body=body: body, verbatim=True),
            REVIEW,
            "unknown-sender",
            setup="case",
            notes="one message stored (the smuggled text is its body); the case is not resolved",
        )
    yield Case(
        "smuggle-dot-stuffing",
        "smuggling",
        raw(
            lambda: b"From: attacker@evil.example\r\nTo: escalations@salford.example\r\nSubject: dots\r\n\r\n..\r\n...\r\n.x\r\n",
            verbatim=True,
        ),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "smuggle-bare-lf-everywhere",
        "smuggling",
        raw(
            lambda: b"From: attacker@evil.example\nTo: escalations@salford.example\nSubject: lf\n\nhello\n.\nQUIT\n",
            verbatim=True,
        ),
        REVIEW,
        "unknown-sender",
    )


def long_lines() -> Iterator[Case]:
    """Lines over SMTP's 1000 octets: accepted, or refused with a clear text (issue 12 allows either)."""

    def long_body(length: int) -> Build:
        line = "Information of concern: " + "word " * (length // 5)
        return raw(
            lambda: headers_then((SALFORD_BODY + "\n" + line).encode().replace(b"\n", b"\r\n"), *BASIC, b"Subject: long"),
            PRACTITIONER,
        )

    for length in (1200, 10_000, 200_000):
        yield Case(
            f"long-body-line-{length}",
            "long-lines",
            long_body(length),
            OPENED,
            alternatives=(OPENED, REFUSED),
            notes="either processed, or refused with a 5xx that says the line is too long",
        )
    yield Case(
        "long-subject-line-5000",
        "long-lines",
        raw(
            lambda: headers_then(SALFORD_BODY.encode().replace(b"\n", b"\r\n"), *BASIC, b"Subject: " + b"s" * 5000), PRACTITIONER
        ),
        OPENED,
        alternatives=(OPENED, REFUSED),
    )
    yield Case(
        "long-base64-unwrapped-docx",
        "long-lines",
        raw(lambda: _single_attachment(base64.b64encode(salford_docx()), "base64"), PRACTITIONER),
        OPENED,
        alternatives=(OPENED, REFUSED),
        notes="some mail programs send base64 unwrapped: the notice is read, or refused clearly",
    )
    yield Case(
        "long-line-exactly-998",
        "long-lines",
        raw(
            lambda: headers_then(
                (SALFORD_BODY + "\nConcern: " + "x" * (998 - 9)).encode().replace(b"\n", b"\r\n"), *BASIC, b"Subject: ok"
            ),
            PRACTITIONER,
        ),
        OPENED,
        "new-notice",
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def _entity_docx(declarations: str, name: str) -> bytes:
    base = forms.docx_table_notice([("Name of child", "Jo Bloggs"), ("Your name", "NAME")])
    source = zipfile.ZipFile(io.BytesIO(base))
    xml = source.read("word/document.xml").decode("utf-8")
    xml = xml.replace("?>", f"?><!DOCTYPE w:document [{declarations}]>", 1).replace("NAME", name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for item in source.infolist():
            package.writestr(item, xml.encode() if item.filename == "word/document.xml" else source.read(item))
    return out.getvalue()


LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))


def _deep_pdf(depth: int) -> bytes:
    nested = b"[" * depth + b"]" * depth
    return pdfs._assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Deep " + nested + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def _page_count_lie() -> bytes:
    return pdfs._assemble(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 1000000000 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def _odt_with_remote_image(url: str) -> bytes:
    data = office.odt_document(["Name of Child/Young Person: Jo Bloggs", "D.O.B: 14/02/2017"])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        content = source.read("content.xml").decode()
    content = content.replace(
        'office:version="1.2">',
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">',
    ).replace(
        "</office:text>",
        f'<text:p><draw:frame><draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p></office:text>',
    )
    return forms._replace_part(data, "content.xml", content.encode())


@functools.cache
def _noise() -> bytes:
    return random.Random(10).randbytes(9_900_000)


def attachments() -> Iterator[Case]:
    """Hostile documents: bombs, entities, lies about their kind, encryption, emptiness, noise."""

    def attached(
        items: Callable[[], list[tuple[bytes, str, str, str]]], sender: str = PRACTITIONER, body: str = "Notice attached."
    ) -> Build:
        return later(lambda: sent(lambda: message(sender=sender, body=body, attachments=tuple(items()))))

    unreadable = dict(outcome=AWAITING, rule="awaiting-information")
    yield Case(
        "attach-zip-bomb-docx-60mb",
        "attachments",
        attached(lambda: [docx(_zip({"word/document.xml": bytes(60_000_000)}))]),
        **unreadable,
        says="could not be read",
    )
    yield Case(
        "attach-zip-bomb-docx-20mb",
        "attachments",
        attached(lambda: [docx(_zip({"word/document.xml": bytes(20_000_000)}))]),
        **unreadable,
    )
    yield Case(
        "attach-zip-1001-parts",
        "attachments",
        attached(lambda: [docx(_zip({f"p{i}.xml": b"" for i in range(1001)}))]),
        **unreadable,
    )
    yield Case(
        "attach-xxe-file-docx",
        "attachments",
        attached(lambda: [docx(_entity_docx('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"))]),
        **unreadable,
    )
    yield Case(
        "attach-xxe-http-docx",
        "attachments",
        attached(lambda: [docx(_entity_docx('<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">', "&xxe;"))]),
        **unreadable,
    )
    yield Case(
        "attach-billion-laughs-docx", "attachments", attached(lambda: [docx(_entity_docx(LAUGHS, "&lol9;"))]), **unreadable
    )
    yield Case(
        "attach-doctype-after-long-comment",
        "attachments",
        attached(lambda: [docx(forms.doctype_after_a_long_comment())]),
        **unreadable,
    )
    yield Case(
        "attach-tables-nested-40",
        "attachments",
        attached(lambda: [docx(forms.tables_nested(40))]),
        AWAITING,
        alternatives=(AWAITING,),
    )
    yield Case("attach-grid-span-billion", "attachments", attached(lambda: [docx(forms.cell_spanning_huge_grid())]), AWAITING)
    yield Case("attach-pdf-deflate-bomb-60mb", "attachments", attached(lambda: [pdf(pdfs.deflate_bomb_notice(60))]), **unreadable)
    yield Case("attach-pdf-deep-object-tree", "attachments", attached(lambda: [pdf(_deep_pdf(50_000))]), **unreadable)
    yield Case(
        "attach-pdf-25-pages",
        "attachments",
        attached(lambda: [pdf(pdfs.pages_notice(25))]),
        **unreadable,
        says="more than 20 pages",
    )
    yield Case("attach-pdf-page-count-lie", "attachments", attached(lambda: [pdf(_page_count_lie())]), **unreadable)
    yield Case(
        "attach-pdf-encrypted-aes256",
        "attachments",
        attached(lambda: [pdf(pdfs.encrypted_notice())]),
        **unreadable,
        says="password",
    )
    yield Case(
        "attach-pdf-encrypted-rc4",
        "attachments",
        attached(lambda: [pdf(pdfs.encrypted_notice("RC4-128"))]),
        **unreadable,
        says="password",
    )
    yield Case(
        "attach-pdf-owner-password-only",
        "attachments",
        attached(lambda: [pdf(pdfs.owner_password_notice())]),
        OPENED,
        "new-notice",
    )
    yield Case(
        "attach-docx-encrypted",
        "attachments",
        attached(lambda: [docx(office.encrypted_docx(salford_docx()))]),
        **unreadable,
        says="password",
    )
    yield Case(
        "attach-docx-that-is-a-pdf",
        "attachments",
        attached(lambda: [docx(pdfs.acroform_notice(), "notice.docx")]),
        OPENED,
        "new-notice",
    )
    yield Case(
        "attach-pdf-that-is-a-docx", "attachments", attached(lambda: [pdf(salford_docx(), "notice.pdf")]), OPENED, "new-notice"
    )
    yield Case("attach-docx-empty-0-bytes", "attachments", attached(lambda: [docx(b"")]), **unreadable)
    yield Case("attach-pdf-empty-0-bytes", "attachments", attached(lambda: [pdf(b"")]), **unreadable)
    yield Case("attach-docx-10mb-noise", "attachments", attached(lambda: [docx(_noise())]), **unreadable)
    yield Case(
        "attach-pdf-1mb-noise-with-header",
        "attachments",
        attached(lambda: [pdf(b"%PDF-1.7\n" + _noise()[:1_000_000])]),
        **unreadable,
    )
    yield Case(
        "attach-octet-stream-noise-unnamed",
        "attachments",
        attached(lambda: [(_noise()[:500_000], "application", "octet-stream", "")]),
        AWAITING,
        "awaiting-information",
    )
    for name, data in pdfs.damaged_notices().items():
        yield Case(
            f"attach-pdf-damaged-{name.replace(' ', '-')}", "attachments", attached(lambda data=data: [pdf(data)]), **unreadable
        )
    yield Case("attach-pdf-scanned-no-text", "attachments", attached(lambda: [pdf(pdfs.scanned_notice())]), **unreadable)
    yield Case(
        "attach-pdf-xfa-only",
        "attachments",
        attached(lambda: [pdf(pdfs.xfa_only_notice())]),
        AWAITING,
        alternatives=(AWAITING, OPENED),
    )
    yield Case(
        "attach-word97-doc",
        "attachments",
        attached(lambda: [(office.word97_document(), "application", "msword", "notice.doc")]),
        AWAITING,
    )
    yield Case(
        "attach-word97-encrypted",
        "attachments",
        attached(lambda: [(office.word97_document(encrypted=True), "application", "msword", "notice.doc")]),
        **unreadable,
        says="password",
    )
    yield Case(
        "attach-winmail-dat",
        "attachments",
        attached(lambda: [(office.winmail_dat(), "application", "ms-tnef", "winmail.dat")]),
        **unreadable,
        says="winmail.dat",
    )
    yield Case(
        "attach-excel-as-docx", "attachments", attached(lambda: [docx(office.excel97_workbook(), "notice.docx")]), AWAITING
    )
    yield Case(
        "attach-docm-macro-content-type",
        "attachments",
        attached(lambda: [(salford_docx(), "application", "vnd.ms-word.document.macroEnabled.12", "notice.docm")]),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "attach-zip-containing-docx",
        "attachments",
        attached(lambda: [(_zip({"notice.docx": salford_docx()}), "application", "zip", "notice.zip")]),
        AWAITING,
        "awaiting-information",
    )
    yield Case(
        "attach-eight-copies-of-the-notice",
        "attachments",
        attached(lambda: [*[docx(salford_docx(), f"copy{i}.docx") for i in range(8)]]),
        OPENED,
        alternatives=(OPENED, AWAITING),
    )
    yield Case(
        "attach-notice-from-stranger-with-bomb",
        "attachments",
        attached(lambda: [docx(_zip({"word/document.xml": bytes(60_000_000)}))], sender=STRANGER),
        REVIEW,
        "unknown-sender",
    )
    yield Case(
        "attach-odt-remote-image-from-practitioner",
        "attachments",
        _odt_fetch(PRACTITIONER),
        AWAITING,
        alternatives=(AWAITING, OPENED),
        notes="the test listens on loopback for the fetch; LibreOffice must never make it",
    )
    yield Case(
        "attach-odt-renamed-docx-remote-image-from-stranger",
        "attachments",
        _odt_fetch(STRANGER, "notice.docx"),
        REVIEW,
        "unknown-sender",
        notes="refused from unknown senders: never converted, so never fetched",
    )
    # Defect 3 (fixed by the documents branch): two notices about two children, each with the same leaflet first, are not "the same notice".
    yield Case(
        "attach-same-leaflet-different-child",
        "attachments",
        sent(
            lambda: message(
                sender="dev.vellacott@northside-health.example",
                attachments=(pdf(LEAFLET, "what happens next.pdf"), docx(salford_docx(child="Sam Example", dob="01/01/2016"))),
            )
        ),
        OPENED,
        "new-notice",
        setup="leaflet-case",
    )
    yield Case(
        "attach-same-empty-attachment-different-child",
        "attachments",
        sent(
            lambda: message(
                sender="dev.vellacott@northside-health.example",
                body=SALFORD_BODY.replace("Jo Bloggs", "Sam Example").replace("14/02/2017", "01/01/2016"),
                attachments=(docx(b"", "blank.docx"),),
            )
        ),
        AWAITING,
        setup="empty-attachment-case",
        alternatives=(AWAITING, OPENED),
        notes="an empty attachment is a problem to tell the sender, never a match with another empty file",
    )


FETCH_PORT: list[int] = []  # set by the test module: a loopback listener that records any connection


def _odt_fetch(sender: str, filename: str = "notice.odt") -> Build:
    def build(ctx: Ctx) -> Delivery:
        url = f"http://127.0.0.1:{FETCH_PORT[0]}/leak.png" if FETCH_PORT else "http://127.0.0.1:9/leak.png"
        kind = ("application", "vnd.oasis.opendocument.text") if filename.endswith(".odt") else DOCX
        mail = message(
            sender=sender, body="Notice attached.", attachments=((_odt_with_remote_image(url), kind[0], kind[1], filename),)
        )
        return Delivery(wire(mail), sender)

    return build


FAMILIES: tuple[Callable[[], Iterator[Case]], ...] = (
    controls,
    mime,
    html_and_text,
    addresses,
    smtp,
    commands,
    automated,
    injection,
    smuggling,
    long_lines,
    attachments,
)


def all_cases() -> list[Case]:
    cases = [case for family in FAMILIES for case in family()]
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {sorted(duplicates)}"
    return cases


CASES = all_cases()
