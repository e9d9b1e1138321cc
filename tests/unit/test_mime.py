"""MIME parsing: raw RFC 5322 bytes into an ``InboundEmail``, leniently.

Every message below is written out as the bytes a mail server hands us. The
stdlib parser accepts almost anything; ``parse`` must keep what a person wrote
(names, dates, attachments byte for byte) and refuse only what is not mail at all.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from escalations.intake.mime import MAX_PARTS, MalformedMessage, parse
from tests.support.forms import docx_table_notice

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX = docx_table_notice([("Name of child", "Jo Bloggs"), ("Concern", "Three missed health appointments.")])

# A plain message from a practitioner: each case replaces or adds a header.
BASE = {
    "From": "Dev Vellacott <dev.vellacott@northside-health.example>",
    "To": "escalations@salford.example",
    "Subject": "Escalation notice",
    "Date": "Tue, 10 Mar 2026 09:58:40 +0000",
    "Message-ID": "<20260310095840.4f1c@northside-health.example>",
    "MIME-Version": "1.0",
    "Content-Type": 'text/plain; charset="utf-8"',
}


def message(*headers: str, body: bytes = b"Please find the escalation notice attached.\r\n") -> bytes:
    """BASE with each ``"Name: value"`` replacing (or adding) that header; a value may be folded."""
    fields = {name: f" {value}" for name, value in BASE.items()}
    for header in headers:
        name, _, value = header.partition(":")
        fields = {k: v for k, v in fields.items() if k.lower() != name.lower()}
        fields[name] = value
    head = "".join(f"{name}:{value}\r\n" for name, value in fields.items())
    return head.encode("utf-8") + b"\r\n" + body


def multipart(*parts: str, boundary: str = "=_b0undary_", close: bool = True, kind: str = "mixed") -> bytes:
    """A multipart message of the given raw parts (each its own headers, blank line, body)."""
    body = "".join(f"--{boundary}\r\n{part.replace(chr(10), chr(13) + chr(10))}\r\n" for part in parts)
    if close:
        body += f"--{boundary}--\r\n"
    return message(f'Content-Type: multipart/{kind}; boundary="{boundary}"', body=body.encode("utf-8"))


def base64_lines(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").rstrip("\n")


TEXT_PART = 'Content-Type: text/plain; charset="utf-8"\n\nPlease find the escalation notice attached.'
HTML_PART = 'Content-Type: text/html; charset="utf-8"\n\n<p>Please find the escalation notice <b>attached</b>.</p>'


def attachment(disposition: str, content_type: str = DOCX_TYPE, data: bytes = DOCX) -> str:
    return f"Content-Type: {content_type}\nContent-Disposition: {disposition}\nContent-Transfer-Encoding: base64\n\n{base64_lines(data)}"


PLAIN = message()
ALTERNATIVE = multipart(TEXT_PART, HTML_PART, kind="alternative")

# -- headers -----------------------------------------------------------------

HEADER_CASES = [
    pytest.param(PLAIN, "subject", "Escalation notice", id="plain-subject"),
    pytest.param(
        message("Subject: =?utf-8?q?Escalation_=E2=80=93_Si=C3=A2n?="), "subject", "Escalation – Siân", id="rfc2047-q-subject"
    ),
    pytest.param(
        message("Subject: =?UTF-8?B?RXNjYWxhdGlvbiDigJMgU2nDom4=?="), "subject", "Escalation – Siân", id="rfc2047-b-subject"
    ),
    pytest.param(
        message("Subject: =?utf-8?q?Escalation_?=\r\n =?utf-8?q?=E2=80=93_stage_2?="),
        "subject",
        "Escalation – stage 2",
        id="rfc2047-words-across-a-fold",
    ),
    pytest.param(
        message("Subject: Re: [SAL-2026-0007] =?iso-8859-1?q?caf=E9?= meeting"),
        "subject",
        "Re: [SAL-2026-0007] café meeting",
        id="rfc2047-latin1-word-mid-subject",
    ),
    pytest.param(
        message("Subject: Escalation notice about a decision\r\n not to hold a strategy meeting"),
        "subject",
        "Escalation notice about a decision not to hold a strategy meeting",
        id="folded-subject",
    ),
    pytest.param(message("Subject: Caf\u00e9 raw UTF-8"), "subject", "Caf\u00e9 raw UTF-8", id="raw-8bit-utf8-subject"),
    pytest.param(message("Subject: =?utf-8?q?broken"), "subject", "=?utf-8?q?broken", id="unterminated-encoded-word-kept"),
    pytest.param(message(), "from_name", "Dev Vellacott", id="from-name"),
    pytest.param(
        message("From: Dev Vellacott <Dev.Vellacott@Northside-Health.example>"),
        "from_address",
        "dev.vellacott@northside-health.example",
        id="from-address-lower-cased",
    ),
    pytest.param(
        message('From: "Vellacott, Dev" <Dev.Vellacott@northside-health.example>'),
        "from_name",
        "Vellacott, Dev",
        id="from-name-outlook-surname-first",
    ),
    pytest.param(
        message("From: =?utf-8?q?Si=C3=A2n_Pryce?= <sian.pryce@northside-health.example>"),
        "from_name",
        "Siân Pryce",
        id="from-name-rfc2047",
    ),
    pytest.param(message("From: dev.vellacott@northside-health.example"), "from_name", None, id="from-bare-address-no-name"),
    pytest.param(
        message("From: dev.vellacott@northside-health.example"),
        "from_address",
        "dev.vellacott@northside-health.example",
        id="from-bare-address",
    ),
    pytest.param(message("From: Dev Vellacott"), "from_address", None, id="from-name-without-address"),
    pytest.param(
        message("To: Escalations <Escalations@Salford.example>, Kim <KIM@childrens.salford.example>"),
        "to",
        ("escalations@salford.example", "kim@childrens.salford.example"),
        id="to-list-lower-cased",
    ),
    pytest.param(
        message('Cc: "Upton, Gareth" <Gareth.Upton@northside-health.example>'),
        "cc",
        ("gareth.upton@northside-health.example",),
        id="cc-outlook-name",
    ),
    pytest.param(PLAIN, "cc", (), id="no-cc"),
    pytest.param(PLAIN, "message_id", "<20260310095840.4f1c@northside-health.example>", id="message-id"),
    pytest.param(
        message("Message-ID:\r\n <CAF1x2y3z4Q-abcDEF_ghi=JKL@mail.gmail.com>"),
        "message_id",
        "<CAF1x2y3z4Q-abcDEF_ghi=JKL@mail.gmail.com>",
        id="message-id-folded",
    ),
    pytest.param(PLAIN, "in_reply_to", None, id="no-in-reply-to"),
    pytest.param(
        message("In-Reply-To: <sal-2026-0007.0123456789abcdef@partnership.example>"),
        "in_reply_to",
        "<sal-2026-0007.0123456789abcdef@partnership.example>",
        id="in-reply-to",
    ),
    pytest.param(
        message("In-Reply-To: <a1@partnership.example> (Dev's message of Tuesday)"),
        "in_reply_to",
        "<a1@partnership.example>",
        id="in-reply-to-with-comment",
    ),
    pytest.param(
        message("References: <r1@partnership.example>\r\n <r2@northside-health.example>\r\n\t<r3@childrens.salford.example>"),
        "references",
        ("<r1@partnership.example>", "<r2@northside-health.example>", "<r3@childrens.salford.example>"),
        id="references-folded",
    ),
    pytest.param(PLAIN, "references", (), id="no-references"),
    pytest.param(PLAIN, "date", datetime(2026, 3, 10, 9, 58, 40, tzinfo=UTC), id="date-gmt"),
    pytest.param(
        message("Date: Wed, 10 Jun 2026 10:58:40 +0100"), "date", datetime(2026, 6, 10, 9, 58, 40, tzinfo=UTC), id="date-bst"
    ),
    pytest.param(message("Date: next Tuesday-ish"), "date", None, id="date-garbage"),
    pytest.param(message("Date: Tue, 10 Mar 2026 09:58:40"), "date", None, id="date-without-zone-not-guessed"),
    pytest.param(message("Date: "), "date", None, id="date-empty"),
    pytest.param(PLAIN, "content_type", "text/plain", id="content-type-plain"),
    pytest.param(ALTERNATIVE, "content_type", "multipart/alternative", id="content-type-alternative"),
]


@pytest.mark.parametrize(("raw", "attribute", "expected"), HEADER_CASES)
def test_headers(raw: bytes, attribute: str, expected: Any) -> None:
    assert getattr(parse(raw), attribute) == expected


def test_date_is_timezone_aware() -> None:
    date = parse(message("Date: Wed, 10 Jun 2026 10:58:40 +0100")).date
    assert date is not None and date.utcoffset() is not None


@pytest.mark.parametrize(
    ("fold", "words"),
    [
        pytest.param("\r\n ", ["a", "decision", "not", "to", "hold"], id="space"),
        pytest.param("\r\n\t", ["a", "decision", "not", "to", "hold"], id="tab"),
        pytest.param("\n ", ["a", "decision", "not", "to", "hold"], id="bare-lf"),
    ],
)
def test_folded_subject_has_no_line_breaks(fold: str, words: list[str]) -> None:
    subject = parse(message(f"Subject: a decision{fold}not to hold")).subject
    assert "\r" not in subject and "\n" not in subject
    assert subject.split() == words


@pytest.mark.parametrize(
    ("raw", "name", "value"),
    [
        pytest.param(message("X-Autoreply: yes"), "x-autoreply", "yes", id="lower-case-lookup"),
        pytest.param(message("X-Autoreply: yes"), "X-AUTOREPLY", "yes", id="upper-case-lookup"),
        pytest.param(PLAIN, "x-autoreply", "", id="absent-is-empty"),
        pytest.param(message("Thread-Topic: Escalation notice"), "thread-topic", "Escalation notice", id="any-header"),
    ],
)
def test_header_lookup(raw: bytes, name: str, value: str) -> None:
    assert parse(raw).header(name) == value


def test_first_of_repeated_headers_is_kept() -> None:
    raw = b"Received: from a.example by mx.salford.example\r\nReceived: from b.example by a.example\r\n" + PLAIN
    assert parse(raw).header("received") == "from a.example by mx.salford.example"


# -- bodies ------------------------------------------------------------------

BODY_CASES = [
    pytest.param(PLAIN, "Please find the escalation notice attached.", None, id="plain-text"),
    pytest.param(ALTERNATIVE, "Please find the escalation notice attached.", "<b>attached</b>", id="alternative-text-and-html"),
    pytest.param(multipart(HTML_PART, kind="alternative"), None, "<b>attached</b>", id="html-only"),
    pytest.param(
        multipart(
            f'Content-Type: multipart/alternative; boundary="inner"\n\n--inner\n{TEXT_PART}\n--inner\n{HTML_PART}\n--inner--',
            attachment('attachment; filename="notice.docx"'),
        ),
        "Please find the escalation notice attached.",
        "<b>attached</b>",
        id="alternative-inside-mixed",
    ),
    pytest.param(
        message(
            "Content-Type: text/plain; charset=x-no-such-charset",
            "Content-Transfer-Encoding: 8bit",
            body="caf\u00e9 concern\r\n".encode(),
        ),
        "caf\u00e9 concern",
        None,
        id="unknown-charset-decodes",
    ),
    pytest.param(
        message(
            "Content-Type: text/plain; charset=iso-8859-1",
            "Content-Transfer-Encoding: quoted-printable",
            body=b"caf=E9 concern\r\n",
        ),
        "caf\u00e9 concern",
        None,
        id="latin1-quoted-printable",
    ),
    pytest.param(
        message(
            "Content-Type: text/plain; charset=windows-1252",
            "Content-Transfer-Encoding: 8bit",
            body=b"\x93missed\x94 appointments\r\n",
        ),
        "\u201cmissed\u201d appointments",
        None,
        id="windows-1252-smart-quotes",
    ),
    pytest.param(
        message("Content-Transfer-Encoding: base64", body=base64.encodebytes("Jo\u2019s concern\n".encode())),
        "Jo\u2019s concern",
        None,
        id="base64-text",
    ),
    pytest.param(
        message("Content-Type: text/plain; charset="),
        "Please find the escalation notice attached.",
        None,
        id="empty-charset-parameter",
    ),
]


@pytest.mark.parametrize(("raw", "text", "html"), BODY_CASES)
def test_bodies(raw: bytes, text: str | None, html: str | None) -> None:
    mail = parse(raw)
    if text is None:
        assert mail.text is None
    else:
        assert mail.text is not None and mail.text.strip() == text
    if html is None:
        assert mail.html is None
    else:
        assert mail.html is not None and html in mail.html


def test_text_attachment_is_not_taken_as_the_body() -> None:
    mail = parse(
        multipart(TEXT_PART, 'Content-Type: text/plain\nContent-Disposition: attachment; filename="notes.txt"\n\nMy own notes.')
    )
    assert mail.text is not None and mail.text.strip() == "Please find the escalation notice attached."
    assert [(a.filename, a.data.strip()) for a in mail.attachments] == [("notes.txt", b"My own notes.")]


# -- attachments -------------------------------------------------------------

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

ATTACHMENT_CASES = [
    pytest.param(attachment('attachment; filename="Jo Bloggs notice.docx"'), "Jo Bloggs notice.docx", DOCX_TYPE, DOCX, id="docx"),
    pytest.param(
        attachment("attachment; filename*=utf-8''Si%C3%A2n%20Bloggs%20notice%20%E2%80%93%20stage%202.docx"),
        "Siân Bloggs notice – stage 2.docx",
        DOCX_TYPE,
        DOCX,
        id="docx-rfc2231-non-ascii-name",
    ),
    pytest.param(
        attachment("attachment;\n filename*0*=utf-8''Escalation%20notice%20%E2%80%93%20;\n filename*1*=Si%C3%A2n%20Bloggs.docx"),
        "Escalation notice – Siân Bloggs.docx",
        DOCX_TYPE,
        DOCX,
        id="docx-rfc2231-continuations",
    ),
    pytest.param(
        attachment('attachment; filename="=?utf-8?B?U2nDom4gQmxvZ2dzIG5vdGljZS5kb2N4?="'),
        "Siân Bloggs notice.docx",
        DOCX_TYPE,
        DOCX,
        id="docx-outlook-rfc2047-in-quotes",
    ),
    pytest.param(
        f'Content-Type: {DOCX_TYPE}; name="Jo Bloggs notice.docx"\nContent-Transfer-Encoding: base64\n\n{base64_lines(DOCX)}',
        "Jo Bloggs notice.docx",
        DOCX_TYPE,
        DOCX,
        id="docx-name-in-content-type-only",
    ),
    pytest.param(
        attachment('attachment; filename="notice.pdf"', "application/pdf", PDF), "notice.pdf", "application/pdf", PDF, id="pdf"
    ),
    pytest.param(
        attachment('inline; filename="image001.png"', "image/png", PNG),
        "image001.png",
        "image/png",
        PNG,
        id="inline-signature-image",
    ),
    pytest.param(
        attachment("attachment", "application/octet-stream", bytes(range(256))),
        None,
        "application/octet-stream",
        bytes(range(256)),
        id="unnamed-binary-every-byte",
    ),
]


@pytest.mark.parametrize(("part", "filename", "content_type", "data"), ATTACHMENT_CASES)
def test_attachments(part: str, filename: str | None, content_type: str, data: bytes) -> None:
    mail = parse(multipart(TEXT_PART, part))
    assert [(a.filename, a.content_type, a.data) for a in mail.attachments] == [(filename, content_type, data)]
    assert mail.text is not None and "escalation notice" in mail.text


def test_several_attachments_keep_their_order() -> None:
    mail = parse(
        multipart(
            TEXT_PART,
            attachment('attachment; filename="a.docx"'),
            attachment('attachment; filename="b.pdf"', "application/pdf", PDF),
        )
    )
    assert [(a.filename, a.data) for a in mail.attachments] == [("a.docx", DOCX), ("b.pdf", PDF)]


# -- what is not mail at all -------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   \r\n\t\r\n", id="whitespace-only"),
        pytest.param(b"\r\n\r\nA body with no header section above it.\r\n", id="blank-line-first"),
        pytest.param(b"Just some text that somebody piped in by mistake.\n", id="plain-text-no-headers"),
        pytest.param(PDF, id="a-pdf-file-not-a-message"),
        pytest.param(DOCX, id="a-docx-file-not-a-message"),
    ],
)
def test_not_a_message(raw: bytes) -> None:
    with pytest.raises(MalformedMessage):
        parse(raw)


def _parts(count: int) -> list[str]:
    return [f'Content-Type: text/plain\nContent-Disposition: attachment; filename="p{i}.txt"\n\npart {i}' for i in range(count)]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(multipart(*_parts(MAX_PARTS + 1)), id="max-plus-one-flat"),
        pytest.param(multipart(*_parts(2 * MAX_PARTS)), id="twice-max-flat"),
        pytest.param(
            multipart(
                *(
                    f'Content-Type: multipart/mixed; boundary="in{n}"\n\n'
                    + "".join(f"--in{n}\n{p}\n" for p in _parts(60))
                    + f"--in{n}--"
                    for n in range(4)
                )
            ),
            id="max-exceeded-across-nested-parts",
        ),
    ],
)
def test_too_many_parts(raw: bytes) -> None:
    with pytest.raises(MalformedMessage, match="parts"):
        parse(raw)


def test_many_parts_below_the_limit_are_read() -> None:
    mail = parse(multipart(*_parts(MAX_PARTS - 1)))
    assert len(mail.attachments) == MAX_PARTS - 1


# -- broken but readable -----------------------------------------------------

NO_CLOSE = multipart(TEXT_PART, attachment('attachment; filename="notice.docx"'), close=False)
BAD_BASE64_ATTACHMENT = multipart(
    TEXT_PART,
    'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="notice.docx"\nContent-Transfer-Encoding: base64\n\nUEsDBBQ!!!AAgACAAAACEA=',
)
INNER_NO_CLOSE = multipart(f'Content-Type: multipart/alternative; boundary="inner"\n\n--inner\n{TEXT_PART}\n--inner\n{HTML_PART}')

LENIENT_CASES = [
    pytest.param(NO_CLOSE, "CloseBoundaryNotFoundDefect", id="missing-closing-boundary"),
    pytest.param(
        message("Content-Transfer-Encoding: base64", body=b"UGxlYXNlIGZpbmQ!!!gdGhlIG5vdGljZQ=\r\n"),
        "InvalidBase64CharactersDefect",
        id="bad-base64-body",
    ),
    pytest.param(message("Content-Type: multipart/mixed"), "NoBoundaryInMultipartDefect", id="multipart-without-boundary"),
    pytest.param(
        message("Content-Type: multipart/mixed; boundary=never-used"), "StartBoundaryNotFoundDefect", id="boundary-never-used"
    ),
    pytest.param(
        b"From: dev.vellacott@northside-health.example\r\nThis line is not a header\r\nSubject: lost\r\n\r\nhi\r\n",
        "MissingHeaderBodySeparatorDefect",
        id="non-header-line-in-headers",
    ),
    pytest.param(b"From: dev.vellacott@northside-health.example\r\nSubject: headers and nothing else", None, id="no-body-at-all"),
    pytest.param(message("Subject: =?x-no-such-charset?q?caf=E9?="), None, id="encoded-word-unknown-charset"),
    pytest.param(
        message(
            'Content-Type: text/plain; charset="utf-8',
            "Content-Transfer-Encoding: quoted-printable",
            body=b"caf=C3=A9 =ZZ broken =\r\n",
        ),
        None,
        id="unterminated-parameter-and-bad-qp",
    ),
    pytest.param(message("From: <<<dev@@northside-health.example"), None, id="garbled-from"),
    pytest.param(message("Message-ID: not-in-brackets@northside-health.example"), None, id="message-id-without-brackets"),
    pytest.param(BAD_BASE64_ATTACHMENT, "InvalidBase64CharactersDefect", id="bad-base64-attachment"),
    pytest.param(INNER_NO_CLOSE, "CloseBoundaryNotFoundDefect", id="nested-missing-closing-boundary"),
]


@pytest.mark.parametrize(("raw", "defect"), LENIENT_CASES)
def test_malformed_mime_is_read_leniently(raw: bytes, defect: str | None) -> None:
    mail = parse(raw)
    assert mail.headers
    if defect is not None:
        assert defect in mail.defects


@pytest.mark.parametrize(
    ("raw", "text", "attachment_names"),
    [
        pytest.param(NO_CLOSE, "Please find the escalation notice attached.", ["notice.docx"], id="missing-closing-boundary"),
        pytest.param(
            BAD_BASE64_ATTACHMENT, "Please find the escalation notice attached.", ["notice.docx"], id="bad-base64-attachment"
        ),
        pytest.param(INNER_NO_CLOSE, "Please find the escalation notice attached.", [], id="nested-missing-closing-boundary"),
    ],
)
def test_malformed_mime_keeps_what_it_can(raw: bytes, text: str, attachment_names: list[str]) -> None:
    mail = parse(raw)
    assert mail.text is not None and mail.text.strip() == text
    assert [a.filename for a in mail.attachments] == attachment_names
    assert all(isinstance(a.data, bytes) for a in mail.attachments)


def test_attachment_survives_a_missing_closing_boundary_byte_for_byte() -> None:
    assert [a.data for a in parse(NO_CLOSE).attachments] == [DOCX]


def test_well_formed_mail_has_no_defects() -> None:
    assert parse(multipart(TEXT_PART, attachment('attachment; filename="notice.docx"'))).defects == ()
