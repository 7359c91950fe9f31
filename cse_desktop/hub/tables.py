"""The hub's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

JSON is stored as text so the same tables work on SQLite and PostgreSQL; times as ISO 8601
text in UTC; secrets (device tokens, enrolment codes) only as their SHA-256. :func:`now`,
:func:`dumps` and :func:`digest` make values in those forms.
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def now() -> str:
    """The time now, as the tables store it."""
    return datetime.now(UTC).isoformat()


def dumps(value: Any) -> str:
    """``value`` as JSON text, as the tables store it (canonical: sorted keys, compact)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def dumps_names(value: str | tuple[str, ...]) -> str:
    """:func:`dumps` of a name, or of names as a list, remembered: every change carries a few
    (who made the record, which fields it set), and the same ones come again and again."""
    return dumps(list(value) if isinstance(value, tuple) else value)


def digest(text: str) -> str:
    """The SHA-256 of ``text`` in hex: how secrets and change payloads are stored."""
    return hashlib.sha256(text.encode()).hexdigest()


metadata = sa.MetaData()

teams = sa.Table(
    "teams", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    #: when true a device sees only its own user's caseload, not the whole team's
    sa.Column("own_caseload_only", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id"), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    #: practitioner | manager: only a manager's device may push a manager's approval; laptops
    #: take their owner's role from here (at enrolment, and at every sync)
    sa.Column("role", sa.String(20), nullable=False, server_default="practitioner"),
)

devices = sa.Table(
    "devices", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    #: SHA-256 of the device's random token; the token itself is never stored
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    #: active | revoked (wipe on next contact) | retiring (final push, then wipe) | retired
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("enrolled_at", sa.String(40), nullable=False),
    sa.Column("last_seen_at", sa.String(40)),
    sa.Column("status_changed_at", sa.String(40)),
    #: when the current token was issued (it expires :data:`tokens.TOKEN_LIFETIME` later)
    sa.Column("token_issued_at", sa.String(40)),
    #: the token before the last rotation, accepted until the new one is first used (so a
    #: laptop that never received the new token is not locked out)
    sa.Column("previous_token_hash", sa.String(64), index=True),
)

enrolment_codes = sa.Table(
    "enrolment_codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
    sa.Column("used_at", sa.String(40)),
    sa.Column("device_id", sa.String(36)),
)

#: every record as the hub holds it now
records = sa.Table(
    "records", metadata,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    #: no foreign key (migration 0012): a record's team is its creating device's user's, or
    #: the team of the record it belongs to, and teams are never removed; the key's lock on the
    #: team's row cost concurrent pushes more than it guarded
    sa.Column("team_id", sa.Integer, nullable=False),
    #: the person a record belongs to (a person's own id for a person)
    sa.Column("person_id", sa.String(36), nullable=False),
    #: for people: the user whose caseload it is (creator), and the allocated worker's name
    sa.Column("owner_user_id", sa.Integer, nullable=False),
    sa.Column("allocated_worker", sa.String(200), nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Index("records_by_team_person", "team_id", "person_id"),
)

#: a child's risk level held after the hub refused an approval of a lower one: a change that
#: lowers it is refused until a final screening or meeting record for the child is accepted
held_levels = sa.Table(
    "held_levels", metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("level", sa.String(20), nullable=False),
    #: the refused approval
    sa.Column("submission_id", sa.String(36), nullable=False),
    sa.Column("held_at", sa.String(40), nullable=False),
)

#: the change log: one row per accepted change, with the record's whole content after it
changes = sa.Table(
    "changes", metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    #: unique without an index of its own (migration 0010): a pushed change's id is the key of
    #: its receipt, written in the same transaction; a resolution's is a new random UUID
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("record_kind", sa.String(20), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("team_id", sa.Integer, nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    #: JSON list of the fields this change actually set (used by the three-way merge)
    sa.Column("changed", sa.Text, nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    #: the change as a pull page carries it (the JSON of a HubChange), written with the change
    #: so a pull reads it and nothing else (migration 0008); its ``"fields"`` is the record's
    #: content after the change, stored nowhere else in the log (migration 0010)
    sa.Column("item", sa.Text, nullable=False),
    sa.Index("changes_by_record", "record_id", "seq"),
    sa.Index("changes_by_team", "team_id", "seq"),
)

#: the first answer to every change_id, so a replay gets the same answer
receipts = sa.Table(
    "receipts", metadata,
    sa.Column("change_id", sa.String(36), primary_key=True),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
)

conflicts = sa.Table(
    "conflicts", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("record_kind", sa.String(20), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("team_id", sa.Integer, nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("base_value", sa.Text, nullable=False),
    sa.Column("hub_value", sa.Text, nullable=False),
    sa.Column("device_value", sa.Text, nullable=False),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("resolved_at", sa.String(40)),
    sa.Column("resolved_by", sa.String(36)),
    sa.Column("resolution_seq", sa.BigInteger),
    sa.Index("conflicts_open", "team_id", "resolved_at"),
)

#: append-only: who did what on the hub (devices by id, admin commands as "admin"); each
#: entry's ``hash`` covers its content and the previous entry's hash (see :mod:`audit`)
audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(36), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("hash", sa.String(64), nullable=False, server_default=""),
)

#: the end of each laptop's audit chain as it reported it at each push
audit_anchors = sa.Table(
    "audit_anchors", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("device_id", sa.String(36), nullable=False),
    sa.Column("audit_seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Index("anchors_by_device", "device_id", "id"),
    # the push brought links to the earlier heads (hub/audit_heads.py)
    sa.Column("linked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("anchors_by_seq", "device_id", "audit_seq"),
)

#: a child allocated to another worker: that worker gains it, the previous one loses it
#: (used where a team sees only its own caseload)
scope_events = sa.Table(
    "scope_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("team_id", sa.Integer, nullable=False),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("user_name", sa.String(200), nullable=False),
    sa.Column("gained", sa.Boolean, nullable=False),
    sa.Index("scope_events_by_user", "team_id", "user_name", "seq"),
)

#: one row per attempt that counted against a rate limit (``hub/ratelimit.py``): shared by every
#: worker process; rows older than the limit's window are swept away as new ones are recorded
rate_limit_attempts = sa.Table(
    "rate_limit_attempts", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    #: enrol | auth_failure
    sa.Column("kind", sa.String(20), nullable=False),
    #: the client's address (the peer, or the client a trusted proxy named)
    sa.Column("source", sa.String(100), nullable=False),
    #: when, in seconds since the epoch (the wall clock: the same in every worker process)
    sa.Column("at", sa.Double, nullable=False),
    sa.Index("rate_limit_by_source", "kind", "source", "at"),
    sa.Index("rate_limit_by_age", "kind", "at"),
)
