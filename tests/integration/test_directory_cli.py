"""`escalations directory import|export`: the CSV contract, dry runs, and errors by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalations.service.cli import main
from escalations.service.directory import current_rows, import_rows, load_directory
from escalations.service.runtime import Runtime

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
    assert _run(runtime, "directory", "import", str(csv)) == 0
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
    assert _run(runtime, "directory", "import", str(csv)) == 0
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
    assert _run(runtime, "directory", "import", str(csv)) == 0
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
