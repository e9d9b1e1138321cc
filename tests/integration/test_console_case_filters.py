"""The Cases page's filters not tested elsewhere: partnership (only the person's own), the raising or challenged
agency, immediate risk, overdue; and the page's address as a saved view (its links keep every filter)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console.app import create_app
from escalations.console.pages import PAGE_SIZE, CaseFilter
from escalations.routing.directory import parse_csv
from escalations.service.directory import current_rows, import_rows
from escalations.service.runtime import Runtime
from escalations.storage.models import Agency, Case, Deadline
from tests.conftest import Clock
from tests.support.console import SALFORD_MANAGER, sign_in, stored_case


def _set(runtime: Runtime, reference: str, **values: object) -> None:
    with runtime.sessions.begin() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        for key, value in values.items():
            setattr(case, key, value)


def _agency(runtime: Runtime, partnership: str, name: str) -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Agency.id).where(Agency.partnership == partnership, Agency.name == name)).one()


def _shown(html: str) -> set[str]:
    return set(re.findall(r'<a href="/cases/([A-Z]+-\d{4}-\d{4})">', html))


def test_cases_filter_by_partnership_agency_side_risk_and_overdue(runtime: Runtime, clock: Clock) -> None:
    with runtime.sessions.begin() as session:  # Salford's business manager is B&NES's too
        more = parse_csv(
            f"partnership,agency,agency_domains,name,email,role,phone\nbnes,,,Aisha Ashdown,{SALFORD_MANAGER},business_manager,\n",
            ["bnes"],
        )
        import_rows(session, current_rows(session, "bnes") + more)
    police, health = _agency(runtime, "salford", "Salford Police"), _agency(runtime, "salford", "Northside Health")
    with runtime.sessions() as session:
        barnet_agency = session.scalars(select(Agency.id).where(Agency.partnership == "barnet")).first()
    raised_by_police = stored_case(runtime, "salford", "Ada One")
    against_police = stored_case(runtime, "salford", "Bo Two")
    at_risk = stored_case(runtime, "salford", "Cy Three")
    in_bnes = stored_case(runtime, "bnes", "Di Four")
    in_barnet = stored_case(runtime, "barnet", "Ed Five")  # not theirs, whatever the address asks
    _set(runtime, raised_by_police, raising_agency_id=police, challenged_agency_id=health)
    _set(runtime, against_police, raising_agency_id=health, challenged_agency_id=police)
    _set(runtime, at_risk, immediate_risk=True)
    _set(runtime, in_barnet, raising_agency_id=barnet_agency, immediate_risk=True)
    with runtime.sessions.begin() as session:
        deadline = session.scalars(select(Deadline).join(Case).where(Case.reference == at_risk)).one()
        deadline.due = clock.moment - timedelta(hours=1)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)

        def shown(**query: str) -> set[str]:
            return _shown(client.get("/cases", params=query).text)

        mine = {raised_by_police, against_police, at_risk, in_bnes}
        assert shown() == mine
        assert shown(partnership="bnes") == {in_bnes}
        assert shown(partnership="barnet") == mine  # a partnership not theirs is no filter, and shows nothing of it
        assert shown(agency=str(police)) == {raised_by_police, against_police}
        assert shown(agency=str(police), side="raising") == {raised_by_police}
        assert shown(agency=str(police), side="challenged") == {against_police}
        assert shown(agency=str(barnet_agency)) == set()  # another partnership's agency finds none of theirs
        assert shown(immediate_risk="1") == {at_risk}
        assert shown(overdue="1") == {at_risk}
        assert shown(overdue="1", partnership="bnes") == set()
    assert in_barnet not in mine


def test_the_address_of_a_filtered_page_is_the_saved_view_and_its_page_links_keep_the_filters(runtime: Runtime) -> None:
    for n in range(PAGE_SIZE + 1):
        stored_case(runtime, "salford", f"Child Number{n}")
    police = _agency(runtime, "salford", "Salford Police")
    query = {"state": "active", "stage": "1", "agency": str(police), "side": "raising", "immediate_risk": "1", "q": "number"}
    query |= {"from": "2026-03-01", "to": "2026-03-31", "overdue": "1", "partnership": "salford"}
    wanted = CaseFilter.from_query(query, ["salford"])
    assert CaseFilter.from_query(dict(parse_qsl(wanted.query_string(1))), ["salford"]) == wanted
    with TestClient(create_app(runtime), base_url="http://127.0.0.1:8025") as client:
        sign_in(client, runtime, SALFORD_MANAGER)
        first = client.get("/cases", params={"q": "number", "state": "active"}).text
        assert f"{PAGE_SIZE + 1} cases" in first and "Page 1 of 2" in first
        following = re.search(r'<a href="(/cases\?[^"]+)">Next</a>', first)
        assert following
        link = unescape(following.group(1))
        assert dict(parse_qsl(urlsplit(link).query)) == {"q": "number", "state": "active", "page": "2"}
        second = client.get(link).text
        assert "Page 2 of 2" in second and len(_shown(second)) == 1
        assert 'value="number"' in second and '<option value="active" selected>' in second  # the form shows the view
