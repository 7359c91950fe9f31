"""Each change keeps the JSON a pull page carries for it (``changes.item``): a pull reads that
text and nothing else, where the database used to build it on every pull (a join with
``records`` and JSON quoting of four columns per change). Released migrations are never
edited.

Existing changes are filled in here, in the form the hub had been writing on the fly.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _fill(dialect: str) -> str:
    if dialect == "postgresql":
        def quoted(sql: str) -> str:
            return f"to_json({sql})::text"

        def text(sql: str) -> str:
            return f"{sql}::text"
    else:
        def quoted(sql: str) -> str:
            return f"json_quote({sql})"

        def text(sql: str) -> str:
            return f"CAST({sql} AS TEXT)"
    created_by = ("coalesce((SELECT records.created_by FROM records "
                  "WHERE records.record_id = changes.record_id), '')")
    return ("UPDATE changes SET item = '{\"seq\":' || " + text("seq")
            + " || ',\"record_kind\":' || " + quoted("record_kind")
            + " || ',\"record_id\":' || " + quoted("record_id")
            + " || ',\"version\":' || " + text("version")
            + " || ',\"deleted\":' || CASE WHEN deleted THEN 'true' ELSE 'false' END"
            + " || ',\"fields\":' || snapshot"
            + " || ',\"created_by\":' || " + quoted(created_by) + " || '}'")


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item", sa.Text(), nullable=True))
    op.execute(_fill(op.get_bind().dialect.name))
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.alter_column("item", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_column("item")
