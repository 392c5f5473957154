"""The migrations build exactly the schema the tables declare, on SQLite and PostgreSQL: a
table or column added in `tables.py` without its migration (or the other way round) fails."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from billintake.storage.db import make_engine, migrate
from billintake.storage.tables import Base


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        found = compare_metadata(context, Base.metadata)
    engine.dispose()
    # Index and constraint spellings differ between dialects; tables and columns must not.
    return [d for d in found if isinstance(d, tuple) and d[0] in (
        "add_table", "remove_table", "add_column", "remove_column")]


def test_migrated_database_has_every_declared_table_and_column(empty_url: str) -> None:
    migrate(empty_url, "head")
    assert _differences(empty_url) == []
