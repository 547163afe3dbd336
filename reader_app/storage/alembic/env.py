"""Alembic environment: always run programmatically by reader_app.storage.migrate.

The caller passes an open connection in ``config.attributes["connection"]``; there is no
alembic.ini URL and no command-line use against a live file except through that function.
"""

from __future__ import annotations

from alembic import context

from reader_app.storage.orm import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
