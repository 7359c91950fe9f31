"""Audit heads: which stored heads came with links to the earlier ones, and an index to find a
device's head by its event number (``hub/audit_heads.py``). Released migrations are never
edited.

The heads themselves were kept from the start (``audit_anchors``, every head as pushed); this
adds what the check of a new head against them needs.

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_anchors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index("anchors_by_seq", ["device_id", "audit_seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_anchors", schema=None) as batch_op:
        batch_op.drop_index("anchors_by_seq")
        batch_op.drop_column("linked")
