"""A sequence for change numbers on PostgreSQL, so writers no longer queue on one lock.

Until now every writing transaction took one advisory lock and numbered its changes from the
highest ``seq`` in the log. From here on a PostgreSQL hub takes numbers from the sequence
``changes_seq``, and pulls read only below a safe high-water mark (see
:mod:`cse_desktop.hub.db`). SQLite keeps a single writer and needs nothing. Released
migrations are never edited.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE IF NOT EXISTS changes_seq AS bigint MINVALUE 1 CACHE 1")
    # continue after the changes already numbered (setval's false: the next value is this)
    op.execute("SELECT setval('changes_seq', COALESCE((SELECT max(seq) FROM changes), 0) + 1, "
               "false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS changes_seq")
