"""The main screens at 100 %, 130 % and 200 % text and in high contrast: nothing clipped, and
each screen still looks as it did (issue 14, item 5).

For every variant the test unlocks a real encrypted workspace (the manager's demo caseload with
the known examples) in a main window of a fixed size, and visits the unlock page, the
caseload, two person records (one with a return home interview overdue, one at high risk and
missing now), the screening form with its outcome panel, and the team manager's view.  On each
screen it

* measures every visible label, button and table header section: the text's QFontMetrics
  width must fit the widget (a single-line label's contents width; a button's size hint, which
  Qt computes from the same metrics; a header section's width).  A widget that elides on
  purpose (its text ends with "…") and carries the full text in a tooltip is allowed;
* checks that every toolbar button (Lock above all) is on screen, not in the overflow menu;
* saves the full-size image under ``test-artifacts/screens/`` and compares a small grayscale
  copy with the reference stored under ``tests/qt/screens/`` (mean absolute difference, so font
  rendering noise does not fail it).  A missing reference is written and the test fails,
  saying so; ``CSE_UPDATE_SCREENS=1`` rewrites the references and passes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QLabel,
    QScrollArea,
    QToolBar,
    QWidget,
)

from cse_desktop.domain.ids import FormId
from cse_desktop.qt.resources import apply_theme

from .conftest import KDF, PASSPHRASE, WINDOW_SIZE

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screens"
REFERENCES = Path(__file__).resolve().parent / "screens"
UPDATE_ENV = "CSE_UPDATE_SCREENS"

#: name -> (high contrast, text size)
VARIANTS = {
    "standard-100": (False, 1.0),
    "standard-130": (False, 1.3),
    "standard-200": (False, 2.0),
    "contrast-100": (True, 1.0),
    "contrast-200": (True, 2.0),
}
#: the width of the stored references (grayscale, aspect kept)
REFERENCE_WIDTH = 240
#: mean absolute difference (0-255) allowed between a screen and its reference
TOLERANCE = 6.0
#: pixels a text may overhang its box before it counts as cut (rounding, italics)
SLACK = 2


# -- measuring clipped text --------------------------------------------------------------------


_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def _plain(text: str) -> str:
    """A button's or label's text as shown: no mnemonic ampersands."""
    return re.sub(r"&(.)", r"\1", text)


def _elides_on_purpose(widget: QWidget, text: str) -> bool:
    return text.endswith("…") and bool(widget.toolTip())


def _in_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or label.wordWrap() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    if label.textFormat() == Qt.TextFormat.RichText or (
            label.textFormat() == Qt.TextFormat.AutoText and _TAG.search(text)):
        return None
    shown = _plain(text) if label.buddy() is not None else text
    metrics = label.fontMetrics()
    needed = max(metrics.horizontalAdvance(line) for line in shown.split("\n"))
    available = label.contentsRect().width() - 2 * max(label.margin(), 0)
    if label.indent() > 0:
        available -= label.indent()
    if needed > available + SLACK and not _elides_on_purpose(label, text):
        return f"label {text!r}: needs {needed} px, has {available}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = _plain(button.text())
    if not text:
        return None
    needed = button.sizeHint().width()
    if button.width() + SLACK < needed and not _elides_on_purpose(button, text):
        return f"button {text!r}: needs {needed} px, has {button.width()}"
    return None


def _header_problems(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None or header.orientation() != Qt.Orientation.Horizontal:
        return []
    font = QFont(header.font())
    font.setBold(True)  # both style sheets draw header sections in bold
    metrics = QFontMetrics(font)
    problems = []
    for logical in range(header.count()):
        if header.isSectionHidden(logical):
            continue
        text = str(model.headerData(logical, Qt.Orientation.Horizontal,
                                    Qt.ItemDataRole.DisplayRole) or "")
        if not text:
            continue
        # the widest line (a heading may wrap onto two), padding 8 px each side in both
        # sheets, and the sort arrow beside the sorted column
        needed = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + 16
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == logical:
            needed += 12
        width = header.sectionSize(logical)
        if width + SLACK < needed:
            problems.append(f"header {text!r}: needs {needed} px, has {width}")
    return problems


def clipped_text(top: QWidget) -> list[str]:
    """Every visible label, button and header section under ``top`` whose text does not fit,
    and every widget that sticks out of the window (outside a scroll area)."""
    problems: list[str] = []
    window_rect = top.rect()
    for widget in top.findChildren(QWidget):
        if not widget.isVisibleTo(top) or widget.width() <= 0:
            continue
        problem = None
        if isinstance(widget, QLabel):
            problem = _label_problem(widget)
        elif isinstance(widget, QAbstractButton):
            problem = _button_problem(widget)
        elif isinstance(widget, QHeaderView):
            problems.extend(_header_problems(widget))
        if problem is None and isinstance(widget, QLabel | QAbstractButton) and \
                widget.text() and not _in_scroll_area(widget, top):
            rect = widget.rect().translated(widget.mapTo(top, widget.rect().topLeft()))
            if rect.right() > window_rect.right() + SLACK:
                problem = (f"{type(widget).__name__} {widget.text()!r} ends at x={rect.right()}, "
                           f"past the window's edge ({window_rect.right()})")
        if isinstance(widget, QScrollArea) and widget.horizontalScrollBar().isVisible():
            problem = (f"scroll area {widget.objectName() or type(widget).__name__!r} scrolls "
                       "sideways: its content is cut at the right")
        if problem is not None:
            problems.append(problem)
    return problems


def hidden_toolbar_actions(top: QWidget) -> list[str]:
    """Visible toolbar actions that are not on screen (pushed into the overflow menu)."""
    missing = []
    for bar in top.findChildren(QToolBar):
        if not bar.isVisibleTo(top):
            continue
        for action in bar.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            button = bar.widgetForAction(action)
            if button is None or not button.isVisibleTo(top):
                missing.append(_plain(action.text()) or action.objectName())
    return missing


# -- references --------------------------------------------------------------------------------


def small_gray(image: QImage) -> QImage:
    return image.convertToFormat(QImage.Format.Format_Grayscale8).scaledToWidth(
        REFERENCE_WIDTH, Qt.TransformationMode.SmoothTransformation)


def mean_difference(a: QImage, b: QImage) -> float:
    """Mean absolute difference (0-255) of two grayscale images of the same size."""
    if a.size() != b.size():
        return 255.0
    total = 0
    width, height = a.width(), a.height()
    for y in range(height):
        row_a, row_b = a.constScanLine(y), b.constScanLine(y)
        total += sum(abs(p - q) for p, q in zip(bytes(row_a)[:width], bytes(row_b)[:width],
                                                strict=True))
    return total / (width * height)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def compare_with_reference(image: QImage, name: str) -> str | None:
    """None if ``image`` matches the stored reference; else why not (writing a missing one)."""
    small = small_gray(image)
    reference_path = REFERENCES / f"{name}.png"
    if os.environ.get(UPDATE_ENV) == "1":
        REFERENCES.mkdir(parents=True, exist_ok=True)
        small.save(str(reference_path))
        return None
    if not reference_path.is_file():
        REFERENCES.mkdir(parents=True, exist_ok=True)
        small.save(str(reference_path))
        return (f"{name}: no reference image; wrote {_shown(reference_path)} - look "
                f"at it, commit it, and run again (or set {UPDATE_ENV}=1)")
    reference = QImage(str(reference_path)).convertToFormat(QImage.Format.Format_Grayscale8)
    difference = mean_difference(small, reference)
    if difference > TOLERANCE:
        return (f"{name}: differs from {_shown(reference_path)} by {difference:.1f} "
                f"(allowed {TOLERANCE}); see test-artifacts/screens/{name}.png, and if the "
                f"change is wanted run with {UPDATE_ENV}=1")
    return None


# -- the screens -------------------------------------------------------------------------------


@pytest.fixture
def themed(restore_theme) -> Callable[[bool, float], None]:  # type: ignore[no-untyped-def]
    def set_theme(high_contrast: bool, scale: float) -> None:
        apply_theme(restore_theme, high_contrast, scale)

    return set_theme


@pytest.fixture
def screens_window(qtbot, tmp_path, _caseload_template) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A main window on a locked copy of the manager's caseload workspace."""
    from cse_desktop.qt.app import MainWindow

    template, examples = _caseload_template
    folder = tmp_path / "screens-ws"
    shutil.copytree(template, folder)
    window = MainWindow(folder, kdf=KDF)
    qtbot.addWidget(window)
    window.resize(*WINDOW_SIZE)
    window.show()
    qtbot.waitExposed(window)
    window.examples = examples  # type: ignore[attr-defined]
    yield window
    window.close()


def visit_screens(qtbot, window) -> Iterator[tuple[str, QWidget]]:  # type: ignore[no-untyped-def]
    """Go through the main screens, yielding (name, window) once each has settled."""

    def settle() -> None:
        qtbot.waitUntil(lambda: window.tasks.idle, timeout=10_000)
        QApplication.processEvents()
        qtbot.wait(30)

    page = window.unlock_page
    assert window.stack.currentWidget() is page
    settle()
    yield "unlock", window
    page.secret_edit.setText(PASSPHRASE)
    page.unlock_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.caseload_page, timeout=10_000)
    qtbot.waitUntil(lambda: window.caseload_page.row_count() > 0, timeout=10_000)
    settle()
    yield "caseload", window
    examples = window.examples
    for name, person_id in (("person-rhi", examples.rhi_overdue),
                            ("person-high", examples.missing_now)):
        with qtbot.waitSignal(window.person_page.loaded, timeout=10_000):
            window.show_person(person_id)
        settle()
        yield name, window
    with qtbot.waitSignal(window.form_page.opened, timeout=10_000):
        window._start_form(FormId.SCREENING, examples.missing_now, None)
    settle()
    yield "screening", window
    window.show_team()
    settle()
    yield "team", window


def run_variant(qtbot, window, variant: str) -> list[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for screen, top in visit_screens(qtbot, window):
        name = f"{variant}-{screen}"
        image = top.grab().toImage()
        image.save(str(ARTIFACTS / f"{name}.png"))
        failures += [f"{name}: {p}" for p in clipped_text(top)]
        failures += [f"{name}: {a!r} is in the toolbar's overflow, not on screen"
                     for a in hidden_toolbar_actions(top)]
        mismatch = compare_with_reference(image, name)
        if mismatch:
            failures.append(mismatch)
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_screens_fit_and_match(qtbot, themed, screens_window, variant: str) -> None:
    high_contrast, scale = VARIANTS[variant]
    themed(high_contrast, scale)
    failures = run_variant(qtbot, screens_window, variant)
    assert not failures, "\n".join(failures)


# -- the measures themselves -------------------------------------------------------------------


def test_a_cut_label_and_button_are_found_and_an_elided_one_with_a_tooltip_is_not(qtbot) -> None:
    top = QWidget()
    qtbot.addWidget(top)
    top.resize(400, 200)
    cut = QLabel("Return home interview overdue by 5 hours", top)
    cut.setGeometry(0, 0, 60, 20)
    fits = QLabel("Lock", top)
    fits.setGeometry(0, 30, 200, 20)
    elided = QLabel("Return home…", top)
    elided.setToolTip("Return home interview overdue by 5 hours")
    elided.setGeometry(0, 60, 40, 20)
    wrapped = QLabel("Long text that wraps onto more lines", top)
    wrapped.setWordWrap(True)
    wrapped.setGeometry(0, 90, 60, 60)
    from PySide6.QtWidgets import QPushButton

    squeezed = QPushButton("Start return home interview", top)
    squeezed.setGeometry(100, 0, 40, 30)
    top.show()
    qtbot.waitExposed(top)
    problems = clipped_text(top)
    assert len(problems) == 2, problems
    assert any("Return home interview overdue" in p for p in problems)
    assert any("Start return home interview" in p for p in problems)


def test_a_widget_past_the_window_edge_is_found(qtbot) -> None:
    top = QWidget()
    qtbot.addWidget(top)
    top.resize(200, 100)
    label = QLabel("Lock", top)
    label.setGeometry(190, 0, 80, 20)
    top.show()
    qtbot.waitExposed(top)
    assert any("past the window's edge" in p for p in clipped_text(top))


def test_the_reference_comparison_tolerates_noise_and_fails_on_change(tmp_path,
                                                                      monkeypatch) -> None:
    monkeypatch.setattr(f"{__name__}.REFERENCES", tmp_path)
    monkeypatch.delenv(UPDATE_ENV, raising=False)
    image = QImage(800, 500, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    message = compare_with_reference(image, "probe")
    assert message is not None and "no reference image" in message
    assert (tmp_path / "probe.png").is_file()
    noisy = image.copy()
    for x in range(0, 800, 7):
        noisy.setPixel(x, 10, 0xFF000000)  # a few dark pixels: rendering noise
    assert compare_with_reference(noisy, "probe") is None
    changed = image.copy()
    changed.fill(Qt.GlobalColor.black)
    message = compare_with_reference(changed, "probe")
    assert message is not None and "differs" in message
