"""Retention (issue 16): on a fixed clock, what goes, what stays, and the figures reports count still add up."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from escalations.reports import escalation_log, render
from escalations.reports.facts import Period, load
from escalations.reports.figures import compute
from escalations.service import retention
from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import Anonymisation, Case, InboundMessage, NoticeRecord, OutboxMessage
from tests.conftest import Clock
from tests.support.privacy import (
    auto_reply,
    barnet_case,
    close,
    everything,
    figures,
    retention_settings,
    salford_case,
    send_all,
    start,
)

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def board_report(runtime: Runtime, now: datetime) -> tuple[str, str]:
    """Salford's board report for 2026 (issue 14), as HTML and as the escalation log: what a board is shown."""
    policy = runtime.policies["salford"]
    with runtime.sessions() as session:
        facts = load(session, policy, Period(date(2026, 1, 1), date(2026, 12, 31)), now)
    return render.html(policy, compute(policy, facts)), escalation_log.write(policy, facts.cases)


# Salford keeps 6 years after a case closes; Barnet has set nothing, so nothing of its goes.
YEARS = {"salford": 6}
RULE = "retention:salford:6y-after-close"


def _seed(runtime: Runtime, clock: Clock) -> dict[str, str]:
    refs = {
        "gone": salford_case(runtime, clock, T(2026, 3, 10, 10), "Tamsin Goneaway", "03/01/2015"),
        "later": salford_case(runtime, clock, T(2026, 3, 10, 11), "Rufus Notyet", "04/02/2016"),
        "open": salford_case(runtime, clock, T(2026, 3, 10, 12), "Oona Stillopen", "05/03/2017"),
        "barnet": barnet_case(runtime, clock, T(2026, 3, 10, 13), "Bartholomew Unset", "06/04/2018"),
    }
    close(runtime, refs["gone"], "resolved", T(2026, 3, 12, 15), "Agreed with Tamsin's mother: a joint visit")
    close(runtime, refs["later"], "withdrawn", T(2027, 1, 5, 9), "Rufus moved away")
    close(runtime, refs["barnet"], "resolved", T(2026, 3, 12, 15), "Bartholomew seen at school")
    auto_reply(runtime, T(2026, 3, 10, 14), "I am away; about Tamsin Goneaway ring me.")
    send_all(runtime)
    return refs


def test_retention_removes_what_is_due_keeps_the_rest_and_the_figures(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = start(retention_settings(tmp_path, database_url, YEARS), clock)
    try:
        refs = _seed(runtime, clock)
        before_text, before = everything(runtime), figures(runtime)
        assert "Goneaway" in before_text and "2015-01-03" in before_text
        assert ("thresholds",) in {n[3] for n in before["notices"]}, "the seeded notices carry a category"

        now = T(2032, 3, 13, 2)  # six years and a day after the first closed
        report_before = board_report(runtime, now)
        dry = retention.run(runtime.sessions, runtime.policies, now, dry_run=True)
        assert [c.reference for c in dry.cases] == [refs["gone"]]
        assert [(m.table, m.rule) for m in dry.mail] == [("inbound", RULE)], "the auto-reply on no case, same rule"
        assert everything(runtime) == before_text, "a dry run changes nothing"

        done = retention.run(runtime.sessions, runtime.policies, now)
        assert [c.reference for c in done.cases] == [refs["gone"]]
        after_text = everything(runtime)
        for gone in ("Tamsin", "Goneaway", "2015-01-03", "joint visit", "referral for Tamsin"):
            assert gone.lower() not in after_text.lower(), f"{gone!r} is still stored (matching keys included)"
        for kept in ("Rufus Notyet", "Oona Stillopen", "Bartholomew Unset", "Bartholomew seen at school", "referral for Rufus"):
            assert kept in after_text, f"{kept!r} went too early"
        assert figures(runtime) == before, "every figure reports count is unchanged"
        assert board_report(runtime, now) == report_before, "the board report of the period adds up the same"

        with runtime.sessions() as session:
            case = session.scalars(select(Case).where(Case.reference == refs["gone"])).one()
            assert case.anonymised_at == now and case.outcome is None and case.state == "resolved"
            messages = session.scalars(select(InboundMessage).where(InboundMessage.case_id == case.id)).all()
            assert messages and all(m.raw == b"" for m in messages)
            sent = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
            assert sent and all(r.raw == b"" for r in sent), "the outbound copies too"
            notice = session.scalars(select(NoticeRecord).where(NoticeRecord.case_id == case.id)).first()
            assert notice is not None and notice.data["subject"] == {"kind": "child", "name": None, "dob": None}
            log = session.scalars(select(Anonymisation).order_by(Anonymisation.id)).all()
            assert [(a.reference, a.rule, a.at) for a in log] == [(refs["gone"], RULE, now), (log[1].reference, RULE, now)]
            assert log[1].reference.startswith("inbound ")

        again = retention.run(runtime.sessions, runtime.policies, T(2032, 3, 14, 2))
        assert again.cases == [] and again.mail == [], "nothing is anonymised twice"
    finally:
        runtime.close()


def test_the_scheduler_runs_retention_once_a_day(tmp_path: Path, database_url: str, clock: Clock) -> None:
    runtime = start(retention_settings(tmp_path, database_url, YEARS), clock)
    try:
        refs = _seed(runtime, clock)
        clock.moment = T(2033, 1, 6, 1)  # the withdrawn case's six years are up too
        runtime.scheduler().run_once()
        with runtime.sessions() as session:
            gone = {c.reference for c in session.scalars(select(Case).where(Case.anonymised_at.is_not(None)))}
        assert gone == {refs["gone"], refs["later"]}
        closed_later = salford_case(runtime, clock, T(2026, 3, 11, 10), "Late Comer", "07/05/2019")
        close(runtime, closed_later, "resolved", T(2026, 3, 12, 10), "done")
        send_all(runtime)
        clock.moment = T(2033, 1, 6, 23)
        runtime.scheduler().run_once()
        with runtime.sessions() as session:
            case = session.scalars(select(Case).where(Case.reference == closed_later)).one()
            assert case.anonymised_at is None, "one pass a day: the second run that day does nothing"
        clock.moment = T(2033, 1, 7, 1)
        runtime.scheduler().run_once()
        with runtime.sessions() as session:
            assert session.scalars(select(Case).where(Case.reference == closed_later)).one().anonymised_at is not None
    finally:
        runtime.close()


def test_retention_run_from_the_command_line(tmp_path: Path, clock: Clock, capsys) -> None:
    settings = retention_settings(tmp_path, f"sqlite:///{tmp_path / 'esc.db'}", YEARS)
    runtime = start(settings, clock)
    try:
        refs = _seed(runtime, clock)
    finally:
        runtime.close()
    capsys.readouterr()
    assert main(["retention", "run", "--dry-run", "--now", "2032-03-13T02:00:00+00:00", "--config", str(settings)]) == 0
    out = capsys.readouterr().out
    assert f"would anonymise {refs['gone']} (closed 2026-03-12, due 2032-03-12, {RULE})" in out
    assert "partnership barnet: retention_years is not set" in out and "Goneaway" not in out
    assert main(["retention", "run", "--now", "2032-03-13T02:00:00+00:00", "--config", str(settings)]) == 0
    assert f"anonymised {refs['gone']}" in capsys.readouterr().out
    assert main(["retention", "log", "--config", str(settings)]) == 0
    assert f"2032-03-13T02:00:00+00:00  {refs['gone']}  {RULE}" in capsys.readouterr().out
    assert main(["cases", "show", refs["gone"], "--config", str(settings)]) == 0, "an anonymised case still shows"
    shown = capsys.readouterr().out
    assert refs["gone"] in shown and "Tamsin" not in shown


def test_check_config_warns_while_retention_is_unset(capsys) -> None:
    assert main(["check-config"]) == 0
    assert "warning: partnership salford: retention_years is not set" in capsys.readouterr().err
