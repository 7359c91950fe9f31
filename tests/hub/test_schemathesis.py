"""An outside OpenAPI fuzzer finds the hub exactly as its published contract says.

schemathesis (its own command line, as an auditor would run it) reads ``/openapi.json`` from
the real hub on 127.0.0.1 (SQLite and PostgreSQL; the hub started with the document on, as
``cse-hub serve --openapi``), then sends generated requests, valid and invalid, with a device
token: every answer must be documented (status, content type, headers, schema), invalid data
refused, no 5xx, authentication never ignored.

One check is left out: ``positive_data_acceptance`` says any request the schema allows should
succeed, but part of the protocol's rules cannot be written in JSON Schema (a change moves a
record on by exactly one version; a change_id appears once per batch; no NaN, lone
surrogates or deep nesting in a record; an enrolment code must be one the hub issued). Those
requests are refused with a documented 4xx, which the other checks hold to the contract.

The run is bounded (``--max-examples``, a fixed seed) to keep the suite quick; an operator can
run it longer the same way (see the operator guide, "Checking the API").
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.hubserver import HubServer

pytestmark = pytest.mark.slow

EXAMPLES = 25


def _push(server: HubServer, token: str, change: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(f"{server.url}/v1/sync/push", json={"changes": [change]}, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["results"][0])


def _conflicted_person(server: HubServer, alex: str, blake: str) -> tuple[str, str]:
    """A person on the hub, and an open conflict on their given name: real ids for the
    routes that read one (else every generated id is a 404 and their 200 goes unchecked)."""
    person_id = str(uuid.uuid4())
    fields = {"given_name": "Jordan", "family_name": "Example", "dob": "2010-05-17"}
    change = {"record_kind": "person", "record_id": person_id, "op": "create", "version": 1,
              "base_version": 0, "fields": fields}
    _push(server, alex, {**change, "change_id": str(uuid.uuid4())})
    update = {**change, "op": "update", "version": 2, "base_version": 1, "base_seq": 1}
    _push(server, alex, {**update, "change_id": str(uuid.uuid4()),
                         "fields": {"given_name": "Jo"}})
    result = _push(server, blake, {**update, "change_id": str(uuid.uuid4()),
                                   "fields": {"given_name": "Jordy"}})
    assert result["status"] == "conflict", result
    (conflict,) = _open_conflicts(server, blake)
    return person_id, conflict


def _open_conflicts(server: HubServer, token: str) -> list[str]:
    resp = httpx.get(f"{server.url}/v1/conflicts", timeout=30,
                     headers={"Authorization": f"Bearer {token}"})
    return [c["id"] for c in resp.json()["conflicts"]]


@pytest.fixture
def open_hub(db_url: str) -> Iterator[tuple[HubServer, str, str, str]]:
    with HubServer(db_url, openapi=True, enrol_limit=10**6, auth_failure_limit=10**6) as server:
        server.hub.add_team("North Team")
        tokens = []
        for user in ("Alex North", "Blake North"):
            server.hub.add_user(user, team="North Team")
            code, _ = server.hub.new_enrolment_code(user)
            tokens.append(server.hub.enrol(code, "laptop").token)
        person_id, conflict_id = _conflicted_person(server, *tokens)
        yield server, tokens[0], person_id, conflict_id


def test_schemathesis_finds_no_failures(open_hub: tuple[HubServer, str, str, str],
                                        tmp_path: Path) -> None:
    server, token, person_id, conflict_id = open_hub
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'''[[operations]]
include-path = "/v1/records/{{kind}}/{{record_id}}"
parameters = {{ kind = "person", record_id = "{person_id}" }}

[[operations]]
include-path = "/v1/conflicts/{{conflict_id}}/resolve"
parameters = {{ conflict_id = "{conflict_id}" }}
''')
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [str(st), "--no-color", "--config-file", str(config), "run",
         f"{server.url}/openapi.json", "--checks", "all",
         "--exclude-checks", "positive_data_acceptance",
         "--header", f"Authorization: Bearer {token}",
         "--max-examples", str(EXAMPLES), "--seed", "15", "--workers", "1",
         "--request-timeout", "30"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    out = run.stdout
    assert run.returncode == 0, out[-8000:] + run.stderr[-2000:]
    # it really ran: every operation, a few hundred requests, and all of them passed
    assert "Tested: 9" in out, out[-3000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", out)
    assert counts and counts[1] == counts[2] and int(counts[1]) >= 300, out[-3000:]
    assert "Missing test data" not in out, out[-3000:]
