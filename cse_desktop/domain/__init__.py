"""Pure data: pydantic models, typed ids, enums and the error hierarchy.

Nothing in this package imports any other part of cse_desktop, a database or a GUI toolkit.
"""
