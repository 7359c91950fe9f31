"""Administration of the hub's people: teams, users and their roles, enrolment codes.

These are what ``cse-hub team``, ``cse-hub user`` and ``cse-hub enrol-code`` do. Every change
is audited as "admin". Devices (enrolled with the codes made here) are in
:mod:`cse_desktop.hub.devices`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import audit
from cse_desktop.hub.db import writer
from cse_desktop.hub.errors import AdminError
from cse_desktop.sync.protocol import ROLES

#: enrolment codes use Crockford's base32 (no I, L, O, U): easy to read out and type
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_CODE_TTL = timedelta(hours=24)


def normalise_code(code: str) -> str:
    """An enrolment code as typed (any case, dashes, spaces, O for 0...) in canonical form."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AdminError(f"A role is {' or '.join(repr(r) for r in ROLES)}, not {role!r}.")


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    """The id the database gave the row just inserted."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class AdminOps:
    """Teams, users, roles and enrolment codes."""

    engine: sa.Engine

    def add_team(self, name: str, *, own_caseload_only: bool = False) -> int:
        name = " ".join(name.split())
        if not name:
            raise AdminError("A team needs a name.")
        with writer(self.engine) as conn:
            if conn.execute(sa.select(t.teams.c.id).where(t.teams.c.name == name)).first():
                raise AdminError(f"There is already a team called {name!r}.")
            team_id = _inserted_id(conn.execute(t.teams.insert().values(
                name=name, own_caseload_only=own_caseload_only, created_at=t.now())))
            audit(conn, "admin", "team_add", detail=name)
        return team_id

    def add_user(self, name: str, *, team: str, role: str = "practitioner") -> int:
        """A user in ``team``; a practitioner unless ``role`` says manager (least privilege)."""
        name = " ".join(name.split())
        if not name:
            raise AdminError("A user needs a name.")
        _check_role(role)
        with writer(self.engine) as conn:
            team_id = conn.execute(sa.select(t.teams.c.id).where(t.teams.c.name == team)).scalar()
            if team_id is None:
                raise AdminError(f"There is no team called {team!r}. Add it first with "
                                 "'cse-hub team add'.")
            if conn.execute(sa.select(t.users.c.id).where(t.users.c.name == name)).first():
                raise AdminError(f"There is already a user called {name!r}.")
            user_id = _inserted_id(conn.execute(t.users.insert().values(
                name=name, team_id=team_id, role=role, created_at=t.now())))
            audit(conn, "admin", "user_add", detail=f"{name} in {team} as {role}")
        return user_id

    def set_user_role(self, name: str, role: str) -> str:
        """Make ``name`` a practitioner or a manager; returns the role they had before.

        Their laptops take the new role at their next sync, and from now on the hub accepts
        (or refuses) their approvals by it.
        """
        _check_role(role)
        name = " ".join(name.split())
        with writer(self.engine) as conn:
            before = conn.execute(sa.select(t.users.c.role)
                                  .where(t.users.c.name == name)).scalar()
            if before is None:
                raise AdminError(f"There is no user called {name!r}; 'cse-hub user list' "
                                 "lists them.")
            if before != role:
                conn.execute(t.users.update().where(t.users.c.name == name)
                             .values(role=role))
                audit(conn, "admin", "user_role", detail=f"{name}: {before} -> {role}")
        return str(before)

    def users(self) -> list[dict[str, Any]]:
        """Every user with their team and role, by team then name."""
        query = (sa.select(t.users.c.name, t.teams.c.name.label("team"), t.users.c.role,
                           t.users.c.created_at)
                 .join(t.teams, t.teams.c.id == t.users.c.team_id)
                 .order_by(t.teams.c.name, t.users.c.name))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def new_enrolment_code(self, user: str, *,
                           ttl: timedelta = DEFAULT_CODE_TTL) -> tuple[str, str]:
        """A one-time code that enrols one device for ``user``; returns (code, expires at)."""
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
        code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
        now = datetime.now(UTC)
        expires = (now + ttl).isoformat()
        with writer(self.engine) as conn:
            user_id = conn.execute(sa.select(t.users.c.id).where(t.users.c.name == user)).scalar()
            if user_id is None:
                raise AdminError(f"There is no user called {user!r}. Add them first with "
                                 "'cse-hub user add'.")
            conn.execute(t.enrolment_codes.insert().values(
                code_hash=t.digest(raw), user_id=user_id, created_at=now.isoformat(),
                expires_at=expires))
            audit(conn, "admin", "enrolment_code", detail=user)
        return code, expires
