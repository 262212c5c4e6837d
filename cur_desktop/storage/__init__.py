"""The local store: SQLite tables, engine and pragmas, repositories, search index, statistics."""
