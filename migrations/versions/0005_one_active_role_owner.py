"""one active owner per role: a partial unique index on role_assignments (pilot_id, role)
where ended_at IS NULL

Concurrent assigns could leave several current owners of one role (issue #13); all but the
newest of them are ended first, at the time the next one was assigned.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:12:40
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("ended_at IS NULL")

# A current row with a newer current row of the same pilot and role ends when the next row
# after it was assigned (or, if none was assigned later, when it began). Plain SQL that
# SQLite and PostgreSQL both run.
END_SUPERSEDED = sa.text(
    """
    UPDATE role_assignments SET ended_at = COALESCE((
        SELECT MIN(newer.assigned_at) FROM role_assignments AS newer
        WHERE newer.pilot_id = role_assignments.pilot_id
          AND newer.role = role_assignments.role
          AND newer.id > role_assignments.id
          AND newer.assigned_at >= role_assignments.assigned_at
    ), assigned_at)
    WHERE ended_at IS NULL AND EXISTS (
        SELECT 1 FROM role_assignments AS newer
        WHERE newer.pilot_id = role_assignments.pilot_id
          AND newer.role = role_assignments.role
          AND newer.id > role_assignments.id
          AND newer.ended_at IS NULL
    )
    """
)


def upgrade() -> None:
    op.execute(END_SUPERSEDED)
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_role_assignments_active",
            ["pilot_id", "role"],
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_role_assignments_active")
