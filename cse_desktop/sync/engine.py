"""Sync a workspace with its hub: connect once, then push, pull and fetch conflicts.

The order is fixed: push everything waiting (batches of up to 500 changes), then pull pages
until the hub says ``done``, then refresh the list of open conflicts. Any step may fail (the
network drops, the hub restarts); because the outbox row goes only when the hub's answer is
stored, and a pulled page is stored together with its cursor, running sync again always picks
up where the last run stopped, with nothing lost and nothing applied twice.

The push reads the outbox page by page from where the last batch stopped (never from the
start again). The pull skips this laptop's own changes that the hub accepted as they were sent
(``SyncState.apply_page``): the laptop holds them already.

When the hub says this laptop was revoked (or retired, after its final push), the workspace is
crypto-shredded and :class:`DeviceWiped` says why.

The hub decides the workspace owner's role (practitioner or manager): enrolment gives it, and
every pull page repeats it, so a promotion or a demotion on the hub reaches the laptop at its
next sync.
"""

from __future__ import annotations

import platform
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from cse_desktop.domain.errors import DeviceWiped, HubRefused, SyncCancelled, UsageError
from cse_desktop.domain.models import Role
from cse_desktop.store.syncstate import HubLink, Outgoing
from cse_desktop.store.workspace import Workspace
from cse_desktop.sync.client import HubClient, check_url
from cse_desktop.sync.protocol import MAX_BATCH, MAX_PAGE, AuditAnchor, Change, PushRequest

SIGN_IN_EXPIRED = ("This laptop's sign-in to the hub has expired (it had not synced for a long "
                 "time). Nothing on it is lost: ask your hub administrator for a new "
                 "enrolment code and connect again (Connect to hub, or 'cse-desktop hub "
                 "connect'); your changes are sent at the next sync.")
#: progress(phase, done, total): phase is "push", "pull" or "conflicts"; total 0 if unknown
Progress = Callable[[str, int, int], None]


@dataclass
class SyncSummary:
    pushed: int = 0
    merged: int = 0
    conflicted: int = 0
    rejected: int = 0
    received: int = 0
    applied: int = 0
    skipped: int = 0
    #: records removed from this laptop: their child was allocated to another worker
    removed: int = 0
    #: this laptop's own changes the pull brought back as they were sent (not applied again)
    own: int = 0
    drafts_kept: int = 0
    open_conflicts: int = 0
    #: the owner's new role, when the hub changed it since the last sync ("" otherwise)
    role: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        """One plain summary line; "received" counts changes that altered this laptop's copy
        (this laptop's own changes coming back from the hub are not counted)."""
        parts = [f"sent {self.pushed}"]
        if self.merged:
            parts.append(f"{self.merged} merged with other changes")
        if self.conflicted:
            parts.append(f"{self.conflicted} in conflict (both values kept)")
        if self.rejected:
            parts.append(f"{self.rejected} refused by the hub (see conflicts)")
        parts.append(f"received {self.applied}")
        if self.skipped:
            parts.append(f"{self.skipped} not applied")
        if self.removed:
            parts.append(f"{self.removed} removed (no longer in your caseload)")
        parts.append(f"{self.open_conflicts} open conflict{'s' * (self.open_conflicts != 1)}")
        if self.drafts_kept:
            parts.append(f"{self.drafts_kept} draft form{'s' * (self.drafts_kept != 1)} kept "
                         "on this laptop")
        if self.role:
            parts.append(f"the hub now records you as a {self.role}")
        return "sync ok: " + ", ".join(parts) + f" ({self.seconds:.1f} s)"


def connect(ws: Workspace, url: str, code: str, *, ca_file: Path | str | None = None,
            device_name: str | None = None,
            transport: httpx.BaseTransport | None = None) -> HubLink:
    """Enrol this laptop with a hub using a one-time code, and keep the credential."""
    url = check_url(url)
    code = code.strip()
    if not 8 <= len(code) <= 64:
        raise UsageError("An enrolment code looks like XXXX-XXXX-XXXX-XXXX; check it and "
                         "try again.")
    previous = ws.sync.link()
    if previous is not None and not (previous.token == "" and previous.url == url):
        raise UsageError("This workspace is already connected to a hub.")
    ca_pem = ""
    if ca_file:
        try:
            ca_pem = Path(ca_file).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"Cannot read the CA file {str(ca_file)!r}.") from None
    name = (device_name or platform.node() or "laptop")[:100]
    with HubClient(url, ca_pem=ca_pem, transport=transport) as client:
        enrolled = client.enrol(code, name)
    if previous is not None and (enrolled.user, enrolled.team) != (previous.user,
                                                                   previous.team):
        raise UsageError(f"That enrolment code is for {enrolled.user} ({enrolled.team}), but "
                         f"this workspace is {previous.user}'s ({previous.team}). Ask your hub "
                         f"administrator for a code for {previous.user}.")
    link = HubLink(url=url, device_id=enrolled.device_id, device_name=name,
                   token=enrolled.token, user=enrolled.user, team=enrolled.team, ca_pem=ca_pem,
                   connected_at=datetime.now(UTC).isoformat())
    ws.sync.set_link(link)
    # the hub is the authority on who this laptop's user is: their name (an approval is made
    # in it, and the hub checks it), team and role
    owner = ws.owner.model_copy(update={"name": enrolled.user, "team": enrolled.team,
                                        "role": Role(enrolled.role)})
    if owner != ws.owner:
        ws.set_owner(owner)
    return link


def _take_role(ws: Workspace, role: str) -> bool:
    """Make the workspace owner's role the one the hub records; True when it changed."""
    hub_role = Role(role)
    if ws.owner.role is hub_role:
        return False
    ws.set_owner(ws.owner.model_copy(update={"role": hub_role}))
    return True


def client_for(ws: Workspace, transport: httpx.BaseTransport | None = None) -> HubClient:
    link = ws.sync.link()
    if link is None:
        raise UsageError("This workspace is not connected to a hub yet: connect it first "
                         "(cse-desktop hub connect).")
    if not link.token:
        raise HubRefused(SIGN_IN_EXPIRED, code="token_expired", status=401)
    return HubClient(link.url, token=link.token, ca_pem=link.ca_pem, transport=transport)


def sync(ws: Workspace, *, transport: httpx.BaseTransport | None = None,
         progress: Progress | None = None, cancel: threading.Event | None = None,
         batch: int = MAX_BATCH, page: int = MAX_PAGE) -> SyncSummary:
    started = time.perf_counter()
    summary = SyncSummary()
    report = progress or (lambda phase, done, total: None)

    def check_cancel() -> None:
        if cancel is not None and cancel.is_set():
            raise SyncCancelled("Sync was cancelled. What was already sent or received is "
                                "kept; the rest goes at the next sync.")

    with client_for(ws, transport) as client:
        try:
            total = ws.sync.pending_count()
            report("push", 0, total)
            after = 0
            while True:
                check_cancel()
                outgoing = ws.sync.outgoing(batch, after)
                if not outgoing:
                    break
                after = outgoing[-1].position
                head_seq, head_hash = ws.audit.head()
                links = [AuditAnchor(seq=s, hash=h) for s, h in ws.audit.push_links()]
                ws.audit.note_pushed(head_seq)
                request = PushRequest(changes=_changes(outgoing), audit_links=links,
                                      audit_head=AuditAnchor(seq=head_seq, hash=head_hash))
                answer = client.push(request)
                results = [r.model_dump(mode="json") for r in answer.results]
                ws.sync.acknowledge(outgoing, results)
                _take_hub_copy(ws, client, outgoing, results)
                for r in answer.results:
                    summary.pushed += 1
                    summary.merged += r.status == "merged"
                    summary.conflicted += r.status == "conflict"
                    summary.rejected += r.status == "rejected"
                report("push", summary.pushed, max(total, summary.pushed))
            cursor = ws.sync.cursor()
            report("pull", 0, 0)
            while True:
                check_cancel()
                answer_page = client.pull(cursor, page)
                outcome = ws.sync.apply_page(
                    [c.model_dump(mode="json") for c in answer_page.changes], answer_page.next,
                    answer_page.evict)
                summary.received += outcome.received
                summary.applied += outcome.applied
                summary.skipped += outcome.skipped
                summary.removed += outcome.removed
                summary.own += outcome.own
                cursor = answer_page.next
                report("pull", summary.received, 0)
                if answer_page.done:
                    break
            if _take_role(ws, answer_page.role):
                summary.role = answer_page.role
            check_cancel()
            if summary.pushed or summary.received or ws.sync.last_sync() is None:
                report("conflicts", 0, 0)
                ws.sync.set_conflicts([c.model_dump(mode="json")
                                       for c in client.conflicts().conflicts])
            if client.rotation_due:
                _rotate(ws, client)
        except HubRefused as exc:
            _wipe_if_told(ws, client, exc)
            raise
    summary.open_conflicts = ws.sync.conflict_count()
    summary.drafts_kept = ws.sync.held_back()
    summary.seconds = time.perf_counter() - started
    ws.sync.record_sync(asdict(summary))
    return summary


def resolve(ws: Workspace, issue_id: str, value: Any, *,
            transport: httpx.BaseTransport | None = None) -> int:
    """Send a person's choice for a conflict to the hub; the next pull brings the new value."""
    with client_for(ws, transport) as client:
        try:
            seq = client.resolve(issue_id, value).seq
        except HubRefused as exc:
            _wipe_if_told(ws, client, exc)
            if exc.code != "conflict_resolved":
                raise
            seq = 0  # someone else chose first; their value arrives with the next pull
    ws.sync.settled(issue_id)
    return seq


def _changes(outgoing: list[Outgoing]) -> list[Change]:
    return [Change.model_validate(o.change) for o in outgoing]


def _take_hub_copy(ws: Workspace, client: HubClient, sent: list[Outgoing],
                   results: list[dict[str, Any]]) -> None:
    """After the hub refused a change to a record it holds, this laptop takes the hub's copy
    (the laptop's values stay readable in the refused-change issue), so the two never
    silently disagree."""
    for item, result in zip(sent, results, strict=True):
        if result["status"] != "rejected" or item.change["op"] == "create":
            continue
        try:
            copy = client.record(item.change["record_kind"], item.change["record_id"])
        except HubRefused as exc:
            if exc.code == "not_found":
                continue  # not the hub's (any more): the laptop keeps its copy
            raise
        ws.sync.apply_page([copy.model_dump(mode="json")], ws.sync.cursor(), pulled=False)


def _rotate(ws: Workspace, client: HubClient) -> None:
    """Take the new token the hub gives. If its answer is lost, or this laptop stops before
    keeping it, the old token still works (until the new one is used) and the next sync
    rotates again."""
    ws.sync.set_token(client.rotate_token().token)


def _wipe_if_told(ws: Workspace, client: HubClient, exc: HubRefused) -> None:
    """Revoked: wipe now. Retired: send what is left first, then wipe. Expired sign-in: keep
    everything, and say how to connect again."""
    if exc.code == "token_expired":
        ws.sync.set_token("")
        raise HubRefused(SIGN_IN_EXPIRED, code="token_expired", status=exc.status) from None
    if exc.code == "device_retired":
        _final_push(ws, client)
    if exc.code in ("device_revoked", "device_retired"):
        _wipe(ws, exc.code)


def _final_push(ws: Workspace, client: HubClient) -> None:
    """A retired laptop sends anything changed since its last push before it wipes itself.

    If the hub cannot be reached now, the error propagates and the workspace is kept: the
    wipe happens at a later sync, once nothing is left to send.
    """
    after = 0
    while outgoing := ws.sync.outgoing(MAX_BATCH, after):
        answer = client.push(PushRequest(changes=_changes(outgoing)))
        ws.sync.acknowledge(outgoing, [r.model_dump(mode="json") for r in answer.results])
        after = outgoing[-1].position


def _wipe(ws: Workspace, code: str) -> None:
    drafts = ws.sync.held_back()
    ws.shred()
    how = "revoked" if code == "device_revoked" else "retired"
    lost = (f" {drafts} unfinished draft form{'s' * (drafts != 1)} went with it."
            if drafts else "")
    raise DeviceWiped(f"The hub administrator {how} this laptop, so its workspace has been "
                      f"wiped: the key file and the database are destroyed and cannot be "
                      f"recovered.{lost} Ask your team manager if this is unexpected.")
