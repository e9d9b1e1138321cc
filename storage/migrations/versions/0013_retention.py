"""Data protection (issue 16): cases anonymised by retention or erasure, and the record of each.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

Sealed documents need no schema change: a sealed blob names its key inside
the blob (storage.crypto), so existing plain rows stay readable as they are.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "anonymisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", name="fk_anonymisations_case_id_cases"), nullable=True),
        sa.Column("reference", sa.String(24), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("by", sa.String(320), nullable=True),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_anonymisations"),
    )
    op.create_index("ix_anonymisations_case_id", "anonymisations", ["case_id"])


def downgrade() -> None:
    op.drop_table("anonymisations")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("anonymised_at")
