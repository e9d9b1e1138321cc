"""Reading bounces: which of our messages did not reach whom, from a DSN or a plain-text report.

RFC 3464 delivery-status parts are read here, for each recipient's Action,
Status and Diagnostic-Code. The many older plain-text formats (Exchange,
Postfix, Exim, qmail, GroupWise, …) are left to ``flufl.bounce``, GNU
Mailman's bounce detectors, which have met them in the wild for two decades.
Which message bounced comes from our own Message-ID: in the returned
message/rfc822 or text/rfc822-headers part, in In-Reply-To/References, or
anywhere in the bounded text.

The input is a stranger's: only the first MAX_BYTES are parsed, and each text
part given to the heuristics is cut to MAX_TEXT characters in lines of at
most MAX_LINE, so their regular expressions run on bounded input.
"""

from __future__ import annotations

import email
import email.message
import email.parser
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from flufl.bounce import all_failures

log = logging.getLogger(__name__)

MAX_BYTES = 512 * 1024
MAX_TEXT = 32 * 1024
MAX_LINE = 300
MAX_IDS = 20


@dataclass(frozen=True)
class BouncedRecipient:
    address: str
    status: str | None  # the DSN Status, e.g. "5.1.1"
    diagnostic: str | None  # the DSN Diagnostic-Code, e.g. "smtp; 550 5.1.1 user unknown"


@dataclass(frozen=True)
class Bounce:
    """Recipients that failed for good, and the Message-IDs (ours) of the message that bounced."""

    original_message_ids: tuple[str, ...]
    failures: tuple[BouncedRecipient, ...]
    format: str  # "dsn" or "heuristic"


def is_report(raw: bytes) -> bool:
    """A multipart/report of delivery status (not a read receipt)."""
    head = email.parser.BytesHeaderParser().parsebytes(raw[:MAX_BYTES], headersonly=True)
    return head.get_content_type() == "multipart/report" and head.get_param("report-type", "") == "delivery-status"


def read_bounce(raw: bytes, our_domain: str) -> Bounce | None:
    """The bounce's failed recipients and our Message-ID it is about; None when it names no message of ours."""
    message = email.message_from_bytes(raw[:MAX_BYTES])
    ids = our_message_ids(message, our_domain)
    if not ids:
        return None
    failures = _dsn_failures(message)
    kind = "dsn"
    if not failures:
        failures = _heuristic_failures(message)
        kind = "heuristic"
    return Bounce(ids, tuple(failures), kind) if failures else None


# -- RFC 3464 ---------------------------------------------------------------------


def _dsn_failures(message: email.message.Message) -> list[BouncedRecipient]:
    out = []
    for block in _status_blocks(message):
        action = str(block.get("action", "")).strip().lower()
        if not action.startswith(("failed", "error")):  # delayed, delivered, relayed, expanded: not a failure
            continue
        address = _typed_address(block.get("final-recipient")) or _typed_address(block.get("original-recipient"))
        if address:
            out.append(BouncedRecipient(address, _short(block.get("status"), 16), _short(block.get("diagnostic-code"), 500)))
    return out


def _status_blocks(message: email.message.Message) -> Iterator[email.message.Message]:
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status" or not part.is_multipart():
            continue
        payload = part.get_payload()
        yield from (block for block in payload if isinstance(block, email.message.Message))


def _typed_address(value: object) -> str | None:
    """``rfc822; someone@example`` (or a bare address) to the address, lower case."""
    if value is None:
        return None
    text = str(value).strip()
    kind, _, address = text.partition(";")
    address = (address if _ else kind).strip().strip("<>").strip()
    return address.lower() if "@" in address and " " not in address and len(address) <= 320 else None


def _short(value: object, limit: int) -> str | None:
    return " ".join(str(value).split())[:limit] or None if value is not None else None


# -- other formats ----------------------------------------------------------------


def _heuristic_failures(message: email.message.Message) -> list[BouncedRecipient]:
    return _exchange_failures(message) or _flufl_failures(message) or _failed_recipients_header(message)


def _exchange_failures(message: email.message.Message) -> list[BouncedRecipient]:
    """Exchange Online's NDR as plain text: each failed address on its own line, then "Remote Server returned '…'"."""
    out: dict[str, BouncedRecipient] = {}
    for part in _text_parts(message):
        lines = [line.strip() for line in _decoded(part)[:MAX_TEXT].splitlines() if line.strip()]
        for line, following in zip(lines, lines[1:]):
            address = _bare_address(line)
            if address and following.lower().startswith("remote server returned"):
                diagnostic = following.partition("returned")[2].strip(" '")[:500] or None
                code = (
                    diagnostic.split()[1]
                    if diagnostic and len(diagnostic.split()) > 1 and diagnostic.split()[1][:1].isdigit()
                    else None
                )
                out.setdefault(address, BouncedRecipient(address, code, diagnostic))
    return list(out.values())


def _failed_recipients_header(message: email.message.Message) -> list[BouncedRecipient]:
    """Exim's and Gmail's X-Failed-Recipients: the addresses, nothing more."""
    values = str(message.get("x-failed-recipients", ""))[:2000].replace(";", ",").split(",")
    return [BouncedRecipient(a, None, None) for a in dict.fromkeys(_bare_address(v) for v in values) if a]


def _bare_address(text: str) -> str | None:
    token = text.strip().strip("<>").strip()
    if len(token) > 320 or " " in token or token.count("@") != 1:
        return None
    local, domain = token.split("@")
    return token.lower() if local and "." in domain else None


def _text_parts(message: email.message.Message) -> Iterator[email.message.Message]:
    for part in message.walk():
        if not part.is_multipart() and part.get_content_maintype() == "text":
            yield part


def _flufl_failures(message: email.message.Message) -> list[BouncedRecipient]:
    try:
        _temporary, permanent = all_failures(_bounded_copy(message))
    except Exception as exc:  # a detector tripping on odd input is no reason to lose the message
        log.warning("bounce heuristics failed (%s)", type(exc).__name__)
        return []
    addresses = sorted({a.decode("ascii", "replace").lower() for a in permanent})
    return [BouncedRecipient(a, None, None) for a in addresses if "@" in a and len(a) <= 320]


def _bounded_copy(message: email.message.Message) -> email.message.Message:
    """The message with each text part cut to MAX_TEXT characters in lines of at most MAX_LINE."""
    copy = email.message_from_bytes(message.as_bytes())
    for part in copy.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text = _decoded(part)[:MAX_TEXT]
        lines = (line[i : i + MAX_LINE] for line in text.splitlines() for i in range(0, max(len(line), 1), MAX_LINE))
        del part["Content-Transfer-Encoding"]
        part.set_payload("\n".join(lines))
    return copy


def _decoded(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


# -- which message ------------------------------------------------------------------


def our_message_ids(message: email.message.Message, our_domain: str) -> tuple[str, ...]:
    """Our Message-IDs the bounce names: returned headers first, then its own threading headers, then its text."""
    suffix = f"@{our_domain.lower()}>"
    found: list[str] = []
    for value in _returned_ids(message) + [str(message.get("in-reply-to", "")), str(message.get("references", ""))]:
        found += _ids_in(value, suffix)
    if not found:
        for part in message.walk():
            if not part.is_multipart() and part.get_content_maintype() == "text":
                found += _ids_in(_decoded(part)[:MAX_TEXT], suffix)
    return tuple(dict.fromkeys(found))[:MAX_IDS]


def _returned_ids(message: email.message.Message) -> list[str]:
    values = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            if isinstance(inner, email.message.Message):
                values.append(str(inner.get("message-id", "")))
        elif kind == "text/rfc822-headers":
            headers = email.parser.HeaderParser().parsestr(_decoded(part)[:MAX_TEXT], headersonly=True)
            values.append(str(headers.get("message-id", "")))
    return values


def _ids_in(text: str, suffix: str) -> list[str]:
    """Every ``<…@our.domain>`` in the text, by a bounded scan (no regular expression)."""
    out = []
    lower = text.lower()
    start = lower.find(suffix)
    while start != -1 and len(out) < MAX_IDS:
        opening = lower.rfind("<", max(0, start - 200), start)
        candidate = lower[opening : start + len(suffix)] if opening != -1 else ""
        # Ours are <ref.nonce.mac@domain>: two dots before the @ (our From address is not one).
        if candidate and not any(c in candidate[1:-1] for c in "<> \t\r\n") and candidate.split("@")[0].count(".") >= 2:
            out.append(candidate)
        start = lower.find(suffix, start + len(suffix))
    return out
