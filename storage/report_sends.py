"""The board report sent without asking: claiming a partnership's period once, across passes and processes."""

from __future__ import annotations

from datetime import date, datetime

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
