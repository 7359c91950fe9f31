"""A JSON request body a route reads itself, with the answers FastAPI would give.

A route normally declares ``body: Model``, and FastAPI reads the body: ``json.loads``, then
validation of the Python objects. The push route reads its own (so that signing in, reading
the body and preparing the push take one request thread, not two: :mod:`cse_desktop.hub.app`)
with :func:`read_json`, where pydantic's own JSON parser parses and validates in one pass.
Whatever that parser refuses is judged again as FastAPI judges it, so every refusal is
FastAPI's, word for word, and so is every acceptance (Python's parser also reads UTF-16 and
UTF-32, a byte order mark, nesting deeper than pydantic's 200 levels):

* an empty body: ``Field required``;
* a ``Content-Type`` other than ``application/json`` or ``application/*+json``, or none: the
  bytes are not an object (a body is never read as JSON without saying it is JSON);
* text that is not JSON: FastAPI's ``json_invalid`` error at its position, or (no Unicode
  Python reads, nesting too deep for Python, an integer too long) an
  :class:`HTTPException` 400;
* JSON that does not match the model: the model's errors, located under ``body``.

The errors are raised as FastAPI raises them (:class:`RequestValidationError`,
:class:`HTTPException`), so the app's exception handlers answer them as they always have.
"""

from __future__ import annotations

import email.message
import json
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

#: the Content-Type nearly every client sends (recognised without parsing the header)
JSON = "application/json"


def read_json(model: type[M], raw: bytes, content_type: str | None) -> M:
    """``raw`` as a ``model``, or the error FastAPI raises for a ``body: model`` parameter."""
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",),
                                       "msg": "Field required", "input": None}])
    if not is_json(content_type):
        return _validated(model, raw)  # refused: bytes are not an object
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        pass  # refused, or text only Python's parser reads: judged as FastAPI judges it
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", exc.pos),
                                       "msg": "JSON decode error", "input": {},
                                       "ctx": {"error": exc.msg}}]) from None
    except Exception:  # no Unicode Python reads, nested too deep, an integer too long
        raise HTTPException(400, "There was an error parsing the body") from None
    return _validated(model, value)


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body with this ``Content-Type`` as JSON."""
    if content_type == JSON:
        return True
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json"))


def _validated(model: type[M], value: Any) -> M:
    """``value`` validated as FastAPI validates a body (errors located under ``body``)."""
    try:
        return model.model_validate(value, from_attributes=True)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors(include_url=False)]) from None
