"""The line-item table reader, on generated bills read by the real reader."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from billintake_devkit.synth import generate, make_bill
from billintake_devkit.synth.content import make_invoice
from billintake_devkit.synth.generate import build_truth
from billintake_devkit.synth.layout import InvoiceLayout
from billintake_devkit.synth.render import InvoiceRenderer

from billintake.extraction.line_items import extract_line_items
from billintake.reading.document import Line, Page, ReadDocument, Word
from billintake.reading.reader import read


def _layout(**changes: Any) -> InvoiceLayout:
    base: dict[str, Any] = dict(
        header="left", meta="pairs_right", parties="bill_left",
        columns=("description", "qty", "unit_price", "amount"), table="rule",
        totals="right", footer="columns", font="Helvetica", money_in_table=False, page="A4")
    base.update(changes)
    return InvoiceLayout(**base)


def _bill(seed: int, locale: str, layout: InvoiceLayout, *, repeat_header: bool | None = None,
          **content: Any) -> tuple[bytes, dict[str, Any]]:
    rng = random.Random(seed)
    options: dict[str, Any] = dict(n_items=5, multi_rate=False, sections=False, notes=False,
                                   negative_line=False)
    options.update(content)
    bill = make_invoice(rng, locale, **options)
    rendered = InvoiceRenderer(bill, layout, rng, repeat_header=repeat_header).render()
    return rendered.pdf, build_truth(bill, rendered)


def _as_tuples(items: list[Any]) -> list[tuple[str, Decimal | None, Decimal | None, Decimal]]:
    return [(i.description, i.quantity, i.unit_price, i.amount) for i in items]


def _truth_tuples(truth: dict[str, Any]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(i["description"], Decimal(i["quantity"]), Decimal(i["unit_price"]),
             Decimal(i["amount"])) for i in truth["line_items"]]


def test_reads_every_column_of_a_simple_table() -> None:
    pdf, truth = _bill(1, "en-US", _layout())
    result = extract_line_items(read(pdf))
    assert _as_tuples(result.items) == _truth_tuples(truth)
    assert all(item.confidence >= 0.9 for item in result.items)
    first = result.items[0]
    assert first.evidence is not None and first.evidence.page == 1
    assert first.evidence.source == "text" and first.evidence.bbox is not None


def test_multi_line_descriptions_are_joined() -> None:
    found_multiline = False
    for seed in range(3, 9):
        pdf, truth = _bill(seed, "en-GB", _layout(columns=("code", "description", "qty", "unit",
                                                            "unit_price", "amount")),
                           n_items=8)
        items = extract_line_items(read(pdf)).items
        assert _as_tuples(items) == _truth_tuples(truth)
        found_multiline |= any(len(i["description"]) > 45 for i in truth["line_items"])
    assert found_multiline  # the seeds above do print wrapped/two-line descriptions


@pytest.mark.parametrize("repeat_header", [True, False])
def test_table_continues_on_the_second_page(repeat_header: bool) -> None:
    pdf, truth = _bill(21, "de-DE", _layout(columns=("pos", "description", "qty", "unit_price",
                                                      "vat", "amount"), table="band"),
                       repeat_header=repeat_header, n_items=32)
    doc = read(pdf)
    assert len(doc.pages) == 2
    items = extract_line_items(doc).items
    assert _as_tuples(items) == _truth_tuples(truth)
    assert {item.evidence.page for item in items if item.evidence} == {1, 2}


def test_section_headers_and_notes_are_not_items() -> None:
    pdf, truth = _bill(5, "fr-FR", _layout(table="grid"), n_items=6, sections=True, notes=True)
    doc = read(pdf)
    assert any(word.text in {"Remarque", "*"} for word in doc.pages[0].words)
    items = extract_line_items(doc).items
    assert _as_tuples(items) == _truth_tuples(truth)


def test_stops_at_the_totals_block_even_when_labels_sit_in_the_description_column() -> None:
    pdf, truth = _bill(8, "nl-NL", _layout(totals="wide"), n_items=3)
    items = extract_line_items(read(pdf)).items
    assert _as_tuples(items) == _truth_tuples(truth)


@pytest.mark.parametrize("locale,columns", [
    ("de-CH", ("code", "description", "unit_price", "qty", "vat", "amount")),
    ("en-IN", ("qty", "description", "unit_price", "amount")),
    ("fr-FR", ("pos", "code", "description", "qty", "unit", "unit_price", "vat", "amount")),
    ("en-US", ("description", "unit_price", "qty", "amount")),
])
def test_locales_and_column_orders(locale: str, columns: tuple[str, ...]) -> None:
    pdf, truth = _bill(13, locale, _layout(columns=columns, money_in_table=True, font="Courier"),
                       n_items=6, negative_line=locale == "en-IN")
    items = extract_line_items(read(pdf)).items
    assert _as_tuples(items) == _truth_tuples(truth)


def test_receipts_without_a_header_row() -> None:
    receipts = [b for b in generate(3, "train", 80, receipt_fraction=1.0)][:12]
    styles = {b.layout.as_dict()["style"] for b in receipts}
    assert {"qty_x", "at_line", "simple"} <= styles
    for bill in receipts:
        items = extract_line_items(read(bill.pdf_bytes)).items
        want = bill.truth["line_items"]
        assert [(i.description, i.amount) for i in items] == \
            [(w["description"], Decimal(w["amount"])) for w in want], bill.id
        for item, w in zip(items, want, strict=True):
            if item.quantity is not None:
                assert item.quantity == Decimal(w["quantity"])


def test_f1_on_generated_test_bills() -> None:
    """Held-out layouts (test split): nearly every item found, nothing invented."""
    true = found = matched = 0
    for bill in generate(909, "test", 30):
        items = extract_line_items(read(bill.pdf_bytes)).items
        want = [(w["description"], Decimal(w["amount"])) for w in bill.truth["line_items"]]
        got = [(i.description, i.amount) for i in items]
        true, found = true + len(want), found + len(got)
        matched += sum(1 for g in got if g in want)
    precision, recall = matched / found, matched / true
    assert precision >= 0.97 and recall >= 0.95, (precision, recall)


def _word(text: str, x0: float, top: float, bold: bool = False) -> Word:
    return Word(text=text, x0=x0, top=top, x1=x0 + 5.0 * len(text), bottom=top + 9, bold=bold)


def _doc(rows: list[list[tuple[str, float]]], bold_rows: frozenset[int] = frozenset()
         ) -> ReadDocument:
    words = []
    for index, row in enumerate(rows):
        for text, x in row:
            words.append(_word(text, x, 100 + index * 12.0, bold=index in bold_rows))
    page = Page(number=1, width=595, height=842, words=words, lines=[Line(words=words)])
    return ReadDocument(media_type="application/pdf", pages=[page])


def test_description_above_the_amounts_row_and_a_wrong_product_is_flagged() -> None:
    rows = [
        [("Item", 50), ("Qty", 300), ("Price", 380), ("Amount", 470)],
        [],
        [("Ergonomic", 50), ("chair", 105)],
        [("model", 50), ("X2", 85), ("2", 305), ("10.00", 380), ("25.00", 470)],
        [],
        [],
        [("Desk", 50), ("1", 305), ("5.00", 385), ("5.00", 475)],
        [],
        [("Total", 380), ("30.00", 470)],
    ]
    doc = _doc([r for r in rows])
    result = extract_line_items(doc)
    assert [i.description for i in result.items] == ["Ergonomic chair model X2", "Desk"]
    chair, desk = result.items
    assert chair.confidence < 0.5 < desk.confidence
    assert any("Ergonomic" in warning for warning in result.warnings)


def test_a_group_subtotal_does_not_end_the_table() -> None:
    rows = [
        [("Description", 50), ("Qty", 300), ("Unit", 340), ("price", 362), ("Amount", 470)],
        [("Beeswax", 50), ("1.00", 300), ("kg", 325), ("42.00", 380), ("42.00", 470)],
        [("Subtotal", 380), ("42.00", 470)],
        [("Olive", 50), ("oil", 82), ("2", 305), ("3.00", 385), ("6.00", 475)],
        [],
        [("Total", 380), ("48.00", 470)],
        [("Thanks", 50), ("12", 300), ("9.99", 470)],
    ]
    result = extract_line_items(_doc(rows))
    assert [(i.description, i.quantity, i.unit, i.amount) for i in result.items] == [
        ("Beeswax", Decimal("1.00"), "kg", Decimal("42.00")),
        ("Olive oil", Decimal(2), None, Decimal("6.00")),
    ]


def test_a_page_without_a_table_gives_no_items() -> None:
    rows = [[("Dear", 50), ("customer,", 80)], [("Invoice", 50), ("2026-0042", 100)],
            [("Total", 50), ("12.00", 400)]]
    assert extract_line_items(_doc(rows)).items == []


@pytest.mark.slow
def test_a_scanned_bill_through_ocr() -> None:
    bill = make_bill(17, "test", 2, scan_fraction=1.0, png_fraction=0.0, receipt_fraction=0.0)
    assert bill.kind == "scanned-pdf"
    items = extract_line_items(read(bill.file_bytes)).items
    want = {Decimal(w["amount"]) for w in bill.truth["line_items"]}
    got = {i.amount for i in items}
    assert len(got & want) >= 0.6 * len(want)


def test_an_amount_column_whose_label_was_lost_is_found_from_the_numbers() -> None:
    rows = [
        [("Description", 50), ("Qty", 300), ("Price", 380)],
        [("Toner", 50), ("2", 305), ("10.00", 380), ("20.00", 470)],
        [("Paper", 50), ("5", 305), ("3.00", 385), ("15.00", 470)],
        [],
        [("Total", 380), ("35.00", 470)],
    ]
    items = extract_line_items(_doc(rows)).items
    assert [(i.description, i.amount, i.confidence >= 0.9) for i in items] == [
        ("Toner", Decimal("20.00"), True), ("Paper", Decimal("15.00"), True)]


def test_an_amount_worked_out_from_the_total_is_flagged_so_it_cannot_vouch_for_it() -> None:
    from .test_line_items_receipts import _slip

    filled = _slip([("Thistle Corner", ""), ("16. Januar 2026 18:15", "Bon-Nr. 628578"),
                    ("1  Soup", ""), ("4  Chocolate bar", "36,48"), ("2  Croissant", "7,78"),
                    ("Summe EUR", "46,03"), ("EC-Karte", "46,03")])
    assert extract_line_items(filled).sum_from_totals
    read_all = _slip([("Thistle Corner", ""), ("16. Januar 2026 18:15", "Bon-Nr. 628578"),
                      ("1  Soup", "1,77"), ("4  Chocolate bar", "36,48"),
                      ("2  Croissant", "7,78"), ("Summe EUR", "46,03"), ("EC-Karte", "46,03")])
    assert not extract_line_items(read_all).sum_from_totals
