"""Stage levels: how far up line management a stage has gone (Barnet 2, Stage 2: Deputy Team
Manager, then Team Manager, then Head of Service, the next only when the one before has not
resolved it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Cases from before are at level 1, the first (and for most stages the only) level.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("level", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("level")
