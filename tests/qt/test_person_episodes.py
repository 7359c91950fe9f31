"""The person record's missing episodes and the return home interview's clock.

Driven through its real widgets against a real encrypted workspace; every store call goes
through the page's TaskManager and the tests read the store back through ``tasks.call``.
Fixtures (``engine``, ``tasks``, ``child``, ``page``) are in conftest.py, helpers in
person_helpers.py.  All people and places are fictional.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import (
    Episode,
    RhiStatus,
)
from cse_desktop.qt.operations import Operation
from cse_desktop.qt.person.common import local_value, set_local
from cse_desktop.qt.person.episodes import EpisodesModel

from .person_helpers import (
    banner_text,
    cell_texts,
    click,
    open_person,
    type_into,
    unnamed_controls,
)

# -- missing episodes and the return home interview --------------------------------------------


def test_record_missing_then_return_starts_the_interview_clock(qtbot, page, tasks, child,
                                                               screenshot) -> None:
    open_person(qtbot, page, child.id)
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    assert not tab.return_button.isEnabled()
    click(qtbot, tab.missing_button)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert unnamed_controls(dialog) == []
    start = (datetime.now(UTC) - timedelta(hours=9)).replace(second=0, microsecond=0)
    set_local(dialog.started_edit, start)
    assert local_value(dialog.started_edit) == start
    type_into(qtbot, dialog.reference_edit, "DEMO-2026-0099")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    assert tab.dialog is None  # closed once saved
    (episode,) = tasks.call(Operation(lambda ws: ws.episodes.list(person_id=child.id)))
    assert episode.started_at == start and episode.police_reference == "DEMO-2026-0099"
    assert episode.rhi_status is RhiStatus.NOT_YET_DUE
    assert cell_texts(tab.table, EpisodesModel.RETURNED) == ["Not returned yet"]
    assert "Still missing now: 1." in tab.summary.text()
    assert not page.rhi_banner.isVisible()

    tab.table.selectRow(0)
    click(qtbot, tab.return_button)
    dialog = tab.dialog
    type_into(qtbot, dialog.where_edit, "Bus station (fictional)")
    dialog.how_combo.setCurrentText("Police")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    episode = tasks.call(Operation(lambda ws: ws.episodes.get(episode.id)))
    assert episode.returned_at is not None and episode.rhi_status is RhiStatus.DUE
    assert episode.where_found == "Bus station (fictional)" and episode.how_returned == "Police"
    assert cell_texts(tab.table, EpisodesModel.RHI_DUE)[0] in ("due in 71 h", "due in 72 h")
    assert cell_texts(tab.table, EpisodesModel.RHI_STATUS) == ["Due"]
    assert cell_texts(tab.table, EpisodesModel.DURATION)[0].startswith(("8 h", "9 h"))
    assert page.rhi_banner.isVisible()
    assert banner_text(page).startswith(("Return home interview due in 71 h",
                                            "Return home interview due in 72 h"))
    screenshot(page, "person-missing-episodes")

    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, page.rhi_button)
    assert started.args == [FormId.RETURN_HOME_INTERVIEW, child.id, episode.id]
    tab.table.selectRow(0)
    with qtbot.waitSignal(page.start_form, timeout=1000) as started:
        click(qtbot, tab.interview_button)
    assert started.args == [FormId.RETURN_HOME_INTERVIEW, child.id, episode.id]


def test_date_times_are_typed_in_uk_time_whatever_the_laptop_zone(qtbot) -> None:
    from cse_desktop.qt.person.common import datetime_edit

    edit = datetime_edit("When (UK time)")
    qtbot.addWidget(edit)
    summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July, British Summer Time
    set_local(edit, summer)
    assert edit.text() == "02/07/2026 00:30" and local_value(edit) == summer
    winter = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # the same clock time as UTC
    set_local(edit, winter)
    assert edit.text() == "01/12/2026 23:30" and local_value(edit) == winter


def test_a_return_before_the_start_is_refused(qtbot, page, tasks, child) -> None:
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    tasks.call(Operation(lambda ws: ws.episodes.add(Episode(person_id=child.id, started_at=start))))
    open_person(qtbot, page, child.id)
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    click(qtbot, tab.return_button)  # the only open episode: no need to select it
    dialog = tab.dialog
    set_local(dialog.returned_edit, start - timedelta(hours=1))
    click(qtbot, dialog.save_button)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "is before the time the child went missing" in dialog.error.text()
    assert "Check the date and time." in dialog.error.text()
    set_local(dialog.returned_edit, datetime.now(UTC) + timedelta(hours=2))
    click(qtbot, dialog.save_button)
    assert dialog.error.text() == "The return time is in the future. Check the date and time."
    click(qtbot, dialog.cancel_button)
    (episode,) = tasks.call(Operation(lambda ws: ws.episodes.list(person_id=child.id)))
    assert episode.returned_at is None


def test_an_overdue_interview_and_its_status(qtbot, page, tasks, child) -> None:
    back = datetime.now(UTC) - timedelta(hours=77, minutes=10)
    episode = tasks.call(Operation(lambda ws: ws.episodes.add(Episode(
        person_id=child.id, started_at=back - timedelta(hours=5), returned_at=back,
        rhi_status=RhiStatus.DUE))))
    open_person(qtbot, page, child.id)
    assert banner_text(page).startswith("Return home interview overdue by 5 h")
    assert page.rhi_banner.property("overdue") is True
    page.show_tab(page.EPISODES)
    tab = page.episodes_tab
    tab.table.selectRow(0)
    click(qtbot, tab.status_button)
    dialog = tab.dialog
    dialog.status_combo.setCurrentIndex(dialog.status_combo.findData(RhiStatus.DECLINED))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        click(qtbot, dialog.save_button)
    stored = tasks.call(Operation(lambda ws: ws.episodes.get(episode.id)))
    assert stored.rhi_status is RhiStatus.DECLINED
    assert cell_texts(tab.table, EpisodesModel.RHI_STATUS) == ["Declined"]
    assert cell_texts(tab.table, EpisodesModel.RHI_DUE) == ["—"]
    assert not page.rhi_banner.isVisible()
