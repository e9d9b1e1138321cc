"""The web console under a real `escalations serve` on loopback: real sockets, real processes, a real browser.

The browser test drives Debian's chromium through its chromedriver (Selenium),
headless, and writes a screenshot of each page at 1280x800 to
``var/screenshots/console/`` (README, "The web console"). On each page axe-core
finds no serious or critical violation and the Tab key alone reaches every
control; the actions are taken with the keyboard (Tab, typing, Enter), never a
click. Without chromium it skips, except where ESCALATIONS_REQUIRE_SERVICES=1
(CI), where it fails.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import select

from escalations.console.app import HEADERS
from escalations.console.auth import printed_link
from escalations.routing.directory import parse_csv
from escalations.service.directory import current_rows, import_rows
from escalations.service.runtime import Runtime
from escalations.service.clock import fixed_clock, system_clock
from escalations.service.settings import load_settings
from escalations.storage.models import Case, CaseState, InboundMessage, InboundStatus
from tests.conftest import REPO, REQUIRE_SERVICES, write_settings
from tests.e2e.test_service import Serve, _cli, _until, processes  # noqa: F401  (a fixture)
from tests.support.console import LINK, SALFORD_MANAGER, held_message, stored_case
from tests.support.smtp_sink import free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(os.environ.get("ESCALATIONS_SCREENSHOTS", REPO / "var" / "screenshots" / "console"))
# axe-core from its npm package (.ci/run: npm install --prefix var/npm axe-core), run in each page the test visits.
AXE = Path(os.environ.get("ESCALATIONS_AXE", REPO / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"))


def _settings(tmp_path: Path, database_url: str) -> tuple[Path, int]:
    port = free_port()
    path = write_settings(tmp_path, database_url, smtp_port=free_port())
    path.write_text(path.read_text() + f'\n[console]\nenabled = true\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n')
    return path, port


def _start(path: Path, port: int, log: Path, started: list[Serve]) -> Serve:
    serve = Serve(path, log)
    started.append(serve)
    serve.wait_listening(port, timeout=60)
    return serve


def _a_case(path: Path) -> str:
    with Runtime(load_settings(path)) as runtime:
        runtime.prepare_database()
        return stored_case(runtime)


def _held(path: Path, reference: str) -> tuple[int, int]:
    """A message waiting in review with the case as its candidate, and one in quarantine."""
    with Runtime(load_settings(path)) as runtime:
        review = held_message(runtime, InboundStatus.REVIEW, reason="it names no case", candidates=[reference])
        return review, held_message(runtime, InboundStatus.QUARANTINED)


def _waiting_case(path: Path) -> None:
    """A notice naming no challenged agency, stored for serve's worker: its case waits for information."""
    from escalations.intake.receiving import Envelope, receive
    from tests.support.forms import docx_table_notice
    from tests.support.mail import notice_email, wire
    from tests.support.scenario import contact

    sender, mailbox = contact("salford", "Northside Health", "practitioner"), "escalations@salford.example"
    rows = [
        ("Name of child", "Jo Bloggs"),
        ("Date of birth", "14/02/2017"),
        ("Information of concern", "The referral was closed without a home visit."),
        ("Current stage", "1"),
        ("Is the child at immediate risk of significant harm?", "No"),
    ]
    raw = wire(notice_email(docx_table_notice(rows), sender=sender, to=mailbox))
    with Runtime(load_settings(path)) as runtime:
        receive(runtime.sessions, raw, Envelope("smtp", sender, (mailbox,)), runtime.clock())


def _case_waiting_for_information(path: Path) -> str | None:
    with Runtime(load_settings(path)) as runtime, runtime.sessions() as session:
        waiting = select(Case.reference).where(Case.state == CaseState.AWAITING_INFORMATION)
        return session.scalars(waiting).first()


def _expired_link(path: Path) -> str:
    """A link asked for 16 minutes ago (by a runtime whose clock says so): past its 15 minutes."""
    settings = load_settings(path)
    with Runtime(settings, clock=fixed_clock(system_clock() - timedelta(minutes=16))) as runtime:
        with runtime.sessions.begin() as session:
            link = printed_link(session, SALFORD_MANAGER, runtime.clock(), settings.console.base_url)
    assert link is not None
    return link


def _mailed(maildir: Path, to: str, reference: str) -> bool:
    """Whether the real sender delivered a mail about this case to this address."""
    for file in sorted((maildir / "new").glob("*")) if (maildir / "new").is_dir() else []:
        mail = message_from_bytes(file.read_bytes(), policy=policy.default)
        if to in str(mail["To"] or "") + str(mail["Cc"] or "") and reference in str(mail["Subject"] or ""):
            return True
    return False


def _inbound(path: Path, message_id: int) -> tuple[str, int | None]:
    with Runtime(load_settings(path)) as runtime, runtime.sessions() as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        return message.status, message.case_id


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Message
    text: str


def _open(opener: urllib.request.OpenerDirector, url: str, form: dict[str, str] | None = None) -> _Answer:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        response = opener.open(url, data=data, timeout=20)
    except urllib.error.HTTPError as error:  # 3xx and 4xx come back as errors here; they are answers all the same
        response = error
    with response:
        return _Answer(response.status, response.headers, response.read().decode("utf-8", "replace"))


def test_serve_runs_the_console_and_console_link_signs_in(tmp_path: Path, database_url: str, processes: list[Serve]) -> None:  # noqa: F811
    path, port = _settings(tmp_path, database_url)
    reference = _a_case(path)
    serve = _start(path, port, tmp_path / "serve.log", processes)
    base = f"http://127.0.0.1:{port}"
    browser = _opener()
    home = _open(browser, base + "/")
    assert (home.status, home.headers["location"]) == (303, "/sign-in")
    for name, value in HEADERS.items():
        assert home.headers[name] == value
    printed = _cli(path, "console", "link", "--email", SALFORD_MANAGER)
    assert printed.returncode == 0, printed.stderr
    link = printed.stdout.strip()
    assert LINK.fullmatch(link) and link.startswith(base)
    signed = _open(browser, base + "/sign-in/confirm", {"token": link.rsplit("/", 1)[1]})
    assert (signed.status, signed.headers["location"]) == (303, "/")
    page = _open(browser, f"{base}/cases/{reference}")
    assert page.status == 200 and "Jo Testwell" in page.text
    again = _open(_opener(), base + "/sign-in/confirm", {"token": link.rsplit("/", 1)[1]})
    assert again.status == 400
    refused = _cli(path, "console", "link", "--email", "dev.vellacott@northside-health.example")
    assert refused.returncode == 1 and "business_manager or admin" in refused.stderr
    assert serve.stop() == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.fixture
def chrome():  # type: ignore[no-untyped-def]
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if REQUIRE_SERVICES:
            pytest.fail("ESCALATIONS_REQUIRE_SERVICES=1 but chromium or chromedriver is missing (.ci/run installs them)")
        pytest.skip("the browser test needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 800)
    # The page itself at 1280x800 (the window's frame is not part of a screenshot).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False}
    )
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of the page at 1280x800, every control reached by Tab alone, and axe-core's check of it:
    no serious or critical violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    _tab_reaches_every_control(driver, name)
    if not AXE.is_file():
        assert not REQUIRE_SERVICES, f"ESCALATIONS_REQUIRE_SERVICES=1 but {AXE} is missing (.ci/run installs axe-core)"
        return
    driver.execute_script(AXE.read_text(encoding="utf-8"))  # by the driver, so the page's CSP (no script) still holds
    result = driver.execute_async_script(
        "const done = arguments[0]; axe.run(document).then(done, e => done({error: String(e)}));"
    )
    assert "error" not in result, result
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"


CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea"


def _tab_reaches_every_control(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pressing Tab from the top of the page focuses every visible link, button and field in turn: no action
    needs a mouse (the pages have no script, so a focused control works with Enter or Space)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    count = driver.execute_script(
        "window.escFocused = new Set();"
        "document.addEventListener('focusin', e => window.escFocused.add(e.target), true);"
        "if (document.activeElement) document.activeElement.blur();"
        "window.scrollTo(0, 0);"
        f"return Array.from(document.querySelectorAll({CONTROLS!r})).filter(e => e.offsetParent !== null).length;"
    )
    missed = None
    for _ in range(4):  # a date field takes a Tab for each of its day, month and year: some pages need more presses
        ActionChains(driver).send_keys(Keys.TAB * (count + 2)).perform()
        missed = driver.execute_script(
            f"return Array.from(document.querySelectorAll({CONTROLS!r}))"
            ".filter(e => e.offsetParent !== null && !window.escFocused.has(e)).map(e => e.outerHTML.slice(0, 120));"
        )
        if not missed:
            break
    assert missed == [], f"{name}: not reached by Tab: {missed}"
    driver.execute_script("if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);")


def _see(driver, *texts: str) -> None:  # type: ignore[no-untyped-def]
    """Wait for the page after a click or a key to show these (a navigation may still be under way)."""
    _until(lambda: all(t in driver.page_source for t in texts), timeout=20, what=f"the page to show {texts}")


def _link_from_outbox(maildir: Path) -> str:
    """The sign-in link from the mail the real sender delivered to the outbox maildir."""

    def found() -> str | None:
        for file in sorted((maildir / "new").glob("*")) if (maildir / "new").is_dir() else []:
            match = LINK.search(file.read_bytes().decode("utf-8", "replace").replace("=\n", ""))
            if match:
                return match.group(0)
        return None

    return str(_until(found, timeout=60, what="the sign-in mail in the outbox"))


def test_a_business_manager_signs_in_by_the_emailed_link_in_a_real_browser(
    tmp_path: Path,
    database_url: str,
    processes: list[Serve],  # noqa: F811
    chrome,  # type: ignore[no-untyped-def]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    from tests.support.scenario import contact

    path, port = _settings(tmp_path, database_url)
    reference = _a_case(path)
    review, quarantined = _held(path, reference)
    _waiting_case(path)
    _start(path, port, tmp_path / "serve.log", processes)
    base = f"http://127.0.0.1:{port}"
    waiting = str(_until(lambda: _case_waiting_for_information(path), timeout=60, what="the worker to hold the notice"))

    chrome.get(base + "/")
    assert chrome.current_url == base + "/sign-in"
    _shot(chrome, "01-sign-in")
    chrome.find_element(By.ID, "email").send_keys(SALFORD_MANAGER, Keys.ENTER)  # the keyboard alone, here and below
    _see(chrome, "Check your email")
    _shot(chrome, "01a-sign-in-sent")

    link = _link_from_outbox(tmp_path / "outbox")
    chrome.get(link)
    _shot(chrome, "02-sign-in-confirm")
    chrome.find_element(By.ID, "confirm").send_keys(Keys.ENTER)
    _until(lambda: chrome.current_url == base + "/", timeout=20, what="the Today page")
    _see(chrome, SALFORD_MANAGER, "Open cases by stage")
    _shot(chrome, "03-today")

    chrome.find_element(By.LINK_TEXT, "Cases").click()
    _see(chrome, "This page's address keeps these filters", reference)
    _shot(chrome, "04-cases")
    chrome.find_element(By.LINK_TEXT, reference).click()
    _see(chrome, "Jo Testwell", "Access log")
    chrome.find_element(By.ID, "note").send_keys("Spoke to the team manager; visit booked.", Keys.TAB, Keys.ENTER)
    _see(chrome, "visit booked", f"by {SALFORD_MANAGER}")
    _shot(chrome, "05-case")

    # A form posted without its CSRF token is refused, and changes nothing.
    chrome.execute_script("document.querySelector(\"form[action$='/note'] input[name=csrf]\").remove()")
    chrome.find_element(By.ID, "note").send_keys("Posted without a token.", Keys.TAB, Keys.ENTER)
    _see(chrome, "Form expired")
    chrome.get(f"{base}/cases/{reference}")
    _see(chrome, "visit booked")
    assert "Posted without a token." not in chrome.page_source

    # The case that waited for its challenged agency: named here, it routes, and the real sender mails the agency.
    police = contact("salford", "Salford Police", "practitioner")
    assert not _mailed(tmp_path / "outbox", police, waiting)
    chrome.get(f"{base}/cases/{waiting}")
    chrome.find_element(By.ID, "side").send_keys("challenged")  # typed into the focused list, as a keyboard user does
    chrome.find_element(By.ID, "agency").send_keys("Salford Police")
    assert Select(chrome.find_element(By.ID, "agency")).first_selected_option.text == "Salford Police"
    chrome.find_element(By.CSS_SELECTOR, "form[action$='/agency'] button").send_keys(Keys.ENTER)
    _see(chrome, "set the challenged agency to Salford Police")
    _until(lambda: _mailed(tmp_path / "outbox", police, waiting), timeout=60, what="the routed case in the outbox")
    assert _case_waiting_for_information(path) is None

    chrome.find_element(By.LINK_TEXT, "Quarantine").send_keys(Keys.ENTER)
    _see(chrome, f"inbound-{quarantined}.eml")
    _shot(chrome, "07-quarantine")
    chrome.find_element(By.CSS_SELECTOR, f"form[action='/quarantine/{quarantined}/retry'] button").send_keys(Keys.ENTER)
    _see(chrome, "Nothing in quarantine for your partnership")
    assert _inbound(path, quarantined)[0] != InboundStatus.QUARANTINED  # back in the worker's queue
    chrome.find_element(By.LINK_TEXT, "Review").send_keys(Keys.ENTER)
    _see(chrome, "it names no case")
    _shot(chrome, "06-review")
    chrome.find_element(By.ID, f"reference-{review}").send_keys(reference)
    chrome.find_element(By.CSS_SELECTOR, f"form[action='/review/{review}'] button[value='case']").send_keys(Keys.ENTER)
    _see(chrome, "Nothing waits in review")
    # The worker (serve's processing process) takes the decision: the message joins the case.
    _until(lambda: _inbound(path, review)[1] is not None, timeout=60, what="the worker to attach the reviewed message")
    assert _inbound(path, review)[0] == InboundStatus.PROCESSED

    chrome.find_element(By.LINK_TEXT, "Directory").send_keys(Keys.ENTER)
    _see(chrome, "Export your partnerships")
    _shot(chrome, "08-directory")
    chrome.find_element(By.LINK_TEXT, "Agencies and their other names").send_keys(Keys.ENTER)
    _see(chrome, "GMP Salford")
    _shot(chrome, "08a-directory-agencies-read-only")

    # The board report on the console (issue 14): the figures, their charts and tables, checked like every page.
    chrome.find_element(By.LINK_TEXT, "Reports").send_keys(Keys.ENTER)
    _see(chrome, "Choose a report")
    chrome.find_element(By.CSS_SELECTOR, "form.filters button").send_keys(Keys.ENTER)
    _see(chrome, "Timeliness")
    _shot(chrome, "09-reports")

    # The link was used: opening it again, in this browser, signs nobody in.
    chrome.find_element(By.CSS_SELECTOR, "form.signout button").send_keys(Keys.ENTER)
    _until(lambda: chrome.current_url == base + "/sign-in", timeout=20, what="the sign-in page after signing out")
    chrome.get(link)
    chrome.find_element(By.ID, "confirm").send_keys(Keys.ENTER)
    _see(chrome, "This link cannot be used")
    _shot(chrome, "10-link-refused")
    chrome.get(f"{base}/cases/{reference}")
    assert chrome.current_url == base + "/sign-in"
    # A link past its 15 minutes signs nobody in either.
    chrome.get(_expired_link(path))
    chrome.find_element(By.ID, "confirm").send_keys(Keys.ENTER)
    _see(chrome, "This link cannot be used")
    chrome.get(base + "/")
    assert chrome.current_url == base + "/sign-in"


def test_an_admin_imports_a_directory_change_after_its_preview_and_cannot_open_another_partnerships_case(
    tmp_path: Path,
    database_url: str,
    processes: list[Serve],  # noqa: F811
    chrome,  # type: ignore[no-untyped-def]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path, port = _settings(tmp_path, database_url)
    with Runtime(load_settings(path)) as runtime:
        runtime.prepare_database()
        other = stored_case(runtime, "bnes", "Di Elsewhere")
        with runtime.sessions.begin() as session:
            extra = (
                "partnership,agency,agency_domains,name,email,role,phone\nsalford,,,Sal Admin,sal.admin@salford.example,admin,\n"
            )
            import_rows(session, current_rows(session, "salford") + parse_csv(extra, ["salford"]))
    _start(path, port, tmp_path / "serve.log", processes)
    base = f"http://127.0.0.1:{port}"
    printed = _cli(path, "console", "link", "--email", "sal.admin@salford.example")
    assert printed.returncode == 0, printed.stderr
    chrome.get(printed.stdout.strip())
    chrome.find_element(By.ID, "confirm").send_keys(Keys.ENTER)
    _see(chrome, "sal.admin@salford.example", "Open cases by stage")

    chrome.get(f"{base}/cases/{other}")
    _see(chrome, "Not found", "not yours to see")
    assert "Di Elsewhere" not in chrome.page_source
    _shot(chrome, "11-not-yours")

    chrome.get(base + "/directory")
    exported = _cli(path, "directory", "export")
    salford = [line for line in exported.stdout.splitlines() if line.startswith(("partnership,", "salford,"))]
    new = "salford,Northside Health,northside-health.example,Nia Newcombe,nia.newcombe@northside-health.example,practitioner,,"
    chrome.find_element(By.ID, "csv").send_keys("\n".join([*salford, new]) + "\n")
    chrome.find_element(By.CSS_SELECTOR, "form[action='/directory/import'] button").send_keys(Keys.ENTER)
    _see(chrome, "+ salford: practitioner nia.newcombe@northside-health.example (Northside Health)")
    _shot(chrome, "09-directory-preview")
    assert "nia.newcombe" not in _cli(path, "directory", "export").stdout  # nothing applied before "Apply"
    chrome.find_element(By.ID, "apply").send_keys(Keys.ENTER)
    _see(chrome, "Nia Newcombe")
    assert "nia.newcombe@northside-health.example" in _cli(path, "directory", "export").stdout

    # One contact added, then deactivated, and an agency's other names edited: the keyboard alone.
    chrome.find_element(By.LINK_TEXT, "Add a contact").send_keys(Keys.ENTER)
    _see(chrome, "Add a contact")
    chrome.find_element(By.ID, "agency").send_keys("Salford Police")
    chrome.find_element(By.ID, "name").send_keys("Omar Oakley")
    chrome.find_element(By.ID, "email").send_keys("omar.oakley@police.salford.example")
    chrome.find_element(By.ID, "role").send_keys("practitioner")
    _shot(chrome, "12-directory-contact")
    chrome.find_element(By.ID, "phone").send_keys("0161 496 0999", Keys.ENTER)
    _see(chrome, "omar.oakley@police.salford.example")
    assert "Salford Police,police.salford.example,Omar Oakley,omar.oakley@police.salford.example,practitioner" in (
        _cli(path, "directory", "export").stdout
    )
    chrome.find_element(By.CSS_SELECTOR, "a[aria-label^='Deactivate Omar Oakley']").send_keys(Keys.ENTER)
    _see(chrome, "Deactivate Omar Oakley", "They hold no open case")
    _shot(chrome, "13-directory-deactivate")
    chrome.find_element(By.ID, "deactivate").send_keys(Keys.ENTER)
    _see(chrome, "0 contacts")  # back on the directory, searched for them: gone
    assert "omar.oakley" not in _cli(path, "directory", "export").stdout

    chrome.get(base + "/directory/agencies")
    _shot(chrome, "14-directory-agencies")
    names = chrome.find_element(By.CSS_SELECTOR, "textarea[id^='aliases-']")
    names.send_keys(Keys.CONTROL, Keys.END, Keys.NULL, Keys.ENTER, "Northside Community Trust")
    names.send_keys(Keys.TAB, Keys.ENTER)
    _see(chrome, "Northside Community Trust")
    assert "Northside Community Trust" in _cli(path, "directory", "export").stdout
