"""The console's Directory page: search and export a person's partnerships' contacts; admins import a CSV after its preview.

The import is the CSV contract of `escalations directory import`, pasted into
the page: parsed against the person's own partnerships only (a row for another
is an error), shown as its changes and the people on open cases it touches, and
applied only when the same text is sent back with "Apply" (the page's
confirmation stands for the command's --yes). An import that would leave an open
case with nobody on a side is refused here; the command's --force is the only
way past that. The same functions as the command line do each step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from escalations.console import auth
from escalations.console.app import Console, signed_in
from escalations.routing.directory import DirectoryError, DirectoryRow, parse_csv, to_csv
from escalations.service.directory import current_rows, import_rows, plan, rows_for_export

MAX_SEARCH = 100


def directory_routes(console: Console) -> list[Route]:
    def listing(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        search = (request.query_params.get("q") or "").strip()[:MAX_SEARCH]
        rows = [r for r in _rows(session, person) if _matches(r, search)]
        return console.page("directory", person=person, rows=rows, search=search, admin="admin" in person.roles)

    def export(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        return Response(
            to_csv(_rows(session, person)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="directory.csv"'},
        )

    def preview(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        if "admin" not in person.roles or form is None:
            return console.problem(403, "Admins only", "Only a partnership admin imports a directory.", person)
        text = str(form.get("csv") or "")
        try:
            rows = parse_csv(text, person.partnerships)
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

    return [
        Route("/directory", signed_in(console, listing), methods=["GET"]),
        Route("/directory/export.csv", signed_in(console, export), methods=["GET"]),
        Route("/directory/import", signed_in(console, preview), methods=["POST"]),
    ]


def _rows(session: Session, person: auth.Person) -> list[DirectoryRow]:
    return rows_for_export(r for p in person.partnerships for r in current_rows(session, p))


def _matches(row: DirectoryRow, search: str) -> bool:
    if not search:
        return True
    wanted = search.casefold()
    return any(wanted in (v or "").casefold() for v in (row.name, row.email, row.role, row.agency, row.partnership))
