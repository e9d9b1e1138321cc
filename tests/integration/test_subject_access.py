"""Subject access and erasure (issue 16): the export holds exactly the person's cases, the erasure removes them."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.service.subject import SubjectError, erase, export
from escalations.storage.models import Anonymisation, Case, ConsoleAccess, InboundMessage, NoticeRecord
from tests.conftest import Clock
from tests.support.privacy import barnet_case, close, everything, retention_settings, salford_case, send_all, start

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
NAME, DOB = "Tamsin Goneaway", date(2015, 1, 3)
ZIP_NAME = re.compile(
    r"^(manifest\.json|cases/case-\d{3}\.json|notices/notice-\d{3}\.json|messages/(received|sent)-\d{3}\.eml|documents/document-\d{3}\.[a-z0-9]{1,8})$"
)


def _seed(runtime: Runtime, clock: Clock) -> dict[str, str]:
    refs = {"first": salford_case(runtime, clock, T(2026, 3, 10, 10), NAME, "03/01/2015")}
    close(runtime, refs["first"], "resolved", T(2026, 3, 11, 10), "Agreed a joint visit")
    # The same child again, her name written surname first: a new case (the first is closed).
    refs["again"] = salford_case(runtime, clock, T(2026, 3, 12, 10), "GONEAWAY, Tamsin", "03/01/2015")
    refs["barnet"] = barnet_case(runtime, clock, T(2026, 3, 12, 11), NAME, "03/01/2015")
    refs["same_name_other_dob"] = salford_case(runtime, clock, T(2026, 3, 12, 12), NAME, "03/01/2016")
    refs["other_name_same_dob"] = salford_case(runtime, clock, T(2026, 3, 12, 13), "Tobias Elsewhere", "03/01/2015")
    send_all(runtime)
    return refs


@pytest.fixture
def seeded(tmp_path: Path, database_url: str, clock: Clock):
    runtime = start(retention_settings(tmp_path, database_url, {}), clock)
    try:
        yield runtime, _seed(runtime, clock)
    finally:
        runtime.close()


def test_the_export_holds_the_persons_cases_and_none_other(seeded, tmp_path: Path) -> None:
    runtime, refs = seeded
    mine = [refs["first"], refs["again"], refs["barnet"]]
    output = tmp_path / "request.zip"
    with runtime.sessions.begin() as session:
        manifest = export(session, NAME, DOB, output, T(2026, 4, 1, 9), "dpo@salford.example")
    assert sorted(manifest["cases"]) == sorted(mine)
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        files = {n: archive.read(n) for n in names}
    assert all(ZIP_NAME.match(n) for n in names), names
    assert not any(word in n.lower() for n in names for word in ("tamsin", "goneaway", "bloggs", "2015")), names
    assert json.loads(files["manifest.json"])["files"] == manifest["files"]
    cases = [json.loads(v) for n, v in files.items() if n.startswith("cases/")]
    assert sorted(c["reference"] for c in cases) == sorted(mine)
    assert all(c["timeline"] and c["notices"] and c["deadlines"] for c in cases), "each case whole"
    everything_exported = b"\n".join(files.values())
    assert b"Tobias" not in everything_exported and b"03/01/2016" not in everything_exported
    assert b"referral for Tobias" not in everything_exported
    received = [n for n in names if n.startswith("messages/received-")]
    documents = [n for n in names if n.startswith("documents/")]
    assert len(received) == 3 and len(documents) == 3 and all(n.endswith(".docx") for n in documents)
    assert any(n.startswith("messages/sent-") for n in names), "the mail sent on the cases"
    for entry in manifest["files"]:
        assert len(files[entry["file"]]) == entry["bytes"]
    assert oct(output.stat().st_mode & 0o777) == "0o600"

    with runtime.sessions() as session:
        logged = session.scalars(select(ConsoleAccess).where(ConsoleAccess.action == "subject_export")).all()
        ids = {c.reference: c.id for c in session.scalars(select(Case))}
    assert sorted(e.case_id for e in logged) == sorted(ids[r] for r in mine)
    assert all(e.email == "dpo@salford.example" and "Tamsin" not in e.what for e in logged)

    with runtime.sessions.begin() as session, pytest.raises(SubjectError, match="already exists"):
        export(session, NAME, DOB, output, T(2026, 4, 1, 9), "dpo@salford.example")


def test_erasure_refuses_an_open_case_then_erases_the_person_only(seeded, tmp_path: Path) -> None:
    runtime, refs = seeded
    before = everything(runtime)
    with runtime.sessions.begin() as session, pytest.raises(SubjectError, match=refs["again"]):
        erase(session, NAME, DOB, "DPO decision 2026-04-01, Art. 17(1)(a)", T(2026, 4, 1, 9), "dpo@salford.example")
    assert everything(runtime) == before, "refused: nothing changed"

    close(runtime, refs["again"], "withdrawn", T(2026, 3, 20, 9), "withdrawn")
    close(runtime, refs["barnet"], "resolved", T(2026, 3, 20, 9), "resolved")
    with runtime.sessions.begin() as session:
        done = erase(session, NAME, DOB, "DPO decision 2026-04-01, Art. 17(1)(a)", T(2026, 4, 1, 9), "dpo@salford.example")
    assert sorted(a.reference for a in done) == sorted([refs["first"], refs["again"], refs["barnet"]])
    after = everything(runtime)
    assert "Agreed a joint visit" not in after
    assert "2016-01-03" in after and "Tobias Elsewhere" in after, "the namesake and the other child stay whole"
    with runtime.sessions() as session:
        for case in session.scalars(select(Case)):
            erased = case.reference in (refs["first"], refs["again"], refs["barnet"])
            subjects = [
                n.data["subject"]["name"] for n in session.scalars(select(NoticeRecord).where(NoticeRecord.case_id == case.id))
            ]
            assert (case.anonymised_at is not None) == erased and all((name is None) == erased for name in subjects)
            raws = session.scalars(select(InboundMessage.raw).where(InboundMessage.case_id == case.id)).all()
            assert raws and all((raw == b"") == erased for raw in raws), case.reference
    with runtime.sessions() as session:
        records = session.scalars(select(Anonymisation)).all()
        assert {(r.rule, r.decision, r.by) for r in records} == {
            ("erasure", "DPO decision 2026-04-01, Art. 17(1)(a)", "dpo@salford.example")
        }
        assert session.scalars(select(ConsoleAccess).where(ConsoleAccess.action == "subject_erase")).all()
    with runtime.sessions.begin() as session:
        assert export(session, NAME, DOB, tmp_path / "after.zip", T(2026, 4, 2, 9), "dpo@salford.example")["cases"] == []


def test_subject_commands(tmp_path: Path, clock: Clock, capsys) -> None:
    settings = retention_settings(tmp_path, f"sqlite:///{tmp_path / 'esc.db'}", {})
    runtime = start(settings, clock)
    try:
        refs = _seed(runtime, clock)
    finally:
        runtime.close()
    config = ["--config", str(settings)]
    output = tmp_path / "out.zip"
    assert main(["subject", "export", "--name", NAME, "--dob", "2015-01-03", "-o", str(output), *config]) == 0
    assert "3 case(s)" in capsys.readouterr().out and zipfile.is_zipfile(output)
    assert main(["subject", "export", "--name", NAME, "--dob", "2015-01-03", "-o", str(output), *config]) == 1
    assert "already exists" in capsys.readouterr().err
    erase_args = ["subject", "erase", "--name", "Tobias Elsewhere", "--dob", "2015-01-03", "--decision", "DPO 2026-04-01"]
    assert main([*erase_args, *config]) == 1
    captured = capsys.readouterr()
    assert refs["other_name_same_dob"] in captured.out and "--yes" in captured.err
    assert main([*erase_args, "--yes", *config]) == 1, "the case is still open"
    assert "still open" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["subject", "export", "--name", NAME, "--dob", "3 Jan 2015", "-o", str(tmp_path / "x.zip"), *config])
