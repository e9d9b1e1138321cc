"""The web console (issue 13): sign-in links, sessions and the access log.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

Links and session ids are stored only as SHA-256 hashes.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "console_sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("client", sa.String(45), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("browser_hash", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_sign_ins"),
        sa.UniqueConstraint("token_hash", name="uq_console_sign_ins_token_hash"),
    )
    op.create_index("ix_console_sign_ins_email_requested_at", "console_sign_ins", ["email", "requested_at"])
    op.create_index("ix_console_sign_ins_client_requested_at", "console_sign_ins", ["client", "requested_at"])
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("client", sa.String(45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
        sa.UniqueConstraint("id_hash", name="uq_console_sessions_id_hash"),
    )
    op.create_index("ix_console_sessions_email", "console_sessions", ["email"])
    op.create_table(
        "console_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", name="fk_console_access_case_id_cases"), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_access"),
    )
    op.create_index("ix_console_access_case_id", "console_access", ["case_id"])


def downgrade() -> None:
    op.drop_table("console_access")
    op.drop_table("console_sessions")
    op.drop_table("console_sign_ins")
