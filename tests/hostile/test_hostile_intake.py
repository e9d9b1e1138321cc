"""Every hostile case through the real intake, with its required outcome and the invariants of issue 12.

For each case: a real smtplib client talks to the production aiosmtpd server
on loopback, the message is stored in a database of the case's own, and the
real worker runs until idle. Then, whatever the case:

- nothing accepted is lost: a 250 has exactly one row, in a final state
  (never left ``received`` or ``processing``); a refusal stored nothing;
- no case that existed before was moved (every sender here is unauthenticated);
- automated mail is never answered and never counts as a response;
- no outgoing subject or attachment name carries the child's name;
- nothing is sent to an address the message itself named (Reply-To, Cc);
- no document made the service fetch a URL;
- processing finished within a generous bound.

And the case's own outcome class (and rule, where fixed) is asserted.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import POSTGRES_URL, REQUIRE_SERVICES
from tests.hostile import cases as catalogue
from tests.hostile.cases import CASES, Case
from tests.hostile.harness import (
    AWAITING,
    BOUND_SECONDS,
    IGNORED,
    ISOLATED_BOUND_SECONDS,
    QUARANTINED,
    REFUSED,
    REVIEW,
    Databases,
    Intake,
    Observed,
    run_case,
    warm_up,
)

pytestmark = pytest.mark.hostile

CHILD_NAME = re.compile(r"\b(Jo|Bloggs|Sam Example)\b")
# A sample across the families for PostgreSQL, plus every case whose defect shows only there.
# (Two set-ups only: each set-up costs PostgreSQL a migrated template database.)
POSTGRES_SAMPLE = [
    c
    for i, c in enumerate(CASES)
    if c.setup in ("empty", "case") and (i % 20 == 0 or "postgres" in c.defect_on and "sqlite" not in c.defect_on)
]


class FetchListener:
    """A loopback TCP listener that counts connections: a document that makes us fetch its URL shows here."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def __enter__(self) -> FetchListener:
        self._thread.start()
        catalogue.FETCH_PORT[:] = [self.port]
        return self

    def __exit__(self, *exc: object) -> None:
        catalogue.FETCH_PORT.clear()
        self.sock.close()


@pytest.fixture(scope="module")
def intake() -> Iterator[Intake]:
    warm_up()
    with Intake() as running:
        yield running


@pytest.fixture(scope="module")
def fetches() -> Iterator[FetchListener]:
    with FetchListener() as listener:
        yield listener


@pytest.fixture(scope="module")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    databases = Databases(tmp_path_factory.mktemp("hostile-sqlite"), "sqlite")
    yield databases
    databases.close()


@pytest.fixture(scope="module")
def postgres_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if not POSTGRES_URL:
        if REQUIRE_SERVICES:
            pytest.fail("ESCALATIONS_REQUIRE_SERVICES=1 but ESCALATIONS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need ESCALATIONS_TEST_POSTGRES_URL")
    databases = Databases(tmp_path_factory.mktemp("hostile-postgres"), "postgres", POSTGRES_URL)
    yield databases
    databases.close()


def _params(cases: list[Case], backend: str) -> list[object]:
    params = []
    for case in cases:
        reason = case.xfail_reason(backend)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


@pytest.mark.parametrize("case", _params(CASES, "sqlite"))
def test_hostile_case_on_sqlite(case: Case, intake: Intake, sqlite_databases: Databases, fetches: FetchListener) -> None:
    _run_and_check(case, intake, sqlite_databases, fetches)


@pytest.mark.postgres
@pytest.mark.parametrize("case", _params(POSTGRES_SAMPLE, "postgres"))
def test_hostile_case_on_postgres(case: Case, intake: Intake, postgres_databases: Databases, fetches: FetchListener) -> None:
    _run_and_check(case, intake, postgres_databases, fetches)


def _run_and_check(case: Case, intake: Intake, databases: Databases, fetches: FetchListener) -> None:
    fetched_before = fetches.connections
    with databases.fresh(case.setup, catalogue.SETUPS[case.setup]) as runtime:
        observed = run_case(intake, runtime, case.build, isolate=case.isolate)
    check_invariants(case, observed)
    assert fetches.connections == fetched_before, "a document made the service fetch a URL"
    check_outcome(case, observed)


def check_invariants(case: Case, seen: Observed) -> None:
    bound = ISOLATED_BOUND_SECONDS if case.isolate else BOUND_SECONDS
    assert not seen.timed_out, f"processing still running after {bound:g} s (the worker was killed): {seen}"
    assert seen.seconds < bound, f"processing took {seen.seconds:.1f} s: {seen}"
    assert seen.outcome != "lost", f"answered {seen.smtp_code} but nothing was stored: {seen}"
    if seen.smtp_code == 250:
        assert seen.rows == 1, f"one message accepted, {seen.rows} stored (smuggling?): {seen}"
    else:
        assert 400 <= seen.smtp_code < 600 and seen.rows == 0, f"refused but stored, or no refusal code: {seen}"
    assert seen.left_unfinished == [], f"left unfinished after the worker was idle: {seen.left_unfinished}"
    moved = {
        ref: (before, seen.case_after.get(ref)) for ref, before in seen.case_before.items() if seen.case_after.get(ref) != before
    }
    assert moved == {}, f"an unauthenticated message moved a case: {moved}"
    if case.automated:
        assert seen.outbox_kinds == [], f"automated mail was answered: {seen.outbox_kinds}"
        assert seen.met_by_case == [], f"automated mail counted as a response: {seen.met_by_case}"
    for sent in seen.outbox:
        assert not CHILD_NAME.search(str(sent["Subject"])), f"the child's name in a subject: {sent['Subject']}"
        for part in sent.iter_attachments():
            assert not CHILD_NAME.search(part.get_filename() or ""), f"the child's name in a file name: {part.get_filename()}"
    for recipients in seen.outbox_recipients:
        assert not any(r.lower().endswith("@evil.example") for r in recipients), (
            f"mail sent to an address the message named: {recipients}"
        )


def check_outcome(case: Case, seen: Observed) -> None:
    allowed = (case.outcome, *case.alternatives)
    assert seen.outcome in allowed, f"{case.id}: required {' or '.join(allowed)}, got {seen}"
    if case.rule and seen.outcome == case.outcome:
        if seen.outcome == QUARANTINED:
            assert case.rule in seen.rule, f"quarantined for another reason: {seen.rule}"
        else:
            assert seen.rule.startswith(case.rule), f"required rule {case.rule!r}, got {seen.rule!r}"
    if seen.outcome == REFUSED:
        assert seen.smtp_text.strip(), "a refusal says why"
        # 4xx is for our own trouble: a hostile message refused with 4xx comes back for days (issue 12 defect 10).
        assert 500 <= seen.smtp_code < 600, f"refused with {seen.smtp_code} {seen.smtp_text}: the sender will retry for ever"
        if case.family == "long-lines":
            assert "line" in seen.smtp_text.lower(), f"a long line refused without saying so: {seen.smtp_text}"
    if seen.outcome == AWAITING:
        assert "information_needed" in seen.outbox_kinds, f"held awaiting information but the sender was not told: {seen}"
        letter = seen.outbox[seen.outbox_kinds.index("information_needed")]
        text = letter.get_body(("plain",)).get_content()
        if case.says:
            assert case.says in text, f"the letter does not say {case.says!r}:\n{text}"
    if seen.outcome in (REVIEW, IGNORED, QUARANTINED):
        answered = [
            k
            for k, r in zip(seen.outbox_kinds, seen.outbox_recipients, strict=True)
            if k in ("acknowledgement", "information_needed")
        ]
        assert answered == [], f"{seen.outcome} but the sender was answered: {answered}"


def test_the_catalogue_has_200_cases_across_the_families_and_every_outcome() -> None:
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)
    families = {c.family for c in CASES}
    assert {
        "control",
        "mime",
        "html",
        "text",
        "addresses",
        "smtp",
        "commands",
        "automated",
        "injection",
        "smuggling",
        "long-lines",
        "attachments",
    } <= families
    assert {c.outcome for c in CASES} >= {REFUSED, IGNORED, REVIEW, AWAITING, QUARANTINED, "opened", "recorded"}
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", c.id) for c in CASES)
