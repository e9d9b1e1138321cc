"""Every routine that reads a stranger's text costs linear time (DESIGN.md invariant 11; issue 12).

A correctness test for complexity, not a benchmark: each function gets an
adversarial input built to make a backtracking regular expression or a
copy-in-a-loop go quadratic, at two sizes ten times apart. Linear code takes
about ten times longer on the larger (more at first, as the small input sits in
the cache); quadratic code takes a hundred times longer, and seconds in all.
The bounds are loose so a loaded two-core machine does not fail them: the
larger input may take 40 times the smaller, or under FLOOR seconds outright.
Each input here once took from seconds to many minutes at 200 KB.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.intake import mime
from escalations.intake.html_text import html_to_text
from escalations.intake.mime import InboundEmail, body_text, decode_words
from escalations.intake.receiving import header_message_id
from escalations.intake.notices import normalise as n
from escalations.intake.notices.fields import Line, labelled_values
from escalations.intake.notices.reader import read_notice
from escalations.intake.screening import Screen, screen
from escalations.outbound.compose import Sender
from escalations.routing import matching, replies
from escalations.routing.policy import load_policies
from escalations.service.pipeline import Context, prepare
from escalations.service.settings import PACKAGED

SMALL, LARGE = 20_000, 200_000
RATIO = 40  # linear: about 10 (up to 30 seen under load); quadratic: 100
FLOOR = 0.15  # seconds: a large run faster than this passes whatever the ratio


def _html(markup: str) -> InboundEmail:
    return InboundEmail(
        message_id=None,
        subject="",
        from_address=None,
        from_name=None,
        to=(),
        cc=(),
        date=None,
        in_reply_to=None,
        references=(),
        headers={},
        content_type="text/html",
        text=None,
        html=markup,
    )


def _raw(header: str = "", body: str = "Hello", content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = "From: Dev <dev@northside-health.example>\r\nTo: escalations@salford.example\r\nSubject: Notice\r\n"
    return f"{head}{header}Content-Type: {content_type}\r\n\r\n{body}\r\n".encode()


def _email(body: str, subtype: str = "plain", subject: str = "Escalation notice") -> bytes:
    message = EmailMessage()
    message["From"] = "Stranger <stranger@elsewhere.example>"
    message["To"] = "escalations@salford.example"
    message["Subject"] = subject
    message["Message-ID"] = "<hostile@elsewhere.example>"
    message.set_content(body, subtype=subtype)
    return message.as_bytes()


def _context() -> Context:
    policies = load_policies(PACKAGED.parent / "partnerships")
    return Context(
        policies,
        Screen(frozenset(), "partnership.example"),
        Sender("escalations@partnership.example", "k"),
        lambda: datetime(2026, 3, 10, 10, tzinfo=UTC),
    )


def _prepare(raw: bytes) -> object:
    return prepare(raw, "stranger@elsewhere.example", CONTEXT)


CONTEXT = _context()
TODAY = date(2026, 3, 10)

# (function, input of about k characters)
CASES: dict[str, tuple[Callable[[object], object], Callable[[int], object]]] = {
    # intake/mime.py: headers (the stdlib's structured parser is quadratic on these), bodies, words
    "mime-subject-space-run": (mime.parse, lambda k: _raw(f"Subject: a{' ' * k}b\r\n")),
    "mime-folded-subject-run": (mime.parse, lambda k: _raw("Subject: a" + "\r\n " * (k // 3) + "b\r\n")),
    # intake/header_scan.py: the Message-ID read for the dedupe key before the SMTP 250
    "header-scan-folded-message-id": (header_message_id, lambda k: _raw("Message-ID: <a" + "\r\n " * (k // 3) + "@b>\r\n")),
    "header-scan-bare-crs": (header_message_id, lambda k: _raw("X-A: " + "\r" * k + "\r\nMessage-ID: <a@b>\r\n")),
    "mime-to-of-quotes": (mime.parse, lambda k: _raw("To: " + '"' * k + "\r\n")),
    "mime-to-of-commas": (mime.parse, lambda k: _raw(f"Cc: {',' * k}\r\n")),
    "mime-from-of-angles": (mime.parse, lambda k: _raw(f"From: {'<' * k}\r\n")),
    "mime-backslashes": (mime.parse, lambda k: _raw(f"Cc: {chr(92) * k}\r\n")),
    "mime-encoded-word-openings": (mime.parse, lambda k: _raw(f"Subject: {'=?utf-8?q?' * (k // 10)}\r\n")),
    "mime-references": (mime.parse, lambda k: _raw(f"References: {'<a@b> ' * (k // 6)}\r\n")),
    "mime-content-type-params": (mime.parse, lambda k: _raw(content_type="text/plain; " + "a=b; " * (k // 5))),
    "mime-charset-of-quotes": (mime.parse, lambda k: _raw(content_type="text/plain; charset=" + '"' * k)),
    "mime-many-headers": (mime.parse, lambda k: _raw("X-A: b\r\n" * (k // 8))),
    "decode-words-unclosed": (decode_words, lambda k: "=?utf-8?q?" * (k // 10)),
    "decode-words-many": (decode_words, lambda k: "=?utf-8?q?a?= " * (k // 14)),
    "html-unclosed-script": (body_text, lambda k: _html("<script" * (k // 7))),
    "html-script-tags": (body_text, lambda k: _html("<script>" * (k // 8))),
    "html-unclosed-style": (body_text, lambda k: _html("<style>" + "a" * k)),
    "html-angles": (html_to_text, lambda k: "<" * k),
    "html-attribute-quotes": (html_to_text, lambda k: "<a " + 'b="' * (k // 3)),
    "html-comments": (html_to_text, lambda k: "<!--" * (k // 4)),
    "html-nesting": (html_to_text, lambda k: "<div><b>" * (k // 8)),
    # intake/notices/normalise.py
    "email-run-without-at": (n.clean_email, lambda k: "a" * k + " x@y.example"),
    "email-dots-before-at": (n.clean_email, lambda k: "." * k + "@"),
    "email-long-domain": (n.clean_email, lambda k: "a@" + "a" * k),
    "phone-brackets": (n.clean_phone, lambda k: "(" * k),
    "phone-spaced-digits": (n.clean_phone, lambda k: "0 " * (k // 2)),
    "yes-no-space-run": (n.parse_yes_no, lambda k: "x" + " " * k + "x"),
    "yes-no-prompt-then-spaces": (n.parse_yes_no, lambda k: "yes or no" + " " * k),
    "yes-no-or-then-spaces": (n.parse_yes_no, lambda k: "or" + " " * k + "x"),
    "yes-no-typed-x": (n.parse_yes_no, lambda k: "☐" + " x" * (k // 2)),
    "nothing-ticked-spaces": (n.nothing_ticked, lambda k: "yes" + " " * k + "no x"),
    "stage-space-run": (n.parse_stage, lambda k: "2" + " " * k + "x"),
    "stage-ordinal-space-run": (n.parse_stage, lambda k: "2nd" + " " * k + "stage x"),
    "stage-of-space-run": (n.parse_stage, lambda k: "Stage:" + " " * k + "2 of x"),
    "yes-no-risk-words": (n.parse_yes_no, lambda k: "No " + "risk " * (k // 5)),
    "categories-long-word": (n.parse_categories, lambda k: "recognis" * (k // 8)),
    "categories-spaces": (n.parse_categories, lambda k: "roles" + " " * k + "x"),
    "clean-text-dots": (n.clean_text, lambda k: ". " * (k // 2)),
    "clean-name-words": (n.clean_name, lambda k: "a " * (k // 2)),
    "dates-list": (n.parse_dates, lambda k: "1/1/2020," * (k // 9)),
    "attempts-lines": (n.parse_attempts, lambda k: "1/1/2020 - x\n" * (k // 13)),
    "reference-dashes": (n.parse_case_reference, lambda k: "ab-" * (k // 3)),
    # intake/notices/fields.py and the email-body reader
    "line-of-tabs": (lambda s: labelled_values([Line(s, "x")]), lambda k: "a\t" * (k // 2)),
    "line-of-leaders": (lambda s: labelled_values([Line(s, "x")]), lambda k: "x" + " .." * (k // 3)),
    "label-then-spaces": (lambda s: labelled_values([Line(s, "x")]), lambda k: "Date of birth" + " " * k + "x"),
    "line-of-colons": (lambda s: labelled_values([Line(s, "x")]), lambda k: ":" * k),
    "label-leaders-answer": (lambda s: labelled_values([Line(s, "x")]), lambda k: "Your job title " + "_" * k + " x"),
    "label-many-ellipses": (lambda s: labelled_values([Line(s, "x")]), lambda k: "Role " + "… x " * (k // 4)),
    "body-wrapped-lines": (
        lambda s: read_notice((), s, today=TODAY),
        lambda k: ("word " * 14 + "runs\n") * (k // 75),
    ),
    "body-side-heading-colons": (
        lambda s: read_notice((), s, today=TODAY),
        lambda k: "Details of the professional being challenged: " + "a, " * (k // 3),
    ),
    "body-quoted-notice": (lambda s: read_notice((), s, today=TODAY), lambda k: "> Stage: 2\n" * (k // 11)),
    "body-pipe-rows": (lambda s: read_notice((), s, today=TODAY), lambda k: "| Stage | 2 |\n" * (k // 14)),
    "body-pipe-cells": (lambda s: read_notice((), s, today=TODAY), lambda k: "|" + " a |" * (k // 4)),
    "label-space-runs": (lambda s: labelled_values([Line(s, "x")]), lambda k: "Stage" + "  x" * (k // 3)),
    "body-labelled-lines-answer": (
        lambda s: read_notice((), s, today=TODAY),
        lambda k: "Practitioner you disagree with:\n" + "Name: Jo Bloggs\n" * (k // 16),
    ),
    "body-email-line": (lambda s: read_notice((), s, today=TODAY), lambda k: "Email: " + "a" * (k // 2) + " x@y.example"),
    "body-phone-line": (lambda s: read_notice((), s, today=TODAY), lambda k: "Telephone: " + "(" * (k // 2)),
    "body-many-labels": (lambda s: read_notice((), s, today=TODAY), lambda k: "Stage: 2\n" * (k // 20)),
    # issue 9: prose, dashes, emphasis, columns of both sides, a date of birth in a name
    "body-prose-lines": (lambda s: read_notice((), s, today=TODAY), lambda k: "The family moved away. " * (k // 23)),
    "body-prose-paragraphs": (lambda s: read_notice((), s, today=TODAY), lambda k: "A b c d e f g h i j k l m.\n" * (k // 27)),
    "body-disagree-with-capitals": (lambda s: read_notice((), s, today=TODAY), lambda k: "disagree with " + "Aa " * (k // 3)),
    "body-many-disagree-with": (lambda s: read_notice((), s, today=TODAY), lambda k: "I disagree with Bury CSC. " * (k // 26)),
    "body-names-and-dobs": (lambda s: read_notice((), s, today=TODAY), lambda k: "Ruby Whittaker (DOB 01/02/2019) " * (k // 32)),
    "body-capitals-no-dob": (lambda s: read_notice((), s, today=TODAY), lambda k: "Ab " * (k // 3)),
    "body-dashes": (lambda s: read_notice((), s, today=TODAY), lambda k: "Worker - " * (k // 9)),
    "body-asterisks": (lambda s: read_notice((), s, today=TODAY), lambda k: "*a" * (k // 2)),
    "body-underscores": (lambda s: read_notice((), s, today=TODAY), lambda k: "_Stage_ " * (k // 8)),
    "body-columns-of-both-sides": (
        lambda s: read_notice((), s, today=TODAY),
        lambda k: "Referrer\tAgency being challenged\n" + "Name\tJo Bloggs\tAl Smith\n" * (k // 25),
    ),
    "body-name-with-spaces-before-date": (
        lambda s: read_notice((), s, today=TODAY),
        lambda k: "Child: Ruby" + " " * k + "01/02/2019",
    ),
    "html-nested-table-rows": (html_to_text, lambda k: "<table><tr><td>a</td><td>" * (k // 25)),
    "html-nested-divs-bold": (html_to_text, lambda k: "<div>" * (k // 5) + "<b>Stage</b> 2"),
    "html-bold-paragraphs": (html_to_text, lambda k: "<p><b>Stage</b> 2</p>" * (k // 19)),
    "html-bold-many-siblings": (html_to_text, lambda k: "<p><b>Stage</b>" + "<i></i>" * (k // 7) + "</p>"),
    "html-many-cell-paragraphs": (html_to_text, lambda k: "<table><tr><td>a</td><td>" + "<p>b</p>" * (k // 8)),
    # routing/matching.py, routing/replies.py, intake/screening.py
    "reply-prefixes": (matching.strip_prefixes, lambda k: "re:" * (k // 3)),
    "subject-reference-spaces": (matching.subject_reference, lambda k: "[" + " " * k),
    "body-reference": (matching.body_reference, lambda k: "ABCDEF-1234-" * (k // 12)),
    "own-words-dashes": (replies.own_words, lambda k: "-" * k),
    "own-words-spaces": (replies.own_words, lambda k: " " * k),
    "own-words-wrote": (replies.own_words, lambda k: "On " + "x" * k + " wrote:" + " " * k),
    "own-words-wrapped-attribution": (replies.own_words, lambda k: ("on " + "x" * 150 + "\n") * (k // 150) + "x wrote:"),
    "command-spaces": (replies.parse_command, lambda k: "resolved" + " " * k + "\n"),
    "screening-subject": (
        lambda raw: screen(mime.parse(raw), None, CONTEXT.screen),
        lambda k: _raw(f"Subject: Out of office{' ' * k}x\r\n"),
    ),
    # service/pipeline.py: the whole of prepare() on a stranger's message
    "prepare-html-script-run": (_prepare, lambda k: _email("<p>Hi</p>" + "<script" * (k // 7), "html")),
    "prepare-address-run": (_prepare, lambda k: _email("Email: " + "a" * k + " x@y.example")),
    "prepare-phone-run": (_prepare, lambda k: _email("Telephone: " + "( " * (k // 2))),
    "prepare-leaders": (_prepare, lambda k: _email("Name of child: x" + " .." * (k // 3))),
    "prepare-reply-prefixes": (_prepare, lambda k: _email("Resolved", subject="Re:" * (k // 3))),
}


def _seconds(function: Callable[[object], object], argument: object) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function(argument)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("name", CASES)
def test_time_grows_linearly(name: str) -> None:
    function, make = CASES[name]
    small, large = make(SMALL), make(LARGE)
    function(small)  # warm: imports, compiled patterns
    small_time, large_time = _seconds(function, small), _seconds(function, large)
    assert large_time < FLOOR or large_time < RATIO * small_time, (
        f"{name}: {small_time * 1000:.1f} ms at {SMALL:,}, {large_time * 1000:.1f} ms at {LARGE:,} (quadratic?)"
    )


# -- the rewrites give the answers the patterns they replace gave (on inputs short enough for those) --

_OLD_PHONE = re.compile(r"\+?[\d(][\d\s().\-]{7,}\d")
_OLD_EMAIL_IN_TEXT = re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9.-]+", re.IGNORECASE)
_OLD_PROMPT = re.compile(r"\s*yes\s*(?:or|/)\s*no\b[\s:\-–—?]*(?=\S)", re.IGNORECASE)
_OLD_DANGLING = re.compile(r"^\s*(?:or|/)\s+|\s*(?:or|/)\s*$", re.IGNORECASE)
_OLD_PREFIX = re.compile(
    r"^\s*(?:[\[(]\s*)?(?:re|fw|fwd|aw|wg|sv|vs|vb|tr|rv|enc|antw|doorst|odp|pd|atb|yml|r|i)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*(?:[\])]\s*)?",
    re.I,
)


def _old_email(text: str) -> str | None:
    found = {n._address(candidate) for candidate in _OLD_EMAIL_IN_TEXT.findall(text)}
    return found.pop() if len(found) == 1 and text.count("@") == 1 else None


def _old_prefixes(subject: str) -> str:
    previous, text = None, subject
    while previous != text:
        previous, text = text, _OLD_PREFIX.sub("", text, count=1)
    return text.strip()


def _words(*pieces: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(_words("0", "7", "٣", " ", "(", ")", ".", "-", "+", "x", "\t"))
def test_phone_scanner_finds_what_the_pattern_found(text: str) -> None:
    assert n._phone_candidates(text) == _OLD_PHONE.findall(text)


@settings(max_examples=500, deadline=None)
@given(_words("a", "B", "9", ".", "@", " ", "<", ">", ":", "-", "_", "'", "mailto:", "x.example"))
def test_address_scanner_finds_what_the_pattern_found(text: str) -> None:
    assert n.clean_email(text) == _old_email(text)


@settings(max_examples=500, deadline=None)
@given(_words("yes", "Yes", "no", "or", "OR", "/", " ", "\n", ":", "x", "?"))
def test_prompt_removal_removes_what_the_patterns_removed(text: str) -> None:
    assert n._without_prompt(text) == _OLD_DANGLING.sub("", _OLD_PROMPT.sub("", text, count=1))


@settings(max_examples=500, deadline=None)
@given(_words("re", "RE", "fw", ":", "：", " ", "[", "]", "(2)", "i", "x", "SAL-2026-0001"))
def test_prefix_stripping_strips_what_the_pattern_stripped(subject: str) -> None:
    assert matching.strip_prefixes(subject) == _old_prefixes(subject)
