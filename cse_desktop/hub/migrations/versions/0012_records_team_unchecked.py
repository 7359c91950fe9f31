"""``records.team_id`` loses its foreign key to ``teams``. Released migrations are never edited.

Under load the key cost more than it guarded. Each new record made PostgreSQL lock its team's
row (``SELECT ... FOR KEY SHARE``). When the group commits of two worker processes held the
same team's row at once, the row's lock became a multixact, and every later lock and read of
that row looked its members up. With 1,000 laptops pushing 50 new records each at once
(``bench/bench_sync.py``, 2 workers), PostgreSQL's CPU went from 3.2-3.9 s with the key to
2.1-2.3 s without it.

What it guarded holds without it:

* a record's team is the team of the device that created it, read from that device's user
  (``users.team_id`` keeps its key to ``teams``), or the team of the record it belongs to;
* the hub has no way to remove a team.

On PostgreSQL the constraint is dropped in place. On SQLite, where 0001's key has no name, the
table is copied; the naming convention gives the reflected key PostgreSQL's name for it. The
downgrade puts the key back (every record's team exists, as above).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: the key 0001 made (unnamed: PostgreSQL named it so; on SQLite this convention names the
#: reflected key the same way in a batch)
KEY = "records_team_id_fkey"
NAMING = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}


def upgrade() -> None:
    with op.batch_alter_table("records", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(KEY, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("records", naming_convention=NAMING) as batch_op:
        batch_op.create_foreign_key(KEY, "teams", ["team_id"], ["id"])
