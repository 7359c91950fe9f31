"""The desktop user interface (PySide6).

The only package that imports PySide6.  It sits on top of the store: it calls the
``Workspace`` facade and its repositories and never writes SQL.  ``cse_desktop.qt.app.run`` is
the entry point.
"""
