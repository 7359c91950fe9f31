"""Alembic environment: runs the hub's migrations on the connection ``db.upgrade`` passes in."""

from __future__ import annotations

from alembic import context

from cse_desktop.hub.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
