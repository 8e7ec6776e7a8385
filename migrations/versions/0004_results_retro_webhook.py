"""results, retrospective and webhook: metric kinds, hourly rate, webhook token hash,
announcement message ids and the retrospective answers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:05:01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retro_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["pilot_id"], ["pilots.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pilot_id", "person_id", "question"),
    )
    with op.batch_alter_table("retro_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_answers_pilot_id"), ["pilot_id"], unique=False)
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="free",
            )
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hourly_rate", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "webhook_token_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        batch_op.drop_column("webhook_token_hash")
        batch_op.drop_column("hourly_rate")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("message_id")
    with op.batch_alter_table("metrics", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("retro_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_answers_pilot_id"))
    op.drop_table("retro_answers")
