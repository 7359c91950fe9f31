"""Small building blocks shared by the pages: the card layout, labels, buttons, messages."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.errors import CseError

CARD_WIDTH = 500

#: the events after which a widget measures its text again (a new style sheet or text size)
_REFIT_EVENTS = (QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.LayoutRequest,
                 QEvent.Type.Show, QEvent.Type.Polish)


#: The errors a page catches and shows inline; anything else is a bug and is not hidden.
USER_ERRORS = (CseError, OSError)


def plain_message(exc: CseError | OSError) -> str:
    """The plain-English text to show for an error the user can meet (never a traceback)."""
    if isinstance(exc, CseError):
        return exc.message
    reason = exc.strerror or "the file system refused"
    return (f"CSE Desktop could not read or write its files ({reason}). Check that the disk "
            "has space and try again.")


def button(text: str, accessible_name: str, *, role: str = "secondary",
           tooltip: str = "") -> QPushButton:
    """A push button with a style role (primary, secondary, link, demo) and an accessible name."""
    btn = QPushButton(text)
    btn.setProperty("role", role)
    btn.setAccessibleName(accessible_name)
    btn.setAutoDefault(False)
    btn.setCursor(Qt.CursorShape.PointingHandCursor)
    if tooltip:
        btn.setToolTip(tooltip)
    return btn


def field_label(text: str, buddy: QWidget) -> QLabel:
    """A bold label whose mnemonic (&) moves focus to ``buddy``."""
    label = QLabel(text)
    label.setObjectName("fieldLabel")
    label.setWordWrap(True)
    label.setBuddy(buddy)
    return label


def text_label(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def line_edit(accessible_name: str, *, password: bool = False, max_length: int = 200,
              placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(accessible_name)
    edit.setMaxLength(max_length)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        # No input method (predictive text) may see or remember a passphrase.
        edit.setInputMethodHints(Qt.InputMethodHint.ImhHiddenText
                                 | Qt.InputMethodHint.ImhSensitiveData
                                 | Qt.InputMethodHint.ImhNoPredictiveText)
    return edit


def set_invalid(edit: QLineEdit, invalid: bool) -> None:
    """Mark a field in error (red border through the style sheet)."""
    edit.setProperty("invalid", invalid)
    edit.style().unpolish(edit)
    edit.style().polish(edit)


class MessageLabel(QLabel):
    """An inline message under a form: hidden while empty. ``kind`` is error or notice."""

    def __init__(self, kind: str = "error") -> None:
        super().__init__()
        self.setObjectName("errorLabel" if kind == "error" else "noticeLabel")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName("Error message" if kind == "error" else "Message")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_message(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")


class CardPage(QWidget):
    """A page with a title, an introduction and a white card centred in the window.

    Subclasses add their rows to ``self.body`` (a QVBoxLayout inside the card).
    """

    def __init__(self, title: str, intro: str = "") -> None:
        super().__init__()
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # The card scrolls when the window is short (a 768-pixel laptop screen at 125%).
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        inner = QWidget()
        inner.setObjectName("page")
        inner.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        scroll.setWidget(inner)
        page_layout = QVBoxLayout(self)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(scroll)
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.card = QFrame()
        self.card.setObjectName("card")
        self.card.setFixedWidth(CARD_WIDTH)
        # At a larger text size the card grows so its buttons keep their whole words.
        self.card.installEventFilter(self)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.body = QVBoxLayout(self.card)
        self.body.setContentsMargins(32, 24, 32, 24)
        self.body.setSpacing(6)
        self.title = text_label(title, "pageTitle")
        self.title.setAccessibleName(title)
        self.body.addWidget(self.title)
        if intro:
            self.intro = text_label(intro, "pageIntro")
            self.body.addWidget(self.intro)
        self.body.addSpacing(6)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is getattr(self, "card", None) and event.type() in _REFIT_EVENTS:
            self._fit_card()
        return super().eventFilter(watched, event)

    def _fit_card(self) -> None:
        """The card's width: the design's, or more when the text size needs it (a button's
        words never wrap or get cut)."""
        body = getattr(self, "body", None)  # events arrive while the page is being built
        if body is None:
            return
        width = max(CARD_WIDTH, body.totalMinimumSize().width())
        if self.card.minimumWidth() != width or self.card.maximumWidth() != width:
            self.card.setFixedWidth(width)

    def reveal(self, widget: QWidget) -> None:
        """Scroll so ``widget`` (for example the one that just got focus) is in view."""
        if self.isAncestorOf(widget):
            self.scroll_area.ensureWidgetVisible(widget, 16, 16)

    def add_field(self, label: str, widget: QWidget, hint: str = "") -> QLabel:
        """A labelled field: bold label above the input, optional grey hint below."""
        column = self.field_column(label, widget, hint)
        self.body.addSpacing(2)
        self.body.addLayout(column)
        first = column.itemAt(0)
        shown = first.widget() if first is not None else None
        assert isinstance(shown, QLabel)  # field_column puts the label first
        return shown

    def add_fields_side_by_side(self, *fields: tuple[str, QWidget, int]) -> None:
        """Short fields on one row: (label, widget, stretch) each."""
        row = QHBoxLayout()
        row.setSpacing(12)
        for label, widget, stretch in fields:
            row.addLayout(self.field_column(label, widget), stretch)
        self.body.addSpacing(2)
        self.body.addLayout(row)

    @staticmethod
    def field_column(label: str, widget: QWidget, hint: str = "") -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(field_label(label, widget))
        column.addWidget(widget)
        if hint:
            column.addWidget(text_label(hint, "hint"))
        return column

    def add_separator(self) -> None:
        line = QFrame()
        line.setObjectName("separator")
        line.setFrameShape(QFrame.Shape.HLine)
        self.body.addSpacing(8)
        self.body.addWidget(line)
        self.body.addSpacing(4)


# -- caseload and manager helpers ---------------------------------------------------------------


class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps them onto more lines when the width runs out
    (the caseload's filter buttons on a narrow window)."""

    def __init__(self, parent: QWidget | None = None, *, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def spacing(self) -> int:
        return self._spacing

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line_height = area.x(), y + line_height + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


def setup_table(table: QTableView, accessible_name: str) -> QTableView:
    """A read-only, row-selecting, sortable table in the caseload's style: Tab leaves it and
    the arrow keys move in it; Enter or a double-click activates the row."""
    table.setAccessibleName(accessible_name)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(32)
    heading = table.horizontalHeader()
    heading.setHighlightSections(False)
    heading.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    heading.setMinimumSectionSize(60)
    heading.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    heading.setStretchLastSection(True)
    HeaderFitter(heading)  # headings stay whole at any text size
    return table


def tabbed_page_top(title: str, action: QWidget) -> tuple[QWidget, QLabel, QTabWidget]:
    """The top of a page of tabs (team manager, sync conflicts): the header band with the
    title, a status line and one action button, and the (empty) tab widget below it."""
    header, row = page_header(title)
    status = text_label("", "managerStatus")
    status.setAccessibleName(f"{title} page status")
    status.setWordWrap(False)
    row.addWidget(status)
    row.addWidget(action)
    tabs = QTabWidget()
    tabs.setObjectName("managerTabs")
    tabs.setAccessibleName(f"{title} views")
    tabs.setDocumentMode(True)
    return header, status, tabs


def lay_out_tabbed_page(page: QWidget, header: QWidget, tabs: QTabWidget) -> None:
    """Put the header band above the tabs, with the page margins the tabbed pages share."""
    body = QVBoxLayout()
    body.setContentsMargins(20, 10, 20, 14)
    body.addWidget(tabs)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(header)
    layout.addLayout(body, 1)


def page_header(title: str) -> tuple[QWidget, QHBoxLayout]:
    """The band across the top of a workspace page: its title, then whatever the page adds
    to the returned row (search box, buttons)."""
    header = QWidget()
    header.setObjectName("caseloadHeader")
    header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    row = QHBoxLayout(header)
    row.setContentsMargins(20, 12, 20, 12)
    row.setSpacing(10)
    label = QLabel(title)
    label.setObjectName("caseloadTitle")
    row.addWidget(label)
    row.addStretch(1)
    return header, row


# -- large text: labels that elide at the end, toolbars that keep every button --------------------


class ElidedLabel(QLabel):
    """One line of text that, when there is no room, is cut at its end with "…" and shows the
    whole text in its tooltip (a status bar's owner line at 200 % text).  It never asks for
    more width than a few letters, so it never pushes its neighbours off the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def clear(self) -> None:
        self.setText("")

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 4, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("Mmmm…"), super().minimumSizeHint()
                     .height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                     max(width, 0))
        if not self._full or shown == self._full:
            shown = self._full
            self.setToolTip("")
        else:
            self.setToolTip(self._full)
        if super().text() != shown:
            super().setText(shown)


class ToolbarFitter(QObject):
    """Keeps every button of ``toolbar`` on screen (none pushed into the overflow menu »):
    when the words do not fit (a narrow window, 200 % text), buttons lose their words from
    the left-most of ``shed_order`` on, showing only their icon (the words stay in the tooltip
    and the accessible name); ``keep`` (Lock) always keeps its word."""

    def __init__(self, toolbar: QToolBar, keep: QAction) -> None:
        super().__init__(toolbar)
        self.toolbar = toolbar
        self.keep = keep
        self._pending = False
        toolbar.installEventFilter(self)
        self.refit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.toolbar and event.type() in (
                QEvent.Type.Resize, QEvent.Type.StyleChange, QEvent.Type.FontChange,
                QEvent.Type.ActionAdded, QEvent.Type.ActionChanged, QEvent.Type.ActionRemoved,
                QEvent.Type.Show):
            self.refit()
        return False

    def refit(self) -> None:
        """Measure again once the events in hand are handled (a theme change comes as many)."""
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._fit)

    def _buttons(self) -> list[QToolButton]:
        buttons = []
        for action in self.toolbar.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            button = self.toolbar.widgetForAction(action)
            if isinstance(button, QToolButton):
                buttons.append(button)
        return buttons

    def _needed(self, buttons: list[QToolButton]) -> int:
        layout = self.toolbar.layout()
        spacing = layout.spacing() if layout is not None else 0
        separators = sum(1 for a in self.toolbar.actions() if a.isSeparator() and a.isVisible())
        margins = self.toolbar.contentsMargins()
        return (sum(b.sizeHint().width() for b in buttons) + spacing * (len(buttons) + 1)
                + separators * 12 + margins.left() + margins.right() + 16)

    def _fit(self) -> None:
        self._pending = False
        buttons = self._buttons()
        style = self.toolbar.toolButtonStyle()
        for button in buttons:
            button.setToolButtonStyle(style)
        keep = self.toolbar.widgetForAction(self.keep)
        available = self.toolbar.width()
        for button in buttons:  # the left-most first: their icons are the best known
            if self._needed(buttons) <= available:
                break
            if button is not keep:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar.updateGeometry()
        layout = self.toolbar.layout()
        if layout is not None:
            layout.invalidate()


def fit_headers_to_text(header: QHeaderView) -> None:
    """Every heading of ``header`` stays whole at any text size: no section narrower than its
    (bold) heading with its padding and sort arrow; the data elides instead."""
    model = header.model()
    if model is None:
        return
    font = header.font()
    font.setBold(True)
    metrics = QFontMetrics(font)
    last = header.count() - 1
    for logical in range(header.count()):
        if header.isSectionHidden(logical):
            continue
        text = str(model.headerData(logical, header.orientation(),
                                    Qt.ItemDataRole.DisplayRole) or "")
        widest = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
        needed = widest + 34  # padding and the sort arrow (a heading may have two lines)
        if header.sectionSize(logical) >= needed:
            continue
        # A stretched section squeezed below its heading stops stretching (the table scrolls).
        if header.sectionResizeMode(logical) == QHeaderView.ResizeMode.Stretch:
            header.setSectionResizeMode(logical, QHeaderView.ResizeMode.Interactive)
        elif header.stretchLastSection() and logical == last:
            header.setStretchLastSection(False)
        header.resizeSection(logical, needed)


class HeaderFitter(QObject):
    """Calls :func:`fit_headers_to_text` whenever the header's text size or model changes."""

    def __init__(self, header: QHeaderView) -> None:
        super().__init__(header)
        self.header = header
        self._pending = False
        header.installEventFilter(self)
        header.sectionCountChanged.connect(self.refit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.header and event.type() in (
                QEvent.Type.StyleChange, QEvent.Type.FontChange, QEvent.Type.Show):
            self.refit()
        return False

    def refit(self, *_args: object) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._fit)

    def _fit(self) -> None:
        self._pending = False
        fit_headers_to_text(self.header)
