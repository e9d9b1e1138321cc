"""`escalations directory import|export`: the CSV contract, dry runs, and errors by row and column."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.routing.directory import DirectoryRow, to_csv
from escalations.service.cli import main
from escalations.service.directory import current_rows, import_rows, load_directory
from escalations.service.runtime import Runtime
from escalations.storage.models import Agency, OutboxMessage
from escalations.storage.repositories import CaseRepository
from tests.conftest import Clock
from tests.support.scenario import Scenario, contact

HEADER = "partnership,agency,agency_domains,name,email,role,phone\n"


def _run(runtime: Runtime, *args: str) -> int:
    return main([*args, "--config", str(runtime.settings.path)])


def test_export_then_import_round_trips(runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "directory.csv"
    assert _run(runtime, "directory", "export", str(out)) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith(HEADER.rstrip("\n") + ",agency_aliases\n") and text.count("\n") == 1 + 132  # header and every contact
    capsys.readouterr()
    assert _run(runtime, "directory", "import", str(out), "--dry-run") == 0
    assert "dry run: 0 change(s)" in capsys.readouterr().out


def test_dry_run_prints_changes_and_changes_nothing(runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "salford.csv"
    csv.write_text(
        HEADER + "salford,,,New Manager,new.bm@salford.example,business_manager,\n"
        "salford,Northside Health,northside-health.example,Ann Lee,ann.lee@northside-health.example,practitioner,\n"
    )
    assert _run(runtime, "directory", "import", str(csv), "--dry-run") == 0
    printed = capsys.readouterr().out
    assert "+ salford: business_manager new.bm@salford.example (partnership)" in printed
    assert "- salford: business_manager business.manager@salford.example (partnership)" in printed
    with runtime.sessions() as session:
        assert any(r.email == "business.manager@salford.example" for r in current_rows(session, "salford"))
    assert _run(runtime, "directory", "import", str(csv)) == 1, "contacts would be removed: --yes is needed"
    assert "refused: 31 contact(s) would be removed" in capsys.readouterr().err
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 0
    with runtime.sessions() as session:
        assert {r.email for r in current_rows(session, "salford")} == {
            "new.bm@salford.example",
            "ann.lee@northside-health.example",
        }
        assert any(r.email == "referrals@bury.example" for r in current_rows(session, "bury-adults")), (
            "other partnerships untouched"
        )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("narnia,,,A B,a@b.example,business_manager,", "row 2, column partnership: 'narnia' is not a configured partnership"),
        ("salford,,,A B,not-an-email,business_manager,", "row 2, column email"),
        ("salford,,,A B,a@b.example,practitioner,", "row 2, column role"),
        (
            "salford,Northside Health,,A B,a@b.example,practitioner,",
            "row 2, column agency_domains: an agency needs at least one email domain",
        ),
        ("salford,Northside Health,northside-health.example,,a@b.example,practitioner,", "row 2, column name: is empty"),
    ],
)
def test_errors_name_the_row_and_column(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(HEADER + row + "\n")
    assert _run(runtime, "directory", "import", str(csv)) == 65
    assert message in capsys.readouterr().err
    with runtime.sessions() as session:
        assert len(current_rows(session)) == 132, "a bad file changes nothing"


def test_missing_column_is_reported_on_the_header(runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("partnership,agency,name,email,role\n")
    assert _run(runtime, "directory", "import", str(csv)) == 65
    assert "row 1 (header): missing column(s) agency_domains, phone" in capsys.readouterr().err


def test_aliases_round_trip_and_are_kept_per_agency(runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The optional last column: ";"-separated, the union over the agency's rows, written back on every row."""
    csv = tmp_path / "bury.csv"
    csv.write_text(
        HEADER.rstrip("\n") + ",agency_aliases\n"
        "bury-children,,,Bea Manager,bm@bury.example,business_manager,,\n"
        "bury-children,Bury Children's Social Care,childrens.bury.example,Ann Lee,ann.lee@childrens.bury.example,practitioner,,CSC; Children's Social Care\n"
        "bury-children,Bury Children's Social Care,childrens.bury.example,Bo Tan,bo.tan@childrens.bury.example,line_manager,,Bury Children's Services;CSC\n"
        "bury-children,Bury Police,police.bury.example,Cy Dow,cy.dow@police.bury.example,practitioner,,\n"
    )
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 0
    with runtime.sessions() as session:
        rows = {r.email: r for r in current_rows(session, "bury-children")}
        from escalations.service.directory import load_directory

        view, _ = load_directory(session, "bury-children")
    expected = ("CSC", "Children's Social Care", "Bury Children's Services")
    assert rows["ann.lee@childrens.bury.example"].agency_aliases == expected
    assert rows["bo.tan@childrens.bury.example"].agency_aliases == expected
    assert rows["cy.dow@police.bury.example"].agency_aliases == ()
    assert view.agency_named("Bury Children's Services").name == "Bury Children's Social Care"  # type: ignore[union-attr]
    out = tmp_path / "export.csv"
    assert _run(runtime, "directory", "export", str(out)) == 0
    exported = out.read_text(encoding="utf-8")
    assert "ann.lee@childrens.bury.example,practitioner,,CSC;Children's Social Care;Bury Children's Services\n" in exported
    capsys.readouterr()
    assert _run(runtime, "directory", "import", str(out), "--dry-run") == 0
    assert "dry run: 0 change(s)" in capsys.readouterr().out


def test_a_file_without_the_aliases_column_still_imports(runtime: Runtime, tmp_path: Path) -> None:
    csv = tmp_path / "old.csv"
    csv.write_text(
        HEADER + "salford,,,New Manager,new.bm@salford.example,business_manager,\n"
        "salford,Northside Health,northside-health.example,Ann Lee,ann.lee@northside-health.example,practitioner,\n"
    )
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 0
    with runtime.sessions() as session:
        assert {r.agency_aliases for r in current_rows(session, "salford")} == {()}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "salford,,,Bo,bm@salford.example,business_manager,,Some Alias\n",
            "row 2, column agency_aliases: only an agency has aliases",
        ),
        (
            "salford,Salford Police,police.salford.example,Al,al@police.salford.example,practitioner,,GMP\n"
            "salford,Northside Health,northside-health.example,Bo,bo@northside-health.example,practitioner,,gmp\n",
            "row 3, column agency_aliases: 'gmp' already names Salford Police",
        ),
        (
            "salford,Salford Police,police.salford.example,Al,al@police.salford.example,practitioner,,Northside Health\n"
            "salford,Northside Health,northside-health.example,Bo,bo@northside-health.example,practitioner,,\n",
            "row 3, column agency: 'Northside Health' is already an alias of Salford Police",
        ),
        (
            "salford,Salford Police,police.salford.example,Al,al@police.salford.example,practitioner,," + "x" * 201 + "\n",
            "row 2, column agency_aliases: an alias is longer than 200 characters",
        ),
    ],
)
def test_alias_errors_name_the_row_and_column(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: str, message: str
) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(HEADER.rstrip("\n") + ",agency_aliases\n" + rows)
    assert _run(runtime, "directory", "import", str(csv)) != 0
    assert message in capsys.readouterr().err


# -- issue 11: agencies keep their identity; an import says what it changes -------------------------

SAL_CHALLENGED = "Salford Children's Services"


def _salford_rows(runtime: Runtime) -> list[DirectoryRow]:
    with runtime.sessions() as session:
        return current_rows(session, "salford")


def _write(path: Path, rows: list[DirectoryRow]) -> Path:
    path.write_text(to_csv(rows), encoding="utf-8")
    return path


def _open_case(runtime: Runtime, clock: Clock) -> str:
    s = Scenario(runtime, clock, "escalations@salford.example").at(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    rows = [
        ("Name of child", "Jo Bloggs"),
        ("Date of birth", "14/02/2017"),
        ("Agency whose decision is challenged", SAL_CHALLENGED),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", "1"),
    ]
    return s.notice(contact("salford", "Northside Health", "practitioner"), rows)


def test_a_renamed_agency_keeps_its_cases_and_its_old_name(
    runtime: Runtime, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _open_case(runtime, clock)
    renamed = [
        replace(r, agency="Salford Children and Families", agency_aliases=("Salford CSC",)) if r.agency == SAL_CHALLENGED else r
        for r in _salford_rows(runtime)
    ]
    capsys.readouterr()
    assert _run(runtime, "directory", "import", str(_write(tmp_path / "renamed.csv", renamed))) == 0, "nothing removed"
    out = capsys.readouterr().out
    assert (
        "renamed salford: Salford Children's Services -> Salford Children and Families (the same email domains; "
        "the old name is kept as an alias)" in out
    )
    assert "0 added, 7 changed, 0 removed, 1 agency rename(s)" in out
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference(reference)
        assert case is not None and case.challenged_agency_id is not None
        agency = session.get(Agency, case.challenged_agency_id)
        assert agency is not None and agency.name == "Salford Children and Families"
        assert SAL_CHALLENGED in (agency.aliases or [])
        view, _ = load_directory(session, "salford")
    assert view.agency_named(SAL_CHALLENGED).name == "Salford Children and Families"  # type: ignore[union-attr]
    capsys.readouterr()
    assert _run(runtime, "directory", "export", str(tmp_path / "again.csv")) == 0
    assert _run(runtime, "directory", "import", str(tmp_path / "again.csv"), "--dry-run") == 0
    assert "dry run: 0 change(s)" in capsys.readouterr().out, "the rename is stable: exported, it imports as is"


def test_an_import_that_leaves_an_open_case_with_nobody_on_a_side_is_refused_unless_forced(
    runtime: Runtime, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _open_case(runtime, clock)
    kept = [r for r in _salford_rows(runtime) if r.agency != SAL_CHALLENGED]
    csv = _write(tmp_path / "without.csv", kept)
    capsys.readouterr()
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 1
    printed = capsys.readouterr()
    assert f"  {reference} (stage 1): nobody left on the challenged side ({SAL_CHALLENGED})" in printed.out
    assert f"  {reference} (stage 1): kamal.underhill@childrens.salford.example leaves" in printed.out
    assert "refused: 1 open case side(s) would be left with nobody" in printed.err
    assert len(_salford_rows(runtime)) == 31, "nothing imported"
    assert _run(runtime, "directory", "import", str(csv), "--yes", "--force") == 0
    assert len(_salford_rows(runtime)) == 24
    with runtime.sessions() as session:
        alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "needs_attention")).all()
        assert [a.recipients for a in alerts] == [[contact("salford", None, "business_manager")]]
        text = email.message_from_bytes(alerts[0].raw, policy=email.policy.default).get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "nobody in the directory is on the challenged side" in " ".join(text.split())
        case = CaseRepository(session).by_reference(reference)
        assert case is not None and "directory-gap" in [e.rule for e in case.events]


def test_an_import_lists_changed_contacts_and_the_people_it_brings_to_open_cases(
    runtime: Runtime, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _open_case(runtime, clock)
    rows = [replace(r, phone="0161 496 0999") if r.email.startswith("kamal.") else r for r in _salford_rows(runtime)]
    newcomer = replace(
        next(r for r in rows if r.email.startswith("kamal.")), name="Nia Brook", email="nia.brook@childrens.salford.example"
    )
    capsys.readouterr()
    assert _run(runtime, "directory", "import", str(_write(tmp_path / "more.csv", [*rows, newcomer]))) == 0
    out = capsys.readouterr().out
    assert "~ salford: practitioner kamal.underhill@childrens.salford.example (Salford Children's Services): phone changed" in out
    assert "+ salford: practitioner nia.brook@childrens.salford.example (Salford Children's Services)" in out
    assert "1 added, 1 changed, 0 removed" in out
    assert f"  {reference} (stage 1): nia.brook@childrens.salford.example joins" in out


def test_one_person_in_several_roles_and_several_people_in_one_role(runtime: Runtime, tmp_path: Path) -> None:
    """The role column may list several roles ("practitioner;line_manager"); export writes one row each."""
    csv = tmp_path / "roles.csv"
    csv.write_text(
        HEADER + "salford,,,Bea Manager,bm@salford.example,business_manager,\n"
        "salford,Northside Health,northside-health.example,Ann Lee,ann.lee@northside-health.example,practitioner;line_manager,\n"
        "salford,Northside Health,northside-health.example,Bo Tan,bo.tan@northside-health.example,practitioner,\n"
    )
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 0
    with runtime.sessions() as session:
        view, _ = load_directory(session, "salford")
    northside = view.agency_named("Northside Health")
    assert {c.email for c in view.contacts_for("practitioner", northside)} == {
        "ann.lee@northside-health.example",
        "bo.tan@northside-health.example",
    }
    assert {c.email for c in view.contacts_for("line_manager", northside)} == {"ann.lee@northside-health.example"}
    csv.write_text(
        HEADER + "salford,,,Bea Manager,bm@salford.example,business_manager;business_manager,\n"
        "salford,,,Bea Manager,bm@salford.example,business_manager,\n"
    )
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 65, "the same person twice in one role"


def test_a_rename_with_new_domains_is_recognised_by_the_old_name_among_its_aliases(
    runtime: Runtime, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _open_case(runtime, clock)
    moved = [
        replace(
            r,
            agency="Salford Families Service",
            agency_domains=("families.salford.example",),
            email=r.email.replace("childrens.salford.example", "families.salford.example"),
            agency_aliases=(SAL_CHALLENGED,),
        )
        if r.agency == SAL_CHALLENGED
        else r
        for r in _salford_rows(runtime)
    ]
    capsys.readouterr()
    csv = _write(tmp_path / "moved.csv", moved)
    assert _run(runtime, "directory", "import", str(csv), "--yes") == 0, "the case keeps someone on each side"
    out = capsys.readouterr().out
    assert f"renamed salford: {SAL_CHALLENGED} -> Salford Families Service (the new name lists the old one;" in out
    assert f"  {reference} (stage 1): kamal.underhill@families.salford.example joins" in out
    with runtime.sessions() as session:
        case = CaseRepository(session).by_reference(reference)
        agency = session.get(Agency, case.challenged_agency_id) if case else None
        assert agency is not None and agency.name == "Salford Families Service"


def test_the_directory_view_is_read_once_per_transaction(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        first = load_directory(session, "salford")
        assert load_directory(session, "salford") is first
        assert load_directory(session, "barnet") is not first
        session.commit()
        again = load_directory(session, "salford")
        assert again is not first and again[0] == first[0]  # a new transaction reads it afresh
        rows = [r for r in current_rows(session, "salford") if r.email != "business.manager@salford.example"]
        import_rows(session, rows)
        changed, _ = load_directory(session, "salford")
        assert not changed.is_contact("business.manager@salford.example")
        assert again[0].is_contact("business.manager@salford.example")
        session.rollback()
