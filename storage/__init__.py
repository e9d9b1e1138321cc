"""Storage: SQLAlchemy models, engine, repositories and migrations."""
