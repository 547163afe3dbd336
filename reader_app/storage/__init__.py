"""Persistence: the only package where SQLAlchemy and Alembic appear.

Public surface: ``Database`` (open, migrate, read, single writer) and the query modules
``feeds``, ``entries`` and ``tags``, whose functions take a ``Session`` and return domain values.
"""

from sqlalchemy.orm import Session as Transaction

from reader_app.storage.engine import Database

# The handle a read or write function receives. Layers above storage pass it back to storage
# functions and never use it themselves (import-linter keeps SQLAlchemy out of them).
__all__ = ["Database", "Transaction"]
