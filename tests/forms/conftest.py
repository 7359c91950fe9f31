"""Shared fixtures for the form engine tests: the real forms folder."""

from __future__ import annotations

import pytest

from cse_desktop.forms.engine import FormEngine
from cse_desktop.forms.loader import FormRegistry


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    return FormRegistry.load()


@pytest.fixture(scope="session")
def engine(registry: FormRegistry) -> FormEngine:
    return FormEngine(registry)
