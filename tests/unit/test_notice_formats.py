"""Attachments told apart by their bytes; formats we do not read; every source merged; form profiles; `parse`."""

from __future__ import annotations

import io
import json
import random
import subprocess
import zipfile
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from escalations.intake.notices import conversion, sandbox
from escalations.intake.notices.formats import Format, detect, notice_format
from escalations.intake.notices.model import Panel, Problem
from escalations.intake.notices.profile import wordings_of
from escalations.intake.notices.reader import DOCX_TYPE, NOT_READ, Attachment, read_notice
from escalations.routing.policy import ConfigError, load_policies
from escalations.service.parsing import NOT_A_NOTICE, parse_file
from escalations.service.pipeline import is_notice_file
from tests.support import forms, office, pdfs
from tests.support.libreoffice import soffice_binary

TODAY = date(2026, 3, 6)
PDF = "application/pdf"
POLICIES = load_policies(Path(__file__).parents[2] / "config" / "partnerships")
LINES = ["Name of child: Jo Bloggs", "Date of birth: 14/02/2017"]


@pytest.fixture
def soffice() -> str:
    """Skips without LibreOffice; fails instead with ESCALATIONS_REQUIRE_SERVICES=1 (CI installs it)."""
    return soffice_binary()


needs_soffice = pytest.mark.usefixtures("soffice")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


# --- what an attachment is ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "expected"),
    [
        (forms.salford_notice(), "notice.docx", DOCX_TYPE, Format.DOCX),
        (forms.salford_notice(), "scan.pdf", PDF, Format.DOCX),  # the bytes win over the name
        (pdfs.pages_notice(1), "scan0001", "application/octet-stream", Format.PDF),
        (b"\r\n\xef\xbb\xbf" + pdfs.pages_notice(1), "notice.pdf", PDF, Format.PDF),  # junk before the header
        (office.word97_document(), "notice.doc", "application/msword", Format.DOC),
        (office.word97_document(), "notice.docx", DOCX_TYPE, Format.DOC),
        (office.word97_document(encrypted=True), "notice.doc", "application/msword", Format.ENCRYPTED),
        (office.encrypted_docx(forms.salford_notice()), "notice.docx", DOCX_TYPE, Format.ENCRYPTED),
        (office.excel97_workbook(), "book.xls", "application/vnd.ms-excel", None),
        (office.excel97_workbook(), "notice.docx", DOCX_TYPE, Format.DOCX),  # the Word reader says what is wrong
        (office.odt_document(LINES), "notice.odt", "application/vnd.oasis.opendocument.text", Format.ODT),
        (office.odt_document(LINES), "notice", "application/octet-stream", Format.ODT),
        (office.rtf_document(LINES), "notice.doc", "application/msword", Format.RTF),  # Word saves RTF as .doc
        (office.winmail_dat(), "winmail.dat", "application/ms-tnef", Format.TNEF),
        (office.winmail_dat(), "ATT00001.bin", "application/octet-stream", Format.TNEF),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "logo.png", "image/png", None),
        (_zip({"hello.txt": b"hello"}), "files.zip", "application/zip", None),
        (b"", "notice.docx", DOCX_TYPE, Format.DOCX),
        (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600), "notice.doc", "application/msword", Format.DOC),
        (b"plain words", "notes.txt", "text/plain", None),
    ],
)
def test_notice_format(data, filename, content_type, expected):
    assert notice_format(filename, content_type, data) is expected


def test_the_compound_file_builder_is_read_alike_by_olefile():
    olefile = pytest.importorskip("olefile")
    ole = olefile.OleFileIO(io.BytesIO(office.word97_document(encrypted=True)))
    assert sorted(ole.listdir()) == [["1Table"], ["WordDocument"]]
    assert ole.openstream("WordDocument").read(12)[10:12] == b"\x00\x01"  # fEncrypted


def test_damaged_compound_files_never_raise():
    rng = random.Random(7)
    good = office.word97_document()
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(8, 1536)] = rng.randrange(256)  # the header, FAT and directory
        assert detect(bytes(data)) in (Format.DOC, Format.OLE, Format.ENCRYPTED)


@pytest.mark.parametrize(
    ("attachment", "expected"),
    [
        (Attachment("scan0001", "application/octet-stream", pdfs.pages_notice(1)), True),
        (Attachment("winmail.dat", "application/ms-tnef", office.winmail_dat()), True),
        (Attachment("logo.png", "image/png", b"\x89PNG\r\n\x1a\n"), False),
    ],
)
def test_the_pipeline_takes_notice_files_by_their_bytes_or_names(attachment, expected):
    assert is_notice_file(attachment) is expected


# --- formats we do not read: each its own problem, saying what to send instead ---------------------

NOT_READ_CASES = {
    ".doc": (office.word97_document(), "notice.doc", "application/msword", ".doc", NOT_READ[Format.DOC]),
    ".odt": (office.odt_document(LINES), "notice.odt", "application/vnd.oasis.opendocument.text", ".odt", NOT_READ[Format.ODT]),
    ".rtf": (office.rtf_document(LINES), "notice.rtf", "application/rtf", ".rtf", NOT_READ[Format.RTF]),
    "winmail.dat": (office.winmail_dat(), "winmail.dat", "application/ms-tnef", "winmail.dat", NOT_READ[Format.TNEF]),
    "password-protected .docx": (
        office.encrypted_docx(forms.salford_notice()),
        "notice.docx",
        DOCX_TYPE,
        ".docx",
        NOT_READ[Format.ENCRYPTED],
    ),
    "password-protected .doc": (
        office.word97_document(encrypted=True),
        "notice.doc",
        "application/msword",
        ".doc",
        NOT_READ[Format.ENCRYPTED],
    ),
    "password-protected, sent without a name": (
        office.word97_document(encrypted=True),
        None,
        "application/octet-stream",
        "Office document",
        NOT_READ[Format.ENCRYPTED],
    ),
}


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "label", "message"), NOT_READ_CASES.values(), ids=NOT_READ_CASES.keys()
)
def test_a_format_we_do_not_read_says_what_to_send_instead(monkeypatch, data, filename, content_type, label, message):
    monkeypatch.setattr(conversion, "soffice", lambda: None)
    notice = read_notice([Attachment(filename, content_type, data)], "Name of child: Jo Bloggs", today=TODAY)
    assert notice.problems == [Problem("document", f"attachment 1 ({label}): {message}")]
    assert notice.subject.name is None  # the body was a covering note


@needs_soffice
@pytest.mark.parametrize(
    ("data", "filename", "label"),
    [(office.odt_document(LINES), "notice.odt", ".odt"), (office.rtf_document(LINES), "notice.rtf", ".rtf")],
)
def test_odt_and_rtf_are_read_through_libreoffice(data, filename, label):
    notice = read_notice([Attachment(filename, "application/octet-stream", data)], None, today=TODAY)
    assert (notice.subject.name, notice.subject.dob, notice.problems) == ("Jo Bloggs", date(2017, 2, 14), [])
    assert notice.sources["subject.name"] == [f"{label} converted, docx paragraph 1"]


@needs_soffice
def test_a_word_97_document_saved_by_libreoffice_is_recognised_and_read(tmp_path):
    (tmp_path / "notice.rtf").write_bytes(office.rtf_document([*LINES, "Current stage: 2", "Immediate risk: No"]))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "doc:MS Word 97",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "notice.rtf"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = (tmp_path / "notice.doc").read_bytes()
    assert detect(data) is Format.DOC
    notice = read_notice([Attachment("notice.doc", "application/msword", data)], None, today=TODAY)
    assert (notice.subject.name, notice.stage, notice.immediate_risk, notice.problems) == ("Jo Bloggs", 2, False, [])


@needs_soffice
def test_a_conversion_past_its_time_limit_is_stopped():
    with pytest.raises(conversion.ConversionFailed, match="took too long"):
        conversion.to_docx(office.rtf_document(LINES), Format.RTF, limits=conversion.Limits(seconds=0.05))


# --- every attachment and the body, merged ------------------------------------------------------------


def test_values_from_every_attachment_and_the_body_are_merged_each_with_its_source():
    word = Attachment("a.docx", DOCX_TYPE, forms.docx_table_notice([("Name of child", "Jo Bloggs")]))
    pdf = Attachment("b.pdf", PDF, pdfs.table_notice([("Date of birth", "14/02/2017"), ("Current stage", "2")]))
    notice = read_notice([word, pdf], "Your email: a.khan@northside-health.example", today=TODAY)
    assert (notice.subject.name, notice.subject.dob, notice.stage, notice.raised_by.email) == (
        "Jo Bloggs",
        date(2017, 2, 14),
        2,
        "a.khan@northside-health.example",
    )
    assert notice.sources == {
        "subject.name": ["attachment 1 docx table 1 row 1"],
        "subject.dob": ["attachment 2 pdf page 1 table 1 row 1"],
        "stage": ["attachment 2 pdf page 1 table 1 row 2"],
        "raised_by.email": ["email body line 1"],
    }
    assert "sources" not in notice.to_json()  # not part of the canonical JSON contract


def test_two_attachments_that_disagree_leave_the_field_empty_with_a_problem():
    word = Attachment("a.docx", DOCX_TYPE, forms.docx_table_notice([("Date of birth", "14/02/2017")]))
    pdf = Attachment("b.pdf", PDF, pdfs.table_notice([("DOB", "15/02/2017")]))
    notice = read_notice([word, pdf], None, today=TODAY)
    assert notice.subject.dob is None
    assert notice.problems == [
        Problem(
            "subject.dob",
            "Different answers in attachment 1 docx table 1 row 1 and attachment 2 pdf page 1 table 1 row 1; none was used.",
        )
    ]


def test_the_same_answer_in_two_places_is_no_conflict():
    word = Attachment("a.docx", DOCX_TYPE, forms.docx_table_notice([("Date of birth", "14/02/2017")]))
    notice = read_notice([word], "D.O.B: 14 February 2017", today=TODAY)
    assert (notice.subject.dob, notice.problems) == (date(2017, 2, 14), [])


def test_an_unreadable_attachment_beside_a_readable_one_is_said_and_the_other_read():
    broken = Attachment("a.pdf", PDF, b"%PDF-1.7\n")
    word = Attachment("b.docx", DOCX_TYPE, forms.docx_table_notice([("Name of child", "Jo Bloggs")]))
    notice = read_notice([broken, word], "Date of birth: 14/02/2017", today=TODAY)
    assert notice.subject.name == "Jo Bloggs"
    assert notice.subject.dob is None  # an attached notice went unread: the body does not stand in for it
    assert notice.problems == [Problem("document", "attachment 1 (.pdf): The PDF is damaged or is not a PDF file.")]


def test_a_very_long_body_is_read_only_as_far_as_the_limit():
    notice = read_notice([], "Name of child: Jo Bloggs\n" + "and so on\n" * 20_000, today=TODAY)
    assert notice.subject.name == "Jo Bloggs"
    assert notice.problems == [Problem("body", "The email is longer than 100,000 characters; only its beginning was read.")]


# --- a partnership's form profile ---------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    id: str = "test-form"
    required: tuple[str, ...] = ()
    labels: dict[str, list[str]] = field(default_factory=dict)


KIDS_NAME = pdfs.table_notice([("Kid's name", "Jo Bloggs")])


@pytest.mark.parametrize(
    ("attachment", "body"),
    [
        (Attachment("n.pdf", PDF, KIDS_NAME), None),
        (Attachment("n.docx", DOCX_TYPE, forms.docx_table_notice([("Kid's name", "Jo Bloggs")])), None),
        (None, "Kid's name: Jo Bloggs"),
    ],
)
def test_a_profile_adds_its_own_wordings_to_every_reader(attachment, body):
    attachments = [attachment] if attachment else []
    assert read_notice(attachments, body, today=TODAY).subject.name is None
    profile = Profile(labels={"subject.name": ["Kid's name"]})
    notice = read_notice(attachments, body, today=TODAY, form=profile)
    assert (notice.subject.name, notice.form) == ("Jo Bloggs", "test-form")


def test_a_profile_reports_each_required_field_the_notice_lacks():
    notice = read_notice([Attachment("n.pdf", PDF, KIDS_NAME)], None, today=TODAY, form=POLICIES["salford"].form)
    assert notice.problems == [
        Problem("subject.name", "The notice does not give the name of the child or adult."),
        Problem("subject.dob", "The notice does not give their date of birth."),
        Problem("concern", "The notice does not give the information of concern (what the disagreement is about)."),
    ]


def test_a_required_field_already_reported_is_not_reported_twice():
    data = pdfs.table_notice([("Name of child", "Jo Bloggs"), ("Date of birth", "31/02/2017"), ("Information of concern", "x")])
    notice = read_notice([Attachment("n.pdf", PDF, data)], None, today=TODAY, form=POLICIES["salford"].form)
    assert [p.field for p in notice.problems] == ["subject.dob"]


def test_the_bnes_profile_fills_the_referral_to_the_chair():
    attachment = Attachment("a.docx", DOCX_TYPE, forms.bnes_tracked_changes_notice())
    assert read_notice([attachment], None, today=TODAY).panel == Panel()  # elsewhere not read
    notice = read_notice([attachment], None, today=TODAY, partnership="bnes", form=POLICIES["bnes"].form)
    assert notice.panel == Panel(
        referral_date=date(2026, 2, 9),
        convene=True,
        outcome="The panel agreed Children's Services will hold a strategy discussion.",
        date=date(2026, 2, 20),
    )


def test_wordings_of_a_shared_mailbox_leave_out_a_wording_its_forms_disagree_on():
    one = Profile("a", (), {"subject.name": ["Name"], "concern": ["Details"]})
    two = Profile("b", (), {"signed.name": ["Name"], "concern": ["Details", "Summary"]})
    merged = wordings_of([one, two])
    assert merged is not None
    assert (merged.id, merged.required, merged.labels) == (None, (), {"concern": ["Details", "Summary"]})
    assert wordings_of([one]).id == "a"  # type: ignore[union-attr]
    assert wordings_of([]) is None


# --- `escalations parse` --------------------------------------------------------------------------------


def eml(*attachments: tuple[str, str, bytes], body: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "a.khan@northside-health.example",
        "escalations@salford.example",
        "Escalation",
    )
    message.set_content(body)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("notice.pdf", pdfs.word_style_notice()),
        ("notice.docx", forms.salford_notice()),
        ("notice.eml", eml(("notice.pdf", PDF, pdfs.word_style_notice()), body="Please see attached.")),
    ],
)
def test_parse_reads_pdf_docx_and_eml(tmp_path, filename, data):
    path = tmp_path / filename
    path.write_bytes(data)
    notice = parse_file(path, partnership="salford", today=TODAY)
    assert (notice.partnership, notice.form, notice.subject.name, notice.stage, notice.problems) == (
        "salford",
        "salford-escalation-notice",
        "Jo Bloggs",
        2,
        [],
    )
    assert json.loads(json.dumps(notice.to_json()))["subject"]["dob"] == "2017-02-14"


def test_parse_of_an_eml_merges_every_attachment_and_the_body(tmp_path):
    path = tmp_path / "notice.eml"
    path.write_bytes(
        eml(
            ("a.docx", DOCX_TYPE, forms.docx_table_notice([("Name of child", "Jo Bloggs")])),
            ("b.pdf", PDF, pdfs.table_notice([("Date of birth", "14/02/2017")])),
            body="Information of concern: Jo has missed three health appointments.",
        )
    )
    notice = parse_file(path, partnership="salford", today=TODAY)
    assert (notice.subject.name, notice.subject.dob, notice.concern, notice.problems) == (
        "Jo Bloggs",
        date(2017, 2, 14),
        "Jo has missed three health appointments.",
        [],
    )


def test_parse_of_a_file_that_is_no_notice_document(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Name of child: Jo Bloggs")
    assert parse_file(path, partnership=None, today=TODAY).problems == [Problem("document", NOT_A_NOTICE)]


def test_parse_names_an_unknown_partnership(tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdfs.word_style_notice())
    with pytest.raises(ConfigError, match="no partnership 'nowhere'"):
        parse_file(path, partnership="nowhere", today=TODAY)


def test_the_sandbox_is_what_reads_by_default():
    assert sandbox.ISOLATED is True
