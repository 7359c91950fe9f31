"""Migration 0012: ``records.team_id`` has no foreign key (its lock on the team's row cost
concurrent pushes more than it guarded), and the downgrade puts it back. On SQLite and
PostgreSQL; all names are fictional."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import command

from cse_desktop.hub import db
from cse_desktop.hub.repository import Hub
from cse_desktop.sync.protocol import Change, PushRequest


def _keys(engine: sa.Engine) -> list[tuple[str | None, list[str], str]]:
    """The records table's foreign keys; and its index and primary key must survive SQLite's
    copy of the table either way."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("records")}
        assert indexes.get("records_by_team_person") == ["team_id", "person_id"], indexes
        assert inspector.get_pk_constraint("records")["constrained_columns"] == ["record_id"]
        return [(k["name"], k["constrained_columns"], k["referred_table"])
                for k in inspector.get_foreign_keys("records")]


def _migrate(engine: sa.Engine, revision: str, *, down: bool) -> None:
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _records(engine: sa.Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT record_id, team_id FROM records ORDER BY record_id"))]


def test_records_team_has_no_key_and_the_downgrade_restores_it(engine: sa.Engine) -> None:
    hub = Hub(engine)
    team = hub.add_team("North Team")
    hub.add_user("Alex North", team="North Team")
    code, _ = hub.new_enrolment_code("Alex North")
    device = hub.authenticate(hub.enrol(code, "laptop (fictional)").token)
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    answers = hub.push(device, PushRequest(changes=[
        Change(change_id=str(uuid.uuid4()), record_kind="person", record_id=rid, op="create",
               version=1, base_version=0,
               fields={"given_name": f"Ada {n}", "family_name": "Fictional-Example",
                       "dob": "2011-05-04", "team": "North Team"})
        for n, rid in enumerate(ids)])).results
    assert [a.status for a in answers] == ["accepted"] * 3
    assert _keys(engine) == []
    assert _records(engine) == [(rid, team) for rid in ids]

    _migrate(engine, "0011", down=True)
    keys = _keys(engine)
    assert [(cols, table) for _name, cols, table in keys] == [(["team_id"], "teams")]
    if engine.dialect.name == "postgresql":  # SQLite's key has no name of its own
        assert keys[0][0] == "records_team_id_fkey"
    assert _records(engine) == [(rid, team) for rid in ids]

    _migrate(engine, "head", down=False)
    assert _keys(engine) == []
    assert _records(engine) == [(rid, team) for rid in ids]
