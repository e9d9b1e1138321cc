"""The bounded header scan finds the Message-ID the standard library's full header parse found (issue 15)."""

from __future__ import annotations

from email.parser import BytesHeaderParser

import pytest
from hypothesis import given, settings, strategies as st

from escalations.intake import header_values
from escalations.intake.header_scan import HEADER_SCAN_BYTES, header_field
from escalations.intake.receiving import header_message_id


def parsed_message_id(raw: bytes) -> str | None:
    """What the intake read before the scan: the standard library's header parse of the same bytes."""
    headers = BytesHeaderParser().parsebytes(raw[:HEADER_SCAN_BYTES])
    return header_values.message_id(str(headers.get("Message-ID", "") or ""))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"Message-ID: <a@b.example>\r\n\r\nbody", "<a@b.example>"),
        (b"From: x@y.example\nmessage-id:<a@b.example>\n\nbody", "<a@b.example>"),
        (b"Message-ID:\r\n <folded@b.example>\r\nSubject: s\r\n\r\n", "<folded@b.example>"),
        (b"Subject: s\r\n\r\nMessage-ID: <in-body@b.example>\r\n", None),
        (b"Message-ID: <first@b.example>\r\nMessage-ID: <second@b.example>\r\n\r\n", "<first@b.example>"),
        (b"From someone Mon Jan  1 00:00:00 2026\nMessage-ID: <mbox@b.example>\n\n", "<mbox@b.example>"),
        (b"Subject: s\r\nnot a header line\r\nMessage-ID: <after@b.example>\r\n\r\n", None),
        (b"Message-ID: <split\r\n @b.example>\r\n\r\n", None),
        (b"Message-ID: <nul\x00@b.example>\r\n\r\n", None),
        (b"Message-ID: <caf\xc3\xa9@b.example>\r\n\r\n", None),
        (b"X-Pad: " + b"a" * HEADER_SCAN_BYTES + b"\r\nMessage-ID: <late@b.example>\r\n\r\n", None),
        (b"", None),
    ],
    ids=[
        "crlf",
        "lf-lower-case",
        "folded",
        "only-in-body",
        "first-wins",
        "mbox-from",
        "body-begins",
        "split-id",
        "nul",
        "non-ascii",
        "beyond-the-bound",
        "empty",
    ],
)
def test_the_scan_reads_the_message_id_the_parser_read(raw: bytes, expected: str | None) -> None:
    assert header_message_id(raw) == expected
    assert parsed_message_id(raw) == expected


_LINE = st.one_of(
    st.sampled_from([b"Message-ID: <x@y.example>", b"message-id:<z@y.example>", b" <fold@y.example>", b"\t", b"", b"From x"]),
    st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.builds(lambda n, v: n + b":" + v, st.sampled_from([b"Subject", b"Message-ID", b"X-A"]), st.binary(max_size=30)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, max_size=8), st.sampled_from([b"\r\n", b"\n"]))
def test_the_scan_agrees_with_the_parser_on_arbitrary_header_sections(lines: list[bytes], eol: bytes) -> None:
    raw = eol.join(lines) + eol + eol + b"body"
    assert header_message_id(raw) == parsed_message_id(raw)


def test_the_scan_stops_at_the_end_of_the_header_section() -> None:
    assert header_field(b"Subject: a\r\n\r\nX-Late: b\r\n", b"x-late") is None
    assert header_field(b"Subject: a\r\n b\r\n\r\n", b"subject") == b"a\n b"
