"""The date and date-and-time editor, in UK local time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import (
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QWidget,
)

from cse_desktop.domain.dates import LOCAL_ZONE
from cse_desktop.forms.spec import FormSpec
from cse_desktop.forms.values import parse_date, parse_datetime
from cse_desktop.qt.formfill.inputs import (
    Editor,
    Today,
    guard_wheel,
    name_internals,
    plain_label,
)
from cse_desktop.qt.widgets import button

# -- dates ----------------------------------------------------------------------------------


class DateEditor(Editor):
    """A date, or a date and time in UK local time, that stays empty until the worker sets it.

    An empty date shows a 'Set a date' button, never a made-up date: an unanswered date must
    not silently become today.  Times are typed as UK local time (Europe/London) and stored as
    ISO 8601 with their offset.
    """

    def __init__(self, field: Any, spec: FormSpec, path: str, name: str, today: Today) -> None:
        super().__init__(field, spec, path, name)
        self.today = today
        self.with_time = field.type == "datetime"
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.set_button = button("Set a date and time" if self.with_time else "Set a date", "")
        self.set_button.clicked.connect(self._set_clicked)
        if self.with_time:
            self.edit: QDateEdit | QDateTimeEdit = QDateTimeEdit()
            # The widget holds wall-clock time only (UTC spec: no DST gaps); the zone is UK.
            self.edit.setTimeZone(QTimeZone.utc())
            self.edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        else:
            self.edit = QDateEdit()
            self.edit.setDisplayFormat("dd/MM/yyyy")
        self.edit.setCalendarPopup(True)
        self.edit.setMinimumWidth(170 if self.with_time else 130)
        guard_wheel(self.edit)
        self.edit.hide()
        self.edit.dateTimeChanged.connect(self._emit)
        self.zone_label = plain_label("UK time", "hint")
        self.zone_label.setVisible(False)
        self.clear_button = button("Clear", "", role="link")
        self.clear_button.hide()
        self.clear_button.clicked.connect(self._clear)
        layout.addWidget(self.set_button)
        layout.addWidget(self.edit)
        layout.addWidget(self.zone_label)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self._set = False
        self._apply_names()

    def _set_clicked(self) -> None:
        today = self.today()
        with self._quiet():
            if self.with_time:
                now = datetime.now(LOCAL_ZONE)
                when = now if now.date() == today else datetime.combine(today, now.time())
                self._put(QDate(today.year, today.month, today.day),
                          QTime(when.hour, when.minute))
            else:
                self._put(QDate(today.year, today.month, today.day), QTime(0, 0))
        self.edit.setFocus()
        self._emit()

    def _clear(self) -> None:
        with self._quiet():
            self._show(None)
        self.set_button.setFocus()
        self._emit()

    def _put(self, day: QDate, clock: QTime) -> None:
        self._set = True
        if self.with_time:
            self.edit.setDateTime(QDateTime(day, clock, QTimeZone.utc()))
        else:
            self.edit.setDate(day)
        self._show_state()

    def _show_state(self) -> None:
        self.set_button.setVisible(not self._set)
        self.edit.setVisible(self._set)
        self.zone_label.setVisible(self._set and self.with_time)
        self.clear_button.setVisible(self._set)

    def value(self) -> str | None:
        if not self._set:
            return None
        day = self.edit.date()
        if not self.with_time:
            return date(day.year(), day.month(), day.day()).isoformat()
        clock = self.edit.time()
        local = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                         tzinfo=LOCAL_ZONE)
        return local.isoformat()

    def _show(self, value: Any) -> None:
        if self.with_time:
            moment = parse_datetime(value)
            if moment is not None:
                local = moment.astimezone(LOCAL_ZONE)
                self._put(QDate(local.year, local.month, local.day),
                          QTime(local.hour, local.minute))
                return
        else:
            day = parse_date(value)
            if day is not None:
                self._put(QDate(day.year, day.month, day.day), QTime(0, 0))
                return
        self._set = False
        self._show_state()

    def inputs(self) -> list[QWidget]:
        return [self.set_button, self.edit, self.clear_button]

    def _apply_names(self) -> None:
        what = "a date and time" if self.with_time else "a date"
        self.set_button.setAccessibleName(f"{self.name}: set {what}")
        self.edit.setAccessibleName(self.name + (" (UK time)" if self.with_time else ""))
        name_internals(self.edit, self.edit.accessibleName())
        self.clear_button.setAccessibleName(f"{self.name}: clear the date")


