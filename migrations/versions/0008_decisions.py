"""decisions of weeks 2-9: the mapped workflow's fields, the capacity check, the build decisions

processes gain steps, systems, volume, minutes per case, rule share, data readiness and pain (the
score's inputs); capacity_checks keeps the week-4 answers and their recommendation;
build_decisions the reason for a lower-ranked pick, the demo date, live and the overrun choice.

Revision ID: 0008
Revises: 0006
Create Date: 2027-01-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("steps", _TEXT(length=500), nullable=False,
                                      server_default=""))  # fmt: skip
        batch_op.add_column(sa.Column("systems", _TEXT(length=500), nullable=False,
                                      server_default=""))  # fmt: skip
        batch_op.add_column(sa.Column("volume", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("minutes", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("rule_share", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("data_ready", _TEXT(length=8), nullable=True))
        batch_op.add_column(sa.Column("pain", _TEXT(length=64), nullable=False,
                                      server_default=""))  # fmt: skip
    op.create_table(
        "capacity_checks",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("builder", _TEXT(length=16), nullable=False),
        sa.Column("tool", _TEXT(length=40), nullable=False),
        sa.Column("access", sa.JSON(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("budget", sa.Boolean(), nullable=False),
        sa.Column("path", _TEXT(length=16), nullable=False),
        sa.Column("reason", _TEXT(length=32), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pilot_id"], ["pilots.id"]),
        sa.PrimaryKeyConstraint("pilot_id"),
    )
    op.create_table(
        "build_decisions",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("pick_reason", _TEXT(length=500), nullable=False),
        sa.Column("passed_over", _TEXT(length=200), nullable=False),
        sa.Column("demo_date", sa.Date(), nullable=True),
        sa.Column("live", sa.Boolean(), nullable=True),
        sa.Column("live_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overrun", _TEXT(length=16), nullable=True),
        sa.Column("overrun_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["pilot_id"], ["pilots.id"]),
        sa.PrimaryKeyConstraint("pilot_id"),
    )


def downgrade() -> None:
    op.drop_table("build_decisions")
    op.drop_table("capacity_checks")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        for column in ("pain", "data_ready", "rule_share", "minutes", "volume", "systems",
                       "steps"):  # fmt: skip
            batch_op.drop_column(column)
