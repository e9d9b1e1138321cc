"""The deadline pass loads each partnership's directory once, however many of its cases are chased (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.service import case_actions
from escalations.service.runtime import Runtime
from tests.conftest import Clock
from tests.integration.test_scheduler import _open_cases

T = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def test_one_directory_load_per_partnership_per_pass(runtime: Runtime, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _open_cases(runtime, clock, 4)
    loads: list[str] = []
    real = case_actions.load_directory

    def counted(session, partnership):  # type: ignore[no-untyped-def]
        loads.append(partnership)
        return real(session, partnership)

    monkeypatch.setattr(case_actions, "load_directory", counted)  # a spy: the real load still runs
    s.at(T(2026, 3, 10, 17, 30))
    assert runtime.scheduler().run_once() == 4, "each case is chased"
    assert loads == ["salford"]
