"""Sender authentication: the SMTP client's address and HELO name, and the result, on each inbound message.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(sa.Column("peer_ip", sa.String(length=45), nullable=True))
        batch.add_column(sa.Column("helo", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("authentication", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_column("authentication")
        batch.drop_column("helo")
        batch.drop_column("peer_ip")
