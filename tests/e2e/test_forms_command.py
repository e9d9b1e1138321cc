"""The installed `escalations forms make` writes each form; `escalations parse` reads a filled copy back exact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_form_round_trips import POLICIES, answers_for
from tests.support.filled_forms import fill_docx, fill_pdf

pytestmark = pytest.mark.slow
COMMAND = str(Path(sys.executable).with_name("escalations"))
FILL = {"docx": fill_docx, "pdf": fill_pdf}


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([COMMAND, *args], cwd=folder, capture_output=True, timeout=120)


@pytest.mark.parametrize(("partnership", "form_format"), [("salford", "docx"), ("bnes", "pdf"), ("bury-adults", "docx")])
def test_the_made_form_filled_in_parses_back_exact(partnership, form_format, tmp_path):
    made = run(tmp_path, "forms", "make", "--partnership", partnership, "--format", form_format, "-o", f"blank.{form_format}")
    assert made.returncode == 0, made.stderr
    assert made.stdout.decode().startswith(f"wrote blank.{form_format}")
    answers, expected = answers_for(POLICIES[partnership])
    filled = tmp_path / f"filled.{form_format}"
    filled.write_bytes(FILL[form_format]((tmp_path / f"blank.{form_format}").read_bytes(), answers))
    parsed = run(tmp_path, "parse", str(filled), "--json", "--partnership", partnership)
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout) == expected


def test_the_form_can_go_to_stdout_and_an_unknown_partnership_is_refused(tmp_path):
    made = run(tmp_path, "forms", "make", "--partnership", "barnet", "--format", "pdf", "-o", "-")
    assert made.returncode == 0 and made.stdout.startswith(b"%PDF-")
    refused = run(tmp_path, "forms", "make", "--partnership", "nowhere", "--format", "docx", "-o", "x.docx")
    assert refused.returncode == 2 and b"no partnership 'nowhere'" in refused.stderr
    assert not (tmp_path / "x.docx").exists()
