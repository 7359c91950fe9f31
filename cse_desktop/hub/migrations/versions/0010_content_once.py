"""A change's content is stored once: in the JSON a pull page carries (``changes.item``, whose
``"fields"`` is the record's content after the change), no longer also as ``changes.snapshot``.
And ``changes.change_id`` loses its unique constraint: the receipt every pushed change gets in
the same transaction (``receipts``, keyed by change id) makes a pushed change's id unique
already (a conflict's resolution is logged under a new random UUID, with no receipt), and the
second index on random UUIDs cost every push. Released migrations are never edited.

On PostgreSQL dropping the column is instant: existing rows keep their bytes until they are
rewritten (``VACUUM FULL``); new rows no longer carry them. On SQLite the table is copied.

The downgrade puts both back: each snapshot is cut out of its item exactly (the text the hub
wrote, never decoded and encoded again), and the constraint under PostgreSQL's own name for it.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: the constraint 0001 made (unnamed: PostgreSQL named it so; on SQLite it has no name, and
#: this convention gives the reflected one the same name in a batch)
UNIQUE = "changes_change_id_key"
NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}
#: rows read and written at a time by the downgrade
CHUNK = 2000


def upgrade() -> None:
    with op.batch_alter_table("changes", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.drop_column("snapshot")


def snapshot(item: str) -> str:
    """The content inside an item, exactly as written.

    An item is ``{"seq":…,"record_kind":…,"record_id":…,"version":…,"deleted":…,
    "fields":CONTENT,"created_by":NAME}`` (``hub/records.pull_item``, and migration 0008 built
    it so around the snapshot): nothing before ``"fields"`` can hold its key's text (numbers,
    a word, a UUID, a boolean), and the name after the content is one JSON string, in which a
    quote is always escaped, so the last ``,"created_by":`` is the one after the content.
    """
    start = item.index(',"fields":') + len(',"fields":')
    return item[start:item.rindex(',"created_by":')]


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snapshot", sa.Text(), nullable=True))
    conn = op.get_bind()
    after = -1
    while True:
        rows = conn.execute(sa.text("SELECT seq, item FROM changes WHERE seq > :after "
                                    "ORDER BY seq LIMIT :n"), {"after": after, "n": CHUNK}).all()
        if not rows:
            break
        conn.execute(sa.text("UPDATE changes SET snapshot = :s WHERE seq = :q"),
                     [{"s": snapshot(row.item), "q": row.seq} for row in rows])
        after = rows[-1].seq
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.alter_column("snapshot", existing_type=sa.Text(), nullable=False)
        batch_op.create_unique_constraint(UNIQUE, ["change_id"])
