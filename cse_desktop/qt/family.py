"""Working beside a family: the main window's "with family" view (issue 14, item 8).

Screenings, session notes and return home interviews are filled in with a parent or a young
person looking at the screen.  The view shows the form in hand and nothing else:

* no menus, navigation bar or status bar (so no caseload, owner or counts), and the window is
  titled just "CSE Desktop";
* no way to another page: the form's Close button is hidden and the window's shortcuts are off
  (Lock and Quit stay: both close the workspace);
* no notifications: status bar messages (sync results, failed work) and message boxes opened by
  background work are held, and shown when the view is left;
* the sections that record the young person's own words show the form's child-friendly
  wording (``child_text`` in the form file), unless the worker turns it off;
* what a family copy of the record withholds is not on the screen either
  (:func:`hidden_with_family`): every question the family audience of
  ``reports.redaction`` withholds (by the form version's sensitivity categories, its
  ``sensitive: true`` marks, and every category for a field of unknown categories: fail
  closed), every answer the worker marked "Restricted", and the banners and worked-out
  answers that follow from them (e.g. "Harm disclosed"); a note above the form says how many
  questions are hidden, without naming what they are about.  The answers stay as they were,
  and are saved as before; leaving the view shows them again.

  Decision: while "Child-friendly wording" is ticked, questions whose only category is the
  young person's own words stay shown (even when marked sensitive) -- the worker is sitting
  with the young person, and those questions exist for their words.  A question that is also
  in any other category, or was marked "Restricted", stays hidden; untick the box (e.g. with a
  parent alone) and the own-words questions are hidden too.

Ctrl+Shift+F (or Workspace → Show only this form) enters it; opening a return home interview
or a parent session offers it in a bar above the form.  Leaving needs the workspace passphrase,
checked by an operation on the store (``operations.workspace.verify_passphrase``: a wrong one
counts toward the unlock throttle) and never kept; the auto-lock still locks the workspace as
usual, which ends the view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.domain.errors import CseError, LockedOut
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Submission
from cse_desktop.forms.sensitivity import Category
from cse_desktop.forms.spec import FormSpec, RepeatField
from cse_desktop.qt.application import APP_NAME
from cse_desktop.qt.operations import workspace as workspaces
from cse_desktop.qt.widgets import MessageLabel, button, line_edit
from cse_desktop.reports.redaction import get_profile

if TYPE_CHECKING:
    from cse_desktop.qt.app import MainWindow
    from cse_desktop.qt.formfill.sections import SectionView

SHORTCUT = "Ctrl+Shift+F"
#: the forms whose opening offers the view
OFFERED_FOR = frozenset({FormId.RETURN_HOME_INTERVIEW, FormId.PARENT_SESSION})
OFFER_TEXT = ("Filling this in with the young person or their family? Show only this form: "
              "no caseload, no other names, no notifications.")
BAR_TEXT = "With a family: only this form is shown."
WRONG = ("That passphrase is not right, so this view stays. The form is still here and "
         "nothing was lost.")
EMPTY = "Type the workspace passphrase to leave this view."


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def hidden_with_family(spec: FormSpec, categories: Callable[[str], frozenset[Category]],
                       restricted: list[str], *, child_words: bool) -> frozenset[str]:
    """The ids of the questions (top-level fields) the "with family" view hides: the rule is
    in the module docstring.  ``categories`` gives a field's sensitivity categories (every
    category when unknown); ``restricted`` the answers marked "Restricted"."""
    profile, marked = get_profile("family"), set(restricted)

    def withheld(field: Any, group: RepeatField | None = None) -> bool:
        found = categories(field.id) | (categories(group.id) if group is not None else set())
        if field.id in marked or (group is not None and group.id in marked):
            return True
        if child_words and found == {Category.OWN_WORDS}:
            return False  # the young person's own words, with them (see the module)
        return profile.withholds_field(field, field.id, group=group,
                                       group_id=group.id if group else None,
                                       categories=found)

    fields = [f for section in spec.sections for f in section.fields]
    hidden = {f.id for f in fields if withheld(f) or (
        isinstance(f, RepeatField) and any(withheld(sub, f) for sub in f.fields))}
    # banners and worked-out answers that follow from a hidden answer would tell it
    derived = [f for f in fields if f.type in ("info", "computed") and f.id not in hidden]
    while True:
        more = {f.id for f in derived if f.id not in hidden and hidden & set(_NAME.findall(
            " ".join(str(getattr(f, key, None) or "") for key in ("show_if", "expr"))))}
        if not more:
            return frozenset(hidden)
        hidden |= more


def child_wording(view: SectionView, on: bool) -> None:
    """Show a section in its child-friendly wording (``child_text``), or back in the worker's.

    Only sections that have a ``child_text`` change; in them, each question that has one too.
    """
    section = view.section
    if section.child_text is None:
        return
    child = section.child_text if on else None
    view.title.setText(child.label if child else section.title)
    _set_help(view, view.layout(), section.help, child.help if child else section.help, 1)
    for row in view.rows.values():
        words = row.field.child_text if on else None
        if row.field.child_text is None:
            continue
        if row.title is not None:
            row.title.setText(words.label if words else row.field.label)
        help_text = words.help if words and words.help else row.field.help
        _set_help(row, row.layout(), row.field.help, help_text, 1)


def _set_help(owner: QWidget, layout: object, worker_help: str, text: str, index: int) -> None:
    """The owner's help label (made on first need) shows ``text`` (hidden when empty)."""
    label = next((lab for lab in owner.findChildren(QLabel) if lab.property("childHelp")), None)
    if label is None:
        label = next((lab for lab in owner.findChildren(QLabel)
                      if lab.objectName() in ("hint", "sectionHelp") and worker_help
                      and lab.text() == worker_help and lab.parentWidget() is owner), None)
        if label is None:
            insert = getattr(layout, "insertWidget", None)
            if not text or insert is None:
                return
            label = QLabel()
            label.setObjectName("hint")
            label.setWordWrap(True)
            insert(index, label)
        label.setProperty("childHelp", True)
    label.setText(text)
    label.setVisible(bool(text))


class FamilyView(QObject):
    """The "with family" mode of a :class:`~cse_desktop.qt.app.MainWindow` (see the module)."""

    entered = Signal()
    left = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        #: status bar messages and message boxes that arrived while the view was up
        self.held_messages: list[str] = []
        self.held_boxes: list[QMessageBox] = []
        self._disabled: list[QAction] = []
        self._menus_shown = True
        self._checking = False

        self.action = QAction("Show only this form (with a &family)", window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setStatusTip("Hide the caseload, names and notifications while a young "
                                 "person or their family can see the screen")
        self.action.setEnabled(False)
        self.action.triggered.connect(self._shortcut)
        window.addAction(self.action)  # its shortcut works with the menus hidden

        # -- the offer, above a return home interview or a parent session --------------------
        self.offer_bar = QFrame()
        self.offer_bar.setObjectName("familyOffer")
        offer = QHBoxLayout(self.offer_bar)
        offer.setContentsMargins(16, 6, 16, 6)
        self.offer_label = QLabel(OFFER_TEXT)
        self.offer_label.setObjectName("formBanner")
        self.offer_label.setProperty("bannerStyle", "info")
        self.offer_label.setWordWrap(True)
        self.offer_button = button("Show &only this form", "Show only this form",
                                   role="primary", tooltip=f"With a family ({SHORTCUT})")
        self.offer_dismiss = button("Not now", "Not now")
        offer.addWidget(self.offer_label, 1)
        offer.addWidget(self.offer_button)
        offer.addWidget(self.offer_dismiss)
        self.offer_button.clicked.connect(self.enter)
        self.offer_dismiss.clicked.connect(self.offer_bar.hide)
        self.offer_bar.hide()

        # -- the bar of the view itself: child wording, and leaving with the passphrase ------
        self.bar = QFrame()
        self.bar.setObjectName("formHeader")
        self.bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.bar.setAccessibleName("With a family")
        bar = QVBoxLayout(self.bar)
        bar.setContentsMargins(16, 6, 16, 6)
        top = QHBoxLayout()
        self.bar_label = QLabel(BAR_TEXT)
        self.child_box = QCheckBox("Child-friendly &wording")
        self.child_box.setAccessibleName("Child-friendly wording")
        self.child_box.setToolTip("Show the questions for the young person in the form's "
                                  "plain wording for them")
        self.child_box.setChecked(True)
        self.child_box.toggled.connect(self._child_wording_toggled)
        self.leave_button = button("&Leave this view…", "Leave the with-family view",
                                   tooltip="Needs the workspace passphrase")
        self.leave_button.clicked.connect(self.ask_to_leave)
        top.addWidget(self.bar_label, 1)
        top.addWidget(self.child_box)
        top.addWidget(self.leave_button)
        bar.addLayout(top)
        self.leave_row = QWidget()
        leave = QHBoxLayout(self.leave_row)
        leave.setContentsMargins(0, 4, 0, 0)
        self.passphrase_edit = line_edit("Workspace passphrase", password=True,
                                         placeholder="Workspace passphrase")
        self.passphrase_edit.returnPressed.connect(self._leave_requested)
        self.confirm_button = button("Leave", "Leave with this passphrase", role="primary")
        self.confirm_button.clicked.connect(self._leave_requested)
        self.cancel_button = button("Stay", "Stay in this view")
        self.cancel_button.clicked.connect(self._stay)
        leave.addWidget(QLabel("To leave, type the workspace passphrase:"))
        leave.addWidget(self.passphrase_edit, 1)
        leave.addWidget(self.confirm_button)
        leave.addWidget(self.cancel_button)
        bar.addWidget(self.leave_row)
        self.error = MessageLabel()
        bar.addWidget(self.error)
        self.leave_row.hide()
        self.bar.hide()
        # Lock works in the view (Ctrl+L): locking ends it, and unlocking needs the passphrase.
        self.bar.addAction(window.lock_action)

        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        assert isinstance(layout, QVBoxLayout)
        index = layout.indexOf(window.stack)
        layout.insertWidget(index, self.bar)
        layout.insertWidget(index, self.offer_bar)
        window.stack.currentChanged.connect(self._page_changed)
        window.statusBar().messageChanged.connect(self._status_message)

    # -- offering and entering -------------------------------------------------------------

    @property
    def form_in_hand(self) -> bool:
        page = self.window.form_page_shown
        # a form being filled in only: a final record is read back to nobody but the team
        return page is not None and page.editor is not None

    def _page_changed(self, _index: int) -> None:
        in_form = self.window.form_page_shown is not None
        self.action.setEnabled(in_form or self.active)
        if not in_form:
            self.offer_bar.hide()

    def offer(self, submission: Submission) -> None:
        """A form was opened: offer the view for the forms filled in beside a family."""
        self.action.setEnabled(self.form_in_hand or self.active)
        if not self.active and submission.form_id in OFFERED_FOR:
            self.offer_bar.show()

    def _shortcut(self) -> None:
        if self.active:
            self.ask_to_leave()
        else:
            self.enter()

    def enter(self) -> bool:
        """Show only the form in hand; False (and nothing changes) without one."""
        if self.active:
            return True
        if not self.form_in_hand:
            return False
        window, page = self.window, self.window.form_page
        assert page is not None
        self.active = True
        self.offer_bar.hide()
        self._menus_shown = not window.menuBar().isHidden()
        window.menuBar().hide()
        window.nav.hide()
        window.statusBar().hide()
        window.statusBar().clearMessage()
        keep = {self.action, window.lock_action, window.quit_action}
        self._disabled = [a for a in window.findChildren(QAction)
                          if a not in keep and a.isEnabled() and not a.shortcut().isEmpty()]
        for action in self._disabled:
            action.setEnabled(False)
        window.setWindowTitle(APP_NAME)
        self.error.clear_message()
        self.leave_row.hide()
        self.bar.show()
        page.set_family_mode(True, child_words=self.child_box.isChecked())
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.entered.emit()
        return True

    # -- leaving ----------------------------------------------------------------------------

    def ask_to_leave(self) -> None:
        if not self.active:
            return
        self.leave_row.show()
        self.passphrase_edit.setFocus()

    def _stay(self) -> None:
        self.passphrase_edit.clear()
        self.error.clear_message()
        self.leave_row.hide()

    def _leave_requested(self) -> None:
        passphrase = self.passphrase_edit.text()
        self.passphrase_edit.clear()  # never kept, not even in the field
        if not self.active or self._checking:
            return
        if not passphrase:
            self.error.show_message(EMPTY)
            return
        if self.window.tasks.ws is None:  # locked under us: the lock ended the view
            self.end()
            return
        self._checking = True
        self.confirm_button.setEnabled(False)
        self.window.tasks.run(workspaces.verify_passphrase(passphrase=passphrase),
                              on_done=lambda _none: self._verified(),
                              on_error=self._refused, owner=self.bar)

    def _verified(self) -> None:
        self._checking = False
        self.confirm_button.setEnabled(True)
        self.leave()

    def _refused(self, exc: CseError) -> None:
        self._checking = False
        self.confirm_button.setEnabled(True)
        self.error.show_message(exc.message if isinstance(exc, LockedOut) else WRONG)
        self.passphrase_edit.setFocus()

    def leave(self) -> None:
        """Back to the whole window (the passphrase was checked), with what was held."""
        if not self.active:
            return
        self.end()
        window, page = self.window, self.window.form_page
        if page is not None and window.stack.currentWidget() is page:
            spec = (page.editor.spec if page.editor is not None else
                    page.final_view.spec if page.final_view is not None else None)
            window._show(page, spec.title if spec is not None else "Form")
        if self.held_messages:
            window.statusBar().showMessage(" · ".join(self.held_messages), 20_000)
        self.held_messages.clear()
        self.left.emit()

    def end(self) -> None:
        """Restore the window's menus, bars and shortcuts (on leaving, and when the workspace
        locks, which needs no passphrase); held message boxes are shown again."""
        if not self.active:
            return
        self.active = False
        self._checking = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        window = self.window
        self.bar.hide()
        self.leave_row.hide()
        self.passphrase_edit.clear()
        self.error.clear_message()
        self.confirm_button.setEnabled(True)
        window.menuBar().setVisible(self._menus_shown)
        window.nav.show()
        window.statusBar().show()
        for action in self._disabled:
            action.setEnabled(True)
        self._disabled = []
        if window.form_page is not None:
            window.form_page.set_family_mode(False)
        boxes, self.held_boxes = self.held_boxes, []
        for box in boxes:
            box.show()
        self._page_changed(0)

    # -- holding notifications -------------------------------------------------------------

    def _status_message(self, text: str) -> None:
        if self.active and text:
            self.held_messages.append(text)
            self.window.statusBar().clearMessage()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # installed on the application only while the view is up
        if event.type() == QEvent.Type.Show and isinstance(watched, QMessageBox) \
                and watched.isWindow() and watched not in self.held_boxes \
                and not self._asked_by_the_form(watched):
            self.held_boxes.append(watched)
            watched.destroyed.connect(lambda _=None, box=watched: self._forget(box))
            watched.hide()
        return False

    def _asked_by_the_form(self, box: QWidget) -> bool:
        """A question the form in hand asks (e.g. "Finalise …?"): shown, not held."""
        page, parent = self.window.form_page, box.parentWidget()
        while parent is not None and parent is not page:
            parent = parent.parentWidget()
        return page is not None and parent is page

    def _forget(self, box: QMessageBox) -> None:
        if box in self.held_boxes:
            self.held_boxes.remove(box)

    def _child_wording_toggled(self, on: bool) -> None:
        page = self.window.form_page
        if self.active and page is not None:
            page.set_family_mode(True, child_words=on)


__all__ = ["OFFERED_FOR", "SHORTCUT", "FamilyView", "child_wording", "hidden_with_family"]
