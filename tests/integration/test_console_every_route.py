"""Every route the console serves, found from the app itself (so a route added later is checked too): nothing without
a session, nothing of another partnership's, and the security headers on every answer."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.routing import Route
from starlette.testclient import TestClient

from escalations.console.app import HEADERS, create_app
from escalations.service.runtime import Runtime
from escalations.storage.models import Agency, CaseEvent, Contact, InboundStatus
from tests.support.console import BNES_MANAGER, case_id, held_message, sign_in, stored_case

BASE = "http://127.0.0.1:8025"
# Sign-in itself, the probes, and the report's stylesheet (fixed text, like /static: no data in it).
PUBLIC = {"/sign-in", "/sign-in/confirm", "/sign-in/{token}", "/healthz", "/metrics", "/reports/report.css"}


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    starlette = app.app  # inside the security headers
    return [(method, r.path) for r in starlette.routes if isinstance(r, Route) for method in sorted(r.methods - {"HEAD"})]


def _salford_things(runtime: Runtime) -> dict[str, str]:
    """Values for every path parameter, all of them Salford's."""
    reference = stored_case(runtime, "salford", "Jo Testwell")
    review = held_message(runtime, InboundStatus.REVIEW, reason="salford's question")
    quarantined = held_message(runtime, InboundStatus.QUARANTINED)
    with runtime.sessions() as session:
        inbound = session.scalars(select(CaseEvent.inbound_id).where(CaseEvent.case_id == case_id(runtime, reference))).first()
        contact = session.scalars(select(Contact.id).where(Contact.partnership == "salford")).first()
        agency = session.scalars(select(Agency.id).where(Agency.partnership == "salford")).first()
    ids = {"review": review, "quarantine": quarantined, "contacts": contact, "agencies": agency}
    return {
        "reference": reference,
        "inbound": str(inbound),
        "index": "1",
        "token": "x" * 43,
        **{k: str(v) for k, v in ids.items()},
    }


def _fill(path: str, things: dict[str, str]) -> str:
    """A route's path with its parameters given: an {id} by the word before it (review, quarantine, contacts...)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        key = before if name == "id" else name
        assert key in things, f"{path}: give _salford_things a value for {key!r}"
        return things[key]

    return re.sub(r"\{([^}]+)\}", value, path)


def test_no_route_answers_without_a_session_and_every_answer_has_the_headers(runtime: Runtime) -> None:
    app = create_app(runtime)
    things = _salford_things(runtime)
    checked = 0
    with TestClient(app, base_url=BASE) as client:
        for method, path in _routes(app):
            url = _fill(path, things)
            response = client.request(method, url, data={"csrf": "x"} if method == "POST" else None, follow_redirects=False)
            for name, value in HEADERS.items():
                assert response.headers.get(name) == value, (method, url, name)
            if path in PUBLIC:
                continue
            expected = (303, "/sign-in") if method == "GET" else (403, None)
            assert (response.status_code, response.headers.get("location")) == expected, (method, url)
            assert "Testwell" not in response.text and "salford&#39;s question" not in response.text
            checked += 1
    assert checked >= 20  # the pages, documents, downloads and every action


def test_another_partnerships_manager_gets_nothing_of_salfords_by_any_route(runtime: Runtime) -> None:
    app = create_app(runtime)
    things = _salford_things(runtime)
    with TestClient(app, base_url=BASE) as client:
        csrf = sign_in(client, runtime, BNES_MANAGER)
        for method, path in _routes(app):
            if path in PUBLIC or "{" not in path or path == "/sign-out":
                continue
            url = _fill(path, things)
            response = client.request(method, url, data={"csrf": csrf} if method == "POST" else None, follow_redirects=False)
            assert response.status_code in (403, 404), (method, url, response.status_code)
            assert "Testwell" not in response.text and "salford&#39;s question" not in response.text, (method, url)
            assert all(response.headers.get(n) == v for n, v in HEADERS.items())
    with runtime.sessions() as session:  # and nothing was changed on the way
        events = session.scalars(select(CaseEvent.rule).where(CaseEvent.case_id == case_id(runtime, things["reference"]))).all()
        contacts = session.scalars(select(Contact.id).where(Contact.id == int(things["contacts"]))).all()
    assert "note" not in events and contacts == [int(things["contacts"])]
