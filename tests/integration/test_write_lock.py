"""The worker's write transaction holds SQLite's write lock for reads and rows only (issue 15).

Its letters are rendered in a rehearsal before it (service/rehearsal.py), in a
WAL read snapshot that never stops the intake from committing; what changed
between the rehearsal and the transaction is decided and rendered again inside.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, select

from escalations.intake.receiving import Envelope, receive
from escalations.outbound import compose
from escalations.reports import render
from escalations.service import worker as worker_module
from escalations.service.runtime import Runtime
from escalations.service.settings import load_settings
from escalations.storage.engine import READ_ONLY
from escalations.storage.models import BouncingAddress, Case, InboundMessage, InboundStatus, OutboxMessage, ReportSend
from tests.conftest import Clock, write_settings
from tests.support.authentication import RELAY, by_gateway
from tests.support.automated_mail import postfix_dsn
from tests.support.forms import salford_notice
from tests.support.mail import notice_email, wire
from tests.support.scenario import Scenario, contact, notice_rows

if TYPE_CHECKING:
    from escalations.service.rehearsal import Rehearsal

MAILBOX = "escalations@salford.example"
PRACTITIONER = "a.khan@northside-health.example"
CHALLENGED = "Salford Children's Services"
STORE_WAIT = 5.0  # seconds: a store held up by the worker's write lock waits for its whole transaction


def _sqlite_runtime(tmp_path: Path, clock: Clock, name: str = "escalations", reports: bool = False) -> Runtime:
    folder = tmp_path / name
    folder.mkdir()
    settings = write_settings(folder, f"sqlite:///{folder / 'escalations.db'}", reports=reports)
    runtime = Runtime(load_settings(settings), clock=clock)
    runtime.prepare_database()
    return runtime


def _store(runtime: Runtime, raw: bytes, sender: str = PRACTITIONER) -> int:
    return receive(runtime.sessions, by_gateway(raw), Envelope("smtp", sender, (MAILBOX,), peer=RELAY), runtime.clock()).id


def _stores_while_rendering(runtime: Runtime, monkeypatch, run: Callable[[], object], templates: str = "") -> list[bool]:
    """Run ``run``; each time it renders a letter (of a template whose name holds ``templates``), the intake
    stores a message from another thread, and the rendering waits until that store has committed: had
    ``run`` held the write lock while rendering, the store could not commit until its transaction ended,
    and the wait would run out. Says, for each letter, whether its store committed in time."""
    real_render = compose.render
    stores: list[threading.Thread] = []
    committed_in_time: list[bool] = []

    def render(template: str, context: dict, own_words_only: bool = False) -> tuple[str, str]:
        if not own_words_only and templates in template:
            stored = threading.Event()
            n = len(stores)

            def store() -> None:
                _store(
                    runtime,
                    wire(notice_email(None, body=f"Message {n}.", message_id=f"<intake-{n}@northside-health.example>")),
                )
                stored.set()

            stores.append(threading.Thread(target=store, name=f"intake-{n}"))
            stores[-1].start()
            committed_in_time.append(stored.wait(STORE_WAIT))
        return real_render(template, context, own_words_only)

    with monkeypatch.context() as patch:
        patch.setattr(compose, "render", render)
        run()
    for thread in stores:
        thread.join(timeout=60)
    return committed_in_time


def test_the_intake_commits_while_the_worker_renders_a_notice_s_letters(tmp_path: Path, clock: Clock, monkeypatch) -> None:
    runtime = _sqlite_runtime(tmp_path, clock)
    try:
        notice = _store(runtime, wire(notice_email(salford_notice(), sender=PRACTITIONER)))
        committed_in_time = _stores_while_rendering(runtime, monkeypatch, lambda: runtime.worker().run_message(notice))
        assert committed_in_time and all(committed_in_time), committed_in_time
        with runtime.sessions() as session:
            row = session.get(InboundMessage, notice)
            assert row is not None and row.status == InboundStatus.PROCESSED, row.outcome if row else None
            kinds = session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
            stored = session.scalars(select(InboundMessage.id).where(InboundMessage.id != notice)).all()
        assert kinds == ["acknowledgement", "routed_case"]
        assert len(stored) == len(committed_in_time)  # every intake store committed, none lost
    finally:
        runtime.close()


def test_the_intake_commits_while_the_board_report_is_made(tmp_path: Path, clock: Clock, monkeypatch) -> None:
    """The board report's figures and PDF take seconds: while its PDF is made, a store commits."""
    clock.moment = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # Wednesday 1 April, 09:00 BST: March's report is due
    runtime = _sqlite_runtime(tmp_path, clock, reports=True)
    try:
        real_pdf = render.pdf
        making, made = threading.Event(), threading.Event()

        def pdf(policy, figures):  # type: ignore[no-untyped-def]
            if not making.is_set():  # the first partnership's: held until the store below has committed
                making.set()
                made.wait(60)
            return real_pdf(policy, figures)

        monkeypatch.setattr(render, "pdf", pdf)
        sent: list[int] = []
        scheduler = threading.Thread(target=lambda: sent.append(runtime.scheduler().run_once()), name="scheduler")
        scheduler.start()
        try:
            assert making.wait(60), "no report was made"
            stored = threading.Event()
            threading.Thread(target=lambda: (_store(runtime, wire(notice_email(salford_notice()))), stored.set())).start()
            in_time = stored.wait(STORE_WAIT)
        finally:
            made.set()
            scheduler.join(timeout=120)
        assert in_time, "the intake waited for the board report's PDF"
        assert stored.wait(60) and sent and sent[0] >= 5
        with runtime.sessions() as session:
            reports = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "board_report")).all()
            assert len(reports) == 5 and all(b"application/pdf" in r.raw for r in reports)
            assert len(session.scalars(select(ReportSend)).all()) == 5
        assert runtime.scheduler().run_once() == 0, "sent once"
    finally:
        runtime.close()


def test_the_intake_commits_while_the_review_summary_is_rendered(tmp_path: Path, clock: Clock, monkeypatch) -> None:
    runtime = _sqlite_runtime(tmp_path, clock)
    try:
        stranger = _store(
            runtime, wire(notice_email(salford_notice(), sender="someone@elsewhere.example")), "someone@elsewhere.example"
        )
        assert runtime.worker().run_message(stranger)
        committed_in_time = _stores_while_rendering(
            runtime, monkeypatch, lambda: runtime.scheduler().run_once(), templates="review-summary"
        )
        assert committed_in_time == [True], committed_in_time
        with runtime.sessions() as session:
            [summary] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review_summary")).all()
        assert b"1 waiting for review" in summary.raw
        # A pass that a rehearsal finds nothing to do in takes no write lock at all (the summary is sent today).
        engine, writes = runtime.sessions.kw["bind"], []

        def began(connection) -> None:  # type: ignore[no-untyped-def]
            if not connection.get_execution_options().get(READ_ONLY):
                writes.append(connection)

        event.listen(engine, "begin", began)
        try:
            assert runtime.scheduler().run_once() == 0, "once a day"
        finally:
            event.remove(engine, "begin", began)
        assert writes == [], "no write transaction"
    finally:
        runtime.close()


def test_the_intake_commits_while_a_bounce_s_alert_is_rendered(tmp_path: Path, clock: Clock, monkeypatch) -> None:
    """A bounce marks the address bouncing (a write), and tells the business manager: the letter is rendered
    in the rehearsal all the same, and the address marked in the write transaction."""
    runtime = _sqlite_runtime(tmp_path, clock)
    try:
        assert runtime.worker().run_message(_store(runtime, wire(notice_email(salford_notice(), sender=PRACTITIONER))))
        with runtime.sessions() as session:
            [routed] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "routed_case")).all()
        lost = routed.recipients[0]
        bounce = receive(
            runtime.sessions, postfix_dsn(lost, routed.message_id), Envelope("smtp", "", (MAILBOX,), peer=RELAY), clock()
        ).id
        committed_in_time = _stores_while_rendering(
            runtime, monkeypatch, lambda: runtime.worker().run_message(bounce), templates="delivery-failure"
        )
        assert committed_in_time == [True], committed_in_time
        with runtime.sessions() as session:
            assert session.get(InboundMessage, bounce).status == InboundStatus.IGNORED  # type: ignore[union-attr]
            [marked] = session.scalars(select(BouncingAddress)).all()
            [alert] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "delivery_failure")).all()
        assert (marked.address, marked.bounces, marked.inbound_id) == (lost, 1, bounce)
        assert b"bounced" in alert.raw
    finally:
        runtime.close()


def _outbox(runtime: Runtime) -> list[tuple[str, tuple[str, ...], str]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [
            (r.kind, tuple(sorted(r.recipients)), r.raw.split(b"\nSubject: ", 1)[1].split(b"\n", 1)[0].decode()) for r in rows
        ]


def _two_replies(runtime: Runtime, clock: Clock) -> tuple[str, int, int]:
    """A Salford case at stage 1, and two "Unresolved" replies to it stored, not yet processed."""
    s = Scenario(runtime, clock, MAILBOX)
    reference = s.notice(PRACTITIONER, notice_rows("Jo Bloggs", "14/02/2017", CHALLENGED, "1"))
    challenged = contact("salford", CHALLENGED, "practitioner")
    replies = []
    for why in ("the threshold was not met", "no visit was made"):
        message = notice_email(None, sender=challenged, subject=f"RE: [{reference}] Escalation", body=f"Unresolved: {why}.")
        replies.append(_store(runtime, wire(message), sender=challenged))
    return reference, replies[0], replies[1]


def test_a_case_changed_after_the_rehearsal_is_decided_again_in_the_transaction(
    tmp_path: Path, clock: Clock, monkeypatch
) -> None:
    """Two deciders on one case: reply A is rehearsed at stage 1, then reply B moves the case on before A's
    write transaction. A is decided again on what the transaction reads (from stage 2, not 1), its letters
    rendered anew; the outcome is the same as B and then A one after the other."""
    concurrent, in_order = _sqlite_runtime(tmp_path, clock, "concurrent"), _sqlite_runtime(tmp_path, clock, "in-order")
    try:
        reference, a, b = _two_replies(concurrent, clock)
        real = worker_module.rehearse_message
        rehearsals: list[Rehearsal] = []

        def rehearse_then_b_first(sessions, inbound_id, *args):  # type: ignore[no-untyped-def]
            rehearsal = real(sessions, inbound_id, *args)
            if inbound_id == a:
                rehearsals.append(rehearsal)
                assert concurrent.worker().run_message(b)  # another decider, in between
            return rehearsal

        monkeypatch.setattr(worker_module, "rehearse_message", rehearse_then_b_first)
        assert concurrent.worker().run_message(a)
        monkeypatch.undo()

        reference_2, a_2, b_2 = _two_replies(in_order, clock)
        assert in_order.worker().run_message(b_2) and in_order.worker().run_message(a_2)

        assert reference == reference_2
        assert _outbox(concurrent) == _outbox(in_order)
        for runtime in (concurrent, in_order):
            with runtime.sessions() as session:
                case = session.scalars(select(Case).where(Case.reference == reference)).one()
                assert case.stage == 3, case.stage  # both replies counted: 1 → 2 → 3
        (rehearsal,) = rehearsals
        assert rehearsal.rendered > 0  # the letters rehearsed for stage 1 → 2 were not sent: A was rendered again
    finally:
        concurrent.close()
        in_order.close()
