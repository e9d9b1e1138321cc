"""The console's Directory page: a person's own partnerships only; an admin imports a CSV after its preview."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.routing.directory import parse_csv
from escalations.service.directory import current_rows, import_rows
from escalations.service.runtime import Runtime
from escalations.storage.models import Contact
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in
from tests.support.scenario import Scenario, contact

ADMIN = "sal.admin@salford.example"
NEW = "salford,Northside Health,northside-health.example,Nia Newcombe,nia.newcombe@northside-health.example,practitioner,,"


def _add_admin(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        rows = current_rows(session, "salford")
        extra = parse_csv(
            f"partnership,agency,agency_domains,name,email,role,phone\nsalford,,,Sal Admin,{ADMIN},admin,\n", ["salford"]
        )
        import_rows(session, rows + extra)


def _emails(runtime: Runtime) -> set[str]:
    with runtime.sessions() as session:
        return set(session.scalars(select(Contact.email).where(Contact.partnership == "salford")))


def test_a_business_manager_sees_and_exports_only_their_partnership_and_may_not_import(runtime: Runtime) -> None:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        page = client.get("/directory").text
        assert "dev.vellacott@northside-health.example" in page and "business.manager@bnes.example" not in page
        assert "Preview the changes" not in page
        found = client.get("/directory", params={"q": "police"}).text
        assert "Salford Police" in found and "Northside Health" not in found
        exported = client.get("/directory/export.csv")
        rows = parse_csv(exported.text, ["salford"])  # the CSV contract, and every row this partnership's
        assert {r.partnership for r in rows} == {"salford"} and len(rows) == len(_emails(runtime))
        before = _emails(runtime)
        assert client.post("/directory/import", data={"csrf": csrf, "csv": exported.text + NEW, "apply": "1"}).status_code == 403
        assert _emails(runtime) == before


def test_an_admin_imports_a_change_after_its_preview(runtime: Runtime) -> None:
    _add_admin(runtime)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, ADMIN)
        assert "Preview the changes" in client.get("/directory").text
        text = client.get("/directory/export.csv").text + NEW + "\n"
        preview = client.post("/directory/import", data={"csrf": csrf, "csv": text})
        assert preview.status_code == 200
        assert "+ salford: practitioner nia.newcombe@northside-health.example (Northside Health)" in preview.text
        assert "1 added, 0 changed, 0 removed" in preview.text and "nia.newcombe@northside-health.example" not in _emails(runtime)
        applied = client.post("/directory/import", data={"csrf": csrf, "csv": text, "apply": "1"}, follow_redirects=False)
        assert applied.status_code == 303
        assert "nia.newcombe@northside-health.example" in _emails(runtime)
        other = text + "bnes,,,Eve Elsewhere,eve@bnes.example,business_manager,,\n"
        refused = client.post("/directory/import", data={"csrf": csrf, "csv": other, "apply": "1"})
        assert refused.status_code == 400 and "&#39;bnes&#39; is not a configured partnership" in refused.text
        assert client.post("/directory/import", data={"csv": text, "apply": "1"}).status_code == 403  # no CSRF token
    with runtime.sessions() as session:
        assert not session.scalars(select(Contact).where(Contact.email == "eve@bnes.example")).all()


def test_an_import_that_would_leave_an_open_case_with_nobody_on_a_side_is_refused(runtime: Runtime, clock: Clock) -> None:
    """The console has no --force: the admin sees the case and the people it would lose, and nothing changes."""
    _add_admin(runtime)
    s = Scenario(runtime, clock, "escalations@salford.example").at(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    rows = [
        ("Name of child", "Jo Bloggs"),
        ("Date of birth", "14/02/2017"),
        ("Agency whose decision is challenged", "Salford Children's Services"),
        ("Please document any information of concern", "The referral was closed without a visit."),
        ("Current stage", "1"),
    ]
    reference = s.notice(contact("salford", "Northside Health", "practitioner"), rows)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, ADMIN)
        exported = client.get("/directory/export.csv").text.splitlines(keepends=True)
        text = "".join(line for line in exported if "Salford Children's Services" not in line)
        before = _emails(runtime)
        for data in ({"csrf": csrf, "csv": text}, {"csrf": csrf, "csv": text, "apply": "1"}):
            refused = client.post("/directory/import", data=data)
            assert refused.status_code == 409 and "The CSV was not imported" in refused.text
            assert f"{reference} (stage 1): nobody left on the challenged side" in refused.text
            assert _emails(runtime) == before
