"""Alembic revisions of the central server, oldest first."""
