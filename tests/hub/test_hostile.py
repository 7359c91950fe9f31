"""Hostile and malformed requests: a 4xx problem+json (never a 5xx), and nothing changes.

Everything goes over HTTP to the real hub (uvicorn in a thread, on SQLite and on PostgreSQL).
Requests are malformed (arbitrary JSON, mutated push batches, bad query strings, random paths,
wrong methods and content types, invalid UTF-8, absurd nesting, oversized bodies), unauthenticated
(absent or garbage credentials, then rate limited) or well-formed but hostile (bookkeeping fields,
invalid domain content, drafts, records that do not exist or belong to another team).

The contract checked everywhere:

* the answer is a 4xx with ``Content-Type: application/problem+json`` and a ``code`` matching
  ``^[a-z][a-z0-9_]{0,63}$`` - or, for a well-formed push, a 200 whose hostile changes are each
  ``rejected`` with such a code;
* nothing is written: records, changes, conflicts, devices and enrolment codes are the same
  before and after (see :func:`unchanged`).

A 5xx fails with ``HUB BUG (5xx)`` and the exact request, so the failure is its own reproduction.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from support.hubserver import HubServer

from cse_desktop.hub import tables as t
from cse_desktop.hub.app import create_app

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_BODY = 8 * 1024 * 1024
KINDS = ("person", "episode", "submission", "action", "association")
BOOKKEEPING = ("id", "created_at", "updated_at", "created_by", "version", "server_seq",
               "deleted")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------------------

#: characters a hostile client may send: any code point, plus NUL, lone surrogates (as JSON
#: ``\\ud800`` escapes), a BOM, a right-to-left override and an emoji
_chars = st.one_of(st.characters(),
                   st.sampled_from(["\x00", "\ud800", "\udfff", "\ufeff", "\u202e", "😀"]))
texts = st.text(_chars, max_size=20)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(),
    st.integers(min_value=-(2**256), max_value=2**256),
    st.floats(allow_nan=True, allow_infinity=True),
    texts)
#: arbitrary JSON values (NaN and +/-Infinity are sent as the bare tokens Python's json writes)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=20)
json_objects = st.dictionaries(texts, json_values, max_size=6)
#: text that can travel in a URL or a header (no lone surrogates: those cannot be encoded)
url_texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)


def encode(value: Any) -> bytes:
    """JSON as a hostile client might write it: NaN/Infinity as bare tokens, surrogates escaped."""
    return json.dumps(value, allow_nan=True).encode()


# -- checking answers ---------------------------------------------------------------------------


def describe(resp: httpx.Response) -> str:
    """The request and the answer, short enough for an assertion message."""
    req = resp.request
    try:
        body = req.content
    except httpx.RequestNotRead:
        body = b"<streamed body>"
    shown = body if len(body) <= 600 else body[:400] + b"...(%d bytes)" % len(body)
    return (f"{req.method} {req.url} body={shown!r} -> {resp.status_code} "
            f"{resp.headers.get('content-type')} {resp.text[:600]!r}")


def problem(resp: httpx.Response, status: int | set[int] | None = None,
            code: str | set[str] | None = None) -> dict[str, Any]:
    """Assert ``resp`` is a 4xx problem document (with ``status``/``code`` if given)."""
    what = describe(resp)
    assert resp.status_code < 500, f"HUB BUG (5xx): {what}"
    assert 400 <= resp.status_code < 500, f"expected a 4xx: {what}"
    if status is not None:
        wanted = {status} if isinstance(status, int) else status
        assert resp.status_code in wanted, f"expected status {sorted(wanted)}: {what}"
    assert resp.headers.get("content-type", "").split(";")[0].strip() == PROBLEM, \
        f"an error must be {PROBLEM}: {what}"
    if resp.request.method == "HEAD":
        return {}
    body = resp.json()
    assert isinstance(body, dict), what
    assert body.get("status") == resp.status_code, f"problem status differs: {what}"
    assert isinstance(body.get("title"), str) and body["title"], what
    assert isinstance(body.get("code"), str) and CODE.fullmatch(body["code"]), \
        f"problem code must match {CODE.pattern}: {what}"
    if code is not None:
        wanted_codes = {code} if isinstance(code, str) else code
        assert body["code"] in wanted_codes, f"expected code {sorted(wanted_codes)}: {what}"
    return body


def not_a_server_error(resp: httpx.Response) -> None:
    """Any answer but a 5xx; an error must still be a problem document."""
    assert resp.status_code < 500, f"HUB BUG (5xx): {describe(resp)}"
    if resp.status_code >= 400:
        problem(resp)


def rejected(resp: httpx.Response, code: str | set[str] | None = None,
             count: int = 1) -> list[dict[str, Any]]:
    """Assert a 200 push answer whose ``count`` changes were all rejected (with ``code``)."""
    what = describe(resp)
    assert resp.status_code < 500, f"HUB BUG (5xx): {what}"
    assert resp.status_code == 200, f"expected per-change rejections in a 200: {what}"
    results = resp.json()["results"]
    assert len(results) == count, what
    wanted = {code} if isinstance(code, str) else code
    for r in results:
        assert r["status"] == "rejected", f"a hostile change was applied: {r} in {what}"
        assert r["seq"] is None, what
        assert CODE.fullmatch(r["code"]), f"rejection code must match {CODE.pattern}: {what}"
        if wanted is not None:
            assert r["code"] in wanted, f"expected rejection code {sorted(wanted)}: {what}"
    return results


def snapshot(server: HubServer) -> dict[str, Any]:
    """Everything a request could change that matters: records, changes, conflicts, devices."""
    with server.engine.connect() as conn:
        def rows(query: sa.Select) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(query)]

        r, c = t.records.c, t.conflicts.c
        return {
            "counts": server.hub.counts(),
            "records": rows(sa.select(r.record_id, r.version, r.deleted, r.fields, r.seq)
                            .order_by(r.record_id)),
            "conflicts": rows(sa.select(c.id, c.resolved_at).order_by(c.id)),
            "devices": rows(sa.select(t.devices.c.id, t.devices.c.status)
                            .order_by(t.devices.c.id)),
            "codes": rows(sa.select(t.enrolment_codes.c.id, t.enrolment_codes.c.used_at)
                          .order_by(t.enrolment_codes.c.id)),
        }


@contextlib.contextmanager
def unchanged(server: HubServer, what: str = "") -> Iterator[None]:
    before = snapshot(server)
    yield
    after = snapshot(server)
    assert after == before, (f"the hub's data changed {what}: counts {before['counts']} -> "
                             f"{after['counts']}")


# -- building requests --------------------------------------------------------------------------


def new_id() -> str:
    return str(uuid.uuid4())


def person_fields(**extra: Any) -> dict[str, Any]:
    return {"given_name": "Jordan", "family_name": "Example", "dob": "2010-05-17", **extra}


def submission_fields(person_id: str, **extra: Any) -> dict[str, Any]:
    return {"form_id": "return-interview", "form_version": 1, "person_id": person_id,
            "answers": {"q1": "yes"}, "status": "final",
            "finalised_at": "2024-05-01T10:00:00+00:00", "finalised_by": "Alex North", **extra}


def episode_fields(person_id: str) -> dict[str, Any]:
    return {"person_id": person_id, "started_at": "2024-05-01T10:00:00+00:00"}


def create(kind: str, record_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"change_id": new_id(), "record_kind": kind, "record_id": record_id, "op": "create",
            "version": 1, "base_version": 0, "fields": fields}


def update(kind: str, record_id: str, fields: dict[str, Any], *, base_version: int = 1,
           base_seq: int | None = None, op: str = "update") -> dict[str, Any]:
    return {"change_id": new_id(), "record_kind": kind, "record_id": record_id, "op": op,
            "version": base_version + 1, "base_version": base_version, "base_seq": base_seq,
            "fields": fields}


def client(server: HubServer) -> httpx.Client:
    """An HTTP client for ``server``, one connection per request: after a 5xx, uvicorn drops
    the connection, and a reused one would fail the *next* request with a reset."""
    return httpx.Client(base_url=server.url, timeout=30, headers={"Connection": "close"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def push(http: httpx.Client, token: str, *changes: dict[str, Any]) -> httpx.Response:
    return http.post("/v1/sync/push", content=encode({"protocol": 1, "changes": list(changes)}),
                     headers=bearer(token))


def populate(server: HubServer) -> HubServer:
    """The teams and users of ``tests/hub/conftest.py`` (for hubs built here)."""
    server.hub.add_team("North Team")
    server.hub.add_team("South Team")
    for user, team in (("Alex North", "North Team"), ("Blake North", "North Team"),
                       ("Casey South", "South Team")):
        server.hub.add_user(user, team=team)
    return server


def enrol(http: httpx.Client, server: HubServer, user: str, name: str = "hostile") -> str:
    code, _ = server.hub.new_enrolment_code(user)
    resp = http.post("/v1/enrol", json={"protocol": 1, "code": code, "device_name": name})
    assert resp.status_code == 200, describe(resp)
    return str(resp.json()["token"])


@dataclass
class World:
    server: HubServer
    http: httpx.Client
    north: str  # the token of a device of Alex North (North Team)
    south: str  # the token of a device of Casey South (South Team)
    person_id: str  # a North person, created by Alex's device at seq 1
    submission_id: str  # a final submission for that person (seq 2)


@pytest.fixture
def world(hub_server: HubServer) -> Iterator[World]:
    with client(hub_server) as http:
        north = enrol(http, hub_server, "Alex North", "alex-laptop")
        south = enrol(http, hub_server, "Casey South", "casey-laptop")
        pid, sid = new_id(), new_id()
        resp = push(http, north, create("person", pid, person_fields()),
                    create("submission", sid, submission_fields(pid)))
        assert [r["status"] for r in resp.json()["results"]] == ["accepted"] * 2, describe(resp)
        yield World(hub_server, http, north, south, pid, sid)


@pytest.fixture
def openapi(world: World) -> dict[str, Any]:
    """The document ``cse-hub serve --openapi`` serves (this hub serves none: the default)."""
    return create_app(world.server.engine, openapi=True).openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) for every operation the OpenAPI document lists."""
    return sorted((method.upper(), path, op) for path, item in spec["paths"].items()
                  for method, op in item.items())


# -- arbitrary bodies and OpenAPI-driven inputs -------------------------------------------------


@FUZZ
@given(endpoint=st.sampled_from(["/v1/sync/push", "/v1/enrol", "/v1/conflicts/{}/resolve"]),
       body=json_values)
def test_arbitrary_json_bodies_are_refused(world: World, endpoint: str, body: Any) -> None:
    with unchanged(world.server, f"after a POST {endpoint}"):
        resp = world.http.post(endpoint.format(new_id()), content=encode(body),
                               headers=bearer(world.north))
        problem(resp)


path_values = st.one_of(
    st.sampled_from([*KINDS, "0", "-1", "\x00", "a\x00b", "..", "%00", "\\", "null"]),
    url_texts, st.uuids().map(str), st.integers().map(str))


@FUZZ
@given(kind=st.one_of(st.sampled_from(KINDS), path_values), ident=path_values,
       query=st.dictionaries(st.sampled_from(["since", "limit", "x"]), path_values),
       body=json_values)
@example(kind="person", ident="\x00", query={}, body={})  # PostgreSQL text cannot hold NUL
@example(kind="episode", ident=str(uuid.UUID(int=0)), query={"since": "-1"}, body=[])
def test_openapi_operations_with_arbitrary_inputs(world: World, openapi: dict[str, Any],
                                                  kind: str, ident: str, query: dict[str, str],
                                                  body: Any) -> None:
    """Every operation in /openapi.json (each example calls them all) with arbitrary values for
    the parameters it declares (``kind`` for a record kind, ``ident`` for any other path
    parameter, ``query`` for its query parameters) and an arbitrary body where it takes one."""
    with unchanged(world.server, "after arbitrary inputs to every operation"):
        for method, path, op in operations(openapi):
            url, params = path, {}
            for p in op.get("parameters", []):
                if p["in"] == "path":
                    value = kind if p["name"] == "kind" else ident
                    url = url.replace("{" + p["name"] + "}", quote(value, safe=""))
                elif p["in"] == "query" and p["name"] in query:
                    params[p["name"]] = query[p["name"]]
            takes_body = "requestBody" in op
            resp = world.http.request(method, url, params=params, headers=bearer(world.north),
                                      content=encode(body) if takes_body else None)
            not_a_server_error(resp)
            if takes_body:
                problem(resp)  # an arbitrary body is never a valid request here


# -- malformed push batches ---------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _malformed_batches(world: World) -> list[tuple[str, Any]]:
    """(what, body): push requests the protocol models must refuse as a whole."""
    rid = new_id()
    good = update("person", rid, {"given_name": "Sam"}, base_seq=0)
    cases: list[tuple[str, Any]] = []

    def batch(**change: Any) -> dict[str, Any]:
        return {"protocol": 1, "changes": [{**good, "change_id": new_id(), **change}]}

    for key in good:
        if key not in ("base_seq", "fields"):  # the two optional keys
            cases.append((f"no {key}", {"protocol": 1, "changes": [
                {k: v for k, v in good.items() if k != key}]}))
    cases += [
        ("no changes key", {"protocol": 1}),
        ("empty changes", {"protocol": 1, "changes": []}),
        ("changes not a list", {"protocol": 1, "changes": good}),
        ("a change not an object", {"protocol": 1, "changes": ["x"]}),
        ("a null change", {"protocol": 1, "changes": [None]}),
        ("unknown top-level key", {**batch(), "extra": 1}),
        ("unknown change key", batch(colour="red")),
        ("unknown key 'id' in the change", batch(id=rid)),
        ("protocol a string", {**batch(), "protocol": "one"}),
        ("protocol a list", {**batch(), "protocol": [1]}),
        ("audit_head bad hash", {**batch(), "audit_head": {"seq": 1, "hash": "zz"}}),
        ("audit_head negative seq", {**batch(), "audit_head": {"seq": -1, "hash": "0" * 64}}),
        ("audit_head unknown key", {**batch(), "audit_head": {"seq": 1, "hash": "0" * 64,
                                                               "x": 1}}),
        ("audit_links bad hash", {**batch(), "audit_links": [{"seq": 1, "hash": "zz"}]}),
        ("audit_links not a list", {**batch(), "audit_links": {"seq": 1, "hash": "0" * 64}}),
        ("9 audit_links", {**batch(), "audit_links": [{"seq": i, "hash": "0" * 64}
                                                      for i in range(9)]}),
        ("duplicated change_id", {"protocol": 1, "changes": [good, {**good, "fields": {}}]}),
        ("the same change twice", {"protocol": 1, "changes": [good, good]}),
        ("501 changes", {"protocol": 1, "changes": [
            update("person", new_id(), {}) for _ in range(501)]}),
        ("a lone surrogate as a key in fields", batch(fields={"\ud800": 1})),
        ("fields nested 40 levels deep", batch(fields={"flags": _nested(40)})),
    ]
    wrong_types: dict[str, list[Any]] = {
        "change_id": [1, None, [], {}, True],
        "record_kind": ["Person", "people", "", 1, None, ["person"]],
        "record_id": [1, None, [rid], {}],
        "op": ["UPDATE", "upsert", "", 2, None],
        "version": ["two", 2.5, None, [], {}, "2.5"],
        "base_version": ["one", 1.5, None, [], {}],
        "base_seq": ["zero", 0.5, [], {}],
        "fields": [[], "given_name", 1, True],
    }
    for key, values in wrong_types.items():
        cases += [(f"{key}={v!r}", batch(**{key: v})) for v in values]
    cases += [
        ("version 0", batch(version=0, base_version=-1)),
        ("negative version", batch(version=-1)),
        ("negative base_version", batch(base_version=-1, version=0)),
        ("negative base_seq", batch(base_seq=-1)),
        ("huge negative base_seq", batch(base_seq=-(2**70))),
    ]
    for bad in (rid.upper(), rid.replace("-", ""), "{" + rid + "}", "urn:uuid:" + rid,
                " " + rid, rid + "\n", rid[:-1], rid + "0", "not-a-uuid", "",
                rid.replace("-", "_")):
        cases.append((f"record_id {bad!r}", batch(record_id=bad)))
        cases.append((f"change_id {bad!r}", batch(change_id=bad)))
    cases += [
        ("create at version 2", batch(op="create", version=2, base_version=1)),
        ("create on base version 1", batch(op="create", version=1, base_version=1)),
        ("create on base version 0 at version 0", batch(op="create", version=0,
                                                        base_version=0)),
        ("update not one version on", batch(op="update", version=3, base_version=1)),
        ("update at its base version", batch(op="update", version=1, base_version=1)),
        ("delete at its base version", batch(op="delete", version=1, base_version=1)),
        ("update backwards", batch(op="update", version=1, base_version=2)),
        ("fields over 256 KiB", batch(fields={"address": "x" * (300 * 1024)})),
    ]
    return cases


def test_malformed_push_batches_are_refused(world: World) -> None:
    failures = []
    with unchanged(world.server, "after malformed push batches"):
        for what, body in _malformed_batches(world):
            resp = world.http.post("/v1/sync/push", content=encode(body),
                                   headers=bearer(world.north))
            try:
                problem(resp, 422, "invalid_request")
            except AssertionError as exc:
                failures.append(f"{what}: {exc}")
        assert not failures, "\n".join(failures)


@st.composite
def mutated_batches(draw: st.DrawFn) -> dict[str, Any]:
    """An update of a record that does not exist, then mutated: a key dropped, replaced by an
    arbitrary value or added; or the change repeated."""
    change: dict[str, Any] = update("person", new_id(), {"given_name": "Sam"}, base_seq=0)
    body: dict[str, Any] = {"protocol": 1, "changes": [change]}
    for _ in range(draw(st.integers(1, 3), label="mutations")):
        target = draw(st.sampled_from([body, change]), label="where")
        how = draw(st.sampled_from(["drop", "replace", "add", "repeat"]), label="how")
        if how == "drop" and target:
            target.pop(draw(st.sampled_from(sorted(target)), label="drop"))
        elif how == "replace" and target:
            target[draw(st.sampled_from(sorted(target)), label="replace")] = draw(json_values)
        elif how == "add":
            target[draw(texts, label="new key")] = draw(json_values, label="new value")
        elif isinstance(body.get("changes"), list):
            body["changes"].append(dict(change))
    return body


@FUZZ
@given(body=mutated_batches())
def test_mutated_push_batches_are_refused_or_rejected(world: World, body: Any) -> None:
    with unchanged(world.server, "after a mutated push"):
        resp = world.http.post("/v1/sync/push", content=encode(body),
                               headers=bearer(world.north))
        if resp.status_code == 200:  # still well-formed: the update finds no record
            rejected(resp, count=len(body["changes"]))
        else:  # a mutated protocol number (false is 0) is answered as a protocol mismatch
            problem(resp, 422, {"invalid_request", "protocol_unsupported"})


# -- well-formed but hostile changes ------------------------------------------------------------


def _hostile_changes(world: World) -> list[tuple[str, dict[str, Any], str]]:
    """(what, change, expected rejection code): changes the hub must refuse one by one."""
    pid, sid = world.person_id, world.submission_id
    cases: list[tuple[str, dict[str, Any], str]] = []
    for key in BOOKKEEPING:
        value = {"id": new_id(), "version": 99, "server_seq": 99, "deleted": True,
                 "created_by": "Mallory"}.get(key, "2020-01-01T00:00:00+00:00")
        cases.append((f"create with bookkeeping {key!r}",
                      create("person", new_id(), person_fields(**{key: value})), "invalid"))
        cases.append((f"update with bookkeeping {key!r}",
                      update("person", pid, {key: value}, base_seq=1), "invalid"))
    for what, fields in [
        ("empty given name", person_fields(given_name="")),
        ("blank given name", person_fields(given_name="   ")),
        ("given name too long", person_fields(given_name="x" * 101)),
        ("given name a number", person_fields(given_name=42)),
        ("dob not a date", person_fields(dob="yesterday")),
        ("dob an impossible date", person_fields(dob="2010-02-30")),
        ("no dob", {"given_name": "Jo", "family_name": "Example"}),
        ("unknown field", person_fields(shoe_size=9)),
        ("unknown enum value", person_fields(risk_level="apocalyptic")),
        ("too many flags", person_fields(flags=["f"] * 51)),
        ("also_known_as not a list", person_fields(also_known_as="Jo")),
        ("no fields at all", {}),
    ]:
        cases.append((f"create person: {what}", create("person", new_id(), fields), "invalid"))
    cases += [
        ("update person: empty given name",
         update("person", pid, {"given_name": ""}, base_seq=1), "invalid"),
        ("update person: unknown field", update("person", pid, {"x": 1}, base_seq=1),
         "invalid"),
        ("update person: dob not a date",
         update("person", pid, {"dob": "soon"}, base_seq=1), "invalid"),
        ("create submission with status draft",
         create("submission", new_id(), submission_fields(pid, status="draft")), "draft"),
        ("create submission without a status (a draft)",
         create("submission", new_id(), {k: v for k, v in submission_fields(pid).items()
                                         if k != "status"}), "draft"),
        ("create submission with a bad form id",
         create("submission", new_id(), submission_fields(pid, form_id="../../etc")),
         "invalid"),
        ("update a final submission",
         update("submission", sid, {"answers": {"q1": "no"}}, base_seq=2), "immutable"),
        ("delete a final submission",
         update("submission", sid, {}, base_seq=2, op="delete"), "immutable"),
        ("create a person that exists", create("person", pid, person_fields()), "exists"),
        ("create a person with the submission's id",
         create("person", sid, person_fields()), "not_found"),
        ("update the person as an episode",
         update("episode", pid, {"where_found": "x"}, base_seq=1), "not_found"),
        ("create an episode for a person who does not exist",
         create("episode", new_id(), episode_fields(new_id())), "not_found"),
        ("create an episode whose person is the submission",
         create("episode", new_id(), episode_fields(sid)), "not_found"),
        ("huge version on a record that does not exist",
         update("person", new_id(), {"given_name": "Sam"}, base_version=2**70), "not_found"),
    ]
    for kind in KINDS:
        cases.append((f"update a {kind} that does not exist",
                      update(kind, new_id(), {"given_name": "Sam"}, base_seq=1), "not_found"))
        cases.append((f"delete a {kind} that does not exist",
                      update(kind, new_id(), {}, op="delete"), "not_found"))
    return cases


def test_hostile_changes_are_rejected_one_by_one(world: World) -> None:
    cases = _hostile_changes(world)
    failures = []
    with unchanged(world.server, "after hostile changes"):
        for what, change, code in cases:
            try:
                rejected(push(world.http, world.north, change), code)
            except AssertionError as exc:
                failures.append(f"{what}: {exc}")
        # ... and all of them in one batch: each rejected on its own
        resp = push(world.http, world.north, *[{**c, "change_id": new_id()} for _, c, _ in cases])
        results = rejected(resp, count=len(cases))
        assert [r["code"] for r in results] == [code for _, _, code in cases], describe(resp)
        # the largest batch the protocol allows is read (and, here, rejected change by change)
        rejected(push(world.http, world.north,
                      *[update("person", new_id(), {}) for _ in range(500)]),
                 "not_found", count=500)
        assert not failures, "\n".join(failures)


@FUZZ
@given(kind=st.sampled_from(KINDS), op=st.sampled_from(["create", "update", "delete"]),
       fields=json_objects)
@example(kind="person", op="create", fields={"given_name": "\ud800"})  # a lone surrogate
def test_arbitrary_fields_are_rejected(world: World, kind: str, op: str,
                                       fields: dict[str, Any]) -> None:
    """Arbitrary fields on a create (never valid content), or on an update or delete of a record
    that does not exist: refused or rejected, nothing written."""
    change = (create(kind, new_id(), fields) if op == "create"
              else update(kind, new_id(), fields, op=op))
    with unchanged(world.server, f"after a {op} of a {kind} with arbitrary fields"):
        resp = push(world.http, world.north, change)
        if resp.status_code == 200:
            rejected(resp)
        else:
            problem(resp, 422, "invalid_request")


# -- query strings, paths, methods, content types -----------------------------------------------

query_values = st.one_of(
    st.integers(), st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.sampled_from(["", " 1", "1 ", "-0", "+1", "0x10", "1e3", "1.0", "NaN", "Infinity",
                     "١٢", "1_000", str(2**62), str(2**62 + 1), str(2**63), "\x00"]))


@FUZZ
@given(since=st.none() | query_values, limit=st.none() | query_values)
def test_pull_query_parameters(world: World, since: Any, limit: Any) -> None:
    params = {k: str(v) for k, v in (("since", since), ("limit", limit)) if v is not None}
    with unchanged(world.server, "after a pull"):
        resp = world.http.get("/v1/sync/pull", params=params, headers=bearer(world.north))
    not_a_server_error(resp)
    if resp.status_code == 200:
        page = resp.json()
        assert isinstance(page["changes"], list) and isinstance(page["done"], bool)
        assert isinstance(page["next"], int) and page["next"] >= 0
    elif resp.status_code == 409:  # a cursor beyond the hub's newest change
        problem(resp, 409, "cursor_ahead")
    else:
        problem(resp, 422, "invalid_request")
    in_range = ((since is None or (type(since) is int and 0 <= since <= 2**62))
                and (limit is None or (type(limit) is int and 1 <= limit <= 1000)))
    if all(v is None or type(v) is int for v in (since, limit)):
        assert (resp.status_code in (200, 409)) == in_range, describe(resp)


@FUZZ
@given(segments=st.lists(url_texts, max_size=5),
       method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
def test_unknown_paths_are_not_found(world: World, segments: list[str], method: str) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    assume(httpx.URL(path).path not in {"/openapi.json", "/v1/health", "/v1/device",
                                        "/v1/conflicts", "/v1/enrol", "/v1/sync/push",
                                        "/v1/sync/pull"})
    with unchanged(world.server, f"after {method} {path}"):
        resp = world.http.request(method, path, headers=bearer(world.north), content=b"{}")
        problem(resp, {404, 405}, {"no_such_endpoint", "method_not_allowed"})


@FUZZ
@given(data=st.data())
def test_wrong_methods_are_not_allowed(world: World, openapi: dict[str, Any],
                                       data: st.DataObject) -> None:
    paths = sorted(openapi["paths"])
    path = data.draw(st.sampled_from(paths), label="path")
    allowed = {m.upper() for m in openapi["paths"][path]}
    if "GET" in allowed:
        allowed.add("HEAD")
    wrong = sorted({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
                    "PROPFIND", "BREW"} - allowed)
    method = data.draw(st.sampled_from(wrong), label="method")
    url = path.replace("{kind}", "person").replace("{record_id}", world.person_id) \
              .replace("{conflict_id}", new_id())
    with unchanged(world.server, f"after {method} {url}"):
        resp = world.http.request(method, url, headers=bearer(world.north),
                                  content=encode({"protocol": 1}))
        problem(resp, 405, "method_not_allowed")


def _bad_bodies() -> list[tuple[str, bytes, str]]:
    """(what, raw body, content type) that are not JSON request documents."""
    valid = encode({"protocol": 1, "changes": [create("person", new_id(), person_fields())]})
    return [
        ("empty body", b"", "application/json"),
        ("valid push as text/plain", valid, "text/plain"),
        ("valid push as a form", valid, "application/x-www-form-urlencoded"),
        ("valid push as multipart", valid, "multipart/form-data; boundary=xyz"),
        ("valid push as XML", valid, "application/xml"),
        ("valid push as octet-stream", valid, "application/octet-stream"),
        ("a real form", b"protocol=1&changes=x", "application/x-www-form-urlencoded"),
        ("invalid UTF-8", b'{"changes": "\xff\xfe\xc0\xaf"}', "application/json"),
        ("overlong UTF-8", b'{"code": "\xc0\xae\xc0\xae", "device_name": "x"}',
         "application/json"),
        ("UTF-8 with a NUL", b'{"protocol": 1\x00}', "application/json"),
        ("truncated JSON", valid[:-5], "application/json"),
        ("trailing garbage", valid + b"}}", "application/json"),
        ("two documents", valid + valid, "application/json"),
        ("single quotes", b"{'protocol': 1}", "application/json"),
        ("a bare NaN", b"NaN", "application/json"),
        ("a bare -Infinity", b"-Infinity", "application/json"),
        ("a bare null", b"null", "application/json"),
        ("a bare string", b'"changes"', "application/json"),
        ("a huge number", b"1" + b"0" * 5000, "application/json"),
        ("100000 levels of [", b"[" * 100_000, "application/json"),
        ("100000 levels of [] closed", b"[" * 100_000 + b"]" * 100_000, "application/json"),
        ("100000 levels of {", b'{"a":' * 100_000, "application/json"),
        ("deep nesting under changes", b'{"changes":' + b"[" * 100_000, "application/json"),
        ("deep nesting in fields", b'{"changes":[{"fields":' + b'{"a":' * 50_000 + b"1"
         + b"}" * 50_000 + b"}]}", "application/json"),
    ]


@pytest.mark.parametrize("endpoint", ["/v1/sync/push", "/v1/enrol", "/v1/conflicts/{}/resolve"])
def test_unparseable_bodies_are_refused(world: World, endpoint: str) -> None:
    failures = []
    with unchanged(world.server, f"after unparseable bodies to {endpoint}"):
        for what, body, content_type in _bad_bodies():
            resp = world.http.post(endpoint.format(new_id()), content=body,
                                   headers={**bearer(world.north), "Content-Type": content_type})
            try:
                problem(resp, {400, 404, 413, 415, 422})
            except AssertionError as exc:
                failures.append(f"{what}: {exc}")
        assert not failures, "\n".join(failures)


@pytest.mark.parametrize("endpoint", ["/v1/sync/push", "/v1/enrol"])
def test_bodies_over_8_mib_are_refused(world: World, endpoint: str) -> None:
    big = b'{"changes": [' + b" " * MAX_BODY + b"]}"

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start:start + 64 * 1024]

    with unchanged(world.server, f"after oversized bodies to {endpoint}"):
        resp = world.http.post(endpoint, content=big, headers=bearer(world.north))
        assert resp.request.headers["content-length"] == str(len(big))
        problem(resp, 413, "too_large")
        streamed = world.http.post(endpoint, content=chunks(), headers=bearer(world.north))
        assert streamed.request.headers.get("transfer-encoding") == "chunked"
        problem(streamed, 413, "too_large")
    # the hub is still answering normally
    assert world.http.get("/v1/device", headers=bearer(world.north)).status_code == 200


# -- credentials and rate limits ----------------------------------------------------------------

AUTHENTICATED = [("GET", "/v1/device"), ("POST", "/v1/sync/push"), ("GET", "/v1/sync/pull"),
                 ("GET", "/v1/conflicts"), ("POST", "/v1/conflicts/{c}/resolve"),
                 ("GET", "/v1/records/person/{p}")]
header_bytes = st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                             exclude_characters="\x7f")


@pytest.fixture
def lenient(db_url: str) -> Iterator[tuple[HubServer, httpx.Client, str]]:
    """A hub that never rate limits, with one enrolled device (its token)."""
    server = populate(HubServer(db_url, auth_failure_limit=10**6, enrol_limit=10**6).start())
    try:
        with client(server) as http:
            yield server, http, enrol(http, server, "Alex North")
    finally:
        server.close()


@FUZZ
@given(data=st.data())
def test_bad_credentials_are_unauthenticated(lenient: tuple[HubServer, httpx.Client, str],
                                             data: st.DataObject) -> None:
    server, http, token = lenient
    header = data.draw(st.one_of(
        st.none(),
        st.text(header_bytes, max_size=300).map(str.strip),
        st.text(header_bytes, max_size=300).map(lambda s: ("Bearer " + s).strip()),
        st.sampled_from(["Bearer", "Bearer ", "bearer", "Basic dXNlcjpwYXNz", "Digest x",
                         "Token " + token, "Basic " + token, token, "Bearer " + token[:-1],
                         "Bearer " + token + "x", "Bearer " + token[::-1],
                         "Bearer " + "A" * 201, "Bearer " + "A" * 10_000,
                         "Bearer " + token + " " + token, "Bearer\t" + token + "\tx",
                         "Bearer " + "é" * 40, "Bearer null", "Bearer undefined"])),
        label="Authorization")
    if header is not None:
        header = header.strip()  # HTTP strips a value's outer whitespace (h11 refuses it)
    assume(header not in {"Bearer " + token, "bearer " + token})
    method, path = data.draw(st.sampled_from(AUTHENTICATED), label="endpoint")
    body = data.draw(st.none() | json_values, label="body") if method == "POST" else None
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["Authorization"] = header.encode("latin-1")  # type: ignore[assignment]
    with unchanged(server, "after a request with bad credentials"):
        resp = http.request(method, path.format(c=new_id(), p=new_id()), headers=headers,
                            content=None if body is None else encode(body))
        problem(resp, 401, "unauthenticated")


def test_a_bad_credential_is_answered_before_a_bad_body(
        lenient: tuple[HubServer, httpx.Client, str]) -> None:
    """A push without a valid credential is 401 whatever its body, even text that is not
    JSON: a client the hub does not know learns nothing of how it reads bodies."""
    server, http, _token = lenient
    failures = []
    with unchanged(server, "after bad bodies with bad credentials"):
        for what, body, content_type in _bad_bodies():
            for auth in ({}, {"Authorization": "Bearer " + "x" * 43}):
                resp = http.post("/v1/sync/push", content=body,
                                 headers={**auth, "Content-Type": content_type})
                try:
                    problem(resp, 401, "unauthenticated")
                except AssertionError as exc:
                    failures.append(f"{what} {sorted(auth)}: {exc}")
    assert not failures, "\n".join(failures)


def test_repeated_auth_failures_are_rate_limited(db_url: str) -> None:
    server = populate(HubServer(db_url, auth_failure_limit=5, enrol_limit=3).start())
    try:
        with client(server) as http:
            token = enrol(http, server, "Alex North")
            with unchanged(server, "after failed sign-ins"):
                for attempt in range(5):
                    problem(http.get("/v1/device", headers={"Authorization": f"Bearer x{attempt}"}),
                            401, "unauthenticated")
                for garbage in ("Bearer nope", "", "Basic x"):
                    resp = http.post("/v1/sync/push", content=b"{}",
                                     headers={"Authorization": garbage})
                    problem(resp, 429, "rate_limited")
                    retry = resp.headers.get("retry-after", "")
                    assert retry.isdigit() and 1 <= int(retry) <= 300, describe(resp)
            assert token  # a real device was enrolled before the failures
    finally:
        server.close()


def test_repeated_wrong_enrolment_codes_are_rate_limited(db_url: str) -> None:
    server = populate(HubServer(db_url, auth_failure_limit=5, enrol_limit=3).start())
    try:
        code, _ = server.hub.new_enrolment_code("Alex North")
        wrong_codes = ("AAAA-BBBB-CCCC-DDDD", code[:-1] + ("0" if code[-1] != "0" else "1"),
                       "x" * 64)
        with (client(server) as http,
              unchanged(server, "after wrong enrolment codes")):
            for wrong in wrong_codes:
                problem(http.post("/v1/enrol", json={"code": wrong, "device_name": "d"}),
                        400, "enrolment_code_invalid")
            for attempt in ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", code):  # now even the right code waits
                resp = http.post("/v1/enrol", json={"code": attempt, "device_name": "d"})
                problem(resp, 429, "rate_limited")
                retry = resp.headers.get("retry-after", "")
                assert retry.isdigit() and 1 <= int(retry) <= 300, describe(resp)
        server.restart()  # a new app (or another worker) counts on where the last left off
        with client(server) as http:
            resp = http.post("/v1/enrol", json={"code": code, "device_name": "d"})
            problem(resp, 429, "rate_limited")
        with server.engine.begin() as conn:  # five minutes on, the attempts have left the window
            attempts = t.rate_limit_attempts
            conn.execute(sa.update(attempts).values(at=attempts.c.at - 300))
        with client(server) as http:  # and the refused code was not used up
            resp = http.post("/v1/enrol", json={"code": code, "device_name": "d"})
            assert resp.status_code == 200, describe(resp)
    finally:
        server.close()


# -- team scope -----------------------------------------------------------------------------------


def _conflict(http: httpx.Client, first: str, second: str, record_id: str, seq: int) -> str:
    """Make a hard conflict on ``given_name`` between two devices; returns its id."""
    assert push(http, second, update("person", record_id, {"given_name": "Bee"},
                                     base_seq=seq)).json()["results"][0]["status"] == "accepted"
    resp = push(http, first, update("person", record_id, {"given_name": "Ay"}, base_seq=seq,
                                    base_version=1))
    assert resp.json()["results"][0]["status"] == "conflict", describe(resp)
    listed = http.get("/v1/conflicts", headers=bearer(first)).json()["conflicts"]
    return str(next(c["id"] for c in listed if c["record_id"] == record_id))


def test_other_teams_records_are_invisible_and_untouchable(world: World) -> None:
    http, north, south = world.http, world.north, world.south
    sid = new_id()
    resp = push(http, south, create("person", sid, person_fields(given_name="Casey's")))
    south_seq = resp.json()["results"][0]["seq"]
    casey_2 = enrol(http, world.server, "Casey South", "casey-second-laptop")
    south_conflict = _conflict(http, south, casey_2, sid, south_seq)
    before = http.get(f"/v1/records/person/{sid}", headers=bearer(south))
    assert before.status_code == 200, describe(before)
    nowhere = new_id()

    with unchanged(world.server, "after a North device reached for a South record"):
        seen = problem(http.get(f"/v1/records/person/{sid}", headers=bearer(north)),
                       404, "not_found")
        missing = problem(http.get(f"/v1/records/person/{nowhere}", headers=bearer(north)),
                          404, "not_found")
        assert seen == missing, "a record of another team must look like no record at all"
        absent = rejected(push(http, north, update("person", nowhere, {"given_name": "M"})),
                          "not_found")
        for change in (
            update("person", sid, {"given_name": "Mallory"}, base_seq=south_seq),
            update("person", sid, {"given_name": "Mallory"}, base_version=2, base_seq=10**6),
            update("person", sid, {}, op="delete", base_seq=south_seq),
            create("person", sid, person_fields()),  # not "exists": that would tell
            create("episode", new_id(), episode_fields(sid)),
            create("submission", new_id(), submission_fields(sid)),
        ):
            theirs = rejected(push(http, north, change), "not_found")
            assert theirs[0]["message"] == absent[0]["message"], theirs
        resp = http.get("/v1/sync/pull", params={"since": 0}, headers=bearer(north))
        assert sid not in {c["record_id"] for c in resp.json()["changes"]}, describe(resp)
        conflicts = http.get("/v1/conflicts", headers=bearer(north)).json()["conflicts"]
        assert south_conflict not in {c["id"] for c in conflicts}
        problem(http.post(f"/v1/conflicts/{south_conflict}/resolve",
                          json={"value": "Mallory"}, headers=bearer(north)), 404, "not_found")

    after = http.get(f"/v1/records/person/{sid}", headers=bearer(south))
    assert after.json() == before.json(), "a South record changed after North's attempts"
    still = http.get("/v1/conflicts", headers=bearer(south)).json()["conflicts"]
    assert south_conflict in {c["id"] for c in still}


@pytest.fixture
def north_conflict(world: World) -> str:
    blake = enrol(world.http, world.server, "Blake North", "blake-laptop")
    return _conflict(world.http, world.north, blake, world.person_id, 1)


@FUZZ
@given(value=st.one_of(json_values.filter(lambda v: not isinstance(v, str)),
                       st.sampled_from(["", "   ", "x" * 101, "\ud800"])))
def test_conflicts_cannot_be_resolved_with_invalid_values(world: World, north_conflict: str,
                                                          value: Any) -> None:
    with unchanged(world.server, "after resolving with an invalid value"):
        resp = world.http.post(f"/v1/conflicts/{north_conflict}/resolve",
                               content=encode({"protocol": 1, "value": value}),
                               headers=bearer(world.north))
        problem(resp, {400, 422}, {"invalid", "invalid_request"})


# -- regressions: hub bugs these tests found (fixed; each a deterministic reproduction) ---------


def test_lone_surrogates_in_fields_are_not_a_server_error(world: World) -> None:
    """JSON may escape a lone surrogate ("\\ud800"); the change must be refused or rejected."""
    cases = [
        ("create person, given_name", create("person", new_id(), person_fields(given_name="X"))),
        ("update that finds no record", update("person", new_id(), {"flags": "X"})),
        ("update of a real person", update("person", world.person_id, {"address": "X"},
                                           base_seq=1)),
    ]
    failures = []
    with unchanged(world.server, "after lone surrogates"):
        for what, change in cases:
            raw = encode({"protocol": 1, "changes": [change]}).replace(b'"X"', b'"\\ud800"')
            resp = world.http.post("/v1/sync/push", content=raw, headers=bearer(world.north))
            try:
                if resp.status_code == 200:
                    rejected(resp)
                else:
                    problem(resp)
            except AssertionError as exc:
                failures.append(f"{what}: {exc}")
        assert not failures, ("a lone surrogate in a change's fields crashes push "
                              "at changes.py Hub.push: digest(dumps(...)) -> "
                              "UnicodeEncodeError\n" + "\n".join(failures))


@pytest.mark.parametrize("depth", [300, 900])
def test_deeply_nested_fields_are_not_a_server_error(world: World, depth: int) -> None:
    """Nesting the JSON parser accepts (up to ~990 levels) must not crash the hub later on."""
    nested = b"[" * depth + b"]" * depth
    for change in (update("person", new_id(), {"flags": "X"}),
                   create("submission", new_id(), submission_fields(world.person_id,
                                                                    answers={"q": "X"}))):
        raw = encode({"protocol": 1, "changes": [change]}).replace(b'"X"', nested)
        resp = world.http.post("/v1/sync/push", content=raw, headers=bearer(world.north))
        assert resp.status_code < 500, (
            f"fields nested {depth} deep crash push (pydantic 'Maximum serialization "
            f"depth exceeded' at changes.py Hub.push change.model_dump): {describe(resp)}")
        if resp.status_code >= 400:
            problem(resp)
        for url in ("/v1/sync/pull", f"/v1/records/submission/{change['record_id']}"):
            not_a_server_error(world.http.get(url, headers=bearer(world.north)))


def test_nul_characters_are_not_a_server_error(world: World) -> None:
    """NUL in a path id or a device name (PostgreSQL text cannot hold NUL)."""
    failures = []
    with unchanged(world.server, "after NUL characters in path ids"):
        for method, url, body, status in (
            ("GET", "/v1/records/person/%00", None, 404),
            ("GET", f"/v1/records/person/{world.person_id}%00", None, 404),
            ("POST", "/v1/conflicts/%00/resolve", {"value": 1}, 404),
            ("POST", "/v1/conflicts/a%00b/resolve", {"protocol": 1}, 404),
        ):
            resp = world.http.request(method, url, headers=bearer(world.north),
                                      content=None if body is None else encode(body))
            try:
                problem(resp, status, "not_found")
            except AssertionError as exc:
                failures.append(str(exc))
    code, _ = world.server.hub.new_enrolment_code("Blake North")
    before = snapshot(world.server)
    resp = world.http.post("/v1/enrol", content=encode({"code": code, "device_name": "a\x00b"}),
                           headers={"Content-Type": "application/json"})
    if resp.status_code >= 400:
        try:
            problem(resp)
            assert snapshot(world.server) == before, "a refused enrolment changed the hub"
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, ("NUL characters reach PostgreSQL unchecked "
                          "(psycopg.DataError: PostgreSQL text fields cannot contain NUL)\n"
                          + "\n".join(failures))


def test_unknown_protocol_versions_are_refused(world: World) -> None:
    """protocol.py: 'client and hub refuse a version they do not speak'."""
    failures = []
    with unchanged(world.server, "after pushes in protocols the hub does not speak"):
        for version in (0, 2, -1, 10**30):
            body = {"protocol": version,
                    "changes": [create("person", new_id(), person_fields())]}
            resp = world.http.post("/v1/sync/push", content=encode(body),
                                   headers=bearer(world.north))
            if resp.status_code == 200:
                failures.append(f"protocol {version} accepted: {describe(resp)}")
            else:
                problem(resp, 422, "protocol_unsupported")
        assert not failures, ("the hub must check the request's protocol version "
                              "(PushRequest.protocol is any int; app.py push does not compare "
                              "it with PROTOCOL_VERSION)\n" + "\n".join(failures))
