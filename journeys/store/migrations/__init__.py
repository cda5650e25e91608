"""Alembic migrations of the operational store (see journeys/store/migrate.py)."""
