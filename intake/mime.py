"""Raw RFC 5322 bytes into an ``InboundEmail`` value: headers, bodies, attachments."""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from escalations.intake.notices.reader import Attachment

MAX_PARTS = 200


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

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def parse(raw: bytes) -> InboundEmail:
    """Read ``raw`` leniently; raise MalformedMessage only when nothing sensible is left."""
    if not raw.strip():
        raise MalformedMessage("empty message")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the stdlib parser raises many kinds on hostile input
        raise MalformedMessage(f"unparseable message: {type(exc).__name__}") from exc
    assert isinstance(message, EmailMessage)
    headers = _headers(message)
    if not headers:
        raise MalformedMessage("no header section")
    text, html, attachments = _walk(message)
    from_name, from_address = parseaddr(headers.get("from", ""))
    return InboundEmail(
        message_id=_msgid(headers.get("message-id", "")),
        subject=_unfold(headers.get("subject", "")),
        from_address=from_address.lower() if "@" in from_address else None,
        from_name=from_name or None,
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        date=_date(headers.get("date", "")),
        in_reply_to=_msgid(headers.get("in-reply-to", "")),
        references=tuple(re.findall(r"<[^<>\s]+>", headers.get("references", ""))),
        headers=headers,
        content_type=message.get_content_type(),
        text=text,
        html=html,
        attachments=tuple(attachments),
        defects=tuple(type(d).__name__ for part in message.walk() for d in part.defects),
    )


def body_text(mail: InboundEmail) -> str | None:
    """The text a person wrote: the plain part, else the HTML part reduced to text."""
    if mail.text:
        return mail.text
    if mail.html:
        return html_text(mail.html)
    return None


def html_text(markup: str) -> str:
    """HTML as the lines it shows: the source's own line breaks are spaces (Outlook wraps its
    HTML at 76 characters), blocks end lines, and table cells are separated by tabs, so a
    label cell and its answer cell read as "Label<tab>answer"."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", " ", markup)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>|</h[1-6]>|</table>", "\n", text)
    text = re.sub(r"(?i)</t[dh]>", "\t", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("\xa0", " ")
    lines = (re.sub(r"\t ", "\t", re.sub(r" {2,}", " ", line)).strip(" \t") for line in text.split("\n"))
    return "\n".join(lines)


def _headers(message: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in out:
            out[key] = _header_text(message, name, value)
    return out


def _header_text(message: Message, name: str, raw_value: object) -> str:
    try:
        return str(message.get(name, ""))
    except Exception:  # a malformed encoded-word: keep the raw text
        return str(raw_value)


def _unfold(value: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", value).strip()


def _msgid(value: str) -> str | None:
    match = re.search(r"<[^<>\s]+>", value)
    return match.group(0) if match else (value.strip() or None)


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    try:
        values = message.get_all(name, [])
        return tuple(addr.lower() for _, addr in getaddresses([str(v) for v in values]) if addr)
    except Exception:
        return ()


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def _walk(message: EmailMessage) -> tuple[str | None, str | None, list[Attachment]]:
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
                attachments.append(Attachment(part.get_filename(), kind, payload))
    return text, html, attachments


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")
