"""The hub's audit chain mended where pushes broke it.

Until this version a push's audit entries were written by its group commit without their
hashes (``prev_hash`` and ``hash`` empty), and the next entry written by anything else began
the chain again from the start: ``cse-hub audit verify`` reported the log broken at the first
push. From the first entry without a hash to the end, every entry is chained again here, in
``id`` order; the entries before it keep their hashes. Nothing this hides could have been
detected by the chain before, as it was already broken from that entry on; still, the entries
in that stretch that had a hash are checked against their own content first, and the
migration ends the log with an ``audit_rechained`` entry saying from which entry it chained
again and how many of them did not match their hash (an edit made since they were written).
A head kept before the upgrade still verifies if it came before the first push; the
operator guide says to keep the new head that ``cse-hub audit verify`` prints after upgrading.
On PostgreSQL the rewritten rows leave their old versions behind until ``VACUUM``.

Released migrations are never edited.

Revision ID: 0011
Revises: 0010
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
#: entries read and rewritten at a time
CHUNK = 5_000


def _hash(prev: str, at: str, actor: str, action: str, record_id: str, detail: str) -> str:
    # the same as cse_desktop.hub.audit.entry_hash (a migration does not import the app)
    text = json.dumps([prev, at, actor, action, record_id, detail], ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    first = conn.execute(sa.text("SELECT min(id) FROM audit WHERE hash = ''")).scalar()
    if first is None:
        return
    prev = conn.execute(sa.text("SELECT hash FROM audit WHERE id < :first ORDER BY id DESC "
                                "LIMIT 1"), {"first": first}).scalar() or GENESIS
    after, mismatched = first - 1, 0
    while True:
        rows = conn.execute(sa.text(
            "SELECT id, at, actor, action, record_id, detail, prev_hash, hash FROM audit "
            "WHERE id > :after ORDER BY id LIMIT :n"), {"after": after, "n": CHUNK}).all()
        if not rows:
            break
        chained = []
        for row in rows:
            content = (row.at, row.actor, row.action, row.record_id, row.detail)
            if row.hash and _hash(row.prev_hash, *content) != row.hash:
                mismatched += 1
            digest = _hash(prev, *content)
            chained.append({"p": prev, "h": digest, "id": row.id})
            prev = digest
        conn.execute(sa.text("UPDATE audit SET prev_hash = :p, hash = :h WHERE id = :id"),
                     chained)
        after = rows[-1].id
    at = datetime.now(UTC).isoformat()
    detail = (f"entries from {first} on chained again (a push's entries had been written "
              f"without hashes); {mismatched} of them did not match their own hash before")
    conn.execute(sa.text(
        "INSERT INTO audit (at, actor, action, record_id, detail, prev_hash, hash) "
        "VALUES (:at, 'admin', 'audit_rechained', '', :detail, :p, :h)"),
        {"at": at, "detail": detail, "p": prev,
         "h": _hash(prev, at, "admin", "audit_rechained", "", detail)})


def downgrade() -> None:
    pass  # the mended hashes are valid under every version that has them
