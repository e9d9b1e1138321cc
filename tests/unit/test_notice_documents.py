"""Which attachments name the notice's subject by themselves (the duplicate rule), and a stranger's .odt unopened."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from escalations.intake.notices import conversion, sandbox
from escalations.intake.notices.formats import Format
from escalations.intake.notices.model import Problem
from escalations.intake.notices.reader import (
    DOCX_TYPE,
    Attachment,
    NoticeDocument,
    not_converted,
    read_notice,
    read_notice_and_documents,
)
from tests.support import forms, office, pdfs

TODAY = date(2026, 3, 10)
PDF = "application/pdf"


@pytest.fixture(autouse=True)
def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "ISOLATED", False)


def _documents(*attachments: Attachment, body: str | None = None) -> tuple[NoticeDocument, ...]:
    return read_notice_and_documents(attachments, body, today=TODAY)[1]


def test_a_notice_form_names_its_subject() -> None:
    data = forms.salford_notice()
    assert _documents(Attachment("n.docx", DOCX_TYPE, data)) == (
        NoticeDocument(hashlib.sha256(data).hexdigest(), "Jo Bloggs", date(2017, 2, 14)),
    )


@pytest.mark.parametrize(
    "attachment",
    [
        Attachment("empty.docx", DOCX_TYPE, b""),
        Attachment("leaflet.pdf", PDF, pdfs.pages_notice(1)),
        Attachment("blank.docx", DOCX_TYPE, forms.docx_table_notice([("Name of child", ""), ("Date of birth", "")])),
        Attachment("name-only.docx", DOCX_TYPE, forms.docx_table_notice([("Name of child", "Jo Bloggs")])),
        Attachment("damaged.pdf", PDF, b"%PDF-1.7\n"),
    ],
    ids=["empty", "text with no notice fields", "blank form", "a name but no date of birth", "damaged"],
)
def test_a_file_that_names_nobody_is_no_notice_document(attachment: Attachment) -> None:
    assert _documents(attachment, body="Name of child: Jo Bloggs\nDate of birth: 14/02/2017") == ()


def test_beside_a_leaflet_only_the_form_counts() -> None:
    form = forms.salford_notice(child="Sam Example", dob="03/06/2015")
    found = _documents(Attachment("leaflet.pdf", PDF, pdfs.pages_notice(1)), Attachment("n.docx", DOCX_TYPE, form))
    assert [(d.name, d.dob) for d in found] == [("Sam Example", date(2015, 6, 3))]


def test_a_strangers_odt_is_not_given_to_libreoffice(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("LibreOffice was started for a stranger's file")

    monkeypatch.setattr(conversion, "to_docx", never)
    odt = Attachment("notice.docx", DOCX_TYPE, office.odt_document(["Name of child: Jo Bloggs"]))
    notice = read_notice([odt], "Name of child: Jo Bloggs", today=TODAY, convert=False)
    assert notice.problems == [Problem("document", f"attachment 1 (.odt): {not_converted(Format.ODT)}")]
    assert notice.subject.name is None  # the body was a covering note
