"""The notice reader over the corpus: field-level accuracy, and nothing invented.

Every corpus notice (tests/corpus: 34 development designs in other partnerships' styles,
six seen and nine seen-2 designs (held-out parts 1 and 2, written by people who had not read
the reader, now spent), 13 held out (part 3) written by people who had not read the reader, 67
probe designs each measured before the reader changed for it, plus the forms ``forms make``
writes, filled in) is read
as production reads it: the email parsed, each .docx and .pdf read in the
sandbox, with the partnership's form profile. The floors below are today's
measured accuracy less a margin: raise them as the reader improves (the issue's
targets are beside them). ``benchmarks/notices.py`` prints the same figures per
field and per format.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from escalations.intake.notices import conversion
from tests.corpus.build import LIBREOFFICE_KINDS, PARTS, build
from tests.corpus.cases import AGENCIES
from tests.corpus.reading import accuracy, convert_legacy, flatten, invented, percent, read, read_all, score
from tests.support.libreoffice import REQUIRE_SERVICES, soffice_binary

# Measured on 2026-12-01 (branch reader, LibreOffice 7.4): right fields / fields the notices state.
# Before the reader branch: development 605/770 (78.6%, twelve designs), held-out 225/390 (57.7%).
# "heldout2" first measured at main 595202a, before its reader saw any change made for it: 373/635 (58.7%);
# 473/635 after the reader branch merged, whose author never saw it.
# Branch reader2 (2026-12-01, twelve more development designs: legacy .rtf/.doc/.odt, printed PDF
# columns, wrapped and forwarded mail, Word HTML): development 1980/1980, held-out 245/390 (from
# 235), held-out 2 488/635 (from 473), both measured only in aggregate.
# Branch reader-text (2026-12-01): 32 probe designs in five sets, each set measured before the reader changed
# for it (77.1%, 59.2%, 77.0%, 78.3%, 85.4%: benchmarks/notices.py), then read by meaning; development kept.
# Held-out parts, measured once at the end and only in aggregate: 270/390 (from 245), 550/635 (from 488).
# Branch reader-text2 (2026-12-01): probe sets 6-8 (twelve designs; 69.0%, 77.1%, 91.5% as first read), then
# rules of meaning for the challenged person in sentences and "<Role> <Name>", the concern's labels, and
# immediate risk in words with negation; probe 2181/2200 (the rest left missing rather than guessed).
# Held-out parts, measured once at the end and only in aggregate: unchanged at 270/390 and 550/635.
# Branch reader-seen (2026-12-01): the first held-out part spent as the "seen" part (designs_seen.py). Read
# before any change made for it: 265/390 (67.9%). Then opened, and the reader taught what it missed by rules of
# layout and meaning (bilingual labels, "About …" headings, ticked lines then prose, "Agency B", an agency with
# its worker in brackets): seen 390/390; development, probe and forms-make unchanged. Held-out 2, measured once
# at the end and only in aggregate (benchmarks/notices.py --write): unchanged at 550/635.
# "heldout3" (tests/corpus/heldout3/, thirteen designs, 65 notices) first measured on 2026-12-02 at main 997e87a
# (the reader as at 375b0d5), LibreOffice 7.4, before its reader saw any change made for it: 821/1065 (77.1%),
# nothing invented; reported only in aggregate. Its floor is that figure in whole percent, less one point.
# Branch reader-probe3 (2026-12-02): probe sets 9 and 10 (designs_probe3.py, ten designs: printed two-page
# and fillable PDFs, a Word form printed to PDF by LibreOffice, Outlook replies above quoted threads, names
# as "SURNAME, Forename", "Baby …", "aka …", the other side as "<Role> <Name>"), read before any change made
# for them: 197/305 (64.6%, 5 invented) and 200/290 (69.0%); the probe part 2578/2795 as they stood. Then
# rules of meaning (the subject's name as records write it, a worker with their agency in brackets, "Escalating
# to", a reply read without the earlier mail quoted under it) and of printed layout (a row of labels above boxes
# read column by column, a bold side heading worded as a label over a column, options with drawn boxes and an X
# typed in, a cell's wrapped line parted at its commas) and of sentences (a name "aka" another before the date
# of birth, "with the <Role> at <Agency>, <Name>", a signature "Name (Role)"), a Word grid of tick boxes as the
# options of the label above it, a bold label that does not run on into a plain field, printed check boxes kept
# beside a text field asking the same: sets 9 and 10 read 595/595, probe 2776/2795, nothing invented;
# development, seen and forms-make unchanged; held-out 2 unchanged at 550/635, held-out 3 840/1065 (from 821),
# both looked at only in aggregate, after the merge of main.
# Branch reader-seen2 (2026-12-02): held-out part 2 spent as the "seen2" part (designs_seen2.py). Read before any
# change made for it: 550/635 (86.6%; .doc 40/75, pdf 115/155; subject.name 35/45, raised_by.role 35/45,
# challenged.name 30/45, challenged.role 15/25, categories 10/15, signed.name 10/15). Then opened, and the reader
# taught what it missed by rules of meaning and structure (a side's label standing alone heads its section, "Who is
# this about?", "Which of these…", "How can we contact you?", "Who have you spoken to?", a signing word first, a
# question's bracketed guidance before its colon, the signature of the labelled raiser, "I have spoken to <Name>"):
# seen2 635/635; development, probe, seen and forms-make unchanged.
# Branch reader-probe4 (2026-12-02): probe sets 11 and 12 (designs_probe4.py, eleven designs: letters as .odt,
# .docx and .doc, plain and Outlook mail in sentences, a forwarded earlier mail, categories as prose and lists,
# the stage and immediate risk in prose, dates of birth as typed), read by main's reader (cec5784) before any
# change made for them: 152/355 (42.8%) and 108/310 (34.8%), nothing invented. Then rules of structure (a Word
# document opening "Dear …" or signing off "Yours …" read as a letter, by the mail body's sentence, signature and
# prose rules; a covering note over a forwarded mail; a signature with no sign-off, ending at "cc:"; the writer of
# the reply a mail escalates; a letterhead naming an organisation; a concern answered by a list of categories
# then sentences) and of meaning (the stage as "level 2 escalation" or "the second stage", a date of
# birth after a dash or "aged N", categories in a sentence, "<Name>, <Role>, <Agency>", "<Role> <Name> from",
# "the <Agency> decision", "Not that I know of"): sets 11 and 12 648/665, nothing invented; after the merge of
# reader-probe3, probe 3424/3460; development, seen and forms-make unchanged; held-out 2 554/635, held-out 3 875/1065
# (from 550 and 840), looked at only in aggregate.
# Probe set 13 (a letter printed to PDF, a Word letter saved as RTF), written after those changes and read by
# the reader as it then stood (fae9cac): 55/110 (50.0%; the RTF letter 50/50, the PDF letter 5/60), nothing
# invented. Then a PDF's running text read as a letter too, and "a decision taken by": set 13 110/110, probe
# 3534/3570, nothing invented, other parts unchanged. After the merge of reader-seen2: probe 3539/3570 (sets
# 11-13 763/775), seen2 635/635, held-out 3 902/1065 (855 at main), looked at only in aggregate.
MEASURED = {
    "development": (1980, 1980),
    "probe": (3539, 3570),
    "seen": (390, 390),
    "seen2": (635, 635),
    "heldout3": (902, 1065),  # first read 821/1065; 902 on main after reader-probe3, -seen2 and -probe4
    "forms-make": (180, 180),
}
MARGIN = 2.0  # percentage points: room for another LibreOffice's or PDF library's layout, not for a regression
FLOORS = {part: 100.0 if part == "forms-make" else min(100.0, int(percent(pair) - MARGIN)) for part, pair in MEASURED.items()}
FLOORS["heldout3"] = int(percent(MEASURED["heldout3"])) - 1  # its reading at merge, whole percent, less one point
TARGETS = {"development": 97.0, "probe": 97.0, "seen": 97.0, "seen2": 97.0, "heldout3": 97.0, "forms-make": 100.0}  # issue 9

# Fields today's reader fills in although the notice does not give them (notice id, field).
# Each is a reader fault to fix; remove the line when it is fixed.
KNOWN_INVENTIONS: set[tuple[str, str]] = set()  # none today

# The part standing for forms nobody here has read, whose share of the designs is checked below.
HELD_OUT = "heldout3"


@pytest.fixture(scope="session")
def corpus():
    if conversion.soffice() is None and REQUIRE_SERVICES:
        pytest.fail("ESCALATIONS_REQUIRE_SERVICES=1 but LibreOffice (soffice) is not installed: the corpus needs it")
    return build()


@pytest.fixture(scope="session")
def results(corpus):
    readings = read_all(corpus.notices, convert_legacy(corpus.notices))
    return [result for notice, reading in zip(corpus.notices, readings) for result in score(notice, reading)]


def test_the_corpus_has_enough_notices_designs_and_tools(corpus):
    written = [n for n in corpus.notices if n.part != "forms-make"]
    designs = {n.design for n in written}
    assert len(written) >= 80 - 15 * bool(corpus.skipped)  # three LibreOffice designs of five notices
    assert len(designs) >= 15 - len(corpus.skipped)
    assert {n.tool for n in written} >= {"python-docx", "reportlab", "email"}
    assert {n.kind for n in written} >= {"docx", "pdf", "email-text", "email-html"}


def test_libreoffice_made_notices_are_in_the_corpus(corpus):
    soffice_binary()  # skips where LibreOffice is not installed (fails with ESCALATIONS_REQUIRE_SERVICES=1)
    assert {n.kind for n in corpus.notices if n.tool == "libreoffice"} == set(LIBREOFFICE_KINDS)


def test_the_held_out_designs_are_a_part_of_their_own(corpus):
    names = {part: {d.name for d in designs} for part, designs in PARTS.items()}
    for first, second in combinations(names, 2):
        assert not names[first] & names[second], (first, second)
    # A fifth of the designs at least, not counting the probe and seen designs: those were written as
    # unseen forms and measured before the reader changed for them (their first figures are kept). The
    # spent seen-2 designs are counted as development ones here.
    assert len(names[HELD_OUT]) * 5 >= len(names["development"] | names["seen2"] | names[HELD_OUT])
    for part, designs in names.items():
        assert {n.design for n in corpus.part(part)} <= designs


def test_the_third_held_out_part_has_enough_notices_designs_tools_and_partnerships(corpus):
    third = corpus.part("heldout3")
    libreoffice = [d for d in PARTS["heldout3"] if d.kind in LIBREOFFICE_KINDS]
    assert len(third) >= 60 - sum(d.count for d in libreoffice) * bool(corpus.skipped)
    assert len({n.design for n in third}) >= 10 - len(libreoffice) * bool(corpus.skipped)
    assert {n.tool for n in third} >= {"python-docx", "reportlab", "email"}
    assert {n.kind for n in third} >= {"docx", "pdf", "email-text", "email-html"}
    assert {d.kind for d in PARTS["heldout3"]} >= set(LIBREOFFICE_KINDS)  # built where soffice is installed
    assert {n.partnership for n in third} == {"salford", "barnet", "bury-children", "bury-adults", "bnes"}


def test_corpus_people_are_fictional_and_agencies_are_the_directorys(corpus):
    for notice in (n for n in corpus.notices if n.part != "forms-make"):
        email = notice.expected["raised_by.email"]
        assert email is None or email.endswith(".example"), notice.id
        names = {agency.name for agency in AGENCIES[notice.partnership]}
        for path in ("raised_by.agency", "challenged.agency"):
            assert set(notice.accepted[path]) <= names, (notice.id, path)


@pytest.mark.parametrize("part", list(MEASURED))
def test_field_accuracy_is_at_least_the_floor(results, part):
    right, stated = accuracy(r for r in results if r.part == part)
    assert stated, f"no {part} notices"
    measured = percent((right, stated))
    assert measured >= FLOORS[part], (
        f"{part}: {right}/{stated} fields read right ({measured:.1f}%), below the floor {FLOORS[part]}% "
        f"(target {TARGETS[part]}%); wrong: "
        + "; ".join(f"{r.notice} {r.path}" for r in results if r.part == part and r.printed and not r.right)[:2000]
    )


def test_nothing_is_read_that_the_notice_does_not_give(results):
    found = invented(results)
    new = sorted(set(found) - KNOWN_INVENTIONS)
    details = {(r.notice, r.path): r.got for r in results if r.invented}
    assert not new, "read although not in the notice: " + "; ".join(f"{n} {p} = {details[(n, p)]!r}" for n, p in new)


def test_the_readers_own_conversion_reads_a_legacy_notice_as_the_batch_does(corpus):
    """The corpus converts .doc/.odt/.rtf in one LibreOffice run; ``read_notice`` converts each itself."""
    soffice_binary()
    notice = next(n for n in corpus.notices if n.kind == "odt")
    own, batch = read(notice), read(notice, convert_legacy([notice]))
    assert flatten(own) == flatten(batch)
    assert [p["field"] for p in own["problems"]] == [p["field"] for p in batch["problems"]]  # messages name the source
