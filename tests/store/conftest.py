"""Shared fixtures and helpers for the store tests.

Every workspace here is a real SQLCipher file on disk. Only fictional data is used. The key
derivation is the cheap test setting (``KdfParams.insecure_for_tests()``) everywhere except the
one test that checks the production defaults.

A session-scoped *template* workspace is created once, locked, and copied for each test
(``shutil.copytree``), so a test costs a file copy rather than a workspace creation.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cse_desktop.domain.models import (
    Action,
    Association,
    AssociationKind,
    Episode,
    Owner,
    Person,
    Submission,
)
from cse_desktop.store import KdfParams, Workspace

PASSPHRASE = "fictional test passphrase 1"
NEW_PASSPHRASE = "another fictional passphrase 2"
WRONG_PASSPHRASE = "not the right passphrase 3"
OWNER = Owner(name="Test Worker", role="practitioner", team="Test Team")
KDF = KdfParams.insecure_for_tests()

RECORD_KINDS = ("person", "episode", "submission", "action", "association")


# -- record factories (fictional data only) ------------------------------------------------


def make_person(**fields: object) -> Person:
    values: dict[str, object] = {
        "given_name": "Ashlyn",
        "family_name": "Testwood",
        "dob": date.today() - timedelta(days=14 * 365),
        "school": "Imaginary Vale School",
        "postcode": "ZZ99 1AB",
    }
    values.update(fields)
    return Person(**values)


def make_episode(person_id: str, **fields: object) -> Episode:
    values: dict[str, object] = {
        "person_id": person_id,
        "police_reference": "TEST-0001",
        "started_at": datetime(2024, 5, 1, 21, 0, tzinfo=UTC),
        "returned_at": datetime(2024, 5, 2, 9, 30, tzinfo=UTC),
        "where_found": "Bus station (fictional)",
    }
    values.update(fields)
    return Episode(**values)


def make_submission(person_id: str, **fields: object) -> Submission:
    values: dict[str, object] = {
        "form_id": "return-home-interview",
        "form_version": 1,
        "person_id": person_id,
        "answers": {"childs_account": "A fictional account for the tests."},
    }
    values.update(fields)
    return Submission(**values)


def make_action(person_id: str, **fields: object) -> Action:
    values: dict[str, object] = {
        "person_id": person_id,
        "text": "Safety plan review (fictional)",
        "owner": "J. Test-Worker",
        "agency": "Children's social care",
        "due": date(2024, 6, 1),
    }
    values.update(fields)
    return Action(**values)


def make_association(person_id: str, **fields: object) -> Association:
    values: dict[str, object] = {
        "person_id": person_id,
        "association_kind": AssociationKind.PLACE,
        "description": "Car park behind the fictional retail park",
        "details": "Seen there twice (fictional).",
        "area": "Northfold",
    }
    values.update(fields)
    return Association(**values)


_GIVEN = ["Bram", "Corin", "Elowen", "Fenn", "Gwyn", "Jory", "Lark", "Marlo", "Nyah", "Wren"]
_FAMILY = ["Ambervale", "Coldharbour", "Dunmore", "Greythorn", "Kingsmead", "Rookwood"]


def fill(ws: Workspace, people: int = 30) -> None:
    """A small fictional caseload: every kind of record, some edits, finals and deletions."""
    with ws.transaction():
        for i in range(people):
            person = ws.people.add(make_person(
                given_name=_GIVEN[i % len(_GIVEN)], family_name=_FAMILY[i % len(_FAMILY)],
                also_known_as=[f"Alias{i}"] if i % 3 == 0 else []))
            episode = ws.episodes.add(make_episode(person.id, police_reference=f"TEST-{i:04d}"))
            sub = ws.submissions.add(make_submission(person.id, episode_id=episode.id))
            if i % 2 == 0:
                ws.submissions.finalise(sub.id)
            ws.actions.add(make_action(person.id, text=f"Fictional action number {i}"))
            ws.associations.add(make_association(person.id, description=f"Fictional place {i}"))
            if i % 4 == 0:
                ws.people.update(person.model_copy(update={"school": "Demo Hill College"}))
            if i % 7 == 0:
                ws.actions.delete(ws.actions.list(person_id=person.id)[0].id)


# -- files ------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def read_everything(ws: Workspace) -> int:
    """Read every record of every kind (tombstones too), the audit log and the outbox."""
    n = 0
    for kind in RECORD_KINDS:
        n += len(ws.repository_for(kind).list(include_deleted=True))
    n += len(ws.audit.events())
    n += len(ws.outbox.pending())
    return n


def counts(ws: Workspace) -> dict[str, int]:
    """Records per kind (tombstones included), audit rows and outbox rows."""
    found = {kind: ws.repository_for(kind).count(include_deleted=True) for kind in RECORD_KINDS}
    found["audit"] = ws.audit.count()
    found["outbox"] = ws.outbox.count()
    return found


def create_workspace(folder: Path, passphrase: str = PASSPHRASE, **kwargs: object,
                     ) -> tuple[Workspace, str]:
    kwargs.setdefault("kdf", KDF)
    return Workspace.create(folder, passphrase, OWNER, **kwargs)  # type: ignore[arg-type]


# -- templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    folder: Path
    passphrase: str
    recovery_code: str
    workspace_id: str


def _template(folder: Path, people: int) -> Template:
    ws, recovery = create_workspace(folder)
    if people:
        fill(ws, people)
    workspace_id = ws.workspace_id
    ws.lock()
    return Template(folder, PASSPHRASE, recovery, workspace_id)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """An empty workspace, locked (no WAL), to be copied, never opened in place."""
    return _template(tmp_path_factory.mktemp("template") / "ws", people=0)


@pytest.fixture(scope="session")
def populated_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A workspace holding a fictional caseload, locked, to be copied."""
    return _template(tmp_path_factory.mktemp("populated") / "ws", people=30)


def copy_template(template: Template, target: Path) -> Path:
    shutil.copytree(template.folder, target)
    return target


@pytest.fixture
def ws_folder(template: Template, tmp_path: Path) -> Path:
    return copy_template(template, tmp_path / "ws")


@pytest.fixture
def ws(ws_folder: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(ws_folder, PASSPHRASE)
    yield workspace
    workspace.lock()


@pytest.fixture
def populated_folder(populated_template: Template, tmp_path: Path) -> Path:
    return copy_template(populated_template, tmp_path / "populated")


@pytest.fixture
def populated_ws(populated_folder: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(populated_folder, PASSPHRASE)
    yield workspace
    workspace.lock()
