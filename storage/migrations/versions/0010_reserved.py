"""Reserved for the web console (issue 13): no change yet.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from typing import Sequence, Union

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
