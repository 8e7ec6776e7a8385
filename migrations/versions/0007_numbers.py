"""numbers a champion can defend: pilot name and company, what a metric measures, one value
per metric and week

``pilots.name`` / ``pilots.company`` title the results summary (``settings name=… company=…``).
``metrics.per`` / ``volume`` / ``scale``: an effort metric is per case (with cases per week) or
per week; a satisfaction score has a scale. The old kind ``time`` ("hours per week on the
workflow") becomes ``effort`` per week. ``checkins.replaced_by``: a second check-in in the same
pilot week replaces the first, which stays for the audit trail and the export.

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        for column in ("name", "company"):
            text = sqlmodel.sql.sqltypes.AutoString(length=200)
            batch_op.add_column(sa.Column(column, text, nullable=False, server_default=""))
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("per", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
        batch_op.add_column(sa.Column("volume", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("scale", sa.Float(), nullable=True))
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replaced_by", sa.Integer(), nullable=True))
    op.execute("UPDATE metrics SET kind = 'effort', per = 'week' WHERE kind = 'time'")


def downgrade() -> None:
    op.execute("UPDATE metrics SET kind = 'time' WHERE kind = 'effort' AND per = 'week'")
    op.execute("UPDATE metrics SET kind = 'free' WHERE kind NOT IN ('time', 'errors', "
               "'satisfaction', 'free')")  # fmt: skip
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("replaced_by")
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        for column in ("scale", "volume", "per"):
            batch_op.drop_column(column)
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        for column in ("company", "name"):
            batch_op.drop_column(column)
