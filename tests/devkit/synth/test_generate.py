"""The synthetic bill generator: deterministic, exact arithmetic, disjoint splits, true labels."""

from __future__ import annotations

import io
import itertools
from decimal import Decimal

import pdfplumber
import pytest
from billintake_devkit.synth import generate, make_bill, split_of
from billintake_devkit.synth.layout import choose_layout
from billintake_devkit.synth.locales import LOCALES, format_date, format_money

TRUTH_KEYS = {"bill_number", "vendor_name", "bill_date", "due_date", "currency", "subtotal",
              "tax", "total", "line_items", "po_number", "vendor_tax_id"}


@pytest.fixture(scope="module")
def bills() -> list:
    return list(generate(11, "train", 40)) + list(generate(11, "test", 40))


def test_same_seed_gives_same_bytes_and_another_seed_does_not() -> None:
    first = make_bill(5, "train", 3)
    again = make_bill(5, "train", 3)
    other = make_bill(6, "train", 3)
    assert first.pdf_bytes == again.pdf_bytes
    assert first.truth == again.truth
    assert first.truth != other.truth


def test_truth_arithmetic_is_exact(bills: list) -> None:
    for bill in bills:
        truth = bill.truth
        assert set(truth) <= TRUTH_KEYS
        items = truth["line_items"]
        assert items, bill.id
        for item in items:
            assert item["unit_price"].split(".")[1].__len__() == 2, (bill.id, item)
            assert Decimal(item["quantity"]) * Decimal(item["unit_price"]) == \
                Decimal(item["amount"]), (bill.id, item)
        items_sum = sum(Decimal(i["amount"]) for i in items)
        if "subtotal" in truth:
            assert items_sum == Decimal(truth["subtotal"]), bill.id
        if bill.layout.as_dict()["family"] == "invoice" and "subtotal" in truth:
            # discount and shipping are printed lines; the rest must add up
            tax = Decimal(truth.get("tax", "0"))
            remainder = Decimal(truth["total"]) - Decimal(truth["subtotal"]) - tax
            assert remainder in _shipping_minus_discount(), bill.id
        else:
            assert items_sum == Decimal(truth["total"]), bill.id


def _shipping_minus_discount() -> set[Decimal]:
    shipping = [Decimal(v) / 100 for v in (0, 495, 1250, 2500)]
    discount = [Decimal(v) / 100 for v in (0, 500, 1500)]
    return {s - d for s, d in itertools.product(shipping, discount)}


def test_train_and_test_never_share_a_layout(bills: list) -> None:
    train = {b.layout.key() for b in bills if b.id.startswith("synth-train")}
    test = {b.layout.key() for b in bills if b.id.startswith("synth-test")}
    assert train and test and not train & test
    for bill in bills:
        assert split_of(bill.layout) == bill.id.split("-")[1]


def test_layouts_vary(bills: list) -> None:
    layouts = [b.layout.as_dict() for b in bills]
    assert {lay["family"] for lay in layouts} == {"invoice", "receipt"}
    invoices = [lay for lay in layouts if lay["family"] == "invoice"]
    assert len({lay["header"] for lay in invoices}) >= 3
    assert len({tuple(lay["columns"]) for lay in invoices}) >= 5
    assert len({b.locale for b in bills}) >= 6


def test_labels_point_at_the_printed_text(bills: list) -> None:
    """Each labelled field's box, cropped from the PDF, reads back as its text."""
    checked = 0
    for bill in bills[:25]:
        with pdfplumber.open(io.BytesIO(bill.pdf_bytes)) as pdf:
            for name, mark in bill.labels["fields"].items():
                page = pdf.pages[mark["page"] - 1]
                x0, top, x1, bottom = mark["bbox"]
                crop = page.within_bbox((x0 - 1, top - 1, x1 + 1, bottom + 1))
                text = crop.extract_text().replace("\n", " ")
                assert text.replace(" ", "") == mark["text"].replace(" ", ""), (bill.id, name)
                checked += 1
    assert checked > 100


def test_labels_texts_are_the_truth_values_in_print(bills: list) -> None:
    for bill in bills:
        fields = bill.labels["fields"]
        if "vendor_name" in fields:
            assert fields["vendor_name"]["text"] == bill.truth["vendor_name"]
        if "bill_number" in bill.truth:
            assert fields["bill_number"]["text"] == bill.truth["bill_number"]
        assert len(bill.labels["line_items"]) == len(bill.truth["line_items"])


def test_locale_formats() -> None:
    from datetime import date

    value = Decimal("1234.50")
    assert format_money(value, LOCALES["en-US"]) == "$1,234.50"
    assert format_money(value, LOCALES["de-DE"]) == "1.234,50 €"
    assert format_money(value, LOCALES["fr-FR"]) == "1 234,50 €"
    assert format_money(value, LOCALES["de-CH"]) == "CHF 1'234.50"
    assert format_money(Decimal("123456.00"), LOCALES["en-IN"]) == "Rs 1,23,456.00"
    assert format_money(Decimal("-12.00"), LOCALES["en-US"], symbol=False,
                        negative="parens") == "(12.00)"
    day = date(2026, 3, 14)
    assert format_date(day, LOCALES["en-US"], "us_numeric") == "03/14/2026"
    assert format_date(day, LOCALES["en-US"], "us_long") == "March 14, 2026"
    assert format_date(day, LOCALES["fr-FR"], "fr_long") == "14 mars 2026"
    assert format_date(day, LOCALES["de-DE"], "dmy_dot") == "14.03.2026"


def test_long_tables_continue_on_a_second_page() -> None:
    bills = [b for b in generate(2, "train", 60) if b.labels["pages"] > 1]
    assert bills
    pages = {m["description"]["page"] for b in bills for m in b.labels["line_items"]}
    assert pages >= {1, 2}


def test_scans_are_image_only() -> None:
    import random

    bill = next(generate(4, "test", 1, scan_fraction=1.0, png_fraction=0.0))
    assert bill.kind == "scanned-pdf" and bill.scan_bytes
    with pdfplumber.open(io.BytesIO(bill.scan_bytes)) as pdf:
        assert not pdf.pages[0].extract_words()
        assert pdf.pages[0].images
    layout = choose_layout(random.Random(1), "test", receipt=True)
    assert split_of(layout) == "test"


def test_some_invoices_print_their_number_and_date_as_one_phrase() -> None:
    """"Invoice No. 7 dated 1 May 2026", some with a number of several words: printed as the
    truth says, on one line with the bill's date."""
    headings = spaced = 0
    for index in range(120):
        bill = make_bill(5, "train", index, receipt_fraction=0.0)
        number = str(bill.truth.get("bill_number") or "")
        with pdfplumber.open(io.BytesIO(bill.file_bytes)) as pdf:
            lines = pdf.pages[0].extract_text().splitlines()
        heading = [line for line in lines
                   if f"{number} " in line and any(f" {number} {c} " in line for c in
                                                  ("dated", "of", "vom", "du", "van", "d.d."))]
        headings += bool(heading)
        spaced += bool(heading) and " " in number
    assert 5 <= headings <= 40
    assert spaced >= 3
