"""Alembic migrations of the central server's database (run by ``cur-server init``)."""
