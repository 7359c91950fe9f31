"""Themes (standard and high contrast), visible focus, text scaling, icons, the .desktop file."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QAbstractItemModel, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from cse_desktop.qt.pages import NewPassphrasePage
from cse_desktop.qt.resources import (
    HIGH_CONTRAST_STYLE_SHEET,
    ICON_ALIASES,
    ICON_INK,
    ICON_NAMES,
    STYLE_SHEET,
    UnknownIcon,
    apply_theme,
    font_factor,
    icon,
    icon_path,
    is_high_contrast,
    pixel_font_sizes,
    resource,
    scale_font_sizes,
    set_font_scale,
    stylesheet,
    toggle_high_contrast,
)
from cse_desktop.qt.theme import INKS, Ink

# -- applying the themes -----------------------------------------------------------------------


def test_high_contrast_applies_and_toggles_back(restore_theme) -> None:
    app = restore_theme
    apply_theme(app, high_contrast=False)
    assert not is_high_contrast(app)
    standard = app.styleSheet()
    assert "#ffff00" not in standard

    assert toggle_high_contrast(app) is True
    assert is_high_contrast(app)
    assert "#ffff00" in app.styleSheet()
    assert QGuiApplication.palette().color(QPalette.ColorRole.Window) == QColor("#000000")
    assert QGuiApplication.palette().color(QPalette.ColorRole.WindowText) == QColor("#ffffff")

    assert toggle_high_contrast(app) is False
    assert app.styleSheet() == standard
    assert QGuiApplication.palette().color(QPalette.ColorRole.Window) != QColor("#000000")


def test_font_sizes_are_points_and_scale(restore_theme) -> None:
    for name in (STYLE_SHEET, HIGH_CONTRAST_STYLE_SHEET):
        text = resource(name).read_text("utf-8")
        assert pixel_font_sizes(text) == [], f"{name} sets a font size in pixels"
        assert "font-size: 10pt" in text
    assert "font-size: 15.0pt" in scale_font_sizes("QWidget { font-size: 10pt; }", 1.5)
    assert scale_font_sizes("a { font-size: 9pt; padding: 4px; }", 2) == (
        "a { font-size: 18.0pt; padding: 4px; }")
    assert font_factor(1.0, 12.0) == pytest.approx(1.2)  # a larger desktop font: larger
    assert font_factor(1.0, 9.0) == 1.0  # never smaller than designed (Windows' 9 pt)
    assert font_factor(1.5, 10.0) == 1.5
    assert "font-size: 20.0pt" in stylesheet(False, 2.0, 10.0)

    app = restore_theme
    apply_theme(app, high_contrast=False, font_scale=1.0)
    base = _first_point_size(app.styleSheet())
    set_font_scale(app, 1.5)
    assert _first_point_size(app.styleSheet()) == pytest.approx(base * 1.5, abs=0.1)
    toggle_high_contrast(app)  # the text size survives a theme change
    assert _first_point_size(app.styleSheet()) == pytest.approx(base * 1.5, abs=0.1)


def test_style_sheet_images_resolve_to_files() -> None:
    """url(icons/...) in either sheet is made absolute when loaded (Qt would use the working
    directory); Qt's own images (url(:/...)) are left alone."""
    for high_contrast in (False, True):
        text = re.sub(r"/\*.*?\*/", "", stylesheet(high_contrast), flags=re.S)
        assert "url(icons/" not in text
        files = re.findall(r'url\("([^":][^"]*)"\)', text)
        assert files, high_contrast
        for url in files:
            assert Path(url).is_absolute() and Path(url).is_file(), url


def _first_point_size(qss: str) -> float:
    match = re.search(r"font-size:\s*([\d.]+)pt", qss)
    assert match is not None
    return float(match.group(1))


def _luminance(hex_colour: str) -> float:
    channels = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_high_contrast_text_meets_wcag_aaa() -> None:
    """Every rule that sets both a text colour and a background: 7:1 or better."""
    text = resource(HIGH_CONTRAST_STYLE_SHEET).read_text("utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    checked = 0
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", body)
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        if colour and background:
            ratio = _contrast(colour.group(1), background.group(1))
            assert ratio >= 7.0, f"{selector.strip()}: {ratio:.1f}:1"
            checked += 1
    assert checked >= 10
    colours = set(re.findall(r"#[0-9a-fA-F]{6}", text.lower()))
    for foreground in colours - {"#000000", "#1a1a1a", "#333333", "#808080"}:
        assert _contrast(foreground, "#000000") >= 7.0, foreground  # all of it, on black


def test_every_ink_meets_its_themes_contrast() -> None:
    """Table and list text colours: AA (4.5:1) on white in the standard theme, AAA (7:1) on
    black in high contrast."""
    for which in Ink:
        assert _contrast(INKS[False][which], "#ffffff") >= 4.5, which
        assert _contrast(INKS[True][which], "#000000") >= 7.0, which


def _foregrounds(model: QAbstractItemModel, column: int) -> list[QColor | None]:
    return [model.index(r, column).data(Qt.ItemDataRole.ForegroundRole)
            for r in range(model.rowCount())]


def test_high_contrast_reaches_the_tables(qtbot, restore_theme) -> None:
    """The caseload's risk cells and the person page's cells take their colours from the theme
    in use, and change with it (no fixed colours)."""
    from datetime import UTC, date, datetime, timedelta

    from cse_desktop.domain.ids import new_id
    from cse_desktop.domain.models import Episode, Person, RiskLevel
    from cse_desktop.qt.caseload_model import CaseloadModel, Column
    from cse_desktop.qt.person.episodes import EpisodesModel

    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    caseload = CaseloadModel(now=now)
    caseload.set_people([
        Person(given_name="Asha", family_name="Fictional", dob=date(2011, 5, 1),
               risk_level=level) for level in (RiskLevel.HIGH, RiskLevel.MEDIUM)])
    episodes = EpisodesModel(None, lambda: now)
    episodes.set_rows([Episode(person_id=new_id(), started_at=now - timedelta(hours=3))])
    returned = EpisodesModel.RETURNED  # still missing: red

    for high_contrast in (False, True):
        apply_theme(restore_theme, high_contrast)
        inks = INKS[high_contrast]
        assert _foregrounds(caseload, Column.RISK) == [QColor(inks[Ink.RED]),
                                                       QColor(inks[Ink.AMBER])]
        assert _foregrounds(episodes, returned) == [QColor(inks[Ink.RED])]
    assert QColor(INKS[True][Ink.RED]) != QColor(INKS[False][Ink.RED])


@pytest.mark.parametrize("high_contrast", [False, True], ids=["standard", "high-contrast"])
def test_screenshots_of_the_tables_in_each_theme(qtbot, caseload_workspace, caseload_engine,
                                                 restore_theme, screenshot,
                                                 high_contrast) -> None:
    from cse_desktop.qt.caseload import CaseloadPage
    from cse_desktop.qt.manager import ManagerPage

    from .conftest import CASELOAD_NOW, WINDOW_SIZE

    apply_theme(restore_theme, high_contrast)
    theme = "high-contrast" if high_contrast else "standard"
    caseload = CaseloadPage(caseload_workspace.tasks, now=CASELOAD_NOW)
    manager = ManagerPage(caseload_workspace.tasks, caseload_engine, today=CASELOAD_NOW.date())
    for page in (caseload, manager):
        qtbot.addWidget(page)
        page.resize(*WINDOW_SIZE)
        page.show()
        qtbot.waitExposed(page)
        loaded: list[bool] = []
        page.load(on_loaded=lambda loaded=loaded: loaded.append(True))
        qtbot.waitUntil(lambda loaded=loaded: bool(loaded), timeout=5000)
    screenshot(caseload, f"41-caseload-{theme}")
    manager.tabs.setCurrentWidget(manager.actions_tab)
    screenshot(manager, f"42-manager-actions-{theme}")
    red = QColor(INKS[high_contrast][Ink.RED])
    rag = manager.actions_tab.proxy.index(0, 0)  # red (overdue) actions sort first
    assert rag.data(Qt.ItemDataRole.ForegroundRole) == red


# -- visible focus -----------------------------------------------------------------------------


def _focusable(page: QWidget) -> list[QWidget]:
    return [w for w in page.findChildren(QWidget)
            if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            and not w.objectName().startswith("qt_")]


def _edge(image, band: int = 5) -> list[int]:  # type: ignore[no-untyped-def]
    """The outer pixels all round: where a focus outline or a button's fill change shows, and
    not where a text box's cursor blinks (inside its 8-pixel padding)."""
    w, h = image.width(), image.height()
    return [image.pixel(x, y) for y in range(h) for x in range(w)
            if x < band or y < band or x >= w - band or y >= h - band]


def _assert_focus_is_visible(qtbot, window, page: QWidget) -> int:
    """Each focusable widget's outline looks different with focus than without it."""
    widgets = _focusable(page)
    assert len(widgets) >= 4
    for i, widget in enumerate(widgets):
        other = widgets[i - 1]
        other.setFocus()
        qtbot.waitUntil(lambda o=other: QApplication.focusWidget() is o, timeout=1000)
        window.repaint()
        without = widget.grab().toImage()
        widget.setFocus()
        qtbot.waitUntil(lambda w=widget: QApplication.focusWidget() is w, timeout=1000)
        window.repaint()
        with_focus = widget.grab().toImage()
        name = widget.accessibleName() or type(widget).__name__
        changed = sum(a != b for a, b in zip(_edge(with_focus), _edge(without), strict=True))
        assert changed >= 20, f"no visible focus outline on {name!r} ({changed} pixels)"
    return len(widgets)


@pytest.mark.parametrize("high_contrast", [False, True], ids=["standard", "high-contrast"])
def test_every_focusable_widget_on_the_start_pages_shows_focus(
        qtbot, make_window, existing_workspace, restore_theme, high_contrast) -> None:
    apply_theme(restore_theme, high_contrast)
    window = make_window()
    assert window.stack.currentWidget() is window.unlock_page
    assert _assert_focus_is_visible(qtbot, window, window.unlock_page) >= 5
    window.show_start = lambda: None  # stay put
    window.create_page.reset()
    window.stack.setCurrentWidget(window.create_page)
    assert _assert_focus_is_visible(qtbot, window, window.create_page) >= 8
    window.stack.setCurrentWidget(window.new_passphrase_page)
    assert _assert_focus_is_visible(qtbot, window, window.new_passphrase_page) >= 5


def test_an_invalid_field_still_shows_focus(qtbot, restore_theme) -> None:
    for high_contrast in (False, True):
        apply_theme(restore_theme, high_contrast)
        page = NewPassphrasePage()
        qtbot.addWidget(page)
        page.resize(800, 700)
        page.show()
        qtbot.waitExposed(page)
        page.activateWindow()
        page.show_error("Something is wrong.", page.passphrase_edit)
        qtbot.waitUntil(lambda p=page: QApplication.focusWidget() is p.passphrase_edit)
        focused = page.passphrase_edit.grab().toImage()
        page.confirm_edit.setFocus()
        qtbot.waitUntil(lambda p=page: QApplication.focusWidget() is p.confirm_edit)
        assert page.passphrase_edit.property("invalid") is True
        assert _edge(page.passphrase_edit.grab().toImage()) != _edge(focused)


def test_screenshots_in_high_contrast(qtbot, make_window, existing_workspace, restore_theme,
                                      screenshot) -> None:
    apply_theme(restore_theme, high_contrast=True)
    window = make_window()
    page = window.unlock_page
    qtbot.keyClicks(page.secret_edit, "not it")
    page.unlock_button.setFocus()
    screenshot(window, "theme-01-unlock-page-high-contrast")
    window.stack.setCurrentWidget(window.create_page)
    page = window.create_page
    qtbot.keyClicks(page.name_edit, "Alex Invented")
    qtbot.keyClicks(page.passphrase_edit, "kettle violin")
    page.show_check.setFocus()
    screenshot(window, "theme-02-create-page-high-contrast")


def test_screenshot_of_the_standard_focus_styles(qtbot, make_window, existing_workspace,
                                                 restore_theme, screenshot) -> None:
    apply_theme(restore_theme, high_contrast=False)
    window = make_window()
    window.unlock_page.unlock_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.unlock_page.unlock_button)
    screenshot(window, "theme-03-unlock-page-focus-on-unlock")


# -- icons ----------------------------------------------------------------------------------------


def test_every_icon_loads(qtbot) -> None:
    assert len(ICON_NAMES) == 20
    for name in (*ICON_NAMES, *ICON_ALIASES):
        path = icon_path(name)
        assert path.is_file(), path
        loaded = icon(name)
        assert not loaded.isNull(), name
        assert not loaded.pixmap(24, 24).isNull(), name
        assert not icon(name, color="#ffffff").isNull(), name


def test_icons_share_one_grid_stroke_and_ink() -> None:
    for name in ICON_NAMES:
        svg = icon_path(name).read_text("utf-8")
        assert 'viewBox="0 0 24 24"' in svg, name
        assert 'stroke-width="2"' in svg and 'stroke-linecap="round"' in svg, name
        assert set(re.findall(r"#[0-9a-fA-F]{6}", svg)) == {ICON_INK}, name
        assert "fill=\"#" not in svg and "<text" not in svg and "<image" not in svg, name


def test_an_unknown_icon_name_is_a_clear_error() -> None:
    with pytest.raises(UnknownIcon, match=r"There is no icon called 'padlock'.*lock, unlock"):
        icon("padlock")
    with pytest.raises(LookupError):
        icon_path("")


def test_icons_are_redrawn_for_high_contrast(qtbot, restore_theme) -> None:
    apply_theme(restore_theme, high_contrast=True)
    image = icon("add").pixmap(48, 48).toImage()
    centre = image.pixelColor(24, 24)  # the middle of the plus sign
    assert centre.alpha() > 200
    assert centre.lightness() > 240  # white, not the dark ink
    apply_theme(restore_theme, high_contrast=False)
    assert icon("add").pixmap(48, 48).toImage().pixelColor(24, 24).lightness() < 100


def test_screenshot_of_the_icon_set(qtbot, screenshot) -> None:
    """The set laid out in a grid at 24 and 48 px, standard and high contrast, with names."""
    columns, cell_w, cell_h = 5, 176, 104
    rows = -(-len(ICON_NAMES) // columns)
    sheet = QPixmap(columns * cell_w, rows * cell_h)
    sheet.fill(QColor("#ffffff"))
    painter = QPainter(sheet)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for index, name in enumerate(ICON_NAMES):
        x, y = (index % columns) * cell_w, (index // columns) * cell_h
        painter.drawPixmap(x + 14, y + 10, icon(name).pixmap(48, 48))
        painter.drawPixmap(x + 74, y + 22, icon(name).pixmap(24, 24))
        painter.fillRect(QRect(x + 110, y + 10, 52, 52), QColor("#000000"))
        painter.drawPixmap(x + 124, y + 24, icon(name, color="#ffffff").pixmap(24, 24))
        painter.setPen(QColor("#14324c"))
        painter.drawText(QRect(x, y + 68, cell_w, 26), Qt.AlignmentFlag.AlignCenter, name)
    painter.end()
    label = QLabel()
    label.setPixmap(sheet)
    label.setStyleSheet("background: #ffffff; border: none; padding: 0px;")
    label.resize(sheet.size())
    qtbot.addWidget(label)
    label.show()
    path = screenshot(label, "theme-04-icon-set")
    assert QPixmap(str(path)).size() == sheet.size()


# -- the .desktop file -------------------------------------------------------------------------


def test_the_desktop_file_is_valid() -> None:
    path = resource("cse-desktop.desktop")
    text = path.read_text("utf-8")
    assert text.startswith("[Desktop Entry]\n")
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read_string(text)
    keys = entry["Desktop Entry"]
    assert keys["Type"] == "Application"
    assert keys["Name"] == "CSE Desktop"
    assert keys["Exec"] == keys["TryExec"] == "cse-desktop"
    assert keys["Icon"] == "cse-desktop"
    assert keys["Terminal"] == "false"
    assert keys["Version"] in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    for list_key in ("Categories", "Keywords"):
        assert keys[list_key].endswith(";"), list_key
    assert "Office" in keys["Categories"].split(";")
    validator = shutil.which("desktop-file-validate")
    if validator is not None:
        result = subprocess.run([validator, str(path)], capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


# -- high contrast: urgency cues keep a box, weight and words (issue 14) -------------------------


def _grab_styled(qtbot, widget: QWidget) -> QPixmap:  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint().expandedTo(widget.minimumSizeHint()))
    widget.show()
    qtbot.waitExposed(widget)
    QApplication.processEvents()
    return widget.grab()


def _colours(pixmap: QPixmap) -> set[str]:
    image = pixmap.toImage()
    return {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
            for y in range(0, image.height(), 2)}


@pytest.mark.parametrize(("name", "prop", "value", "box"), [
    ("riskBadge", "level", "high", "#ff8080"),
    ("riskBadge", "level", "medium", "#ffff00"),
    ("riskBadge", "level", "low", "#7dff7d"),
    ("levelPill", "level", "high", "#ff8080"),
    ("levelPill", "level", "medium", "#ffff00"),
    ("levelPill", "level", "none", "#7dff7d"),
    ("formBanner", "bannerStyle", "danger", "#ff8080"),
    ("formBanner", "bannerStyle", "warning", "#ffff00"),
])
def test_high_contrast_badges_keep_a_box_bold_words_and_their_colour(
        qtbot, restore_theme, name: str, prop: str, value: str, box: str) -> None:
    """Before issue 14 "Risk: High" and the outcome pills fell back to plain white text on
    black in high contrast: now each has its coloured box and bold words."""
    apply_theme(restore_theme, high_contrast=True, font_scale=1.0)
    label = QLabel("Risk: High")
    label.setObjectName(name)
    label.setProperty(prop, value)
    colours = _colours(_grab_styled(qtbot, label))
    assert box in colours, f"{name}[{value}]: no {box} box in {sorted(colours)[:8]}"
    assert label.font().weight() >= 600, f"{name}[{value}] is not bold"
    apply_theme(restore_theme, high_contrast=False)
    assert box not in _colours(label.grab())  # the high-contrast colours are its own


@pytest.mark.parametrize(("overdue", "box"), [(False, "#ffff00"), (True, "#ff8080")])
def test_high_contrast_rhi_banner_keeps_its_box_and_bold_text(qtbot, restore_theme,
                                                              overdue: bool, box: str) -> None:
    from PySide6.QtWidgets import QFrame, QHBoxLayout

    apply_theme(restore_theme, high_contrast=True, font_scale=1.0)
    banner = QFrame()
    banner.setObjectName("rhiBanner")
    banner.setProperty("overdue", overdue)
    text = QLabel("Return home interview overdue by 5 h", banner)
    text.setObjectName("rhiBannerText")
    QHBoxLayout(banner).addWidget(text)
    image = _grab_styled(qtbot, banner).toImage()
    left_edge = {image.pixelColor(3, y).name() for y in range(4, image.height() - 4)}
    assert left_edge == {box}, left_edge  # a thick bar down the left, in the cue's colour
    assert text.font().weight() >= 700


def test_urgent_table_cells_are_bold_in_high_contrast_only(restore_theme) -> None:
    from cse_desktop.qt.tables import ColumnSpec, TableModel
    from cse_desktop.qt.theme import URGENT_INKS

    inks = {"overdue": Ink.RED, "soon": Ink.AMBER, "fine": Ink.GREEN, "done": Ink.MUTED}
    model: TableModel[str] = TableModel(
        [ColumnSpec("RAG", lambda s: s, lambda s: s, colour=lambda s: inks[s])], lambda s: s)
    model.set_items(list(inks))

    def bold_rows() -> set[str]:
        fonts = {model.index(r, 0).data(Qt.ItemDataRole.DisplayRole):
                 model.index(r, 0).data(Qt.ItemDataRole.FontRole)
                 for r in range(model.rowCount())}
        return {text for text, font in fonts.items() if font is not None and font.bold()}

    apply_theme(restore_theme, high_contrast=False)
    assert bold_rows() == set()
    apply_theme(restore_theme, high_contrast=True)
    assert bold_rows() == {"overdue", "soon"}
    assert {Ink.RED, Ink.AMBER} == URGENT_INKS


# -- large text: nothing cut at the start, Lock never in the overflow (issue 14) ---------------


def test_an_elided_label_cuts_at_its_end_and_keeps_the_whole_text_in_its_tooltip(qtbot) -> None:
    from cse_desktop.qt.widgets import ElidedLabel

    text = "Morgan Fictional-Manager  ·  Manager  ·  Test Exploitation Team"
    label = ElidedLabel(text)
    qtbot.addWidget(label)
    label.resize(120, 30)
    label.show()
    qtbot.waitExposed(label)
    assert label.text().endswith("…") and text.startswith(label.text()[:-1])
    assert label.toolTip() == label.full_text() == text
    assert label.minimumSizeHint().width() < 120 < label.sizeHint().width()
    label.resize(2000, 30)
    QApplication.processEvents()
    assert label.text() == text and label.toolTip() == ""
    label.clear()
    assert label.text() == "" and label.full_text() == ""


def test_the_navigation_bar_keeps_lock_on_screen_at_200_percent(qtbot, restore_theme) -> None:
    from PySide6.QtWidgets import QMainWindow, QToolButton

    from cse_desktop.qt.menus import NavigationBar

    apply_theme(restore_theme, high_contrast=False, font_scale=2.0)
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = NavigationBar(window)
    bar.team_action.setVisible(True)
    window.addToolBar(bar)
    window.resize(700, 400)
    window.show()
    qtbot.waitExposed(window)
    lock = bar.widgetForAction(bar.lock_action)
    assert isinstance(lock, QToolButton)
    qtbot.waitUntil(lambda: lock.isVisible())
    assert lock.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonIconOnly  # keeps its word
    assert lock.geometry().right() <= bar.width()
    shed = [a.text() for a in (bar.caseload_action, bar.team_action)
            if bar.widgetForAction(a).toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly]
    assert shed, "nothing gave up its words, yet all of it cannot fit in 700 px at 200 %"
    window.resize(1600, 400)  # room again: every button has its words back
    qtbot.waitUntil(lambda: all(
        bar.widgetForAction(a).toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        for a in (bar.caseload_action, bar.team_action, bar.add_person_action)))


def test_the_unlock_card_grows_so_its_buttons_keep_their_words(qtbot, restore_theme) -> None:
    from cse_desktop.qt.pages import UnlockPage
    from cse_desktop.qt.widgets import CARD_WIDTH

    page = UnlockPage()
    qtbot.addWidget(page)
    page.resize(1040, 720)
    page.show()
    qtbot.waitExposed(page)
    assert page.card.width() == CARD_WIDTH
    apply_theme(restore_theme, high_contrast=False, font_scale=2.0)
    qtbot.waitUntil(lambda: page.card.width() > CARD_WIDTH)
    QApplication.processEvents()
    for button in (page.unlock_button, page.mode_button, page.demo_button):
        assert button.width() >= button.sizeHint().width(), button.text()
    apply_theme(restore_theme, high_contrast=False, font_scale=1.0)
    qtbot.waitUntil(lambda: page.card.width() == CARD_WIDTH)


def test_headings_stay_whole_at_200_percent(qtbot, restore_theme) -> None:
    from PySide6.QtGui import QFont, QFontMetrics
    from PySide6.QtWidgets import QTableView

    from cse_desktop.qt.tables import ColumnSpec, TableModel
    from cse_desktop.qt.widgets import setup_table

    model: TableModel[str] = TableModel(
        [ColumnSpec(h, lambda s: s, lambda s: s) for h in ("Name", "Last missing",
                                                            "Next review", "Why due")],
        lambda s: s)
    model.set_items(["a"])
    table = setup_table(QTableView(), "Probe")
    table.setModel(model)
    qtbot.addWidget(table)
    table.resize(420, 200)
    table.show()
    qtbot.waitExposed(table)
    apply_theme(restore_theme, high_contrast=False, font_scale=2.0)
    header = table.horizontalHeader()

    def whole() -> bool:
        font = QFont(header.font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        return all(header.sectionSize(i) >= metrics.horizontalAdvance(
            str(model.headerData(i, Qt.Orientation.Horizontal))) + 16
            for i in range(header.count()))

    qtbot.waitUntil(whole)
