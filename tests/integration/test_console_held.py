"""The console's Review and Quarantine pages: the same decisions as `review decide` and `quarantine retry`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.service.runtime import Runtime
from escalations.storage.models import ConsoleAccess, InboundMessage, InboundStatus
from tests.support.console import BNES_MANAGER, SALFORD_MANAGER, case_id, held_message, sign_in, stored_case

BASE = "http://127.0.0.1:8025"


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE) as c:
        yield c


def _message(runtime: Runtime, message_id: int) -> InboundMessage:
    with runtime.sessions() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        session.expunge(message)
        return message


def test_a_review_decision_attaches_the_message_to_the_case_through_the_worker(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    held = held_message(runtime, InboundStatus.REVIEW, reason="it names no case we could match", candidates=[reference])
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    page = client.get("/review")
    assert page.status_code == 200
    assert "it names no case we could match" in page.text and f'href="/cases/{reference}"' in page.text
    assert "Please see the attached notice." in page.text
    refused = client.post(f"/review/{held}", data={"kind": "case", "reference": "BNES-2026-0001", "csrf": csrf})
    assert refused.status_code == 400
    done = client.post(
        f"/review/{held}",
        data={"kind": "case", "reference": reference, "note": "same child", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    message = _message(runtime, held)
    assert message.status == InboundStatus.RECEIVED
    assert {k: message.review["decision"][k] for k in ("kind", "reference", "note", "by")} == {
        "kind": "case",
        "reference": reference,
        "note": "same child",
        "by": SALFORD_MANAGER,
    }
    runtime.worker().run_message(held)
    assert _message(runtime, held).case_id == case_id(runtime, reference)
    assert client.post(f"/review/{held}", data={"kind": "reject", "csrf": csrf}).status_code == 404  # decided already
    with runtime.sessions() as session:
        assert session.scalars(select(ConsoleAccess.action)).all() == ["review_view"]


def test_a_rejected_message_is_recorded_and_answered_by_nobody(runtime: Runtime, client: TestClient) -> None:
    held = held_message(runtime, InboundStatus.REVIEW, reason="not a notice")
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    assert client.post(f"/review/{held}", data={"kind": "reject", "csrf": csrf}, follow_redirects=False).status_code == 303
    assert _message(runtime, held).status == InboundStatus.REJECTED
    assert client.post(f"/review/{held}", data={"kind": "nonsense", "csrf": csrf}).status_code == 404


def test_review_and_quarantine_show_only_the_persons_partnership(runtime: Runtime, app) -> None:  # type: ignore[no-untyped-def]
    review = held_message(runtime, InboundStatus.REVIEW, reason="salford's own question")
    quarantined = held_message(runtime, InboundStatus.QUARANTINED)
    with TestClient(app, base_url=BASE) as client:
        csrf = sign_in(client, runtime, BNES_MANAGER)
        assert "salford's own question" not in client.get("/review").text
        assert "Nothing in quarantine" in client.get("/quarantine").text
        assert client.post(f"/review/{review}", data={"kind": "reject", "csrf": csrf}).status_code == 404
        assert client.get(f"/quarantine/{quarantined}/raw").status_code == 404
        assert client.post(f"/quarantine/{quarantined}/retry", data={"csrf": csrf}).status_code == 404
    assert _message(runtime, review).status == InboundStatus.REVIEW
    assert _message(runtime, quarantined).status == InboundStatus.QUARANTINED


def test_quarantine_shows_the_kind_of_failure_gives_the_raw_message_and_retries(runtime: Runtime, client: TestClient) -> None:
    held = held_message(runtime, InboundStatus.QUARANTINED)
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    page = client.get("/quarantine")
    assert "ValueError" in page.text and "Testwell" not in page.text  # the error's text can quote the message
    raw = client.get(f"/quarantine/{held}/raw")
    assert raw.content == _message(runtime, held).raw
    assert raw.headers["content-disposition"] == f'attachment; filename="inbound-{held}.eml"'
    assert client.post(f"/quarantine/{held}/retry", data={}).status_code == 403
    assert client.post(f"/quarantine/{held}/retry", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    message = _message(runtime, held)
    assert (message.status, message.tries, message.claimed_by) == (InboundStatus.RECEIVED, 0, None)
    with runtime.sessions() as session:
        assert session.scalars(select(ConsoleAccess.what)).all() == [f"quarantined inbound {held}"]
