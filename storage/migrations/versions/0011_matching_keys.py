"""Matching and deadlines that do not grow with open cases (issue 15).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

Cases get matching's blocking keys (the date of birth, and the first and last
word of the name, of the first notice's subject), each indexed with the
partnership, so a new notice is compared with the few open cases that share a
key instead of every open case. Existing cases are filled in from their first
notice. Deadlines get an index on (met, due), in place of the one on due
alone: the scheduler's pass reads the unmet deadlines due soon and nothing else.
"""

import json
from datetime import date
from typing import Any, Sequence, Union

import sqlalchemy as sa
from alembic import op

from escalations.routing.matching import blocking_keys

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 2000
KEYS = ("subject_dob", "subject_first", "subject_last")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("subject_dob", sa.Date(), nullable=True))
        batch.add_column(sa.Column("subject_first", sa.String(40), nullable=True))
        batch.add_column(sa.Column("subject_last", sa.String(40), nullable=True))
    _backfill(op.get_bind())
    for key in KEYS:
        op.create_index(f"ix_cases_partnership_{key}", "cases", ["partnership", key])
    op.create_index("ix_deadlines_met_due", "deadlines", ["met", "due"])
    # Every query on due also asks for unmet deadlines: the pair serves them, and PostgreSQL no longer
    # picks due alone and filters the met ones row by row.
    op.drop_index("ix_deadlines_due", table_name="deadlines")


def downgrade() -> None:
    op.create_index("ix_deadlines_due", "deadlines", ["due"])
    op.drop_index("ix_deadlines_met_due", table_name="deadlines")
    for key in KEYS:
        op.drop_index(f"ix_cases_partnership_{key}", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for key in reversed(KEYS):
            batch.drop_column(key)


def _backfill(bind: sa.Connection) -> None:
    """Each case's keys from its first notice, a batch of cases at a time (a million cases in little memory)."""
    first = sa.text(
        "SELECT n.case_id, n.data FROM notices n WHERE n.id IN "
        "(SELECT MIN(m.id) FROM notices m WHERE m.case_id > :after GROUP BY m.case_id ORDER BY m.case_id LIMIT :batch) "
        "ORDER BY n.case_id"
    )
    update = sa.text("UPDATE cases SET subject_dob = :dob, subject_first = :first, subject_last = :last WHERE id = :id")
    after = 0
    while rows := bind.execute(first, {"after": after, "batch": BATCH}).fetchall():
        after = rows[-1][0]
        values = [v for case_id, data in rows if (v := _keys(case_id, data)) is not None]
        if values:
            bind.execute(update, values)


def _keys(case_id: int, data: Any) -> dict[str, Any] | None:
    if isinstance(data, str):
        data = json.loads(data)
    subject = (data or {}).get("subject") or {}
    try:
        dob = date.fromisoformat(subject["dob"]) if subject.get("dob") else None
    except (TypeError, ValueError):
        dob = None  # a date the reader kept as written: no key, as for a notice without one
    keys = blocking_keys(subject.get("name") if isinstance(subject.get("name"), str) else None, dob)
    if keys.dob is None and keys.first is None:
        return None
    return {"id": case_id, "dob": keys.dob, "first": keys.first, "last": keys.last}
