"""Header values from strangers: a Message-ID is valid or dropped, an address has no controls, text has no NUL."""

from __future__ import annotations

import time

import pytest

from escalations.intake import header_values as hv
from escalations.storage.text import storable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<CAF=x+y_z@mail.northside-health.example>", "<CAF=x+y_z@mail.northside-health.example>"),
        ("  <a.b@c.example> (comment)", "<a.b@c.example>"),
        ("<20260310.1@[192.0.2.1]>", "<20260310.1@[192.0.2.1]>"),
        ("<a <b@c.example>>", "<b@c.example>"),
        ("<bad id@c.example> <good@c.example>", "<good@c.example>"),
        ("<nul\x00id@c.example>", None),
        ("evil\r\nBcc: victim@elsewhere.example", None),
        ("<evil\r\nBcc:x@c.example>", None),
        ("<no-at-sign>", None),
        ("<@c.example>", None),
        ("<a@>", None),
        ("a@c.example", None),
        ("<ünï@c.example>", None),
        ("<" + "a" * 1000 + "@c.example>", None),
        ("", None),
        (None, None),
    ],
)
def test_message_id_is_a_valid_msg_id_or_none(value: str | None, expected: str | None) -> None:
    assert hv.message_id(value) == expected


def test_references_keep_only_valid_ids_in_order() -> None:
    assert hv.message_ids("<a@x.example>\r\n <b\x00@x.example> <c@x.example>") == ["<a@x.example>", "<c@x.example>"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.khan@northside-health.example", "a.khan@northside-health.example"),
        ("zoë@northside-health.example", "zoë@northside-health.example"),
        ("a\x00b@northside-health.example", None),
        ("a@b.example\r\nBcc: victim@elsewhere.example", None),
        ("a\u2028b@northside-health.example", None),
        ("a b@northside-health.example", None),
        ("nobody", None),
        ("", None),
    ],
)
def test_address_refuses_controls_and_spaces(value: str, expected: str | None) -> None:
    assert hv.address(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("plain", "plain"), ("a\x00b", "a\ufffdb"), ("caf\udce9", "caf\ufffd"), ("zoë", "zoë"), ("\ud800", "?")],
)
def test_storable_text_has_no_nul_and_no_lone_surrogate(value: str, expected: str) -> None:
    assert storable(value) == expected
    storable(value).encode("utf-8")


def test_scanning_a_hostile_header_is_linear() -> None:
    for hostile in ("<" * 200_000, "<a" * 100_000 + ">", "<" + "a@" * 100_000):
        start = time.perf_counter()
        hv.message_ids(hostile)
        assert time.perf_counter() - start < 0.5
