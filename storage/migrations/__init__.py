"""Alembic migrations, applied on start and by `escalations migrate`."""
