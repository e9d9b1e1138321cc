"""The web console's security at the HTTP level (Starlette's TestClient: a real socket adds nothing here).

Sign-in by emailed link (single use, 15 minutes, this browser only), sessions
(idle and absolute timeouts, logout, no fixation), CSRF on every form, rate
limits, the headers on every response, and each person held to their own
partnership's cases and documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from escalations.console import auth
from escalations.console.app import HEADERS, SESSION_COOKIE, create_app
from escalations.service.runtime import Runtime
from escalations.storage.models import CaseEvent, ConsoleAccess, ConsoleSession, ConsoleSignIn, OutboxMessage
from tests.conftest import Clock
from tests.support.console import (
    BNES_MANAGER,
    DOCUMENT,
    SALFORD_MANAGER,
    ask_for_link,
    case_id,
    csrf_in,
    link_in,
    sign_in,
    sign_in_mails,
    stored_case,
    token_of,
)

BASE = "http://127.0.0.1:8025"


@pytest.fixture
def app(runtime: Runtime):  # type: ignore[no-untyped-def]
    return create_app(runtime)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url=BASE) as c:
        yield c


def _browser(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url=BASE)


def _events(runtime: Runtime, reference: str) -> list[CaseEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id(runtime, reference))))


def test_no_page_or_document_without_a_session(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    for path in ("/", "/cases", f"/cases/{reference}", f"/cases/{reference}/documents/1/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in", path
        assert reference not in response.text and "Testwell" not in response.text
    refused = client.post(f"/cases/{reference}/note", data={"text": "hello", "csrf": "x"})
    assert refused.status_code == 403
    assert not [e for e in _events(runtime, reference) if e.kind == "note"]


def test_sign_in_by_the_emailed_link(runtime: Runtime, client: TestClient) -> None:
    assert ask_for_link(client, SALFORD_MANAGER) == 200
    [mail] = sign_in_mails(runtime)
    assert mail.recipients == [SALFORD_MANAGER]
    subject = next(line for line in mail.raw.decode().splitlines() if line.startswith("Subject:"))
    assert subject == "Subject: Your sign-in link to the escalations console"
    link = link_in(mail.raw)
    assert link.startswith(f"{BASE}/sign-in/")
    # Opening the link changes nothing (a mail scanner may open it); pressing Sign in does.
    page = client.get(link)
    assert page.status_code == 200 and 'action="/sign-in/confirm"' in page.text
    confirmed = client.post("/sign-in/confirm", data={"token": token_of(link)}, follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == "/"
    cookie = confirmed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    home = client.get("/")
    assert home.status_code == 200 and SALFORD_MANAGER in home.text and "Open cases by stage" in home.text


def test_an_address_that_may_not_sign_in_gets_the_same_answer_and_no_mail(runtime: Runtime, client: TestClient) -> None:
    for address in ("dev.vellacott@northside-health.example", "stranger@elsewhere.example"):
        page = client.get("/sign-in")
        answer = client.post("/sign-in", data={"email": address, "csrf": csrf_in(page.text)})
        assert answer.status_code == 200 and "If the directory lets that address sign in" in answer.text
    assert sign_in_mails(runtime) == []


def test_a_link_works_once(runtime: Runtime, client: TestClient) -> None:
    sign_in(client, runtime, SALFORD_MANAGER)
    token = token_of(link_in(sign_in_mails(runtime)[-1].raw))
    again = client.post("/sign-in/confirm", data={"token": token}, follow_redirects=False)
    assert again.status_code == 400 and "cannot be used" in again.text


def test_an_expired_link_is_refused(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    assert ask_for_link(client, SALFORD_MANAGER) == 200
    token = token_of(link_in(sign_in_mails(runtime)[-1].raw))
    clock.moment += auth.LINK_LIFETIME + timedelta(seconds=1)
    refused = client.post("/sign-in/confirm", data={"token": token}, follow_redirects=False)
    assert refused.status_code == 400 and SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_link_works_only_in_the_browser_that_asked(runtime: Runtime, client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    assert ask_for_link(client, SALFORD_MANAGER) == 200
    token = token_of(link_in(sign_in_mails(runtime)[-1].raw))
    with _browser(app) as other:
        refused = other.post("/sign-in/confirm", data={"token": token}, follow_redirects=False)
        assert refused.status_code == 400
        other.get("/sign-in")  # a pre-sign-in cookie of its own is not the asking browser's either
        assert other.post("/sign-in/confirm", data={"token": token}, follow_redirects=False).status_code == 400
    # The refusals did not use the link up: the browser that asked can still sign in with it.
    assert client.post("/sign-in/confirm", data={"token": token}, follow_redirects=False).status_code == 303


def test_the_sign_in_form_needs_its_csrf_token(runtime: Runtime, client: TestClient) -> None:
    client.get("/sign-in")
    refused = client.post("/sign-in", data={"email": SALFORD_MANAGER, "csrf": "forged"})
    assert refused.status_code == 403
    assert client.post("/sign-in", data={"email": SALFORD_MANAGER}).status_code == 403
    assert sign_in_mails(runtime) == []


def test_a_post_without_the_sessions_csrf_token_is_refused(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    for data in ({"text": "no token"}, {"text": "wrong token", "csrf": csrf[:-2] + "xx"}):
        refused = client.post(f"/cases/{reference}/note", data=data)
        assert refused.status_code == 403
    assert client.post("/sign-out", data={}).status_code == 403
    assert not [e for e in _events(runtime, reference) if e.kind == "note"]
    done = client.post(f"/cases/{reference}/note", data={"text": "with the token", "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    [note] = [e for e in _events(runtime, reference) if e.kind == "note"]
    assert note.reason == "with the token" and note.data == {"by": SALFORD_MANAGER}


def test_another_partnerships_case_is_refused_by_reference_and_by_id(runtime: Runtime, app) -> None:  # type: ignore[no-untyped-def]
    salford = stored_case(runtime, "salford", "Jo Testwell")
    bnes = stored_case(runtime, "bnes", "Sam Otherfield")
    with _browser(app) as client:
        csrf = sign_in(client, runtime, BNES_MANAGER)
        assert client.get(f"/cases/{bnes}").status_code == 200
        page = client.get(f"/cases/{salford}")
        assert page.status_code == 404 and "Testwell" not in page.text
        assert client.get(f"/cases/{salford.lower()}").status_code == 404
        salford_inbound = _events(runtime, salford)[0].inbound_id
        assert client.get(f"/cases/{salford}/documents/{salford_inbound}/1").status_code == 404
        # Their own case's path with the other case's message id: still nothing.
        assert client.get(f"/cases/{bnes}/documents/{salford_inbound}/1").status_code == 404
        assert client.post(f"/cases/{salford}/note", data={"text": "x", "csrf": csrf}).status_code == 404
        listing = client.get("/cases", params={"partnership": "salford", "q": "Testwell"})
        assert salford not in listing.text and "0 cases" in listing.text
    with runtime.sessions() as session:
        seen = session.scalars(select(ConsoleAccess.case_id)).all()
    assert seen == [case_id(runtime, bnes)]


def test_session_fixation_a_chosen_session_id_is_never_used(runtime: Runtime, app) -> None:  # type: ignore[no-untyped-def]
    with _browser(app) as attacker:
        sign_in(attacker, runtime, BNES_MANAGER)
        attackers_id = attacker.cookies[SESSION_COOKIE]
    with _browser(app) as victim:
        victim.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker", domain="127.0.0.1")
        assert victim.get("/", follow_redirects=False).status_code == 303
        victim.cookies.set(SESSION_COOKIE, attackers_id, domain="127.0.0.1")  # planted: the attacker's own session
        sign_in(victim, runtime, SALFORD_MANAGER)
        assert victim.cookies[SESSION_COOKIE] not in ("chosen-by-an-attacker", attackers_id)
    with _browser(app) as attacker:
        attacker.cookies.set(SESSION_COOKIE, attackers_id, domain="127.0.0.1")
        assert attacker.get("/", follow_redirects=False).status_code == 303  # ended at the victim's sign-in


def test_sign_out_ends_the_session_on_the_server(runtime: Runtime, client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    stolen = client.cookies[SESSION_COOKIE]
    out = client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    with _browser(app) as replay:
        replay.cookies.set(SESSION_COOKIE, stolen, domain="127.0.0.1")
        assert replay.get("/", follow_redirects=False).status_code == 303


def test_idle_and_absolute_timeouts(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    sign_in(client, runtime, SALFORD_MANAGER)
    clock.moment += auth.IDLE_TIMEOUT - timedelta(minutes=1)
    assert client.get("/", follow_redirects=False).status_code == 200
    clock.moment += auth.IDLE_TIMEOUT
    assert client.get("/", follow_redirects=False).status_code == 303
    sign_in(client, runtime, SALFORD_MANAGER)
    for _ in range(int(auth.ABSOLUTE_TIMEOUT / timedelta(minutes=20))):  # busy all day: never idle
        clock.moment += timedelta(minutes=20)
        client.get("/")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_requests_are_rate_limited_per_address_and_per_client(runtime: Runtime, app) -> None:  # type: ignore[no-untyped-def]
    with _browser(app) as client:
        answers = [ask_for_link(client, SALFORD_MANAGER) for _ in range(auth.PER_ADDRESS + 1)]
        assert answers == [200] * auth.PER_ADDRESS + [429]
        assert len(sign_in_mails(runtime)) == auth.PER_ADDRESS
        # Other addresses from the same client, up to the client's limit (refused requests are not counted).
        others = [ask_for_link(client, f"person{i}@elsewhere.example") for i in range(auth.PER_CLIENT)]
        allowed = auth.PER_CLIENT - auth.PER_ADDRESS
        assert others == [200] * allowed + [429] * (auth.PER_CLIENT - allowed)
    with _browser(app) as elsewhere:  # the limit is per client: this test's clients share one address
        assert ask_for_link(elsewhere, BNES_MANAGER) == 429
    with runtime.sessions() as session:
        assert session.query(ConsoleSignIn).count() == auth.PER_CLIENT


def test_the_security_headers_are_on_every_response(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    responses = [client.get(p, follow_redirects=False) for p in ("/sign-in", "/", "/nowhere", "/static/console.css", "/healthz")]
    responses.append(client.post("/sign-in/confirm", data={"token": "nothing"}))
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    inbound = _events(runtime, reference)[0].inbound_id
    responses += [
        client.get(p) for p in ("/", "/cases", f"/cases/{reference}", f"/cases/{reference}/documents/{inbound}/1", "/cases/NO-1")
    ]
    responses.append(client.post(f"/cases/{reference}/note", data={"text": "x"}))
    responses.append(client.post(f"/cases/{reference}/note", data={"text": "", "csrf": csrf}))
    assert {r.status_code for r in responses} >= {200, 303, 400, 403, 404}
    for response in responses:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (response.url, name)
    assert "script-src" not in HEADERS["content-security-policy"] and "default-src 'none'" in HEADERS["content-security-policy"]


def test_secure_cookies_when_the_base_url_is_https(tmp_path, database_url: str, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    from escalations.service.settings import load_settings
    from tests.conftest import write_settings

    path = write_settings(tmp_path, database_url)
    path.write_text(path.read_text() + '\n[console]\nbase_url = "https://console.partnership.example"\n')
    with Runtime(load_settings(path), clock=clock) as runtime:
        runtime.prepare_database()
        with TestClient(create_app(runtime), base_url="https://console.partnership.example") as client:
            response = client.get("/sign-in")
            assert "Secure" in response.headers["set-cookie"]
            sign_in(client, runtime, SALFORD_MANAGER)
            assert link_in(sign_in_mails(runtime)[-1].raw).startswith("https://console.partnership.example/sign-in/")


def test_links_and_session_ids_are_stored_only_as_hashes(runtime: Runtime, client: TestClient) -> None:
    sign_in(client, runtime, SALFORD_MANAGER)
    token = token_of(link_in(sign_in_mails(runtime)[-1].raw))
    session_id = client.cookies[SESSION_COOKIE]
    with runtime.sessions() as session:
        sign_ins = session.scalars(select(ConsoleSignIn)).all()
        sessions = session.scalars(select(ConsoleSession)).all()
    stored = [(s.token_hash, s.browser_hash) for s in sign_ins] + [(s.id_hash, s.csrf) for s in sessions]
    flat = " ".join(str(v) for pair in stored for v in pair)
    assert token not in flat and session_id not in flat
    assert sign_ins[0].token_hash == auth.digest(token) and sessions[0].id_hash == auth.digest(session_id)


def test_case_views_and_downloads_are_in_the_access_log_shown_on_the_case_page(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    sign_in(client, runtime, SALFORD_MANAGER)
    page = client.get(f"/cases/{reference}")
    assert page.status_code == 200 and "Jo Testwell" in page.text
    link = f"/cases/{reference}/documents/"
    assert link in page.text
    href = page.text.split(link, 1)[1].split('"', 1)[0]
    download = client.get(link + href)
    assert download.content == DOCUMENT
    assert download.headers["content-type"] == "application/octet-stream"
    # The file name is the reference and position, never the sender's (which names the child).
    assert download.headers["content-disposition"] == f'attachment; filename="{reference}-notice-1.pdf"'
    again = client.get(f"/cases/{reference}")
    with runtime.sessions() as session:
        log = session.scalars(select(ConsoleAccess).order_by(ConsoleAccess.id)).all()
    assert [(a.email, a.action) for a in log] == [
        (SALFORD_MANAGER, "case_view"),
        (SALFORD_MANAGER, "document_download"),
        (SALFORD_MANAGER, "case_view"),
    ]
    assert f"document {reference}-notice-1.pdf" in again.text and again.text.count(SALFORD_MANAGER) >= 4


def test_case_actions_are_on_the_timeline_with_who_did_them(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime)
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    post = lambda action, **data: client.post(f"/cases/{reference}/{action}", data={"csrf": csrf, **data})  # noqa: E731
    assert post("agency", side="challenged", agency="Salford Police").status_code == 200
    assert post("agency", side="challenged", agency="Barnet Police").status_code == 400  # not this partnership's
    assert post("reopen", why="open already").status_code == 400
    assert post("close", state="resolved", outcome="Agreed a joint visit").status_code == 200
    assert post("close", state="resolved", outcome="twice").status_code == 400
    assert post("reopen", why="the visit did not happen").status_code == 200
    rules = [(e.rule, e.data.get("by")) for e in _events(runtime, reference) if e.data.get("by")]
    assert rules == [
        ("agency:challenged:corrected", SALFORD_MANAGER),
        ("reopened", SALFORD_MANAGER),
    ]
    reasons = [e.reason for e in _events(runtime, reference)]
    assert any(f"resolved by {SALFORD_MANAGER}: Agreed a joint visit" in r for r in reasons)
    with runtime.sessions() as session:
        closed_mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_closed")).all()
    assert len(closed_mail) == 1  # the same letter the email command "resolved" sends
    page = client.get(f"/cases/{reference}")
    assert "open" in page.text and "Close the case" in page.text


def test_cases_filters_and_search_by_reference_or_name(runtime: Runtime, client: TestClient) -> None:
    first = stored_case(runtime, "salford", "Jo Testwell")
    second = stored_case(runtime, "salford", "Kit Marlowe-Smith")
    sign_in(client, runtime, SALFORD_MANAGER)
    by_name = client.get("/cases", params={"q": "marlowe"}).text
    assert second in by_name and first not in by_name
    by_reference = client.get("/cases", params={"q": first}).text
    assert first in by_reference and second not in by_reference
    wildcard = client.get("/cases", params={"q": "%"}).text
    assert "0 cases" in wildcard
    assert "2 cases" in client.get("/cases", params={"state": "active", "stage": "1"}).text
    assert "0 cases" in client.get("/cases", params={"state": "resolved"}).text
    assert "0 cases" in client.get("/cases", params={"overdue": "1"}).text


def test_console_revoke_ends_every_session_of_a_person(runtime: Runtime, app, capsys) -> None:  # type: ignore[no-untyped-def]
    from escalations.service.cli import main

    browsers = [_browser(app), _browser(app)]
    for browser in browsers:
        sign_in(browser, runtime, SALFORD_MANAGER)
    with _browser(app) as other:
        sign_in(other, runtime, BNES_MANAGER)
        assert main(["console", "revoke", "--email", SALFORD_MANAGER.upper(), "--config", str(runtime.settings.path)]) == 0
        assert "2 console session(s)" in capsys.readouterr().out
        for browser in browsers:
            assert browser.get("/", follow_redirects=False).status_code == 303
            browser.close()
        assert other.get("/", follow_redirects=False).status_code == 200


def test_a_trusted_proxys_header_signs_in_only_from_the_proxy_and_only_a_directory_person(
    tmp_path, database_url: str, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    from escalations.service.settings import load_settings
    from tests.conftest import write_settings

    path = write_settings(tmp_path, database_url)
    path.write_text(path.read_text() + '\n[console]\ntrusted_proxy_header = "X-Remote-User"\ntrusted_proxies = ["10.9.0.0/24"]\n')
    with Runtime(load_settings(path), clock=clock) as runtime:
        runtime.prepare_database()
        app = create_app(runtime)
        vouched = {"X-Remote-User": SALFORD_MANAGER}
        with TestClient(app, base_url=BASE, client=("10.9.0.7", 40000)) as proxied:
            proxied.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker", domain="127.0.0.1")
            signed = proxied.get("/sign-in", headers=vouched, follow_redirects=False)
            assert signed.status_code == 303 and signed.headers["location"] == "/"
            assert proxied.cookies[SESSION_COOKIE] != "chosen-by-an-attacker"
            assert SALFORD_MANAGER in proxied.get("/").text
        with TestClient(app, base_url=BASE, client=("10.9.0.7", 40001)) as proxied:
            practitioner = {"X-Remote-User": "dev.vellacott@northside-health.example"}
            page = proxied.get("/sign-in", headers=practitioner, follow_redirects=False)
            assert page.status_code == 200 and "Email me a sign-in link" in page.text
        with TestClient(
            app, base_url=BASE, client=("10.9.1.7", 40002)
        ) as elsewhere:  # not the proxy: the header is nobody's word
            page = elsewhere.get("/sign-in", headers=vouched, follow_redirects=False)
            assert page.status_code == 200 and SESSION_COOKIE not in elsewhere.cookies
    with Runtime(load_settings(write_settings(tmp_path, database_url, name="off.toml")), clock=clock) as runtime:
        with TestClient(create_app(runtime), base_url=BASE, client=("10.9.0.7", 40003)) as off:  # off by default
            assert off.get("/sign-in", headers=vouched, follow_redirects=False).status_code == 200


def test_what_strangers_wrote_is_shown_as_text_never_as_markup(runtime: Runtime, client: TestClient) -> None:
    reference = stored_case(runtime, name='<script>alert("x")</script><img src=x onerror=alert(1)>')
    csrf = sign_in(client, runtime, SALFORD_MANAGER)
    client.post(f"/cases/{reference}/note", data={"csrf": csrf, "text": "<b onmouseover=alert(2)>note</b>"})
    page = client.get(f"/cases/{reference}").text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page and "&lt;b onmouseover=alert(2)&gt;" in page
    listing = client.get("/cases", params={"q": '"><script>alert(3)</script>'}).text
    assert "<script>alert(3)" not in listing
