"""The Directory page, one contact at a time: an admin adds, edits and deactivates a contact (their open cases go to
the person chosen, on each case's timeline) and edits an agency's other names; business managers only read.
Every change goes through the same checks and import as `escalations directory import`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.routing.directory import parse_csv
from escalations.service.cli import main
from escalations.service.directory import current_rows, import_rows
from escalations.service.runtime import Runtime
from escalations.storage.models import Case, CaseEvent, Contact
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in
from tests.support.scenario import Scenario, contact, notice_rows

ADMIN = "sal.admin@salford.example"
DEV = "dev.vellacott@northside-health.example"  # Northside Health's practitioner
ELIN = "elin.everard@northside-health.example"  # Northside Health's line manager
NIA = "nia.newcombe@northside-health.example"
HEADER = "partnership,agency,agency_domains,name,email,role,phone\n"


def _with_admin(runtime: Runtime, *more: str) -> None:
    with runtime.sessions.begin() as session:
        rows = current_rows(session, "salford") + current_rows(session, "bnes")
        extra = parse_csv(HEADER + f"salford,,,Sal Admin,{ADMIN},admin,\n" + "".join(more), ["salford", "bnes"])
        import_rows(session, rows + extra)


def _contacts(runtime: Runtime, partnership: str = "salford") -> dict[tuple[str, str], Contact]:
    with runtime.sessions() as session:
        rows = session.scalars(select(Contact).where(Contact.partnership == partnership)).all()
        return {(c.email, c.role): c for c in rows}


def _id(runtime: Runtime, email: str, role: str) -> int:
    return _contacts(runtime)[(email, role)].id


@pytest.fixture
def admin(runtime: Runtime):  # type: ignore[no-untyped-def]
    _with_admin(runtime)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        yield client, sign_in(client, runtime, ADMIN)


def _case(runtime: Runtime, clock: Clock) -> str:
    """An open Salford case Dev Vellacott raised against Children's Services."""
    s = Scenario(runtime, clock, "escalations@salford.example").at(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    rows = notice_rows("Jo Bloggs", "14/02/2017", "Salford Children's Services", "1")
    return s.notice(contact("salford", "Northside Health", "practitioner"), rows)


def test_an_admin_adds_and_edits_a_contact_and_the_command_line_export_has_them(runtime: Runtime, admin, capsys) -> None:  # type: ignore[no-untyped-def]
    client, csrf = admin
    form = {"csrf": csrf, "partnership": "salford", "agency": "Salford Police", "name": "Nia Newcombe"}
    form |= {"email": "Nia.Newcombe@police.salford.example", "role": "practitioner", "phone": "0161 496 0999"}
    added = client.post("/directory/contacts/new", data=form, follow_redirects=False)
    assert added.status_code == 303
    nia = _contacts(runtime)[("nia.newcombe@police.salford.example", "practitioner")]
    with runtime.sessions() as session:
        assert any(r.email == nia.email and r.agency == "Salford Police" for r in current_rows(session, "salford"))
    assert nia.name == "Nia Newcombe"

    edited = client.post(f"/directory/contacts/{nia.id}", data={**form, "name": "Nia Newcombe-Hart", "phone": ""})
    assert edited.status_code == 200 and "Nia Newcombe-Hart" in edited.text  # back on the directory, searched for her
    after = _contacts(runtime)[("nia.newcombe@police.salford.example", "practitioner")]
    assert after.name == "Nia Newcombe-Hart" and after.phone is None
    assert len(_contacts(runtime)) == len(current_rows_of(runtime))

    assert main(["directory", "export", "--config", str(runtime.settings.path)]) == 0
    assert "salford,Salford Police,police.salford.example,Nia Newcombe-Hart,nia.newcombe@police.salford.example,practitioner" in (
        capsys.readouterr().out
    )


def current_rows_of(runtime: Runtime) -> list:  # type: ignore[type-arg]
    with runtime.sessions() as session:
        return current_rows(session, "salford")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"email": "not-an-address"}, "email: &#39;not-an-address&#39; is not an email address"),
        ({"role": "business_manager"}, "role: &#39;business_manager&#39; is not an agency role"),
        ({"agency": "Nowhere Agency"}, "&#39;Nowhere Agency&#39; is not an agency of salford"),
        ({"name": ""}, "name: is empty"),
        ({"email": DEV}, f"{DEV} is already a practitioner there"),
    ],
)
def test_a_contact_that_would_not_import_is_refused_and_nothing_changes(runtime: Runtime, admin, change, problem) -> None:  # type: ignore[no-untyped-def]
    client, csrf = admin
    before = _contacts(runtime)
    form = {"csrf": csrf, "partnership": "salford", "agency": "Northside Health", "name": "Nia Newcombe"}
    form |= {"email": "nia.newcombe@northside-health.example", "role": "practitioner", **change}
    refused = client.post("/directory/contacts/new", data=form)
    assert refused.status_code == 400 and "Nothing was changed" in refused.text
    assert problem in refused.text, refused.text
    assert _contacts(runtime).keys() == before.keys()


def test_deactivating_a_contact_hands_their_cases_to_the_person_chosen_on_each_timeline(
    runtime: Runtime, clock: Clock, admin
) -> None:  # type: ignore[no-untyped-def]
    reference = _case(runtime, clock)
    client, csrf = admin
    dev = _id(runtime, DEV, "practitioner")
    page = client.get(f"/directory/contacts/{dev}/deactivate")
    assert page.status_code == 200 and reference in page.text and "raised the case" in page.text
    assert "- salford: practitioner " + DEV in page.text  # the directory change, before it is made
    assert re.search(rf"<option>{re.escape(ELIN)}</option>", page.text)

    refused = client.post(f"/directory/contacts/{dev}/deactivate", data={"csrf": csrf, "takeover": "someone@else.example"})
    assert refused.status_code == 400 and "Choose who takes their cases over" in refused.text
    assert (DEV, "practitioner") in _contacts(runtime)

    # Dev is Northside's only practitioner, whom stage 1 needs on the raising side: refused, and the reassignment undone.
    alone = client.post(f"/directory/contacts/{dev}/deactivate", data={"csrf": csrf, "takeover": ELIN})
    assert alone.status_code == 409 and f"{reference} (stage 1): nobody left on the raising side" in alone.text
    with runtime.sessions() as session:
        assert session.scalars(select(Case.raised_by_email).where(Case.reference == reference)).one() == DEV

    # Stage 1's raising side is a practitioner other than the raiser: two join, one to take the case over.
    for name in ("Nia Newcombe", "Omar Oakley"):
        email = f"{name.lower().replace(' ', '.')}@northside-health.example"
        form = {"csrf": csrf, "partnership": "salford", "agency": "Northside Health", "name": name}
        assert client.post("/directory/contacts/new", data={**form, "email": email, "role": "practitioner"}).status_code == 200
    dev = _id(runtime, DEV, "practitioner")  # an import gives every contact a new row
    done = client.post(f"/directory/contacts/{dev}/deactivate", data={"csrf": csrf, "takeover": NIA}, follow_redirects=False)
    assert done.status_code == 303, re.findall(r"<li>(.*?)</li>", done.text)
    assert (DEV, "practitioner") not in _contacts(runtime)
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.raised_by_email == NIA
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.rule == "raiser:reassigned")
        ).one()
        assert event.data == {"by": ADMIN, "from": DEV, "to": NIA}
    assert f"{ADMIN} reassigned the raising side to {NIA}" in client.get(f"/cases/{reference}").text


def test_a_person_who_stays_in_another_role_keeps_the_cases_they_hold(runtime: Runtime, clock: Clock, admin) -> None:  # type: ignore[no-untyped-def]
    reference = _case(runtime, clock)
    client, csrf = admin
    form = {"csrf": csrf, "partnership": "salford", "agency": "Northside Health", "name": "Dev Vellacott"}
    assert client.post("/directory/contacts/new", data={**form, "email": DEV, "role": "line_manager"}).status_code == 200
    dev = _id(runtime, DEV, "practitioner")
    page = client.get(f"/directory/contacts/{dev}/deactivate").text
    assert reference in page and "it stays with them" in page and 'name="takeover"' not in page
    done = client.post(f"/directory/contacts/{dev}/deactivate", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert (DEV, "practitioner") not in _contacts(runtime) and (DEV, "line_manager") in _contacts(runtime)
    with runtime.sessions() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        assert case.raised_by_email == DEV and "raiser:reassigned" not in [e.rule for e in case.events]


def test_deactivating_the_challenged_sides_person_reassigns_that_side(runtime: Runtime, clock: Clock, admin) -> None:  # type: ignore[no-untyped-def]
    reference = _case(runtime, clock)
    client, csrf = admin
    maya, lowri = "maya.lockwood@childrens.salford.example", "lowri.dalby@childrens.salford.example"
    assert client.post(f"/cases/{reference}/challenged", data={"csrf": csrf, "email": maya}).status_code == 200
    page = client.get(f"/directory/contacts/{_id(runtime, maya, 'team_manager')}/deactivate")
    assert "is the challenged side&#39;s person" in page.text
    done = client.post(
        f"/directory/contacts/{_id(runtime, maya, 'team_manager')}/deactivate", data={"csrf": csrf, "takeover": lowri}
    )
    assert done.status_code == 200
    with runtime.sessions() as session:
        case_id = session.scalars(select(Case.id).where(Case.reference == reference)).one()
        moves = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.rule == "challenged:reassigned")
            .order_by(CaseEvent.id)
        ).all()
    assert [(e.data["by"], e.data["to"]) for e in moves] == [(ADMIN, maya), (ADMIN, lowri)]


def test_a_deactivation_that_would_leave_an_open_case_with_nobody_on_a_side_is_refused(
    runtime: Runtime, clock: Clock, admin
) -> None:  # type: ignore[no-untyped-def]
    """As `directory import` without --force: the last Children's Services practitioner cannot go while a case needs them."""
    reference = _case(runtime, clock)
    client, csrf = admin
    kamal = _id(runtime, "kamal.underhill@childrens.salford.example", "practitioner")
    before = _contacts(runtime).keys()
    page = client.get(f"/directory/contacts/{kamal}/deactivate").text
    assert reference in page and "answers for stage 1 as practitioner" in page and 'name="takeover"' not in page
    refused = client.post(f"/directory/contacts/{kamal}/deactivate", data={"csrf": csrf})
    assert refused.status_code == 409 and f"{reference} (stage 1): nobody left on the challenged side" in refused.text
    assert _contacts(runtime).keys() == before


def test_an_admin_edits_an_agencys_other_names_and_the_export_round_trips_them(runtime: Runtime, admin, capsys) -> None:  # type: ignore[no-untyped-def]
    client, csrf = admin
    with runtime.sessions() as session:
        police = next(a for a in current_rows(session, "salford") if a.agency == "Salford Police")
    assert police.agency_aliases == ("GMP", "Greater Manchester Police", "GMP Salford")
    page = client.get("/directory/agencies")
    agency_id = re.search(r'action="/directory/agencies/(\d+)/aliases"[^>]*>(?:(?!</form>).)*Salford Police', page.text, re.S)
    assert agency_id, page.text
    url = f"/directory/agencies/{agency_id.group(1)}/aliases"
    saved = client.post(url, data={"csrf": csrf, "aliases": "GMP\nGMP Salford Division; Salford Police Station"})
    assert saved.status_code == 200 and "GMP Salford Division" in saved.text
    assert main(["directory", "export", "--config", str(runtime.settings.path)]) == 0
    exported = [line for line in capsys.readouterr().out.splitlines() if "Salford Police" in line]
    assert exported and all(line.endswith(",GMP;GMP Salford Division;Salford Police Station") for line in exported)

    refused = client.post(url, data={"csrf": csrf, "aliases": "GMP\nNorthside NHS FT"})  # another agency's name
    assert refused.status_code == 400 and "already names Northside Health" in refused.text
    with runtime.sessions() as session:
        police = next(a for a in current_rows(session, "salford") if a.agency == "Salford Police")
    assert police.agency_aliases == ("GMP", "GMP Salford Division", "Salford Police Station")


def test_a_business_manager_reads_the_directory_but_changes_nothing(runtime: Runtime) -> None:
    _with_admin(runtime)
    dev = _id(runtime, DEV, "practitioner")
    before = {k: (c.name, c.phone) for k, c in _contacts(runtime).items()}
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, SALFORD_MANAGER)
        assert DEV in client.get("/directory").text and f"/directory/contacts/{dev}" not in client.get("/directory").text
        assert "GMP Salford" in client.get("/directory/agencies").text
        by_alias = client.get("/directory", params={"q": "greater manchester"}).text  # one of Salford Police's other names
        assert "rhian.thornbury@police.salford.example" in by_alias and DEV not in by_alias
        form = {"csrf": csrf, "partnership": "salford", "agency": "", "name": "X Y", "email": "x@salford.example"}
        for url, data in [
            ("/directory/contacts/new", {**form, "role": "lado"}),
            (f"/directory/contacts/{dev}", {**form, "agency": "Northside Health", "role": "practitioner"}),
            (f"/directory/contacts/{dev}/deactivate", {"csrf": csrf, "takeover": ELIN}),
        ]:
            assert client.post(url, data=data).status_code == 403, url
        assert client.get(f"/directory/contacts/{dev}/deactivate").status_code == 403
    assert {k: (c.name, c.phone) for k, c in _contacts(runtime).items()} == before


def test_an_admin_of_one_partnership_changes_nothing_of_another_where_they_are_only_business_manager(runtime: Runtime) -> None:
    _with_admin(runtime, f"bnes,,,Sal Admin,{ADMIN},business_manager,\n")
    bnes_before = _contacts(runtime, "bnes").keys()
    bnes_one = next(iter(_contacts(runtime, "bnes").values()))
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        csrf = sign_in(client, runtime, ADMIN)
        assert "bnes" in client.get("/").text  # they see both partnerships
        row = "bnes,,,Eve Elsewhere,eve@bnes.example,lado,\n"
        refused = client.post("/directory/import", data={"csrf": csrf, "csv": HEADER + row, "apply": "1"})
        assert refused.status_code == 400 and "&#39;bnes&#39; is not a configured partnership" in refused.text
        form = {"csrf": csrf, "partnership": "bnes", "agency": "", "name": "Eve", "email": "eve@bnes.example", "role": "lado"}
        assert client.post("/directory/contacts/new", data=form).status_code == 403
        assert client.post(f"/directory/contacts/{bnes_one.id}/deactivate", data={"csrf": csrf}).status_code == 403
    assert _contacts(runtime, "bnes").keys() == bnes_before
