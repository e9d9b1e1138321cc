"""`forms make`: each partnership's blank form, filled in by Word's and a PDF viewer's way, reads back exact.

The blank form is made by the real code, filled programmatically (python-docx
editing the content controls as Word does; pypdf setting the AcroForm fields and
boxes with NeedAppearances), then read by the real reader in its sandbox, as the
worker reads an attachment. Every canonical field must come back exactly as
written, and a blank form must give nothing at all.
"""

from __future__ import annotations

import io
import os
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest

from escalations.intake.notices import conversion
from escalations.intake.notices.formats import Format
from escalations.intake.notices.model import CATEGORY_SLUGS
from escalations.intake.notices.reader import Attachment, read_notice
from escalations.outbound.notice_forms import blank_form, notice_form
from escalations.routing.policy import Policy, load_policies
from escalations.service.settings import load_settings
from tests.support.filled_forms import fill_docx, fill_pdf

TODAY = date(2026, 3, 2)
POLICIES = load_policies(load_settings(None).partnerships_dir)
PARTNERSHIPS = sorted(POLICIES)
FILL = {"docx": fill_docx, "pdf": fill_pdf}
TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}


def read(policy: Policy, form_format: str, data: bytes):
    attachment = Attachment(f"{policy.form.id}.{form_format}", TYPES[form_format], data)
    return read_notice([attachment], None, today=TODAY, partnership=policy.id, form=policy.form)


SUBJECTS = {
    "child": ("Amelia-Rose O'Connor", date(2019, 9, 3)),
    "adult": ("Margaret Holloway", date(1948, 5, 17)),
}


def answers_for(policy: Policy) -> tuple[dict, dict]:
    """What a practitioner types and ticks on this partnership's form, and the notice it must read as."""
    form = notice_form(policy)
    paths = {item.path for item in form.fields}
    kind = policy.protects[-1]
    name, born = SUBJECTS[kind]
    categories = [option.value for option in next(f for f in form.fields if f.path == "categories").options]
    ticked = [categories[0], categories[-1]]
    risk = policy.id == "barnet"  # one form answers yes, the others no
    stage = policy.last_stage if policy.id == "bnes" else 2
    answers = {
        "subject.name": name,
        "subject.dob": born,
        "subject.kind": kind,
        "raised_by.name": "Claire Bennett",
        "raised_by.role": "School Nurse",
        "raised_by.agency": "Northside Health",
        "raised_by.email": "c.bennett@northside-health.example",
        "raised_by.phone": "0161 496 0123",
        "challenged.agency": "Eastside Children's Social Care",
        "challenged.name": "Tom Reid",
        "challenged.role": "Team Manager",
        "immediate_risk": "yes" if risk else "no",
        "stage": str(stage),
        "categories": ticked,
        "concern": "She has missed three health appointments.\nThe referral was closed without a home visit.",
        "attempts": "12/01/2026 – Spoke to the allocated social worker; no change.\n"
        "19/01/2026 – Line managers met; no agreement.",
        "outcome_sought": "A strategy discussion is held this week.",
        "signed.name": "Claire Bennett",
        "signed.role": "School Nurse",
        "signed.date": date(2026, 1, 20),
        "case_reference": f"{policy.prefix}-2026-0007",
        "copies_to": "Service Manager, Eastside Children's Social Care\nSSCB Business Manager",
        "panel.referral_date": date(2026, 1, 26),
        "panel.convene": "yes",
        "panel.outcome": "The panel agreed a joint home visit.",
        "panel.date": date(2026, 2, 2),
    }
    answers = {path: value for path, value in answers.items() if path in paths}
    expected = {
        "partnership": policy.id,
        "form": policy.form.id,
        "subject": {"kind": kind, "name": name, "dob": born.isoformat()},
        "raised_by": {
            "name": "Claire Bennett",
            "role": "School Nurse",
            "agency": "Northside Health",
            "email": "c.bennett@northside-health.example",
            "phone": "0161 496 0123",
        },
        "challenged": {"agency": "Eastside Children's Social Care", "name": "Tom Reid", "role": "Team Manager"},
        "categories": [slug for slug in CATEGORY_SLUGS if slug in ticked],
        "concern": answers["concern"],
        "immediate_risk": risk,
        "stage": stage,
        "attempts": [
            {"date": "2026-01-12", "outcome": "Spoke to the allocated social worker; no change."},
            {"date": "2026-01-19", "outcome": "Line managers met; no agreement."},
        ],
        "outcome_sought": "A strategy discussion is held this week.",
        "copies_to": answers["copies_to"].split("\n") if "copies_to" in paths else [],
        "signed": {"name": "Claire Bennett", "role": "School Nurse", "date": "2026-01-20"},
        "case_reference": f"{policy.prefix}-2026-0007",
        "problems": [],
    }
    if "panel.convene" in paths:
        expected["panel"] = {
            "referral_date": "2026-01-26",
            "convene": True,
            "outcome": "The panel agreed a joint home visit.",
            "date": "2026-02-02",
        }
    return answers, expected


@pytest.mark.parametrize("form_format", ["docx", "pdf"])
@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_a_filled_form_reads_back_with_every_field_exact(partnership, form_format):
    policy = POLICIES[partnership]
    answers, expected = answers_for(policy)
    filled = FILL[form_format](blank_form(policy, form_format), answers)
    assert read(policy, form_format, filled).to_json() == expected


@pytest.mark.parametrize("form_format", ["docx", "pdf"])
@pytest.mark.parametrize("partnership", PARTNERSHIPS)
def test_a_blank_form_reads_as_nothing(partnership, form_format):
    policy = POLICIES[partnership]
    notice = read(policy, form_format, blank_form(policy, form_format)).to_json()
    problems = notice.pop("problems")
    assert notice == {
        "partnership": partnership,
        "form": policy.form.id,
        "subject": {"kind": None, "name": None, "dob": None},
        "raised_by": dict.fromkeys(("name", "role", "agency", "email", "phone")),
        "challenged": dict.fromkeys(("agency", "name", "role")),
        "categories": [],
        "concern": None,
        "immediate_risk": None,
        "stage": None,
        "attempts": [],
        "outcome_sought": None,
        "copies_to": [],
        "signed": dict.fromkeys(("name", "role", "date")),
        "case_reference": None,
    }
    assert {p["field"] for p in problems} == set(policy.form.required)  # only "not given", nothing unreadable


# --- through LibreOffice ------------------------------------------------------------------------

needs_soffice = pytest.mark.skipif(conversion.soffice() is None, reason="LibreOffice (soffice) is not installed")
SINGLE_LINE = ("subject", "raised_by", "challenged", "signed", "immediate_risk", "categories", "case_reference")


def libreoffice(data: bytes, source: str, target: str, tmp_path: Path) -> bytes:
    """``data`` opened in LibreOffice and saved as ``target`` (its own profile, headless)."""
    folder = tmp_path / f"{source}-{target.split(':')[0]}"
    folder.mkdir()
    (folder / f"form.{source}").write_bytes(data)
    subprocess.run(
        [
            conversion.soffice(),
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(folder / "out"),
            str(folder / f"form.{source}"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(folder)},
    )
    return next((folder / "out").iterdir()).read_bytes()


@needs_soffice
@pytest.mark.parametrize(
    ("partnership", "route"),
    [("salford", "open and save"), ("bnes", "to .odt and back")],
)
def test_a_form_filled_and_saved_through_libreoffice_reads_back(partnership, route, tmp_path):
    """Exact where LibreOffice keeps the controls' tags (7.5 on); older versions drop them
    (and move a line break out of its box), and the form is then read by its printed labels."""
    policy = POLICIES[partnership]
    answers, expected = answers_for(policy)
    filled = fill_docx(blank_form(policy, "docx"), answers)
    if route == "open and save":
        saved = libreoffice(filled, "docx", "docx:MS Word 2007 XML", tmp_path)
    else:
        saved = conversion.to_docx(libreoffice(filled, "docx", "odt", tmp_path), Format.ODT)
    got = read(policy, "docx", saved).to_json()
    if b"w:tag" in zipfile.ZipFile(io.BytesIO(saved)).read("word/document.xml"):
        assert got == expected
        return
    assert {key: got[key] for key in SINGLE_LINE} == {key: expected[key] for key in SINGLE_LINE}
    pytest.xfail("this LibreOffice drops content controls' tags: read by labels, multi-line answers and the stage not exact")


@pytest.mark.parametrize("form_format", ["docx", "pdf"])
def test_a_partly_filled_form_reads_only_what_was_given(form_format):
    policy = POLICIES["bury-children"]
    answers = {"subject.name": "Amelia-Rose O'Connor", "concern": "Missed appointments.", "stage": "3"}
    notice = read(policy, form_format, FILL[form_format](blank_form(policy, form_format), answers))
    assert (notice.subject.name, notice.concern, notice.stage) == ("Amelia-Rose O'Connor", "Missed appointments.", 3)
    assert (notice.immediate_risk, notice.categories, notice.challenged.agency, notice.signed.date) == (None, [], None, None)
    assert [problem.field for problem in notice.problems] == ["subject.dob"]  # required, and not given


@pytest.mark.parametrize("form_format", ["docx", "pdf"])
def test_two_boxes_ticked_for_one_answer_is_a_problem_not_a_guess(form_format):
    policy = POLICIES["salford"]
    answers, _ = answers_for(policy)
    answers |= {"immediate_risk": ["yes", "no"], "stage": ["1", "3"]}
    notice = read(policy, form_format, FILL[form_format](blank_form(policy, form_format), answers))
    assert (notice.immediate_risk, notice.stage) == (None, None)
    assert sorted(problem.field for problem in notice.problems) == ["immediate_risk", "stage"]
