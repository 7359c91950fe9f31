"""Fixtures shared by the casework tests: the form engine, a fresh workspace, one child."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from cse_desktop.domain.models import Owner, Person, Role
from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry
from cse_desktop.store import KdfParams, Workspace

PASS = "correct horse battery staple"


@pytest.fixture(scope="session")
def engine() -> FormEngine:
    return FormEngine(FormRegistry.load())


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace, _ = Workspace.create(tmp_path / "ws", PASS,
                                    Owner(name="Test Worker", role=Role.PRACTITIONER,
                                          team="Test Team"),
                                    kdf=KdfParams.insecure_for_tests())
    yield workspace
    workspace.lock()


@pytest.fixture
def child(ws: Workspace) -> Person:
    return ws.people.add(Person(given_name="Test", family_name="Child", dob=date(2011, 5, 4)))
