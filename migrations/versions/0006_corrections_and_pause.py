"""corrections and pause: metrics.removed_at, checkins.withdrawn_at, activity.paused_at

A removed metric and a withdrawn check-in stay in the export (the audit trail) but no longer
count; a paused person gets no nudges in that pilot until they resume.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("metrics", "removed_at"), ("checkins", "withdrawn_at"), ("activity", "paused_at"))


def upgrade() -> None:
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(column, storage.types.UTCDateTime(timezone=True), nullable=True)
            )


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
