"""The sync wire protocol: pydantic models shared by the desktop client and the hub.

Strict at the boundary: unknown fields are rejected, sizes are capped, ids must be canonical
UUIDs. The hub imports this module (and nothing else of the desktop's store or UI).

* **Push** (``POST /v1/sync/push``): a batch of the laptop's outbox changes, each with the
  client-made ``change_id`` that makes a retry idempotent, the version it was made on
  (``base_version``/``base_seq``) and the changed fields.
* **Pull** (``GET /v1/sync/pull?since=SEQ&limit=N``): pages of hub changes in ``seq`` order,
  each carrying the record's whole content, until ``done``.
* **Errors** are problem+json documents with a stable ``code``.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cse_desktop.domain.ids import is_record_id

#: bumped on any incompatible change; client and hub refuse a version they do not speak
PROTOCOL_VERSION = 1
MAX_BATCH = 500
MAX_PAGE = 1000
#: a record's fields, encoded, may not exceed this many characters
MAX_FIELDS_CHARS = 256 * 1024
#: how deeply values may nest inside a record's fields (real records need 4 or 5)
MAX_DEPTH = 32

RecordKind = Literal["person", "episode", "submission", "action", "association"]
Op = Literal["create", "update", "delete"]
#: a user's role as the hub records it (the hub decides it; laptops take it from the hub)
HubRole = Literal["practitioner", "manager"]
ROLES: tuple[str, ...] = ("practitioner", "manager")
#: a response header: this device's token is due for rotation (``POST /v1/device/token``)
TOKEN_ROTATE_HEADER = "CSE-Token-Rotate"  # noqa: S105 (a header name, not a secret)
#: the code of a refused change: a final form carrying a manager's approval, pushed by a
#: device whose user the hub does not record as a manager (or in another user's name)
APPROVAL_NOT_ALLOWED = "approval_not_allowed"


#: canonical JSON: sorted keys, compact, Unicode as is, NaN and infinities refused (a change's
#: digest is made of it, so its text never changes)
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                   allow_nan=False)
_TOO_DEEP = f"values nest more than {MAX_DEPTH} levels deep"
_TOO_LARGE = f"fields are larger than {MAX_FIELDS_CHARS} characters"
_NOT_UNICODE = "text is not valid Unicode"
_NOT_FINITE = "numbers must be finite"


def _canonical_uuid(value: str) -> str:
    if is_record_id(value):
        return value
    raise ValueError("must be a UUID in its canonical lower-case form")


def _plain_json(value: Any) -> None:
    """Refuse what JSON text may carry but a record never holds: deep nesting, NaN and
    infinities, and strings that are not valid Unicode (lone surrogates). For a value as it
    came (a conflict's chosen value), and for fields that hold values JSON text cannot."""
    if isinstance(value, dict | list):
        _nesting(value, 0)
    _plain_values(value)


def _nesting(container: dict[Any, Any] | list[Any], depth: int) -> None:
    """Refuse values nested deeper than :data:`MAX_DEPTH` (``container`` sits at ``depth``;
    its keys and items one level further down)."""
    if container and depth >= MAX_DEPTH:
        raise ValueError(_TOO_DEEP)
    for item in container.values() if isinstance(container, dict) else container:
        if isinstance(item, dict | list):
            _nesting(item, depth + 1)


def _plain_values(value: Any) -> None:
    """Refuse NaN, infinities and text that is not valid Unicode, in keys and values (the
    nesting is checked first, by :func:`_nesting`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_NOT_UNICODE) from None
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(_NOT_FINITE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _plain_values(key)
            _plain_values(item)
    elif isinstance(value, list):
        for item in value:
            _plain_values(item)


def _checked_fields(fields: dict[str, Any]) -> str:
    """The canonical JSON text of a change's fields, once they are found plain JSON (as
    :func:`_plain_json` says) and their JSON text not longer than :data:`MAX_FIELDS_CHARS`;
    "" when they hold values JSON text cannot (a change built in code).

    One encoding does the checking (NaN and infinities refused, lone surrogates found when
    the text is encoded) and gives the text a change's digest is made of. The nesting is
    walked only when the text has more brackets than :data:`MAX_DEPTH` (fewer cannot nest
    that deep), as it rarely has."""
    canonical = True
    try:
        text = _CANONICAL_JSON.encode(fields)
    except RecursionError:  # nested deeper than the encoder goes: refused by the walk
        _nesting(fields, 0)
        raise
    except TypeError:  # values JSON text cannot hold: checked the long way, sized as text
        _plain_json(fields)
        canonical = False
        try:
            text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
        except ValueError:
            raise ValueError("numbers may have at most 4,300 digits") from None
    except ValueError:  # NaN or an infinity (which one, if the long way says), or too long
        _plain_json(fields)
        raise ValueError("numbers may have at most 4,300 digits") from None
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _nesting(fields, 0)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_NOT_UNICODE) from None
    if len(text) > MAX_FIELDS_CHARS:
        raise ValueError(_TOO_LARGE)
    return text if canonical else ""


class _Made:
    """The canonical text of a change's fields, with the fields object it was made from."""

    __slots__ = ("fields", "text")

    def __init__(self, fields: dict[str, Any], text: str) -> None:
        self.fields, self.text = fields, text


def _speaks_our_protocol(value: int) -> int:
    if value != PROTOCOL_VERSION:
        raise ValueError(f"this side speaks sync protocol {PROTOCOL_VERSION}, not {value}")
    return value


def _json_integer(value: Any) -> Any:
    """Only what JSON calls an integer: pydantic alone would also take ``true`` and ``"5"``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        # an ``int_type`` error, as pydantic's own: a protocol that is not a number is an
        # invalid request, not another protocol version
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


#: an integer in a request: a JSON number with no fraction, never a boolean or a string
JsonInt = Annotated[int, BeforeValidator(_json_integer)]
#: the protocol version a message speaks: published in the OpenAPI document as the constant
#: PROTOCOL_VERSION (requests that say otherwise are refused with ``protocol_unsupported``)
Protocol = Annotated[JsonInt, Field(json_schema_extra={"const": PROTOCOL_VERSION})]
#: an id that is a UUID in its canonical lower-case form (published with ``format: uuid``)
Uuid = Annotated[str, Field(json_schema_extra={"format": "uuid"})]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Wire):
    """One local change, as the outbox holds it."""

    change_id: Uuid
    record_kind: RecordKind
    record_id: Uuid
    op: Op
    version: JsonInt = Field(ge=1)
    base_version: JsonInt = Field(ge=0)
    base_seq: JsonInt | None = Field(default=None, ge=0)
    fields: dict[str, Any] = Field(default_factory=dict)

    _ids = field_validator("change_id", "record_id")(_canonical_uuid)

    @model_validator(mode="after")
    def _consistent(self) -> Change:
        if self.op == "create" and (self.version != 1 or self.base_version != 0):
            raise ValueError("a create is version 1 on base version 0")
        if self.op != "create" and self.version != self.base_version + 1:
            raise ValueError("a change moves a record on by exactly one version")
        try:
            text = _checked_fields(self.fields)
        except ValueError as exc:
            raise ValueError(f"fields: {exc}") from None
        if text:
            # kept in pydantic's store for private values, set directly: a declared private
            # attribute costs every change its set-up (a tenth of parsing a push)
            object.__setattr__(self, "__pydantic_private__", {"_made": _Made(self.fields, text)})
        return self

    def __eq__(self, other: object) -> bool:
        """Changes are equal when their fields are: the fields' text (:meth:`fields_json`) is
        not part of a change's value, so a change checked equals one never checked."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # a change holds a dict: never hashable

    def fields_json(self) -> str:
        """The fields' canonical JSON text (sorted keys, compact, Unicode as is), as made
        when the change was checked; "" for a change never checked (``model_construct``),
        one whose fields were replaced since (``model_copy``), or fields that hold values
        JSON text cannot: the caller then works it out the long way. (A change's fields are
        read-only once it is checked: changed in place, they would not be seen here.)"""
        # from pydantic's store for private values, where the validator put it
        made = (self.__pydantic_private__ or {}).get("_made")
        return made.text if made is not None and made.fields is self.fields else ""


class AuditAnchor(_Wire):
    """The end of the laptop's audit chain, kept by the hub so a rewritten history shows."""

    seq: JsonInt = Field(ge=0)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class PushRequest(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    changes: list[Change] = Field(min_length=1, max_length=MAX_BATCH)
    audit_head: AuditAnchor | None = None
    #: for heads pushed before: the hash the laptop's chain holds today at each one's number
    audit_links: list[AuditAnchor] = Field(default_factory=list, max_length=8)

    _protocol = field_validator("protocol")(_speaks_our_protocol)

    @model_validator(mode="after")
    def _unique(self) -> PushRequest:
        ids = [c.change_id for c in self.changes]
        if len(set(ids)) != len(ids):
            raise ValueError("a change_id appears twice in one batch")
        return self


class Conflict(_Wire):
    """The same field changed on two devices: both values are kept for a person to choose."""

    record_kind: RecordKind
    record_id: Uuid
    field: str = Field(min_length=1, max_length=100)
    base_value: Any = None
    hub_value: Any = None
    device_value: Any = None


class ChangeResult(_Wire):
    """What the hub did with one change.

    * ``accepted``: applied as it was (no other device had touched the record meanwhile);
    * ``merged``: applied, and another device had changed *other* fields (a soft conflict);
    * ``conflict``: another device changed a field to a different value: the hub kept its
      value and recorded both (``conflicts``) for a person to choose;
    * ``rejected``: not applied; ``code`` says why (``not_found``, ``invalid``,
      ``approval_not_allowed``, ...) and ``message`` says it in plain words.

    A replayed ``change_id`` gets the first answer again, unchanged: the hub serves the JSON
    its receipt kept, as it was written, so a change to these fields needs a migration of the
    stored receipts too.
    """

    change_id: Uuid
    status: Literal["accepted", "merged", "conflict", "rejected"]
    #: the hub sequence number given to the change (None when rejected)
    seq: int | None = Field(default=None, ge=1)
    conflicts: list[Conflict] = Field(default_factory=list)
    code: str = Field(default="", max_length=64)
    message: str = Field(default="", max_length=500)


def applied_json(change_id: str, status: Literal["accepted", "merged"], seq: int) -> str:
    """The JSON of a change applied with no conflict, ``ChangeResult(change_id=..., status=...,
    seq=...)``, as its ``model_dump_json`` writes it: the hub answers nearly every change so,
    and writing it out is a tenth of the model's cost. The id is a canonical UUID and the
    status a word of the protocol: nothing to escape."""
    return (f'{{"change_id":"{change_id}","status":"{status}","seq":{seq:d},'
            '"conflicts":[],"code":"","message":""}')


class PushResponse(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    results: list[ChangeResult]

    @staticmethod
    def json_of(results: list[str]) -> bytes:
        """The JSON of a push's answer made of its results' JSON (as ``model_dump_json``
        writes it), without parsing them again."""
        return b'{"protocol":%d,"results":[%s]}' % (PROTOCOL_VERSION,
                                                     ",".join(results).encode())


class HubChange(_Wire):
    """A record as the hub holds it after change ``seq``: its whole content."""

    seq: int = Field(ge=1)
    record_kind: RecordKind
    record_id: Uuid
    version: int = Field(ge=1)
    deleted: bool = False
    fields: dict[str, Any]
    created_by: str = Field(default="", max_length=200)

    _ids = field_validator("record_id")(_canonical_uuid)


class PullResponse(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    changes: list[HubChange] = Field(max_length=MAX_PAGE)
    #: pass as ``since`` for the next page
    next: int = Field(ge=0)
    done: bool
    #: people no longer in this device's scope (a child allocated to another worker where
    #: the team sees only its own caseload): the device removes them and their records
    evict: list[str] = Field(default_factory=list, max_length=MAX_PAGE)
    #: the device user's role on the hub now: every sync carries it to the laptop's owner,
    #: so a promotion or a demotion reaches the laptop at its next sync
    role: HubRole


class HubConflict(_Wire):
    """An open hard conflict the device can see, as listed by ``GET /v1/conflicts``."""

    id: Uuid
    record_kind: RecordKind
    record_id: Uuid
    field: str
    base_value: Any = None
    hub_value: Any = None
    device_value: Any = None
    #: the hub sequence of the change that found the conflict
    seq: int = Field(ge=1)
    created_at: str

    _ids = field_validator("id", "record_id")(_canonical_uuid)


class ConflictList(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    conflicts: list[HubConflict]


class ResolveRequest(_Wire):
    """A person's choice for a conflicted field: the value the record should hold."""

    protocol: Protocol = PROTOCOL_VERSION
    value: Any = None

    _protocol = field_validator("protocol")(_speaks_our_protocol)

    @field_validator("value")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        _plain_json(value)
        return value


class ResolveResponse(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    #: the hub change that wrote the chosen value
    seq: int = Field(ge=1)


class DeviceInfo(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    device_id: Uuid
    device_name: str
    user: str
    team: str
    #: the user's role on the hub now (a laptop refreshes its owner's role from it)
    role: HubRole
    status: Literal["active", "retiring"]
    #: the newest hub sequence number (a no-op sync compares its cursor with this)
    head_seq: int = Field(ge=0)


class EnrolRequest(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    code: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9 -]+$")
    device_name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")

    _protocol = field_validator("protocol")(_speaks_our_protocol)


class EnrolResponse(_Wire):
    protocol: Protocol = PROTOCOL_VERSION
    device_id: Uuid
    #: the device's credential; the hub keeps only its hash
    token: str = Field(min_length=32, max_length=200)
    user: str
    team: str
    #: the user's role on the hub: the laptop's owner takes it
    role: HubRole


class TokenResponse(_Wire):
    """A device's new token (``POST /v1/device/token``); the old one works until this is used."""

    protocol: Protocol = PROTOCOL_VERSION
    token: str = Field(min_length=32, max_length=200)
    #: when the new token stops signing in unless rotated again (ISO 8601, UTC)
    expires_at: str


class Problem(_Wire):
    """An error as ``application/problem+json`` (RFC 9457), with a stable ``code``."""

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    detail: str = ""


def change_from_outbox(entry: Any) -> Change:
    """A wire change from an outbox entry (``cse_desktop.store.outbox.OutboxEntry``)."""
    return Change(change_id=entry.change_id, record_kind=entry.record_kind,
                  record_id=entry.record_id, op=entry.op, version=entry.version,
                  base_version=entry.base_version, base_seq=entry.base_seq,
                  fields=entry.fields)
