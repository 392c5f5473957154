"""Payment data on the bill: from a payment QR code (exact, it wins over the print) and from
the printed IBAN, BIC and references; a QR amount that disagrees with the printed total stops
the bill for review. Through the real reader and extractor, and the `extract --jsonl` contract."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from billintake_devkit.payment_qr import EPC_EXAMPLE, SPC_QRR, bill_pdf
from typer.testing import CliRunner

from billintake.entrypoints.cli import app
from billintake.extraction.contract import to_contract
from billintake.extraction.extractor import Extractor

from ._bills import block, pdf_of, row

_EXTRACTOR = Extractor(use_model=False)
BILL_LINES = ["Robert Schneider AG", "Rue du Lac 1268, 2501 Biel", "",
              "Invoice No: 2020-0615", "Invoice Date: 15.06.2020", "Total: CHF 1949.75"]


def test_swiss_qr_bill_gives_exact_payment_data() -> None:
    bill = _EXTRACTOR.extract_bytes(bill_pdf(SPC_QRR, lines=BILL_LINES))
    payment = bill.payment
    assert payment is not None and payment.qr == "spc"
    assert payment.value("iban") == "CH4431999123000889012"
    assert payment.value("reference") == "210000000003139471430009017"
    assert payment.reference_type == "qrr"
    assert payment.value("amount") == Decimal("1949.75")
    assert payment.value("currency") == "CHF"
    assert payment.value("payee_name") == "Robert Schneider AG"
    assert payment.iban is not None and payment.iban.evidence is not None
    assert payment.iban.evidence.source == "qr" and payment.iban.evidence.page == 1
    assert payment.iban.confidence > 0.95
    assert bill.value("vendor_iban") == "CH4431999123000889012"  # the QR's account, exact
    assert not bill.needs_review, bill.warnings
    body = to_contract(bill, "bill.pdf")
    assert list(body)[-1] == "payment"
    assert body["payment"]["iban"] == "CH4431999123000889012"
    assert body["payment"]["amount"] == "1949.75"
    assert body["payment"]["reference_type"] == "qrr" and body["payment"]["qr"] == "spc"
    assert body["payment"]["evidence"]["reference"]["source"] == "qr"
    assert set(body["payment"]["confidence"]) == {"iban", "reference", "amount", "currency",
                                                  "payee_name"}


def test_a_qr_amount_other_than_the_printed_total_is_a_warning_for_review() -> None:
    lines = [*BILL_LINES[:-1], "Total: CHF 1994.75"]
    bill = _EXTRACTOR.extract_bytes(bill_pdf(SPC_QRR, lines=lines))
    assert bill.payment is not None and bill.payment.value("amount") == Decimal("1949.75")
    assert bill.value("total") == Decimal("1994.75")
    assert bill.needs_review
    assert any("QR code's amount 1949.75 differs from the printed total 1994.75" in w
               for w in bill.warnings)


def test_qr_values_fill_what_the_print_lacks_and_win_over_a_printed_iban() -> None:
    lines = ["Croix-Rouge", "Invoice No: 77", "Invoice Date: 2026-03-02",
             "IBAN: DE89 3704 0044 0532 0130 00"]
    bill = _EXTRACTOR.extract_bytes(bill_pdf(EPC_EXAMPLE, lines=lines))
    assert bill.payment is not None and bill.payment.qr == "epc"
    assert bill.payment.value("iban") == "BE72000000001616"
    assert bill.payment.value("bic") == "BPOTBEB1"
    assert bill.value("vendor_iban") == "BE72000000001616"
    assert bill.value("total") == Decimal("1") and bill.value("currency") == "EUR"
    assert bill.needs_review  # a printed account other than the code's: a person looks
    assert any("printed IBAN DE89 3704 0044 0532 0130 00 differs" in w or
               "printed IBAN DE89370400440532013000 differs" in w for w in bill.warnings)


def _printed_bill(*payment_lines: str) -> bytes:
    return pdf_of([
        *block(40, 40, ["Acme Supplies GmbH", "Hauptstr. 1", "10115 Berlin"], bold_first=True),
        *row(120, (40, "Invoice No:"), (130, "A-17")),
        *row(134, (40, "Invoice Date:"), (130, "2026-03-14")),
        *row(300, (380, "Total"), (470, "EUR 250.00")),
        *block(40, 500, list(payment_lines)),
    ])


def test_printed_iban_bic_and_creditor_reference() -> None:
    bill = _EXTRACTOR.extract_bytes(_printed_bill(
        "Bank: Commerzbank  IBAN: DE89 3704 0044 0532 0130 00  BIC: COBADEFFXXX",
        "Please pay with reference RF18 5390 0754 7034"))
    payment = bill.payment
    assert payment is not None and payment.qr is None
    assert payment.value("iban") == "DE89370400440532013000"
    assert payment.value("bic") == "COBADEFFXXX"
    assert (payment.value("reference"), payment.reference_type) == ("RF18539007547034", "scor")
    assert payment.value("amount") == Decimal("250.00") and payment.value("currency") == "EUR"
    assert payment.value("payee_name") == "Acme Supplies GmbH"
    assert payment.iban is not None and payment.iban.evidence is not None
    assert payment.iban.evidence.source == "text"


def test_a_corrupted_printed_reference_is_not_taken_and_a_free_one_is() -> None:
    bill = _EXTRACTOR.extract_bytes(_printed_bill(
        "IBAN: DE89 3704 0044 0532 0130 00", "Reference RF18 5390 0754 7035",
        "Payment reference: Kd-Nr 4711 / A-17"))
    assert bill.payment is not None
    assert (bill.payment.value("reference"), bill.payment.reference_type) == (
        "Kd-Nr 4711 / A-17", "free")
    assert bill.payment.reference is not None and bill.payment.reference.confidence < 0.7


def test_a_printed_swiss_qr_reference_in_groups() -> None:
    bill = _EXTRACTOR.extract_bytes(_printed_bill(
        "Konto / Zahlbar an: CH44 3199 9123 0008 8901 2",
        "Referenz: 21 00000 00003 13947 14300 09017"))
    assert bill.payment is not None
    assert bill.payment.value("iban") == "CH4431999123000889012"
    assert (bill.payment.value("reference"), bill.payment.reference_type) == (
        "210000000003139471430009017", "qrr")


def test_no_payment_data_without_account_or_reference() -> None:
    bill = _EXTRACTOR.extract_bytes(_printed_bill("Thank you for your business"))
    assert bill.payment is None
    assert to_contract(bill, "x.pdf")["payment"] is None


def test_extract_jsonl_prints_the_payment(tmp_path: Path) -> None:
    path = tmp_path / "qr-bill.pdf"
    path.write_bytes(bill_pdf(SPC_QRR, lines=BILL_LINES))
    result = CliRunner().invoke(app, ["extract", str(path), "--jsonl", "--no-model"])
    assert result.exit_code == 0, result.output
    [line] = [json.loads(text) for text in result.stdout.splitlines() if text.strip()]
    assert line["payment"]["iban"] == "CH4431999123000889012"
    assert line["payment"]["reference"] == "210000000003139471430009017"
    assert line["payment"]["evidence"]["iban"]["source"] == "qr"
