"""Agency aliases: the other names an agency goes by (the directory CSV's optional agency_aliases column).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Rows from before stay NULL, which reads as no aliases.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("aliases")
