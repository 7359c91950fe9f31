"""The pinned build (issue 16, item 8): the hash-pinned lock covers every dependency
pyproject.toml names, the bundle's allow-list holds no test or development package, and the
bundle check rejects one. (`make installer-test` runs the same check on the real bundle.)"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "installer"))

import contents  # noqa: E402  (installer/contents.py)

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
DEV = [Requirement(r) for r in PYPROJECT["optional-dependencies"]["dev"]]
RUNTIME = [Requirement(r) for r in PYPROJECT["dependencies"]]


@pytest.mark.parametrize("lock, requirements", [
    ("dev.lock", RUNTIME + DEV), ("runtime.lock", RUNTIME)])
def test_every_dependency_is_pinned_within_its_range(lock: str,
                                                     requirements: list[Requirement]) -> None:
    """A dependency added to pyproject.toml without `make lock` fails here, not in CI's
    install."""
    pins = contents.pinned(ROOT / "requirements" / lock)
    for requirement in requirements:
        name = contents.normalise(requirement.name)
        assert name in pins, f"{name} is not in requirements/{lock}: run 'make lock'"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), \
            f"requirements/{lock} pins {name} {pins[name][0]}, outside {requirement.specifier}"
        for extra in requirement.extras:  # psycopg[binary] -> psycopg-binary
            assert f"{name}-{extra}" in pins


def test_every_pin_has_hashes_and_the_runtime_lock_agrees_with_the_dev_lock() -> None:
    dev = contents.pinned(ROOT / "requirements" / "dev.lock")
    runtime = contents.pinned(ROOT / "requirements" / "runtime.lock")
    for pins in (dev, runtime):
        for name, (_, block) in pins.items():
            assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), name
    assert {n: v for n, (v, _) in runtime.items()} == {n: dev[n][0] for n in runtime}
    assert {"pip", "setuptools", "wheel"} <= set(dev)  # the build backend is pinned too


def test_make_installs_only_what_the_lock_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "install --quiet --require-hashes -r $(LOCK)" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert "'.[dev]'" not in makefile


def test_the_allowlist_holds_no_test_or_development_package() -> None:
    allowed = set(contents.allowed())
    dev_only = {contents.normalise(r.name) for r in DEV} | {
        "pytest", "hypothesis", "mypy", "pluggy", "iniconfig", "sortedcontainers", "click",
        "rich", "pygments", "pyinstaller", "pyinstaller-hooks-contrib", "librt",
        "ast-serialize", "mypy-extensions", "packaging"}
    assert not allowed & dev_only
    hub = {"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "starlette"}
    assert not allowed & hub
    assert "cse-desktop" in allowed and "pyside6-essentials" in allowed


def test_the_bundle_check_names_a_development_package_and_an_unknown_module() -> None:
    shipped = {"cse-desktop", "pyside6-essentials", "hypothesis"}
    found = contents.problems(shipped, {"mystery_module"})
    assert any("hypothesis" in p and "bundle-allowlist" in p for p in found)
    assert any("mystery_module" in p for p in found)
    assert contents.problems({"cse-desktop", "pyside6-essentials"}, set()) == []
