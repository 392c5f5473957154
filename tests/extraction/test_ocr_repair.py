"""OCR look-alike repair of identifiers: only where the identifier's structure settles it."""

from __future__ import annotations

import pytest

from billintake.extraction.ocr_repair import (
    repair_iban,
    repair_identifier,
    repair_tax_id,
)
from billintake.extraction.parsing import iban_is_valid


@pytest.mark.parametrize(("read", "repaired"), [
    ("GBS61133900", "GB561133900"),  # S in the digit body
    ("G8561133900", "GB561133900"),  # 8 in the country prefix
    ("NLO73172857B01", "NL073172857B01"),
    ("NL073172857801", "NL073172857B01"),  # NL's fixed "B"
    ("DEl2345678Z", "DE123456782"),
    ("ATU1234S678", "ATU12345678"),
    ("OOABCDE1698F1Z2", "00ABCDE1698F1Z2"),  # GSTIN: digits, then the PAN's letters
    ("27ABCDE1234F1ZS", "27ABCDE1234F1ZS"),  # the check character may be a letter
    ("29A8CDE1234F125", "29ABCDE1234F1Z5"),
    ("75-O494523", "75-0494523"),  # a numeric id with a look-alike
    ("CHE-1O5.234.567 MWST", "CHE-105.234.567 MWST"),
    ("FRO0957585584", "FR00957585584"),  # the French key is never an O
    ("FR4I123456789", "FR41123456789"),  # nor an I
])
def test_tax_ids_are_repaired_by_their_format(read: str, repaired: str) -> None:
    assert repair_tax_id(read) == repaired


@pytest.mark.parametrize("read", [
    "GB561133900", "12345678RT0001", "DE12345678",  # DE12345678: too short to say
    "FR4A123456789", "IE1234567WA", "XX12345678",
])
def test_valid_or_unsettled_tax_ids_are_left_alone(read: str) -> None:
    assert repair_tax_id(read) == read


@pytest.mark.parametrize(("read", "repaired"), [
    ("INVO35372", "INV035372"),  # known prefix, then an O before digits
    ("INV-2O23-0O1", "INV-2023-001"),  # O between digits
    ("RE2024-1l5", "RE2024-115"),
    ("POO1234", "PO01234"),
])
def test_identifiers_repaired_where_clear(read: str, repaired: str) -> None:
    assert repair_identifier(read) == repaired


@pytest.mark.parametrize("read", ["A-451805", "FAS12345", "ABO12345", "INV/2024/59/0479",
                                  "12B45", "SO-1234"])
def test_identifiers_left_alone_without_evidence(read: str) -> None:
    assert repair_identifier(read) == read


def test_another_reading_on_the_page_settles_a_look_alike() -> None:
    assert repair_identifier("A8C-1S3", ["Total", "A8C-153"]) == "A8C-153"
    assert repair_identifier("A8C-1S3", ["A8C-1S3", "XYZ"]) == "A8C-1S3"


def test_iban_look_alikes_confirmed_by_the_check_digits() -> None:
    assert iban_is_valid("GB82WEST12345698765432")
    assert repair_iban("GB82 WEST 1234 S698 7654 32") == "GB82WEST12345698765432"
    assert repair_iban("GB82 WEST 1234 5698 7654 33") is None  # no reading checks out


def _doc(source: str):  # type: ignore[no-untyped-def]
    from billintake.reading.layout import build_lines
    from billintake.reading.reader import read
    from tests.extraction._bills import Text, block, pdf_of

    page = [Text(50, 40, "Harbour Tools Ltd", size=16, bold=True),
            *block(50, 70, ["1 Quay Street", "Bristol BS1 4DJ", "VAT No: GBS61133900"]),
            Text(50, 140, "INVOICE", size=14, bold=True),
            *block(350, 140, ["Invoice No: INVO35372", "Date: 14/03/2026"]),
            *block(350, 300, ["Subtotal: 100.00", "VAT 20%: 20.00", "Total: 120.00"])]
    doc = read(pdf_of(page))
    for p in doc.pages:
        p.words = [w.model_copy(update={"source": source}) for w in p.words]
        p.lines = build_lines(p.words)
        p.source = source  # type: ignore[assignment]
    return doc


def test_extractor_repairs_ocr_values_only() -> None:
    from billintake.extraction.extractor import Extractor

    extractor = Extractor(use_model=False)
    scanned = extractor.extract_document(_doc("ocr"))
    assert scanned.value("vendor_tax_id") == "GB561133900"
    assert scanned.value("bill_number") == "INV035372"
    printed = extractor.extract_document(_doc("text"))  # a text layer: as printed
    assert printed.value("vendor_tax_id") == "GBS61133900"
    assert printed.value("bill_number") == "INVO35372"
