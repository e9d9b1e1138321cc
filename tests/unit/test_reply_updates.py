""" "In progress" holds a stage's chasers until the next working day, and nothing else (issue 11)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from escalations.service.reply_updates import held, paused_until
from tests.unit.test_compose import POLICIES


@pytest.mark.parametrize(
    ("said", "until"),
    [
        (datetime(2026, 3, 10, 11, 0, tzinfo=UTC), datetime(2026, 3, 11, 9, 0, tzinfo=UTC)),  # Tuesday: Wednesday
        (datetime(2026, 3, 13, 16, 0, tzinfo=UTC), datetime(2026, 3, 16, 9, 0, tzinfo=UTC)),  # Friday: Monday
        # Thursday before Easter: Good Friday and Easter Monday are bank holidays in England (BST: 08:00 UTC)
        (datetime(2026, 4, 2, 10, 0, tzinfo=UTC), datetime(2026, 4, 7, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 14, 10, 0, tzinfo=UTC), datetime(2026, 3, 16, 9, 0, tzinfo=UTC)),  # a Saturday reply
    ],
)
def test_chasers_wait_until_the_start_of_the_next_working_day(said: datetime, until: datetime) -> None:
    assert paused_until(POLICIES["salford"], said) == until


@pytest.mark.parametrize(
    ("kind", "paused", "expected"),
    [
        ("stage_response", True, True),
        ("panel_decision", True, True),
        ("immediate_risk", True, False),  # nothing waits when a child or adult is at immediate risk
        ("copy:service-manager-copy", True, False),  # a copy the policy requires is not the stage's answer
        ("information", True, False),
        ("stage_response", False, False),
    ],
)
def test_only_the_stages_own_answer_is_held(kind: str, paused: bool, expected: bool) -> None:
    assert held(kind, paused) is expected
