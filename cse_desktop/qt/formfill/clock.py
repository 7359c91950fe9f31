"""The return home interview's 72-hour clock in a draft's header: what it reads now, and the
timer that moves it on while the draft is open (the editor shows it: ``set_clock``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer

from cse_desktop.casework.submissions import interview_clock
from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Submission
from cse_desktop.forms.engine import FormContext

#: forms whose header shows the 72-hour interview clock
RHI_FORMS = frozenset({FormId.RETURN_HOME_INTERVIEW})
#: how often the return home interview's clock in the header moves on
CLOCK_TICK_MS = 60_000


def clock_reading(draft: Submission, ctx: FormContext, now: datetime) -> tuple[str, bool]:
    """('Interview due in 31 h, by Tue 8 Dec 10:45', late?): due in / overdue by, or when
    the interview took place once that is recorded; ('', False) for other forms."""
    clock = interview_clock(ctx.episode, draft.answers, now) \
        if draft.form_id in RHI_FORMS else None
    return (clock.text, clock.late) if clock is not None else ("", False)


def tick_timer(parent: QObject, tick: Callable[[], None]) -> QTimer:
    """A timer (not started) that calls ``tick`` every :data:`CLOCK_TICK_MS`."""
    timer = QTimer(parent)
    timer.setInterval(CLOCK_TICK_MS)
    timer.timeout.connect(tick)
    return timer


__all__ = ["CLOCK_TICK_MS", "RHI_FORMS", "clock_reading", "tick_timer"]
