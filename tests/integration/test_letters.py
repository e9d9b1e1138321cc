"""Letters people can act on (issue 11), through the pipeline on an injected clock.

Every email any Scenario sends is also checked by tests.support.letters.unreadable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from escalations.service.runtime import Runtime

from tests.conftest import Clock
from tests.support.scenario import Scenario, contact, notice_rows

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
MAILBOX = "escalations@salford.example"
RAISING, CHALLENGED = "Northside Health", "Salford Children's Services"


def test_a_chaser_carries_what_a_busy_manager_needs_to_act(runtime: Runtime, clock: Clock) -> None:
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    raiser = contact("salford", RAISING, "practitioner")
    ref = s.notice(raiser, notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1"))
    s.sent()
    s.at(T(2026, 3, 10, 17, 0)).tick()  # the same-working-day deadline (local), Tuesday 17:00
    [first] = s.sent()
    assert "late since 17:00 today" in first.text
    s.at(T(2026, 3, 11, 9, 0)).tick()
    s.sent()
    s.at(T(2026, 3, 12, 9, 0)).tick()  # Wednesday has closed: one whole working day late
    [chaser] = s.sent()
    assert chaser.kind == "chaser" and chaser.to == {contact("salford", CHALLENGED, "practitioner")}
    assert chaser.subject == f"[{ref}] Overdue – stage 1"  # the reference and stage, nothing personal
    text = chaser.text
    assert f"case {ref}" in text and "stage 1 –" in text
    assert "The stage 1 response was due Tuesday 10 March 2026, 17:00 and is overdue (1 working day late)" in text
    assert "This is chaser 3 of 3; after that the business manager is asked to step in." in text
    assert "Also waiting for the answer:\n  - Dev Vellacott, practitioner, Northside Health (raised the concern)" in text
    assert "This chaser went to:\n  - " in text
    assert '"Resolved" followed by the outcome: closes the case' in text
    assert '"Unresolved" followed by the reason: moves the case to the next stage' in text


def test_the_business_manager_chased_for_a_copy_is_not_warned_of_themselves(runtime: Runtime, clock: Clock) -> None:
    """Salford 3.4's copy to the Service Manager could not go (the directory has none): its deadline is
    named in words, and its chaser to the business manager does not warn them of themselves."""
    from escalations.service.directory import current_rows, import_rows

    with runtime.sessions.begin() as session:
        everyone = current_rows(session, "salford")
        import_rows(session, [r for r in everyone if not (r.agency == CHALLENGED and r.role == "service_manager")])
    s = Scenario(runtime, clock, MAILBOX).at(T(2026, 3, 10, 10, 0))  # Tuesday 10:00
    ref = s.notice(contact("salford", RAISING, "practitioner"), notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1"))
    ack = next(m for m in s.sent() if m.kind == "acknowledgement")
    assert "Copy of the notice to the service manager: Thursday 12 March 2026, 17:00" in ack.text
    s.at(T(2026, 3, 12, 17, 0)).tick()  # Salford 3.4: within 2 working days, Thursday 17:00
    [chaser] = [m for m in s.sent() if m.kind == "chaser" and "copy of the notice" in m.text]
    assert chaser.to == {contact("salford", None, "business_manager")} and chaser.subject == f"[{ref}] Overdue – stage 1"
    assert "The copy of the notice to the service manager was due Thursday 12 March 2026, 17:00" in chaser.text
    assert "step in" not in chaser.text and "after that" not in chaser.text
