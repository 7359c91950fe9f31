"""The heads of the laptops' audit chains, and whether each new one follows on from the last.

At every push a laptop reports the end of its audit chain (``audit_head``); the hub keeps every
head it is shown (``audit_anchors``, written by :func:`cse_desktop.hub.audit.anchor`, which also
notes a chain that goes backwards).  A chain cut and then written on *past* its old end goes
forwards, so the head alone cannot show it.  So the push also carries ``audit_links``: for each
head the laptop pushed before, the hash its chain holds *today* at that event number.  The hub
compares them with the heads it stored:

* a link whose hash differs from the head stored at that number: the history was rewritten;
* a chain that moved past the last stored head without a link to it, from a laptop that has
  sent links before: it cannot be matched (restored from an older copy, or rewritten).

**Recorded, not refused.** Either finding is written to the hub's audit log
(``audit_chain_rewritten`` / ``audit_chain_unmatched``, with a plain sentence) and the push is
accepted: refusing it would keep a worker's safeguarding records from the team while proving
nothing more, and the stored heads remain as the evidence.  The laptop's own chain says what
happened locally (``cse-desktop check``).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from cse_desktop.hub import tables as t
from cse_desktop.hub.audit import anchor, entry
from cse_desktop.sync.protocol import AuditAnchor

log = logging.getLogger(__name__)

REWRITTEN = "audit_chain_rewritten"
UNMATCHED = "audit_chain_unmatched"


def finding(conn: sa.Connection, device_id: str, head: AuditAnchor,
            links: list[AuditAnchor]) -> tuple[str, str] | None:
    """(action, plain sentence) when ``head`` does not follow on from the heads stored for the
    device; None when it does, or when there is nothing to compare yet."""
    c = t.audit_anchors.c
    latest = conn.execute(sa.select(c.audit_seq, c.hash, c.at)
                          .where(c.device_id == device_id)
                          .order_by(c.id.desc()).limit(1)).first()
    if latest is None:
        return None  # the first head this hub sees from the laptop
    sent = {link.seq: link.hash for link in links}
    stored: dict[int, tuple[set[str], str]] = {}
    if sent:
        for seq, digest, at in conn.execute(
                sa.select(c.audit_seq, c.hash, c.at)
                .where(c.device_id == device_id, c.audit_seq.in_(list(sent)))
                .order_by(c.id)):
            stored.setdefault(int(seq), (set(), str(at)))[0].add(str(digest))
    for seq in sorted(stored, reverse=True):
        hashes, at = stored[seq]
        if sent[seq] not in hashes:
            return REWRITTEN, (f"The laptop's audit log no longer holds event {seq} as it "
                               f"reported it on {at[:16]} UTC: its history was rewritten.")
    if head.seq > latest.audit_seq and sent.get(latest.audit_seq) != latest.hash:
        if not sent and not _has_linked(conn, device_id):
            return None  # a laptop that never sent links (an older version): nothing to match
        return UNMATCHED, (f"The laptop's audit log could not be matched to the end it "
                           f"reported last (event {latest.audit_seq}): it was restored from "
                           "an older copy or rewritten.")
    return None


def _has_linked(conn: sa.Connection, device_id: str) -> bool:
    c = t.audit_anchors.c
    return conn.execute(sa.select(c.id).where(c.device_id == device_id, c.linked.is_(True))
                        .limit(1)).first() is not None


def receive(conn: sa.Connection, device_id: str, head: AuditAnchor,
            links: list[AuditAnchor], entries: list[dict[str, Any]]) -> None:
    """Check a pushed head against the stored ones, then keep it; a finding goes into
    ``entries``, the audit entries the caller writes last."""
    found = finding(conn, device_id, head, links)
    if found is not None:
        action, sentence = found
        log.warning("device %s: %s", device_id, action)
        entries.append(entry(device_id, action, detail=sentence))
    anchor(conn, device_id, head.seq, head.hash, entries)
    if links:
        c = t.audit_anchors.c
        last = (sa.select(c.id).where(c.device_id == device_id).order_by(c.id.desc())
                .limit(1).scalar_subquery())
        conn.execute(t.audit_anchors.update().where(c.id == last).values(linked=True))
