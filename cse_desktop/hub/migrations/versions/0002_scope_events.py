"""Scope events: when a child is allocated to another worker, who gains and who loses it.

Teams that see only their own caseload need these so a laptop receives the whole record of a
child newly allocated to its user, and removes the records of a child no longer theirs.
Released migrations are never edited.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scope_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("gained", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("scope_events", schema=None) as batch_op:
        batch_op.create_index("scope_events_by_user", ["team_id", "user_name", "seq"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scope_events", schema=None) as batch_op:
        batch_op.drop_index("scope_events_by_user")
    op.drop_table("scope_events")
