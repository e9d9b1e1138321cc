"""The one clock (DESIGN.md invariant 8): everything else is handed ``now`` or a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock stopped at ``moment`` (for `deadlines run --now` and tests)."""
    if moment.tzinfo is None:
        raise ValueError("a fixed clock needs an aware datetime (with an offset)")
    return lambda: moment
