"""The form engine: form definitions as data (YAML), a safe expression language, validation,
scoring and routing.  No Qt and no database here: the desktop renders a FormSpec, and the store
keeps the submissions."""
