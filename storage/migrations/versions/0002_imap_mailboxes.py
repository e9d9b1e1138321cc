"""IMAP mailboxes: each watched folder's state, and finding a message taken before by its hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "imap_mailboxes",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("first_uid", sa.BigInteger(), nullable=True),
        sa.Column("watching_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected", sa.Boolean(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_auth_alert_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_imap_mailboxes")),
    )
    op.create_index("ix_inbound_messages_raw_sha256", "inbound_messages", ["raw_sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_raw_sha256", table_name="inbound_messages")
    op.drop_table("imap_mailboxes")
