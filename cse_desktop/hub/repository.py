"""The hub's operations over one database, as one :class:`Hub` for the API, the CLI and tests.

Each noun has its own module; :class:`Hub` only joins them:

* :mod:`~cse_desktop.hub.admin`: teams, users and roles, enrolment codes;
* :mod:`~cse_desktop.hub.devices`: enrolment, sign-in, revoking and retiring devices;
* :mod:`~cse_desktop.hub.changes`: push, pull and reading one record (the sync path);
* :mod:`~cse_desktop.hub.conflicts`: open conflicts and their resolution;
* :mod:`~cse_desktop.hub.audit`: the hub's audit log.

Underneath: :mod:`~cse_desktop.hub.merge` (the pure merge policy),
:mod:`~cse_desktop.hub.records` (record state, team scoping, the write batch),
:mod:`~cse_desktop.hub.tables` and :mod:`~cse_desktop.hub.db` (schema, engine, write lock),
:mod:`~cse_desktop.hub.errors`.
"""

from __future__ import annotations

import sqlalchemy as sa

from cse_desktop.hub.admin import AdminOps
from cse_desktop.hub.audit import AuditOps
from cse_desktop.hub.changes import ChangeOps
from cse_desktop.hub.conflicts import ConflictOps
from cse_desktop.hub.devices import DeviceOps


class Hub(AdminOps, DeviceOps, ChangeOps, ConflictOps, AuditOps):
    """The hub's operations over one database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
