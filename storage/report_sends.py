"""The board report sent without asking: claiming a partnership's period once, across passes and processes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select

from escalations.storage.models import ReportSend
from escalations.storage.repositories import _Repository


class ReportSendRepository(_Repository):
    def take(self, partnership: str, start: date, end: date, now: datetime) -> ReportSend | None:
        """Claim the report of ``partnership`` for the period from ``start``; None when another pass or process has it."""
        stmt = (
            self._insert()(ReportSend)
            .values(partnership=partnership, period_start=start, period_end=end, created_at=now)
            .on_conflict_do_nothing(index_elements=["partnership", "period_start"])
            .returning(ReportSend.id)
        )
        claimed = self.session.execute(stmt).scalar_one_or_none()
        return self.session.get(ReportSend, claimed) if claimed is not None else None

    def sent(self, starts: Mapping[str, date]) -> set[str]:
        """Of the partnerships in ``starts`` (id -> the due period's first day), those whose report for it is claimed."""
        rows = self.session.execute(
            select(ReportSend.partnership, ReportSend.period_start).where(ReportSend.partnership.in_(starts))
        )
        return {pid for pid, start in rows if starts.get(pid) == start}
