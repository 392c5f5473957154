"""The label lexicon (`patterns/labels.jsonl`, its one source) and the `field_labels` component
of the spaCy pipeline that finds its labels for the header extractor and the scorer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from billintake.extraction import header, labels, model, nlp
from billintake.extraction.layout import Layout
from billintake.extraction.vocabulary.normalize import compact
from billintake.reading.document import Page, ReadDocument, Word

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def component() -> nlp.FieldLabels:
    return nlp.label_component(nlp.build_rules_pipeline())


def phrase_labels(component: nlp.FieldLabels, *phrases: str, ocr: bool = False,
                  group: str = "field_labels") -> list[tuple[str, list[tuple[str, float]]]]:
    """Run the component over phrases of words; (words matched, [(field, strength)])."""
    words = [[Word(text=t, x0=0, top=0, x1=1, bottom=1) for t in p.split(" ")] for p in phrases]
    doc = component(nlp.words_doc(component_vocab, words, [ocr] * len(words)))
    return [(span.text, [(lab.field, lab.strength) for lab in span._.labels])
            for span in doc.spans[group]]


component_vocab = nlp.build_rules_pipeline().vocab


def fields(found: list[tuple[str, list[tuple[str, float]]]]) -> list[tuple[str, set[str]]]:
    return [(text, {f for f, _ in labs}) for text, labs in found]


# --- the lexicon file -------------------------------------------------------------------------

def test_every_row_has_a_kind_a_field_a_strength_and_a_language() -> None:
    rows = labels.read_lexicon()
    assert len(rows) > 500
    for row in rows:
        assert row["label"] in labels.KINDS, row
        assert isinstance(row["id"], str) and row["id"], row
        assert isinstance(row["strength"], float | int) and 0 < row["strength"] <= 1, row
        assert isinstance(row["lang"], str) and len(row["lang"]) == 2, row
        assert compact(str(row["pattern"])), row
    kinds = {row["label"] for row in rows}
    assert kinds == set(labels.KINDS)
    langs = {row["lang"] for row in rows if row["label"] == labels.FIELD_LABEL}
    assert {"en", "de", "fr", "nl"} <= langs


def test_labels_py_holds_no_lexicon_of_its_own() -> None:
    tree = ast.parse((ROOT / "src/billintake/extraction/labels.py").read_text())
    literals = [node for node in ast.walk(tree) if isinstance(node, ast.List | ast.Tuple | ast.Set)
                and sum(isinstance(e, ast.Constant) and isinstance(e.value, str)
                        for e in node.elts) > 12]
    assert not literals, "label texts belong in patterns/labels.jsonl"


def test_the_header_reads_exactly_the_labels_in_the_file(component: nlp.FieldLabels) -> None:
    rows = labels.read_lexicon()
    assert component.rows == rows
    assert component.index == labels.index_lexicon(rows)
    expected: dict[str, dict[str, float]] = {}
    for row in rows:
        if row["label"] == labels.FIELD_LABEL and row["id"] in labels.EXTRACTED_FIELDS:
            by_field = expected.setdefault(compact(str(row["pattern"])), {})
            field = str(row["id"])
            by_field[field] = max(by_field.get(field, 0.0), float(row["strength"]))
    for key, by_field in expected.items():
        got = {lab.field: lab.strength for lab in header.label_lookup(key) or []}
        assert got == by_field, key
    # and vendor.py's "is this a label?" check sees the same extracted-field labels
    assert set(labels.LABELS) == set(expected)


# --- the component ----------------------------------------------------------------------------

def test_labels_come_with_their_field_and_strength(component: nlp.FieldLabels) -> None:
    assert phrase_labels(component, "Invoice Number: INV-7") == [
        ("Invoice Number:", [("bill_number", 1.0)])]
    assert phrase_labels(component, "Invoice INV-7") == [
        ("Invoice", [("bill_number", 0.75), ("document_type", 1.0)])]
    found = dict(phrase_labels(component, "Amount due 12.00"))
    assert ("total", 0.8) in found["Amount due"] and ("amount_due", 1.0) in found["Amount due"]


@pytest.mark.parametrize(("phrase", "matched", "field"), [
    ("Invoice No.: 17", "Invoice No.:", "bill_number"),
    ("INVOICE NO 17", "INVOICE NO", "bill_number"),
    ("F actuurnummer 17", "F actuurnummer", "bill_number"),  # OCR split a word
    ("Document Nr. 17", "Document Nr.", "bill_number"),  # another spelling of "number"
    ("Your PO 4411", "Your PO", "po_number"),
    ("GST/HST 13.00", "GST/HST", "tax"),
    ("GST/HST No. 1234", "GST/HST No.", "vendor_tax_id"),
    ("Date d'échéance 03.05.2026", "Date d'échéance", "due_date"),
    ("Totaal excl. BTW 100,00", "Totaal excl. BTW", "subtotal"),
    ("10:21Transactie 24234", "10:21Transactie", "bill_number"),  # a time run into it
])
def test_label_variants_match_by_compact_keys(component: nlp.FieldLabels, phrase: str,
                                              matched: str, field: str) -> None:
    found = fields(phrase_labels(component, phrase))
    assert found[0] == (matched, {field})


def test_an_ocr_misread_label_counts_at_the_start_of_an_ocr_phrase(component) -> None:
    assert phrase_labels(component, "Rechnungsdatvm 03.04.2026", ocr=True) == [
        ("Rechnungsdatvm", [("bill_date", 0.9)])]
    assert phrase_labels(component, "Rechnungsdatvm 03.04.2026") == []  # not in a text layer


def test_a_label_of_another_field_blocks_only_where_it_outgrows(component) -> None:
    assert fields(phrase_labels(component, "Delivery date 03.04.2026")) == [
        ("Delivery date", {"other_date"})]  # not "Delivery" (shipping) + "date"
    assert fields(phrase_labels(component, "Customer No: C-99")) == [
        ("Customer No:", {"customer_number"})]
    assert fields(phrase_labels(component, "Tax Invoice")) == [("Tax Invoice", {"document_type"})]
    assert fields(phrase_labels(component, "Tax Invoice No 17")) == [
        ("Tax Invoice No", {"bill_number"})]
    # "Please pay" (amount due) would cut "pay by" (the due date) short: it yields
    assert fields(phrase_labels(component, "Please pay by 03.05.2026")) == [
        ("pay by", {"due_date"})]


def test_customer_vendor_and_payment_labels(component: nlp.FieldLabels) -> None:
    assert phrase_labels(component, "Bill To:", "Ship to", group="customer_labels") == [
        ("Bill To:", [("buyer", 1.0)]), ("Ship to", [("buyer", 1.0)])]
    assert phrase_labels(component, "Remit to: Acme", group="vendor_labels") == [
        ("Remit to:", [("vendor", 1.0)])]
    assert fields(phrase_labels(component, "Tip 2.00", "Change due 1.50",
                                group="payment_labels")) == [
        ("Tip", {"tip"}), ("Change due", {"change"})]


def test_only_a_word_after_digits_is_a_glued_label(component: nlp.FieldLabels) -> None:
    assert phrase_labels(component, "2No 17") == []  # "no" is too short to stand glued
    assert phrase_labels(component, "500ml Water") == []


def test_labels_never_join_two_phrases(component: nlp.FieldLabels) -> None:
    assert fields(phrase_labels(component, "Due", "Date")) == [
        ("Due", {"due_date"}), ("Date", {"bill_date"})]  # not "Due Date" across two phrases


# --- on a page: the header's blocks come from the component -----------------------------------

def _page(*rows: tuple[float, float, str]) -> Layout:
    words: list[Word] = []
    for x, top, text in rows:
        for piece in text.split():
            words.append(Word(text=piece, x0=x, top=top, x1=x + 6 * len(piece), bottom=top + 10))
            x += 6 * len(piece) + 4
    page = Page(number=1, width=595, height=842, words=words)
    return Layout.of(ReadDocument(media_type="application/pdf", pages=[page]))


def test_customer_and_vendor_blocks_of_a_page() -> None:
    layout = _page((40, 40, "Remit to: Northwind Ltd"), (340, 40, "Bill to:"),
                   (340, 54, "Contoso Inc."), (40, 120, "Invoice No: INV-1"),
                   (40, 134, "Customer No: C-99"))
    boxes = header.customer_blocks(layout)  # "Bill to:" and "Customer No:" open one
    assert len(boxes) == 2
    assert any(page == 1 and box[0] < 345 < box[2] and box[1] < 54 < box[3]
               for page, box in boxes)
    (seg, after), = header.vendor_label_segments(layout)
    assert seg.text == "Remit to: Northwind Ltd" and after == 2
    hits = [(h.segment.text, [lab.field for lab in h.labels])
            for h in header.find_label_hits(layout)]
    assert ("Invoice No: INV-1", ["bill_number"]) in hits
    assert ("Customer No: C-99", ["customer_number"]) in hits  # a blocker, not a bill number
    # the same Doc serves every kind: found once per layout
    assert nlp.layout_labels(layout, model.load()) is nlp.layout_labels(layout, model.load())
