"""Fixtures for the desktop UI tests.

The tests drive the real widgets (pytest-qt's ``qtbot``) against real encrypted workspaces in
a fresh ``CSE_DESKTOP_HOME`` per test.  Key derivation uses the cheap test setting.  Screens
are saved as PNGs under ``test-artifacts/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import os

# Before anything imports Qt: no display is needed (the root conftest sets this too).
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Owner, Role
from cse_desktop.store import KdfParams, Workspace
from cse_desktop.store.locations import default_workspace

if TYPE_CHECKING:
    from cse_desktop.qt.operations import TaskManager

PASSPHRASE = "fictional test passphrase 1"
NEW_PASSPHRASE = "another fictional passphrase 2"
WRONG_PASSPHRASE = "not the right passphrase 3"
OWNER = Owner(name="Sam Fictional", role=Role.PRACTITIONER, team="Test Exploitation Team")
KDF = KdfParams.insecure_for_tests()
WINDOW_SIZE = (1040, 720)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def cse_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty data folder (so its own default and demo workspaces)."""
    home = tmp_path / "cse-home"
    monkeypatch.setenv("CSE_DESKTOP_HOME", str(home))
    return home


@pytest.fixture(scope="session", autouse=True)
def styled_app(qapp):  # type: ignore[no-untyped-def]
    """The application as ``run()`` sets it up: name, icon and style sheet."""
    from cse_desktop.qt.app import configure_application

    configure_application(qapp)
    return qapp


@pytest.fixture
def make_window(qtbot) -> Callable[..., object]:  # type: ignore[no-untyped-def]
    """Build, show and track a MainWindow (closed, so locked, when the test ends)."""
    from cse_desktop.qt.app import MainWindow

    def make(workspace: Path | None = None) -> MainWindow:
        window = MainWindow(workspace, kdf=KDF)
        qtbot.addWidget(window)
        window.resize(*WINDOW_SIZE)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        return window

    return make


@dataclass
class ExistingWorkspace:
    folder: Path
    recovery_code: str


@pytest.fixture
def existing_workspace() -> Iterator[ExistingWorkspace]:
    """A locked workspace at the default location, made through the store."""
    folder = default_workspace()
    ws, code = Workspace.create(folder, PASSPHRASE, OWNER, kdf=KDF)
    ws.lock()
    yield ExistingWorkspace(folder, code)


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    """Save a widget's pixels as test-artifacts/screenshots/<name>.png."""

    def save(widget, name: str) -> Path:  # type: ignore[no-untyped-def]
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()  # let pending layouts settle before the grab
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save


# -- the form filler ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def form_engine():  # type: ignore[no-untyped-def]
    """The shipped forms, loaded once."""
    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormRegistry

    return FormEngine(FormRegistry.load())


@pytest.fixture
def form_tasks(qtbot, existing_workspace):  # type: ignore[no-untyped-def]
    """A task manager on an unlocked workspace (locked again when the test ends)."""
    from cse_desktop.qt.operations import TaskManager

    ws = Workspace.open(existing_workspace.folder, PASSPHRASE)
    tasks = TaskManager(ws)
    yield tasks
    tasks.close(final=lambda w: w.lock())


@pytest.fixture
def make_form_page(qtbot, form_tasks, form_engine):  # type: ignore[no-untyped-def]
    """Build and show FormFillPages; each saves what it holds before the workspace locks."""
    from cse_desktop.qt.formfill import FormFillPage

    pages: list[FormFillPage] = []

    def make(**kwargs) -> FormFillPage:  # type: ignore[no-untyped-def]
        page = FormFillPage(form_tasks, form_engine, **kwargs)
        qtbot.addWidget(page)
        page.resize(*WINDOW_SIZE)
        page.show()
        qtbot.waitExposed(page)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.flush()
        page.clear()


# -- caseload and manager: a workspace with the demo caseload and known examples --------------

from datetime import UTC as _UTC  # noqa: E402 - this section's own import
from datetime import datetime as _datetime  # noqa: E402

#: the tests' fixed instant: Tuesday 10 March 2026, noon UTC (an RMM day)
CASELOAD_NOW = _datetime(2026, 3, 10, 12, 0, tzinfo=_UTC)
MANAGER = Owner(name="Morgan Fictional-Manager", role=Role.MANAGER,
                team="Test Exploitation Team")


@dataclass
class CaseloadExamples:
    """The ids of the fictional people added on top of the demo caseload."""

    missing_now: str
    rhi_due: str  # returned 21 hours ago: RHI due in 51 h
    rhi_overdue: str  # returned 77 hours ago: RHI overdue by 5 h
    review_overdue: str
    repeat_missing: str
    downgrade: str  # a screening's lower level waits for approval


def add_caseload_examples(ws: Workspace, engine, now) -> CaseloadExamples:  # type: ignore[no-untyped-def]
    """Invented children, one per case the caseload and manager views must show."""
    from datetime import date, timedelta

    from cse_desktop.casework.submissions import finalise
    from cse_desktop.domain.models import Episode, Person, RhiStatus, RiskLevel
    from cse_desktop.forms.samples import load_samples

    def child(given: str, family: str, **fields) -> str:  # type: ignore[no-untyped-def]
        fields.setdefault("dob", date(2011, 5, 4))
        fields.setdefault("allocated_worker", "T. Fictional-Worker")
        return ws.people.add(Person(given_name=given, family_name=family, flags=["TEST"],
                                    **fields)).id

    def episode(person_id: str, started_hours_ago: float, returned_hours_ago: float | None,
                status: RhiStatus) -> None:
        ws.episodes.add(Episode(
            person_id=person_id, started_at=now - timedelta(hours=started_hours_ago),
            returned_at=(None if returned_hours_ago is None
                         else now - timedelta(hours=returned_hours_ago)),
            rhi_status=status, police_reference="TEST-0001"))

    today = now.date()
    missing = child("Asha", "Examplefield", also_known_as=["Ash"], risk_level=RiskLevel.HIGH,
                    next_review=today + timedelta(days=40))
    episode(missing, 5, None, RhiStatus.NOT_YET_DUE)
    due = child("Bryn", "Samplewood", risk_level=RiskLevel.LOW,
                next_review=today + timedelta(days=60))
    episode(due, 30, 21, RhiStatus.DUE)
    overdue = child("Cara", "Testbrook", next_review=today + timedelta(days=50))
    episode(overdue, 90, 77, RhiStatus.OFFERED)
    review = child("Dara", "Mockley", risk_level=RiskLevel.LOW,
                   next_review=today - timedelta(days=3))
    repeat = child("Eden", "Placeholder", risk_level=RiskLevel.LOW,
                   next_review=today + timedelta(days=70))
    for days in (2, 9, 20):
        episode(repeat, days * 24, days * 24 - 6, RhiStatus.DECLINED)
    downgrade = child("Fern", "Fictitious", allocated_worker="P. Sample-Worker")
    answers = dict(next(s for s in load_samples()
                        if s.form_id == FormId.SCREENING).answers)
    answers.update({"agreed_level": "none",
                    "override_rationale": "Fictional: the worries were about a sibling, not "
                                          "Fern; school and home report no concerns."})
    draft = engine.set_answers(engine.start(FormId.SCREENING, downgrade), answers)
    finalise(ws, engine, draft, now=now)
    return CaseloadExamples(missing, due, overdue, review, repeat, downgrade)


@pytest.fixture(scope="session")
def caseload_engine():  # type: ignore[no-untyped-def]
    """The shipped forms, loaded once (for the caseload and manager tests)."""
    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormRegistry

    return FormEngine(FormRegistry.load())


@pytest.fixture(scope="session")
def _caseload_template(tmp_path_factory, caseload_engine):  # type: ignore[no-untyped-def]
    """Made once per session: copied for each test, which is far quicker than filling it."""
    from cse_desktop.casework import demo

    folder = tmp_path_factory.mktemp("caseload-template") / "ws"
    ws, _ = Workspace.create(folder, PASSPHRASE, MANAGER, kdf=KDF)
    try:
        demo.populate(ws, people=25, seed=3, today=CASELOAD_NOW.date(), engine=caseload_engine)
        examples = add_caseload_examples(ws, caseload_engine, CASELOAD_NOW)
    finally:
        ws.lock()
    return folder, examples


@dataclass
class CaseloadWorkspace:
    ws: Workspace
    examples: CaseloadExamples
    tasks: TaskManager


@pytest.fixture
def caseload_workspace(tmp_path, qtbot, _caseload_template) -> Iterator[CaseloadWorkspace]:  # type: ignore[no-untyped-def]
    """A manager's workspace: the demo caseload plus the examples, with its task manager."""
    import shutil

    from cse_desktop.qt.operations import TaskManager

    template, examples = _caseload_template
    folder = tmp_path / "caseload-ws"
    shutil.copytree(template, folder)
    ws = Workspace.open(folder, PASSPHRASE)
    tasks = TaskManager(ws)
    yield CaseloadWorkspace(ws, examples, tasks)
    tasks.close(final=lambda w: w.lock())


# -- themes: put the standard look back after a test changes it --------------------------------


@pytest.fixture
def restore_theme(styled_app):  # type: ignore[no-untyped-def]
    """The application, with its style sheet, palette and theme settings restored afterwards."""
    from PySide6.QtGui import QGuiApplication

    sheet, palette = styled_app.styleSheet(), QGuiApplication.palette()
    names = ("cseHighContrast", "cseFontScale")
    saved = {name: styled_app.property(name) for name in names}
    yield styled_app
    styled_app.setStyleSheet(sheet)
    QGuiApplication.setPalette(palette)
    for name, value in saved.items():
        styled_app.setProperty(name, value)


# -- the person record (test_person_*.py; their helpers are in person_helpers.py) ---------------


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormRegistry

    return FormEngine(FormRegistry.load())


@pytest.fixture
def tasks(tmp_path: Path) -> Iterator[TaskManager]:
    from cse_desktop.qt.operations import TaskManager

    ws, _ = Workspace.create(tmp_path / "ws", PASSPHRASE, OWNER, kdf=KDF)
    r = TaskManager(ws)
    yield r
    r.close(final=lambda w: w.lock())


@pytest.fixture
def child(tasks: TaskManager):  # type: ignore[no-untyped-def]
    from cse_desktop.domain.models import Person
    from cse_desktop.qt.operations import Operation

    return tasks.call(Operation(lambda ws: ws.people.add(Person(
        given_name="Ashlyn", family_name="Fictional-Tester", dob=date(2011, 5, 4),
        also_known_as=["Ash"], gender="Female", school="Imaginary Vale School (fictional)",
        postcode="ZZ99 1AB", allocated_worker="A. Example-Worker", team="Test Exploitation Team",
        next_review=date.today() + timedelta(days=20)))))


@pytest.fixture
def page(qtbot, tasks: TaskManager):  # type: ignore[no-untyped-def]
    from cse_desktop.qt.person import PersonPage

    from .person_helpers import PAGE_SIZE

    widget = PersonPage(tasks)
    qtbot.addWidget(widget)
    widget.resize(*PAGE_SIZE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
