"""Casework: operations that join the form engine to the workspace.

Finalising a form needs the child's record and missing history (from the store) and the form's
rules (from the forms engine), and a finalised screening or meeting record changes the child's
risk level.  Those joins live here, so the desktop and the command line share one
implementation.  This layer sits above ``forms`` and ``store`` and below ``qt`` and ``cli``.
"""
