"""Alembic environment: runs migrations against the URL set by `billintake.storage.db`."""

from __future__ import annotations

import contextlib

from alembic import context

from billintake.storage import tables  # noqa: F401  (registers every table on the metadata)
from billintake.storage.db import make_engine
from billintake.storage.tables import metadata

with contextlib.suppress(ImportError):  # tables of other areas register on the same metadata
    from billintake.storage import ledger_tables  # noqa: F401

config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    connectable = config.attributes.get("connection") or make_engine(url)
    if hasattr(connectable, "connect"):
        with connectable.connect() as connection:
            _run(connection)
        connectable.dispose()
    else:
        _run(connectable)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
