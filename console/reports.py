"""The console's Reports page: a partnership's board report for a period, on the page or as PDF or CSV.

The same report as `escalations report` (reports.command.make), for the
signed-in person's own partnerships only. The escalation log with names and
dates of birth is given only when asked, and the access log records who asked
(DESIGN.md invariant 12), in the request's transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from escalations.console import auth
from escalations.console.app import Console, signed_in
from escalations.reports import render
from escalations.reports.command import ReportError, make, period
from escalations.reports.figures import compute
from escalations.reports.facts import load
from escalations.reports.periods import ended_before


def report_routes(console: Console) -> list[Route]:
    def page(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        q = request.query_params
        today = console.runtime.clock().date()
        last = ended_before(today, "monthly")
        chosen = {
            "partnership": q.get("partnership") or person.partnerships[0],
            "start": q.get("from") or last.start.isoformat(),
            "end": q.get("to") or last.end.isoformat(),
            "format": q.get("format") or "html",
            "personal": q.get("personal") == "1",
        }
        if "partnership" not in q:
            return _form(console, person, chosen, None, None)
        policy = console.runtime.policies.get(chosen["partnership"])
        if policy is None or policy.id not in person.partnerships:
            return console.problem(404, "Not found", "There is no such partnership, or it is not yours to see.", person)
        try:
            span = period(_day(chosen["start"]), _day(chosen["end"]))
            if chosen["format"] == "html" and not chosen["personal"]:
                figures = compute(policy, load(session, policy, span, console.now()))
                return _form(console, person, chosen, render.body(policy, figures), None)
            report = make(session, policy, span, chosen["format"], console.now(), chosen["personal"], person.email)
        except ReportError as exc:
            return _form(console, person, chosen, None, str(exc), status=400)
        return Response(
            report.data,
            media_type=report.media_type,
            headers={"content-disposition": f'attachment; filename="{report.filename}"'},
        )

    async def stylesheet(request: Request) -> Response:
        return Response(render.stylesheet(), media_type="text/css; charset=utf-8")

    return [
        Route("/reports", signed_in(console, page), methods=["GET"]),
        Route("/reports/report.css", stylesheet, methods=["GET"]),
    ]


def _form(console: Console, person: auth.Person, chosen: dict, body: object, problem: str | None, status: int = 200) -> Response:
    return console.page("reports", status, person=person, chosen=chosen, report=body, problem=problem)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{text[:20]!r} is not a date (YYYY-MM-DD)") from None
