"""FormFillPage: fill in any form, saving as you go; finalise it; read and amend a final one.

The page owns one submission at a time.  Every change goes through ``FormEngine.set_answer``
on the in-memory draft at once (so typing never waits), and a debounced save stores it through
the :class:`~cse_desktop.qt.operations.TaskManager`::

    change ──► engine.set_answer ──► view refreshed (visibility, errors, outcome, progress)
           └─► save timer: autosave_ms after the last change, and never later than
               1.5 × autosave_ms after the first unsaved one ──► tasks.run(save_draft)

so a draft on disk is never more than about 2 s behind the screen.  ``flush()`` saves what is
pending synchronously (``tasks.call``): the main window calls it before locking.

The store checks versions (``StaleRecord``).  A draft is saved with the version it carries, and
the page keeps that version current from each stored result, on the main thread: one save is in
flight at a time, and a ``flush`` or a finalise that must not wait for the result to come back
waits for the write in flight itself (its future) and takes its version from there.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from cse_desktop.domain.dates import LOCAL_ZONE, uk_date
from cse_desktop.domain.errors import CseError, ValidationFailed
from cse_desktop.domain.models import Submission
from cse_desktop.forms.engine import FormContext, FormEngine, FormInvalid, section_progress
from cse_desktop.qt.autolock import unwatched
from cse_desktop.qt.family import hidden_with_family
from cse_desktop.qt.formfill.clock import clock_reading, tick_timer
from cse_desktop.qt.formfill.confirm import FinaliseQuestion
from cse_desktop.qt.formfill.editor import FormEditor
from cse_desktop.qt.formfill.message import FormMessage
from cse_desktop.qt.formfill.readonly import FinalView
from cse_desktop.qt.operations import Operation, TaskManager, submissions
from cse_desktop.qt.operations.submissions import Opened

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: the save is due at most this many autosave intervals after the first unsaved change
MAX_DELAY_FACTOR = 1.5


class FormFillPage(QWidget):
    """Renders any FormSpec; saves as you go; finalises; shows a final read-only with Amend."""

    #: the worker closed the form: the person it was about
    closed = Signal(str)
    #: a draft was finalised: the stored final submission
    finalised = Signal(object)
    #: a submission is on screen (a draft to fill in, or a final one to read)
    opened = Signal(object)
    #: finalising was refused or failed: a plain-English reason
    finalise_failed = Signal(str)

    def __init__(self, tasks: TaskManager, engine: FormEngine,
                 parent: QWidget | None = None, *, autosave_ms: int = 1000,
                 clock: Clock | None = None) -> None:
        super().__init__(parent)
        self.tasks, self.engine = tasks, engine
        self.autosave_ms = autosave_ms
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.setObjectName("formFillPage")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

        self._submission: Submission | None = None
        self._ctx: FormContext | None = None
        self._person_name = ""
        self._session = 0
        #: the save or finalise in flight (its stored submission), waited for by a flush
        self._write: Future[Submission] | None = None
        self._generation = 0
        self._saved_generation = 0
        self._first_pending: float | None = None
        self._save_in_flight = False
        self._save_again = False
        self._save_error = ""
        self._finalising = False
        #: "Finalise …?", while it is asked (the Finalise button asks before finalising)
        self.confirm_box: FinaliseQuestion | None = None
        self._touched: set[str] = set()
        self._attempted = False
        self._last_errors: dict[str, list[str]] = {}
        self.editor: FormEditor | None = None
        self.final_view: FinalView | None = None
        #: the "with family" view: no Close, and the child-friendly wording if chosen
        self._family: tuple[bool, bool] = (False, False)

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.timeout.connect(self._save_now)
        #: moves the interview clock in the header on while a draft is open
        self.clock_timer = tick_timer(self, self._show_clock)

        self.stack = QStackedWidget()
        self.message_view = FormMessage()
        self.message_title, self.message = self.message_view.title, self.message_view.message
        self.message_close = self.message_view.close_button
        self.message_close.clicked.connect(self._close_clicked)
        self.stack.addWidget(self.message_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    # -- public API ------------------------------------------------------------------------

    @property
    def submission(self) -> Submission | None:
        """The submission on screen, with every change made so far (saved or not)."""
        return self._submission

    @property
    def has_unsaved_changes(self) -> bool:
        return self._generation > self._saved_generation

    @property
    def person_id(self) -> str:
        return str(self._submission.person_id) if self._submission else ""

    def start(self, form_id: str, person_id: str, episode_id: str | None = None) -> None:
        """A new draft on the latest version of the form, stored at once so it exists.

        An episode's return home interview is started once: starting it again opens its draft
        (or its final record, read only, with Amend) instead (``start_or_resume``).
        """
        self.flush()  # whatever was on screen before is saved first
        self._begin("Starting the form…")
        try:
            self.engine.start(form_id, person_id, episode_id=episode_id)  # checked here first
        except ValidationFailed as exc:
            self._show_message("The form could not be started", exc.message)
            return
        self._load(submissions.start(engine=self.engine, form_id=form_id, person_id=person_id,
                                     episode_id=episode_id, now=self.clock()))

    def open(self, submission_id: str) -> None:
        """Resume a draft, or show a final submission read-only (always on its own version)."""
        self.flush()  # whatever was on screen before is saved first
        self._begin("Opening the form…")
        self._load(submissions.read(submission_id=submission_id, now=self.clock()))

    def flush(self) -> bool:
        """Save any pending change now, synchronously; False (and shown) if it failed."""
        self.save_timer.stop()
        self._settle()
        draft = self._submission
        if self._finalising:  # the finalise waited for above stored every answer
            return True
        if draft is None or draft.is_final or not self.has_unsaved_changes:
            return True
        generation = self._generation
        try:
            stored = self.tasks.call(submissions.save_draft(draft=draft))
        except CseError as exc:
            self._save_failed(self._session, exc)
            return False
        except RuntimeError:  # no workspace: it locked under us
            self._save_failed(self._session, CseError("the workspace is locked"))
            return False
        except Exception as exc:  # never let a failed save break locking; no data in the log
            log.error("saving the draft failed unexpectedly (%s)", type(exc).__name__)
            self._save_failed(self._session, CseError("something went wrong while saving"))
            return False
        self._saved(self._session, stored, generation)
        return True

    def fill(self, path: str, value: Any) -> None:
        """Answer a question through its widget, exactly as if the worker had (self-test)."""
        if self.editor is None:
            raise ValidationFailed("No draft is open.")
        row = self.editor.row_for(path)
        if row is None or row.editor is None:
            raise ValidationFailed(f"'{path}' is not a question of this form.")
        row.editor.fill(value)

    def set_restricted(self, field_id: str, restricted: bool = True) -> None:
        """Mark a decision or note restricted through its check box, as the worker would."""
        if self.editor is None:
            raise ValidationFailed("No draft is open.")
        row = self.editor.rows.get(field_id)
        if row is None or row.restricted_box is None:
            raise ValidationFailed(f"'{field_id}' cannot be marked restricted on this form.")
        if row.restricted_box.isChecked() != restricted:
            row.restricted_box.click()

    def set_family_mode(self, on: bool, *, child_words: bool = False) -> None:
        """The "with family" view (qt/family.py): the form cannot be closed from here, the
        sections that record the child's words show the form's wording for the child, and what
        a family copy withholds is hidden (``family.hidden_with_family``)."""
        self._family = (on, on and child_words)
        self._apply_family()

    def _apply_family(self) -> None:
        on, child_words = self._family
        if on:
            self.message_close.hide()
        for view in (self.editor, self.final_view):
            if view is not None:
                view.close_button.setVisible(not on)
        draft, editor = self._submission, self.editor
        if editor is not None:
            editor.allow_outcome(not on)
        if editor is not None and draft is not None:
            editor.set_child_wording(child_words)
            registry = self.engine.registry
            editor.set_hidden_fields(hidden_with_family(
                editor.spec, lambda fid: registry.categories(draft.form_id, draft.form_version,
                                                             fid),
                draft.restricted_fields, child_words=child_words) if on else ())

    def finalise(self) -> None:
        """Check the draft and, if complete, make it final (as the Finalise button does once
        the worker has confirmed: this asks nothing)."""
        self._finalise_clicked()

    def clear(self) -> None:
        """Save what is pending (if the workspace is still open), then forget the submission
        and its widgets: e.g. when locking."""
        self.flush()
        self._begin("")
        self._generation = self._saved_generation = 0

    # -- loading ---------------------------------------------------------------------------

    def _load(self, operation: Operation[Opened]) -> None:
        session = self._session
        self.tasks.run(operation, on_done=lambda opened: self._loaded(session, opened),
                       on_error=lambda exc: self._load_failed(session, exc), owner=self)

    def _begin(self, text: str) -> None:
        self._session += 1
        if self.confirm_box is not None:  # e.g. locking while "Finalise …?" is asked
            self.confirm_box.reject()
        self.save_timer.stop()
        self.clock_timer.stop()
        self._submission = None
        self._ctx = None
        self._touched.clear()
        self._attempted = False
        self._last_errors = {}
        self._first_pending = None
        self._save_in_flight = self._save_again = self._finalising = False
        self._save_error = ""
        self._write = None
        self._drop_views()
        self.message_title.setText(text)
        self.message.clear_message()
        self.message_close.setVisible(False)
        self.stack.setCurrentWidget(self.message_view)

    def _drop_views(self) -> None:
        for view in (self.editor, self.final_view):
            if view is not None:
                self.stack.removeWidget(view)
                view.hide()
                view.deleteLater()
        self.editor = None
        self.final_view = None

    def _show_message(self, title: str, text: str) -> None:
        self.message_title.setText(title)
        self.message.show_message(text)
        self.message_close.setVisible(True)
        self.stack.setCurrentWidget(self.message_view)
        self.message_close.setFocus()

    def _load_failed(self, session: int, exc: CseError) -> None:
        if session == self._session:
            self._show_message("The form could not be opened", exc.message)

    def _loaded(self, session: int, opened: Opened) -> None:
        if session != self._session:
            return
        submission, ctx, verification = opened.submission, opened.context, opened.verification
        self._submission, self._ctx = submission, ctx
        self._generation = self._saved_generation = 0
        self._person_name = ctx.person.display_name if ctx.person else ""
        try:
            if submission.is_final:
                self._show_final(submission, verification)
            else:
                self._show_editor(submission)
        except ValidationFailed as exc:  # e.g. its form version is not installed here
            self._show_message("The form could not be opened", exc.message)
            return
        self.opened.emit(submission)

    def _subtitle(self, submission: Submission) -> str:
        parts = [self._person_name] if self._person_name else []
        if ctx_episode := (self._ctx.episode if self._ctx else None):
            started = ctx_episode.started_at.astimezone(LOCAL_ZONE).date()
            parts.append(f"missing episode of {uk_date(started)}")
        if submission.amends and not submission.is_final:
            parts.append("Correction of a final record")
        elif not submission.is_final:
            parts.append("Draft")
        parts.append(f"form version {submission.form_version}")  # not in the person's list
        return " · ".join(parts)

    def _show_editor(self, draft: Submission) -> None:
        spec = self.engine.form_of(draft).spec
        with unwatched():  # thousands of construction events: not activity, no input possible
            editor = FormEditor(spec, subtitle=self._subtitle(draft), today=self._today)
            editor.fit_width(self.width() if self.isVisible() else 0)
            editor.set_answers(draft.answers)
            editor.set_restricted(draft.restricted_fields)
            editor.edited.connect(self._edited)
            editor.restricted_edited.connect(self._restricted_edited)
            editor.finalise_requested.connect(self._finalise_requested)
            editor.close_requested.connect(self._close_clicked)
            self.editor = editor
            self.stack.addWidget(editor)
            self.stack.setCurrentWidget(editor)
            self._refresh()
        self._show_status()
        if self._ctx is not None and self._ctx.episode is not None:
            self.clock_timer.start()
        self._apply_family()
        editor.focus_first_input()

    def _show_final(self, final: Submission, verification: str = "") -> None:
        spec = self.engine.form_of(final).spec
        view = FinalView(spec, final, self._subtitle(final), verification=verification)
        view.amend_requested.connect(self._amend_clicked)
        view.close_requested.connect(self._close_clicked)
        self.final_view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        self._apply_family()
        view.amend_button.setFocus()

    def _today(self) -> date:
        return self.clock().astimezone(LOCAL_ZONE).date()

    # -- changes ---------------------------------------------------------------------------

    def _edited(self, path: str, value: Any) -> None:
        draft = self._submission
        if draft is None or draft.is_final or self._finalising or self.editor is None:
            return
        try:
            self._submission = self.engine.set_answer(draft, path, value)
        except ValidationFailed as exc:
            row = self.editor.row_for(path)
            if row is not None:
                row.set_errors([exc.message])
            return
        self._generation += 1
        self._touched.add(path)
        self._schedule_save()
        self._refresh()

    def _restricted_edited(self, field_id: str, restricted: bool) -> None:
        """The worker marked a decision or note restricted (or cleared the mark): on the draft
        at once, saved with it like any answer."""
        draft, editor = self._submission, self.editor
        if draft is None or draft.is_final or self._finalising or editor is None:
            return
        try:
            self._submission = self.engine.set_restricted(draft, field_id, restricted)
        except ValidationFailed as exc:
            row = editor.row_for(field_id)
            if row is not None:
                row.set_restricted(field_id in draft.restricted_fields)
                row.set_errors([exc.message])
            return
        self._generation += 1
        self._schedule_save()
        self._apply_family()  # marked restricted with a family looking on: hidden at once

    def _refresh(self) -> None:
        """Show what the engine makes of the draft: visibility, values, errors, outcome."""
        draft, editor = self._submission, self.editor
        if draft is None or editor is None or self._ctx is None:
            return
        ctx = dataclasses.replace(self._ctx, now=self.clock())
        errors = self.engine.validate(draft, ctx)
        self._last_errors = errors
        if self._attempted:
            shown_errors = errors
        else:
            shown_errors = {p: m for p, m in errors.items() if p in self._touched}
        self._show_clock()
        editor.apply(shown=self.engine.visibility(draft, ctx),
                     rows_shown=self.engine.row_visibility(draft, ctx),
                     outcome=self.engine.outcome(draft, ctx),
                     progress=section_progress(self.engine, draft, ctx),
                     errors=shown_errors,
                     summary=errors if self._attempted else None,
                     answers=draft.answers)

    def _show_clock(self) -> None:
        """The return home interview's 72-hour clock in the header, live: due in / overdue
        by, or when the interview took place once that is recorded."""
        draft, editor = self._submission, self.editor
        if draft is None or editor is None or self._ctx is None:
            return
        editor.set_clock(*clock_reading(draft, self._ctx, self.clock()))

    # -- saving ------------------------------------------------------------------------------

    def _schedule_save(self) -> None:
        now = time.monotonic()
        if self._first_pending is None:
            self._first_pending = now
        latest = self._first_pending + MAX_DELAY_FACTOR * self.autosave_ms / 1000
        delay = min(self.autosave_ms, max(0, round((latest - now) * 1000)))
        self.save_timer.start(delay)
        self._show_status()

    def _settle(self) -> None:
        """Wait for the save or finalise in flight and take on the version it stored, so the
        next write carries it (its own result still arrives later, and changes nothing)."""
        write, self._write = self._write, None
        if write is None:
            return
        try:
            stored = write.result()
        except Exception:  # reported when its result arrives
            return
        self._take_version(stored)

    def _take_version(self, stored: Submission) -> None:
        current = self._submission
        if current is not None and current.id == stored.id and not current.is_final \
                and stored.version > current.version:
            self._submission = current.model_copy(update={"version": stored.version})

    def _save_now(self) -> None:
        draft = self._submission
        if draft is None or draft.is_final or self._finalising:
            return
        if self._save_in_flight:
            self._save_again = True
            return
        if not self.has_unsaved_changes:
            return
        generation, session = self._generation, self._session
        self._first_pending = None
        self._save_in_flight = True
        self._show_status()
        try:
            self._write = self.tasks.run(
                submissions.save_draft(draft=draft),
                on_done=lambda stored: self._saved(session, stored, generation),
                on_error=lambda exc: self._save_failed(session, exc), owner=self)
        except RuntimeError:  # no workspace: it locked under us
            self._save_failed(session, CseError("the workspace is locked"))

    def _saved(self, session: int, stored: Submission, generation: int) -> None:
        if session != self._session:
            return
        self._save_in_flight = False
        self._save_error = ""
        self._saved_generation = max(self._saved_generation, generation)
        self._take_version(stored)
        if self._save_again:
            self._save_again = False
            self._save_now()
        self._show_status()

    def _save_failed(self, session: int, exc: CseError) -> None:
        if session != self._session:
            return
        self._save_in_flight = False
        self._save_again = False
        self._save_error = exc.message
        self._show_status()

    def _show_status(self) -> None:
        if self.editor is None:
            return
        if self._save_error and self.has_unsaved_changes:
            self.editor.set_status(f"Not saved: {self._save_error}", "error")
        elif self._save_in_flight or self.has_unsaved_changes:
            self.editor.set_status("Saving…", "saving")
        else:
            self.editor.set_status("✓ Saved", "saved")

    # -- finalising and amending ---------------------------------------------------------------

    def _finalise_requested(self) -> None:
        """The Finalise button: a draft with problems goes straight to the list of them; a
        complete one is finalised only once the worker confirms (``confirm.FinaliseQuestion``:
        what becomes permanent, with Keep editing as the default and Escape)."""
        draft, editor = self._submission, self.editor
        if draft is None or editor is None or self._finalising or self.confirm_box is not None \
                or draft.is_final or self._ctx is None:
            return
        self._refresh()
        if self._last_errors:
            self._finalise_clicked()  # refused: it lists every problem
            return
        box = self.confirm_box = FinaliseQuestion.for_draft(
            self.engine, draft, dataclasses.replace(self._ctx, now=self.clock()),
            self._person_name, self)
        session = self._session
        box.finished.connect(lambda _result: self._confirmed(session, box))
        box.open()

    def _confirmed(self, session: int, box: FinaliseQuestion) -> None:
        if self.confirm_box is box:
            self.confirm_box = None
        box.deleteLater()
        if session != self._session or self.editor is None:
            return
        if box.accepted_finalise:
            self._finalise_clicked()
        else:
            self.editor.finalise_button.setFocus()

    def _finalise_clicked(self) -> None:
        if self._submission is None or self.editor is None or self._finalising:
            return
        self._settle()  # the save in flight first: the finalise carries the version it stored
        draft, editor = self._submission, self.editor
        if draft.is_final:
            return
        self._attempted = True
        self.save_timer.stop()
        self._finalising = True
        editor.finalise_button.setEnabled(False)
        editor.set_editable(False)  # nothing changes while it is being finalised
        editor.set_status("Finalising…", "saving")
        generation, session = self._generation, self._session
        self._write = self.tasks.run(
            submissions.finalise(engine=self.engine, draft=draft, now=self.clock()),
            on_done=lambda final: self._finalised(session, final, generation),
            on_error=lambda exc: self._finalise_failed(session, exc), owner=self)

    def _finalised(self, session: int, final: Submission, generation: int) -> None:
        if session != self._session:
            return
        self._finalising = False
        self._saved_generation = max(self._saved_generation, generation)
        self._submission = final
        self._drop_views()
        self._show_final(final)
        self.finalised.emit(final)

    def _finalise_failed(self, session: int, exc: CseError) -> None:
        if session != self._session or self.editor is None:
            return
        self._finalising = False
        editor = self.editor
        editor.finalise_button.setEnabled(True)
        editor.set_editable(True)
        if isinstance(exc, FormInvalid):
            self._refresh()
            if not self._last_errors:  # the store's context found problems this view did not
                editor.show_summary(exc.errors)
            editor.error_list.setFocus()
            if editor.error_list.count():
                editor.error_list.setCurrentRow(0)
            first = editor.error_list.item(0)
            reason = first.text() if first is not None else exc.message
        else:
            self._save_error = reason = exc.message
        if self.has_unsaved_changes:
            self._schedule_save()
        self._show_status()
        self.finalise_failed.emit(reason)

    def _amend_clicked(self) -> None:
        final = self._submission
        if final is None or not final.is_final:
            return
        self._begin("Starting the correction…")
        self._load(submissions.amend(engine=self.engine, final=final, now=self.clock()))

    def _close_clicked(self) -> None:
        person = self.person_id
        self.flush()
        self.closed.emit(person)

    # -- for tests and the self-test -------------------------------------------------------------

    @property
    def errors(self) -> dict[str, list[str]]:
        """What the engine last said is wrong with the draft, by path."""
        return dict(self._last_errors)

    def status_text(self) -> str:
        return self.editor.status.text() if self.editor is not None else ""


__all__ = ["FormFillPage"]
