"""The beancount backend's own promises: a file beancount loads cleanly, checked before it is
replaced, read back to the same books."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data as bc

from billintake.accounting.beancount import BeancountWriter
from billintake.accounting.writer import (
    DocumentRef,
    NewBill,
    NewBillLine,
    NewPayment,
    NewTaxLine,
    NewVendor,
)
from billintake.domain.errors import AccountingBackendError, ValidationFailed
from billintake.domain.model import BillKind
from billintake.storage.originals import OriginalsStore

D = Decimal


@pytest.fixture
def books(tmp_path: Path) -> BeancountWriter:
    return BeancountWriter(tmp_path / "books" / "org.beancount", organization_id="org-1")


def _bill(vendor_id: str, **kw: object) -> NewBill:
    fields: dict[str, object] = {"vendor_id": vendor_id, "bill_number": "RE-2024-0042",
                                 "bill_date": date(2024, 5, 2), "due_date": date(2024, 6, 1),
                                 "currency": "EUR", "total": D("238.00"), "tax": D("38.00"),
                                 "tax_lines": (NewTaxLine(rate=D(19), amount=D("38.00"),
                                                          basis=D("200.00")),)}
    fields.update(kw)
    return NewBill(**fields)  # type: ignore[arg-type]


def test_written_file_loads_cleanly_with_the_entries_an_accountant_expects(
        books: BeancountWriter, tmp_path: Path) -> None:
    vendor = books.create_vendor(NewVendor(name="Müller GmbH", tax_id="DE811907980"))
    bill = books.create_bill(_bill(vendor.id))
    originals = OriginalsStore(tmp_path / "originals")
    sha = originals.put(b"%PDF-1.4 original")
    books.attach_document(bill.id, DocumentRef(sha256=sha, filename="RE-2024-0042.pdf",
                                               path=originals.path(sha)))
    books.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("100"), currency="EUR",
                                         payment_date=date(2024, 5, 20), reference="SEPA-1"))
    books.create_bill(_bill(vendor.id, bill_number="GS-7", kind=BillKind.VENDOR_CREDIT,
                            total=D("-11.90"), tax=D("-1.90"), due_date=None,
                            tax_lines=(NewTaxLine(rate=D(19), amount=D("-1.90")),)))

    entries, errors, _ = loader.load_file(str(books.path))
    assert errors == []
    payable = "Liabilities:AccountsPayable:Mueller-GmbH"
    opened = {e.account for e in entries if isinstance(e, bc.Open)}
    assert {payable, "Expenses:General", "Assets:Bank:Checking"} <= opened
    bill_txn, credit_txn = [e for e in entries if isinstance(e, bc.Transaction)
                            and e.meta.get("kind") in ("bill", "vendor_credit")]
    assert bill_txn.meta["bill-number"] == "RE-2024-0042"
    assert bill_txn.meta["due-date"] == date(2024, 6, 1)
    assert bill_txn.meta["bill-id"] == bill.id
    legs = {p.account: p.units.number for p in bill_txn.postings}
    assert legs == {"Expenses:General": D("200.00"), "Assets:VAT:Input:19": D("38.00"),
                    payable: D("-238.00")}
    credit_legs = {p.account: p.units.number for p in credit_txn.postings}
    assert credit_legs[payable] == D("11.90")  # the reverse: the payable is debited
    assert credit_legs["Expenses:General"] == D("-10.00")
    document = next(e for e in entries if isinstance(e, bc.Document))
    assert document.account == payable
    copy = Path(document.filename)  # beside the books, with the original's extension
    assert copy.suffix == ".pdf" and copy.parent == (books.path.parent / "documents").resolve()
    assert copy.read_bytes() == b"%PDF-1.4 original"
    assert document.meta["bill-id"] == bill.id
    assert not list(books.path.parent.glob(".*"))  # no temporary files left behind


def test_a_write_beancount_refuses_leaves_the_file_unchanged(books: BeancountWriter) -> None:
    vendor = books.create_vendor(NewVendor(name="Acme Corp."))
    bill = books.create_bill(_bill(vendor.id))
    # the accountant restricts the bank account to USD by hand
    text = books.path.read_text().replace("open Assets:Bank:Checking\n",
                                          "open Assets:Bank:Checking USD\n")
    books.path.write_text(text)
    before = books.path.read_bytes()
    with pytest.raises(AccountingBackendError, match="beancount rejected"):
        books.create_bill_payment(NewPayment(bill_id=bill.id, amount=D("10"), currency="EUR",
                                             payment_date=date(2024, 5, 3)))
    assert books.path.read_bytes() == before
    assert books.get_bill_balance(bill.id).paid == D(0)


def test_vendor_names_round_trip_through_the_file(books: BeancountWriter) -> None:
    names = ['Say "Hi" Ltd', "Café Zoë SARL", "Acme Corp.", "Acme Corp", "日本商事株式会社"]
    created = [books.create_vendor(NewVendor(name=n, email=f"ap{i}@x.example"))
               for i, n in enumerate(names)]
    reread = BeancountWriter(books.path, organization_id="org-1").list_vendors()
    assert sorted((v.id, v.name) for v in reread) == sorted((v.id, v.name) for v in created)
    accounts = [a.code for a in books.list_accounts() if a.code.startswith("Liabilities:")]
    assert len(set(accounts)) == len(names)  # "Acme Corp." and "Acme Corp" get two payables


def test_bad_account_name_is_refused_before_writing(books: BeancountWriter) -> None:
    vendor = books.create_vendor(NewVendor(name="Acme"))
    before = books.path.read_bytes()
    with pytest.raises(ValidationFailed, match="not a beancount account"):
        books.create_bill(_bill(vendor.id, tax=None, tax_lines=(), lines=(
            {"description": "x", "amount": D("238.00"), "account_id": "expenses:lower"},)))
    assert books.path.read_bytes() == before


def test_new_expense_account_is_opened_as_needed(books: BeancountWriter) -> None:
    vendor = books.create_vendor(NewVendor(name="Acme"))
    books.create_bill(_bill(vendor.id, tax=None, tax_lines=(), lines=(
        {"description": "Cloud hosting", "amount": D("238.00"),
         "account_id": "Expenses:Software:Hosting"},)))
    assert "Expenses:Software:Hosting" in {a.code for a in books.list_accounts()}
    assert loader.load_file(str(books.path))[1] == []


def test_a_hand_broken_file_is_reported_not_overwritten(books: BeancountWriter) -> None:
    books.create_vendor(NewVendor(name="Acme"))
    books.path.write_text(books.path.read_text() + "\n2024-01-01 * \"oops\"\n  Assets:X 1 EUR\n")
    before = books.path.read_bytes()
    with pytest.raises(AccountingBackendError, match="does not load cleanly"):
        books.create_vendor(NewVendor(name="Globex"))
    assert books.path.read_bytes() == before


def test_vat_at_two_rates_goes_to_an_input_tax_account_each_and_passes_bean_check(
        books: BeancountWriter) -> None:
    vendor = books.create_vendor(NewVendor(name="Getränke Huber KG"))
    bill = books.create_bill(_bill(
        vendor.id, total=D("226.00"), tax=D("26.00"),
        tax_lines=(NewTaxLine(rate=D(19), amount=D("19.00"), basis=D("100.00")),
                   NewTaxLine(rate=D(7), amount=D("7.00"), basis=D("100.00")),
                   NewTaxLine(rate=D(0), amount=D("0.00"), basis=D(0))),
        lines=(NewBillLine(description="Glasses", amount=D("100.00"), tax_rate=D(19)),
               NewBillLine(description="Juice", amount=D("100.00"), tax_rate=D(7)))))
    check = subprocess.run([str(Path(sys.executable).with_name("bean-check")), str(books.path)],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    entries, problems, _ = loader.load_file(str(books.path))
    assert problems == []
    [txn] = [e for e in entries if isinstance(e, bc.Transaction) and e.meta.get("kind")]
    legs = [(p.account, p.units.number) for p in txn.postings]
    assert ("Assets:VAT:Input:19", D("19.00")) in legs and ("Assets:VAT:Input:7", D("7.00")) in legs
    assert all(number != 0 for _, number in legs)  # the 0 % rate books no zero posting
    read = books.get_bill(bill.id)
    assert read.tax == D("26.00") and read.subtotal == D("200.00")
    assert {(t.rate, t.amount) for t in read.tax_lines} == {(D(19), D("19.00")),
                                                           (D(7), D("7.00"))}


def test_a_heading_of_zero_is_no_line() -> None:
    with pytest.raises(ValueError, match="zero"):
        NewBillLine(description="Section: consumables", amount=D("0.00"))
