"""The person record: one child's profile, chronology, missing episodes, forms, actions and
people and places of concern, in tabs under a header that keeps the essentials in view.

Every read and write is an operation (``cse_desktop.qt.operations``) run by the task manager.
:meth:`PersonPage.load` opens a record with ``people.record(audit_view=True)`` (so the view is
audited); whenever the task manager reports a change to any record kind shown here, the page
reads the record again (plainly: a refresh is not a new view).  A return home interview that is
owed shows in a banner above the tabs, with the button that starts it.

The tabs other than Profile are filled when first shown (or first asked for through their
attribute, as the window and the tests do): opening a child with thousands of forms builds only
what is on the screen, and a tab brought up later shows the record as it was last read.

Keyboard: Alt+1 to Alt+6 choose a tab, Alt+Left goes back to the caseload, Enter on a row opens
it, and every field has a mnemonic (Alt+underlined letter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cse_desktop.casework.chronology import ChronologyEvent, duration_text
from cse_desktop.casework.interviews import RhiState, interview_records, rhi_state
from cse_desktop.casework.submissions import episode_record_of
from cse_desktop.domain.dates import LOCAL_ZONE, uk_date, uk_datetime
from cse_desktop.domain.errors import CseError, NotFound
from cse_desktop.domain.ids import Changes
from cse_desktop.domain.labels import RISK_LABELS
from cse_desktop.domain.models import Episode, Person
from cse_desktop.forms.scoring import AWAITING_APPROVAL
from cse_desktop.qt.operations import TaskManager, people
from cse_desktop.qt.operations.people import PersonRecord
from cse_desktop.qt.person.chronology import ChronologyTab
from cse_desktop.qt.person.common import RECORD_KINDS, chain_tab_order
from cse_desktop.qt.person.episodes import EpisodesTab
from cse_desktop.qt.person.lists import ActionsTab, AssociationsTab, SubmissionsTab
from cse_desktop.qt.person.profile import ProfileTab
from cse_desktop.qt.widgets import MessageLabel, button, text_label

if TYPE_CHECKING:  # printing uses the person page's date inputs: imported when used
    from cse_desktop.qt.printing import PrintDialog

RHI_FORM = "return-home-interview"
#: the countdowns and RAG move with the clock: repaint them this often
TICK_MS = 60_000


class PersonPage(QWidget):
    """One child's record. Signals: ``start_form(form_id, person_id, episode_id or None)``,
    ``open_submission(submission_id)``, ``back()``; ``loaded(person_id)`` after each read."""

    start_form = Signal(str, str, object)
    open_submission = Signal(str)
    back = Signal()
    loaded = Signal(str)

    PROFILE, CHRONOLOGY, EPISODES, FORMS, ACTIONS, CONCERNS = range(6)

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None, *,
                 today: date | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.tasks = tasks
        self._fixed_today = today
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._person_id: str | None = None
        self._record: PersonRecord | None = None
        self._reload_pending = False
        self._banner_episode: str | None = None

        # -- header ----------------------------------------------------------------------------
        header = QWidget()
        header.setObjectName("personHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.back_button = button("← Caseload", "Back to the caseload", role="link",
                                  tooltip="Back to the caseload (Alt+Left)")
        self.name_label = text_label("", "personName")
        self.name_label.setAccessibleName("Name")
        self.risk_badge = text_label("", "riskBadge")
        self.risk_badge.setWordWrap(False)
        self.risk_badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.risk_badge.setAccessibleName("Risk level")
        self.facts_label = text_label("", "personFacts")
        self.facts_label.setAccessibleName("Key details")
        self.approval_note = text_label(AWAITING_APPROVAL + ": the higher level stands until "
                                        "a team manager approves it.", "approvalNote")
        self.approval_note.setAccessibleName(AWAITING_APPROVAL)
        self.approval_note.hide()
        self.print_button = button("Print summary…", "Print the RMM case summary",
                                   tooltip="Preview, print or save this young person's RMM "
                                           "case summary (Ctrl+P)")
        self.print_button.setEnabled(False)
        self.print_dialog: PrintDialog | None = None
        top = QHBoxLayout()
        top.setSpacing(14)
        top.addWidget(self.back_button)
        top.addWidget(self.name_label, 1)
        top.addWidget(self.print_button)
        head = QVBoxLayout(header)
        head.setContentsMargins(20, 10, 20, 10)
        head.setSpacing(4)
        head.addLayout(top)
        # The risk badge opens the line of key details, so at a large text size it keeps its
        # whole words instead of being squeezed beside the name and the print button.
        facts = QHBoxLayout()
        facts.setSpacing(12)
        facts.addWidget(self.risk_badge, 0, Qt.AlignmentFlag.AlignTop)
        facts.addWidget(self.facts_label, 1)
        head.addLayout(facts)
        head.addWidget(self.approval_note)

        # -- the return home interview banner --------------------------------------------------
        self.rhi_banner = QFrame()
        self.rhi_banner.setObjectName("rhiBanner")
        self.rhi_banner.setAccessibleName("Return home interview due")
        self.rhi_text = text_label("", "rhiBannerText")
        self.rhi_text.setAccessibleName("Return home interview due")
        self.rhi_button = button("Start return home interview",
                                 "Start return home interview", role="primary",
                                 tooltip="Start the return home interview form for this "
                                         "episode")
        banner_row = QHBoxLayout(self.rhi_banner)
        banner_row.setContentsMargins(14, 8, 10, 8)
        banner_row.setSpacing(12)
        banner_row.addWidget(self.rhi_text, 1)
        banner_row.addWidget(self.rhi_button)
        self.rhi_banner.hide()

        self.message = MessageLabel("error")

        # -- tabs ------------------------------------------------------------------------------
        self.profile_tab = ProfileTab(tasks, self.today)
        self._chronology_tab = ChronologyTab()
        self._episodes_tab = EpisodesTab(tasks, self.clock)
        self._submissions_tab = SubmissionsTab()
        self._actions_tab = ActionsTab(tasks, self.today)
        self._associations_tab = AssociationsTab(tasks)
        #: tabs whose contents are older than the record last read (filled when shown)
        self._stale: set[int] = set()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("personTabs")
        self.tabs.setAccessibleName("Parts of the record")
        self.tabs.setDocumentMode(True)
        tabs = [(self.profile_tab, "Profile"), (self._chronology_tab, "Chronology"),
                (self._episodes_tab, "Missing episodes"), (self._submissions_tab, "Forms"),
                (self._actions_tab, "Actions"),
                (self._associations_tab, "People and places (restricted)")]
        for i, (tab, title) in enumerate(tabs):
            tab.setAccessibleName(title)
            self.tabs.addTab(tab, title)
            self.tabs.setTabToolTip(i, f"{title} (Alt+{i + 1})")
            shortcut = QShortcut(QKeySequence(f"Alt+{i + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda i=i: self.show_tab(i))
        back = QShortcut(QKeySequence("Alt+Left"), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back)
        print_key = QShortcut(QKeySequence("Ctrl+P"), self)
        print_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        print_key.activated.connect(self.print_summary)

        body = QVBoxLayout()
        body.setContentsMargins(20, 10, 20, 12)
        body.setSpacing(8)
        body.addWidget(self.rhi_banner)
        body.addWidget(self.message)
        body.addWidget(self.tabs, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addLayout(body, 1)
        chain_tab_order([self.back_button, self.print_button, self.rhi_button, self.tabs])

        # -- wiring ----------------------------------------------------------------------------
        self.back_button.clicked.connect(self.back)
        self.rhi_button.clicked.connect(self._start_banner_interview)
        self.print_button.clicked.connect(self.print_summary)
        self.profile_tab.reload_requested.connect(self.reload)
        self._chronology_tab.event_activated.connect(self._event_activated)
        self._episodes_tab.start_interview.connect(self._start_interview)
        self._episodes_tab.open_submission.connect(self.open_submission)
        self._submissions_tab.open_submission.connect(self.open_submission)
        self._submissions_tab.start_form.connect(self._start_form)
        self.tabs.currentChanged.connect(self._fill)
        tasks.changed.connect(self._changed)
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self._tick)

    # -- the public face -----------------------------------------------------------------------

    def today(self) -> date:
        return self._fixed_today or self.clock().astimezone(LOCAL_ZONE).date()

    @property
    def person_id(self) -> str | None:
        return self._person_id

    @property
    def record(self) -> PersonRecord | None:
        return self._record

    @property
    def person(self) -> Person | None:
        return self._record.person if self._record else None

    # Each tab below Profile, brought up to date with the record last read when asked for.

    @property
    def chronology_tab(self) -> ChronologyTab:
        self._fill(self.CHRONOLOGY)
        return self._chronology_tab

    @property
    def episodes_tab(self) -> EpisodesTab:
        self._fill(self.EPISODES)
        return self._episodes_tab

    @property
    def submissions_tab(self) -> SubmissionsTab:
        self._fill(self.FORMS)
        return self._submissions_tab

    @property
    def actions_tab(self) -> ActionsTab:
        self._fill(self.ACTIONS)
        return self._actions_tab

    @property
    def associations_tab(self) -> AssociationsTab:
        self._fill(self.CONCERNS)
        return self._associations_tab

    def load(self, person_id: str) -> bool:
        """Open a child's record (the view is audited) on the Profile tab.

        Over unsaved profile changes to another child, asks first (:attr:`ask_discard`); if the
        worker keeps them, the open record stays (with its changes) and this returns False.
        """
        if person_id != self._person_id and self.profile_tab.dirty and self.person is not None \
                and not self.ask_discard(self.person.display_name):
            self.tabs.setCurrentIndex(self.PROFILE)
            return False
        if person_id != self._person_id:
            self._clear_views()
            self.tabs.setCurrentIndex(self.PROFILE)
        self._person_id = person_id
        self.message.clear_message()
        self._read(audit_view=True)
        return True

    def ask_discard(self, name: str) -> bool:
        """Whether to drop unsaved profile changes to ``name`` (asked in a message box)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"You have not saved your changes to {name}'s profile.", parent=self)
        box.setInformativeText("Discard them and open the other record, or go back to them?")
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Go back to the changes", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is discard

    def reload(self) -> None:
        """Read the open record again (not audited as a new view)."""
        if self._person_id is not None and not self._reload_pending:
            self._reload_pending = True
            self._read(audit_view=False)

    def clear(self) -> None:
        """Forget the record (on lock): nothing personal stays in the widgets."""
        self._person_id = None
        self._clear_views()
        if self.print_dialog is not None:
            from cse_desktop.qt.printing import close_print_dialog

            close_print_dialog(self.print_dialog)
            self.print_dialog = None

    def print_summary(self) -> PrintDialog | None:
        """The print dialog for this young person's RMM case summary."""
        from cse_desktop.qt.printing import open_print_dialog, summary_job

        record = self._record
        if record is None:
            return None
        job = summary_job(str(record.person.id), record.person.display_name,
                          today=self.today())
        self.print_dialog = open_print_dialog(self.tasks, job, self)
        return self.print_dialog

    def show_tab(self, index: int) -> None:
        """Choose a tab (Alt+1 to Alt+6) and put the focus on its first control."""
        self.tabs.setCurrentIndex(index)
        self.focus_first()

    def focus_first(self) -> None:
        """Focus the first control of the current tab (for the window, after load)."""
        tab = self.tabs.currentWidget()
        if tab is None:
            return
        proxy = tab.focusProxy()  # a tab may name its first stop (the Profile tab does)
        if proxy is not None and proxy.isVisibleTo(tab) and proxy.isEnabled():
            proxy.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        widget = tab.nextInFocusChain()
        for _ in range(500):  # the chain is a ring; stop if it never comes back
            if widget is None or widget is tab:
                break
            if tab.isAncestorOf(widget) and widget.isVisibleTo(tab) and widget.isEnabled() \
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
                widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
            widget = widget.nextInFocusChain()
        self.tabs.setFocus()

    # -- reading -------------------------------------------------------------------------------

    def _read(self, *, audit_view: bool) -> None:
        person_id, now = self._person_id, self.clock()
        assert person_id is not None
        self.tasks.run(people.record(person_id=person_id, audit_view=audit_view, now=now),
                       on_done=lambda record: self._loaded(person_id, record),
                       on_error=lambda error: self._load_failed(person_id, error), owner=self)

    def _loaded(self, person_id: str, record: PersonRecord) -> None:
        self._reload_pending = False
        if person_id != self._person_id:
            return  # another record was opened meanwhile
        self._record = record
        person = record.person
        self._show_header(person)
        self.approval_note.setVisible(record.approval_pending)
        self.profile_tab.set_record(record)
        self._stale = {self.CHRONOLOGY, self.EPISODES, self.FORMS, self.ACTIONS, self.CONCERNS}
        self._fill(self.tabs.currentIndex())
        self._update_banner()
        if not self.ticker.isActive():
            self.ticker.start()
        self.print_button.setEnabled(True)
        self.loaded.emit(person_id)

    def _fill(self, index: int) -> None:
        """Show the record last read in tab ``index`` if it does not show it yet."""
        record = self._record
        if index not in self._stale or record is None:
            return
        self._stale.discard(index)
        person_id = record.person.id
        if index == self.CHRONOLOGY:
            self._chronology_tab.set_events(record.chronology, self.today())
        elif index == self.EPISODES:
            self._episodes_tab.set_episodes(person_id, record.episodes, record.submissions)
        elif index == self.FORMS:
            self._submissions_tab.set_submissions(record.submissions)
        elif index == self.ACTIONS:
            self._actions_tab.set_actions(person_id, record.actions)
        elif index == self.CONCERNS:
            self._associations_tab.set_associations(person_id, record.associations,
                                                    record.episodes)

    def _load_failed(self, person_id: str, error: CseError) -> None:
        self._reload_pending = False
        if person_id != self._person_id:
            return
        if isinstance(error, NotFound):
            self._clear_views()
            self.message.show_message("This record could not be opened: it may have been "
                                      "deleted. Go back to the caseload and open it again.")
        else:
            self.message.show_message(error.message)

    def _changed(self, kinds: Changes) -> None:
        if self._person_id is not None and kinds & RECORD_KINDS:
            self.reload()

    def _clear_views(self) -> None:
        self._record = None
        self.print_button.setEnabled(False)
        self.ticker.stop()
        self.name_label.setText("")
        self.facts_label.setText("")
        self.risk_badge.setText("")
        self.approval_note.hide()
        self.rhi_banner.hide()
        self._banner_episode = None
        self.message.clear_message()
        self._stale.clear()
        self.profile_tab.clear()
        self._chronology_tab.clear()
        self._episodes_tab.clear()
        self._submissions_tab.clear()
        self._actions_tab.clear()
        self._associations_tab.clear()

    # -- header and banner ---------------------------------------------------------------------

    def _show_header(self, person: Person) -> None:
        today = self.today()
        self.name_label.setText(person.display_name)
        self.setAccessibleName(f"Record of {person.display_name}")
        self.risk_badge.setText(f"Risk: {RISK_LABELS[person.risk_level]}")
        self.risk_badge.setProperty("level", person.risk_level.value)
        self.risk_badge.style().unpolish(self.risk_badge)
        self.risk_badge.style().polish(self.risk_badge)
        facts = [f"Age {person.age_on(today)}", f"born {uk_date(person.dob)}"]
        if person.also_known_as:
            facts.append("also known as " + ", ".join(person.also_known_as))
        facts.append(f"worker: {person.allocated_worker or 'not allocated'}")
        review = uk_date(person.next_review) if person.next_review else "Not set"
        if person.next_review is not None and person.next_review < today:
            review += " (overdue)"
        facts.append(f"next review: {review}")
        self.facts_label.setText(" · ".join(facts))

    def owed_interviews(self) -> list[tuple[Episode, RhiState]]:
        """Returned episodes whose interview is still owed, most urgent first."""
        record = self._record
        if record is None:
            return []
        now = self.clock()
        interviews = interview_records(record.submissions)
        owed = [(e, rhi_state(e, now, interviews)) for e in record.episodes]
        owed = [(e, s) for e, s in owed if s.owed and s.due_at is not None]
        return sorted(owed, key=lambda pair: pair[1].due_at)  # type: ignore[arg-type, return-value]

    def _update_banner(self) -> None:
        owed = self.owed_interviews()
        record = self._record
        if not owed:
            self.rhi_banner.hide()
            self._banner_episode = None
            return
        episode, state = owed[0]
        assert episode.returned_at is not None and episode.duration is not None
        assert state.due_at is not None
        text = (f"Return home interview {state.clock} (by {uk_datetime(state.due_at)}). "
                f"Returned {uk_datetime(episode.returned_at)} after "
                f"{duration_text(episode.duration)}.")
        if len(owed) > 1:
            text += f" {len(owed) - 1} more owed: see Missing episodes."
        for unit in (" h", " min", " day"):  # never wrap a number away from its unit
            text = text.replace(unit, "\u00a0" + unit[1:])
        self.rhi_text.setText(text)
        assert record is not None
        started = episode_record_of(interview_records(record.submissions), RHI_FORM,
                                    str(episode.id))
        words = ("Continue return home interview" if started is not None
                 else "Start return home interview")  # a draft: the one interview, resumed
        self.rhi_button.setText(words)
        self.rhi_button.setAccessibleName(words)
        self.rhi_banner.setProperty("overdue", state.overdue)
        self.rhi_banner.style().unpolish(self.rhi_banner)
        self.rhi_banner.style().polish(self.rhi_banner)
        self._banner_episode = str(episode.id)
        self.rhi_banner.show()

    def _tick(self) -> None:
        for index, tab in ((self.EPISODES, self._episodes_tab),
                           (self.ACTIONS, self._actions_tab)):
            if index not in self._stale:  # a stale tab is filled afresh when shown
                tab.model.refresh()
        self._update_banner()

    # -- signals out ---------------------------------------------------------------------------

    def _start_form(self, form_id: str) -> None:
        if self._person_id is not None:
            self.start_form.emit(form_id, self._person_id, None)

    def _start_interview(self, episode_id: str) -> None:
        if self._person_id is not None:
            self.start_form.emit(RHI_FORM, self._person_id, episode_id)

    def _start_banner_interview(self) -> None:
        if self._banner_episode is not None:
            self._start_interview(self._banner_episode)

    def _event_activated(self, event: ChronologyEvent) -> None:
        if event.record_kind == "submission":
            self.open_submission.emit(event.record_id)
        elif event.record_kind == "episode":
            self.show_tab(self.EPISODES)
            self.episodes_tab.select_episode(event.record_id)
        elif event.record_kind == "action":
            self.show_tab(self.ACTIONS)
            self.actions_tab.table.select_record(event.record_id)
        elif event.record_kind == "association":
            self.show_tab(self.CONCERNS)
            self.associations_tab.table.select_record(event.record_id)
        else:
            self.show_tab(self.PROFILE)
