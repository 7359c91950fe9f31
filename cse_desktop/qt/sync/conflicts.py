"""The Sync conflicts page: open conflicts, where a person chooses the value the record keeps
(the hub's, this laptop's or one typed), and the changes the hub refused (read, then
dismissed)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.sync_status import SyncIssues
from cse_desktop.domain.errors import CseError
from cse_desktop.domain.ids import ALL_KINDS
from cse_desktop.qt.operations import TaskManager
from cse_desktop.qt.operations import sync as sync_ops
from cse_desktop.qt.sync.controller import SyncController
from cse_desktop.qt.sync.issues import IssueRow, conflicts_model, issue_row, refused_model
from cse_desktop.qt.sync.words import sync_error_message
from cse_desktop.qt.tables import ID_ROLE, RefreshesWhenShown, TableModel, sorting_proxy
from cse_desktop.qt.widgets import (
    MessageLabel,
    button,
    lay_out_tabbed_page,
    line_edit,
    setup_table,
    tabbed_page_top,
    text_label,
)


class _IssueTab(QWidget):
    """A table (or a message when it is empty), the selected row in words, then buttons."""

    def __init__(self, model: TableModel[IssueRow], table_name: str, intro: str,
                 empty_text: str, stretch: Sequence[int]) -> None:
        super().__init__()
        self.setObjectName("managerTab")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = model
        self.proxy = sorting_proxy(model, self)
        self.table = setup_table(QTableView(), table_name)
        self.table.setModel(self.proxy)
        self.table.sortByColumn(model.columnCount() - 1, Qt.SortOrder.AscendingOrder)
        heading = self.table.horizontalHeader()
        heading.setStretchLastSection(False)
        # The values share the width the names and dates leave; long text ends in "…" and the
        # tooltip (and the box below the table) shows it whole.
        heading.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in stretch:
            heading.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.empty_label = text_label(empty_text, "emptyState")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.empty_label.setAccessibleName(f"{table_name}: message")
        self.views = QStackedWidget()
        self.views.addWidget(self.table)
        self.views.addWidget(self.empty_label)
        self.detail = text_label("", "rationale")
        self.detail.setAccessibleName(f"The selected {table_name.lower()[:-1]}")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 14, 16, 14)
        self.layout_.setSpacing(8)
        summary = text_label(intro, "tabSummary")
        summary.setAccessibleName(f"About {table_name.lower()}")
        self.layout_.addWidget(summary)
        self.layout_.addWidget(self.views, 1)
        self.layout_.addWidget(self.detail)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(10)

    def show_rows(self) -> None:
        self.views.setCurrentWidget(self.table if self.model.rowCount() else self.empty_label)

    def selected(self) -> IssueRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.item(self.proxy.mapToSource(rows[0]).row())

    def select_first(self) -> None:
        if self.proxy.rowCount() and not self.table.selectionModel().selectedRows():
            self.table.selectRow(0)


class ConflictsPage(RefreshesWhenShown, QWidget):
    """Open conflicts (choose a value) and changes the hub refused (read, then dismiss)."""

    #: a sync may bring or settle a conflict about any kind of record
    WATCHED = ALL_KINDS

    #: "Open young person's record": the person's id
    person_activated = Signal(str)

    def __init__(self, tasks: TaskManager, controller: SyncController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.tasks = tasks
        self.controller = controller
        self._resolving = False
        #: the demo's conflicts are for looking at: there is no hub to send a choice to
        self._demo = False

        self.sync_button = button("Sync &now", "Sync now",
                                  tooltip="Send and receive changes now (F5)")
        header, self.status_label, self.tabs = tabbed_page_top("Sync conflicts",
                                                               self.sync_button)

        # -- conflicts
        self.conflicts_model = conflicts_model(self)
        self.conflicts_tab = tab = _IssueTab(
            self.conflicts_model, "Open conflicts",
            "The same field was changed here and elsewhere before either reached the hub. "
            "The hub kept both values: choose the one that is right.",
            "There are no open conflicts.", stretch=(3, 4, 5))
        self.keep_hub_button = button("&Keep hub value", "Keep the hub's value")
        self.use_laptop_button = button("Use this &laptop's value", "Use this laptop's value")
        self.custom_edit = line_edit("Another value", max_length=2000,
                                     placeholder="Or type the right value")
        self.custom_button = button("Use &typed value", "Use the typed value")
        self.open_button = button("&Open young person's record",
                                  "Open the record of the young person the conflict is about")
        for widget in (self.keep_hub_button, self.use_laptop_button):
            tab.buttons.addWidget(widget)
        tab.buttons.addSpacing(12)
        tab.buttons.addWidget(self.custom_edit, 1)
        tab.buttons.addWidget(self.custom_button)
        tab.buttons.addStretch(0)
        tab.layout_.addLayout(tab.buttons)
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)
        tab.layout_.addLayout(open_row)
        self.message = MessageLabel("notice")
        self.error = MessageLabel("error")
        tab.layout_.addWidget(self.message)
        tab.layout_.addWidget(self.error)

        # -- refused changes
        self.refused_model = refused_model(self)
        self.refused_tab = tab = _IssueTab(
            self.refused_model, "Changes not accepted",
            "The hub did not accept these changes, so they are not on the hub. Read why, make "
            "the change again if it is still needed, then dismiss the notice.",
            "The hub has accepted every change.", stretch=(2,))
        self.dismiss_button = button("&Dismiss", "Dismiss the selected notice")
        tab.buttons.addWidget(self.dismiss_button)
        tab.buttons.addStretch(1)
        tab.layout_.addLayout(tab.buttons)

        self.tabs.addTab(self.conflicts_tab, "&Conflicts")
        self.tabs.addTab(self.refused_tab, "Changes &not accepted")
        lay_out_tabbed_page(self, header, self.tabs)

        self.sync_button.clicked.connect(controller.start_sync)
        self.keep_hub_button.clicked.connect(lambda: self.choose("hub"))
        self.use_laptop_button.clicked.connect(lambda: self.choose("device"))
        self.custom_button.clicked.connect(lambda: self.choose("typed"))
        self.custom_edit.returnPressed.connect(lambda: self.choose("typed"))
        self.custom_edit.textChanged.connect(lambda _t: self._update_buttons())
        self.open_button.clicked.connect(self._open_person)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        for t in (self.conflicts_tab, self.refused_tab):
            t.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.watch(tasks)
        controller.status_changed.connect(lambda _s: self._on_changed(ALL_KINDS))
        controller.running_changed.connect(lambda _r: self._update_buttons())
        self._update_tabs()
        self._selected()

    # -- reading ---------------------------------------------------------------------------

    def load(self, on_loaded: Callable[[], None] | None = None) -> None:
        generation = self.begin_load()

        def done(issues: SyncIssues) -> None:
            if self.is_current(generation):
                self.set_issues([issue_row(i) for i in issues.conflicts],
                                [issue_row(i) for i in issues.refused])
                if on_loaded is not None:
                    on_loaded()

        def failed(exc: CseError) -> None:
            if self.is_current(generation):
                self.status_label.setText(f"Could not read the conflicts. {exc.message}")

        with contextlib.suppress(RuntimeError):  # locked meanwhile
            self.tasks.run(sync_ops.read_issues(), on_done=done, on_error=failed, owner=self)

    def set_issues(self, conflicts: Sequence[IssueRow], refused: Sequence[IssueRow]) -> None:
        keep = {t: (row.id if (row := t.selected()) else None)
                for t in (self.conflicts_tab, self.refused_tab)}
        self.conflicts_model.set_items(conflicts)
        self.refused_model.set_items(refused)
        for t, selected_id in keep.items():
            t.show_rows()
            rows = [i for i in range(t.proxy.rowCount())
                    if t.proxy.index(i, 0).data(ID_ROLE) == selected_id]
            if rows:
                t.table.selectRow(rows[0])
            else:
                t.select_first()
        status = self.controller.status
        if status.connected:
            self.status_label.setText(f"Hub: {status.url}")
        self._update_tabs()
        self._selected()

    def clear(self) -> None:
        self.forget_loads()
        self.conflicts_model.clear()
        self.refused_model.clear()
        self.custom_edit.clear()
        self.message.clear_message()
        self.error.clear_message()
        self.status_label.setText("")
        self._update_tabs()
        self._selected()

    def _update_tabs(self) -> None:
        n, m = self.conflicts_model.rowCount(), self.refused_model.rowCount()
        self.tabs.setTabText(0, f"&Conflicts ({n})")
        self.tabs.setTabText(1, f"Changes &not accepted ({m})")
        self.conflicts_tab.show_rows()
        self.refused_tab.show_rows()

    # -- choosing ---------------------------------------------------------------------------

    def _selected(self) -> None:
        row = self.conflicts_tab.selected()
        tab = self.conflicts_tab
        if row is None:
            tab.detail.hide()
        else:
            tab.detail.setText(
                f"{row.item.person_name} — {row.item.record}: {row.field}\n"
                f"On the hub: {row.hub_text}\n"
                f"On this laptop: {row.device_text}\n"
                f"Before both changes: {row.base_text}")
            tab.detail.setAccessibleDescription(tab.detail.text())
            tab.detail.show()
        refused = self.refused_tab.selected()
        if refused is None:
            self.refused_tab.detail.hide()
        else:
            self.refused_tab.detail.setText(
                f"{refused.item.person_name} — {refused.item.record}\n"
                f"Why the hub did not accept it: {refused.item.reason}\n"
                + ("The change: " + refused.device_text
                   if refused.item.issue.device_value is not None
                   else "The change is not kept: the record left this laptop."))
            self.refused_tab.detail.setAccessibleDescription(self.refused_tab.detail.text())
            self.refused_tab.detail.show()
        self._update_buttons()

    def set_demo(self, demo: bool) -> None:
        """In the demo, choices and Sync now are shown but unavailable, saying why."""
        self._demo = demo
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.conflicts_tab.selected()
        free = (row is not None and not self._resolving and not self.controller.running
                and not self._demo)
        self.keep_hub_button.setEnabled(free)
        self.use_laptop_button.setEnabled(free)
        text_field = row is not None and row.item.text_field
        self.custom_edit.setVisible(text_field)
        self.custom_button.setVisible(text_field)
        self.custom_edit.setEnabled(free)
        self.custom_button.setEnabled(free and bool(self.custom_edit.text().strip()))
        self.open_button.setEnabled(row is not None and row.item.person_id is not None)
        self.dismiss_button.setEnabled(self.refused_tab.selected() is not None)
        connected = self.controller.status.connected
        self.sync_button.setEnabled(connected and not self.controller.running
                                    and not self._demo)
        if self._demo:
            why = ("This is the demo: its sync was made up, so there is no hub to send a "
                   "choice to.")
        elif not connected:
            why = "Connect to your team's hub first (Hub menu, Connect to hub…)."
        else:
            why = ""
        self.sync_button.setToolTip(f"Sync now is unavailable. {why}" if why
                                    else "Send and receive changes now (F5)")
        for b in (self.keep_hub_button, self.use_laptop_button, self.custom_button):
            b.setToolTip(why if self._demo else "")

    def choose(self, which: str) -> bool:
        """Resolve the selected conflict with the hub's value, this laptop's, or the typed one."""
        row = self.conflicts_tab.selected()
        if row is None or self._resolving or self.controller.running:
            return False
        issue = row.item.issue
        if which == "hub":
            value, words = issue.hub_value, f"the hub's value ({row.hub_text})"
        elif which == "device":
            value, words = issue.device_value, f"this laptop's value ({row.device_text})"
        else:
            typed = self.custom_edit.text().strip()
            if not typed or not row.item.text_field:
                return False
            value, words = typed, f"“{typed}”"
        self._resolving = True
        self.error.clear_message()
        self.message.show_message(f"Saving {words} on the hub…")

        def done(_seq: int) -> None:
            self._resolving = False
            if shiboken6.isValid(self):
                self.custom_edit.clear()
                self.message.show_message(
                    f"{row.field} of {row.item.person_name}: {words} is kept. Syncing to "
                    "bring it "
                    "to this laptop.")
                self._update_buttons()

        def failed(exc: CseError) -> None:
            self._resolving = False
            if shiboken6.isValid(self):
                self.message.clear_message()
                self.error.show_message(sync_error_message(exc))
                self._update_buttons()

        if not self.controller.resolve(issue.id, value, on_done=done, on_error=failed):
            self._resolving = False
            self.message.clear_message()
            self.error.show_message("A sync is running. Wait for it to finish, then choose.")
            return False
        self._update_buttons()
        return True

    def dismiss_selected(self) -> None:
        row = self.refused_tab.selected()
        if row is None:
            return
        def dismissed(_none: None) -> None:
            self.load()
            self.controller.refresh()

        with contextlib.suppress(RuntimeError):  # locked meanwhile
            self.tasks.run(sync_ops.dismiss(issue_id=row.id), on_done=dismissed, owner=self)

    def _open_person(self) -> None:
        row = self.conflicts_tab.selected()
        if row is not None and row.item.person_id is not None:
            self.person_activated.emit(row.item.person_id)
