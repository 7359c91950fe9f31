"""Laptops for sync tests: real encrypted workspaces (cheap KDF) connected to a real hub."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from cse_desktop.domain.models import Owner, Person, Role
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.sync import engine

PASSPHRASE = "correct horse battery staple 42"


def new_workspace(folder: Path, name: str = "Sam Tester", team: str = "North Team") -> Workspace:
    ws, _ = Workspace.create(folder, PASSPHRASE, Owner(name=name, role=Role.PRACTITIONER,
                                                       team=team),
                             kdf=KdfParams.insecure_for_tests())
    return ws


def enrolled(folder: Path, hub_server, user: str, *,  # type: ignore[no-untyped-def]
             transport: httpx.BaseTransport | None = None) -> Workspace:
    """A new workspace for ``user`` (who must exist on the hub), enrolled with the hub."""
    code, _ = hub_server.hub.new_enrolment_code(user)
    ws = new_workspace(folder, name=user)
    engine.connect(ws, hub_server.url, code, device_name=folder.name, transport=transport)
    return ws


def person(given: str = "Jordan", family: str = "Example", **extra: object) -> Person:
    return Person(given_name=given, family_name=family, dob=date(2010, 5, 17), **extra)


def records(ws: Workspace) -> dict[str, dict]:
    """Every synced record (drafts excluded) as {id: content, plus 'deleted'}."""
    found: dict[str, dict] = {}
    for kind in ("person", "episode", "submission", "action", "association"):
        for r in ws.repository_for(kind).list(include_deleted=True):
            if kind == "submission" and not r.is_final:
                continue
            found[r.id] = {**r.content(), "deleted": r.deleted}
    return found
