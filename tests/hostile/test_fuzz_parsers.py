"""Bounded fuzzing of every parser that reads untrusted bytes, with properties, not just "it ran".

Each test runs under the ``hostile-fuzz`` hypothesis profile (tests/hostile/conftest.py):
a fixed number of examples, derandomised, so CI spends the same budget every
run; ``HOSTILE_FUZZ_EXAMPLES=2000 HOSTILE_FUZZ_RANDOM=1`` fuzzes for longer
locally. The properties: only the documented exception (if any), the
documented output types, outputs that come from the input (a reference, an
address), and time that stays linear: a short atom repeated to a few
kilobytes, then four times as many, must cost about four times the time
(a quadratic regular expression costs sixteen: issue 12 defect 1).
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from escalations.intake import mime
from escalations.intake.mime import InboundEmail, MalformedMessage, body_text
from escalations.intake.notices import normalise
from escalations.intake.notices.formats import Format
from escalations.intake.notices.model import Notice
from escalations.intake.notices.reader import read_notice
from escalations.intake.notices.sandbox import Reading, read_document
from escalations.intake.screening import RULES, Screen, screen
from escalations.routing.matching import REFERENCE, body_reference, strip_prefixes, subject_reference
from escalations.routing.replies import COMMANDS, Command, own_words, parse_command
from tests.support import forms, pdfs

pytestmark = pytest.mark.hostile

FUZZ = settings.get_profile("hostile-fuzz")
# Documents go through a child process each (~20-300 ms): fewer examples, same properties.
DOCUMENTS = settings(
    FUZZ,
    max_examples=max(6, FUZZ.max_examples // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A timing failure is not shrunk: shrinking would rerun the slow input many times.
TIMING = settings(FUZZ, phases=[Phase.explicit, Phase.generate], deadline=None, max_examples=max(10, FUZZ.max_examples // 4))
TODAY = date(2026, 3, 10)

# Text with the characters parsers care about, more often than chance would give them.
INTERESTING = st.sampled_from(
    list("<>@.:;,-/()[]\"'=?\r\n\t \x00é☒☐✓XxYesNo0123456789")
    + [
        "<script>",
        "</script>",
        "<style>",
        "<br>",
        "RE: ",
        "FW: ",
        "[SAL-2026-0001]",
        "SAL-2026-0001",
        "Resolved",
        "Escalate",
        "Withdraw",
        "> ",
        "On Tue, 10 Mar 2026, A wrote:",
        "-- ",
        "=?utf-8?q?",
        "?=",
        "mailto:",
        "a.khan@northside-health.example",
        "Name of Child/Young Person: ",
        "D.O.B: ",
        "Your email: ",
        "Telephone: ",
        "Stage: ",
        "0161 496 0000",
        "14/02/2017",
    ]
)
TEXT = st.lists(st.one_of(INTERESTING, st.text(max_size=20)), max_size=60).map("".join)
ATOM = st.lists(INTERESTING, min_size=1, max_size=4).map("".join)


def elapsed(function: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def repeated(atom: str, size: int = 8_000) -> str:
    return atom * (size // max(1, len(atom)) + 1)


def assert_linear(
    function: Callable[[str], object], atom: str, small: int = 2_000, wrap: Callable[[str], object] = lambda text: text
) -> None:
    """Four times the input may cost about four times the time, never sixteen (a quadratic scan).

    Compared with itself rather than a wall-clock bound, so a loaded machine does not
    decide it; the slack absorbs the jitter of timing a linear function's milliseconds.
    """
    short, long = wrap(repeated(atom, small)), wrap(repeated(atom, 4 * small))
    base = min(elapsed(function, short) for _ in range(3))
    taken = elapsed(function, long)
    if taken > 8 * base + 0.1:
        taken = min(taken, elapsed(function, long))  # a second look before calling it quadratic
    assert taken <= 8 * base + 0.1, f"{len(long)} characters took {taken:.3f} s, {len(short)} took {base:.3f} s"


# --- MIME ---------------------------------------------------------------------------------------------


def _raw_messages() -> st.SearchStrategy[bytes]:
    header = st.tuples(
        st.sampled_from(
            [
                "From",
                "To",
                "Subject",
                "Message-ID",
                "In-Reply-To",
                "References",
                "Content-Type",
                "Content-Transfer-Encoding",
                "Auto-Submitted",
                "Precedence",
                "X-Junk",
            ]
        ),
        TEXT,
    )
    lines = st.lists(header, max_size=12).map(lambda hs: "".join(f"{n}: {v}\r\n" for n, v in hs))
    return st.one_of(
        st.binary(max_size=2000),
        st.tuples(lines, TEXT).map(lambda p: (p[0] + "\r\n" + p[1]).encode("utf-8", "surrogatepass")),
        st.tuples(lines, st.binary(max_size=500)).map(lambda p: p[0].encode("utf-8", "surrogatepass") + b"\r\n" + p[1]),
    )


@FUZZ
@given(_raw_messages())
@example(b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n")
def test_mime_parse_returns_a_message_or_says_it_is_malformed(raw: bytes) -> None:
    try:
        mail = mime.parse(raw)
    except MalformedMessage as exc:
        assert str(exc)
        return
    assert isinstance(mail, InboundEmail)
    assert isinstance(mail.subject, str) and "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.from_address is None or ("@" in mail.from_address and mail.from_address == mail.from_address.lower())
    assert all(isinstance(a, str) for a in mail.to + mail.cc + mail.references)
    assert all(isinstance(a.data, bytes) for a in mail.attachments)
    text = body_text(mail)
    assert text is None or isinstance(text, str)
    verdict = screen(mail, None, Screen(frozenset({"escalations@partnership.example"}), "partnership.example"))
    assert verdict is None or verdict.rule in {rule.name for rule in RULES} and verdict.reason


@FUZZ
@given(TEXT)
@example("<p>Name: Jo</p><script>hidden_words()</script>")
def test_body_text_of_any_html_is_text_without_closed_scripts(markup: str) -> None:
    text = body_text(_html(markup))
    assert isinstance(text, str) if markup else text is None
    if "<script>hidden_words()</script>" in markup and "<!--" not in markup:
        assert "hidden_words" not in (text or "")


@TIMING
@given(ATOM)
@example("<script>")
@example("<style>")
def test_body_text_takes_linear_time(atom: str) -> None:
    assert_linear(body_text, atom, small=8_000, wrap=_html)


def _html(markup: str) -> InboundEmail:
    return InboundEmail(None, "", None, None, (), (), None, None, (), {}, "text/html", None, markup)


# --- the email-body notice reader and normalisation ----------------------------------------------------


@FUZZ
@given(TEXT)
def test_the_body_reader_always_gives_a_notice(body: str) -> None:
    notice = read_notice((), body, today=TODAY)
    assert isinstance(notice, Notice)
    assert all(p.field and p.message for p in notice.problems)
    assert notice.subject.dob is None or isinstance(notice.subject.dob, date)
    assert notice.stage is None or isinstance(notice.stage, int)
    assert isinstance(notice.to_json(), dict)


@FUZZ
@given(TEXT)
def test_normalisers_return_their_documented_types(text: str) -> None:
    assert normalise.parse_uk_date(text) is None or isinstance(normalise.parse_uk_date(text), date)
    assert normalise.parse_yes_no(text) in (True, False, None)
    stage = normalise.parse_stage(text)
    assert stage is None or isinstance(stage, int) and stage >= 0
    assert all(isinstance(c, str) for c in normalise.parse_categories(text))
    assert all(isinstance(c, str) and c for c in normalise.parse_copies(text))
    assert normalise.parse_subject_kind(text) in (None, "child", "adult")
    name = normalise.clean_name(text)
    assert name is None or (name.strip() and "@" not in name and len(name) <= 100)
    cleaned = normalise.clean_text(text)
    assert cleaned is None or cleaned.strip()
    reference = normalise.parse_case_reference(text)
    assert reference is None or reference.upper() in text.upper()


@FUZZ
@given(TEXT)
@example("Your email: Aisha <A.Khan@Northside-Health.example> (secure)")
def test_clean_email_gives_one_address_taken_from_the_text(text: str) -> None:
    address = normalise.clean_email(text)
    if address is not None:
        assert address == address.lower() and address.count("@") == 1
        assert address in text.lower()


@FUZZ
@given(TEXT)
def test_clean_phone_gives_digits_from_the_text(text: str) -> None:
    phone = normalise.clean_phone(text)
    if phone is not None:
        digits = "".join(ch for ch in phone if ch.isdigit())
        assert 10 <= len(digits) <= 12
        assert set(phone) <= set("+0123456789 ")


@TIMING
@given(ATOM)
@example("a")
@example("a.")
def test_clean_email_takes_linear_time(atom: str) -> None:
    assert_linear(normalise.clean_email, atom)


@TIMING
@given(ATOM)
@example("(")
def test_clean_phone_takes_linear_time(atom: str) -> None:
    assert_linear(normalise.clean_phone, atom)


@TIMING
@given(ATOM)
@example("\r")
@example(" ")
def test_parse_yes_no_takes_linear_time(atom: str) -> None:
    assert_linear(normalise.parse_yes_no, atom, small=1_000)


@TIMING
@given(ATOM)
@example("0")
@example("14/02/")
@example("Yes or No ")
@example("☒ ")
def test_the_other_normalisers_take_linear_time(atom: str) -> None:
    for function in (
        normalise.parse_uk_date,
        normalise.parse_stage,
        normalise.parse_categories,
        normalise.parse_copies,
        normalise.clean_name,
        normalise.clean_text,
        normalise.parse_attempts,
        normalise.parse_case_reference,
        normalise.parse_subject_kind,
    ):
        assert_linear(function, atom)


# --- reply commands and references -----------------------------------------------------------------------


@FUZZ
@given(TEXT)
@example("Resolved - no further action\n> Escalate")
def test_parse_command_reads_only_the_first_line_of_the_own_words(body: str) -> None:
    command = parse_command(body)
    words = own_words(body)
    assert isinstance(words, str) and ">" not in words.split("\n", 1)[0][:1]
    if command is not None:
        assert isinstance(command, Command) and command.kind in set(COMMANDS.values())
        first = next(line for line in words.splitlines() if line.strip())
        assert command.word.lower() in first.lower()


@TIMING
@given(ATOM)
@example(" ")
@example("> ")
@example("On ")
def test_reply_parsing_takes_linear_time(atom: str) -> None:
    assert_linear(parse_command, atom)
    assert_linear(parse_command, atom.replace("\n", " "))


@FUZZ
@given(TEXT)
@example("RE: FW: AW: [ sal-2026-0001 ] Escalation")
def test_references_come_from_the_text_and_have_the_reference_form(text: str) -> None:
    for found in (subject_reference(text), body_reference(text)):
        assert found is None or (REFERENCE.fullmatch(found) and found == found.upper() and found in text.upper())
    stripped = strip_prefixes(text)
    assert text.strip().endswith(stripped) or stripped in text


@TIMING
@given(ATOM)
@example("RE: ")
@example("[SAL-")
def test_reference_matching_takes_linear_time(atom: str) -> None:
    for function in (subject_reference, body_reference, strip_prefixes):
        assert_linear(function, atom)


# --- documents through the sandbox ---------------------------------------------------------------------


def _flipped(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    how = rng.choice(("flip", "truncate", "splice"))
    if how == "flip":
        for _ in range(rng.randint(1, 40)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif how == "truncate":
        del out[rng.randrange(len(out)) :]
    else:
        at = rng.randrange(len(out))
        out[at:at] = out[rng.randrange(len(out)) :][: rng.randint(1, 4000)]
    return bytes(out)


_SEEDS: dict[str, bytes] = {}


def _seed(name: str) -> bytes:
    if name not in _SEEDS:
        _SEEDS[name] = {
            "salford": forms.salford_notice,
            "barnet": forms.barnet_notice,
            "legacy": forms.salford_legacy_form_notice,
            "acroform": pdfs.acroform_notice,
            "table": pdfs.bnes_table_notice,
        }[name]()
    return _SEEDS[name]


def _assert_reading(reading: Reading) -> None:
    assert isinstance(reading, Reading)
    assert all(isinstance(v.label, str) and isinstance(v.value, str) and isinstance(v.source, str) for v in reading.values)
    assert all(isinstance(p, str) and p for p in reading.problems)
    assert reading.values or reading.problems or True  # an empty document may give neither


@DOCUMENTS
@given(st.sampled_from(["salford", "barnet", "legacy"]), st.integers(0, 2**32 - 1), st.booleans())
def test_mutated_docx_files_give_a_reading_through_the_sandbox(seed: str, number: int, bytewise: bool) -> None:
    data = _seed(seed)
    document = (
        _flipped(data, random.Random(number)) if bytewise else next(iter(forms.mutated_documents(data, count=1, seed=number)))
    )
    started = time.monotonic()
    reading = read_document(Format.DOCX, document)
    _assert_reading(reading)
    assert time.monotonic() - started < 30


@DOCUMENTS
@given(st.sampled_from(["acroform", "table"]), st.integers(0, 2**32 - 1))
def test_mutated_pdf_files_give_a_reading_through_the_sandbox(seed: str, number: int) -> None:
    started = time.monotonic()
    reading = read_document(Format.PDF, _flipped(_seed(seed), random.Random(number)))
    _assert_reading(reading)
    assert time.monotonic() - started < 30


@DOCUMENTS
@given(
    st.dictionaries(
        st.sampled_from(["word/document.xml", "[Content_Types].xml", "word/_rels/document.xml.rels", "x.xml"]),
        st.binary(max_size=300),
        max_size=4,
    )
)
def test_arbitrary_zip_packages_give_a_reading_through_the_sandbox(parts: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    _assert_reading(read_document(Format.DOCX, out.getvalue()))
