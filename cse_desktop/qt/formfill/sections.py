"""The parts of a draft's page that hold its sections: each section's view (title, help and
field rows) and the list of sections on the left (each with how much of it is answered)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from cse_desktop.forms.spec import FormSpec, Section
from cse_desktop.qt.formfill.fields import FieldRow, Today, plain_label
from cse_desktop.qt.theme import Ink, ink

SECTION_ROLE = Qt.ItemDataRole.UserRole + 1


class SectionView(QFrame):
    """One section: its title, help and field rows."""

    def __init__(self, section: Section, spec: FormSpec, today: Today) -> None:
        super().__init__()
        self.section = section
        self.setObjectName("formSection")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 22)
        layout.setSpacing(10)
        self.title = plain_label(section.title, "sectionTitle")
        self.title.setAccessibleName(f"Section: {section.title}")
        layout.addWidget(self.title)
        if section.help:
            layout.addWidget(plain_label(section.help, "sectionHelp"))
        self.rows: dict[str, FieldRow] = {}
        for field in section.fields:
            row = FieldRow(field, spec, field.id, "", today, restrictable=True)
            self.rows[field.id] = row
            layout.addWidget(row)
        layout.addStretch(1)


class SectionList(QListWidget):
    """The sections of a form, one item each: its title (as its view reads now) and how much
    of it is answered; a section not shown is not listed."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("sectionList")
        self.setAccessibleName("Sections")
        self.setAccessibleDescription(
            "Ctrl+Page Down and Ctrl+Page Up move to the next and previous section.")
        self.setWordWrap(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def add_section(self, section: Section) -> None:
        item = QListWidgetItem(section.title)
        item.setData(SECTION_ROLE, section.id)
        self.addItem(item)

    def all_items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def select(self, section_id: str) -> None:
        """Mark a section current without reporting it (it is already shown)."""
        for item in self.all_items():
            if item.data(SECTION_ROLE) == section_id and self.currentItem() is not item:
                self.blockSignals(True)
                self.setCurrentItem(item)
                self.blockSignals(False)

    def update_items(self, views: dict[str, SectionView], shown: dict[str, bool],
                     counts: dict[str, tuple[int, int]], problems: dict[str, int]) -> None:
        """Each item's title (the child's wording with a family), answers and problems."""
        for item in self.all_items():
            sid = item.data(SECTION_ROLE)
            item.setHidden(not shown.get(sid, True))
            answered, total = counts.get(sid, (0, 0))
            if total == 0:
                detail = f"Optional · {answered} answered" if answered else "Optional"
            elif answered >= total:
                detail = f"✓ All {total} answered"
            else:
                detail = f"{answered} of {total} answered"
            if problems.get(sid):
                n = problems[sid]
                detail += f" · {n} problem{'s' if n != 1 else ''}"
            self._set_text(item, f"{views[sid].title.text()}\n{detail}")
            item.setForeground(QBrush(ink(Ink.ERROR)) if problems.get(sid) else QBrush())

    def retitle(self, views: dict[str, SectionView]) -> None:
        """Name each section as its view reads now (e.g. in the child-friendly wording)."""
        for item in self.all_items():
            rest = item.text().partition("\n")[1:]
            self._set_text(item, views[item.data(SECTION_ROLE)].title.text() + "".join(rest))

    def _set_text(self, item: QListWidgetItem, text: str) -> None:
        if item.text() != text:
            item.setText(text)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ", "))
            self.fit_item(item)

    def fit_items(self) -> None:
        for item in self.all_items():
            self.fit_item(item)

    def fit_item(self, item: QListWidgetItem) -> None:
        """Size an item for its wrapped text (the list's own word wrap clips long titles)."""
        # the item's padding (8 + 8), the selection bar (3) and the delegate's margins (3 + 3),
        # and room for the scroll bar should it appear
        viewport = self.viewport().width()
        if not self.verticalScrollBar().isVisible():
            viewport -= self.verticalScrollBar().sizeHint().width()
        width = max(viewport - 24, 100)
        bounds = self.fontMetrics().boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap), item.text())
        item.setSizeHint(QSize(width, bounds.height() + 14))


__all__ = ["SECTION_ROLE", "SectionList", "SectionView"]
