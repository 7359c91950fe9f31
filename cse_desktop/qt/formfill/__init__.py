"""The form filler: any form of the registry, filled in, saved as you go, finalised, amended.

``FormFillPage`` is the page the main window shows; ``fields`` holds one widget per field type,
``editor`` the view of a draft, ``outcome`` the score and flags, ``readonly`` a final record.
"""

from cse_desktop.qt.formfill.page import FormFillPage

__all__ = ["FormFillPage"]
