"""The console's Directory page: search and export a person's partnerships' contacts; admins import a CSV after its
preview, add, edit and deactivate one contact, and edit an agency's other names.

The import is the CSV contract of `escalations directory import`, pasted into
the page: parsed against the person's own partnerships only (a row for another
is an error), shown as its changes and the people on open cases it touches, and
applied only when the same text is sent back with "Apply" (the page's
confirmation stands for the command's --yes). An import that would leave an open
case with nobody on a side is refused here; the command's --force is the only
way past that. The same functions as the command line do each step.

One contact's add, edit or deactivation, and an agency's aliases, are edits of
the partnership's rows (``service.directory.with_contact`` and the others),
checked as an import file is checked and applied by the same ``plan`` and
``import_rows``; an edit that would leave an open case with nobody on a side
is refused the same way. Deactivating someone first hands the cases they hold
to the contact the admin chooses, through the case page's own reassign actions.
Only a partnership's admins change its directory; business managers read it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from escalations.console import auth
from escalations.console.app import Console, signed_in
from escalations.console.routes import reassign_challenged_action, reassign_raiser_action, form_text
from escalations.routing.directory import (
    AGENCY_ROLES,
    CONSOLE_ROLES,
    PARTNERSHIP_ROLES,
    DirectoryError,
    DirectoryRow,
    parse_csv,
    to_csv,
)
from escalations.service.case_actions import CaseActions
from escalations.service.directory import (
    DIRECTORY_VIEWS,
    checked,
    current_rows,
    import_rows,
    plan,
    row_of,
    rows_for_export,
    with_aliases,
    with_contact,
    without_contact,
)
from escalations.service.takeover import RAISING, holdings
from escalations.storage.models import Agency, Contact
from escalations.storage.repositories import DirectoryRepository

MAX_SEARCH = 100


def directory_routes(console: Console) -> list[Route]:
    def listing(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        search = (request.query_params.get("q") or "").strip()[:MAX_SEARCH]
        found = [(c.id, row_of(c)) for c in _contacts(session, person.partnerships)]
        rows = [(i, r) for i, r in found if _matches(r, search)]
        admin = admin_partnerships(session, person)
        return console.page("directory", person=person, rows=rows, search=search, admin=bool(admin), admin_of=admin)

    def export(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        return Response(
            to_csv(_rows(session, person.partnerships)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="directory.csv"'},
        )

    def preview(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        if not admin or form is None:
            return admins_only(person)
        text = str(form.get("csv") or "")
        try:
            rows = parse_csv(text, admin)  # a row for a partnership the person is not an admin of is an error
        except DirectoryError as exc:
            return console.page("directory_preview", 400, person=person, problems=exc.problems, planned=None, text=text)
        planned = plan(session, rows, console.runtime.policies)
        if planned.orphans:
            problems = ["Open cases would be left with nobody on a side; add the right people to the file:"]
            return console.page(
                "directory_preview", 409, person=person, problems=problems + planned.lines(), planned=None, text=text
            )
        if form.get("apply") == "1":
            import_rows(session, rows)
            return RedirectResponse("/directory?imported=1", status_code=303)
        return console.page("directory_preview", person=person, problems=[], planned=planned, text=text)

    # -- one contact ---------------------------------------------------------------

    def contact_form(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        contact = _contact(session, admin, request.path_params.get("id"))
        if not admin or (contact is None and "id" in request.path_params):
            return admins_only(person)
        row = row_of(contact) if contact is not None else None
        return contact_page(session, person, admin, row, contact.id if contact else None)

    def contact_page(
        session: Session,
        person: auth.Person,
        admin: list[str],
        row: DirectoryRow | None,
        contact_id: int | None,
        problems: list[str] | None = None,
    ) -> Response:
        agencies = {p: sorted({r.agency for r in current_rows(session, p) if r.agency}) for p in admin}
        roles = AGENCY_ROLES + PARTNERSHIP_ROLES + CONSOLE_ROLES
        problems = problems or []
        return console.page(
            "directory_contact",
            400 if problems else 200,
            person=person,
            row=row,
            contact_id=contact_id,
            agencies=agencies,
            roles=roles,
            problems=problems,
        )

    def save_contact(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        contact = _contact(session, admin, request.path_params.get("id"))
        if not admin or form is None or (contact is None and "id" in request.path_params):
            return admins_only(person)
        before = row_of(contact) if contact is not None else None
        partnership = before.partnership if before is not None else form_text(form, "partnership")
        if partnership not in admin:
            return admins_only(person)
        row = DirectoryRow(
            partnership=partnership,
            agency=form_text(form, "agency") or None,
            agency_domains=(),
            name=form_text(form, "name")[:200],
            email=form_text(form, "email").lower()[:320],
            role=form_text(form, "role"),
            phone=form_text(form, "phone")[:40] or None,
        )
        rows = current_rows(session, partnership)
        if row.agency and row.agency not in {r.agency for r in rows}:
            problems = [f"{row.agency!r} is not an agency of {partnership}; add a new agency by importing a CSV."]
            return contact_page(session, person, admin, row, contact.id if contact else None, problems=problems)
        done = attempt(session, lambda: apply(session, with_contact(rows, row, replacing=before), partnership))
        if done:
            return contact_page(session, person, admin, row, contact.id if contact else None, problems=done)
        return RedirectResponse(f"/directory?{urlencode({'q': row.email})}", status_code=303)

    def apply(session: Session, rows: list[DirectoryRow], partnership: str) -> list[str] | None:
        """Check and import one partnership's edited rows as `directory import` would; what is wrong, if anything
        (the caller undoes its savepoint then)."""
        try:
            checked_rows = checked(rows, [partnership])
        except DirectoryError as exc:
            return [_unnumbered(p) for p in exc.problems]
        planned = plan(session, checked_rows, console.runtime.policies)
        if planned.orphans:
            return ["Open cases would be left with nobody on a side; add someone to take the side first:"] + [
                o.describe().strip() for o in planned.orphans
            ]
        import_rows(session, checked_rows)
        return None

    # -- deactivating a contact: their open cases go to someone first ---------------------

    def deactivate_form(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        contact = _contact(session, admin, request.path_params["id"])
        if contact is None:
            return admins_only(person)
        return deactivate_page(session, person, row_of(contact), contact.id, [])

    def deactivate_page(
        session: Session, person: auth.Person, row: DirectoryRow, contact_id: int, problems: list[str], status: int = 200
    ) -> Response:
        actions = CaseActions(session, console.runtime.policies, console.sender, console.now())
        rows = current_rows(session, row.partnership)
        held = holdings(actions, row, staying=staying(rows, row))
        planned = plan(session, without_contact(rows, row), console.runtime.policies)
        return console.page(
            "directory_deactivate",
            status,
            person=person,
            row=row,
            contact_id=contact_id,
            held=held,
            successors=successors(rows, row),
            planned=planned,
            problems=problems,
        )

    def deactivate(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        contact = _contact(session, admin, request.path_params["id"])
        if contact is None or form is None:
            return admins_only(person)
        row = row_of(contact)
        takeover = form_text(form, "takeover").lower()
        actions = CaseActions(session, console.runtime.policies, console.sender, console.now())
        rows = current_rows(session, row.partnership)
        held = [h for h in holdings(actions, row, staying=staying(rows, row)) if h.handed_over]
        if held and takeover not in successors(rows, row):
            return deactivate_page(session, person, row, contact.id, ["Choose who takes their cases over."], 400)

        def hand_over_and_remove() -> list[str] | None:
            for holding in held:
                reassign = (
                    reassign_raiser_action if holding.side == RAISING else reassign_challenged_action
                )  # the case page's own actions
                refused = reassign(actions, holding.case, FormData({"email": takeover}), person)
                if refused:
                    return [f"{holding.case.reference}: {refused}"]
            return apply(session, without_contact(current_rows(session, row.partnership), row), row.partnership)

        problems = attempt(session, hand_over_and_remove)
        if problems:
            return deactivate_page(session, person, row, contact.id, problems, 409)
        return RedirectResponse(f"/directory?{urlencode({'q': row.email})}", status_code=303)

    # -- agencies and their other names ----------------------------------------------

    def agencies(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        # An agency that left the directory keeps its row (its cases point at it) with no domains: not listed.
        listed = [a for a in _agencies(session, person.partnerships) if a.domains]
        admin = admin_partnerships(session, person)
        return console.page("directory_agencies", person=person, agencies=listed, admin_of=admin)

    def save_aliases(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        admin = admin_partnerships(session, person)
        agency = next((a for a in _agencies(session, admin) if a.id == request.path_params["id"] and a.domains), None)
        if agency is None or form is None:
            return admins_only(person)
        aliases = [a for line in form_text(form, "aliases").splitlines() for a in line.split(";")]
        rows = with_aliases(current_rows(session, agency.partnership), agency.partnership, agency.name, aliases)
        problems = attempt(session, lambda: apply(session, rows, agency.partnership))
        if problems:
            return console.problem(400, "Not done", " ".join(problems), person)
        return RedirectResponse("/directory/agencies", status_code=303)

    def admins_only(person: auth.Person) -> Response:
        return console.problem(
            403,
            "Admins only",
            "Only an admin of the contact's partnership changes its directory, or there is no such contact.",
            person,
        )

    return [
        Route("/directory", signed_in(console, listing), methods=["GET"]),
        Route("/directory/export.csv", signed_in(console, export), methods=["GET"]),
        Route("/directory/import", signed_in(console, preview), methods=["POST"]),
        Route("/directory/contacts/new", signed_in(console, contact_form), methods=["GET"]),
        Route("/directory/contacts/new", signed_in(console, save_contact), methods=["POST"]),
        Route("/directory/contacts/{id:int}", signed_in(console, contact_form), methods=["GET"]),
        Route("/directory/contacts/{id:int}", signed_in(console, save_contact), methods=["POST"]),
        Route("/directory/contacts/{id:int}/deactivate", signed_in(console, deactivate_form), methods=["GET"]),
        Route("/directory/contacts/{id:int}/deactivate", signed_in(console, deactivate), methods=["POST"]),
        Route("/directory/agencies", signed_in(console, agencies), methods=["GET"]),
        Route("/directory/agencies/{id:int}/aliases", signed_in(console, save_aliases), methods=["POST"]),
    ]


def attempt(session: Session, change: Callable[[], list[str] | None]) -> list[str] | None:
    """Make a change in a savepoint, undone if it says what is wrong, so the page can still be shown from the database."""
    savepoint = session.begin_nested()
    problems = change()
    if problems:
        savepoint.rollback()
        session.info.pop(DIRECTORY_VIEWS, None)  # views read inside the savepoint may be of the undone directory
    else:
        savepoint.commit()
    return problems


def admin_partnerships(session: Session, person: auth.Person) -> list[str]:
    """The partnerships whose directory this person may change: where the directory makes them an admin."""
    return sorted(
        p for p, role in auth.who_may_sign_in(session, person.email).items() if role == "admin" and p in person.partnerships
    )


def staying(rows: list[DirectoryRow], leaving: DirectoryRow) -> bool:
    """Whether the person keeps another role at the same agency (or at the partnership) after this contact goes."""
    return any((r.email, r.agency) == (leaving.email, leaving.agency) for r in without_contact(rows, leaving))


def successors(rows: list[DirectoryRow], leaving: DirectoryRow) -> list[str]:
    """Who may take over a leaving contact's cases: the other people of their agency (or of the partnership)."""
    return sorted(
        {r.email for r in rows if r.partnership == leaving.partnership and r.agency == leaving.agency} - {leaving.email}
    )


def _contacts(session: Session, partnerships: Sequence[str]) -> list[Contact]:
    return [c for p in partnerships for c in DirectoryRepository(session).contacts(p)]


def _contact(session: Session, partnerships: Sequence[str], contact_id: int | None) -> Contact | None:
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    return contact if contact is not None and contact.partnership in partnerships else None


def _agencies(session: Session, partnerships: Sequence[str]) -> list[Agency]:
    return [a for p in partnerships for a in DirectoryRepository(session).agencies(p)]


def _rows(session: Session, partnerships: Sequence[str]) -> list[DirectoryRow]:
    return rows_for_export(r for p in partnerships for r in current_rows(session, p))


def _matches(row: DirectoryRow, search: str) -> bool:
    if not search:
        return True
    wanted = search.casefold()
    values = (row.name, row.email, row.role, row.agency, row.partnership, *row.agency_aliases)
    return any(wanted in (v or "").casefold() for v in values)


def _unnumbered(problem: str) -> str:
    """An import problem without the CSV row number, which means nothing on a one-contact form."""
    head, _, rest = problem.partition(", column ")
    return f"{rest}" if head.startswith("row ") and rest else problem
