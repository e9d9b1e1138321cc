"""The console's pages and forms: sign-in, Today, Cases, a case and its actions."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from escalations.console import auth, pages
from escalations.console.app import BROWSER_COOKIE, MAX_NOTE, SESSION_COOKIE, Console, read_form, signed_in
from escalations.service.case_actions import CaseActions
from escalations.service.imap_status import mailbox_entries
from escalations.service.pipeline import route_named_agency
from escalations.service.held import NotHeld, decide_review, retry_quarantined
from escalations.storage.models import Case, CaseState

BROWSER_COOKIE_SECONDS = 3600
SESSION_COOKIE_SECONDS = int(auth.ABSOLUTE_TIMEOUT.total_seconds())


# -- sign-in ------------------------------------------------------------------


def sign_in_routes(console: Console) -> list[Route]:
    async def sign_in_form(request: Request) -> Response:
        vouched = proxy_user(request)
        if vouched is not None:
            return await console.run(
                lambda session: (
                    start(session, request, vouched) if auth.who_may_sign_in(session, vouched) else sign_in_page(request)
                )
            )
        return sign_in_page(request)

    def sign_in_page(request: Request) -> Response:
        browser = request.cookies.get(BROWSER_COOKIE) or auth.new_secret()
        response = console.page("sign_in", csrf=auth.form_token(console.form_key, browser))
        console.cookie(response, BROWSER_COOKIE, browser, BROWSER_COOKIE_SECONDS)
        return response

    async def ask(request: Request) -> Response:
        form = await read_form(request)
        if isinstance(form, Response):
            return form
        browser = request.cookies.get(BROWSER_COOKIE)
        if not browser or not auth.same(str(form.get("csrf") or ""), auth.form_token(console.form_key, browser)):
            return console.problem(403, "Form expired", "Open the sign-in page again and send the form from there.")
        email = str(form.get("email") or "").strip()
        if "@" not in email or len(email) > 320:
            return console.problem(400, "Not an email address", "Give the email address the directory has for you.")
        client = request.client.host if request.client else None

        def work(session: Session) -> Response:
            try:
                auth.ask_for_link(
                    session,
                    email,
                    client,
                    browser,
                    console.now(),
                    console.settings.base_url,
                    console.runtime.policies,
                    console.sender,
                )
            except auth.RateLimited:
                return console.problem(
                    429, "Too many requests", "Too many sign-in links were asked for. Wait 15 minutes and try again."
                )
            return console.page("sign_in_sent", minutes=int(auth.LINK_LIFETIME.total_seconds() // 60))

        return await console.run(work)

    async def confirm_form(request: Request) -> Response:
        # A GET changes nothing (mail scanners open links); the same-site POST below carries the cookie.
        return console.page("sign_in_confirm", token=request.path_params["token"][:100])

    async def confirm(request: Request) -> Response:
        form = await read_form(request)
        if isinstance(form, Response):
            return form
        token = str(form.get("token") or "")
        browser = request.cookies.get(BROWSER_COOKIE)

        def work(session: Session) -> Response:
            email = auth.redeem(session, token, browser, console.now())
            if email is None:
                return console.problem(
                    400,
                    "This link cannot be used",
                    "It has expired, was used already, or was asked for in another browser. Ask for a new one.",
                )
            return start(session, request, email)

        return await console.run(work)

    def start(session: Session, request: Request, email: str) -> Response:
        """A new session for this person; whatever session id the browser brought is over (no fixation)."""
        now = console.now()
        client = request.client.host if request.client else None
        auth.end_session(session, request.cookies.get(SESSION_COOKIE), now)
        response = RedirectResponse("/", status_code=303)
        console.cookie(response, SESSION_COOKIE, auth.start_session(session, email, client, now), SESSION_COOKIE_SECONDS)
        console.forget(response, BROWSER_COOKIE)
        return response

    def proxy_user(request: Request) -> str | None:
        """The address a trusted single-sign-on proxy vouches for, if one is set and this request came through it
        (the directory still decides whether that address may sign in)."""
        settings = console.settings
        if not settings.trusted_proxy_header or request.client is None:
            return None
        try:
            peer = ipaddress.ip_address(request.client.host)
        except ValueError:
            return None
        if not any(peer in ipaddress.ip_network(p, strict=False) for p in settings.trusted_proxies):
            return None
        email = (request.headers.get(settings.trusted_proxy_header) or "").strip().lower()
        return email if "@" in email and len(email) <= 320 else None

    def sign_out(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        auth.end_session(session, request.cookies.get(SESSION_COOKIE), console.now())
        response = RedirectResponse("/sign-in", status_code=303)
        console.forget(response, SESSION_COOKIE)
        return response

    return [
        Route("/sign-in", sign_in_form, methods=["GET"]),
        Route("/sign-in", ask, methods=["POST"]),
        Route("/sign-in/confirm", confirm, methods=["POST"]),
        Route("/sign-in/{token}", confirm_form, methods=["GET"]),
        Route("/sign-out", signed_in(console, sign_out), methods=["POST"]),
    ]


# -- pages --------------------------------------------------------------------


def page_routes(console: Console) -> list[Route]:
    def policies_for(person: auth.Person) -> dict[str, Any]:
        return {p: console.runtime.policies[p] for p in person.partnerships if p in console.runtime.policies}

    def today(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        mine = policies_for(person)
        now = console.now()
        addresses = {p.mailbox for p in mine.values()}
        watched = [m for m in console.runtime.settings.imap if m.address is None or m.address in addresses]
        mailboxes = mailbox_entries(session, watched, now)
        # Every policy, not only the person's: a held message is theirs by the mailbox it came to (quarantine_report).
        figures = pages.today(session, list(mine), console.runtime.policies, now)
        return console.page("today", person=person, today=figures, mailboxes=mailboxes)

    def cases(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        wanted = pages.CaseFilter.from_query(request.query_params, person.partnerships)
        found = pages.cases(session, person.partnerships, wanted, console.now())
        return console.page("cases", person=person, wanted=wanted, states=pages.STATES, **found)

    def case(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        found = pages.find_case(session, person.partnerships, request.path_params["reference"])
        if found is None:
            return not_found(person)
        now = console.now()
        pages.record_access(session, person.email, "case_view", found, f"case page {found.reference}", now)
        session.flush()
        view = CaseActions(session, console.runtime.policies, console.sender, now).view(found)
        detail = pages.case_page(session, found, view.policy, now, view)
        return console.page("case", person=person, closed=found.state not in pages.OPEN_STATES, **detail)

    def download(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        found = pages.find_case(session, person.partnerships, request.path_params["reference"])
        got = pages.document(session, found, request.path_params["inbound"], request.path_params["index"]) if found else None
        if found is None or got is None:
            return not_found(person)
        document, data = got
        pages.record_access(session, person.email, "document_download", found, f"document {document.name}", console.now())
        return Response(
            data,
            media_type="application/octet-stream",  # never rendered by the browser, whatever the sender called it
            headers={"content-disposition": f'attachment; filename="{document.name}"'},
        )

    def not_found(person: auth.Person) -> Response:
        return console.problem(404, "Not found", "There is no such case, or it is not yours to see.", person)

    def action(do: Callable[[CaseActions, Case, FormData, auth.Person], str | None]) -> Callable[..., Response]:
        """A case action: the same CaseActions the email commands use, in this request's one transaction."""

        def handler(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
            found = pages.find_case(session, person.partnerships, request.path_params["reference"])
            if found is None or form is None:
                return not_found(person)
            actions = CaseActions(session, console.runtime.policies, console.sender, console.now())
            refused = do(actions, found, form, person)
            if refused:
                session.rollback()
                return console.problem(400, "Not done", refused, person)
            return RedirectResponse(f"/cases/{found.reference}", status_code=303)

        return handler

    def review(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        held = pages.held_for_review(session, person.partnerships, console.runtime.policies)
        if held:
            ids = ", ".join(str(h["message"].id) for h in held)
            pages.record_message_access(session, person.email, "review_view", f"review page: inbound {ids}", console.now())
        return console.page("review", person=person, held=held)

    def decide(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        policies = console.runtime.policies
        message = pages.reviewable(session, person.partnerships, policies, request.path_params["id"])
        if message is None or form is None:
            return console.problem(404, "Not found", "That message is not waiting in review for your partnership.", person)
        kind, reference, partnership = form_text(form, "kind"), form_text(form, "reference"), form_text(form, "partnership")
        if kind == "case" and pages.find_case(session, person.partnerships, reference) is None:
            return console.problem(400, "Not done", "Choose one of your partnership's cases.", person)
        if kind == "new" and pages.policy_undecided(message.review or {}):
            # No policy was chosen for it: a new case needs one, or the worker would only hold it again.
            if partnership not in pages.review_partnerships(message, policies) & set(person.partnerships):
                return console.problem(400, "Not done", "Choose whose policy the new case follows.", person)
        else:
            partnership = ""
        try:
            decide_review(
                session,
                message.id,
                kind,
                reference or None,
                form_text(form, "note")[:MAX_NOTE],
                console.now(),
                person.email,
                policies=console.runtime.policies,
                partnership=partnership or None,
            )
        except (NotHeld, ValueError) as exc:
            session.rollback()
            return console.problem(400, "Not done", str(exc), person)
        return RedirectResponse("/review", status_code=303)

    def quarantine(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        held = pages.quarantined(session, person.partnerships, console.runtime.policies)
        return console.page("quarantine", person=person, held=held)

    def raw(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        message = pages.in_quarantine(session, person.partnerships, console.runtime.policies, request.path_params["id"])
        if message is None:
            return console.problem(404, "Not found", "That message is not in quarantine for your partnership.", person)
        pages.record_message_access(session, person.email, "raw_download", f"quarantined inbound {message.id}", console.now())
        return Response(
            message.raw,
            media_type="application/octet-stream",
            headers={"content-disposition": f'attachment; filename="inbound-{message.id}.eml"'},
        )

    def retry(request: Request, form: FormData | None, session: Session, person: auth.Person) -> Response:
        message = pages.in_quarantine(session, person.partnerships, console.runtime.policies, request.path_params["id"])
        if message is None:
            return console.problem(404, "Not found", "That message is not in quarantine for your partnership.", person)
        retry_quarantined(session, message.id)
        return RedirectResponse("/quarantine", status_code=303)

    return [
        Route("/", signed_in(console, today), methods=["GET"]),
        Route("/review", signed_in(console, review), methods=["GET"]),
        Route("/review/{id:int}", signed_in(console, decide), methods=["POST"]),
        Route("/quarantine", signed_in(console, quarantine), methods=["GET"]),
        Route("/quarantine/{id:int}/raw", signed_in(console, raw), methods=["GET"]),
        Route("/quarantine/{id:int}/retry", signed_in(console, retry), methods=["POST"]),
        Route("/cases", signed_in(console, cases), methods=["GET"]),
        Route("/cases/{reference}", signed_in(console, case), methods=["GET"]),
        Route("/cases/{reference}/documents/{inbound:int}/{index:int}", signed_in(console, download), methods=["GET"]),
        Route("/cases/{reference}/note", signed_in(console, action(_note)), methods=["POST"]),
        Route("/cases/{reference}/agency", signed_in(console, action(_agency)), methods=["POST"]),
        Route("/cases/{reference}/close", signed_in(console, action(_close)), methods=["POST"]),
        Route("/cases/{reference}/reopen", signed_in(console, action(_reopen)), methods=["POST"]),
        Route("/cases/{reference}/escalate", signed_in(console, action(_escalate)), methods=["POST"]),
        Route("/cases/{reference}/raiser", signed_in(console, action(reassign_raiser_action)), methods=["POST"]),
        Route("/cases/{reference}/challenged", signed_in(console, action(reassign_challenged_action)), methods=["POST"]),
        Route("/cases/{reference}/stage", signed_in(console, action(_stage)), methods=["POST"]),
    ]


def form_text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _note(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    text = form_text(form, "text")
    if not text or len(text) > MAX_NOTE:
        return f"A note needs some text, at most {MAX_NOTE} characters."
    actions.note(case, text, person.email)
    return None


def _agency(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    side, name = form_text(form, "side"), form_text(form, "agency")
    view = actions.view(case)
    if side not in ("raising", "challenged") or name not in view.agency_ids:
        return "Choose a side and one of the partnership's agencies."
    actions.set_agency(view, side, name, person.email)
    if side == "challenged":
        route_named_agency(actions, case)  # a case that waited only for this agency is routed now
    return None


def _close(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    state, outcome = form_text(form, "state"), form_text(form, "outcome")
    if case.state not in pages.OPEN_STATES:
        return "The case is closed already."
    if state not in ("resolved", "withdrawn") or not outcome or len(outcome) > MAX_NOTE:
        return "Choose resolved or withdrawn and say what the outcome is."
    actions.close(actions.view(case), state, outcome, person.email)
    return None


def _escalate(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    """As the emailed "escalate" command: the next stage's people are written to, or the business manager at the last."""
    why = form_text(form, "why")
    if case.state != CaseState.OPEN:
        return "Only an open case can be escalated (a case waiting for information is not routed yet)."
    if not why or len(why) > MAX_NOTE:
        return "Say why the case is escalated."
    actions.event(
        case, "decision", "escalate", f"{person.email} escalated the case in the console: {why}", data={"by": person.email}
    )
    actions.escalate(actions.view(case), f"{person.email} escalated it ({why})", person.email)
    return None


def reassign_raiser_action(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    email = form_text(form, "email").lower()
    if email not in pages.side_contacts(actions.view(case), "raising"):
        return "Choose a contact of the raising agency."
    if email == (case.raised_by_email or "").lower():
        return "That person raised the case already."
    actions.reassign_raiser(case, email, person.email)
    return None


def reassign_challenged_action(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    email = form_text(form, "email").lower()
    view = actions.view(case)
    if case.state not in pages.OPEN_STATES:
        return "The case is closed: reopen it first."
    if email not in pages.side_contacts(view, "challenged"):
        return "Choose a contact of the challenged agency."
    actions.reassign_challenged(view, email, person.email)
    return None


def _stage(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    """Set the stage, up or down: the stage's people get the case and its deadlines run from now."""
    why, wanted = form_text(form, "why"), form_text(form, "stage")
    view = actions.view(case)
    numbers = {s.number for s in view.policy.stages}
    if case.state != CaseState.OPEN:
        return "Only an open case can be moved (a case waiting for information is not routed yet)."
    if not wanted.isdigit() or int(wanted) not in numbers:
        return "Choose one of the policy's stages."
    if int(wanted) == case.stage:
        return f"The case is at stage {case.stage} already."
    if not why or len(why) > MAX_NOTE:
        return "Say why the stage is set."
    actions.set_stage(view, int(wanted), why, person.email)
    return None


def _reopen(actions: CaseActions, case: Case, form: FormData, person: auth.Person) -> str | None:
    why = form_text(form, "why")
    if case.state in pages.OPEN_STATES:
        return "The case is open already."
    if case.anonymised_at is not None:  # issue 16: its person, words and documents are gone; nothing to work from
        return "This case's personal details were removed under the retention or erasure rules: open a new case instead."
    if not why or len(why) > MAX_NOTE:
        return "Say why the case is reopened."
    actions.reopen(actions.view(case), why, person.email)
    return None
