"""The team's sync hub (``cse-hub``): a FastAPI service over SQLAlchemy Core.

It speaks :mod:`cse_desktop.sync.protocol` and never imports the desktop's store or UI.
SQLite by default (a file in the hub's data folder); PostgreSQL for production.
"""
