"""Claims with a process identity and a heartbeat: inbound messages and outbox rows (crash recovery in seconds).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("uncertain_deliveries", sa.Integer(), nullable=False, server_default="0"))
    # Rows claimed under the old scheme kept their lease in next_attempt_at; they stay due as they were.


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("uncertain_deliveries")
        batch.drop_column("sending_since")
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
        batch.drop_column("claim_token")
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("claimed_by")
