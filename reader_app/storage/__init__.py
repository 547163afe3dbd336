"""Persistence: the only package where SQLAlchemy and Alembic appear.

Public surface: ``Database`` (open, migrate, read, single writer) and the query modules
``feeds``, ``entries`` and ``tags``, whose functions take a ``Session`` and return domain values.
"""

from reader_app.storage.engine import Database

__all__ = ["Database"]
