"""One header field read from raw message bytes by a bounded linear scan, without parsing the message.

The SMTP intake needs only the Message-ID to build the dedupe key before its
``250``; parsing the whole header section with the standard library for it was
a third of the intake's CPU (issue 15). The scan reads at most
``HEADER_SCAN_BYTES``, stops at the blank line that ends the header section
(or at the first line that is not a header, where the standard library's
parser decides the body begins), and skips and unfolds lines as that parser
does (tests/unit/test_header_scan.py holds the two side by side). The first occurrence of the field wins, as ``Message.get`` returns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

HEADER_SCAN_BYTES = 262_144  # the most of a message read for its headers (the parser was given as much)
_FOLD = (b" ", b"\t")
# Line ends as the parser knows them: CRLF, a bare CR or a bare LF. Alternatives of fixed text: linear, no backtracking.
_EOL = re.compile(rb"\r\n|\r|\n")


def header_field(raw: bytes, name: bytes) -> bytes | None:
    """The unfolded value of the first ``name:`` field (``name`` in lower case), or None."""
    head = raw[:HEADER_SCAN_BYTES]
    value: list[bytes] | None = None
    for line in _lines(head):
        if line[:1] in _FOLD:
            if value is not None:
                value.append(line)
            continue  # a continuation of another field, or of none (ignored, as the parser does)
        if value is not None or not line:
            break  # the field ended, or the header section did
        if line.startswith(b"From "):
            continue  # an mbox envelope line, first or misplaced: ignored, as the parser does
        colon = line.find(b":")
        if colon < 0 or not _is_field_name(line[:colon]):
            break  # not a header line: the body begins here
        if colon > 0 and line[:colon].lower() == name:  # ": value" has no name: skipped, as the parser does
            value = [line[colon + 1 :]]
    # Joined by a line break, as the parser keeps a folded value: a Message-ID split across lines stays invalid.
    return None if value is None else b"\n".join(value).strip()


def _is_field_name(name: bytes) -> bool:
    """RFC 5322 ftext: printable ASCII but the colon (the standard library's parser's own test)."""
    return all(33 <= byte <= 126 for byte in name)


def _lines(head: bytes) -> Iterator[bytes]:
    """The lines of ``head`` without their ends, one at a time (the scan usually stops after a few)."""
    start = 0
    for end in _EOL.finditer(head):
        yield head[start : end.start()]
        start = end.end()
    if start < len(head):
        yield head[start:]
