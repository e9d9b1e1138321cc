"""An anonymised case (issue 16) still opens in the console, with nothing of the person left, and the access
log keeps who downloaded its document but not the document's file name."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.service.anonymise import anonymise_case
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, ConsoleAccess, InboundMessage
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in, stored_case


def test_an_anonymised_case_page_shows_its_figures_and_nothing_of_the_person(runtime: Runtime, clock: Clock) -> None:
    reference = stored_case(runtime, name="Jo Testwell")
    with runtime.sessions() as session:
        inbound = session.scalars(
            select(InboundMessage.id).where(InboundMessage.message_id == "<salford-Jo.Testwell@test.example>")
        ).one()
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        assert "Testwell" in client.get(f"/cases/{reference}").text
        assert client.get(f"/cases/{reference}/documents/{inbound}/1").status_code == 200
        with runtime.sessions.begin() as session:
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            case.state, case.closed_at = "resolved", clock()
            anonymise_case(session, case, clock() + timedelta(days=1), "retention:salford:6y-after-close")
        page = client.get(f"/cases/{reference}")
        assert page.status_code == 200 and reference in page.text
        assert "Testwell" not in page.text
        assert client.get(f"/cases/{reference}/documents/{inbound}/1").status_code == 404, "the document is gone"
        refused = client.post(f"/cases/{reference}/reopen", data={"csrf": csrf, "why": "new information"})
        assert "open a new case instead" in refused.text
        with runtime.sessions() as session:
            assert session.scalars(select(Case.state).where(Case.reference == reference)).one() == "resolved"
    with runtime.sessions() as session:
        log = session.scalars(select(ConsoleAccess).where(ConsoleAccess.action == "document_download")).all()
    assert log and all(entry.email == SALFORD_MANAGER and "Testwell" not in entry.what for entry in log)
