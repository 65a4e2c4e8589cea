"""Persistence: SQLAlchemy 2.x mappings, engines for SQLite files and PostgreSQL, Alembic migrations."""
