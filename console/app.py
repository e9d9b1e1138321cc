"""The console's ASGI application: routes, the signed-in check, CSRF, and the security headers.

Starlette (not FastAPI): the pages are server-rendered HTML forms, so FastAPI's
JSON schemas and dependency injection would add weight and nothing we use.
Handlers are async only to read the form; the database work runs in the
thread pool, one transaction per request (``Console.transaction``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalations.console import auth
from escalations.console.pages import UK
from escalations.outbound.compose import TEMPLATES, Sender
from escalations.service.runtime import Runtime
from escalations.storage.repositories import SecretRepository

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "esc_session"
BROWSER_COOKIE = "esc_browser"  # the pre-sign-in cookie a link is bound to
MAX_FORM_BYTES = 2 * 1024 * 1024  # a directory CSV pasted for import is the largest form
MAX_NOTE = 5000
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Every response, error pages and static files included, carries the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode("latin-1").lower() not in HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / "console"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )
    env.filters["when"] = _when

    return env


def _when(moment: datetime | str | None) -> str:
    """A stored moment (or its ISO form, as views.case_detail gives it) in UK time."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UK).strftime("%d %b %Y %H:%M") if moment else ""


class Console:
    """The app's state: the runtime (database, policies, clock) and what it needs per request."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings.console
        with runtime.sessions.begin() as session:
            self.form_key = SecretRepository(session).get_or_create("console_form_hmac", auth.new_secret)
        self.sender: Sender = runtime.context().sender  # outside any request's transaction (it reads a secret)

    # -- responses --------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("person", None)
        html = environment().get_template(f"{template}.html.j2").render(**context)
        return Response(html, status_code=status, media_type="text/html; charset=utf-8")

    def problem(self, status: int, title: str, text: str, person: auth.Person | None = None) -> Response:
        return self.page("message", status, title=title, text=text, person=person)

    def cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=self.settings.secure, path="/")

    def forget(self, response: Response, name: str) -> None:
        response.delete_cookie(name, httponly=True, samesite="strict", secure=self.settings.secure, path="/")

    # -- transactions -----------------------------------------------------------

    async def run(self, work: Callable[[Session], Response]) -> Response:
        def in_transaction() -> Response:
            with self.runtime.sessions.begin() as session:
                return work(session)

        return await run_in_threadpool(in_transaction)

    def now(self):  # type: ignore[no-untyped-def]
        return self.runtime.clock()


Handler = Callable[[Request, FormData | None, Session, auth.Person], Response]


def signed_in(console: Console, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The page needs a live session; a POST needs the session's CSRF token too."""

    async def endpoint(request: Request) -> Response:
        form = await read_form(request) if request.method == "POST" else None

        def work(session: Session) -> Response:
            person = auth.current_person(session, request.cookies.get(SESSION_COOKIE), console.now())
            if person is None:
                if request.method == "POST":
                    return console.problem(403, "Signed out", "Your session has ended. Sign in again.")
                return RedirectResponse("/sign-in", status_code=303)
            if form is not None and not auth.same(str(form.get("csrf") or ""), person.csrf):
                return console.problem(403, "Form expired", "That form was not sent from this session. Go back and try again.")
            return handler(request, form, session, person)

        if isinstance(form, Response):
            return form
        return await console.run(work)

    return endpoint


async def read_form(request: Request) -> FormData | Response:
    length = request.headers.get("content-length") or "0"
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        return PlainTextResponse("form too large", status_code=413)
    return await request.form(max_files=0, max_fields=20, max_part_size=MAX_FORM_BYTES)


def create_app(runtime: Runtime) -> Starlette:
    console = Console(runtime)
    from escalations.console import directory, health, reports, routes

    app = Starlette(
        routes=[
            *health.health_routes(console),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
            *routes.sign_in_routes(console),
            *routes.page_routes(console),
            *directory.directory_routes(console),
            *reports.report_routes(console),
        ],
        exception_handlers={
            404: lambda _r, _e: console.problem(404, "Not found", "There is no such page, or it is not yours to see."),
            405: lambda _r, _e: console.problem(405, "Not allowed", "That page does not take this kind of request."),
        },
    )
    app.state.console = console
    return SecurityHeaders(app)  # type: ignore[return-value]
