"""The Qt binding itself: guard against a known fatal fault of one PySide6 release."""

from __future__ import annotations

import sys


def test_qt_calls_do_not_leak_references_to_none(qtbot) -> None:
    """PySide6 6.12.0 dropped a reference to None on every call returning nothing, so a
    long-running app died with "Fatal Python error: none_dealloc". pyproject.toml excludes it."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("fictional")
    assert sys.getrefcount(None) >= before - 50
