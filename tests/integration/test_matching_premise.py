"""Layer 3 is decided before the worker's write transaction and checked again inside it (issue 15).

The decision made ahead stands only while the facts and candidates it rested
on are unchanged; a case opened in between makes the transaction decide again.
The read ahead holds no SQLite write lock, so the intake is never held up by it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import make_url

from escalations.intake.receiving import Envelope, receive
from escalations.routing.matching import NoticeFacts, NoticeMatch
from escalations.service.matching import Premise, decide_match, notice_candidates
from escalations.service.pipeline import premise_for, prepare
from escalations.service.runtime import Runtime
from escalations.storage.engine import read_sessions
from escalations.storage.models import Case, InboundMessage
from escalations.storage.repositories import CaseRepository
from tests.support.authentication import RELAY, by_gateway
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire

MAILBOX = "escalations@salford.example"
PRACTITIONER = "a.khan@northside-health.example"
JO = NoticeFacts("Jo Bloggs", date(2017, 2, 14), frozenset({"Northside Health", "Salford Children's Services"}))


def _store(runtime: Runtime, message_id: str, **answers: str) -> int:
    raw = wire(notice_email(salford_notice(**answers), message_id=message_id))
    return receive(runtime.sessions, by_gateway(raw), Envelope("smtp", PRACTITIONER, (MAILBOX,), peer=RELAY), runtime.clock()).id


def test_the_decision_made_ahead_stands_only_on_the_same_candidates(runtime: Runtime) -> None:
    _store(runtime, "<first@northside-health.example>")
    runtime.worker().run_until_idle()
    with runtime.sessions() as session:
        cases = CaseRepository(session)
        now = notice_candidates(cases, "salford", JO, PRACTITIONER, None)
        assert [c.reference for c in now.open] == [session.scalars(select(Case.reference)).one()]
        ahead = NoticeMatch("new", None, "decided ahead (a marker: the real decision is a match)")
        kept = decide_match(cases, "salford", JO, PRACTITIONER, None, Premise("salford", JO, now, ahead))
        assert kept is ahead, "nothing changed: no comparison again inside the transaction"
        stale = Premise("salford", JO, replace(now, open=()), ahead)  # read before the case was opened
        assert decide_match(cases, "salford", JO, PRACTITIONER, None, stale).outcome == "match"
        moved = Premise("salford", replace(JO, agencies=frozenset()), now, ahead)  # the directory changed in between
        assert decide_match(cases, "salford", JO, PRACTITIONER, None, moved).outcome == "match"


def test_the_worker_decides_ahead_for_a_notice_and_not_for_a_reply(runtime: Runtime) -> None:
    context = runtime.context()
    first = _store(runtime, "<one@northside-health.example>")
    with runtime.sessions() as session:
        raw = session.get(InboundMessage, first).raw
    premise = premise_for(read_sessions(runtime.sessions), first, prepare(raw, PRACTITIONER, context), context)
    assert premise is not None and (premise.partnership, premise.decision.outcome) == ("salford", "new")
    runtime.worker().run_until_idle()
    again = _store(runtime, "<two@northside-health.example>", stage="3")
    with runtime.sessions() as session:
        raw = session.get(InboundMessage, again).raw
    premise = premise_for(read_sessions(runtime.sessions), again, prepare(raw, PRACTITIONER, context), context)
    assert premise is not None and premise.decision.outcome == "match"
    reply = wire(notice_email(None, subject="Re: [SAL-2026-0001] Escalation", body="Thanks", message_id="<r@x.example>"))
    assert premise_for(read_sessions(runtime.sessions), again, prepare(reply, PRACTITIONER, context), context) is None


def test_reading_ahead_takes_no_sqlite_write_lock(runtime: Runtime) -> None:
    url = make_url(runtime.settings.storage_url)
    if url.get_backend_name() != "sqlite":
        return  # PostgreSQL readers never wait for writers
    writer = sqlite3.connect(url.database, isolation_level=None, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # the intake, say, in the middle of storing a message
    done = threading.Event()

    def read() -> None:
        with read_sessions(runtime.sessions)() as session:
            session.scalars(select(Case.id)).all()
        done.set()

    started = time.monotonic()
    threading.Thread(target=read, daemon=True).start()
    try:
        assert done.wait(5), "the read waited for the write lock"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert time.monotonic() - started < 5
