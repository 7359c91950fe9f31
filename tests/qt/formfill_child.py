"""The child process of the kill test: a form filler typing until it is killed.

Run as ``python formfill_child.py <workspace folder> <submission id> <long-text field id>``
with the passphrase on stdin.  It opens the draft in a real FormFillPage (offscreen), focuses
the long-text field and types one character of :func:`typed_text` every ``INTERVAL_MS``
milliseconds through Qt key events, printing ``typed <count> <unix time>`` after each one.  The
parent kills it (SIGKILL) at a random moment and checks what reached the disk.
"""

from __future__ import annotations

import os
import string
import sys
import time

INTERVAL_MS = 40
_ALPHABET = string.ascii_lowercase + " "


def typed_text(n: int) -> str:
    """The first ``n`` characters the child types (a known sequence, so a prefix can be
    checked): 'abc...z abc...'."""
    return "".join(_ALPHABET[i % len(_ALPHABET)] for i in range(n))


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from cse_desktop.forms.engine import FormEngine
    from cse_desktop.forms.loader import FormRegistry
    from cse_desktop.qt.formfill import FormFillPage
    from cse_desktop.qt.operations import TaskManager
    from cse_desktop.store import Workspace

    folder, submission_id, field_id = argv[1:4]
    passphrase = sys.stdin.readline().rstrip("\n")
    qInstallMessageHandler(lambda kind, _ctx, msg: None if kind == QtMsgType.QtWarningMsg
                           else print(msg, file=sys.stderr))
    app = QApplication(argv[:1])
    ws = Workspace.open(folder, passphrase)
    tasks = TaskManager(ws)
    page = FormFillPage(tasks, FormEngine(FormRegistry.load()), autosave_ms=1000)
    page.resize(1040, 720)
    page.show()
    count = 0
    timer = QTimer()
    timer.setInterval(INTERVAL_MS)

    def type_one() -> None:
        nonlocal count
        row = page.editor.row_for(field_id) if page.editor else None
        if row is None:
            return
        edit = row.editor.edit
        if not edit.hasFocus():
            page.editor.go_to(field_id)
        QTest.keyClick(edit, typed_text(count + 1)[-1])
        count += 1
        print(f"typed {count} {time.time():.4f}", flush=True)

    def opened(_submission: object) -> None:
        page.activateWindow()
        page.editor.go_to(field_id)
        timer.start()

    timer.timeout.connect(type_one)
    page.opened.connect(opened)
    page.open(submission_id)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
