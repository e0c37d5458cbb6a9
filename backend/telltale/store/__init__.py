"""Persistent storage: SQLAlchemy models, named queries and Alembic migrations. Knows no HTTP, and no classifier."""
