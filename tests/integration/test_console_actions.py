"""Case actions in the console: set the stage, reassign the challenged side, reopen (and be chased again).

Each goes through CaseActions in the request's one transaction, is on the
timeline with who did it, needs the session's CSRF token, and is refused on
another partnership's case.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.routing.directory import parse_csv
from escalations.service.directory import current_rows, import_rows
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseEvent, OutboxMessage
from tests.conftest import Clock
from tests.support.console import BNES_MANAGER, SALFORD_MANAGER, sign_in, stored_case
from tests.support.scenario import Scenario, contact, notice_rows

BASE = "http://127.0.0.1:8025"
T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731  (GMT until 29 March 2026)
CHILDREN, POLICE = "Salford Children's Services", "Salford Police"


def _case(runtime: Runtime, reference: str) -> tuple[Case, list[CaseEvent], list[OutboxMessage]]:
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        events = list(case.events)
        mail = list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id)))
        _ = list(case.deadlines)
        return case, events, mail


def _refused_without_token_and_to_another_partnership(runtime: Runtime, reference: str, action: str, **data: str) -> None:
    """The action's form without the session's token is refused (403); another partnership's manager gets 404."""
    app = create_app(runtime)
    with TestClient(app, base_url=BASE) as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        assert client.post(f"/cases/{reference}/{action}", data=data).status_code == 403
    with TestClient(app, base_url=BASE) as other:
        csrf = sign_in(other, runtime, BNES_MANAGER)
        assert other.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data}).status_code == 404


@pytest.fixture
def client(runtime: Runtime) -> TestClient:
    with TestClient(create_app(runtime), base_url=BASE) as c:
        yield c  # type: ignore[misc]


def test_setting_the_stage_routes_the_case_to_that_stage_and_runs_its_deadlines_again(
    runtime: Runtime, client: TestClient
) -> None:
    reference = stored_case(runtime)
    _refused_without_token_and_to_another_partnership(runtime, reference, "stage", stage="3", why="no answer")
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
    assert post("agency", side="raising", agency="Northside Health").status_code == 200
    assert post("agency", side="challenged", agency=CHILDREN).status_code == 200
    assert post("stage", stage="1", why="already there").status_code == 400
    assert post("stage", stage="9", why="no such stage").status_code == 400
    assert post("stage", stage="3", why="").status_code == 400
    assert 'action="/cases/' + reference + '/stage"' in client.get(f"/cases/{reference}").text
    assert post("stage", stage="3", why="the line managers met and could not agree").status_code == 200

    case, events, mail = _case(runtime, reference)
    assert case.stage == 3
    [set_] = [e for e in events if e.rule == "stage:set"]
    assert set_.data == {"by": SALFORD_MANAGER, "from": 1, "to": 3}
    assert [(d.stage, d.met) for d in case.deadlines if d.kind == "stage_response"] == [(1, True), (3, False)]
    routed = next(m for m in mail if m.kind == "routed_case")
    assert contact("salford", CHILDREN, "service_manager") in routed.recipients  # stage 3's challenged tier
    assert any(m.kind == "case_update" and "dev.vellacott@northside-health.example" in m.recipients for m in mail)

    # Back down to stage 1: it is entered anew, so its response deadline runs again from now.
    assert post("stage", stage="1", why="sent up by mistake").status_code == 200
    case, _, _ = _case(runtime, reference)
    assert case.stage == 1
    assert sorted((d.stage, d.met) for d in case.deadlines if d.kind == "stage_response") == [(1, False), (3, True)]

    assert post("close", state="resolved", outcome="Agreed").status_code == 200
    assert post("stage", stage="2", why="closed").status_code == 400  # only an open case moves


def test_the_challenged_side_is_reassigned_to_another_contact_of_the_challenged_agency(
    runtime: Runtime, client: TestClient
) -> None:
    with runtime.sessions.begin() as session:  # a second police practitioner: the case can be with either
        extra = "partnership,agency,agency_domains,name,email,role,phone\n"
        extra += f"salford,{POLICE},police.salford.example,Zara Quill,zara.quill@police.salford.example,practitioner,\n"
        import_rows(session, current_rows(session, "salford") + parse_csv(extra, ["salford"]))
    reference = stored_case(runtime)
    _refused_without_token_and_to_another_partnership(runtime, reference, "challenged", email="zara.quill@police.salford.example")
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
    assert "Reassign the challenged side" not in client.get(f"/cases/{reference}").text  # no challenged agency yet
    assert post("challenged", email="zara.quill@police.salford.example").status_code == 400
    assert post("agency", side="challenged", agency=POLICE).status_code == 200
    assert "Reassign the challenged side" in client.get(f"/cases/{reference}").text
    assert post("challenged", email="kamal.underhill@childrens.salford.example").status_code == 400  # another agency
    assert post("challenged", email="Zara.Quill@police.salford.example").status_code == 200

    case, events, mail = _case(runtime, reference)
    [event] = [e for e in events if e.rule == "challenged:reassigned"]
    assert event.data == {
        "by": SALFORD_MANAGER,
        "from": None,
        "to": "zara.quill@police.salford.example",
        "name": "Zara Quill",
    }
    # She is the stage-1 practitioner the case is with now, and had never been sent it: she gets it at once,
    # and only she of the two police practitioners.
    routed = [m for m in mail if m.kind == "routed_case"]
    assert [m.recipients for m in routed] == [["zara.quill@police.salford.example"]]
    assert "(now Zara Quill)" in client.get(f"/cases/{reference}").text


def test_a_reopened_case_is_chased_again(runtime: Runtime, clock: Clock, client: TestClient) -> None:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    practitioner = contact("salford", "Northside Health", "practitioner")
    reference = s.notice(practitioner, notice_rows("Jo Bloggs", "14/02/2017", CHILDREN, "1"))
    _refused_without_token_and_to_another_partnership(runtime, reference, "reopen", why="not done")
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
    assert post("close", state="resolved", outcome="Agreed a joint visit").status_code == 200
    assert not s.open_deadlines(reference)
    s.at(T(2026, 3, 10, 10, 20))  # within the session's 30 idle minutes
    assert post("reopen", why="the visit did not happen").status_code == 200
    assert {(kind, stage) for kind, stage, _ in s.open_deadlines(reference)} == {("stage_response", 1)}
    s.sent()
    [(_, _, due)] = s.open_deadlines(reference)
    s.at(due).tick()
    chasers = [m for m in s.sent() if m.kind == "chaser"]
    assert chasers and contact("salford", CHILDREN, "practitioner") in chasers[0].to
