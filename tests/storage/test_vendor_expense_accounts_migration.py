"""Migration 0011 on SQLite and PostgreSQL: vendors stored before it load with no expense
account (the books' default), and the downgrade drops the column again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from billintake.storage.db import alembic_config, migrate, session_factory
from billintake.storage.repository import Repository
from tests.storage.old_rows import vendor_stored_at

BEFORE = "0010_booking_jobs"  # the revision 0011 follows


def test_vendors_before_0011_have_no_expense_account(empty_url: str) -> None:
    engine = vendor_stored_at(empty_url, BEFORE, external_ids={"ledger": "L1"})
    migrate(empty_url)
    with session_factory(engine)() as session:
        repo = Repository(session, "o1")
        vendor = repo.get_vendor("v1")
        assert vendor.expense_accounts == {} and vendor.external_ids == {"ledger": "L1"}
        vendor.expense_accounts = {"ledger": "A6100"}
        repo.update_vendor(vendor)
        session.commit()
        assert Repository(session, "o1").get_vendor("v1").expense_accounts == {
            "ledger": "A6100"}
    command.downgrade(alembic_config(empty_url), BEFORE)
    assert "expense_accounts" not in {c["name"] for c in sa.inspect(engine).get_columns(
        "vendors")}
    engine.dispose()
