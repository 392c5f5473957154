"""Migration 0007 from an empty database on SQLite and PostgreSQL: bills gain their tax per
rate, where they were booked, their revision and their writes; a bill pushed before keeps
the connection then current, a draft none; the downgrade drops the columns again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from billintake.storage.db import alembic_config, make_engine, migrate, session_factory
from billintake.storage.repository import Repository

BEFORE = "0006_users_sessions"
NEW_COLUMNS = {"tax_lines", "backend", "connection_id", "revision", "writes"}


def test_bills_learn_where_they_were_booked(empty_url: str) -> None:
    migrate(empty_url, BEFORE)
    engine = make_engine(empty_url)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    meta = sa.MetaData()
    meta.reflect(engine, only=["organizations", "vendors", "bills", "accounting_connections"])
    bill = {"organization_id": "o1", "vendor_id": "v1", "kind": "bill",
            "bill_date": date(2024, 4, 1), "currency": "EUR", "line_items": [],
            "total": "119.00", "tax": "19.00", "status": "open", "created_at": now}
    with engine.begin() as conn:
        conn.execute(meta.tables["organizations"].insert(),
                     [{"id": "o1", "name": "Acme", "slug": "acme", "created_at": now},
                      {"id": "o2", "name": "Beta", "slug": "beta", "created_at": now}])
        conn.execute(meta.tables["vendors"].insert(), [
            {"id": "v1", "organization_id": "o1", "name": "V", "aliases": [],
             "external_ids": {}},
            {"id": "v2", "organization_id": "o2", "name": "W", "aliases": [],
             "external_ids": {}}])
        conn.execute(meta.tables["accounting_connections"].insert(), [
            {"id": "c-old", "organization_id": "o1", "backend": "ledger", "config": {},
             "secrets": {}, "is_default": False, "created_at": now},
            {"id": "c-now", "organization_id": "o1", "backend": "beancount", "config": {},
             "secrets": {}, "is_default": True, "created_at": now}])
        conn.execute(meta.tables["bills"].insert(), [
            {**bill, "id": "pushed", "bill_number": "A-1", "external_id": "x-1"},
            {**bill, "id": "draft", "bill_number": "A-2", "status": "draft", "external_id": None},
            {**bill, "id": "default", "organization_id": "o2", "vendor_id": "v2",
             "bill_number": "B-1", "external_id": "x-2"}])

    migrate(empty_url)
    with session_factory(engine)() as session:
        pushed = Repository(session, "o1").get_bill("pushed")
        draft = Repository(session, "o1").get_bill("draft")
        default = Repository(session, "o2").get_bill("default")
    assert (pushed.backend, pushed.connection_id) == ("beancount", "c-now")
    assert (draft.backend, draft.connection_id, default.backend) == (None, None, None)
    assert (pushed.revision, pushed.tax_lines, pushed.writes) == (1, [], {})

    command.downgrade(alembic_config(empty_url), BEFORE)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("bills")}
    assert not columns & NEW_COLUMNS and "external_id" in columns
    engine.dispose()
