"""Plain words on screen (issue 14, item 6): every string a person reads on the main screens,
collected from the live widgets of the demo workspace, is checked against a list of jargon
and against the phrases to avoid when writing about children (the forms' language list).

The screens are built with the demo (a team manager's workspace with interviews due, a lower
level awaiting approval and a simulated sync's conflicts), so most strings appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)
from support.language import find_phrases

from cse_desktop.qt.app import MainWindow

from .test_app import open_demo

#: words a practitioner should not have to know, with what they mean in jargon
JARGON = {
    r"SHA-?256|SHA-?1|\bMD5\b": "a hash algorithm",
    r"\bAES(-\d+)?\b": "an encryption algorithm",
    r"\bCA certificate|certificate authority": "PKI jargon",
    r"\bhash(es)?\b": "a cryptographic term",
    r"\bUUID\b|\bGUID\b": "an internal id",
    r"\bpayload\b": "a developer's word",
    r"\bsync issues?\b": "the code's word for conflicts",
    r"\brefused\b": "a harsh word for what the hub did not accept",
    r"\bVersion v\d|\bv\d+\b": "a form version code",
    r"\bexception\b|\btraceback\b|\bstack trace\b": "a programmer's word",
    r"\bNULL\b|\bnull\b": "a programming value (\"None\" is a risk level: it passes)",
    r"\bJSON\b|\bSQL\b|\bSQLCipher\b|\bHTTP\b|\bAPI\b": "a technical term",
    r"\boutbox\b|\bendpoint\b|\btoken\b": "sync machinery",
    r"\bpinned\b": "PKI jargon",
}
_JARGON = [(re.compile(p, 0 if "NULL" in p else re.IGNORECASE), why)
           for p, why in JARGON.items()]


def jargon_in(text: str) -> list[str]:
    return [f"{m.group(0)!r} ({why})" for pattern, why in _JARGON
            for m in pattern.finditer(text)]


def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for each string the widgets under ``root`` show or say."""
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        where = f"{type(w).__name__} {w.objectName() or w.accessibleName()}".strip()
        yield where, w.toolTip()
        yield where, w.windowTitle()
        yield where, w.statusTip()
        if isinstance(w, QLabel | QAbstractButton):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QLineEdit):
            yield where, w.placeholderText()
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield where, w.tabText(i)
                yield where, w.tabToolTip(i)
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            for c in range(model.columnCount()):
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                    value = model.headerData(c, Qt.Orientation.Horizontal, role)
                    if isinstance(value, str):
                        yield f"{where} header", value
        for action in w.actions():
            yield f"QAction {action.text()}", action.text()
            yield f"QAction {action.text()}", action.toolTip()
            yield f"QAction {action.text()}", action.statusTip()
    for action in root.findChildren(QAction):
        yield f"QAction {action.text()}", action.text()
        yield f"QAction {action.text()}", action.toolTip()
        yield f"QAction {action.text()}", action.statusTip()


def problems(root: QWidget) -> list[str]:
    found = []
    for where, text in visible_texts(root):
        if not text:
            continue
        text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
        found += [f"{where}: {hit} in {text!r}" for hit in jargon_in(text)]
        found += [str(hit) for hit in find_phrases(text, where)]
    return sorted(set(found))


def test_the_jargon_list_catches_what_the_walkthrough_found() -> None:
    for text in ("a fingerprint (SHA-256) of the document", "encrypted (AES-256)",
                 "Pinned CA certificate (optional)", "Refused changes", "Version v1",
                 "unexpected error (an exception)", "Record UUID"):
        assert jargon_in(text), text
    # practitioners' own words pass
    for text in ("Return home interview overdue by 8 h", "Risk level: High",
                 "Lower level awaiting manager approval", "2 open conflicts",
                 "Changes not accepted (1)", "Security certificate file (optional)",
                 "Password-protect the PDF", "Connect to your team's hub first",
                 "None", "Referral to the National Referral Mechanism (NRM)"):
        assert not jargon_in(text), text


def test_the_main_screens_speak_plainly(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window()
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.sync_ui.status_widget.status is not None, timeout=20_000)
    qtbot.waitUntil(lambda: window.caseload_page.model.rowCount() > 0, timeout=20_000)
    seen = problems(window)
    # the sync conflicts, the team manager's page and a person's record
    window.show_conflicts()
    qtbot.waitUntil(lambda: window.conflicts_page is not None
                    and window.conflicts_page.conflicts_model.rowCount() == 2, timeout=20_000)
    seen += problems(window)
    assert window.manager_page is not None  # the demo belongs to a team manager
    window.stack.setCurrentWidget(window.manager_page)
    qtbot.wait(300)
    seen += problems(window)
    assert sorted(set(seen)) == []
    # the walk reads the screens' words (so the check above can fail)
    texts = {t for _w, t in visible_texts(window)}
    assert {"Changes &not accepted (1)", "RHI due", "Sync now"} <= texts


def test_sync_now_says_why_it_is_unavailable(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window()
    open_demo(qtbot, window)
    qtbot.waitUntil(lambda: window.sync_ui.status_widget.status is not None, timeout=20_000)
    action = window.sync_ui.sync_action
    assert not action.isEnabled()
    assert "unavailable" in action.toolTip() and "demo" in action.statusTip()
    page = window.sync_ui.conflicts_page
    assert page is not None and not page.sync_button.isEnabled()
    assert "unavailable" in page.sync_button.toolTip()
