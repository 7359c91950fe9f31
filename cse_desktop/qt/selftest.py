"""``cse-desktop --self-test``: fill in and finalise every shipped form through the real filler.

It checks the installed bundle end to end, without touching anyone's data: the style sheet and
the forms load, Qt starts (offscreen), a temporary encrypted workspace is created, and for
every form of the registry a :class:`~cse_desktop.qt.formfill.FormFillPage` starts a draft,
answers the form's shipped sample through the page's own widgets, and finalises it with the
sample's clock.  The stored submissions must be final and match the samples' expectations.

It prints exactly one line and returns 0 (``self-test ok: ...``) or 1 (``self-test FAILED:
<reason>``).  The temporary folder is deleted afterwards either way.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cse_desktop.domain.errors import CseError
from cse_desktop.domain.models import Owner, Role, Submission

if TYPE_CHECKING:  # Qt loads only when the self-test runs
    from cse_desktop.qt.operations import TaskManager

#: how long one step (opening a form, finalising it) may take before the self-test gives up
STEP_TIMEOUT = 30.0


class SelfTestFailed(Exception):
    """A check failed: the message is the reason printed."""


def run_self_test() -> int:
    """Run the self-test; print one line; 0 if every form was finalised, else 1."""
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="cse-desktop-self-test-"))
    try:
        names = _run(folder)
    except SelfTestFailed as exc:
        print(f"self-test FAILED: {exc}")
        return 1
    except CseError as exc:
        print(f"self-test FAILED: {exc.message}")
        return 1
    except Exception as exc:  # any other failure is still one plain line, never a traceback
        print(f"self-test FAILED: unexpected {type(exc).__name__}: {exc}")
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(f"self-test ok: {len(names)} form{'s' if len(names) != 1 else ''} finalised "
          f"({', '.join(names)}) in {elapsed:.1f} s")
    return 0


def _run(folder: Path) -> list[str]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormLoadError, FormRegistry
    from cse_desktop.forms.samples import load_samples
    from cse_desktop.qt.operations import TaskManager
    from cse_desktop.qt.operations import workspace as workspaces
    from cse_desktop.qt.resources import resource
    from cse_desktop.store.keys import FLOOR

    def quiet(kind: QtMsgType, _context: object, message: str) -> None:
        # keep the report to one line: only Qt's critical messages get through
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(quiet)
    try:
        style = resource("style.qss")
        if not style.is_file():
            raise SelfTestFailed(f"the style sheet is missing ({style})")
        existing = QApplication.instance()
        app = existing if isinstance(existing, QApplication) else QApplication(
            ["cse-desktop-self-test"])
        if existing is None:
            app.setStyleSheet(_style_sheet(style))
        try:
            registry = FormRegistry.load()
        except FormLoadError as exc:
            raise SelfTestFailed(f"the forms do not load: {exc.problems[0]}") from None
        engine = FormEngine(registry)
        samples = {(s.form_id, s.version): s for s in load_samples(registry.root)}
        if not registry.ids():
            raise SelfTestFailed("there are no forms")

        # The self-test checks the bundle, not the cost of the key derivation: the cheapest
        # cost an unlock accepts (keys.FLOOR) keeps it quick; the workspace is thrown away.
        opened = workspaces.create(folder=folder / "workspace",
                                   passphrase=secrets.token_urlsafe(24),
                                   owner=Owner(name="Self-test", role=Role.PRACTITIONER,
                                               team="Self-test"),
                                   kdf=FLOOR)()
        tasks = TaskManager(opened.workspace)
        try:
            names = []
            for form_id in registry.ids():
                version = registry.latest(form_id).version
                sample = samples.get((form_id, version))
                if sample is None:
                    raise SelfTestFailed(f"{form_id} version {version} has no sample")
                _fill_and_finalise(app, tasks, engine, sample)
                names.append(form_id)
        finally:
            tasks.close(final=workspaces.lock)
        return names
    finally:
        qInstallMessageHandler(previous)


def _style_sheet(path: Path) -> str:
    """The standard theme as the application loads it (icon urls resolved), else the file."""
    try:
        from cse_desktop.qt.resources import stylesheet
    except ImportError:
        return path.read_text("utf-8")
    return stylesheet()


def _fill_and_finalise(app: Any, tasks: TaskManager, engine: Any, sample: Any) -> Submission:
    from cse_desktop.qt.formfill import FormFillPage
    from cse_desktop.qt.operations import episodes, people, submissions

    tasks.call(people.add(person=sample.person))
    if sample.episode is not None:
        tasks.call(episodes.add(episode=sample.episode))
    page = FormFillPage(tasks, engine, clock=lambda: sample.now)
    page.resize(1040, 720)
    page.show()
    opened: list[Submission] = []
    finalised: list[Submission] = []
    refused: list[str] = []
    page.opened.connect(opened.append)
    page.finalised.connect(finalised.append)
    page.finalise_failed.connect(refused.append)
    try:
        page.start(sample.form_id, sample.person.id,
                   sample.episode.id if sample.episode is not None else None)
        _wait(app, lambda: bool(opened) or (page.editor is None and page.message.isVisible()),
              f"{sample.form_id}: the form did not open")
        if not opened:
            raise SelfTestFailed(f"{sample.form_id}: {page.message.text()}")
        for path, value in sample.answers.items():
            page.fill(path, value)
        page.finalise()
        _wait(app, lambda: bool(finalised or refused), f"{sample.form_id}: finalising hung")
        if refused:
            raise SelfTestFailed(f"{sample.form_id} was not finalised: {refused[0]}")
        stored = tasks.call(submissions.get(submission_id=finalised[0].id))
        _check(sample, stored)
        return stored
    finally:
        page.clear()
        page.hide()
        page.deleteLater()


def _check(sample: Any, stored: Submission) -> None:
    if not stored.is_final:
        raise SelfTestFailed(f"{sample.form_id} is not final after finalising")
    outcome = stored.outcome or {}
    expect = sample.expect
    if "flags" in expect:
        flags = sorted(f["id"] for f in outcome.get("flags", []))
        if flags != sorted(expect["flags"]):
            raise SelfTestFailed(f"{sample.form_id}: flags were {flags}, expected "
                                 f"{sorted(expect['flags'])}")
    for key in ("suggested_level", "level"):
        if key in expect and outcome.get(key) != expect[key]:
            raise SelfTestFailed(f"{sample.form_id}: {key} was {outcome.get(key)}, expected "
                                 f"{expect[key]}")


def _wait(app: Any, done: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not done():
        app.processEvents()
        if time.monotonic() > deadline:
            raise SelfTestFailed(failure)
        time.sleep(0.002)
