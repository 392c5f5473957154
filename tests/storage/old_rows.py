"""Rows stored under an older schema, for the migration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from billintake.storage.db import make_engine, migrate


def vendor_stored_at(url: str, revision: str, **vendor: Any) -> sa.Engine:
    """Migrate `url` to `revision` and store organization o1 with its vendor v1 (named V, with
    `vendor`'s columns) as rows of that schema; the engine on the database."""
    migrate(url, revision)
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["organizations", "vendors"])
    with engine.begin() as conn:
        conn.execute(meta.tables["organizations"].insert(),
                     [{"id": "o1", "name": "Acme", "slug": "acme",
                       "created_at": datetime(2024, 5, 1, tzinfo=UTC)}])
        conn.execute(meta.tables["vendors"].insert(), [
            {"id": "v1", "organization_id": "o1", "name": "V", "aliases": [], **vendor}])
    return engine
