"""load: pilots.next_due_at, people.dm_channel, outbox rows without a pilot

- ``pilots.next_due_at``: when the planner next has something to consider for the pilot (NULL:
  unknown, recompute at the next tick). The tick reads only open pilots that are due.
- ``people.dm_channel``: the Slack DM channel conversations.open returned, so a nudge is one
  API call (chat.postMessage) instead of two.
- ``outbox.pilot_id`` nullable: a command's answer that failed to send (``kind = "reply"``) is
  retried through the outbox, also when the command has no pilot (``help``).

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_due_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_pilots_status_next_due_at", ["status", "next_due_at"])
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dm_channel", sa.String(length=64), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("pilot_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE pilot_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
        batch_op.alter_column("pilot_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("dm_channel")
    with op.batch_alter_table("pilots", schema=None) as batch_op:
        batch_op.drop_index("ix_pilots_status_next_due_at")
        batch_op.drop_column("next_due_at")
