"""canvases: each pilot's Slack canvases, and workspaces without canvases

- ``pilot_canvases``: the channel canvas (living page) of a pilot with the markdown of each
  section as last sent, the newest queued update (digest, generation), and the results canvas
  of ``announce``.
- ``canvas_support``: workspaces where canvases are unavailable (scope missing, free plan,
  disabled), so the bot stops asking.

The open pilots of Slack workspaces get a row, so their channels get the canvas as well.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pilot_canvases",
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("canvas_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("results_canvas_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("results_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("results_doc", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["pilot_id"], ["pilots.id"]),
        sa.PrimaryKeyConstraint("pilot_id"),
    )
    op.create_table(
        "canvas_support",
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "team"),
    )
    # The open Slack pilots get their canvas too, with the next plan.
    op.execute(
        "INSERT INTO pilot_canvases (pilot_id, sections, digest, generation, results_url) "
        "SELECT pilots.id, '{}', '', 0, '' FROM pilots "
        "JOIN workspaces ON workspaces.id = pilots.workspace_id "
        "WHERE workspaces.platform = 'slack' AND pilots.status = 'open'"
    )


def downgrade() -> None:
    op.drop_table("canvas_support")
    op.drop_table("pilot_canvases")
