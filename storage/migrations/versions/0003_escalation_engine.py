"""Escalation engine and matching: case outcomes, chasers, review and duplicate links, notifications, secrets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
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
    with op.batch_alter_table("inbound_messages") as batch:
        # IMAP UIDs and UIDVALIDITY run to 2**32 - 1 (RFC 9051): wider than a 32-bit signed integer.
        batch.alter_column("imap_uidvalidity", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True)
        batch.alter_column("imap_uid", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True)
        batch.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_inbound_messages_duplicate_of_inbound_messages"), "inbound_messages", ["duplicate_of"], ["id"]
        )
        batch.create_index("ix_inbound_messages_message_id", ["message_id"], unique=False)
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
        batch.create_index(op.f("ix_notices_document_sha256"), ["document_sha256"], unique=False)
    op.create_index("ix_cases_partnership_state", "cases", ["partnership", "state"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_notifications_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secrets")),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    op.drop_table("notifications")
    op.drop_index("ix_cases_partnership_state", table_name="cases")
    with op.batch_alter_table("notices") as batch:
        batch.drop_index(op.f("ix_notices_document_sha256"))
        batch.drop_column("document_sha256")
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_index("ix_inbound_messages_message_id")
        batch.drop_constraint(op.f("fk_inbound_messages_duplicate_of_inbound_messages"), type_="foreignkey")
        batch.drop_column("review")
        batch.drop_column("duplicate_of")
        batch.alter_column("imap_uid", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True)
        batch.alter_column("imap_uidvalidity", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True)
    op.drop_index(op.f("ix_chasers_deadline_id"), table_name="chasers")
    op.drop_index(op.f("ix_chasers_case_id"), table_name="chasers")
    op.drop_table("chasers")
    with op.batch_alter_table("deadlines") as batch:
        batch.drop_column("set_at")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("outcome")
