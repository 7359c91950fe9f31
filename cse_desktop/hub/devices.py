"""Devices: enrolment with a one-time code, sign-in by token, revoking and retiring.

A device is a laptop enrolled for one user; it signs in with the random token it was given
at enrolment (the hub keeps only the token's hash). A revoked device is told to wipe its
workspace at its next contact; a retiring one may push once more, then is told to wipe.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from cse_desktop.hub import tables as t
from cse_desktop.hub import tokens
from cse_desktop.hub.admin import normalise_code
from cse_desktop.hub.audit import audit
from cse_desktop.hub.db import head_seq, reader, writer
from cse_desktop.hub.errors import AdminError, EnrolmentRefused, Unauthenticated
from cse_desktop.sync.protocol import DeviceInfo, EnrolResponse, HubRole, TokenResponse

#: how long after it is told to wipe a retired laptop may still push its last changes
FINAL_PUSH_WINDOW = timedelta(hours=1)
RETIRED = "This device was retired by the hub administrator; its workspace must be wiped."


@dataclass(frozen=True)
class Device:
    """A signed-in device, with its user and team as the hub held them at sign-in."""

    id: str
    name: str
    status: str
    user_id: int
    user_name: str
    team_id: int
    team_name: str
    own_caseload_only: bool
    #: the user's role when the device signed in (a push reads it again before it accepts
    #: an approval: see :mod:`cse_desktop.hub.changes`)
    role: str = "practitioner"
    #: its token is older than :data:`tokens.ROTATE_AFTER`: the device should rotate it
    rotation_due: bool = False
    #: it signed in with the token from before its last rotation
    presented_previous: bool = False


def wire_role(role: str) -> HubRole:
    """A role as the laptops are told it: anything but 'manager' is a practitioner."""
    return "manager" if role == "manager" else "practitioner"


def retire(conn: sa.Connection, device_id: str) -> None:
    """A retiring device has made its final push: from now on it is told to wipe."""
    conn.execute(t.devices.update().where(t.devices.c.id == device_id)
                 .values(status="retired", status_changed_at=t.now()))
    audit(conn, device_id, "device_retired", record_id=device_id)


#: what signing in reads of a device, its user and its team (:meth:`DeviceOps.sign_in_rows`)
_SIGN_IN = (sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.status,
                      t.devices.c.status_changed_at, t.devices.c.token_hash,
                      t.devices.c.previous_token_hash, t.devices.c.token_issued_at,
                      t.users.c.id.label("user_id"), t.users.c.name.label("user_name"),
                      t.teams.c.id.label("team_id"), t.teams.c.name.label("team_name"),
                      t.teams.c.own_caseload_only, t.users.c.role)
            .join(t.users, t.users.c.id == t.devices.c.user_id)
            .join(t.teams, t.teams.c.id == t.users.c.team_id))


class DeviceOps:
    """Enrolment, sign-in and the devices' status."""

    engine: sa.Engine

    def devices(self) -> list[dict[str, Any]]:
        query = (sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.status,
                           t.devices.c.enrolled_at, t.devices.c.last_seen_at,
                           t.users.c.name.label("user"), t.teams.c.name.label("team"),
                           t.devices.c.token_issued_at)
                 .join(t.users, t.users.c.id == t.devices.c.user_id)
                 .join(t.teams, t.teams.c.id == t.users.c.team_id)
                 .order_by(t.devices.c.enrolled_at))
        with self.engine.connect() as conn:
            rows = [dict(row._mapping) for row in conn.execute(query)]
        for row in rows:  # when its token stops signing in, unless it syncs before
            issued = row.pop("token_issued_at")
            row["token_expires_at"] = tokens.expires_at(issued) if issued else None
        return rows

    def set_device_status(self, device_id: str, status: str) -> None:
        """``revoked`` (wipe at next contact) or ``retiring`` (accept a final push, then wipe)."""
        assert status in ("revoked", "retiring")
        with writer(self.engine) as conn:
            current = conn.execute(sa.select(t.devices.c.status)
                                   .where(t.devices.c.id == device_id)).scalar()
            if current is None:
                raise AdminError(f"There is no device {device_id!r}; 'cse-hub devices' lists "
                                 "them.")
            if current in ("revoked", "retired"):
                raise AdminError(f"Device {device_id} is already {current}.")
            conn.execute(t.devices.update().where(t.devices.c.id == device_id).values(
                status=status, status_changed_at=t.now()))
            audit(conn, "admin", "device_" + status, record_id=device_id)

    def enrol(self, code: str, device_name: str) -> EnrolResponse:
        now = t.now()
        with writer(self.engine) as conn:
            row = conn.execute(
                sa.select(t.enrolment_codes.c.id, t.enrolment_codes.c.user_id,
                          t.enrolment_codes.c.expires_at, t.enrolment_codes.c.used_at)
                .where(t.enrolment_codes.c.code_hash == t.digest(normalise_code(code)))
            ).first()
            if row is None or row.used_at is not None or row.expires_at <= now:
                raise EnrolmentRefused(
                    "This enrolment code is not valid: it may be mistyped, already used or "
                    "expired. Ask your hub administrator for a new one.")
            device_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
            conn.execute(t.devices.insert().values(
                id=device_id, user_id=row.user_id, name=device_name,
                token_hash=t.digest(token), status="active", enrolled_at=now,
                last_seen_at=now, token_issued_at=now))
            conn.execute(t.enrolment_codes.update().where(t.enrolment_codes.c.id == row.id)
                         .values(used_at=now, device_id=device_id))
            audit(conn, device_id, "enrol", record_id=device_id)
            user, team, role = conn.execute(
                sa.select(t.users.c.name, t.teams.c.name, t.users.c.role)
                .join(t.teams, t.teams.c.id == t.users.c.team_id)
                .where(t.users.c.id == row.user_id)).one()
        return EnrolResponse(device_id=device_id, token=token, user=user, team=team,
                             role=wire_role(role))

    def authenticate(self, token: str, *, final_push: bool = False) -> Device:
        """The device holding ``token``; revoked and retired devices are told to wipe.

        ``final_push``: for :data:`FINAL_PUSH_WINDOW` after it was told to wipe, a retired
        device may still push (what it changed after its last push must not be lost).

        The hub's API signs in the requests of one moment together
        (:mod:`cse_desktop.hub.signins`), with :meth:`sign_in_rows` and :meth:`signed_in`.
        """
        hashed = t.digest(token)
        device, forget = self.signed_in(hashed, self.sign_in_rows([hashed]).get(hashed),
                                        final_push=final_push)
        if forget:
            tokens.forget_previous(self.engine, device.id, hashed)
        return device

    def sign_in_rows(self, hashes: Sequence[str]) -> dict[str, Any]:
        """What signing in needs of the devices holding these token hashes (as their current
        or their previous token), by hash, in one query; a hash no device holds is left out."""
        wanted, found = set(hashes), {}
        d = t.devices.c
        with reader(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                # one array parameter: the same statement for any number of hashes, planned
                # once, and looked up in both token indexes whatever its plan
                listed = sa.bindparam("hashes", list(hashes), type_=ARRAY(sa.String))
                where = [sa.or_(d.token_hash == sa.any_(listed),
                                d.previous_token_hash == sa.any_(listed))]
            else:
                where = [sa.or_(d.token_hash.in_(hashes[i:i + 400]),
                                d.previous_token_hash.in_(hashes[i:i + 400]))
                         for i in range(0, len(hashes), 400)]
            for condition in where:
                for row in conn.execute(_SIGN_IN.where(condition)):
                    for held in (row.token_hash, row.previous_token_hash):
                        if held in wanted:
                            found[held] = row
        return found

    @staticmethod
    def signed_in(hashed: str, row: Any, *, final_push: bool = False) -> tuple[Device, bool]:
        """The device signing in with the token hashed ``hashed``, from its row
        (:meth:`sign_in_rows`; None: no device holds it), and whether the token before it
        is to be forgotten now (the device used its new token for the first time).

        Raises :class:`Unauthenticated` for an unknown or expired token, and for a revoked or
        retired device (``final_push``: as :meth:`authenticate`)."""
        if row is None:
            raise Unauthenticated("This device is not enrolled with the hub (unknown "
                                  "credential).")
        fields = dict(row._mapping)
        changed_at = fields.pop("status_changed_at")
        current, previous = fields.pop("token_hash"), fields.pop("previous_token_hash")
        token_age = tokens.age(fields.pop("token_issued_at"))
        device = Device(**fields, rotation_due=token_age > tokens.ROTATE_AFTER,
                        presented_previous=hashed != current)
        if token_age > tokens.TOKEN_LIFETIME and device.status in ("active", "retiring"):
            raise Unauthenticated(tokens.EXPIRED, code="token_expired")
        if device.status == "retired" and final_push and changed_at is not None:
            final_push = datetime.now(UTC) - datetime.fromisoformat(changed_at) \
                < FINAL_PUSH_WINDOW
        if device.status == "revoked":
            raise Unauthenticated("This device was revoked by the hub administrator; its "
                                  "workspace must be wiped.", code="device_revoked")
        if device.status == "retired" and not final_push:
            raise Unauthenticated(RETIRED, code="device_retired")
        return device, previous is not None and hashed == current

    def forget_previous_token(self, device: Device, hashed: str) -> None:
        """The device used its new token (hashed ``hashed``): the one before it no longer
        signs in."""
        tokens.forget_previous(self.engine, device.id, hashed)

    def record_auth_failure(self, reason: str, source: str = "") -> None:
        """Audit a failed sign-in, with the address it came from (the peer, or the client a
        trusted proxy named)."""
        detail = f"{reason} from {source}" if source else reason
        with writer(self.engine) as conn:
            audit(conn, "unknown", "auth_failed", detail=detail)

    def retire_now(self, device: Device) -> None:
        """A retiring device asked for anything but its final push or its status: it is
        retired now (and told to wipe, after sending what it still holds)."""
        with writer(self.engine) as conn:
            retire(conn, device.id)

    def rotate_token(self, device: Device) -> TokenResponse:
        return tokens.rotate(self.engine, device.id,
                             presented_previous=device.presented_previous)

    def info(self, device: Device) -> DeviceInfo:
        with reader(self.engine) as conn:
            head = head_seq(conn)
        # a signed-in device is active or retiring (signed_in refused the others)
        return DeviceInfo(device_id=device.id, device_name=device.name, user=device.user_name,
                          team=device.team_name, role=wire_role(device.role),
                          status=device.status,  # type: ignore[arg-type]
                          head_seq=head)
