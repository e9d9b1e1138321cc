"""Held notices get a deadline (issue 11): cases already waiting for information are chased.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

From this revision a case held for information has a deadline of kind
``information`` (set when the notice is held; the scheduler chases its sender).
Cases held before it get one due at once, set when they were opened, so the
next scheduler pass chases them. No schema change: an agency's identity across
directory imports is its ``agencies`` row, and a rename keeps the old name in
the ``aliases`` column of 0007.
"""

from typing import Sequence, Union

from alembic import op
from sqlalchemy import text

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RULE = "information-timescale"


def upgrade() -> None:
    op.get_bind().execute(
        text(
            "INSERT INTO deadlines (case_id, kind, stage, due, set_at, met, rule, reason) "
            "SELECT c.id, 'information', c.stage, c.updated_at, c.opened_at, :no, :rule, "
            "'held before deadlines were set for held notices: chased from the next scheduler pass' "
            "FROM cases c WHERE c.state = 'awaiting_information' AND NOT EXISTS "
            "(SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.kind = 'information')"
        ),
        {"no": False, "rule": RULE},
    )


def downgrade() -> None:
    bind = op.get_bind()
    held = "SELECT id FROM deadlines WHERE kind = 'information'"
    bind.execute(text(f"DELETE FROM chasers WHERE deadline_id IN ({held})"))
    bind.execute(text("DELETE FROM deadlines WHERE kind = 'information'"))
