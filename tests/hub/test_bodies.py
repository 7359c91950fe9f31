"""A body a route reads itself (hub/bodies.py) gets FastAPI's answers, word for word.

One small app, two routes: one declares ``body: PushRequest`` (FastAPI reads the body), the
other reads it with :func:`read_json` (as the hub's push route does). Every body, good or bad,
under every kind of ``Content-Type``, must get the same answer from both: the status and the
whole JSON, FastAPI's error list included (the hub turns that list into its problem answers).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio
import httpx
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from cse_desktop.hub.bodies import is_json, read_json
from cse_desktop.sync.protocol import PushRequest


def _app() -> FastAPI:
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # every part of every error (FastAPI's own handler cannot encode an input in bytes)
        return JSONResponse({"detail": [{k: v if k in ("type", "loc", "msg") else repr(v)
                                         for k, v in e.items()} for e in exc.errors()]}, 422)

    @app.post("/declared")
    def declared(body: PushRequest) -> Response:
        return Response(body.model_dump_json(), media_type="application/json")

    @app.post("/read")
    async def read(request: Request) -> Response:
        body = read_json(PushRequest, await request.body(), request.headers.get("content-type"))
        return Response(body.model_dump_json(), media_type="application/json")

    return app


APP = _app()
JSON = "application/json"


def _answers(body: bytes, content_type: str | None) -> tuple[Any, Any]:
    """(FastAPI's answer, read_json's answer) to ``body``: each as (status, JSON)."""
    headers = {} if content_type is None else {"Content-Type": content_type}

    async def ask() -> tuple[Any, Any]:
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
            both = []
            for path in ("/declared", "/read"):
                resp = await http.post(path, content=body, headers=headers)
                both.append((resp.status_code, resp.json()))
            return both[0], both[1]

    return anyio.run(ask)


def _change(**replaced: Any) -> dict[str, Any]:
    change = {"change_id": str(uuid.uuid4()), "record_kind": "person",
              "record_id": str(uuid.uuid4()), "op": "create", "version": 1, "base_version": 0,
              "fields": {"given_name": "Jordan", "family_name": "Example", "dob": "2010-05-17"}}
    return {**change, **replaced}


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


VALID = _encode({"protocol": 1, "changes": [_change()]})
WITH_FIELD = _encode({"changes": [_change(fields={"a": 1})]})  # ..."a": 1}}]}

#: (what, body, Content-Type): every way a body can fail, and a few odd ways to succeed
BODIES: list[tuple[str, bytes, str | None]] = [
    ("valid", VALID, JSON),
    ("empty", b"", JSON),
    ("empty, no Content-Type", b"", None),
    ("no Content-Type", VALID, None),
    *((f"as {t}", VALID, t) for t in (
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/xml", "application/octet-stream", "text/json", "application/jsonx", ";;;",
        "application/json; charset=utf-8", "APPLICATION/JSON", "application/vnd.cse+json")),
    ("a real form", b"protocol=1&changes=x", "application/x-www-form-urlencoded"),
    ("invalid UTF-8", b'{"changes": "\xff\xfe\xc0\xaf"}', JSON),
    ("overlong UTF-8", b'{"protocol": "\xc0\xae"}', JSON),
    ("a surrogate in UTF-8", WITH_FIELD.replace(b"1}}]}", b'"\xed\xa0\x80"}}]}'), JSON),
    ("UTF-8 with a BOM", b"\xef\xbb\xbf" + VALID, JSON),
    ("UTF-16", VALID.decode().encode("utf-16"), JSON),
    ("UTF-32", VALID.decode().encode("utf-32"), JSON),
    ("a NUL", b'{"protocol": 1\x00}', JSON),
    ("a control character in a string", WITH_FIELD.replace(b"1}}]}", b'"x\x01"}}]}'), JSON),
    ("truncated", VALID[:-5], JSON),
    ("trailing garbage", VALID + b"}}", JSON),
    ("two documents", VALID + VALID, JSON),
    ("whitespace only", b"  ", JSON),
    ("single quotes", b"{'protocol': 1}", JSON),
    *((f"a bare {v!r}", v, JSON) for v in (b"NaN", b"-Infinity", b"null", b'"x"', b"[]", b"1")),
    ("a huge number", b"1" + b"0" * 5000, JSON),
    ("a huge number in fields", WITH_FIELD.replace(b"1}}]}", b"1" + b"0" * 5000 + b"}}]}"), JSON),
    ("2**256 in fields", WITH_FIELD.replace(b"1}}]}", b"%d}}]}" % 2**256), JSON),
    ("1e400 in fields", WITH_FIELD.replace(b"1}}]}", b"1e400}}]}"), JSON),
    ("NaN in fields", WITH_FIELD.replace(b"1}}]}", b"NaN}}]}"), JSON),
    ("a lone surrogate in fields", _encode({"changes": [_change(fields={"a": "\ud800"})]}), JSON),
    ("a lone surrogate key", _encode({"changes": [_change()], "\udfff": 1}), JSON),
    *((f"{n} levels in fields", WITH_FIELD.replace(b"1}}]}", b"[" * n + b"]" * n + b"}}]}"), JSON)
      for n in (33, 150, 250, 5000)),
    ("100000 levels of [", b"[" * 100_000, JSON),
    ("100000 levels of {", b'{"a":' * 100_000, JSON),
    ("a duplicate key", b'{"protocol": 2, "protocol": 1, "changes": ' + VALID[VALID.index(b"["):],
     JSON),
    ("another protocol", _encode({"protocol": 2, "changes": [_change()]}), JSON),
    ("a protocol as text", _encode({"protocol": "1", "changes": [_change()]}), JSON),
    ("an unknown field", _encode({"changes": [_change()], "x": 1}), JSON),
    ("no changes", _encode({"changes": []}), JSON),
    ("a change as a number", _encode({"changes": [1]}), JSON),
    ("a bad change id", _encode({"changes": [_change(change_id="nope")]}), JSON),
    ("a version of 1.5", _encode({"changes": [_change(version=1.5)]}), JSON),
    ("a version of 1.0", _encode({"changes": [_change(version=1.0)]}), JSON),
    ("a create at version 2", _encode({"changes": [_change(version=2)]}), JSON),
    ("a change id twice", _encode({"changes": [_change(change_id=str(uuid.UUID(int=1)))] * 2}),
     JSON),
    ("a bad audit head", _encode({"changes": [_change()], "audit_head": {"seq": 1}}), JSON),
]


def test_every_body_gets_fastapis_answer() -> None:
    differ, seen = [], set()
    for what, body, content_type in BODIES:
        declared, read = _answers(body, content_type)
        status, answer = declared
        seen.add((status, answer["detail"][0]["type"] if status == 422 else None))
        if declared != read:
            differ.append(f"{what}: FastAPI {declared!r}\n    read_json {read!r}")
    assert not differ, "\n".join(differ)
    # the cases take every way through read_json: accepted, not JSON at all (400), JSON text
    # refused at a position, no body, not an object, refused by the model
    assert seen >= {(200, None), (400, None), (422, "json_invalid"), (422, "missing"),
                    (422, "model_attributes_type"), (422, "value_error"),
                    (422, "extra_forbidden")}, seen


def test_only_json_content_types_are_read_as_json() -> None:
    assert is_json("application/json") and is_json("application/json; charset=utf-8")
    assert is_json("Application/JSON") and is_json("application/problem+json")
    for other in (None, "", "text/plain", "text/json", "application/jsonx", "multipart/form-data",
                  "application/x-www-form-urlencoded", "json", ";;;"):
        assert not is_json(other), other


#: arbitrary JSON values, NaN and infinities and lone surrogates included
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                     st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\x00"]))))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


@st.composite
def _pushes(draw: st.DrawFn) -> bytes:
    """A push, mostly valid, with something replaced, added or cut short."""
    body: dict[str, Any] = {"protocol": 1, "changes": [_change()]}
    target = draw(st.sampled_from([body, body["changes"][0]]))
    key = draw(st.sampled_from([*sorted(target), "x"]))
    target[key] = draw(_values)
    raw = _encode(body)
    cut = draw(st.one_of(st.none(), st.integers(0, len(raw))))
    return raw if cut is None else raw[:cut]


@settings(max_examples=150, deadline=None)
@given(body=st.one_of(_pushes(), _values.map(_encode), st.binary(max_size=40)),
       content_type=st.sampled_from([JSON, "application/merge-patch+json", "text/plain", None]))
def test_arbitrary_bodies_get_fastapis_answer(body: bytes, content_type: str | None) -> None:
    declared, read = _answers(body, content_type)
    assert declared == read
