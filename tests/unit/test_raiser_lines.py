"""Who raised the concern and how to reach them, as a routed email says it (issue 11: never "not stated"
when the notice is signed or its sender is known)."""

from __future__ import annotations

import pytest

from escalations.intake.notices.model import Notice, Person, Signed
from escalations.outbound.compose import raiser_lines
from escalations.routing.directory import ContactEntry

SENDER = "dev.vellacott@northside-health.example"
ENTRY = ContactEntry("Dev Vellacott", SENDER, "practitioner", "Northside Health", "0161 496 0103")


@pytest.mark.parametrize(
    ("notice", "sender", "contact", "who", "reach"),
    [
        pytest.param(
            Notice(raised_by=Person("Ann Other", "Health Visitor", "Northside Health", "ann@n.example", "07700 900123")),
            SENDER,
            ENTRY,
            "Ann Other, Health Visitor, Northside Health",
            "ann@n.example, 07700 900123",
            id="the-notice-says",
        ),
        pytest.param(
            Notice(signed=Signed(name="Sam Signer", role="School Nurse")),
            None,
            None,
            "Sam Signer, School Nurse",
            None,
            id="signed-only",
        ),
        pytest.param(
            Notice(), SENDER, ENTRY, "Dev Vellacott, practitioner, Northside Health", f"{SENDER}, 0161 496 0103", id="directory"
        ),
        pytest.param(Notice(), SENDER, None, SENDER, None, id="the-address-only"),
        pytest.param(
            Notice(raised_by=Person(name="Dev Vellacott")),
            SENDER,
            ENTRY,
            "Dev Vellacott, practitioner, Northside Health",
            f"{SENDER}, 0161 496 0103",
            id="name-from-notice-rest-from-directory",
        ),
        pytest.param(
            Notice(), "someone@else.example", ENTRY, "someone@else.example", None, id="another-persons-entry-is-not-used"
        ),
        pytest.param(Notice(), None, None, None, None, id="nothing-known"),
    ],
)
def test_raiser_lines(
    notice: Notice, sender: str | None, contact: ContactEntry | None, who: str | None, reach: str | None
) -> None:
    assert raiser_lines(notice, sender, contact) == (who, reach)
