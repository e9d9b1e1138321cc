"""An email's attachments and body into one canonical ``Notice``.

Each attachment is recognised by its bytes (``formats``); a .docx or .pdf is
read in a child process within limits (``sandbox``); a .doc, .odt or .rtf is
converted through LibreOffice where it is installed, and otherwise, like
winmail.dat and password-protected files, is a problem that tells the sender
what to send instead. The values of every attachment and of the body's
"Label: value" lines are merged (``canonical``), each with where it came from.
LibreOffice runs only when the caller says so (``convert``): the pipeline lets
it for senders in the directory, never for a stranger's file.

An attached notice that could not be read at all keeps the body out: the body
is then a covering note, and reading it alone would route a notice nobody has
read (issue 3: a notice that cannot be read is held, not guessed at).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from escalations.intake.notices import body, conversion, sandbox
from escalations.intake.notices.canonical import fill, settle_subject
from escalations.intake.notices.fields import (
    EVERY_FIELD,
    LabelledValue,
    Line,
    Vocabulary,
    labelled_values,
    resolve_scopes,
)
from escalations.intake.notices.formats import Format, declared_format, notice_format
from escalations.intake.notices.model import Notice, Problem
from escalations.intake.notices.profile import (
    FormProfile,
    field_vocabulary,
    frozen_labels,
    missing_required,
    reading_vocabulary,
)
from escalations.intake.notices.sandbox import Limits, Reading

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# A notice written in an email is a page or two; this is thirty.
MAX_BODY_CHARS = 100_000

NOT_READ = {
    Format.DOC: (
        "This is an old Word 97-2003 (.doc) file, which we do not read; please open it in Word, "
        "choose File > Save As > Word Document (.docx), and send the .docx."
    ),
    Format.ODT: (
        "This is an OpenDocument (.odt) file, which we do not read; please save it as a Word document (.docx) and send that."
    ),
    Format.RTF: (
        "This is a Rich Text (.rtf) file, which we do not read; please save it as a Word document (.docx) and send that."
    ),
    Format.TNEF: (
        "Your email program sent the attachment inside a winmail.dat file, which we cannot open; "
        "please send the notice again from a message in HTML or plain text format "
        "(in Outlook: Format Text > HTML)."
    ),
    Format.ENCRYPTED: (
        "The document is password-protected; please remove the password and send it again "
        "(your organisation's secure email keeps it safe on the way)."
    ),
}


Labels = Mapping[str, Sequence[str]] | None  # a form profile's own wordings, by field


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class NoticeDocument:
    """An attachment that on its own names whom the notice is about: what "the same notice again" is
    recognised by. A leaflet, a logo, an empty or unreadable file names nobody and is never one."""

    sha256: str
    name: str
    dob: date


def read_notice(
    attachments: Sequence[Attachment],
    body_text: str | None,
    *,
    today: date,
    partnership: str | None = None,
    form: FormProfile | None = None,
    limits: Limits = Limits(),
    convert: bool = True,
    readings: Readings | None = None,
) -> Notice:
    """The notice these attachments and this body carry.

    ``form``, a partnership's form profile, adds its label wordings and makes a
    missing required field a problem. ``convert=False``: a .doc, .odt or .rtf is
    not given to LibreOffice (a stranger's file) but answered with what to send.
    ``readings``: the documents one message's earlier readings have read already.
    """
    return read_notice_and_documents(
        attachments, body_text, today=today, partnership=partnership, form=form, limits=limits, convert=convert, readings=readings
    )[0]


def read_notice_and_documents(
    attachments: Sequence[Attachment],
    body_text: str | None,
    *,
    today: date,
    partnership: str | None = None,
    form: FormProfile | None = None,
    limits: Limits = Limits(),
    convert: bool = True,
    readings: Readings | None = None,
) -> tuple[Notice, tuple[NoticeDocument, ...]]:
    """The notice, and the attachments that each name its subject by themselves (``NoticeDocument``)."""
    notice = Notice(partnership=partnership, form=form.id if form else None)
    labels = form.labels if form else None
    documents = _attachment_values(attachments, labels, limits, notice.problems, convert, readings or Readings())
    values = [v for document in documents for v in document.values]
    if not any(document.unreadable for document in documents) and body_text:
        values += body_values(_within_limit(body_text, notice.problems), reading_vocabulary(labels))
    fill(notice, values, field_vocabulary(labels))
    settle_subject(notice, today)
    if form:
        notice.problems += missing_required(notice, form.required)
    return notice, tuple(d for document in documents if (d := _notice_document(document, labels)))


@dataclass(frozen=True)
class _Document:
    data: bytes
    values: list[LabelledValue]
    unreadable: bool  # nothing read, and a problem to say why


class Readings:
    """The documents one message has had read, by their bytes and how they were read: a message read
    twice (with its body, and its attachments alone, as a reply is) has each document read once."""

    def __init__(self) -> None:
        self._read: dict[tuple[object, ...], Reading] = {}

    def read(self, kind: Format, data: bytes, labels: Labels, limits: Limits, convert: bool) -> Reading:
        key = (kind, hashlib.sha256(data).digest(), frozen_labels(labels or {}), limits, convert)
        if key not in self._read:
            self._read[key] = read_attachment(kind, data, labels, limits, convert)
        return self._read[key]


def _attachment_values(
    attachments: Sequence[Attachment], labels: Labels, limits: Limits, problems: list[Problem], convert: bool, already: Readings
) -> list[_Document]:
    """Each notice document's bytes and values, its problems added to ``problems``."""
    documents = [
        (position, kind, _label(kind, attachment), attachment.data)
        for position, attachment in enumerate(attachments, start=1)
        if (kind := notice_format(attachment.filename, attachment.content_type, attachment.data))
    ]
    readings: list[_Document] = []
    for position, kind, label, data in documents:
        reading = already.read(kind, data, labels, limits, convert)
        problems += [Problem("document", f"attachment {position} ({label}): {p}") for p in reading.problems]
        named = len(documents) > 1  # with one document, "docx paragraph 2" is unambiguous
        values = [replace(v, source=f"attachment {position} {v.source}" if named else v.source) for v in reading.values]
        readings.append(_Document(data, values, not reading.values and bool(reading.problems)))
    return readings


def _notice_document(document: _Document, labels: Labels) -> NoticeDocument | None:
    """The document as a ``NoticeDocument`` when its own values name the subject and their date of birth."""
    alone = Notice()
    fill(alone, document.values, field_vocabulary(labels))
    if not (alone.subject.name and alone.subject.dob):
        return None
    return NoticeDocument(hashlib.sha256(document.data).hexdigest(), alone.subject.name, alone.subject.dob)


def _label(kind: Format, attachment: Attachment) -> str:
    """How a problem names the attachment's kind: an encrypted file by the kind it was sent as."""
    if kind is Format.ENCRYPTED:
        declared = declared_format(attachment.filename, attachment.content_type)
        return declared.value if declared and declared is not Format.ENCRYPTED else "Office document"
    return kind.value


def read_attachment(kind: Format, data: bytes, labels: Labels, limits: Limits, convert: bool = True) -> Reading:
    """One notice document's values, or what to tell the sender about it."""
    if kind in (Format.DOCX, Format.PDF):
        return sandbox.read_document(kind, data, labels, limits)
    if kind in conversion.CONVERTIBLE and not convert:
        return Reading(problems=[not_converted(kind)])
    if kind in conversion.CONVERTIBLE and conversion.soffice():
        return _converted(kind, data, labels, limits)
    return Reading(problems=[NOT_READ[kind]])


def not_converted(kind: Format) -> str:
    """What a sender outside the directory is told about a .doc, .odt or .rtf: we open no stranger's."""
    return (
        f"We open {kind.value} files only from addresses in the partnership's directory; "
        "please send the notice as the Word form (.docx) or as a PDF."
    )


def _converted(kind: Format, data: bytes, labels: Labels, limits: Limits) -> Reading:
    if len(data) > limits.max_bytes:
        return Reading(problems=[sandbox.too_large(limits.max_bytes)])
    try:
        docx = conversion.to_docx(data, kind, limits=conversion.Limits(max_bytes=limits.max_bytes))
    except conversion.ConversionFailed as exc:
        return Reading(problems=[str(exc)])
    reading = sandbox.read_document(Format.DOCX, docx, labels, limits)
    converted = [replace(v, source=f"{kind.value} converted, {v.source}") for v in reading.values]
    return Reading(converted, reading.problems)


def _within_limit(body_text: str, problems: list[Problem]) -> str:
    """The body as far as we read it: it is read in this process, so its length is bounded."""
    if len(body_text) <= MAX_BODY_CHARS:
        return body_text
    message = f"The email is longer than {MAX_BODY_CHARS:,} characters; only its beginning was read."
    problems.append(Problem("body", message))
    return body_text[:MAX_BODY_CHARS]


def body_values(body_text: str, vocabulary: Vocabulary = EVERY_FIELD) -> list[LabelledValue]:
    """The labelled lines of a plain email; quoted earlier mail and the signature are skipped."""
    body_text = _EMPHASIS.sub(r"\1", body_text)  # "*Child's name:* Ruby": bold as a plain-text mail writes it
    numbered = _forward_unquoted(list(enumerate(body_text.splitlines(), start=1)), vocabulary)
    earlier = numbered  # with any earlier mail under a reply: whose reply is escalated (body.quoted_author_values)
    numbered = _before_earlier_mail(numbered, vocabulary)
    numbered = unwrapped([(number, _pipe_row(text)) for number, text in numbered], vocabulary)
    lines = [_body_line(text, f"email body line {number}", vocabulary) for number, text in numbered]
    values = resolve_scopes(labelled_values(lines, blank_ends=True, vocabulary=vocabulary), vocabulary)
    own = [(text, f"email body line {number}") for number, text in numbered if not text.lstrip().startswith(">")]
    sentences = body.sentence_values(own)  # a paragraph saying whom and which agency is no concern's text
    # A covering note over a forwarded mail: the concern is the forwarded mail's paragraph.
    prose = body.prose_values(own, values + sentences) or body.prose_values(body.forwarded(own), values + sentences)
    signature = body.signature_values(own)
    return values + signature + body.forwarded_sender(own, signature) + sentences + prose + _quoted_author(earlier)


def _quoted_author(numbered: list[tuple[int, str]]) -> list[LabelledValue]:
    own = [(text, f"email body line {number}") for number, text in numbered if not text.lstrip().startswith(">")]
    quoted = [
        (text.lstrip().lstrip(">").strip(), f"email body line {n}") for n, text in numbered if text.lstrip().startswith(">")
    ]
    return body.quoted_author_values(own, quoted)


_LONGEST_QUESTION = 150

# A plain mail wrapped at a fixed width (most mail programs wrap at 72 to 78 characters): its
# long lines end where the width ran out, not where the writer ended them.
_WRAP_WIDTH = range(60, 81)
_WRAPPED_LINES = 2  # lines of that width, and none longer, before a mail is taken as wrapped
_JOINED = 2_000  # characters one unwrapped line may grow to
_ENDS = (".", ":", "?", "!", ";")


_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_RULE = re.compile(r"^[\s|:+-]*$")  # "|---|:---|": the rule under a table's headings


def _pipe_row(text: str) -> str:
    """ "| Child's name | Ruby Whittaker |": a table row pasted as text, read as cells (tabs);
    the rule under its headings as a blank line."""
    row = _PIPE_ROW.match(text)
    if row is None:
        return text
    if _PIPE_RULE.match(row.group(1)):
        return ""
    return "\t".join(cell.strip() for cell in row.group(1).split("|"))


_FORWARDED_LABELS = 2  # labelled quoted lines, with none of the mail's own, that make a forwarded notice


def _forward_unquoted(numbered: list[tuple[int, str]], vocabulary: Vocabulary) -> list[tuple[int, str]]:
    """A notice forwarded as quoted text ("Please see below." and "> Child's name: Ruby…"): when the
    mail's own lines give no labelled answer and its quoted lines do, the quoted lines are the notice."""

    def answered(text: str) -> bool:
        split = vocabulary.split(_pipe_row(text)) if len(text) <= _LONGEST_QUESTION * 4 else None
        return bool(split and split[2])

    quoted = [text.lstrip().lstrip(">").strip() for _, text in numbered if text.lstrip().startswith(">")]
    if not quoted or any(answered(text) for _, text in numbered if not text.lstrip().startswith(">")):
        return numbered
    if sum(answered(text) for text in quoted) < _FORWARDED_LABELS:
        return numbered
    return [(number, text.lstrip().lstrip(">").lstrip() if text.lstrip().startswith(">") else text) for number, text in numbered]


_HEADER_LINES = 5  # an earlier message's "From:" line and the "Sent:"/"Subject:" lines under it
_SENT = ("sent:", "date:")


def _earlier_mail_starts(numbered: list[tuple[int, str]], at: int) -> bool:
    """Whether an earlier message quoted under a reply starts at line ``at``: Outlook's "From: …" with
    "Sent:"/"Date:" and "Subject:" lines under it, "-----Original Message-----", or "On …, … wrote:"."""
    text = numbered[at][1].strip().casefold()
    if text.startswith("-----original message") or (text.startswith("on ") and text.endswith("wrote:")):
        return True
    if not text.startswith("from:"):
        return False
    following = [line.strip().casefold() for _, line in numbered[at + 1 : at + _HEADER_LINES]]
    return any(line.startswith(_SENT) for line in following) and any(line.startswith("subject:") for line in following)


def _before_earlier_mail(numbered: list[tuple[int, str]], vocabulary: Vocabulary) -> list[tuple[int, str]]:
    """A reply's own lines, without the earlier messages quoted under it (their greetings, requests and
    signatures are someone else's), when its own lines answer at least one label; else (a forward
    with a line of its own above the notice) every line."""
    start = next((at for at in range(len(numbered)) if _earlier_mail_starts(numbered, at)), None)
    if start is None:
        return numbered

    def answered(text: str) -> bool:
        split = vocabulary.split(_pipe_row(text)) if len(text) <= _LONGEST_QUESTION * 4 else None
        return bool(split and split[2])

    own = numbered[:start]
    return own if any(answered(text) for _, text in own) else numbered


def unwrapped(numbered: list[tuple[int, str]], vocabulary: Vocabulary = EVERY_FIELD) -> list[tuple[int, str]]:
    """The lines of a mail wrapped at a fixed width, each wrapped line joined to the line it ran
    on into ("Details of the professional raising the concern: Jo Bloggs, Health" / "Visitor,
    Bury 0-19 Service"); a mail not so wrapped as it is. A line runs on only when it is of the
    wrapping width and ends mid-sentence, and the next line is text, not a label, box, quote or
    closing. Each joined line keeps its first line's number."""
    own = [text.rstrip() for _, text in numbered if not text.lstrip().startswith(">")]
    if any(len(text) > _WRAP_WIDTH[-1] for text in own) or sum(len(text) in _WRAP_WIDTH for text in own) < _WRAPPED_LINES:
        return numbered
    joined: list[tuple[int, str]] = []
    runs_on = False
    for number, text in numbered:
        if runs_on and _continues(text, vocabulary) and len(joined[-1][1]) + len(text) <= _JOINED:
            joined[-1] = (joined[-1][0], f"{joined[-1][1].rstrip()} {text.strip()}")
        else:
            joined.append((number, text))
        runs_on = len(text.rstrip()) in _WRAP_WIDTH and not text.rstrip().endswith(_ENDS) and not text.lstrip().startswith(">")
    return joined


def _continues(text: str, vocabulary: Vocabulary) -> bool:
    stripped = text.strip()
    if not stripped or stripped[0] in "[>*-•☐☒☑" or stripped.rstrip(",.!").casefold() in body.CLOSINGS:
        return False
    return vocabulary.split(stripped) is None


# Bold or underlined words in a plain-text mail ("*Agency:*", "**Stage**", "_DOB_"); the
# words are at most a label's length and hold no marker, so each try reads a bounded span.
_EMPHASIS = re.compile(r"(?<![\w*_])(?:\*\*|\*|__|_)([^\s*_][^*_\n]{0,150}?)(?:\*\*|\*|__|_)(?![\w*_])")


def _body_line(text: str, source: str, vocabulary: Vocabulary = EVERY_FIELD) -> Line:
    if text.lstrip().startswith(">"):  # quoted from earlier mail: not this notice,
        question = text.lstrip().lstrip(">").strip()
        split = vocabulary.split(question) if len(question) <= _LONGEST_QUESTION else None
        if split and not split[2]:  # but a question standing alone, answered on the lines below it, is asked
            return Line(question, source)
        return Line("", source, ends_answer=True)
    if text.strip().rstrip(",.!").strip().casefold() in body.CLOSINGS:  # "Thanks," ends an answer
        return Line("", source, ends_answer=True)
    return Line(text, source, ends_answer=text.rstrip() == "--")  # the signature
