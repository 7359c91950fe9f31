"""The sync path: push (a laptop's changes in), pull (the team's changes out), one record.

Push applies the pushes waiting at the same moment in one transaction, a group commit
(:mod:`cse_desktop.hub.commit`), as if each were committed alone in turn: every accepted
change gets the next ``seq`` (:class:`~cse_desktop.hub.db.Seqs`). For each change this
module decides what needs the database (is the record there and in the device's scope, may
this user approve, is the child's level held, which fields did others change since the
change's base) and leaves the field-by-field decision to :func:`cse_desktop.hub.merge.merge`.
The rows are gathered in a :class:`~cse_desktop.hub.records.Batch` and written together at
the end.

Pull pages through the change log in ``seq`` order; a device that sees only its user's
caseload also gets the whole record of each child newly allocated to the user, and is told
to forget the children no longer theirs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from cse_desktop.domain.ids import RecordKind, is_record_id
from cse_desktop.domain.models import RiskLevel
from cse_desktop.hub import audit_heads, records
from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import entry
from cse_desktop.hub.commit import GroupCommit, Job
from cse_desktop.hub.db import PullBounds, Seqs, one_of, reader, writer
from cse_desktop.hub.devices import RETIRED, Device, retire, wire_role
from cse_desktop.hub.errors import CursorAhead, NotFound, Unauthenticated
from cse_desktop.hub.merge import BOOKKEEPING, Outcome, Stored, merge
from cse_desktop.hub.pages import read_page
from cse_desktop.hub.records import Batch, RecordState
from cse_desktop.sync.protocol import (
    APPROVAL_NOT_ALLOWED,
    PROTOCOL_VERSION,
    Change,
    ChangeResult,
    HubChange,
    PullResponse,
    PushRequest,
    PushResponse,
    applied_json,
)
from cse_desktop.sync.protocol import RecordKind as WireKind


@dataclass(frozen=True)
class PreparedPush:
    """A push as it waits for its group: what was worked out before it queued."""

    device: Device
    request: PushRequest
    digests: list[str]
    created: dict[str, Outcome]


def _rejected(change: Change, code: str, message: str) -> ChangeResult:
    return ChangeResult(change_id=change.change_id, status="rejected", code=code,
                        message=message)


def change_digest(change: Change) -> str:
    """The SHA-256 of the change's canonical JSON (sorted keys, compact): what a receipt keeps
    to tell a replay of the change from a different change under the same id.

    For a change read from JSON, the same text as ``t.dumps(change.model_dump(mode="json"))``,
    written around the fields' canonical text made when the change was checked (every pushed
    change is digested): its other fields are numbers, canonical UUIDs and words of the
    protocol, with nothing to escape. A change without that text (never checked, its fields
    replaced, or holding values JSON text cannot) is dumped the long way."""
    fields = change.fields_json()
    if not fields:
        return t.digest(t.dumps(change.model_dump(mode="json")))
    base_seq = "null" if change.base_seq is None else f"{change.base_seq:d}"
    return t.digest(
        f'{{"base_seq":{base_seq},"base_version":{change.base_version:d},'
        f'"change_id":"{change.change_id}","fields":{fields},"op":"{change.op}",'
        f'"record_id":"{change.record_id}","record_kind":"{change.record_kind}",'
        f'"version":{change.version:d}}}')


class ChangeOps:
    """Push, pull and reading one record."""

    engine: sa.Engine

    # -- push ----------------------------------------------------------------------------

    def push(self, device: Device, request: PushRequest) -> PushResponse:
        """Apply a device's push in the next group commit, waiting in this thread."""
        push = self.prepare_push(device, request)
        answers = self.committer.submit(len(request.changes), push)
        return PushResponse(results=[ChangeResult.model_validate_json(a) for a in answers])

    async def commit_push(self, push: PreparedPush) -> bytes:
        """As :meth:`push`, from the event loop, for a push prepared already
        (:meth:`prepare_push`, in a request thread): the wait for the group holds no thread.
        The answer is the JSON of its :class:`PushResponse`, made of the results' JSON as the
        group wrote them (for its receipts)."""
        return PushResponse.json_of(await self.committer.submit_async(
            len(push.request.changes), push))

    def prepare_push(self, device: Device, request: PushRequest) -> PreparedPush:
        """The work a push needs no database for, done before it queues for its group:
        digests, and creates' outcomes (a create's depends on nothing the hub holds)."""
        digests = [change_digest(c) for c in request.changes]
        created = {c.change_id: merge(None, c, frozenset(), {}) for c in request.changes
                   if c.op == "create" and BOOKKEEPING.isdisjoint(c.fields)}
        return PreparedPush(device, request, digests, created)

    @cached_property
    def committer(self) -> GroupCommit:
        """This hub's group commit queue (one per process)."""
        return GroupCommit(self._apply_group)

    @cached_property
    def bounds(self) -> PullBounds:
        """The bounds this hub's pulls read, shared by the pulls of one moment."""
        return PullBounds()

    def _apply_group(self, jobs: Sequence[Job]) -> None:
        """Apply the pushes of a group in order, in one transaction, as if each had been
        committed alone before the next; each job's result is its list of answers, each the
        JSON of a :class:`ChangeResult` (as its receipt keeps it)."""
        pushes: list[PreparedPush] = [job.payload for job in jobs]
        with writer(self.engine, serialised=False) as conn:
            # one time for the group: its changes are committed together, in one transaction
            now = t.now()
            batch = Batch(seqs=Seqs(conn, sum(len(p.request.changes) for p in pushes)))
            ids = [c.change_id for p in pushes for c in p.request.changes]
            known: dict[str, tuple[str, str, str]] = {}
            r = t.receipts.c
            for among in one_of(conn, r.change_id, ids):
                known.update((row.change_id, (row.device_id, row.payload_hash, row.result))
                             for row in conn.execute(sa.select(
                                 r.change_id, r.device_id, r.payload_hash, r.result)
                                 .where(among)))
            # the records the group touches, and the people new records belong to
            batch.preload(conn, [c.record_id for p in pushes for c in p.request.changes]
                          + [str(o.fields["person_id"]) for p in pushes
                             for o in p.created.values() if o.fields.get("person_id")])
            answers: list[list[str]] = []
            for push in pushes:
                device, results = push.device, []
                for change, digest in zip(push.request.changes, push.digests, strict=True):
                    first = known.get(change.change_id)
                    if first is not None:
                        if first[0] == device.id and first[1] == digest:
                            results.append(first[2])  # the first answer, as it was given
                        else:
                            results.append(_rejected(
                                change, "change_id_reused",
                                "This change id was already used for a different change."
                            ).model_dump_json())
                        continue
                    answer = self._apply(conn, device, change, batch,
                                         push.created.get(change.change_id), now)
                    batch.receipts.append({"change_id": change.change_id,
                                           "device_id": device.id, "payload_hash": digest,
                                           "result": answer})
                    known[change.change_id] = (device.id, digest, answer)
                    results.append(answer)
                answers.append(results)
            for push in pushes:
                head = push.request.audit_head
                if head is not None:
                    audit_heads.receive(conn, push.device.id, head, push.request.audit_links,
                                        batch.audit)
            d = t.devices.c
            for among in one_of(conn, d.id, sorted({p.device.id for p in pushes})):
                conn.execute(t.devices.update().where(among).values(last_seen_at=now))
            batch.write(conn)  # last: its audit entries hold the audit chain to the commit
        for job, results in zip(jobs, answers, strict=True):
            job.result = results

    def _apply(self, conn: sa.Connection, device: Device, change: Change, batch: Batch,
               created: Outcome | None, now: str) -> str:
        """Apply one change to the batch at time ``now``; the JSON of its
        :class:`ChangeResult`. ``created``: a create's outcome, decided already."""
        result = self._applied(conn, device, change, batch, created, now)
        return result if isinstance(result, str) else result.model_dump_json()

    def _applied(self, conn: sa.Connection, device: Device, change: Change, batch: Batch,
                 created: Outcome | None, now: str) -> ChangeResult | str:
        """:meth:`_apply`'s work: a refusal or a conflict as its model, else its JSON."""
        kind, rid = change.record_kind, change.record_id
        if not BOOKKEEPING.isdisjoint(change.fields):
            return _rejected(change, "invalid",
                             "A change may not set the record's bookkeeping fields.")
        state = batch.state(conn, rid)
        visible = (records.visible(device, state, conn, batch) and state is not None
                   and state.kind == kind)
        if change.op == "create":
            if state is not None:
                return (_rejected(change, "exists", "A record with this id already exists.")
                        if visible else
                        _rejected(change, "not_found", f"There is no {kind} with that id."))
            outcome = created if created is not None else merge(None, change, frozenset(), {})
            if outcome.refused:
                return _rejected(change, outcome.code, outcome.message)
            new = self._created(conn, device, change, batch, outcome.fields)
            if isinstance(new, ChangeResult):
                return new
            state = new
        else:
            if not visible or state is None:
                return _rejected(change, "not_found", f"There is no {kind} with that id.")
            if kind == RecordKind.PERSON and "risk_level" in change.fields:
                held = self._held_level(conn, batch, rid)
                if held is not None and _rank(change.fields["risk_level"]) < _rank(held):
                    return _rejected(change, APPROVAL_NOT_ALLOWED, (
                        "This young person's risk level cannot go down: the lower level rests "
                        "on an approval the hub refused. The higher level stands until a team "
                        "manager approves the lower one."))
            base_seq = change.base_seq or 0
            if base_seq > state.seq:
                # a base the record never reached (a restored hub, or a lying client): merge
                # against the very beginning, so every other device's change is respected
                base_seq = 0
            touched = self._touched_by_others(conn, device, rid, base_seq, batch)
            # the base is read only when the change sets a field someone else changed
            base = (self._content_at(conn, rid, base_seq)
                    if touched & change.fields.keys() else {})
            outcome = merge(Stored(state.fields, state.deleted), change, touched, base)
            if outcome.refused:
                return _rejected(change, outcome.code, outcome.message)
            if kind != RecordKind.PERSON and outcome.fields.get("person_id") != state.person_id:
                # filed under the wrong child and corrected: the new child must be one this
                # device may see, in the same team
                target = batch.state(conn, str(outcome.fields.get("person_id")))
                if (target is None or target.kind != RecordKind.PERSON
                        or target.team_id != state.team_id
                        or not records.visible(device, target, conn, batch)):
                    return _rejected(change, "not_found", "There is no person with that id.")
                state.person_id = str(outcome.fields["person_id"])
                state.owner_user_id = target.owner_user_id
            state.fields, state.deleted = outcome.fields, outcome.deleted
            state.version += 1
            if kind == RecordKind.PERSON:
                before = state.allocated_worker
                state.allocated_worker = str(state.fields.get("allocated_worker", ""))
                batch.reallocated(batch.seqs.peek(), state, before)
        # the validation's JSON of the fields, unless they were taken from the stored record
        text = outcome.text if state.fields is outcome.fields else ""
        seq = batch.add_change(change.change_id, device.id, rid, state, outcome.changed, now,
                               text)
        for c in outcome.conflicts:
            batch.conflicts.append({
                "id": str(uuid.uuid4()), "record_kind": kind, "record_id": rid,
                "team_id": state.team_id, "person_id": state.person_id, "field": c.field,
                "base_value": t.dumps(c.base_value), "hub_value": t.dumps(c.hub_value),
                "device_value": t.dumps(c.device_value), "device_id": device.id, "seq": seq,
                "created_at": now})
        batch.audit.append(entry(device.id, change.op, record_id=rid, at=now,
                                 detail=f"{kind} seq {seq} {outcome.status}"))
        status = outcome.status
        if not outcome.conflicts and (status == "accepted" or status == "merged"):
            return applied_json(change.change_id, status, seq)
        return ChangeResult(change_id=change.change_id, status=status, seq=seq,
                            conflicts=list(outcome.conflicts))

    def _created(self, conn: sa.Connection, device: Device, change: Change, batch: Batch,
                 content: dict[str, Any]) -> RecordState | ChangeResult:
        """The new record's state, or why it is refused: its person must be one this device
        may see, and an approval must be one its user may make."""
        kind, rid = change.record_kind, change.record_id
        if kind == RecordKind.PERSON:
            team_id, person_id, owner = device.team_id, rid, device.user_id
        else:
            person_id = content["person_id"]
            person = batch.state(conn, person_id)
            if (person is None or person.kind != RecordKind.PERSON
                    or not records.visible(device, person, conn)):
                return _rejected(change, "not_found", "There is no person with that id.")
            team_id, owner = person.team_id, person.owner_user_id
        if content.get("approval") is not None:
            refusal = self._may_approve(conn, device, batch, content["approval"],
                                        content.get("amends"))
            if refusal:
                batch.audit.append(entry(device.id, "approval_refused", record_id=rid,
                                         detail=refusal[:200]))
                person = batch.state(conn, person_id)
                if person is not None:  # the laptop lowered the level: hold it here
                    batch.held[person_id] = (
                        str(person.fields.get("risk_level", "not_assessed")), rid)
                return _rejected(change, APPROVAL_NOT_ALLOWED, refusal)
        if kind == RecordKind.SUBMISSION and (
                (content.get("outcome") or {}).get("level")
                or (content.get("answers") or {}).get("agreed_level")):
            batch.held[person_id] = None  # a new level-setting record: the hold ends
        return RecordState(kind=kind, team_id=team_id, person_id=person_id,
                           owner_user_id=owner,
                           allocated_worker=str(content.get("allocated_worker", "")),
                           version=1, deleted=False, fields=content, seq=0,
                           created_by=device.user_name, stored=False)

    @staticmethod
    def _held_level(conn: sa.Connection, batch: Batch, person_id: str) -> str | None:
        """The level the hub holds for a child after a refused approval, if any."""
        if person_id in batch.held:
            held = batch.held[person_id]
            return held[0] if held else None
        h = t.held_levels.c
        return conn.execute(sa.select(h.level).where(h.person_id == person_id)).scalar()

    @staticmethod
    def _may_approve(conn: sa.Connection, device: Device, batch: Batch,
                     approval: dict[str, Any], amends: Any) -> str:
        """Why this device may not push this approval ("" when it may).

        Only a user the hub records as a manager *now* may approve, and only in their own
        name: the role is read again inside the push's transaction, so a manager demoted a
        moment ago can no longer approve, whatever their laptop still believes.
        """
        if device.user_id not in batch.users:
            row = conn.execute(sa.select(t.users.c.name, t.users.c.role)
                               .where(t.users.c.id == device.user_id)).one()
            batch.users[device.user_id] = (str(row.name), str(row.role))
        name, role = batch.users[device.user_id]
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
    def _touched_by_others(conn: sa.Connection, device: Device, record_id: str,
                           base_seq: int, batch: Batch) -> set[str]:
        """Fields other devices changed on the record after ``base_seq`` (committed, or
        earlier in this batch)."""
        state = batch.states.get(record_id)
        if state is not None and state.seq <= base_seq:
            return set()
        touched = batch.touched_here(record_id, device.id, base_seq)
        c = t.changes.c
        for (changed,) in conn.execute(sa.select(c.changed).where(
                c.record_id == record_id, c.seq > base_seq, c.device_id != device.id)):
            touched.update(json.loads(changed))
        return touched

    @staticmethod
    def _content_at(conn: sa.Connection, record_id: str, seq: int) -> dict[str, Any]:
        """The record's content as it was at ``seq`` (``{}`` before it existed): the fields of
        its last change up to then, as the change log keeps them (in the pull item)."""
        c = t.changes.c
        row = conn.execute(sa.select(c.item).where(c.record_id == record_id, c.seq <= seq)
                           .order_by(c.seq.desc()).limit(1)).first()
        return json.loads(row[0])["fields"] if row else {}

    # -- pull ----------------------------------------------------------------------------

    def pull(self, device: Device, since: int, limit: int) -> PullResponse:
        return PullResponse.model_validate_json(self.pull_json(device, since, limit))

    def pull_json(self, device: Device, since: int, limit: int) -> bytes:
        """A page of changes after ``since``, as the JSON of a :class:`PullResponse`."""
        if device.status == "retiring":
            with writer(self.engine) as conn:
                retire(conn, device.id)
            raise Unauthenticated(RETIRED, code="device_retired")
        c = t.changes.c
        with reader(self.engine) as conn:
            head, safe = self.bounds.read(conn, since)
            if since > head:
                raise CursorAhead(
                    "This laptop has seen changes the hub no longer has: the hub's database "
                    "was probably restored from a backup. Sync is paused so nothing is "
                    "overwritten; ask your hub administrator.")
            where = sa.and_(c.seq > since, c.seq <= safe, c.team_id == device.team_id)
            if device.own_caseload_only:
                where = sa.and_(where, c.person_id.in_(records.visible_people(device)))
            page = read_page(conn, where, limit)
        # done: up to the safe mark (never back: a writer still in flight may hold it lower)
        nxt = max(since, safe) if page.done or page.last is None else page.last
        items = [page.items] if page.items else []
        extra: list[HubChange] = []
        evict: list[str] = []
        if device.own_caseload_only:
            extra, evict = self._scope_changes(device, since, nxt)
        items += [h.model_dump_json() for h in extra]
        return (b'{"protocol":%d,"changes":[%s],"next":%d,"done":%s,"evict":%s,"role":"%s"}' % (
            PROTOCOL_VERSION, ",".join(items).encode(), nxt,
            b"true" if page.done else b"false", t.dumps(evict).encode(),
            wire_role(device.role).encode()))

    def _scope_changes(self, device: Device, since: int,
                       upto: int) -> tuple[list[HubChange], list[str]]:
        """For a device that sees only its user's caseload: the whole current record of each
        child allocated to the user in (since, upto], and the children no longer theirs."""
        e, r = t.scope_events.c, t.records.c
        with reader(self.engine) as conn:
            events = conn.execute(sa.select(e.person_id, e.gained).where(
                e.team_id == device.team_id, e.user_name == device.user_name, e.seq > since,
                e.seq <= upto).order_by(e.seq)).all()
            if not events:
                return [], []
            visible = set(conn.execute(records.visible_people(device).where(
                r.record_id.in_({ev.person_id for ev in events}))).scalars())
            gained = sorted({ev.person_id for ev in events if ev.gained} & visible)
            lost = sorted({ev.person_id for ev in events if not ev.gained} - visible)
            rows = conn.execute(
                sa.select(r.seq, r.kind, r.record_id, r.version, r.deleted, r.fields,
                          r.created_by).where(r.person_id.in_(gained))
                .order_by((r.kind != RecordKind.PERSON), r.seq)).all() if gained else []
        return [HubChange(seq=row.seq, record_kind=row.kind, record_id=row.record_id,
                          version=row.version, deleted=bool(row.deleted),
                          fields=json.loads(row.fields), created_by=row.created_by)
                for row in rows], lost

    # -- one record ----------------------------------------------------------------------

    def record(self, device: Device, kind: WireKind, record_id: str) -> HubChange:
        """One record as the hub holds it now (``not_found`` outside the device's scope)."""
        if not is_record_id(record_id):
            raise NotFound(f"There is no {kind} with that id.")
        with reader(self.engine) as conn:
            state = records.load(conn, record_id)
            if (state is None or state.kind != kind
                    or not records.visible(device, state, conn)):
                raise NotFound(f"There is no {kind} with that id.")
        return HubChange(seq=state.seq, record_kind=kind, record_id=record_id,
                         version=state.version, deleted=state.deleted, fields=state.fields,
                         created_by=state.created_by)


def _same_name(a: str, b: str) -> bool:
    """Whether two names are the same person's, as typed (case and spacing aside)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _rank(level: Any) -> int:
    """A risk level's rank (an unknown value ranks lowest)."""
    try:
        return RiskLevel(level).rank
    except ValueError:
        return -1
