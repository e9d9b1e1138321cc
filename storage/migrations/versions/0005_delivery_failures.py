"""Delivery failures and bouncing contacts: recipients not reached, retries to some recipients only.

``outbox.pending_recipients``: when set, the next attempt goes to these
recipients only (those a relay refused with 4xx while it accepted the rest).
``outbox.undelivered``: each recipient not reached for good, with the code and
text (5xx, 4xx to the end, or a bounce); ``undelivered_at`` says when the row
was first found to have failed someone, so ``outbox list --dead`` finds it.
``bouncing_addresses``: directory addresses whose mail bounced; kept apart
from ``contacts`` so a directory import does not silently forget them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("pending_recipients", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("undelivered", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("undelivered_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_outbox_undelivered_at", ["undelivered_at"], unique=False)
    op.create_table(
        "bouncing_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_bouncing_addresses_outbox_id_outbox")),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound_messages.id"], name=op.f("fk_bouncing_addresses_inbound_id_inbound_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bouncing_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_bouncing_addresses_address")),
    )


def downgrade() -> None:
    op.drop_table("bouncing_addresses")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_undelivered_at")
        batch.drop_column("undelivered_at")
        batch.drop_column("undelivered")
        batch.drop_column("pending_recipients")
