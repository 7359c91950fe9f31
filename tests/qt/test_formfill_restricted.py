"""Marking a decision or note "restricted" while filling in a form: the check box below every
long-text question and repeat group, saved with the draft, kept on reopening, finalising and
amending, shown on the final record, and honoured by the printed summary (left out of every
copy but the internal one)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QPlainTextEdit, QScrollArea
from reports.conftest import pages_text, squashed

from cse_desktop.domain.ids import FormId
from cse_desktop.domain.models import Person
from cse_desktop.qt.formfill.fields import RESTRICTED_TEXT, RepeatEditor
from cse_desktop.qt.operations import Operation
from cse_desktop.reports.page import PrintMeta
from cse_desktop.reports.summary import build_summary

from .test_formfill import (  # noqa: F401 - themed is a fixture (the application's sheet)
    click,
    editor,
    fill_sample,
    finalise,
    sample,
    start,
    stored,
    themed,
)

#: a danger statement nobody could mistake for any other text in a summary
SECRET = "Fictional: the older cousin collects Robin from the bus station on Fridays."


@pytest.fixture
def person(form_tasks) -> Person:
    return form_tasks.call(Operation(lambda ws: ws.people.add(
        Person(given_name="Robin", family_name="Fictional", dob=date(2011, 5, 4)))))


def restricted_box(page, field_id: str) -> QCheckBox:
    row = page.editor.rows[field_id]
    assert row.restricted_box is not None, field_id
    return row.restricted_box


def summary_text(tasks, person_id: str, profile: str, now) -> str:
    meta = PrintMeta(title="RMM case summary", printed_by="Sam Tester", printed_at=now)
    pdf = tasks.call(Operation(lambda ws: build_summary(ws, person_id, meta=meta, profile=profile)))
    return squashed("".join(pages_text(pdf)))


def test_every_decision_and_note_has_a_quiet_named_restricted_box(
        qtbot, make_form_page, form_engine, person) -> None:
    for form_id in (FormId.SCREENING, FormId.RMM_REVIEW, FormId.PARENT_SESSION):
        now = sample(form_id).now
        page = make_form_page(clock=lambda now=now: now)
        start(qtbot, page, form_id, person.id)
        spec = form_engine.registry.latest(form_id)
        boxes = 0
        for field_id, row in page.editor.rows.items():
            if row.field.type in ("long_text", "repeat"):
                box = restricted_box(page, field_id)
                boxes += 1
                assert box.text() == RESTRICTED_TEXT
                assert box.accessibleName().startswith(row.field.label)
                assert "restricted" in box.accessibleName()
                assert "left out of every copy" in box.toolTip()
                assert box.focusPolicy() & Qt.FocusPolicy.TabFocus
                assert not box.isChecked()
            else:
                assert row.restricted_box is None, field_id
            if isinstance(row.editor, RepeatEditor):  # a group is marked as a whole
                row.editor.set_value([{}])
                assert row.editor.all_field_rows()
                assert all(sub.restricted_box is None for sub in row.editor.all_field_rows())
        assert boxes, spec.id
        page.clear()


def test_a_restricted_danger_statement_is_saved_kept_and_left_out_of_the_family_copy(
        qtbot, make_form_page, form_tasks, person, screenshot) -> None:
    s = sample(FormId.SCREENING)
    page = make_form_page(clock=lambda: s.now, autosave_ms=200)
    start(qtbot, page, s.form_id, person.id)
    fill_sample(page, s)
    page.fill("danger_statement", SECRET)
    draft_id = page.submission.id

    # reached from the answer with Tab, ticked with Space
    page.editor.go_to("danger_statement")
    text = editor(page, "danger_statement").edit
    assert isinstance(text, QPlainTextEdit)
    qtbot.waitUntil(text.hasFocus, timeout=5_000)
    box = restricted_box(page, "danger_statement")
    qtbot.keyClick(text, Qt.Key.Key_Tab)
    assert box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    assert page.submission.restricted_fields == ["danger_statement"]
    assert page.has_unsaved_changes
    # small, and below the answer
    assert box.geometry().top() >= text.parentWidget().geometry().bottom()
    assert box.font().pointSizeF() < text.font().pointSizeF() + 0.01
    QApplication.processEvents()
    screenshot(page.editor.rows["danger_statement"], "formfill-restricted-danger-statement")
    screenshot(page, "formfill-restricted-page")

    # autosaved with the draft, like any answer
    qtbot.waitUntil(lambda: stored(form_tasks, draft_id).restricted_fields
                    == ["danger_statement"], timeout=5_000)
    qtbot.waitUntil(lambda: not page.has_unsaved_changes, timeout=5_000)
    assert page.status_text() == "✓ Saved"
    page.clear()

    # reopened: the box shows the mark; the other notes are not marked
    again = make_form_page(clock=lambda: s.now, autosave_ms=200)
    with qtbot.waitSignal(again.opened, timeout=10_000):
        again.open(draft_id)
    assert restricted_box(again, "danger_statement").isChecked()
    assert not restricted_box(again, "safety_goal").isChecked()

    # finalised: the final record keeps the mark and says so beside the answer
    final = finalise(qtbot, again)
    assert final.restricted_fields == ["danger_statement"]
    assert stored(form_tasks, final.id).restricted_fields == ["danger_statement"]
    view = again.final_view
    tags = [t for t in view.findChildren(QLabel, "restrictedTag") if t.isVisibleTo(view)]
    assert [t.text() for t in tags] == ["(restricted)"]
    answers = [label for label in view.findChildren(QLabel, "answerText")
               if label.text() == SECRET]
    assert len(answers) == 1 and answers[0].accessibleName().endswith("(restricted)")
    scroll = view.findChild(QScrollArea, "formScroll")
    view.layout().activate()
    scroll.ensureWidgetVisible(tags[0], 20, 200)
    screenshot(view, "formfill-restricted-final")

    # the family copy leaves it out; the internal copy keeps it
    assert squashed(SECRET) in summary_text(form_tasks, person.id, "internal", s.now)
    family = summary_text(form_tasks, person.id, "family", s.now)
    assert squashed(SECRET) not in family
    assert squashed("Fictional: the older cousin") not in family

    # an amendment keeps the mark; clearing it there saves like any change
    with qtbot.waitSignal(again.opened, timeout=10_000) as blocker:
        click(qtbot, view.amend_button)
    correction = blocker.args[0]
    assert correction.restricted_fields == ["danger_statement"]
    box = restricted_box(again, "danger_statement")
    assert box.isChecked()
    again.editor.go_to("danger_statement")
    click(qtbot, box)
    assert not box.isChecked() and again.submission.restricted_fields == []
    qtbot.waitUntil(lambda: stored(form_tasks, correction.id).restricted_fields == [],
                    timeout=5_000)


def test_an_rmm_records_decisions_can_be_restricted_through_the_page(
        qtbot, make_form_page, form_tasks, person) -> None:
    s = sample(FormId.RMM_REVIEW)
    page = make_form_page(clock=lambda: s.now, autosave_ms=200)
    start(qtbot, page, s.form_id, person.id)
    page.set_restricted("decisions")
    assert restricted_box(page, "decisions").isChecked()
    assert page.flush()
    assert stored(form_tasks, page.submission.id).restricted_fields == ["decisions"]
    page.set_restricted("decisions", False)
    assert page.flush()
    assert stored(form_tasks, page.submission.id).restricted_fields == []
