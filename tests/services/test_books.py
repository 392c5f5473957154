"""The service layer over real storage and real backends (ledger, beancount)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billintake.accounting.beancount import books_path
from billintake.bootstrap import Runtime
from billintake.domain.errors import (
    AccountingBackendError,
    Conflict,
    DuplicateBill,
    NeedsReview,
    PaymentRejected,
    ValidationFailed,
)
from billintake.domain.extracted import ExtractedBill, ExtractedLineItem, FieldValue, TaxLine
from billintake.domain.model import BillKind, BillStatus, Document
from billintake.matching.vendors import VendorCandidate
from billintake.services.books import (
    BillInput,
    BillService,
    VendorInput,
    bill_from,
    bill_input_from,
    new_bill_from,
    push_extracted_bill,
    writer_for,
)

D = Decimal


@pytest.fixture(params=["ledger", "beancount"])
def org(request: pytest.FixtureRequest, runtime: Runtime, tmp_path: Path) -> str:
    with runtime.directory() as directory:
        organization, _ = directory.create_organization("Service Test GmbH", "svc")
    if request.param == "beancount":
        with runtime.repository(organization.id) as repo:
            repo.set_connection("beancount", {}, {})
    return organization.id


def service(runtime: Runtime, repo: object) -> BillService:
    return BillService.open(repo, runtime.settings, runtime.originals)  # type: ignore[arg-type]


def store_original(runtime: Runtime, org: str, data: bytes, name: str) -> str:
    sha = runtime.originals.put(data)
    with runtime.repository(org) as repo:
        repo.add_document(Document(sha256=sha, organization_id=org, original_filename=name,
                                   media_type="application/pdf", size=len(data)))
    return sha


def bill_json(**kw: object) -> BillInput:
    fields: dict[str, object] = {"vendor_name": "ACME Corp.", "bill_number": "INV-1",
                                 "bill_date": "2024-03-01", "due_date": "2024-03-31",
                                 "currency": "EUR", "total": "119.00", "tax": "19.00"}
    fields.update(kw)
    return BillInput.model_validate(fields)


def test_bill_from_json_is_pushed_with_its_original_and_paid(runtime: Runtime, org: str) -> None:
    sha = store_original(runtime, org, b"%PDF-1.4 acme invoice", "acme-INV-1.pdf")
    with runtime.repository(org) as repo:
        bill = service(runtime, repo).create_bill(bill_json(document_sha256=sha))
        assert bill.status is BillStatus.DRAFT
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        pushed = svc.push_bill(bill.id)
        assert pushed.external_id and pushed.status is BillStatus.OPEN
        again = svc.push_bill(bill.id)  # a retry books nothing new
        assert again.external_id == pushed.external_id
        assert len(svc.writer.list_bills()) == 1
        attachments = svc.writer.list_attachments(pushed.external_id)
        assert [a.filename for a in attachments] == ["acme-INV-1.pdf"]
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        svc.record_payment(bill.id, amount=D("100"), currency="EUR",
                           payment_date=date(2024, 4, 1))
        assert repo.get_bill(bill.id).status is BillStatus.PARTIALLY_PAID
        svc.record_payment(bill.id, amount=D("19"), currency="EUR",
                           payment_date=date(2024, 4, 2), reference="SEPA-2")
        svc.record_payment(bill.id, amount=D("19"), currency="EUR",  # the same, retried
                           payment_date=date(2024, 4, 2), reference="SEPA-2")
        view = svc.get_bill(bill.id)
        assert view.bill.status is BillStatus.PAID
        assert [p.amount for p in view.payments] == [D("100"), D("19")]
        assert view.balance is not None and view.balance.open_balance == D(0)


def test_payments_that_cannot_apply_are_refused(runtime: Runtime, org: str) -> None:
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        bill = svc.create_bill(bill_json())
        with pytest.raises(PaymentRejected, match="open balance"):
            svc.record_payment(bill.id, amount=D("120"), currency="EUR",
                               payment_date=date(2024, 4, 1))
        with pytest.raises(PaymentRejected, match="currency"):
            svc.record_payment(bill.id, amount=D("10"), currency="USD",
                               payment_date=date(2024, 4, 1))
        with pytest.raises(PaymentRejected, match="unknown bill"):
            svc.record_payment("nope", amount=D("10"), currency="EUR",
                               payment_date=date(2024, 4, 1))


def test_duplicates_are_refused_naming_the_existing_bill(runtime: Runtime, org: str) -> None:
    sha = store_original(runtime, org, b"%PDF-1.4 same file", "a.pdf")
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        first = svc.create_bill(bill_json(document_sha256=sha))
        with pytest.raises(DuplicateBill) as same_file:
            svc.create_bill(bill_json(bill_number="OTHER", document_sha256=sha))
        assert same_file.value.existing_id == first.id
        with pytest.raises(DuplicateBill) as same_number:
            svc.create_bill(bill_json(vendor_name="Acme Corporation"))  # same vendor, matched
        assert same_number.value.existing_id == first.id
        assert same_number.value.to_dict()["existing_id"] == first.id


def test_matched_name_is_remembered_as_alias(runtime: Runtime, org: str) -> None:
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        vendor = svc.create_vendor(VendorInput(name="Mueller GmbH", tax_id="DE811907980"))
        with pytest.raises(Conflict):
            svc.create_vendor(VendorInput(name="Müller Handels GmbH", tax_id="DE 811907980"))
        first = svc.resolve_vendor(VendorCandidate(name="Müller GmbH"))
        assert first.vendor is not None and first.vendor.id == vendor.id
        assert first.alias_stored
        assert "Müller GmbH" in repo.get_vendor(vendor.id).aliases
        ambiguous = svc.resolve_vendor(VendorCandidate(name="Mueller GmbH", tax_id="ATU999"))
        assert ambiguous.needs_review
        created = svc.resolve_vendor(VendorCandidate(name="Globex Corporation"))
        assert created.created


def test_credit_note_from_extraction_is_booked_as_vendor_credit(runtime: Runtime,
                                                                org: str) -> None:
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=0.99)

    extracted = ExtractedBill(
        document_type=fv("credit_note"), bill_number=fv("GS-17"), vendor_name=fv("ACME Corp"),
        bill_date=fv(date(2024, 5, 3)), currency=fv("EUR"), total=fv(D("59.50")),
        tax=fv(D("9.50")), subtotal=fv(D("50.00")),
        line_items=[ExtractedLineItem(description="Returned toner", amount=D("50.00"))])
    with runtime.repository(org) as repo:
        vendor = service(runtime, repo).create_vendor(VendorInput(name="Acme Corporation"))
    sha = store_original(runtime, org, b"%PDF credit note", "GS-17.pdf")
    bill_id = push_extracted_bill(runtime, org, extracted, vendor, document_sha256=sha)
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        bill = repo.get_bill(bill_id)
        assert (bill.kind, bill.total, bill.tax) == (BillKind.VENDOR_CREDIT, D("-59.50"),
                                                     D("-9.50"))
        booked = svc.writer.get_bill(bill.external_id or "")
        assert booked.kind is BillKind.VENDOR_CREDIT and booked.total == D("-59.50")
        assert [line.amount for line in booked.line_items] == [D("-50.00")]
        assert "ACME Corp" in repo.get_vendor(vendor.id).aliases


def test_failed_push_keeps_no_bill_so_the_job_can_retry(runtime: Runtime, tmp_path: Path) -> None:
    with runtime.directory() as directory:
        organization, _ = directory.create_organization("Broken Books", "broken")
    books = books_path(runtime.settings.resolved_beancount_dir, organization.id)
    books.parent.mkdir(parents=True)
    books.write_text('2024-01-01 * "hand-made mistake"\n  Assets:Nowhere 1 EUR\n')
    with runtime.repository(organization.id) as repo:
        repo.set_connection("beancount", {}, {})
        vendor = service(runtime, repo).create_vendor(VendorInput(name="Acme"))
    extracted = ExtractedBill(
        bill_number=FieldValue(value="X-1", confidence=1.0),
        bill_date=FieldValue(value=date(2024, 2, 1), confidence=1.0),
        currency=FieldValue(value="EUR", confidence=1.0),
        total=FieldValue(value=D("10"), confidence=1.0))
    with pytest.raises(AccountingBackendError):
        push_extracted_bill(runtime, organization.id, extracted, vendor)
    with runtime.repository(organization.id) as repo:
        assert repo.list_bills() == []


def _printed(document_type: str, *, total: str, tax: str, lines: list[str],
             **more: object) -> ExtractedBill:
    """A bill as extraction gives it: amounts as printed."""
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=0.99)

    return ExtractedBill(
        document_type=fv(document_type), bill_number=fv("N-1"), vendor_name=fv("Acme"),
        bill_date=fv(date(2024, 5, 3)), currency=fv("EUR"), total=fv(D(total)), tax=fv(D(tax)),
        line_items=[ExtractedLineItem(description=f"item {n}", amount=D(amount),
                                      unit_price=D(amount))
                    for n, amount in enumerate(lines)],
        **{name: fv(value) for name, value in more.items()})


@pytest.mark.parametrize(("printed", "kind", "total", "lines"), [
    (_printed("credit_note", total="59.50", tax="9.50", lines=["50.00"]),
     BillKind.VENDOR_CREDIT, "-59.50", ["-50.00"]),
    (_printed("credit_note", total="-59.50", tax="-9.50", lines=["-50.00"]),  # printed signed
     BillKind.VENDOR_CREDIT, "-59.50", ["-50.00"]),
    (_printed("credit_note", total="50.00", tax="0", lines=["60.00", "-10.00"]),  # a charge
     BillKind.VENDOR_CREDIT, "-50.00", ["-60.00", "10.00"]),
    (_printed("invoice", total="-20.00", tax="0", lines=["-20.00"]),
     BillKind.VENDOR_CREDIT, "-20.00", ["-20.00"]),
    (_printed("invoice", total="119.00", tax="19.00", lines=["100.00"]),
     BillKind.BILL, "119.00", ["100.00"]),
], ids=["credit-note", "credit-note-printed-signed", "credit-note-with-a-charge",
        "negative-invoice", "invoice"])
def test_printed_amounts_are_booked_with_the_sign_of_the_kind(
        printed: ExtractedBill, kind: BillKind, total: str, lines: list[str]) -> None:
    data = bill_input_from(printed, "v1")
    assert (data.kind, data.total) == (kind, D(total))
    assert [line.amount for line in data.line_items] == [D(a) for a in lines]
    assert [line.unit_price for line in data.line_items] == [D(a) for a in lines]
    assert data.tax is not None and data.tax * data.total >= 0


def test_a_reviewers_kind_stands_over_the_documents() -> None:
    invoice = _printed("invoice", total="119.00", tax="19.00", lines=["100.00"])
    data = bill_input_from(invoice, "v1", kind=BillKind.VENDOR_CREDIT)
    assert (data.kind, data.total, data.tax) == (BillKind.VENDOR_CREDIT, D("-119.00"),
                                                 D("-19.00"))


@pytest.mark.parametrize(("more", "lines", "total", "charges"), [
    ({"shipping": D("4.95")}, ["100.00"], "123.95", {"Shipping": D("4.95")}),
    ({"discount": D("-5.00")}, ["110.00"], "124.00", {"Discount": D("-5.00")}),
    ({"discount": D("5.00")}, ["110.00"], "124.00", {}),  # printed unsigned: not guessed
    ({"shipping": D("4.95"), "discount": D("-10.00")}, ["105.00"], "118.95",
     {"Shipping": D("4.95"), "Discount": D("-10.00")}),
    ({"shipping": D("4.95"), "discount": D("-5.00")}, ["100.00"], "123.95",
     {"Shipping": D("4.95")}),  # the discount is in the items' prices already
    ({"shipping": D("4.95")}, ["95.05", "4.95"], "119.00", {}),  # an item carries it
    ({"shipping": D("3.00")}, ["100.00"], "125.00", {}),  # would not add up: not guessed
], ids=["shipping", "discount", "discount-unsigned", "both", "shipping-only",
        "in-the-items", "not-adding-up"])
def test_shipping_and_a_discount_become_lines_when_the_items_leave_them_out(
        more: dict[str, Decimal], lines: list[str], total: str,
        charges: dict[str, Decimal]) -> None:
    printed = _printed("invoice", total=total, tax="19.00", lines=lines, **more)
    data = bill_input_from(printed, "v1")
    extra = {line.description: line.amount for line in data.line_items
             if not line.description.startswith("item")}
    assert extra == charges
    if charges:
        assert sum(line.amount for line in data.line_items) + D("19.00") == data.total


def test_switching_books_keeps_every_bill_readable_and_payable_where_it_was_booked(
        runtime: Runtime, tmp_path: Path) -> None:
    with runtime.directory() as directory:
        organization, _ = directory.create_organization("Switching GmbH", "switch")
    org = organization.id
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        first = svc.push_bill(svc.create_bill(bill_json()).id)
    assert (first.backend, first.connection_id) == ("ledger", None)
    with runtime.repository(org) as repo:  # the organization moves to a beancount file
        connection_id = repo.set_connection("beancount", {}, {})
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        second = svc.push_bill(svc.create_bill(bill_json(bill_number="INV-2")).id)
        assert (second.backend, second.connection_id) == ("beancount", connection_id)
        old = svc.get_bill(first.id)  # read in the ledger, where it was booked
        assert old.balance is not None and old.balance.open_balance == D("119.00")
        svc.record_payment(first.id, amount=D("119.00"), currency="EUR",
                           payment_date=date(2024, 4, 1))
        assert svc.get_bill(first.id).bill.status is BillStatus.PAID
        assert [b.bill_number for b in svc.writer.list_bills()] == ["INV-2"]
    with runtime.repository(org) as repo:
        assert writer_for(repo, runtime.settings).backend == "beancount"  # the current books
        assert service(runtime, repo).writer_of(repo.get_bill(first.id)).backend == "ledger"


def test_an_original_without_an_extension_is_attached_with_one(runtime: Runtime,
                                                              org: str) -> None:
    sha = store_original(runtime, org, b"%PDF-1.4 scanned", "scan-from-copier")
    with runtime.repository(org) as repo:
        svc = service(runtime, repo)
        bill = svc.push_bill(svc.create_bill(bill_json(document_sha256=sha)).id)
        [attached] = svc.writer.list_attachments(bill.external_id or "")
    assert attached.filename == "scan-from-copier.pdf"
    if attached.uri and attached.uri.endswith(".pdf"):  # beancount: a copy with its extension
        assert Path(attached.uri).read_bytes() == b"%PDF-1.4 scanned"


def test_tax_per_rate_and_headings_on_the_way_to_the_books() -> None:
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=0.99)

    printed = ExtractedBill(
        document_type=fv("credit_note"), bill_number=fv("GS-9"), bill_date=fv(date(2024, 5, 3)),
        currency=fv("EUR"), total=fv(D("226.00")), tax=fv(D("26.00")),
        tax_lines=[TaxLine(rate=D(19), basis=D(100), amount=D("19.00")),
                   TaxLine(rate=D(7), basis=D(100), amount=D("7.00"))],
        line_items=[ExtractedLineItem(description="Drinks", amount=D("0.00")),
                    ExtractedLineItem(description="Juice", amount=D(100), tax_rate=D(7)),
                    ExtractedLineItem(description="Glasses", amount=D(100), tax_rate=D(19))])
    data = bill_input_from(printed, "v1")
    assert [(t.rate, t.amount, t.basis) for t in data.tax_lines] == [
        (D(19), D("-19.00"), D(-100)), (D(7), D("-7.00"), D(-100))]  # a credit: signed
    booked = new_bill_from(bill_from(data, "org", "v1"), "v1")
    assert [line.description for line in booked.lines] == ["Juice", "Glasses"]  # no heading
    assert booked.tax_by_rate() == {D(19): D("-19.00"), D(7): D("-7.00")}
    wrong = data.model_copy(update={"tax_lines": [TaxLine(rate=D(19), amount=D("-26.50"))]})
    with pytest.raises(NeedsReview, match=r"tax per rate adds up to -26.50 EUR"):
        new_bill_from(bill_from(wrong, "org", "v1"), "v1")


def test_a_cash_rounding_is_booked_as_a_line_of_its_own() -> None:
    """A till rounds 52.00 + 3.12 = 55.12 to 55.10 for cash: the bill's amounts do not
    contradict each other while its lines make the subtotal (the rounding becomes a line, and
    the booking adds up); without lines, or off by more than a cash rounding, they do."""
    rounded = _printed("receipt", total="55.10", tax="3.12", lines=["52.00"],
                       subtotal=D("52.00"))
    assert rounded.arithmetic_disagreement() is None
    data = bill_input_from(rounded, "v1")
    assert [(line.description, line.amount) for line in data.line_items][-1] == \
        ("Cash rounding", D("-0.02"))
    booked = new_bill_from(bill_from(data, "org", "v1"), "v1")
    assert sum(line.amount for line in booked.lines) + D("3.12") == D("55.10")
    lineless = _printed("receipt", total="55.10", tax="3.12", lines=[], subtotal=D("52.00"))
    assert lineless.arithmetic_disagreement() is not None
    off = _printed("receipt", total="55.00", tax="3.12", lines=["52.00"], subtotal=D("52.00"))
    assert off.arithmetic_disagreement() is not None
    assert all(line.description != "Cash rounding"
               for line in bill_input_from(off, "v1").line_items)


def test_a_bill_that_prints_no_number_is_booked_by_its_date_and_file() -> None:
    def fv(value: object) -> FieldValue:  # type: ignore[type-arg]
        return FieldValue(value=value, confidence=0.99)

    slip = ExtractedBill(vendor_name=fv("99 SPEED MART S/B"), bill_date=fv(date(2018, 2, 20)),
                         total=fv(D("9.90")), currency=fv("MYR"), not_printed=["bill_number"])
    sha = "1a2b3c4d" + "0" * 56
    assert bill_input_from(slip, "v1", sha).bill_number == "20180220-1a2b3c4d"
    with pytest.raises(ValidationFailed, match="without bill_number"):
        bill_input_from(slip, "v1")  # no file to name it by
    with pytest.raises(ValidationFailed, match="without bill_number, bill_date"):  # nor a date
        bill_input_from(slip.model_copy(update={"bill_date": None}), "v1", sha)
    with pytest.raises(ValidationFailed, match="without bill_number"):  # a number was expected
        bill_input_from(slip.model_copy(update={"not_printed": []}), "v1", sha)
    printed = slip.model_copy(update={"bill_number": fv("CS00412")})
    assert bill_input_from(printed, "v1", sha).bill_number == "CS00412"
