"""Copies that leave the team, and what the desktop writes (issue 16, item 4): a saved copy for
the police, education, health or a family is password-protected by default; every file the
desktop writes is 0600 in 0700 folders whatever the umask; the PDF's metadata names no one; the
dialog says that a paper copy passes through the print system's spool.

Real parts: a demo caseload in an encrypted workspace, the real RMM case summary job, the files
read back with pikepdf and pypdf.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from cse_desktop.qt.printing import PrintDialog, summary_job
from cse_desktop.qt.settings import Settings, load_marking, save_marking, save_settings
from cse_desktop.reports.redaction import PROFILES

from .conftest import MANAGER

REASON = "Fictional strategy meeting"
PASSWORD = "fictional pdf password 7"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The laxest umask there is: any bit the app did not ask for would show."""
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.fixture
def summary_dialog(qtbot, caseload_workspace):  # type: ignore[no-untyped-def]
    person_id = caseload_workspace.examples.repeat_missing
    person = caseload_workspace.ws.people.get(person_id)
    dialog = PrintDialog(caseload_workspace.tasks, summary_job(person_id, person.display_name))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.person = person  # type: ignore[attr-defined]  # for the test's own checks
    return dialog


def choose(dialog: PrintDialog, profile: str) -> None:
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData(profile))


def test_copies_leaving_the_team_are_protected_by_default(summary_dialog,  # type: ignore[no-untyped-def]
                                                          screenshot) -> None:
    dialog = summary_dialog
    assert dialog.profile_combo.currentData() == "internal"
    assert not dialog.protect_box.isChecked() and not dialog.password_edit.isEnabled()
    for name in ("police", "education", "health", "family"):
        choose(dialog, name)
        assert PROFILES[name].leaves_team
        assert dialog.protect_box.isChecked(), name
        assert dialog.password_edit.isEnabled()
    choose(dialog, "police")
    dialog.resize(640, dialog.sizeHint().height())
    screenshot(dialog, "print-dialog-police-protected")
    choose(dialog, "internal")
    assert not PROFILES["internal"].leaves_team
    assert not dialog.protect_box.isChecked()


def test_a_police_copy_is_not_saved_unprotected_by_accident(qtbot, summary_dialog,  # type: ignore[no-untyped-def]
                                                            tmp_path, open_umask) -> None:
    dialog = summary_dialog
    choose(dialog, "police")
    dialog.reason_edit.setText(REASON)
    folder = tmp_path / "papers"
    folder.mkdir()
    asked: list[str] = []
    dialog.ask_save_path = lambda name: asked.append(name) or str(folder / name)  # type: ignore[func-returns-value]
    dialog.save_button.click()  # no password typed: nothing is saved
    assert "at least 8 characters" in dialog.error.text()
    assert asked == [] and list(folder.iterdir()) == []

    dialog.password_edit.setText(PASSWORD)
    dialog.confirm_edit.setText(PASSWORD)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.tasks.idle, timeout=30_000)
    assert not dialog.error.isVisible(), dialog.error.text()
    [saved] = folder.glob("*.pdf")
    assert mode(saved) == 0o600  # under umask 0
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(saved)
    reader = PdfReader(saved)
    assert reader.decrypt(PASSWORD)
    _names_no_one(reader, dialog)


def test_an_unticked_internal_copy_is_private_and_its_metadata_names_no_one(  # type: ignore[no-untyped-def]
        qtbot, summary_dialog, tmp_path, open_umask) -> None:
    dialog = summary_dialog
    dialog.reason_edit.setText(REASON)
    folder = tmp_path / "papers"
    folder.mkdir()
    dialog.ask_save_path = lambda name: str(folder / name)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.tasks.idle, timeout=30_000)
    [saved] = folder.glob("*.pdf")
    assert mode(saved) == 0o600
    assert [p.name for p in folder.iterdir()] == [saved.name]  # no staging file left behind
    reader = PdfReader(saved)
    assert dialog.person.family_name in reader.pages[0].extract_text()  # it is their summary
    _names_no_one(reader, dialog)


def _names_no_one(reader: PdfReader, dialog: PrintDialog) -> None:
    """Neither the child nor the worker who printed it is in the document information or
    an XMP packet (the worker is named on the page, for the reader)."""
    person = dialog.person  # type: ignore[attr-defined]
    worker = MANAGER.name
    info = {k: str(v) for k, v in (reader.metadata or {}).items()}
    assert info["/Title"] == "RMM case summary"
    text = " ".join(info.values()) + str(reader.trailer["/Root"].get("/Metadata", ""))
    for name in (person.given_name, person.family_name, *worker.split()):
        assert name not in text, (name, info)
    assert worker in " ".join(reader.pages[0].extract_text().split())


def test_the_dialog_says_paper_goes_through_the_print_spool(summary_dialog, screenshot) -> None:  # type: ignore[no-untyped-def]
    dialog = summary_dialog
    assert dialog.spool_hint.isVisible()
    words = dialog.spool_hint.text()
    assert "print system" in words and "spool" in words and "collect" in words
    dialog.resize(640, dialog.sizeHint().height())
    screenshot(dialog, "print-dialog-spool-notice")


def test_settings_are_written_0600_in_a_0700_folder(tmp_path, open_umask) -> None:
    os.chmod(tmp_path, 0o755)  # noqa: S103  # a folder the test made, to see it left alone
    path = tmp_path / "home" / "config" / "settings.ini"
    assert save_marking("OFFICIAL", path)
    assert save_settings(Settings(), path)
    assert load_marking(path) == "OFFICIAL"
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == 0o755  # a folder that already existed is left as it was
