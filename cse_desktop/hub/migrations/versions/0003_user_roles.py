"""Users' roles: 'practitioner' or 'manager'. Existing users become practitioners.

The hub is where a user's role is decided: a laptop takes its owner's role from the hub, and
the hub refuses an approval of a lower risk level pushed by a device whose user is not a
manager. Released migrations are never edited.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # least privilege: every existing user is a practitioner until an administrator says
    # otherwise ('cse-hub user role NAME --role manager')
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False,
                                      server_default="practitioner"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("role")
