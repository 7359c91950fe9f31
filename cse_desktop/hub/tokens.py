"""Device tokens: how long one lasts, and rotating it.

A device's token expires :data:`TOKEN_LIFETIME` after it was issued; an expired token is
answered ``token_expired`` and the laptop must be connected again with a new enrolment code.
A laptop that syncs never gets there: once its token is older than :data:`ROTATE_AFTER`, every
answer to it carries the :data:`ROTATE_HEADER` header, and the laptop asks for a new token
(``POST /v1/device/token``) at the end of that sync.

Rotation never locks a laptop out: the old token stays valid (as ``previous_token_hash``) until
the new one is first used, so an answer lost on the way (or a laptop that crashed before
keeping it) costs nothing; the laptop rotates again with the old token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import audit
from cse_desktop.hub.db import writer
from cse_desktop.sync.protocol import TOKEN_ROTATE_HEADER, TokenResponse

#: a token not rotated for this long no longer signs in (the laptop has not synced for it)
TOKEN_LIFETIME = timedelta(days=30)
#: a token older than this is rotated at the device's next sync
ROTATE_AFTER = timedelta(days=1)
#: the response header telling a device its token is due for rotation
ROTATE_HEADER = TOKEN_ROTATE_HEADER
EXPIRED = ("This laptop's sign-in to the hub has expired: it had not synced for "
           f"{TOKEN_LIFETIME.days} days. Connect it again with a new enrolment code from your "
           "hub administrator; nothing on the laptop is lost.")


def new_token() -> str:
    """A fresh random token (256 bits)."""
    return secrets.token_urlsafe(32)


def age(issued_at: str | None) -> timedelta:
    """How old a token issued at ``issued_at`` is (a token with no date counts as new)."""
    if not issued_at:
        return timedelta(0)
    return datetime.now(UTC) - datetime.fromisoformat(issued_at)


def expires_at(issued_at: str) -> str:
    return (datetime.fromisoformat(issued_at) + TOKEN_LIFETIME).isoformat()


def forget_previous(engine: sa.Engine, device_id: str, current_hash: str) -> None:
    """The device used its new token (hashed ``current_hash``): the one before it no longer
    signs in. Only while that token is still the current one: had the device rotated again
    meanwhile (another of its requests), its previous token is now this one, which must keep
    working until the newest is used (a laptop that lost that answer would be locked out)."""
    d = t.devices.c
    with writer(engine) as conn:
        conn.execute(t.devices.update().where(d.id == device_id, d.token_hash == current_hash)
                     .values(previous_token_hash=None))


def rotate(engine: sa.Engine, device_id: str, *, presented_previous: bool) -> TokenResponse:
    """A new token for the device. The token it signed in with stays valid until the new one
    is used (if that was already the previous token, it stays the previous one)."""
    token, issued = new_token(), t.now()
    with writer(engine) as conn:
        row = conn.execute(sa.select(t.devices.c.token_hash, t.devices.c.previous_token_hash)
                           .where(t.devices.c.id == device_id)).one()
        previous = row.previous_token_hash if presented_previous else row.token_hash
        conn.execute(t.devices.update().where(t.devices.c.id == device_id).values(
            token_hash=t.digest(token), previous_token_hash=previous,
            token_issued_at=issued))
        audit(conn, device_id, "token_rotated", record_id=device_id)
    return TokenResponse(token=token, expires_at=expires_at(issued))
