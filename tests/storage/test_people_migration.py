"""Migration 0006 (users and login sessions) from empty and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from billintake.bootstrap import Runtime
from billintake.storage.db import alembic_config, migrate


def _tables(runtime: Runtime) -> set[str]:
    return set(sa.inspect(runtime.engine).get_table_names())


def test_users_and_sessions_come_and_go_with_the_migration(any_db_runtime: Runtime) -> None:
    runtime = any_db_runtime  # migrated from empty to head
    url = runtime.settings.resolved_database_url
    assert {"users", "login_sessions"} <= _tables(runtime)
    columns = {c["name"] for c in sa.inspect(runtime.engine).get_columns("users")}
    assert {"email", "password_hash", "failed_logins", "locked_until"} <= columns
    runtime.engine.dispose()
    command.downgrade(alembic_config(url), "0005_job_outcome")
    runtime.engine.dispose()
    assert not {"users", "login_sessions"} & _tables(runtime)
    migrate(url)
    runtime.engine.dispose()
    assert {"users", "login_sessions"} <= _tables(runtime)
