"""Board reports sent without asking (issue 14): one row per partnership and period.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

The unique (partnership, period_start) makes the monthly send happen once even
with two schedulers or after a restart.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "report_sends",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("partnership", sa.String(40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_report_sends"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name="fk_report_sends_outbox_id_outbox"),
        sa.UniqueConstraint("partnership", "period_start", name="uq_report_sends_partnership_period_start"),
    )


def downgrade() -> None:
    op.drop_table("report_sends")
