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


def test_a_held_message_with_no_policy_is_shown_to_its_mailboxs_partnerships_and_a_new_case_follows_the_chosen_one(
    runtime: Runtime, app
) -> None:  # type: ignore[no-untyped-def]
    from escalations.routing.directory import parse_csv
    from escalations.service.directory import current_rows, import_rows
    from escalations.storage.models import Case

    adults_admin = "adults.admin@bury.example"  # bury-adults only; Bury's shared mailbox serves both Bury policies
    with runtime.sessions.begin() as session:
        extra = f"partnership,agency,agency_domains,name,email,role,phone\nbury-adults,,,Ada Adamson,{adults_admin},admin,\n"
        import_rows(session, current_rows(session, "bury-adults") + parse_csv(extra, ["bury-adults"]))
    # As the worker records it: the first of the mailbox's policies, with the rule that says none was chosen.
    undecided = held_message(
        runtime,
        InboundStatus.REVIEW,
        "bury-children",
        rule="shared-mailbox-unknown-subject",
        reason="the mailbox serves bury-children, bury-adults and the notice does not say whether it is about a child or an adult",
    )
    with runtime.sessions.begin() as session:  # a second message, whose policy is known: bury-children's people only
        decided = session.get(InboundMessage, held_message(runtime, InboundStatus.REVIEW, "salford", rule="unknown-sender"))
        decided.review = {**decided.review, "partnership": "bury-children"}
        decided.envelope_to, decided.dedupe_key = ["bsp@bury.example"], "decided-bury"
        decided_id = decided.id
    with TestClient(app, base_url=BASE) as salford:
        csrf = sign_in(salford, runtime, SALFORD_MANAGER)
        assert f"Message {undecided}," not in salford.get("/review").text
        refused = salford.post(f"/review/{undecided}", data={"kind": "new", "partnership": "salford", "csrf": csrf})
        assert refused.status_code == 404
    with TestClient(app, base_url=BASE) as client:
        csrf = sign_in(client, runtime, adults_admin)
        assert "1 for your partnerships, 1 of them with no policy chosen yet" in client.get("/").text
        page = client.get("/review").text
        assert f"Message {undecided}," in page and f"Message {decided_id}," not in page
        assert '<option value="bury-adults">' in page and '<option value="bury-children">' not in page
        post = lambda **data: client.post(f"/review/{undecided}", data={"csrf": csrf, **data}, follow_redirects=False)  # noqa: E731
        assert post(kind="new").status_code == 400  # no policy: the worker would only hold it again
        assert post(kind="new", partnership="bury-children").status_code == 400  # not theirs to choose
        assert post(kind="new", partnership="bury-adults", note="an adult, from the form").status_code == 303
    assert _message(runtime, undecided).review["decision"]["partnership"] == "bury-adults"
    runtime.worker().run_message(undecided)
    with runtime.sessions() as session:
        message = session.get(InboundMessage, undecided)
        case = session.get(Case, message.case_id) if message and message.case_id else None
        assert case is not None, message.outcome if message else "gone"
        assert case.partnership == "bury-adults"
        assert any(e.rule == "policy:review-partnership" for e in case.events)
