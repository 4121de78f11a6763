"""Persistence: SQLAlchemy 2.0 async models, engine by URL scheme, migrations and the write paths."""
