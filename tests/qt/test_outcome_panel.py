"""The screening's outcome panel as a worker reads it (issue 14, item 1): "Not enough answers
yet" until every indicator is answered, points and counts each named, the rules led by the
one that set the level, a width that follows the text size, and the question before Finalise.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from cse_desktop.domain.ids import FormId
from cse_desktop.forms.explain import answers_needed
from cse_desktop.qt.formfill import FormFillPage
from cse_desktop.qt.formfill.outcome import NOT_ENOUGH

from .test_formfill import (  # noqa: F401 - fixtures
    NOW,
    click,
    fill_sample,
    person,
    sample,
    start,
    stored,
    themed,
)

NO_CONCERN = "No current concern"


def panel_texts(page: FormFillPage) -> list[str]:
    assert page.editor is not None and page.editor.outcome is not None
    return [w.text() for w in page.editor.outcome.findChildren(QLabel)
            if w.isVisibleTo(page.editor.outcome) and w.text()]


def answer_every_indicator(page: FormFillPage) -> None:
    """Every indicator not answered yet answered "no", through its widget."""
    assert page.editor is not None and page.submission is not None
    for f in page.editor.spec.all_fields():
        if f.type == "indicator" and not (page.submission.answers.get(f.id) or {}).get(
                "present"):
            page.fill(f.id, {"present": "no"})


def complete_draft(page: FormFillPage) -> None:
    """The sample screening, every indicator answered, the suggested level agreed."""
    fill_sample(page, sample(FormId.SCREENING))
    answer_every_indicator(page)
    assert page.editor is not None and page.editor.outcome is not None
    page.fill("agreed_level", page.editor.outcome.suggested.property("level"))
    assert not page.errors, page.errors


@pytest.fixture
def page(qtbot, make_form_page, person) -> FormFillPage:  # noqa: F811
    page = make_form_page(clock=lambda: NOW)
    page.resize(1280, 800)
    start(qtbot, page, FormId.SCREENING, person.id)
    return page


# -- not enough answers -----------------------------------------------------------------------


def test_an_empty_screening_says_not_enough_answers_yet(page: FormFillPage) -> None:
    panel = page.editor.outcome
    assert panel.suggested.text() == NOT_ENOUGH
    assert panel.standing.text() == NOT_ENOUGH
    assert panel.needed.isVisible()
    assert panel.needed.text().startswith(NOT_ENOUGH)
    assert "0 of 75 so far" in panel.needed.text()
    assert "Still to answer: Immediate safety, Critical incidents and disclosures (9)" \
        in panel.needed.text()
    # nothing on the panel says "No current concern", nor routes that follow from it
    assert not [t for t in panel_texts(page) if NO_CONCERN in t]
    assert not panel.rules.isVisible() and not panel.level_set_by.isVisible()


def test_the_level_shows_once_every_indicator_is_answered(page: FormFillPage) -> None:
    panel = page.editor.outcome
    page.fill("immediate_danger", "no")
    fields = [f for f in page.editor.spec.all_fields() if f.type == "indicator"]
    for f in fields[:-1]:
        page.fill(f.id, {"present": "no"})
    assert panel.suggested.text() == NOT_ENOUGH  # one still to answer
    assert f"{len(fields) - 1} of {len(fields)} so far" in panel.needed.text()
    page.fill(fields[-1].id, {"present": "no"})
    assert panel.suggested.text() == NO_CONCERN
    assert panel.standing.text() == NO_CONCERN
    assert not panel.needed.isVisible()
    assert answers_needed(page.editor.spec, page.submission.answers).enough


def test_a_level_already_raised_shows_as_at_least_that_level(page: FormFillPage) -> None:
    panel = page.editor.outcome
    page.fill("crit_trafficking", {"present": "yes", "timing": "current"})
    assert panel.suggested.text() == "High"  # a same-day level is never hidden
    assert panel.needed.isVisible()
    assert panel.so_far.text().startswith("At least High so far")
    assert panel.rules.isVisible()
    assert "Police" in panel.pathway.text()  # the routes of High, today


# -- points, counts and rules ----------------------------------------------------------------------


def test_points_read_as_points_and_counts_as_counts(page: FormFillPage) -> None:
    fill_sample(page, sample(FormId.SCREENING))
    answer_every_indicator(page)
    panel = page.editor.outcome
    cse = panel.modules["cse"].text().splitlines()
    assert cse == ["Sexual exploitation: Low",
                   "6 points: 1 for vulnerabilities, 5 for significant indicators",
                   "Answered yes: 1 current significant indicator, 1 vulnerability"]
    assert panel.total.text() == "Score: 6 points (highest: Sexual exploitation)"
    # the old bare numbers ("vulnerabilities 1, moderate 0, significant 5") are gone
    assert not [t for t in panel_texts(page) if "vulnerabilities 1" in t or "moderate 0" in t]


def test_the_rules_are_led_by_the_rule_that_set_the_level(
        page: FormFillPage, form_engine) -> None:
    # two current significant indicators: 10 points give Low, a floor sets Medium
    fill_sample(page, sample(FormId.SCREENING))
    page.fill("vul_isolation", {"present": "no"})
    page.fill("ind_e_parties", {"present": "yes", "timing": "current"})
    answer_every_indicator(page)
    panel = page.editor.outcome
    outcome: dict[str, Any] = form_engine.outcome(page.submission, page._ctx)
    set_by = outcome["level_set_by"]
    assert outcome["suggested_level"] == "medium" and set_by["rule"] == "two-significant"
    lines = panel.rules.text().splitlines()
    assert lines[0] == f"•  Set the level: {set_by['text']}"
    # the module's headline is its level, not "N points → level": consistent with the rules
    assert panel.modules["cse"].text().splitlines()[0] == "Sexual exploitation: Medium"
    assert panel.modules["cse"].text().splitlines()[1].startswith("10 points: ")
    band = next(line for line in lines if "10 points → Low" in line)
    assert band.endswith("(no effect on the level)")
    assert panel.suggested.text() == "Medium"


# -- width and text size ------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 1.3, 2.0])
def test_the_panel_fits_its_text_at_each_text_size(qtbot, page: FormFillPage, restore_theme,
                                                   scale: float) -> None:
    from cse_desktop.qt.resources import set_font_scale

    complete_draft(page)
    narrow = page.editor.outcome_scroll.width()
    set_font_scale(restore_theme, scale)
    QApplication.processEvents()
    scroll, panel = page.editor.outcome_scroll, page.editor.outcome
    # nothing on the panel is wider than the room it has (so nothing is cut at the right)
    assert panel.minimumSizeHint().width() <= scroll.viewport().width() + 1
    chars = scroll.width() / panel.rules.fontMetrics().averageCharWidth()
    if scale == 1.0:
        assert scroll.width() >= 360 and chars >= 45, (scroll.width(), chars)
    else:  # it grew with the text, within its share of the page
        assert scroll.width() >= narrow
        assert scroll.width() <= 0.36 * page.editor.width() + 1


# -- the question before Finalise ---------------------------------------------------------------


def _ask(qtbot, page: FormFillPage):  # type: ignore[no-untyped-def]
    click(qtbot, page.editor.finalise_button)
    qtbot.waitUntil(lambda: page.confirm_box is not None and page.confirm_box.isVisible())
    return page.confirm_box


def test_finalise_asks_first_and_keep_editing_leaves_a_draft(
        qtbot, page: FormFillPage, form_tasks, screenshot) -> None:
    complete_draft(page)
    box = _ask(qtbot, page)
    words = f"{box.text()}\n{box.informativeText()}"
    assert "Robin Fictional" in box.text()
    assert "its answers can no longer be edited" in words
    assert "risk level to Low and their next review to 10 Jun 2026" in words
    assert "choose Amend: that starts a new record" in words
    assert box.defaultButton() is box.keep_button  # Enter keeps editing
    assert box.escapeButton() is box.keep_button
    screenshot(box, "formfill-finalise-question")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.confirm_box is None)
    assert page.submission is not None and not page.submission.is_final
    assert page.editor is not None and page.editor.isVisible()
    assert page.flush()
    assert not stored(form_tasks, page.submission.id).is_final
    # Enter on the question keeps editing too
    box = _ask(qtbot, page)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.confirm_box is None)
    assert not page.submission.is_final


def test_choosing_finalise_in_the_question_finalises(qtbot, page: FormFillPage,
                                                     form_tasks) -> None:
    complete_draft(page)
    box = _ask(qtbot, page)
    with qtbot.waitSignal(page.finalised, timeout=10_000) as blocker:
        qtbot.mouseClick(box.finalise_button, Qt.MouseButton.LeftButton)
    final = blocker.args[0]
    assert final.is_final and stored(form_tasks, final.id).is_final
    assert page.final_view is not None


def test_a_draft_with_problems_is_not_asked_about(qtbot, page: FormFillPage) -> None:
    with qtbot.waitSignal(page.finalise_failed, timeout=10_000):
        click(qtbot, page.editor.finalise_button)
    assert page.confirm_box is None


def test_the_question_says_when_indicators_were_left_unanswered(qtbot, page: FormFillPage) -> None:
    fill_sample(page, sample(FormId.SCREENING))
    page.fill("agreed_level", page.editor.outcome.suggested.property("level"))
    box = _ask(qtbot, page)
    assert "73 of 75 indicators are not answered: the level counts them as not present." \
        in box.informativeText()
    box.reject()
