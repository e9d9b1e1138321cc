"""Header values from strangers, made safe to store and to copy: a Message-ID is valid or dropped, text holds no NUL.

PostgreSQL text cannot hold NUL, so a NUL in a Message-ID or MAIL FROM failed
every attempt to store the message (451 for ever); a CR/LF in a Message-ID we
copied into In-Reply-To made composing our reply raise (header injection).
The raw bytes are always kept exactly; only the values read from them pass
through here. Every function is one linear scan: no regular expression.
"""

from __future__ import annotations

import string

from escalations.storage.text import storable

MAX_MESSAGE_ID = 998  # RFC 5322 2.1.1: a line of 998 octets, and our column's size
MAX_ADDRESS = 320  # RFC 5321 4.5.3.1: 64 + "@" + 255
# RFC 5322 3.2.3 atext, and the dots of dot-atom-text (where dots fall is not checked: harmless in a header).
_ATOM = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.")
_DTEXT = frozenset(chr(c) for c in range(33, 127)) - {"[", "]", "\\"}


def message_ids(value: str | None) -> list[str]:
    """Every valid RFC 5322 msg-id (``<id-left@id-right>``) in ``value``, in order; anything else is skipped."""
    found: list[str] = []
    text = value or ""
    start = text.find("<")
    while start != -1:
        end = text.find(">", start)
        if end == -1:
            break
        start = max(start, text.rfind("<", start, end))  # "<a <b@c>": the candidate is "<b@c>"
        candidate = text[start : end + 1]
        if is_message_id(candidate):
            found.append(candidate)
        start = text.find("<", end)
    return found


def message_id(value: str | None) -> str | None:
    """The first valid msg-id in ``value``, or None: an invalid one is dropped, never copied or stored."""
    ids = message_ids(value)
    return ids[0] if ids else None


def is_message_id(candidate: str) -> bool:
    if not (candidate.startswith("<") and candidate.endswith(">")) or len(candidate) > MAX_MESSAGE_ID:
        return False
    left, at, right = candidate[1:-1].rpartition("@")
    if not (at and left and right) or not _ATOM.issuperset(left):
        return False
    if right.startswith("[") and right.endswith("]"):  # no-fold-literal
        return _DTEXT.issuperset(right[1:-1])
    return _ATOM.issuperset(right)


def address(value: str | None) -> str | None:
    """An email address fit to look up and to write in a To: header, or None (controls, spaces, no "@")."""
    if not value or len(value) > MAX_ADDRESS or "@" not in value:
        return None
    if any(ch in ' <>,;"' or not ch.isprintable() for ch in value):  # controls, NUL, CR/LF, U+2028…
        return None
    return value


def storable_or_none(value: str | None) -> str | None:
    return None if value is None else storable(value)
