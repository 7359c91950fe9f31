"""Rate limits shared by every worker process: the attempts that count against them, kept in
the database (``hub/ratelimit.py``) rather than in each process's memory. Released migrations
are never edited.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("rate_limit_by_source", "rate_limit_attempts", ["kind", "source", "at"])
    op.create_index("rate_limit_by_age", "rate_limit_attempts", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("rate_limit_by_age", "rate_limit_attempts")
    op.drop_index("rate_limit_by_source", "rate_limit_attempts")
    op.drop_table("rate_limit_attempts")
