"""Held levels: a child's risk level the hub keeps because an approval of a lower one was
refused.

When the hub refuses a manager's approval (``approval_not_allowed``), the laptop that made it
has already lowered the child's level in its own records, and that change follows in its
push. The hub holds the level it had: a later change that lowers it is refused too, until a
final screening or meeting record for the child is accepted. Released migrations are never
edited.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_levels",
        sa.Column("person_id", sa.String(36), primary_key=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("held_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("held_levels")
