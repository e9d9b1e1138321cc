"""The reader's child process: killed when slow, stopped past its memory, never taking the parent down.

Every slow or huge input here is a real document (a page of 60,000 words, a
content stream that inflates to 400 MB, entity-laden XML); no test hook runs in
the child. The child is found by spying on the parent's wait for its answer.
"""

from __future__ import annotations

import io
import os
import random
import signal
import threading
import time
import zipfile
from datetime import date
from types import SimpleNamespace

import pytest

from escalations.intake.notices import sandbox
from escalations.intake.notices.formats import Format
from escalations.intake.notices.model import Notice, Problem
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.intake.notices.sandbox import Limits, Reading, ReaderUnavailable, read_document
from escalations.service.budget import BudgetExceeded, budget
from tests.support import forms, pdfs

TODAY = date(2026, 3, 6)
MB = 1024 * 1024


@pytest.fixture
def children(monkeypatch):
    """The process ids of the reader children started, as the parent starts waiting for each."""
    started: list[int] = []
    waiting = sandbox._answer

    def spy(receiver, child, limits):  # type: ignore[no-untyped-def]
        started.append(child.pid)
        return waiting(receiver, child, limits)

    monkeypatch.setattr(sandbox, "_answer", spy)
    return started


def gone(pid: int, within: float = 5.0) -> bool:
    """The process has exited and been reaped (by the forkserver, its parent)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# --- limits ---------------------------------------------------------------------------------------


def test_a_slow_parse_is_killed_at_the_time_limit(children):
    started = time.monotonic()
    reading = read_document(Format.PDF, pdfs.slow_notice(), limits=Limits(seconds=1.0))
    assert reading == Reading(problems=[sandbox.TOO_LONG])
    assert time.monotonic() - started < 4  # the page alone takes several seconds to lay out
    assert gone(children[0])


def test_the_time_limit_reaches_the_sender_through_read_notice():
    attachment = Attachment("notice.pdf", "application/pdf", pdfs.slow_notice())
    notice = read_notice([attachment], None, today=TODAY, limits=Limits(seconds=1.0))
    assert notice.problems == [
        Problem(
            "document",
            "attachment 1 (.pdf): The attachment took too long to read; please send the Word form or a PDF saved from Word.",
        )
    ]


def test_a_parse_past_the_memory_limit_is_stopped(children):
    reading = read_document(Format.PDF, pdfs.deflate_bomb_notice(400), limits=Limits(memory_bytes=256 * MB))
    assert reading == Reading(problems=[sandbox.TOO_BIG_TO_READ])
    assert gone(children[0])


def test_the_same_document_reads_within_a_larger_memory_limit():
    reading = read_document(Format.PDF, pdfs.deflate_bomb_notice(100), limits=Limits(memory_bytes=1024 * MB))
    assert reading.problems == ["The PDF has no text in it; please send the Word form or a PDF saved from Word."]


def test_a_child_killed_from_outside_is_a_problem_not_a_crash(children):
    """As the kernel's OOM killer would: SIGKILL in the middle of a parse."""
    result: list[Reading] = []
    reader = threading.Thread(target=lambda: result.append(read_document(Format.PDF, pdfs.slow_notice())))
    reader.start()
    deadline = time.monotonic() + 10
    while not children and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    os.kill(children[0], signal.SIGKILL)
    reader.join(10)
    assert result == [Reading(problems=[sandbox.STOPPED])]


def test_an_oversized_file_is_refused_before_any_process_starts(monkeypatch):
    monkeypatch.setattr(sandbox, "_forkserver", lambda: pytest.fail("a process was started"))
    reading = read_document(Format.DOCX, forms.salford_notice(), limits=Limits(max_bytes=1000))
    assert reading == Reading(problems=["The attachment is larger than the 0.001 MB we read; please send the notice on its own."])


def test_no_process_to_be_had_is_a_temporary_failure(monkeypatch):
    sandbox.close_readers()  # no child kept from an earlier test

    def refuse() -> None:
        raise OSError(11, "Resource temporarily unavailable")

    context = SimpleNamespace(
        Pipe=lambda duplex: __import__("multiprocessing").Pipe(duplex),
        Process=lambda **_: SimpleNamespace(start=refuse),
    )
    monkeypatch.setattr(sandbox, "_forkserver", lambda: context)
    with pytest.raises(ReaderUnavailable):
        read_document(Format.DOCX, forms.salford_notice())


def test_the_page_limit_is_applied_in_the_child():
    assert read_document(Format.PDF, pdfs.pages_notice(3), limits=Limits(max_pages=2)).problems == [
        "The PDF has more than 2 pages, more than a notice has; please send the notice form on its own."
    ]


@pytest.mark.parametrize("kind, build", [(Format.DOCX, forms.salford_notice), (Format.PDF, pdfs.acroform_notice)])
def test_in_process_parsing_reads_exactly_what_the_child_reads(monkeypatch, kind, build):
    isolated = read_document(kind, build())
    monkeypatch.setattr(sandbox, "ISOLATED", False)
    assert read_document(kind, build()) == isolated
    assert isolated.values


# --- reused children ---------------------------------------------------------------------------------


def names(reading: Reading) -> set[tuple[str, str]]:
    return {(value.label, value.value) for value in reading.values}


def test_one_child_reads_document_after_document_and_reads_each_as_a_new_one_would(children):
    first = read_document(Format.DOCX, forms.salford_notice())
    second = read_document(Format.PDF, pdfs.acroform_notice())
    third = read_document(Format.DOCX, forms.salford_notice())
    assert len(set(children)) == 1
    assert first == third and first.values and second.values
    assert names(first) != names(second)


def test_a_child_killed_at_the_time_limit_is_replaced_and_the_next_document_read(children):
    read_document(Format.DOCX, forms.salford_notice())
    assert read_document(Format.PDF, pdfs.slow_notice(), limits=Limits(seconds=1.0)) == Reading(problems=[sandbox.TOO_LONG])
    assert gone(children[1])
    assert read_document(Format.DOCX, forms.salford_notice()).values
    assert children[0] == children[1] != children[2]
    assert children[2] in sandbox.readers().children()


def test_a_child_that_died_while_idle_is_replaced(children):
    read_document(Format.DOCX, forms.salford_notice())
    os.kill(children[0], signal.SIGKILL)
    assert gone(children[0])
    assert read_document(Format.DOCX, forms.salford_notice()).values
    assert children[1] != children[0]


def test_a_child_past_its_memory_limit_is_not_reused(children):
    assert read_document(Format.PDF, pdfs.deflate_bomb_notice(400), limits=Limits(memory_bytes=256 * MB)).problems == [
        sandbox.TOO_BIG_TO_READ
    ]
    assert read_document(Format.DOCX, forms.salford_notice()).values
    assert children[1] != children[0]


def test_a_read_interrupted_by_the_workers_budget_never_leaves_its_answer_for_the_next(children):
    with pytest.raises(BudgetExceeded), budget(0.5):
        read_document(Format.PDF, pdfs.slow_notice())
    assert gone(children[0])
    assert names(read_document(Format.DOCX, forms.salford_notice())) == names(read_document(Format.DOCX, forms.salford_notice()))
    assert children[0] not in children[1:]


def test_a_child_is_replaced_after_so_many_documents_or_once_it_has_grown(children):
    pool = sandbox.ReaderPool(documents_per_child=2)
    job = {"kind": Format.DOCX.value, "labels": {}, "limits": Limits()}
    for _ in range(3):
        assert pool.read(job, forms.salford_notice())["values"]
    assert children[0] == children[1] != children[2]
    grown = sandbox.ReaderPool(max_memory_bytes=MB)  # every child is bigger than that
    for _ in range(2):
        grown.read(job, forms.salford_notice())
    assert children[3] != children[4] and gone(children[3])
    pool.close()
    grown.close()


def test_the_pool_never_holds_more_children_than_its_size(children):
    pool = sandbox.ReaderPool(size=2)
    job = {"kind": Format.PDF.value, "labels": {}, "limits": Limits()}
    most = []

    def read() -> None:
        answer = pool.read(job, pdfs.acroform_notice())
        most.append(len(pool.children()))
        assert answer["values"]

    readers = [threading.Thread(target=read) for _ in range(8)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)
    assert len(most) == 8 and max(most) <= 2
    assert len(set(children)) <= 2
    pool.close()


def test_closing_the_readers_stops_every_child(children):
    read_document(Format.DOCX, forms.salford_notice())
    started = sandbox.readers().children()
    assert started == children[:1]
    sandbox.close_readers()
    assert gone(started[0])
    assert read_document(Format.DOCX, forms.salford_notice()).values  # the next document starts another


# --- XML entities: never expanded, never fetched ---------------------------------------------------


def entity_docx(declarations: str, name: str) -> bytes:
    """A .docx whose document.xml is UTF-16 (which a byte search for "<!DOCTYPE" cannot see) and
    declares entities; the child's name cell holds an entity reference."""
    base = forms.docx_table_notice([("Name of child", "Jo Bloggs"), ("Your name", "NAME")])
    source = zipfile.ZipFile(io.BytesIO(base))
    xml = source.read("word/document.xml").decode("utf-8")
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    xml = xml.replace("?>", f"?><!DOCTYPE w:document [{declarations}]>", 1).replace("NAME", name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for item in source.infolist():
            data = xml.encode("utf-16") if item.filename == "word/document.xml" else source.read(item)
            package.writestr(item, data)
    return out.getvalue()


LAUGHS = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))


def test_an_external_entity_is_not_fetched_nor_an_internal_one_expanded():
    declarations = '<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY who "Injected Name">'
    for reference in ("&xxe;", "&who;"):
        reading = read_document(Format.DOCX, entity_docx(declarations, reference))
        assert ("Name of child", "Jo Bloggs") in [(v.label, v.value) for v in reading.values]
        assert not any("root:" in v.value or "Injected" in v.value for v in reading.values)


def test_a_billion_laughs_does_not_expand():
    started = time.monotonic()
    reading = read_document(Format.DOCX, entity_docx(LAUGHS, "&lol9;"), limits=Limits(memory_bytes=512 * MB))
    assert reading == Reading(problems=["The document is damaged or is not a Word .docx file."])
    assert time.monotonic() - started < 5


# --- whatever the bytes, a notice comes back -----------------------------------------------------------


def mutated(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    how = rng.choice(("flip", "truncate", "splice"))
    if how == "flip":
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == "truncate":
        del data[rng.randrange(len(data)) :]
    else:
        at, length = rng.randrange(len(data)), rng.randint(1, 4000)
        data[at:at] = data[rng.randrange(len(data)) :][:length]
    return bytes(data)


def test_mutated_documents_never_crash_or_hang_the_reader():
    rng = random.Random(20260306)
    seeds = [pdfs.acroform_notice(), pdfs.bnes_table_notice(), pdfs.word_style_notice(), forms.salford_notice()]
    limits = Limits(seconds=5.0)
    started = time.monotonic()
    for _ in range(40):
        attachment = Attachment("notice", "application/octet-stream", mutated(rng.choice(seeds), rng))
        notice = read_notice([attachment], "Name of child: Jo Bloggs", today=TODAY, limits=limits)
        assert isinstance(notice, Notice)
        assert all(problem.field != "document" or problem.message.startswith("attachment 1") for problem in notice.problems)
    assert time.monotonic() - started < 120


def test_a_document_of_thousands_of_answers_is_refused_whole():
    rows = [("Dates", "Outcome")] + [(f"{day % 28 + 1:02d}/01/2026", "met") for day in range(sandbox.MAX_VALUES)]
    reading = read_document(Format.DOCX, forms.docx_table_notice(rows))
    assert reading == Reading(problems=[sandbox.TOO_MANY])
