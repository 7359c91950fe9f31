"""Edge hardening: device tokens that expire and rotate, and a hash-chained hub audit.

* ``devices.token_issued_at``: a token expires ``tokens.TOKEN_LIFETIME`` after it was issued;
  tokens issued before this migration count as issued now.
* ``devices.previous_token_hash``: the token before the last rotation, accepted until the new
  one is first used.
* ``audit.prev_hash`` and ``audit.hash``: each entry chained to the one before it; the entries
  already written are chained here, in ``id`` order.

Released migrations are never edited.

Revision ID: 0006
Revises: 0004
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _hash(prev: str, at: str, actor: str, action: str, record_id: str, detail: str) -> str:
    # the same as cse_desktop.hub.audit.entry_hash (a migration does not import the app)
    text = json.dumps([prev, at, actor, action, record_id, detail], ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("token_issued_at", sa.String(40)))
        batch.add_column(sa.Column("previous_token_hash", sa.String(64)))
        batch.create_index("ix_devices_previous_token_hash", ["previous_token_hash"])
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE devices SET token_issued_at = :now"),
                 {"now": datetime.now(UTC).isoformat()})
    prev = GENESIS
    rows = conn.execute(sa.text("SELECT id, at, actor, action, record_id, detail FROM audit "
                                "ORDER BY id")).all()
    for row in rows:
        digest = _hash(prev, row.at, row.actor, row.action, row.record_id, row.detail)
        conn.execute(sa.text("UPDATE audit SET prev_hash = :p, hash = :h WHERE id = :id"),
                     {"p": prev, "h": digest, "id": row.id})
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("devices") as batch:
        batch.drop_index("ix_devices_previous_token_hash")
        batch.drop_column("previous_token_hash")
        batch.drop_column("token_issued_at")
