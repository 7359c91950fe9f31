"""Repositories: typed access to each record kind, hanging off the Workspace.

Every write goes through here and, in one transaction, changes the record, appends its audit
event and adds its outbox row.  Records are soft-deleted (tombstones).  A final submission is
immutable: the repository raises, and a trigger in the database refuses it as well.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import ValidationError

from cse_desktop.domain.errors import ImmutableRecord, NotFound, StaleRecord, ValidationFailed
from cse_desktop.domain.ids import RecordId, is_record_id
from cse_desktop.domain.models import (
    Action,
    Association,
    AuditAction,
    Episode,
    Person,
    Record,
    Submission,
    SubmissionStatus,
)

if TYPE_CHECKING:
    from cse_desktop.store.workspace import Workspace

R = TypeVar("R", bound=Record)

_BOOKKEEPING = set(Record.BOOKKEEPING)
#: each row as one JSON object (and its ``deleted`` flag): the bookkeeping columns spliced in
#: front of the record's own fields (stored as a JSON object in ``data``), written by SQLite so
#: that pydantic parses and validates the row in one pass
_SELECT = ("""SELECT '{"id":' || json_quote(id) || ',"version":' || version"""
           """ || ',"server_seq":' || ifnull(server_seq, 'null')"""
           """ || ',"deleted":' || iif(deleted, 'true', 'false')"""
           """ || ',"created_at":' || json_quote(created_at)"""
           """ || ',"updated_at":' || json_quote(updated_at)"""
           """ || ',"created_by":' || json_quote(created_by)"""
           """ || iif(trim(substr(data, 2)) = '}', '}', ',' || substr(data, 2)), deleted"""
           " FROM records")


def _when(at: datetime | None) -> datetime:
    """When a write happened: now, or an earlier instant the caller knows (never later)."""
    now = datetime.now(UTC)
    if at is None:
        return now
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    if at > now:
        raise ValidationFailed("A record cannot be stored as made in the future.")
    return at.astimezone(UTC)


def plain_errors(exc: ValidationError) -> str:
    """A pydantic error as one plain-English line: 'field: message; field: message'."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "record"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


class Repository(Generic[R]):
    model: type[R]

    def __init__(self, ws: Workspace, model: type[R]) -> None:
        self._ws = ws
        self.model = model
        self.kind = model.kind

    # -- reading -------------------------------------------------------------------------

    def _from_row(self, row: tuple) -> R:
        return self.model.model_validate_json(row[0])

    def get(self, record_id: str, *, include_deleted: bool = False) -> R:
        if not is_record_id(record_id):
            raise NotFound(f"There is no {self.kind} with id {record_id!r}.")
        row = self._ws.db.execute(f"{_SELECT} WHERE id = ? AND kind = ?",
                                  (record_id, self.kind)).fetchone()
        if row is None or (row[1] and not include_deleted):
            raise NotFound(f"There is no {self.kind} with id {record_id}.")
        return self._from_row(row)

    def list(self, *, person_id: str | None = None,
             include_deleted: bool = False) -> builtins.list[R]:
        sql = f"{_SELECT} WHERE kind = ?"
        args: list[Any] = [self.kind]
        if person_id is not None:
            sql += " AND person_id = ?"
            args.append(person_id)
        if not include_deleted:
            sql += " AND deleted = 0"
        return [self._from_row(r) for r in self._ws.db.execute(sql + " ORDER BY rowid", args)]

    def count(self, *, include_deleted: bool = False) -> int:
        sql = "SELECT count(*) FROM records WHERE kind = ?"
        if not include_deleted:
            sql += " AND deleted = 0"
        return int(self._ws.db.execute(sql, (self.kind,)).scalar())

    # -- writing -------------------------------------------------------------------------

    def _validated(self, record: R, *, check: bool = True) -> tuple[R, str]:
        """Re-validate the whole record (``model_copy`` bypasses validation) and encode its own
        fields once: the JSON stored in the record row (and, on create, in the outbox)."""
        try:
            fresh = self.model.model_validate(dict(record.__dict__))
        except ValidationError as exc:
            raise ValidationFailed(f"The {self.kind} was not saved: {plain_errors(exc)}") from None
        if check:
            self._check_for_write(fresh)
        return fresh, fresh.model_dump_json(exclude=_BOOKKEEPING)

    def _check_for_write(self, record: R) -> None:
        """Rules that apply to new input only (not to records already stored)."""

    def _check_many(self, records: Sequence[R]) -> None:
        for record in records:
            self._check_for_write(record)

    def _search_text(self, record: R) -> str:
        return ""

    def add(self, record: R, *, at: datetime | None = None) -> R:
        """Store a new record (version 1), with its audit event and outbox row."""
        return self.add_many([record], at=at)[0]

    def add_many(self, records: Sequence[R], *,
                 at: datetime | None = None) -> builtins.list[R]:
        """Store new records in one step: all of them, or (on any error) none.

        The same as calling :meth:`add` for each, but the rows go to the engine in batches,
        which is what imports, sync and the demo need.  ``at``: when the records were made,
        if earlier than now (the meeting that agreed an action, the demo's invented history);
        never later than now.
        """
        for record in records:
            if not isinstance(record, self.model):
                raise TypeError(f"expected {self.model.__name__}")
        if not records:
            return []
        with self._ws.transaction():
            checked = [self._validated(r, check=False) for r in records]
            self._check_many([r for r, _ in checked])
            now = _when(at)
            when, actor = now.isoformat(), self._ws.actor
            stamp = {"version": 1, "created_at": now, "updated_at": now, "created_by": actor,
                     "server_seq": None, "deleted": False}
            stored = [r.model_copy(update=stamp) for r, _ in checked]
            try:
                self._ws.db.executemany(
                    "INSERT INTO records (id, kind, person_id, version, server_seq, deleted, "
                    "created_at, updated_at, created_by, data, search_text) "
                    "VALUES (?, ?, ?, 1, NULL, 0, ?, ?, ?, ?, ?)",
                    [(r.id, self.kind, getattr(r, "person_id", None), when, when, actor, data,
                      self._search_text(r)) for r, (_, data) in zip(stored, checked,
                                                                     strict=True)])
            except self._ws.IntegrityError:
                which = f"id {records[0].id}" if len(records) == 1 else "one of these ids"
                raise ValidationFailed(f"A record with {which} already exists.") from None
            self._ws.audit.append_many(AuditAction.CREATE, self.kind, [r.id for r in stored],
                                       at=now)
            self._ws.outbox.add_encoded_many(
                [(self.kind, r.id, "create", 1, 0, None, data)
                 for r, (_, data) in zip(stored, checked, strict=True)], at=now)
        return stored

    def update(self, record: R, *, audit_action: AuditAction = AuditAction.EDIT,
               at: datetime | None = None) -> R:
        """Save changes to a record read earlier. Raises StaleRecord if it changed meanwhile.
        ``at``: when the change was made, as for :meth:`add_many`."""
        with self._ws.transaction():
            record, data = self._validated(record)
            current = self.get(record.id)
            self._refuse_if_immutable(current)
            if current.version != record.version:
                raise StaleRecord(f"This {self.kind} was changed elsewhere since it was opened. "
                                  "Reload it and make the change again.")
            old, new = current.content(), record.content()
            changed = {k: v for k, v in new.items() if old.get(k) != v}
            if not changed:
                return current
            now = _when(at)
            stored = record.model_copy(update={"version": current.version + 1, "updated_at": now,
                                               "created_at": current.created_at,
                                               "created_by": current.created_by,
                                               "server_seq": current.server_seq})
            self._ws.db.execute(
                "UPDATE records SET version = ?, updated_at = ?, data = ?, search_text = ?, "
                "person_id = ? WHERE id = ?",
                (stored.version, now.isoformat(), data, self._search_text(stored),
                 new.get("person_id"), stored.id))
            self._ws.audit.append(audit_action, self.kind, stored.id, at=now)
            self._ws.outbox.add(record_kind=self.kind, record_id=stored.id, op="update",
                                version=stored.version, base_version=current.version,
                                base_seq=current.server_seq, fields=changed)
        return stored

    def delete(self, record_id: str) -> R:
        """Soft delete: the record stays as a tombstone so the deletion can sync."""
        with self._ws.transaction():
            current = self.get(record_id)
            self._refuse_if_immutable(current)
            now = datetime.now(UTC)
            version = current.version + 1
            self._ws.db.execute(
                "UPDATE records SET version = ?, updated_at = ?, deleted = 1 WHERE id = ?",
                (version, now.isoformat(), record_id))
            self._ws.audit.append(AuditAction.DELETE, self.kind, record_id)
            self._ws.outbox.add(record_kind=self.kind, record_id=record_id, op="delete",
                                version=version, base_version=current.version,
                                base_seq=current.server_seq, fields={})
        return current.model_copy(update={"version": version, "updated_at": now, "deleted": True})

    def _refuse_if_immutable(self, current: R) -> None:
        """Overridden where some records may not change."""


class PersonRepository(Repository[Person]):
    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, Person)

    def _check_for_write(self, record: Person) -> None:
        today = date.today()
        if record.dob > today:
            raise ValidationFailed("The person was not saved: dob: the date of birth is in the "
                                   "future.")
        if record.dob.year < today.year - 30:
            raise ValidationFailed("The person was not saved: dob: the date of birth is more "
                                   "than 30 years ago; check the year.")

    def _search_text(self, record: Person) -> str:
        return record.search_text()

    def view(self, record_id: str) -> Person:
        """Open a person's record for a user: the view is audited."""
        with self._ws.transaction():
            person = self.get(record_id)
            self._ws.audit.append(AuditAction.VIEW, self.kind, person.id)
        return person

    def search(self, text: str, *, limit: int | None = None) -> builtins.list[Person]:
        """People whose name or also-known-as contains every word of ``text``."""
        words = [w for w in text.casefold().split() if w]
        sql = f"{_SELECT} WHERE kind = 'person' AND deleted = 0"
        args: list[Any] = []
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql += " AND search_text LIKE ? ESCAPE '\\'"
            args.append(f"%{escaped}%")
        sql += " ORDER BY json_extract(data, '$.family_name'), json_extract(data, '$.given_name')"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [self._from_row(r) for r in self._ws.db.execute(sql, args)]


class _PersonLinked(Repository[R]):
    """Records that belong to a person: the person must exist."""

    def _check_for_write(self, record: R) -> None:
        self._owner_of("person", record.person_id)  # type: ignore[attr-defined]

    def _check_many(self, records: Sequence[R]) -> None:
        if len(records) == 1:
            self._check_for_write(records[0])
            return
        wanted = {r.person_id for r in records}  # type: ignore[attr-defined]
        missing = wanted - set(self._live_owners("person", wanted))
        if missing:
            raise NotFound(f"There is no person with id {sorted(missing)[0]}.")
        episodes = {e for r in records if (e := getattr(r, "episode_id", None))}
        owners = self._live_owners("episode", episodes) if episodes else {}
        for record in records:  # the rest of each record's own checks, parents already known
            self._check_own(record, owners)

    def _check_own(self, record: R, episode_owners: dict[str, str | None] | None = None) -> None:
        """Checks beyond the person's existence (episode, amended submission)."""

    def _live_owners(self, kind: str, ids: set[str]) -> dict[str, str | None]:
        """{id: person_id} of the live records of ``kind`` among ``ids``."""
        found: dict[str, str | None] = {}
        listed = sorted(ids)
        for i in range(0, len(listed), 500):
            chunk = listed[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self._ws.db.execute(
                f"SELECT id, person_id FROM records WHERE kind = ? AND deleted = 0 "
                f"AND id IN ({marks})", (kind, *chunk)).fetchall())
        return found

    def _owner_of(self, kind: str, record_id: str) -> str | None:
        """The person a live record belongs to (NotFound if there is no such record)."""
        row = self._ws.db.execute(
            "SELECT person_id FROM records WHERE id = ? AND kind = ? AND deleted = 0",
            (record_id, kind)).fetchone()
        if row is None:
            raise NotFound(f"There is no {kind} with id {record_id}.")
        return row[0]

    def _check_episode(self, record: R,
                       episode_owners: dict[str, str | None] | None = None) -> None:
        episode_id = record.episode_id  # type: ignore[attr-defined]
        if episode_id is None:
            return
        if episode_owners is not None:
            if episode_id not in episode_owners:
                raise NotFound(f"There is no episode with id {episode_id}.")
            owner = episode_owners[episode_id]
        else:
            owner = self._owner_of("episode", episode_id)
        if owner != record.person_id:  # type: ignore[attr-defined]
            raise ValidationFailed(f"The {self.kind} was not saved: its missing episode "
                                   "belongs to a different person.")


class EpisodeRepository(_PersonLinked[Episode]):
    #: clocks differ a little between laptops; beyond this, a time "in the future" is a slip
    CLOCK_SLACK = timedelta(minutes=10)

    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, Episode)

    def _check_own(self, record: Episode,
                   episode_owners: dict[str, str | None] | None = None) -> None:
        latest = datetime.now(UTC) + self.CLOCK_SLACK
        if record.started_at > latest:
            raise ValidationFailed("The missing episode was not saved: the time the child went "
                                   "missing is in the future.")
        if record.returned_at is not None and record.returned_at > latest:
            raise ValidationFailed("The missing episode was not saved: the return time is in "
                                   "the future.")

    def _check_for_write(self, record: Episode) -> None:
        super()._check_for_write(record)
        self._check_own(record)


class ActionRepository(_PersonLinked[Action]):
    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, Action)


class AssociationRepository(_PersonLinked[Association]):
    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, Association)

    def _check_for_write(self, record: Association) -> None:
        super()._check_for_write(record)
        self._check_own(record)

    def _check_own(self, record: Association,
                   episode_owners: dict[str, str | None] | None = None) -> None:
        self._check_episode(record, episode_owners)


class SubmissionRepository(_PersonLinked[Submission]):
    def __init__(self, ws: Workspace) -> None:
        super().__init__(ws, Submission)

    def _check_for_write(self, record: Submission) -> None:
        super()._check_for_write(record)
        self._check_own(record)

    def _check_own(self, record: Submission,
                   episode_owners: dict[str, str | None] | None = None) -> None:
        self._check_episode(record, episode_owners)
        if record.amends is not None:
            original = self.get(record.amends)
            if not original.is_final:
                raise ValidationFailed("Only a final submission can be amended.")

    def _refuse_if_immutable(self, current: Submission) -> None:
        if current.is_final:
            raise ImmutableRecord("This submission is final and cannot be changed. Record the "
                                  "correction as an amendment instead.")

    def finalise(self, record_id: str, *, outcome: dict[str, Any] | None = None,
                 finalised_at: datetime | None = None) -> Submission:
        """Make a draft final (the form engine validates the answers before calling this).

        ``finalised_at`` is when the form was completed (default: now).
        """
        with self._ws.transaction():
            draft = self.get(record_id)
            self._refuse_if_immutable(draft)
            final = draft.model_copy(update={
                "status": SubmissionStatus.FINAL, "outcome": outcome,
                "finalised_at": finalised_at or datetime.now(UTC),
                "finalised_by": self._ws.actor})
            return self.update(final, audit_action=AuditAction.FINALISE)

    def amend(self, record_id: str) -> Submission:
        """A new draft that corrects a final submission, starting from its answers."""
        original = self.get(record_id)
        if not original.is_final:
            raise ValidationFailed("Only a final submission can be amended; edit the draft "
                                   "instead.")
        draft = Submission(form_id=original.form_id, form_version=original.form_version,
                           person_id=original.person_id, episode_id=original.episode_id,
                           answers=dict(original.answers), amends=RecordId(original.id))
        return self.add(draft)

    def drafts(self) -> builtins.list[Submission]:
        return [s for s in self.list() if not s.is_final]

