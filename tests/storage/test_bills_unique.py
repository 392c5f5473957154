"""One bill per original, enforced by the database (a partial unique index), on SQLite and
PostgreSQL; the repository turns the refusal into a DuplicateBill naming the existing bill."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import IntegrityError

from billintake.bootstrap import Runtime
from billintake.domain.errors import DuplicateBill
from billintake.domain.model import Bill, Vendor
from billintake.storage.db import make_engine, migrate
from billintake.storage.repository import _bill_row
from billintake.storage.tables import BillRow

SHA = "b" * 64


def org_and_vendor(rt: Runtime, name: str = "Acme") -> tuple[str, str]:
    with rt.directory() as directory:
        org, _key = directory.create_organization(name)
    vendor = Vendor(organization_id=org.id, name="Harbour Print Ltd")
    with rt.repository(org.id) as repo:
        repo.add_vendor(vendor)
    return org.id, vendor.id


def bill(org_id: str, vendor_id: str, number: str, sha: str | None = SHA) -> Bill:
    return Bill(organization_id=org_id, vendor_id=vendor_id, bill_number=number,
                bill_date=date(2024, 5, 1), currency="EUR", total=Decimal("10.00"),
                document_sha256=sha)


def test_a_second_bill_for_the_same_original_is_a_duplicate_naming_the_first(
        any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    org_id, vendor_id = org_and_vendor(rt)
    with rt.repository(org_id) as repo:
        first = repo.add_bill(bill(org_id, vendor_id, "A-1"))
    with pytest.raises(DuplicateBill) as caught, rt.repository(org_id) as repo:
        repo.add_bill(bill(org_id, vendor_id, "A-2"))
    assert caught.value.existing_id == first.id and "A-1" in caught.value.message
    with rt.repository(org_id) as repo:
        assert [b.id for b in repo.list_bills()] == [first.id]


def test_the_database_itself_refuses_two_bills_for_one_original(
        any_db_runtime: Runtime) -> None:
    """Written past the repository (as a buggy or racing writer would), the index still holds."""
    rt = any_db_runtime
    org_id, vendor_id = org_and_vendor(rt)
    with rt.session() as session:
        session.execute(insert(BillRow).values(**_bill_row(bill(org_id, vendor_id, "A-1"))))
    with pytest.raises(IntegrityError), rt.session() as session:
        session.execute(insert(BillRow).values(**_bill_row(bill(org_id, vendor_id, "A-2"))))
    with rt.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM bills")).scalar() == 1


def test_bills_without_an_original_and_other_organizations_are_not_constrained(
        any_db_runtime: Runtime) -> None:
    rt = any_db_runtime
    org_id, vendor_id = org_and_vendor(rt)
    other_org, other_vendor = org_and_vendor(rt, "Other")
    with rt.repository(org_id) as repo:
        repo.add_bill(bill(org_id, vendor_id, "M-1", sha=None))
        repo.add_bill(bill(org_id, vendor_id, "M-2", sha=None))
        repo.add_bill(bill(org_id, vendor_id, "A-1"))
    with rt.repository(other_org) as repo:
        repo.add_bill(bill(other_org, other_vendor, "A-1"))
    with rt.repository(org_id) as repo:
        assert len(repo.list_bills()) == 3


def test_two_writers_at_once_make_one_bill_and_the_loser_names_the_winner(
        any_db_runtime: Runtime) -> None:
    """The second writer checks before the first commits (and sees nothing); its insert waits
    for the first, then the unique index refuses it: a DuplicateBill naming the first bill."""
    rt = any_db_runtime
    org_id, vendor_id = org_and_vendor(rt)
    flushed, loser_started = threading.Event(), threading.Event()
    winner = bill(org_id, vendor_id, "W-1")
    errors: list[BaseException] = []

    def first_writer() -> None:
        try:
            with rt.repository(org_id) as repo:
                repo.add_bill(winner)  # flushed: the row is written, not yet committed
                flushed.set()
                loser_started.wait(10)
                threading.Event().wait(0.5)  # let the loser reach its insert, then commit
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            flushed.set()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert flushed.wait(10)
    with pytest.raises(DuplicateBill) as caught, rt.repository(org_id) as repo:
        loser_started.set()
        repo.add_bill(bill(org_id, vendor_id, "L-1"))
    thread.join(20)
    assert not errors
    assert caught.value.existing_id == winner.id
    with rt.repository(org_id) as repo:
        assert [b.bill_number for b in repo.list_bills()] == ["W-1"]


def test_migrations_from_empty_make_the_unique_index(any_db_runtime: Runtime) -> None:
    indexes = {i["name"]: i for i in inspect(any_db_runtime.engine).get_indexes("bills")}
    assert indexes["uq_bills_org_document"]["unique"]
    assert indexes["uq_bills_org_document"]["column_names"] == ["organization_id",
                                                                 "document_sha256"]
    assert "ix_bills_org_document" not in indexes


def test_upgrading_a_database_with_duplicates_stops_and_names_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0002_ledger")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organizations (id, name, slug, created_at) "
                          "VALUES ('o1', 'Acme', 'acme', '2024-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO vendors (id, organization_id, name, aliases, "
                          "external_ids) VALUES ('v1', 'o1', 'V', '[]', '{}')"))
        for bill_id in ("b1", "b2"):
            conn.execute(text(
                "INSERT INTO bills (id, organization_id, vendor_id, kind, bill_number, "
                "bill_date, currency, line_items, total, status, document_sha256, created_at) "
                f"VALUES ('{bill_id}', 'o1', 'v1', 'bill', '{bill_id}', '2024-01-02', 'EUR', "
                f"'[]', '1.00', 'draft', '{SHA}', '2024-01-02 00:00:00')"))
    with pytest.raises(RuntimeError, match=f"organization o1, original {SHA}"):
        migrate(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE bills SET document_sha256 = NULL WHERE id = 'b2'"))
    migrate(url)
    names = {i["name"] for i in inspect(engine).get_indexes("bills")}
    assert "uq_bills_org_document" in names
    engine.dispose()
