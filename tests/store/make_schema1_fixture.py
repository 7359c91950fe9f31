"""Make ``tests/store/fixtures/schema1/``: a workspace exactly as schema 1 left it.

Schema 1 is the first released schema (``0001_init.sql``): no ``search_text`` column yet, so
the repositories of today cannot write to it.  The records go in with the SQL the schema-1
code used, each with its audit event and outbox row in one transaction, as the first release
wrote them.  The workspace is then locked (no WAL is left).

Run it once from the repository root and commit the two files it makes::

    .venv/bin/python tests/store/make_schema1_fixture.py

``test_migrations.py`` copies the fixture to a temporary folder before opening it; the fixture
itself is never opened in place.  The passphrase is ``FIXTURE_PASSPHRASE`` below; the key file
uses the cheap test KDF.  Everything in it is fictional.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from cse_desktop.domain.models import (
    AuditAction,
    Episode,
    Owner,
    Person,
    Record,
    Submission,
    SubmissionStatus,
)
from cse_desktop.store import KdfParams, Workspace

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "schema1"
FIXTURE_PASSPHRASE = "schema one fixture passphrase"
FIXTURE_OWNER = Owner(name="Fixture Worker", role="practitioner", team="Fixture Team")

BRAM = "11111111-1111-4111-8111-111111111111"
ZOE = "22222222-2222-4222-8222-222222222222"
TAMSIN = "33333333-3333-4333-8333-333333333333"
EPISODE = "44444444-4444-4444-8444-444444444444"
FINAL = "55555555-5555-4555-8555-555555555555"


def fixture_records() -> list[Record]:
    """The fictional records in the fixture, in the order they were written."""
    return [
        Person(id=BRAM, given_name="Bram", family_name="Coldharbour",
               also_known_as=["Cricket", "B-Man"], dob=date(2011, 3, 14),
               school="Fictional Park Academy", postcode="ZZ99 3AB"),
        Person(id=ZOE, given_name="Zoë", family_name="Ångström-Lark", dob=date(2012, 7, 1)),
        Person(id=TAMSIN, given_name="Tamsin", family_name="Oakhollow", dob=date(2010, 11, 30),
               flags=["DEMO"]),
        Episode(id=EPISODE, person_id=BRAM, police_reference="FIXTURE-0001",
                started_at=datetime(2024, 6, 1, 22, 15, tzinfo=UTC),
                returned_at=datetime(2024, 6, 2, 7, 40, tzinfo=UTC),
                where_found="Bus station (fictional)"),
        Submission(id=FINAL, form_id="return-home-interview", form_version=1,
                   person_id=BRAM, episode_id=EPISODE,
                   answers={"childs_account": "A fictional account, final at schema 1."},
                   status=SubmissionStatus.FINAL,
                   finalised_at=datetime(2024, 6, 3, 10, 0, tzinfo=UTC),
                   finalised_by=FIXTURE_OWNER.name),
    ]


def add_schema1_record(ws: Workspace, record: Record) -> None:
    """Write ``record`` as the schema-1 code did: row, audit event and outbox row together."""
    assert ws.schema_version == 1
    content = record.content()
    now = datetime.now(UTC).isoformat()
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    with ws.transaction():
        ws.db.execute(
            "INSERT INTO records (id, kind, person_id, version, server_seq, deleted, created_at, "
            "updated_at, created_by, data) VALUES (?, ?, ?, 1, NULL, 0, ?, ?, ?, ?)",
            (record.id, record.kind, content.get("person_id"), now, now, ws.actor, data))
        ws.audit.append(AuditAction.CREATE, record.kind, record.id)
        ws.outbox.add(record_kind=record.kind, record_id=record.id, op="create", version=1,
                      base_version=0, base_seq=None, fields=content)


def make(folder: Path) -> None:
    ws, _ = Workspace.create(folder, FIXTURE_PASSPHRASE, FIXTURE_OWNER,
                             kdf=KdfParams.insecure_for_tests(), schema_version=1)
    try:
        for record in fixture_records():
            add_schema1_record(ws, record)
        assert ws.schema_version == 1
        assert ws.check().ok
    finally:
        ws.lock()
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["workspace.db", "workspace.key"], names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE_DIR
    make(target)
    print(f"made {target}")
