"""Escalation engine: case outcomes and the chasers table.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("outcome", sa.Text(), nullable=True))
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(sa.Column("set_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "chasers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("for_date", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_chasers_case_id_cases")),
        sa.ForeignKeyConstraint(["deadline_id"], ["deadlines.id"], name=op.f("fk_chasers_deadline_id_deadlines")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_chasers_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chasers")),
        sa.UniqueConstraint("key", name=op.f("uq_chasers_key")),
    )
    op.create_index(op.f("ix_chasers_case_id"), "chasers", ["case_id"], unique=False)
    op.create_index(op.f("ix_chasers_deadline_id"), "chasers", ["deadline_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chasers_deadline_id"), table_name="chasers")
    op.drop_index(op.f("ix_chasers_case_id"), table_name="chasers")
    op.drop_table("chasers")
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("set_at")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("outcome")
