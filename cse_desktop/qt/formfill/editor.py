"""The view of a draft being filled in: header, section list, one section at a time, outcome.

:class:`FormEditor` only shows things and reports what the worker does (``edited``,
``finalise_requested``, ``close_requested``); :class:`~cse_desktop.qt.formfill.page.FormFillPage`
owns the draft, the engine calls and the saving.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.forms.spec import FormSpec, Section
from cse_desktop.qt.formfill.fields import FieldRow, RepeatEditor, Today, plain_label
from cse_desktop.qt.formfill.outcome import FlagsBar, OutcomePanel, call_999_banner
from cse_desktop.qt.formfill.sections import SECTION_ROLE, SectionList, SectionView
from cse_desktop.qt.widgets import button

PATH_ROLE = Qt.ItemDataRole.UserRole + 2
NAV_WIDTH = 224
OUTCOME_WIDTH = 300


def form_header(title: str, subtitle: str) -> tuple[QWidget, QHBoxLayout, QLabel, QLabel]:
    """The band above a form (draft or final): its title and subtitle on the left; the caller
    adds its status and buttons to the returned row."""
    header = QWidget()
    header.setObjectName("formHeader")
    header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    head = QHBoxLayout(header)
    head.setContentsMargins(20, 10, 20, 10)
    head.setSpacing(12)
    titles = QVBoxLayout()
    titles.setSpacing(0)
    title_label = plain_label(title, "formTitle")
    title_label.setAccessibleName(title)
    subtitle_label = plain_label(subtitle, "formSubtitle")
    subtitle_label.setAccessibleName("About this form")
    titles.addWidget(title_label)
    titles.addWidget(subtitle_label)
    head.addLayout(titles, 1)
    return header, head, title_label, subtitle_label

#: room (pixels) for the page's margins and spacing beside the questions' own minimum width
FOLD_MARGIN = 64


def path_top(path: str) -> str:
    return path.split("[", 1)[0]


def problem_text(label: str, message: str) -> str:
    """'Agreed level: Choose an answer'; 'Why are you completing this screening? This needs
    an answer' (no colon after a question mark)."""
    message = message[:1].upper() + message[1:]
    return f"{label} {message}" if label.endswith(("?", ".")) else f"{label}: {message}"


class FormEditor(QWidget):
    """Everything shown while a draft is filled in."""

    edited = Signal(str, object)
    #: (field id, restricted): the worker marked a decision or note restricted, or cleared it
    restricted_edited = Signal(str, bool)
    finalise_requested = Signal()
    close_requested = Signal()

    def __init__(self, spec: FormSpec, *, subtitle: str, today: Today) -> None:
        super().__init__()
        self.spec = spec
        self.setObjectName("formEditor")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        # -- header ----------------------------------------------------------------------
        header, head, self.title, self.subtitle = form_header(spec.title, subtitle)
        #: the return home interview's 72-hour clock, under the subtitle (set_clock)
        self.clock_label = plain_label("", "formClock")
        self.clock_label.setAccessibleName("Return home interview clock")
        self.clock_label.hide()
        first = head.itemAt(0)
        titles = first.layout() if first is not None else None
        assert titles is not None
        titles.addWidget(self.clock_label)
        self.status = QLabel("")
        self.status.setObjectName("saveStatus")
        self.status.setAccessibleName("Save status")
        head.addWidget(self.status)
        self.finalise_button = button("&Finalise", "Finalise this form", role="primary",
                                      tooltip="Check the form and make it a final record")
        self.close_button = button("&Close", "Close the form",
                                   tooltip="Close the form (it is saved as you go)")
        self.outcome_button = button("&Outcome", "Show the outcome panel",
                                     tooltip="Show or hide the score and level")
        self.outcome_button.setCheckable(True)
        self.outcome_button.setChecked(True)
        self.outcome_button.setVisible(spec.scoring is not None)
        head.addWidget(self.outcome_button)
        head.addWidget(self.finalise_button)
        head.addWidget(self.close_button)
        root.addWidget(header)

        self.danger = call_999_banner()
        self.danger.hide()
        danger_row = QHBoxLayout()
        danger_row.setContentsMargins(16, 10, 16, 0)
        danger_row.addWidget(self.danger)
        root.addLayout(danger_row)

        body = QHBoxLayout()
        body.setContentsMargins(16, 12, 16, 12)
        body.setSpacing(14)
        root.addLayout(body, 1)

        # -- left: progress and sections ---------------------------------------------------
        nav = QVBoxLayout()
        nav.setSpacing(6)
        progress_label = plain_label("Progress", "navHeading")
        nav.addWidget(progress_label)
        self.progress = QProgressBar()
        self.progress.setObjectName("formProgress")
        self.progress.setAccessibleName("Overall progress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        nav.addWidget(self.progress)
        self.progress_text = plain_label("", "hint")
        self.progress_text.setAccessibleName("Questions answered")
        nav.addWidget(self.progress_text)
        nav.addSpacing(6)
        nav.addWidget(plain_label("Sections", "navHeading"))
        self.section_list = SectionList()
        nav.addWidget(self.section_list, 1)
        nav_box = QWidget()
        nav_box.setLayout(nav)
        nav.setContentsMargins(0, 0, 0, 0)
        nav_box.setFixedWidth(NAV_WIDTH)
        self.nav_box = nav_box
        body.addWidget(nav_box)

        # -- centre: error summary, flags, the current section -----------------------------
        centre = QVBoxLayout()
        centre.setSpacing(8)
        #: how many questions set_hidden_fields hides (the "with family" view), if any
        self.hidden_note = plain_label("", "hint")
        self.hidden_note.setAccessibleName("Hidden questions")
        self.hidden_note.hide()
        centre.addWidget(self.hidden_note)
        self.hidden_fields: frozenset[str] = frozenset()
        self._applied: dict[str, Any] | None = None
        self.summary = QFrame()
        self.summary.setObjectName("errorSummary")
        summary_layout = QVBoxLayout(self.summary)
        summary_layout.setContentsMargins(14, 10, 14, 10)
        summary_layout.setSpacing(4)
        self.summary_title = plain_label("", "errorSummaryTitle")
        self.summary_title.setAccessibleName("There is a problem")
        summary_layout.addWidget(self.summary_title)
        summary_layout.addWidget(plain_label(
            "Choose a problem to go to its question (click it, or press Enter).", "hint"))
        self.error_list = QListWidget()
        self.error_list.setObjectName("errorList")
        self.error_list.setAccessibleName("Problems to fix")
        self.error_list.setWordWrap(True)
        self.error_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.error_list.itemClicked.connect(self._error_chosen)
        self.error_list.itemActivated.connect(self._error_chosen)
        summary_layout.addWidget(self.error_list)
        self.summary.hide()
        centre.addWidget(self.summary)
        self.flags = FlagsBar()
        centre.addWidget(self.flags)

        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("formScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        content.setObjectName("formContent")
        self.content_layout = QVBoxLayout(content)
        self.content_layout.setContentsMargins(0, 0, 6, 0)
        self.content_layout.setSpacing(0)
        self.sections: dict[str, SectionView] = {}
        self.rows: dict[str, FieldRow] = {}
        self.section_of: dict[str, str] = {}
        for section in spec.sections:
            view = SectionView(section, spec, today)
            view.hide()
            self.sections[section.id] = view
            self.content_layout.addWidget(view)
            for field_id, row in view.rows.items():
                self.rows[field_id] = row
                self.section_of[field_id] = section.id
                row.restricted_edited.connect(self.restricted_edited)
                if row.editor is not None:
                    row.editor.edited.connect(self.edited)
                    if isinstance(row.editor, RepeatEditor):
                        row.editor.structure_changed.connect(self.thread_tab_order)
            self.section_list.add_section(section)
        self.content_layout.addStretch(1)
        self.scroll_area.setWidget(content)
        self._content = content
        centre.addWidget(self.scroll_area, 1)

        steps = QHBoxLayout()
        self.previous_button = button("◀  Previous", "Previous section",
                                      tooltip="Previous section (Ctrl+Page Up)")
        self.next_button = button("Next  ▶", "Next section",
                                  tooltip="Next section (Ctrl+Page Down)")
        steps.addWidget(self.previous_button)
        steps.addStretch(1)
        steps.addWidget(self.next_button)
        centre.addLayout(steps)
        body.addLayout(centre, 1)

        # -- right: the outcome of a scored form -----------------------------------------------
        self.outcome: OutcomePanel | None = None
        self._roomy: bool | None = None  # whether the outcome panel fits beside the questions
        self._outcome_allowed = True
        self.outcome_scroll: QScrollArea | None = None
        if spec.scoring is not None:
            self.outcome = OutcomePanel(spec)
            self.outcome.judgement_requested.connect(self.go_to_judgement)
            outcome_scroll = QScrollArea()
            outcome_scroll.setObjectName("outcomeScroll")
            outcome_scroll.setWidgetResizable(True)
            outcome_scroll.setFrameShape(QFrame.Shape.NoFrame)
            outcome_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            outcome_scroll.setWidget(self.outcome)
            outcome_scroll.setFixedWidth(OUTCOME_WIDTH)
            self.outcome_scroll = outcome_scroll
            self.outcome.text_resized.connect(lambda: self._fit_outcome(self.width()))
            body.addWidget(outcome_scroll)
            self.outcome_button.toggled.connect(self._show_outcome_panel)

        self.current: str = spec.sections[0].id
        self._shown_sections: dict[str, bool] = {s.id: True for s in spec.sections}
        self.section_list.currentItemChanged.connect(self._section_chosen)
        self.previous_button.clicked.connect(lambda: self.step(-1, focus=False))
        self.next_button.clicked.connect(lambda: self.step(1, focus=False))
        self.finalise_button.clicked.connect(self.finalise_requested)
        self.close_button.clicked.connect(self.close_requested)
        for keys, delta in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda d=delta: self.step(d, focus=True))
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._reveal_focus)
        self.show_section(self.current)
        self.thread_tab_order()

    def allow_outcome(self, allowed: bool) -> None:
        """Show the outcome panel and its button, or keep both out of sight (the "with family"
        view: the level and the rules that set it would tell the family what was answered)."""
        self._outcome_allowed = allowed
        self.outcome_button.setVisible(allowed and self.outcome_scroll is not None)
        self._show_outcome_panel(self.outcome_button.isChecked())

    def _show_outcome_panel(self, shown: bool) -> None:
        if self.outcome_scroll is not None:
            self.outcome_scroll.setVisible(shown and self._outcome_allowed)
        self.outcome_button.setAccessibleName("Hide the outcome panel" if shown
                                              else "Show the outcome panel")

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrower side columns on a small window (the main window may be 760 pixels wide);
        when the questions would no longer fit beside it, the outcome panel folds away behind
        the Outcome button (and comes back when there is room again)."""
        width = event.size().width()
        self.nav_box.setFixedWidth(NAV_WIDTH - 44 if width < 1000 else NAV_WIDTH)
        super().resizeEvent(event)
        self._fit_outcome(width)
        QTimer.singleShot(0, self, self._fit_items)  # once the list has its new width

    def _fit_outcome(self, width: int) -> None:
        """The outcome panel as wide as its text needs, within its share of the page; folded
        when the questions would be narrower than their own minimum beside it."""
        if self.outcome is None or self.outcome_scroll is None or width <= 0:
            return
        self.outcome_scroll.setFixedWidth(self.outcome.fitting_width(width))
        roomy = self._questions_fit(width)
        if roomy != self._roomy:  # only on a change, so the worker's own choice stands
            self._roomy = roomy
            self.outcome_button.setChecked(roomy)

    def _questions_fit(self, width: int) -> bool:
        """Whether the questions keep their minimum width beside the outcome panel."""
        assert self.outcome_scroll is not None
        content = self.scroll_area.widget()
        questions = (content.minimumSizeHint().width() if content is not None else 0) \
            + self.scroll_area.verticalScrollBar().sizeHint().width() + FOLD_MARGIN
        return width - self.nav_box.width() - self.outcome_scroll.width() >= questions

    def fit_width(self, width: int) -> None:
        """Start folded on a small window, before the first layout makes the page grow."""
        self._fit_outcome(width)

    def _fit_items(self) -> None:
        self.section_list.fit_items()
        if (self.outcome_scroll is not None and self.outcome_button.isChecked()
                and self.scroll_area.horizontalScrollBar().maximum() > 0):
            self._roomy = False  # laid out, the questions still scroll sideways: fold
            self.outcome_button.setChecked(False)

    # -- navigation --------------------------------------------------------------------------

    def visible_sections(self) -> list[str]:
        return [s.id for s in self.spec.sections if self._shown_sections.get(s.id, True)]

    def show_section(self, section_id: str, *, focus: bool = False) -> None:
        for sid, view in self.sections.items():
            if sid != section_id and not view.isHidden():
                view.hide()
        self.current = section_id
        self.sections[section_id].show()
        self.section_list.select(section_id)
        visible = self.visible_sections()
        index = visible.index(section_id) if section_id in visible else 0
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(visible) - 1)
        self.scroll_area.verticalScrollBar().setValue(0)
        if focus:
            self.focus_first_input()

    def focus_first_input(self) -> None:
        view = self.sections[self.current]
        for row in view.rows.values():
            if row.editor is not None and not row.isHidden():
                row.editor.focus_target().setFocus(Qt.FocusReason.TabFocusReason)
                return
        self.next_button.setFocus()

    def step(self, delta: int, *, focus: bool) -> None:
        visible = self.visible_sections()
        if self.current not in visible:
            return
        index = visible.index(self.current) + delta
        if 0 <= index < len(visible):
            self.show_section(visible[index], focus=focus)
            if not focus and delta > 0 and not self.next_button.isEnabled():
                self.previous_button.setFocus()
            elif not focus and delta < 0 and not self.previous_button.isEnabled():
                self.next_button.setFocus()

    def _section_chosen(self, item: QListWidgetItem | None, _previous: object) -> None:
        if item is not None:
            self.show_section(item.data(SECTION_ROLE))

    def go_to_judgement(self) -> None:
        if self.spec.scoring is not None:
            self.go_to(self.spec.scoring.agreed_level_field)

    def row_for(self, path: str) -> FieldRow | None:
        row = self.rows.get(path_top(path))
        if row is None or path == row.path:
            return row
        if isinstance(row.editor, RepeatEditor):
            return row.editor.field_row(path)
        return None

    def go_to(self, path: str) -> bool:
        """Show the section holding ``path`` and put the keyboard focus on its input."""
        top = path_top(path)
        section = self.section_of.get(top)
        row = self.row_for(path)
        if section is None or row is None:
            return False
        if self.current != section:
            self.show_section(section)
        target = row.editor.focus_target() if row.editor is not None else row
        if (content_layout := self._content.layout()) is not None:
            content_layout.activate()
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll_area.ensureWidgetVisible(row, 20, 40)
        # and again once the newly shown section has its final geometry
        QTimer.singleShot(0, self, lambda: self._ensure_visible(row))
        return True

    def set_editable(self, editable: bool) -> None:
        """Let the worker change the answers, or not (while the form is being finalised)."""
        self._content.setEnabled(editable)

    def _ensure_visible(self, widget: QWidget) -> None:
        if widget.isVisible():
            self.scroll_area.ensureWidgetVisible(widget, 20, 40)

    def _reveal_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self._content.isAncestorOf(new):
            self.scroll_area.ensureWidgetVisible(new, 20, 40)

    def _error_chosen(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.go_to(path)

    # -- tab order -------------------------------------------------------------------------

    def thread_tab_order(self) -> None:
        """Tab goes top to bottom: header, sections list, problems, fields, section buttons."""
        chain: list[QWidget] = [self.outcome_button, self.finalise_button, self.close_button,
                                self.section_list, self.error_list]
        for section in self.spec.sections:
            for row in self.sections[section.id].rows.values():
                chain += row.inputs()
        chain += [self.previous_button, self.next_button]
        if self.outcome is not None:
            chain.append(self.outcome.judgement_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- showing the state -----------------------------------------------------------------

    def set_answers(self, answers: dict[str, Any]) -> None:
        for field_id, row in self.rows.items():
            if row.editor is not None:
                row.editor.set_value(answers.get(field_id))
        self.thread_tab_order()

    def set_restricted(self, field_ids: list[str]) -> None:
        """Tick the "Restricted" box of each answer marked restricted; clear the others."""
        marked = set(field_ids)
        for field_id, row in self.rows.items():
            row.set_restricted(field_id in marked)

    def apply(self, *, shown: dict[str, bool], rows_shown: dict[str, bool],
              outcome: dict[str, Any], progress: list[tuple[Section, int, int]],
              errors: dict[str, list[str]], summary: dict[str, list[str]] | None,
              answers: dict[str, Any]) -> None:
        """Bring the view up to date with the engine's view of the draft."""
        self._applied = {"shown": shown, "rows_shown": rows_shown, "outcome": outcome,
                         "progress": progress, "errors": errors, "summary": summary,
                         "answers": answers}
        for field_id, row in self.rows.items():
            row_visible = shown.get(field_id, True) and field_id not in self.hidden_fields
            if row.isHidden() == row_visible:
                row.setVisible(row_visible)
            if isinstance(row.editor, RepeatEditor):
                for sub in row.editor.all_field_rows():
                    sub_visible = rows_shown.get(sub.path, True)
                    if sub.isHidden() == sub_visible:
                        sub.setVisible(sub_visible)
                    sub.set_errors(errors.get(sub.path, []))
            if row.field.type == "computed":
                row.set_computed(outcome.get("computed", {}).get(field_id))
            row.set_errors(errors.get(field_id, []))

        self._shown_sections = {s.id: shown.get(s.id, True) and self._has_question(s.id)
                                for s in self.spec.sections}
        self._count_hidden(shown)
        counts = {section.id: (answered, total) for section, answered, total in progress}
        problems: dict[str, int] = {}
        for path in (summary or {}):
            section = self.section_of.get(path_top(path))
            if section:
                problems[section] = problems.get(section, 0) + len(summary[path])  # type: ignore[index]
        self.section_list.update_items(self.sections, self._shown_sections, counts, problems)
        if not self._shown_sections.get(self.current, True) and self.visible_sections():
            visible = self.visible_sections()
            after = [s.id for s in self.spec.sections]
            position = after.index(self.current)
            following = [s for s in visible if after.index(s) > position]
            self.show_section(following[0] if following else visible[-1])
        elif self.current in (visible := self.visible_sections()):
            index = visible.index(self.current)
            self.previous_button.setEnabled(index > 0)
            self.next_button.setEnabled(index < len(visible) - 1)

        # the questions that must be answered (optional sections report answers but owe none)
        answered = sum(min(a, t) for _s, a, t in progress)
        total = sum(t for _s, _a, t in progress)
        percent = round(100 * answered / total) if total else 100
        if self.progress.value() != percent:  # (setValue repaints the bar at once)
            self.progress.setValue(percent)
        self.progress.setAccessibleDescription(f"{percent}% answered")
        self.progress_text.setText(f"{answered} of {total} required questions answered "
                                   f"({percent}%)")

        if self.outcome is not None:
            self.outcome.show_outcome(outcome, answers)
            self.danger.setVisible(bool(outcome.get("call_999")))
        else:
            self.flags.show_flags(outcome.get("flags", []))

        self.show_summary(summary)

    def show_summary(self, errors: dict[str, list[str]] | None) -> None:
        if not errors:
            self.summary.hide()
            self.error_list.clear()
            return
        lines = [(path, problem_text(self.describe(path), m))
                 for path, messages in errors.items() for m in messages
                 if path_top(path) not in self.hidden_fields]
        current = [(self.error_list.item(i).data(PATH_ROLE), self.error_list.item(i).text())
                   for i in range(self.error_list.count())]
        if current != lines:
            selected = self.error_list.currentRow()
            self.error_list.clear()
            for path, text in lines:
                item = QListWidgetItem(text)
                item.setData(PATH_ROLE, path)
                self.error_list.addItem(item)
            if 0 <= selected < self.error_list.count():
                self.error_list.setCurrentRow(selected)
        n = len(lines)
        self.summary_title.setText(f"There {'is' if n == 1 else 'are'} {n} "
                                   f"problem{'s' if n != 1 else ''} to fix before this form "
                                   "can be final")
        self.summary_title.setAccessibleDescription(self.summary_title.text())
        row_height = max(self.error_list.sizeHintForRow(0), 22)
        self.error_list.setFixedHeight(min(n, 5) * (row_height + 2) + 8)
        self.summary.show()

    def describe(self, path: str) -> str:
        """A field path as a worker reads it: 'People of concern, row 2: Name or nickname'."""
        top = path_top(path)
        row = self.rows.get(top)
        if row is None:
            return path
        if path == top:
            return row.field.label
        sub_row = self.row_for(path)
        if sub_row is not None:
            return sub_row.prefix + sub_row.field.label
        return row.field.label

    def set_clock(self, text: str, late: bool = False) -> None:
        """Show the interview clock ('Interview due in 31 h, by Tue 8 Dec 10:45'); '' hides
        it."""
        if text != self.clock_label.text():
            self.clock_label.setText(text)
            self.clock_label.setAccessibleDescription(text)
        if self.clock_label.property("late") != late:
            self.clock_label.setProperty("late", late)
            self.clock_label.style().unpolish(self.clock_label)
            self.clock_label.style().polish(self.clock_label)
        self.clock_label.setVisible(bool(text))

    def set_child_wording(self, on: bool) -> None:
        """The sections that record the child's words in the form's wording for the child
        (``child_text``), or back in the worker's (the "with family" view)."""
        from cse_desktop.qt.family import child_wording  # the view's module imports this one

        for view in self.sections.values():
            child_wording(view, on)
        self.section_list.retitle(self.sections)  # the list names them as they read now

    def set_hidden_fields(self, field_ids: Iterable[str]) -> None:
        """Hide these questions (e.g. while a family can see the screen); none shows them all
        again.  Their answers stay as they are, and are saved as before; a section left with
        no question to show leaves the list; a note above the form counts them."""
        hidden = frozenset(field_ids)
        if hidden != self.hidden_fields:
            self.hidden_fields = hidden
            if self._applied is not None:
                self.apply(**self._applied)

    def _has_question(self, section_id: str) -> bool:
        """Whether a section still shows a question (always, with no question hidden)."""
        return not self.hidden_fields or any(
            not row.isHidden() and row.field.type != "info"
            for row in self.sections[section_id].rows.values())

    def _count_hidden(self, shown: dict[str, bool]) -> None:
        n = sum(1 for fid in self.hidden_fields if fid in self.rows
                and shown.get(fid, True) and shown.get(self.section_of[fid], True)
                and self.rows[fid].field.type != "info")
        self.hidden_note.setText(
            f"{n} question{'s are' if n != 1 else ' is'} hidden while this view is on. "
            f"Answer {'them' if n != 1 else 'it'} after leaving it.")
        self.hidden_note.setVisible(n > 0)

    def set_status(self, text: str, state: str) -> None:
        if self.status.text() != text:
            self.status.setText(text)
            self.status.setAccessibleDescription(text)
        if self.status.property("state") != state:
            self.status.setProperty("state", state)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)
