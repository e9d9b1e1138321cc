"""The letter catalogue (issue 11): one table of every letter, the one subject rule, the one path to the outbox."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from escalations.outbound.letters import CATALOGUE, SUBJECT_VALUES, UnsafeSubject, letter, subject_fields

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
SAFE = {
    "reference": "SAL-2026-0007",
    "stage": 3,
    "partnership": "SSCB",
    "mailbox": "bsp",
    "counts": "2 waiting for review",
    "period": "1 Mar 2026 to 31 Mar 2026",
}
# What a careless caller might hand a subject: a child's name, a date of birth, a concern, a header injection.
PERSONAL = ["Jo Bloggs", "14/02/2017", "Jo missed three appointments", "SAL-2026-0007\r\nBcc: x@evil.example", ""]
KINDS = [pytest.param(name, id=name) for name in CATALOGUE]
# The modules that make up the service; tests and benchmarks may build what they like.
PRODUCT = ("intake", "routing", "service", "console", "storage", "reports", "templates")
OUTBOUND_ONLY = {"Letter", "OutboxMessage", "EmailMessage", "MIMEText", "MIMEMultipart", "build", "outbox_row_from"}


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_has_its_templates_an_audience_and_an_automatic_marking(name: str) -> None:
    kind = CATALOGUE[name]
    for suffix in ("txt", "html"):
        assert (TEMPLATES / f"{kind.template}.{suffix}.j2").is_file(), f"{name}: no {suffix} template"
    assert kind.audience, f"{name}: says nobody may receive it"
    assert kind.auto_submitted in ("auto-generated", "auto-replied")  # DESIGN.md invariant 7


@pytest.mark.parametrize("name", KINDS)
def test_every_subject_carries_only_values_that_cannot_be_personal(name: str) -> None:
    kind = CATALOGUE[name]
    patterns = [kind.subject] + ([kind.subject_without_case] if kind.subject_without_case else [])
    for pattern in patterns:
        assert subject_fields(pattern) <= SUBJECT_VALUES.keys(), pattern
    made = letter(name, ["a@b.example"], **SAFE)  # type: ignore[arg-type]
    assert made.subject == kind.subject.format(**{k: SAFE[k] for k in subject_fields(kind.subject)})
    assert made.kind == kind.outbox_kind and made.auto_submitted == kind.auto_submitted
    assert made.blank_form == kind.blank_form and made.template == kind.template


@pytest.mark.parametrize("name", KINDS)
@pytest.mark.parametrize("value", PERSONAL)
def test_a_subject_refuses_any_value_outside_its_shape(name: str, value: str) -> None:
    kind = CATALOGUE[name]
    for field in subject_fields(kind.subject):
        if field == "reference" and not value and kind.subject_without_case:
            continue  # no case yet: the subject without a reference (tested below)
        values = {**SAFE, field: value}
        with pytest.raises(UnsafeSubject):
            letter(name, ["a@b.example"], **values)  # type: ignore[arg-type]


def test_a_letter_before_its_case_exists_has_a_subject_without_a_reference() -> None:
    made = letter("information_needed", ["a@b.example"], partnership="BSP")
    assert made.subject == "BSP escalation: more information needed"
    with_case = letter("information_needed", ["a@b.example"], reference="BURYC-2026-0001")
    assert with_case.subject == "[BURYC-2026-0001] More information needed"


def _builders(source: str, where: str) -> list[str]:
    """Each place in a module that makes an email or an outbox row itself, as "file:line name"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in OUTBOUND_ONLY:
                found.append(f"{where}:{node.lineno} {name}(…)")
        if isinstance(node, ast.ImportFrom) and node.module == "escalations.outbound.compose":
            found += [f"{where}:{node.lineno} imports {a.name}" for a in node.names if a.name == "build"]
    return found


def test_no_module_outside_outbound_builds_an_email_or_an_outbox_row() -> None:
    modules = [p for folder in PRODUCT if (REPO / folder).is_dir() for p in (REPO / folder).rglob("*.py")]
    assert len(modules) > 50
    found = [
        b
        for p in modules
        if "migrations" not in p.parts
        for b in _builders(p.read_text(encoding="utf-8"), str(p.relative_to(REPO)))
    ]
    assert found == [], "build letters through escalations.outbound.letters (letter, outbox_row)"


def test_the_guard_sees_an_inline_outbox_row() -> None:
    source = "from escalations.outbound.compose import Letter, build\nrow = storage.OutboxMessage(kind='x')\n"
    assert len(_builders(source, "sample.py")) == 2
