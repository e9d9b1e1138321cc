"""The scheduler on a real database: restarts, reruns and two schedulers never send a chaser twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from escalations.service.cli import main
from escalations.service.runtime import Runtime
from escalations.storage.models import Chaser, OutboxMessage
from tests.conftest import Clock
from tests.support.scenario import Scenario, contact

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def _open_cases(runtime: Runtime, clock: Clock, count: int) -> Scenario:
    s = Scenario(runtime, clock, "escalations@salford.example").at(T(2026, 3, 10, 10, 0))
    for i in range(count):
        s.notice(
            contact("salford", "Northside Health", "practitioner"),
            [
                ("Name of child", f"Kim {'ABCDEFGHIJKLMNOP'[i]}oe"),
                ("Date of birth", f"{i + 1:02d}/02/2017"),
                ("Agency whose decision is challenged", "Salford Children's Services"),
                ("Please document any information of concern", "x"),
                ("Current stage", "1"),
            ],
        )
    s.sent()
    return s


def _outbox_count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_rerun_and_restart_send_nothing_twice(runtime: Runtime, clock: Clock) -> None:
    s = _open_cases(runtime, clock, 3)
    s.at(T(2026, 3, 10, 17, 30))
    assert runtime.scheduler().run_once() == 3
    before = _outbox_count(runtime)
    assert runtime.scheduler().run_once() == 0  # a rerun
    restarted = Runtime(runtime.settings, clock=clock)  # a new process on the same database
    try:
        assert restarted.scheduler().run_once() == 0
    finally:
        restarted.close()
    assert _outbox_count(runtime) == before


def test_two_schedulers_at_once_send_each_chaser_once(runtime: Runtime, clock: Clock) -> None:
    s = _open_cases(runtime, clock, 8)
    s.at(T(2026, 3, 10, 17, 30))
    before = _outbox_count(runtime)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        other = Runtime(runtime.settings, clock=clock)
        try:
            barrier.wait()
            results.append(other.scheduler().run_once())
        except BaseException as exc:
            errors.append(exc)
        finally:
            other.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 8
    with runtime.sessions() as session:
        keys = session.scalars(select(Chaser.key)).all()
    assert len(keys) == len(set(keys)) == 8
    assert _outbox_count(runtime) == before + 8


def test_deadlines_run_command_takes_a_moment(runtime: Runtime, clock: Clock, capsys) -> None:  # type: ignore[no-untyped-def]
    _open_cases(runtime, clock, 1)
    config = str(runtime.settings.path)
    assert main(["deadlines", "run", "--now", "2026-03-10T15:00:00+00:00", "--config", config]) == 0
    assert "1 action(s)" in capsys.readouterr().out
    assert main(["deadlines", "run", "--now", "2026-03-10T15:30:00+00:00", "--config", config]) == 0
    assert "0 action(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:  # no offset: argparse refuses it
        main(["deadlines", "run", "--now", "2026-03-10T15:30:00", "--config", config])
    assert refused.value.code == 2
    assert "needs an offset" in capsys.readouterr().err
