"""The hub's one repository layer: every read and write of records goes through here.

Team scoping lives here and nowhere else: a device sees and changes only the records of its
user's team (or, where the team chose it, only its user's own caseload). A record outside that
scope is answered exactly as a record that does not exist (``not_found``), so a device cannot
even learn that it exists.

Push applies a batch in one serialised transaction (see :mod:`cse_desktop.hub.db`). For an
update made on an older ``base_seq``, the hub merges field by field: a field no other device
touched since the base is applied; a field another device set to a different value keeps the
hub's value and records a hard conflict holding both values.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from cse_desktop.domain.errors import CseError
from cse_desktop.domain.models import RECORD_TYPES, Record, RiskLevel
from cse_desktop.hub import tables as t
from cse_desktop.hub.db import writer
from cse_desktop.sync.protocol import (
    APPROVAL_NOT_ALLOWED,
    PROTOCOL_VERSION,
    ROLES,
    Change,
    ChangeResult,
    Conflict,
    ConflictList,
    DeviceInfo,
    EnrolResponse,
    HubChange,
    HubConflict,
    HubRole,
    PullResponse,
    PushRequest,
    PushResponse,
)

_BOOKKEEPING = set(Record.BOOKKEEPING)
#: enrolment codes use Crockford's base32 (no I, L, O, U): easy to read out and type
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEFAULT_CODE_TTL = timedelta(hours=24)
#: a pull page stops growing once its records' content passes this size
PAGE_BYTES = 4 * 1024 * 1024
#: how long after it is told to wipe a retired laptop may still push its last changes
FINAL_PUSH_WINDOW = timedelta(hours=1)


class HubError(CseError):
    """An error a device or an administrator is told about (mapped to problem+json)."""

    status = 400
    code = "hub_error"
    title = "Bad request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


class NotFound(HubError):
    status, code, title = 404, "not_found", "Not found"


class Unauthenticated(HubError):
    status, code, title = 401, "unauthenticated", "Not signed in"


class EnrolmentRefused(HubError):
    status, code, title = 400, "enrolment_code_invalid", "Enrolment code not valid"


class CursorAhead(HubError):
    status, code, title = 409, "cursor_ahead", "Hub behind this laptop"


class AlreadyResolved(HubError):
    status, code, title = 409, "conflict_resolved", "Already resolved"


class AdminError(HubError):
    """A mistake in an admin command (unknown team, duplicate name...)."""

    code, title = "admin", "Admin command refused"
    exit_status = 2


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def normalise_code(code: str) -> str:
    """An enrolment code as typed (any case, dashes, spaces, O for 0...) in canonical form."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    status: str
    user_id: int
    user_name: str
    team_id: int
    team_name: str
    own_caseload_only: bool
    #: the user's role when the device signed in (a push re-reads it: see ``_may_approve``)
    role: str = "practitioner"


@dataclass
class _State:
    """A record as the hub holds it, while a push batch works on it."""

    kind: str
    team_id: int
    person_id: str
    owner_user_id: int
    allocated_worker: str
    version: int
    deleted: bool
    fields: dict[str, Any]
    seq: int
    created_by: str
    stored: bool  # already a row in `records` (else inserted at the end of the batch)


@dataclass
class _Batch:
    """Rows a push writes, gathered so each table gets one multi-row statement."""

    next_seq: int
    states: dict[str, _State | None] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    changes: list[dict[str, Any]] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    scope: list[dict[str, Any]] = field(default_factory=list)
    #: the pushing device's user (name, role) as the hub holds them now, read once per batch
    user: tuple[str, str] | None = None
    #: children whose level the hub holds after refusing an approval (person id -> (level,
    #: the refused approval's id)); None: released by an accepted screening or meeting record
    held: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    def reallocated(self, seq: int, state: _State, before: str) -> None:
        """Note who gains and who loses a child whose allocated worker changed."""
        if state.kind != "person" or before == state.allocated_worker:
            return
        for name, gained in ((before, False), (state.allocated_worker, True)):
            if name:
                self.scope.append({"seq": seq, "team_id": state.team_id,
                                   "person_id": state.person_id, "user_name": name,
                                   "gained": gained})


class Hub:
    """The hub's operations over one database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- administration ------------------------------------------------------------------

    def add_team(self, name: str, *, own_caseload_only: bool = False) -> int:
        name = " ".join(name.split())
        if not name:
            raise AdminError("A team needs a name.")
        with writer(self.engine) as conn:
            if conn.execute(sa.select(t.teams.c.id).where(t.teams.c.name == name)).first():
                raise AdminError(f"There is already a team called {name!r}.")
            team_id = conn.execute(t.teams.insert().values(
                name=name, own_caseload_only=own_caseload_only, created_at=_now())
            ).inserted_primary_key[0]
            self._audit(conn, "admin", "team_add", detail=name)
        return int(team_id)

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
            user_id = conn.execute(t.users.insert().values(
                name=name, team_id=team_id, role=role, created_at=_now())
            ).inserted_primary_key[0]
            self._audit(conn, "admin", "user_add", detail=f"{name} in {team} as {role}")
        return int(user_id)

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
                self._audit(conn, "admin", "user_role", detail=f"{name}: {before} -> {role}")
        return str(before)

    def users(self) -> list[dict[str, Any]]:
        """Every user with their team and role, by team then name."""
        query = (sa.select(t.users.c.name, t.teams.c.name.label("team"), t.users.c.role,
                           t.users.c.created_at)
                 .join(t.teams, t.teams.c.id == t.users.c.team_id)
                 .order_by(t.teams.c.name, t.users.c.name))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def new_enrolment_code(self, user: str, *, ttl: timedelta = DEFAULT_CODE_TTL) -> tuple[str,
                                                                                           str]:
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
                code_hash=_hash(raw), user_id=user_id, created_at=now.isoformat(),
                expires_at=expires))
            self._audit(conn, "admin", "enrolment_code", detail=user)
        return code, expires

    def devices(self) -> list[dict[str, Any]]:
        query = (sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.status,
                           t.devices.c.enrolled_at, t.devices.c.last_seen_at,
                           t.users.c.name.label("user"), t.teams.c.name.label("team"))
                 .join(t.users, t.users.c.id == t.devices.c.user_id)
                 .join(t.teams, t.teams.c.id == t.users.c.team_id)
                 .order_by(t.devices.c.enrolled_at))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

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
                status=status, status_changed_at=_now()))
            self._audit(conn, "admin", "device_" + status, record_id=device_id)

    # -- enrolment and authentication ----------------------------------------------------

    def enrol(self, code: str, device_name: str) -> EnrolResponse:
        now = datetime.now(UTC).isoformat()
        with writer(self.engine) as conn:
            row = conn.execute(
                sa.select(t.enrolment_codes.c.id, t.enrolment_codes.c.user_id,
                          t.enrolment_codes.c.expires_at, t.enrolment_codes.c.used_at)
                .where(t.enrolment_codes.c.code_hash == _hash(normalise_code(code)))).first()
            if row is None or row.used_at is not None or row.expires_at <= now:
                raise EnrolmentRefused(
                    "This enrolment code is not valid: it may be mistyped, already used or "
                    "expired. Ask your hub administrator for a new one.")
            device_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
            conn.execute(t.devices.insert().values(
                id=device_id, user_id=row.user_id, name=device_name, token_hash=_hash(token),
                status="active", enrolled_at=now, last_seen_at=now))
            conn.execute(t.enrolment_codes.update().where(t.enrolment_codes.c.id == row.id)
                         .values(used_at=now, device_id=device_id))
            self._audit(conn, device_id, "enrol", record_id=device_id)
            user, team, role = conn.execute(
                sa.select(t.users.c.name, t.teams.c.name, t.users.c.role)
                .join(t.teams, t.teams.c.id == t.users.c.team_id)
                .where(t.users.c.id == row.user_id)).one()
        return EnrolResponse(device_id=device_id, token=token, user=user, team=team,
                             role=_wire_role(role))

    def authenticate(self, token: str, *, final_push: bool = False) -> Device:
        """The device holding ``token``; revoked and retired devices are told to wipe.

        ``final_push``: for :data:`FINAL_PUSH_WINDOW` after it was told to wipe, a retired
        device may still push (what it changed after its last push must not be lost).
        """
        query = (sa.select(t.devices.c.id, t.devices.c.name, t.devices.c.status,
                           t.devices.c.status_changed_at,
                           t.users.c.id.label("user_id"), t.users.c.name.label("user_name"),
                           t.teams.c.id.label("team_id"), t.teams.c.name.label("team_name"),
                           t.teams.c.own_caseload_only, t.users.c.role)
                 .join(t.users, t.users.c.id == t.devices.c.user_id)
                 .join(t.teams, t.teams.c.id == t.users.c.team_id)
                 .where(t.devices.c.token_hash == _hash(token)))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise Unauthenticated("This device is not enrolled with the hub (unknown "
                                  "credential).")
        fields = dict(row._mapping)
        changed_at = fields.pop("status_changed_at")
        device = Device(**fields)
        if device.status == "retired" and final_push and changed_at is not None:
            final_push = datetime.now(UTC) - datetime.fromisoformat(changed_at) \
                < FINAL_PUSH_WINDOW
        if device.status == "revoked":
            raise Unauthenticated("This device was revoked by the hub administrator; its "
                                  "workspace must be wiped.", code="device_revoked")
        if device.status == "retired" and not final_push:
            raise Unauthenticated("This device was retired by the hub administrator; its "
                                  "workspace must be wiped.", code="device_retired")
        return device

    def record_auth_failure(self, reason: str) -> None:
        with writer(self.engine) as conn:
            self._audit(conn, "unknown", "auth_failed", detail=reason)

    def info(self, device: Device) -> DeviceInfo:
        with self.engine.connect() as conn:
            head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.changes.c.seq), 0)))
            head_seq = int(head.scalar() or 0)
        return DeviceInfo(device_id=device.id, device_name=device.name, user=device.user_name,
                          team=device.team_name, role=_wire_role(device.role),
                          status=device.status,  # type: ignore[arg-type]
                          head_seq=head_seq)

    # -- scope ---------------------------------------------------------------------------

    def _visible_people(self, device: Device) -> sa.Select:
        """The ids of the people this device may see (its own caseload only, where set)."""
        r = t.records
        query = sa.select(r.c.record_id).where(r.c.kind == "person",
                                               r.c.team_id == device.team_id)
        if device.own_caseload_only:
            query = query.where(sa.or_(r.c.owner_user_id == device.user_id,
                                       r.c.allocated_worker == device.user_name))
        return query

    def _visible(self, device: Device, state: _State | None, conn: sa.Connection,
                 batch: _Batch | None = None) -> bool:
        if state is None or state.team_id != device.team_id:
            return False
        if not device.own_caseload_only:
            return True
        if state.kind == "person":
            person: _State | None = state
        elif batch is not None:  # the person may be new in this very batch
            person = self._state(conn, batch, state.person_id)
        else:
            person = self._load(conn, state.person_id)
        return person is not None and (person.owner_user_id == device.user_id
                                       or person.allocated_worker == device.user_name)

    def _load(self, conn: sa.Connection, record_id: str) -> _State | None:
        row = conn.execute(sa.select(t.records).where(t.records.c.record_id == record_id)).first()
        return None if row is None else _state_of(row._mapping)

    def record(self, device: Device, kind: str, record_id: str) -> HubChange:
        """One record as the hub holds it now (``not_found`` outside the device's scope)."""
        if not _is_uuid(record_id):
            raise NotFound(f"There is no {kind} with that id.")
        with self.engine.connect() as conn:
            state = self._load(conn, record_id)
            if state is None or state.kind != kind or not self._visible(device, state, conn):
                raise NotFound(f"There is no {kind} with that id.")
        return HubChange(seq=state.seq, record_kind=kind, record_id=record_id,  # type: ignore
                         version=state.version, deleted=state.deleted, fields=state.fields,
                         created_by=state.created_by)

    # -- push ----------------------------------------------------------------------------

    def push(self, device: Device, request: PushRequest) -> PushResponse:
        # Work that needs no database runs before the write lock is taken, so the part of a
        # push that other devices wait for stays short: digests, and creates' validation.
        digests = [_hash(_dumps(c.model_dump(mode="json"))) for c in request.changes]
        created = {c.change_id: self._validated(RECORD_TYPES[c.record_kind], c.record_id,
                                                c.fields)
                   for c in request.changes
                   if c.op == "create" and not _BOOKKEEPING & c.fields.keys()}
        with writer(self.engine) as conn:
            head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.changes.c.seq), 0)))
            batch = _Batch(next_seq=int(head.scalar() or 0) + 1)
            ids = [c.change_id for c in request.changes]
            known = {row.change_id: row for row in conn.execute(
                sa.select(t.receipts).where(t.receipts.c.change_id.in_(ids)))}
            self._preload(conn, batch, request.changes, created)
            results = []
            for change, digest in zip(request.changes, digests, strict=True):
                first = known.get(change.change_id)
                if first is not None:
                    if first.device_id == device.id and first.payload_hash == digest:
                        results.append(ChangeResult.model_validate_json(first.result))
                    else:
                        results.append(ChangeResult(
                            change_id=change.change_id, status="rejected",
                            code="change_id_reused",
                            message="This change id was already used for a different change."))
                    continue
                result = self._apply(conn, device, change, batch,
                                     created.get(change.change_id))
                batch.receipts.append({"change_id": change.change_id, "device_id": device.id,
                                       "payload_hash": digest,
                                       "result": result.model_dump_json()})
                results.append(result)
            self._write_batch(conn, batch)
            if request.audit_head is not None:
                self._anchor(conn, device, request.audit_head.seq, request.audit_head.hash)
            conn.execute(t.devices.update().where(t.devices.c.id == device.id)
                         .values(last_seen_at=_now()))
        return PushResponse(results=results)

    def _preload(self, conn: sa.Connection, batch: _Batch, changes: list[Change],
                 created: dict[str, dict[str, Any] | str]) -> None:
        """Read every record the batch touches (and the people new records belong to) in one
        query rather than one per change."""
        wanted = {c.record_id for c in changes}
        wanted |= {str(content["person_id"]) for content in created.values()
                   if isinstance(content, dict) and content.get("person_id")}
        listed = sorted(wanted)
        for i in range(0, len(listed), 500):
            chunk = listed[i:i + 500]
            for row in conn.execute(sa.select(t.records).where(
                    t.records.c.record_id.in_(chunk))):
                batch.states[row.record_id] = _state_of(row._mapping)
            for rid in chunk:
                batch.states.setdefault(rid, None)

    def _state(self, conn: sa.Connection, batch: _Batch, record_id: str) -> _State | None:
        if record_id not in batch.states:
            batch.states[record_id] = self._load(conn, record_id)
        return batch.states[record_id]

    def _apply(self, conn: sa.Connection, device: Device, change: Change, batch: _Batch,
               precomputed: dict[str, Any] | str | None = None) -> ChangeResult:
        def rejected(code: str, message: str) -> ChangeResult:
            return ChangeResult(change_id=change.change_id, status="rejected", code=code,
                                message=message)

        kind, rid = change.record_kind, change.record_id
        model = RECORD_TYPES[kind]
        if _BOOKKEEPING & change.fields.keys():
            return rejected("invalid", "A change may not set the record's bookkeeping fields.")
        state = self._state(conn, batch, rid)
        visible = (self._visible(device, state, conn, batch) and state is not None
                   and state.kind == kind)
        conflicts: list[Conflict] = []
        if change.op == "create":
            if state is not None:
                return (rejected("exists", "A record with this id already exists.") if visible
                        else rejected("not_found", f"There is no {kind} with that id."))
            content = (precomputed if precomputed is not None
                       else self._validated(model, rid, change.fields))
            if isinstance(content, str):
                return rejected("invalid", content)
            if kind == "submission" and content.get("status") != "final":
                return rejected("draft", "Drafts stay on the laptop; only final forms sync.")
            if kind == "person":
                team_id, person_id, owner = device.team_id, rid, device.user_id
            else:
                person_id = content["person_id"]
                person = self._state(conn, batch, person_id)
                if (person is None or person.kind != "person"
                        or not self._visible(device, person, conn)):
                    return rejected("not_found", "There is no person with that id.")
                team_id, owner = person.team_id, person.owner_user_id
            if content.get("approval") is not None:
                refusal = self._may_approve(conn, device, batch, content["approval"],
                                            content.get("amends"))
                if refusal:
                    batch.audit.append({"at": _now(), "actor": device.id,
                                        "action": "approval_refused", "record_id": rid,
                                        "detail": refusal[:200]})
                    person = self._state(conn, batch, person_id)
                    if person is not None:  # the laptop lowered the level: hold it here
                        batch.held[person_id] = (
                            str(person.fields.get("risk_level", "not_assessed")), rid)
                    return rejected(APPROVAL_NOT_ALLOWED, refusal)
            if kind == "submission" and ((content.get("outcome") or {}).get("level")
                                         or (content.get("answers") or {}).get("agreed_level")):
                batch.held[person_id] = None  # a new level-setting record: the hold ends
            state = _State(kind=kind, team_id=team_id, person_id=person_id, owner_user_id=owner,
                           allocated_worker=str(content.get("allocated_worker", "")),
                           version=1, deleted=False, fields=content, seq=0,
                           created_by=device.user_name, stored=False)
            changed = sorted(content)
            status = "accepted"
        else:
            if not visible or state is None:
                return rejected("not_found", f"There is no {kind} with that id.")
            if kind == "submission":
                return rejected("immutable", "A final form never changes; record an amendment.")
            if kind == "person" and "risk_level" in change.fields:
                held = self._held_level(conn, batch, rid)
                if held is not None and _rank(change.fields["risk_level"]) < _rank(held):
                    return rejected(APPROVAL_NOT_ALLOWED, (
                        "This young person's risk level cannot go down: the lower level rests "
                        "on an approval the hub refused. The higher level stands until a team "
                        "manager approves the lower one."))
            base_seq = change.base_seq or 0
            if base_seq > state.seq:
                # a base the record never reached (a restored hub, or a lying client): merge
                # against the very beginning, so every other device's change is respected
                base_seq = 0
            touched = self._touched_by_others(conn, device, rid, base_seq, batch)
            merged = dict(state.fields)
            changed = []
            base: dict[str, Any] | None = None
            deleted = state.deleted
            if change.op == "delete":
                if touched and not state.deleted:
                    # deleted here while someone else was still working on it: keep it,
                    # and let a person decide
                    conflicts.append(Conflict(record_kind=kind, record_id=rid, field="deleted",
                                              base_value=False, hub_value=False,
                                              device_value=True))
                elif not state.deleted:
                    deleted = True
                    changed = ["deleted"]
            else:
                if "deleted" in touched and state.deleted:
                    # edited here while someone else deleted it: the edit is kept on the
                    # tombstone, and a person decides whether the record comes back
                    conflicts.append(Conflict(record_kind=kind, record_id=rid, field="deleted",
                                              base_value=False, hub_value=True,
                                              device_value=False))
                for name, value in change.fields.items():
                    if name in touched and state.fields.get(name) != value:
                        if base is None:
                            base = self._snapshot_at(conn, rid, base_seq)
                        conflicts.append(Conflict(
                            record_kind=kind, record_id=rid, field=name,
                            base_value=base.get(name), hub_value=state.fields.get(name),
                            device_value=value))
                    elif merged.get(name) != value:
                        merged[name] = value
                        changed.append(name)
                content = self._validated(model, rid, merged)
                if isinstance(content, str):
                    return rejected("invalid", content)
                merged = content
            if kind != "person" and merged.get("person_id") != state.person_id:
                # filed under the wrong child and corrected: the new child must be one this
                # device may see, in the same team
                target = self._state(conn, batch, str(merged.get("person_id")))
                if (target is None or target.kind != "person" or target.team_id != state.team_id
                        or not self._visible(device, target, conn, batch)):
                    return rejected("not_found", "There is no person with that id.")
                state.person_id, state.owner_user_id = str(merged["person_id"]), \
                    target.owner_user_id
            status = "conflict" if conflicts else ("merged" if touched else "accepted")
            state.fields, state.deleted, state.version = merged, deleted, state.version + 1
            if kind == "person":
                before = state.allocated_worker
                state.allocated_worker = str(merged.get("allocated_worker", ""))
                batch.reallocated(batch.next_seq, state, before)
        seq = batch.next_seq
        batch.next_seq += 1
        state.seq = seq
        batch.states[rid] = state
        batch.dirty.add(rid)
        now = _now()
        batch.changes.append({
            "seq": seq, "change_id": change.change_id, "device_id": device.id,
            "record_kind": kind, "record_id": rid, "team_id": state.team_id,
            "person_id": state.person_id, "version": state.version, "deleted": state.deleted,
            "changed": _dumps(changed), "snapshot": _dumps(state.fields), "at": now})
        for c in conflicts:
            batch.conflicts.append({
                "id": str(uuid.uuid4()), "record_kind": kind, "record_id": rid,
                "team_id": state.team_id, "person_id": state.person_id, "field": c.field,
                "base_value": _dumps(c.base_value), "hub_value": _dumps(c.hub_value),
                "device_value": _dumps(c.device_value), "device_id": device.id, "seq": seq,
                "created_at": now})
        batch.audit.append({"at": now, "actor": device.id, "action": change.op,
                            "record_id": rid, "detail": f"{kind} seq {seq} {status}"})
        return ChangeResult(change_id=change.change_id, status=status, seq=seq,
                            conflicts=conflicts)

    @staticmethod
    def _held_level(conn: sa.Connection, batch: _Batch, person_id: str) -> str | None:
        """The level the hub holds for a child after a refused approval, if any."""
        if person_id in batch.held:
            held = batch.held[person_id]
            return held[0] if held else None
        h = t.held_levels.c
        return conn.execute(sa.select(h.level).where(h.person_id == person_id)).scalar()

    @staticmethod
    def _may_approve(conn: sa.Connection, device: Device, batch: _Batch,
                     approval: dict[str, Any], amends: Any) -> str:
        """Why this device may not push this approval ("" when it may).

        Only a user the hub records as a manager *now* may approve, and only in their own
        name: the role is read again inside the push's transaction, so a manager demoted a
        moment ago can no longer approve, whatever their laptop still believes.
        """
        if batch.user is None:
            row = conn.execute(sa.select(t.users.c.name, t.users.c.role)
                               .where(t.users.c.id == device.user_id)).one()
            batch.user = (str(row.name), str(row.role))
        name, role = batch.user
        if role != "manager":
            return (f"Only a team manager can approve a lower risk level; the hub records "
                    f"{name} as a practitioner.")
        if not _same_name(str(approval.get("by", "")), name):
            return (f"An approval must be made in the approving manager's own name: this "
                    f"laptop belongs to {name}, but the approval is recorded as made by "
                    f"{approval.get('by', '')}.")[:480]
        if approval.get("role") != "manager":
            return ("The approval is not recorded as a manager's; approve it again from a "
                    "manager's workspace.")
        if not amends or approval.get("approves") != amends:
            return ("An approval must be recorded as the amendment of the screening it "
                    "approves; approve it again from the team manager page.")
        return ""

    @staticmethod
    def _validated(model: type[Record], rid: str, content: dict[str, Any]) -> dict[str, Any] | str:
        """The record's content as the desktop would store it, or a plain message."""
        try:
            record = model.model_validate({"id": rid, **content})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            return f"The {model.kind} is not valid: {where}: {first['msg']}"[:480]
        return record.content()

    def _touched_by_others(self, conn: sa.Connection, device: Device, record_id: str,
                           base_seq: int, batch: _Batch) -> set[str]:
        """Fields other devices changed on the record after ``base_seq``."""
        state = batch.states.get(record_id)
        if state is not None and state.seq <= base_seq:
            return set()
        touched: set[str] = set()
        c = t.changes.c
        for (changed,) in conn.execute(sa.select(c.changed).where(
                c.record_id == record_id, c.seq > base_seq, c.device_id != device.id)):
            touched.update(json.loads(changed))
        return touched

    def _snapshot_at(self, conn: sa.Connection, record_id: str, seq: int) -> dict[str, Any]:
        c = t.changes.c
        row = conn.execute(sa.select(c.snapshot).where(c.record_id == record_id, c.seq <= seq)
                           .order_by(c.seq.desc()).limit(1)).first()
        return json.loads(row[0]) if row else {}

    def _write_batch(self, conn: sa.Connection, batch: _Batch) -> None:
        inserts, updates = [], []
        for rid in batch.dirty:
            s = batch.states[rid]
            assert s is not None
            row = {"record_id": rid, "kind": s.kind, "team_id": s.team_id,
                   "person_id": s.person_id, "owner_user_id": s.owner_user_id,
                   "allocated_worker": s.allocated_worker, "version": s.version,
                   "deleted": s.deleted, "fields": _dumps(s.fields), "seq": s.seq,
                   "created_by": s.created_by}
            (updates if s.stored else inserts).append(row)
        if inserts:
            conn.execute(t.records.insert(), inserts)
        if updates:
            r = t.records.c
            conn.execute(
                t.records.update().where(r.record_id == sa.bindparam("b_id")).values(
                    allocated_worker=sa.bindparam("allocated_worker"),
                    version=sa.bindparam("version"), deleted=sa.bindparam("deleted"),
                    fields=sa.bindparam("fields"), seq=sa.bindparam("seq")),
                [{**u, "b_id": u["record_id"]} for u in updates])
        if batch.conflicts:
            # a newer conflict on the same field supersedes an older open one (one choice)
            latest = {(c["record_id"], c["field"]): c for c in batch.conflicts}
            batch.conflicts = list(latest.values())
            c = t.conflicts.c
            for record_id, name in latest:
                conn.execute(t.conflicts.update().where(
                    c.record_id == record_id, c.field == name, c.resolved_at.is_(None))
                    .values(resolved_at=_now(), resolved_by="superseded"))
        if batch.held:
            h = t.held_levels.c
            conn.execute(t.held_levels.delete().where(h.person_id.in_(list(batch.held))))
            now = _now()
            rows = [{"person_id": pid, "level": held[0], "submission_id": held[1],
                     "held_at": now} for pid, held in batch.held.items() if held]
            if rows:
                conn.execute(t.held_levels.insert(), rows)
        for table, rows in ((t.changes, batch.changes), (t.receipts, batch.receipts),
                            (t.conflicts, batch.conflicts), (t.audit, batch.audit),
                            (t.scope_events, batch.scope)):
            if rows:
                conn.execute(table.insert(), rows)

    def _anchor(self, conn: sa.Connection, device: Device, seq: int, digest: str) -> None:
        c = t.audit_anchors.c
        last = conn.execute(sa.select(c.audit_seq, c.hash).where(c.device_id == device.id)
                            .order_by(c.id.desc()).limit(1)).first()
        if last is not None and (last.audit_seq, last.hash) == (seq, digest):
            return
        if last is not None and seq <= last.audit_seq:
            self._audit(conn, device.id, "audit_chain_rewound",
                        detail=f"anchor went from {last.audit_seq} back to {seq}")
        conn.execute(t.audit_anchors.insert().values(device_id=device.id, audit_seq=seq,
                                                     hash=digest, at=_now()))

    # -- pull ----------------------------------------------------------------------------

    def pull(self, device: Device, since: int, limit: int) -> PullResponse:
        return PullResponse.model_validate_json(self.pull_json(device, since, limit))

    def pull_json(self, device: Device, since: int, limit: int) -> bytes:
        """A page of changes after ``since``, as the JSON of a :class:`PullResponse`."""
        if device.status == "retiring":
            # A retiring device has made its final push: from here on it is told to wipe.
            with writer(self.engine) as conn:
                conn.execute(t.devices.update().where(t.devices.c.id == device.id)
                             .values(status="retired", status_changed_at=_now()))
                self._audit(conn, device.id, "device_retired", record_id=device.id)
            raise Unauthenticated("This device was retired by the hub administrator; its "
                                  "workspace must be wiped.", code="device_retired")
        c = t.changes.c
        with self.engine.connect() as conn:
            head = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(c.seq), 0)))
                       .scalar() or 0)
            if since > head:
                raise CursorAhead(
                    "This laptop has seen changes the hub no longer has: the hub's database "
                    "was probably restored from a backup. Sync is paused so nothing is "
                    "overwritten; ask your hub administrator.")
            query = (sa.select(c.seq, c.record_kind, c.record_id, c.version, c.deleted,
                               c.snapshot, t.records.c.created_by)
                     .join(t.records, t.records.c.record_id == c.record_id)
                     .where(c.seq > since, c.seq <= head, c.team_id == device.team_id)
                     .order_by(c.seq).limit(limit))
            if device.own_caseload_only:
                query = query.where(c.person_id.in_(self._visible_people(device)))
            rows = conn.execute(query).all()
        done = len(rows) < limit
        size = 0
        for n, row in enumerate(rows):  # a page also stops at about PAGE_BYTES of content
            size += len(row.snapshot)
            if size > PAGE_BYTES and n:
                rows, done = rows[:n], False
                break
        nxt = head if done else rows[-1].seq
        extra: list[HubChange] = []
        evict: list[str] = []
        if device.own_caseload_only:
            extra, evict = self._scope_changes(device, since, nxt)
        # The snapshots are stored as JSON already: the page is assembled as text, not parsed
        # and encoded again (this is most of a pull's cost on a busy hub).
        items = [b'{"seq":%d,"record_kind":%s,"record_id":"%s","version":%d,"deleted":%s,'
                 b'"fields":%s,"created_by":%s}' % (
                     r.seq, _dumps(r.record_kind).encode(), r.record_id.encode(), r.version,
                     b"true" if r.deleted else b"false", r.snapshot.encode(),
                     _dumps(r.created_by).encode()) for r in rows]
        items += [h.model_dump_json().encode() for h in extra]
        return (b'{"protocol":%d,"changes":[%s],"next":%d,"done":%s,"evict":%s,"role":"%s"}' % (
            PROTOCOL_VERSION, b",".join(items), nxt, b"true" if done else b"false",
            _dumps(evict).encode(), _wire_role(device.role).encode()))

    def _scope_changes(self, device: Device, since: int,
                       upto: int) -> tuple[list[HubChange], list[str]]:
        """For a device that sees only its user's caseload: the whole current record of each
        child allocated to the user in (since, upto], and the children no longer theirs."""
        e, r = t.scope_events.c, t.records.c
        with self.engine.connect() as conn:
            events = conn.execute(sa.select(e.person_id, e.gained).where(
                e.team_id == device.team_id, e.user_name == device.user_name, e.seq > since,
                e.seq <= upto).order_by(e.seq)).all()
            if not events:
                return [], []
            visible = set(conn.execute(self._visible_people(device).where(
                r.record_id.in_({ev.person_id for ev in events}))).scalars())
            gained = sorted({ev.person_id for ev in events if ev.gained} & visible)
            lost = sorted({ev.person_id for ev in events if not ev.gained} - visible)
            rows = conn.execute(
                sa.select(r.seq, r.kind, r.record_id, r.version, r.deleted, r.fields,
                          r.created_by).where(r.person_id.in_(gained))
                .order_by((r.kind != "person"), r.seq)).all() if gained else []
        return [HubChange(seq=row.seq, record_kind=row.kind, record_id=row.record_id,
                          version=row.version, deleted=bool(row.deleted),
                          fields=json.loads(row.fields), created_by=row.created_by)
                for row in rows], lost

    # -- conflicts -----------------------------------------------------------------------

    def conflicts(self, device: Device) -> ConflictList:
        c = t.conflicts.c
        query = (sa.select(t.conflicts).where(c.team_id == device.team_id,
                                              c.resolved_at.is_(None)).order_by(c.seq))
        if device.own_caseload_only:
            query = query.where(c.person_id.in_(self._visible_people(device)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return ConflictList(conflicts=[HubConflict(
            id=r.id, record_kind=r.record_kind, record_id=r.record_id, field=r.field,
            base_value=json.loads(r.base_value), hub_value=json.loads(r.hub_value),
            device_value=json.loads(r.device_value), seq=r.seq, created_at=r.created_at)
            for r in rows])

    def resolve(self, device: Device, conflict_id: str, value: Any) -> int:
        """Write the value a person chose for a conflicted field; returns the change's seq."""
        if not _is_uuid(conflict_id):
            raise NotFound("There is no such conflict.")
        c = t.conflicts.c
        with writer(self.engine) as conn:
            row = conn.execute(sa.select(t.conflicts).where(c.id == conflict_id)).first()
            state = self._load(conn, row.record_id) if row is not None else None
            if row is None or state is None or not self._visible(device, state, conn):
                raise NotFound("There is no such conflict.")
            if row.resolved_at is not None:
                raise AlreadyResolved("Someone has already resolved this conflict.")
            if row.field == "deleted":
                if not isinstance(value, bool):
                    raise HubError("Choose whether the record stays deleted (true or false).",
                                   code="invalid")
                content, state.deleted = state.fields, value
            else:
                merged = {**state.fields, row.field: value}
                checked = self._validated(RECORD_TYPES[row.record_kind], row.record_id, merged)
                if isinstance(checked, str):
                    raise HubError(checked, code="invalid")
                content = checked
            head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.changes.c.seq), 0)))
            batch = _Batch(next_seq=int(head.scalar() or 0) + 1)
            seq = batch.next_seq
            state.fields, state.version, state.seq = content, state.version + 1, seq
            if row.record_kind == "person":
                before = state.allocated_worker
                state.allocated_worker = str(content.get("allocated_worker", ""))
                batch.reallocated(seq, state, before)
            batch.states[row.record_id] = state
            batch.dirty.add(row.record_id)
            now = _now()
            batch.changes.append({
                "seq": seq, "change_id": str(uuid.uuid4()), "device_id": device.id,
                "record_kind": row.record_kind, "record_id": row.record_id,
                "team_id": state.team_id, "person_id": state.person_id,
                "version": state.version, "deleted": state.deleted,
                "changed": _dumps([row.field]), "snapshot": _dumps(content), "at": now})
            batch.audit.append({"at": now, "actor": device.id, "action": "resolve",
                                "record_id": row.record_id,
                                "detail": f"conflict {conflict_id} field {row.field}"})
            self._write_batch(conn, batch)
            conn.execute(t.conflicts.update().where(c.id == conflict_id).values(
                resolved_at=now, resolved_by=device.id, resolution_seq=seq))
        return seq

    # -- audit ---------------------------------------------------------------------------

    def _audit(self, conn: sa.Connection, actor: str, action: str, *, record_id: str = "",
               detail: str = "") -> None:
        conn.execute(t.audit.insert().values(at=_now(), actor=actor, action=action,
                                             record_id=record_id, detail=detail))

    def audit_log(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(t.audit).order_by(t.audit.c.id))]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {name: int(conn.execute(sa.select(sa.func.count()).select_from(table))
                              .scalar() or 0)
                    for name, table in (("records", t.records), ("changes", t.changes),
                                        ("conflicts", t.conflicts))}


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AdminError(f"A role is {' or '.join(repr(r) for r in ROLES)}, not {role!r}.")


def _wire_role(role: str) -> HubRole:
    """A role as the laptops are told it: anything but 'manager' is a practitioner."""
    return "manager" if role == "manager" else "practitioner"


def _same_name(a: str, b: str) -> bool:
    """Whether two names are the same person's, as typed (case and spacing aside)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _rank(level: Any) -> int:
    """A risk level's rank (an unknown value ranks lowest)."""
    try:
        return RiskLevel(level).rank
    except ValueError:
        return -1


def _state_of(m: Any) -> _State:
    return _State(kind=m["kind"], team_id=m["team_id"], person_id=m["person_id"],
                  owner_user_id=m["owner_user_id"], allocated_worker=m["allocated_worker"],
                  version=m["version"], deleted=bool(m["deleted"]),
                  fields=json.loads(m["fields"]), seq=m["seq"], created_by=m["created_by"],
                  stored=True)
