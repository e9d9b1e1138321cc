"""Raw RFC 5322 bytes into an ``InboundEmail`` value: headers, bodies, attachments.

Everything here runs on a stranger's bytes in the worker, so every step is
linear in the input or bounded by a cap applied before it (DESIGN.md invariant
11). The stdlib's structured header parser (``email.policy.default``) is not:
a 2 KB ``To:`` of quotes or commas costs half a second, a 200 KB one minutes
(issue 12). So the message is read with the plain ``compat32`` policy, every
header value (of the message and of each MIME part) is cut to
``MAX_HEADER_CHARS`` as it is read, and the few headers we interpret are decoded
here: RFC 2047 words by a scanner, addresses by ``email.utils`` on the capped
value. Text and HTML bodies are cut to ``MAX_TEXT_CHARS``. Each cut is named in
``InboundEmail.truncated`` so the worker can say so on the case; the stored raw
message is never cut.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.quoprimime
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from escalations.intake import header_values
from escalations.intake.html_text import html_to_text
from escalations.intake.notices.reader import Attachment

MAX_PARTS = 200
MAX_REFERENCES = 50  # the most recent; each one is looked up when matching a reply
MAX_HEADER_CHARS = 8_192  # a header field as analysed: 150 addresses, 100 References
MAX_ADDRESS_FIELDS = 10  # To: and Cc: fields read (each capped); more are ignored
MAX_TEXT_CHARS = 500_000  # the text or HTML body as analysed: a notice is a few pages


class MalformedMessage(Exception):
    """The bytes are not a message we can read at all (permanent)."""


@dataclass(frozen=True)
class InboundEmail:
    message_id: str | None
    subject: str
    from_address: str | None
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: dict[str, str]  # first value of each header, names lower-cased
    content_type: str
    text: str | None
    html: str | None
    attachments: tuple[Attachment, ...] = field(default=())
    defects: tuple[str, ...] = field(default=())
    truncated: tuple[str, ...] = field(default=())  # what was cut before it was read, in words

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _CappedPolicy(Compat32):
    """compat32, with each header value cut to MAX_HEADER_CHARS as the parser reads it."""

    cut: list[str] | None = None  # the names of the headers cut (one list per parse)

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        if len(value) > MAX_HEADER_CHARS:
            value = value[:MAX_HEADER_CHARS]
            if self.cut is not None:
                self.cut.append(name[:80])
        return name, value


def parse(raw: bytes, max_bytes: int | None = None) -> InboundEmail:
    """Read ``raw`` leniently; raise MalformedMessage only when nothing sensible is left.

    A message over ``max_bytes`` is not read at all (it stays stored, for a person).
    """
    if max_bytes is not None and len(raw) > max_bytes:
        raise MalformedMessage(
            f"the message is {len(raw):,} bytes, more than the {max_bytes:,} we read; it is kept for a person to open"
        )
    if not raw.strip():
        raise MalformedMessage("empty message")
    cut: list[str] = []
    try:
        message = email.message_from_bytes(raw, policy=_CappedPolicy(cut=cut))
    except Exception as exc:  # the stdlib parser raises many kinds on hostile input
        raise MalformedMessage(f"unparseable message: {type(exc).__name__}") from exc
    headers = _headers(message)
    if not headers:
        raise MalformedMessage("no header section")
    text, html, attachments = _walk(message)
    from_name, from_address = sender_address(_repaired(_first_raw(message, "from")))
    truncated = [
        f"the {name} header was longer than {MAX_HEADER_CHARS:,} characters; only its beginning was read"
        for name in dict.fromkeys(cut)
    ]
    text, html = _capped(text, "text", truncated), _capped(html, "HTML", truncated)
    return InboundEmail(
        message_id=header_values.message_id(headers.get("message-id")),
        subject=_unfold(headers.get("subject", "")),
        from_address=header_values.address(from_address.lower()),
        from_name=_unfold(decode_words(from_name)) or None,
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        date=_date(headers.get("date", "")),
        in_reply_to=header_values.message_id(headers.get("in-reply-to")),
        references=tuple(header_values.message_ids(headers.get("references"))[-MAX_REFERENCES:]),
        headers=headers,
        content_type=message.get_content_type(),
        text=text,
        html=html,
        attachments=tuple(attachments),
        defects=tuple(type(d).__name__ for part in message.walk() for d in part.defects),
        truncated=tuple(truncated),
    )


def body_text(mail: InboundEmail) -> str | None:
    """The text a person wrote: the plain part, else the HTML part reduced to text (by a parser)."""
    if mail.text:
        return mail.text
    if mail.html:
        return html_to_text(mail.html)
    return None


def _capped(body: str | None, kind: str, truncated: list[str]) -> str | None:
    if body is None or len(body) <= MAX_TEXT_CHARS:
        return body
    truncated.append(f"the {kind} body was longer than {MAX_TEXT_CHARS:,} characters; only its beginning was read")
    return body[:MAX_TEXT_CHARS]


def _headers(message: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in out:
            out[key] = header_values.storable(_header_text(value))
    return out


def _first_raw(message: Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


def _header_text(raw_value: object) -> str:
    """A header's text: line folds removed (RFC 5322 unfolding), raw 8-bit read as UTF-8, RFC 2047 words decoded."""
    value = _repaired(raw_value if isinstance(raw_value, str) else str(raw_value))
    return decode_words(value.translate(_NO_LINE_BREAKS))


_NO_LINE_BREAKS = str.maketrans("", "", "\r\n")


def sender_address(value: str) -> tuple[str, str]:
    """(display name, address) of a From: field; the address in angle brackets wins.

    ``parseaddr`` takes the first thing that looks like an address, so an unquoted
    display name written as a directory address (``a.khan@northside-health.example
    <attacker@evil.example>``) would pass for that address: the mailbox is the one
    in the last angle brackets, as every mail client shows it. Linear: two scans.
    """
    start = value.rfind("<")
    end = value.find(">", start + 1) if start != -1 else -1
    if start == -1 or end == -1:
        return parseaddr(value)
    address = value[start + 1 : end].strip()
    if address.lower().startswith("mailto:"):
        address = address[len("mailto:") :]
    name = value[:start].strip().strip('"').strip()
    return name, address


def _repaired(value: str) -> str:
    """Raw 8-bit header bytes (kept by the parser as surrogates) read as UTF-8."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# Linear: the charset is bounded, and the text cannot hold "?", so no two attempts read the same run.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")


def decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; space between two adjacent words dropped (RFC 2047 6.2).

    A word that cannot be decoded is kept as written.
    """
    if "=?" not in value:
        return value
    pieces: list[str] = []
    position, previous_was_word = 0, False
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if not (previous_was_word and (between == "" or between.isspace())):
            pieces.append(between)
        pieces.append(_decoded_word(match))
        position, previous_was_word = match.end(), True
    pieces.append(value[position:])
    return "".join(pieces)


def _decoded_word(match: re.Match[str]) -> str:
    charset, encoding, text = match.groups()
    try:
        if encoding in "bB":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = email.quoprimime.header_decode(text).encode("latin-1")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return match.group(0)
    try:
        return data.decode(charset.split("*")[0], "replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", "replace")


def _unfold(value: str) -> str:
    """Whitespace runs around line breaks made one space; by splitting, as a regular expression
    (``\\s*[\\r\\n]+\\s*``) backtracks quadratically over a long run of spaces."""
    lines = re.split(r"[\r\n]+", value)
    return " ".join(line.strip() for line in lines if not line.isspace()).strip() if len(lines) > 1 else value.strip()


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    try:
        values = [_repaired(str(v)) for v in message.get_all(name, [])[:MAX_ADDRESS_FIELDS]]
        return tuple(addr.lower() for _, addr in getaddresses(values) if addr)
    except Exception:
        return ()


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _walk(message: Message) -> tuple[str | None, str | None, list[Attachment]]:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS:
            raise MalformedMessage(f"more than {MAX_PARTS} MIME parts")
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition != "attachment" and kind == "text/plain" and text is None:
            text = _text(part)
        elif disposition != "attachment" and kind == "text/html" and html is None:
            html = _text(part)
        elif disposition == "attachment" or part.get_filename() or not kind.startswith("text/"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                attachments.append(Attachment(_filename(part), kind, payload))
    return text, html, attachments


def _filename(part: Message) -> str | None:
    """The file name, RFC 2231 or (as Outlook writes it, inside the quotes) RFC 2047."""
    try:
        name = part.get_filename()
    except Exception:  # a malformed parameter
        return None
    return _unfold(decode_words(_repaired(name))) if name else None


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")
