"""Migration 0014 on SQLite and PostgreSQL: vendors gain `bank_accounts` (the other IBANs
confirmed for them), bills and the ledger's bills a `payment_reference`; an existing vendor
keeps its IBAN and has no other account; the downgrade drops the columns again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from billintake.storage.db import alembic_config, migrate, session_factory
from billintake.storage.repository import Repository
from tests.storage.old_rows import vendor_stored_at

BEFORE, AFTER = "0011_vendor_expense_accounts", "0014_payment_data"


def test_vendors_keep_their_iban_and_learn_other_accounts(empty_url: str) -> None:
    engine = vendor_stored_at(empty_url, BEFORE, external_ids={}, iban="DE89370400440532013000")

    migrate(empty_url, AFTER)
    inspector = sa.inspect(engine)
    for table in ("bills", "ledger_bills"):
        assert "payment_reference" in {c["name"] for c in inspector.get_columns(table)}
    with session_factory(engine)() as session:
        repo = Repository(session, "o1")
        vendor = repo.get_vendor("v1")
        assert vendor.bank_accounts == [] and vendor.known_accounts() == [
            "DE89370400440532013000"]
        repo.update_vendor(vendor.with_account("DE02120300000000202051"))
        session.commit()
    with session_factory(engine)() as session:
        assert Repository(session, "o1").get_vendor("v1").known_accounts() == [
            "DE02120300000000202051", "DE89370400440532013000"]

    command.downgrade(alembic_config(empty_url), BEFORE)
    inspector = sa.inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("vendors")}
    assert "bank_accounts" not in columns and "iban" in columns
    for table in ("bills", "ledger_bills"):
        assert "payment_reference" not in {c["name"] for c in inspector.get_columns(table)}
    engine.dispose()
