"""Directory identity (issue 11): no schema change.

An agency's identity across directory imports is its ``agencies`` row (which
cases point at); ``directory import`` recognises a rename and keeps the old
name in the existing ``aliases`` column (0007). Held notices' deadlines use
the existing ``deadlines`` table (kind ``information``). Kept as a revision so
the numbering stays as assigned.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from typing import Sequence, Union

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
