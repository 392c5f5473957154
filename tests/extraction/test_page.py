"""The page model, on a text-layer PDF and on the same bill OCR'd from an image."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billintake.extraction.page import PageModel
from billintake.reading.reader import read

from ._bills import Text, block, pdf_of, row


def _bill() -> list[Text]:
    return [
        Text(60, 50, "Nordlicht Software GmbH", 20, bold=True),
        *block(60, 80, ["Hafenstrasse 12", "20457 Hamburg"]),
        *block(60, 150, ["Bill to:", "Acme Ltd", "1 Main Street"]),
        *row(150, (350, "Invoice No.:"), (450, "RE-2024-0815")),
        *row(165, (350, "Invoice date:"), (450, "12.03.2024")),
        *row(300, (60, "Consulting"), (450, "100,00 EUR")),
        *row(340, (350, "Net:"), (450, "100,00 EUR")),
        *row(355, (350, "VAT 19%:"), (450, "19,00 EUR")),
        *row(370, (350, "Total:"), (450, "119,00 EUR")),
    ]


def _check(model: PageModel) -> None:
    texts = [line.text for line in model.lines]
    assert any("Nordlicht" in t for t in texts)
    kinds = {lab.field for hit in model.label_hits for lab in hit.labels}
    assert {"bill_number", "bill_date", "total"} <= kinds
    amounts = {s.value for s in model.spans_of("amount")}
    assert {Decimal("100.00"), Decimal("19.00"), Decimal("119.00")} <= amounts
    assert date(2024, 3, 12) in {s.value for s in model.spans_of("date")}
    assert any(s.value.replace("O", "0") == "RE-2024-0815" for s in model.spans_of("identifier"))
    assert "EUR" in {s.value for s in model.spans_of("currency")}
    # every span points at its own line, and its box lies on that line
    for span in model.spans:
        line = model.lines[span.line]
        assert line.page == span.page
        assert line.top - 2 <= (span.bbox[1] + span.bbox[3]) / 2 <= line.bottom + 2
    # the buyer's block is known, and the address lines stand in one block with the street
    buyer = next(i for i, t in enumerate(texts) if t.startswith("Acme"))
    street = next(i for i, t in enumerate(texts) if t.startswith("1 Main"))
    assert model.block_of[buyer] == model.block_of[street]
    line = model.lines[buyer]
    assert model.in_customer_block(line.page, line.bbox)


def test_page_model_of_a_text_layer_pdf() -> None:
    model = PageModel.build(read(pdf_of(_bill())))
    _check(model)
    title = next(i for i, line in enumerate(model.lines) if "Nordlicht" in line.text)
    assert model.font_rank[title] == 0.0  # the largest print on the page
    assert model.lines[title].bold
    assert all(w.source == "text" for line in model.lines for w in line.words)


def test_page_model_of_an_ocr_page() -> None:
    pdfium = pytest.importorskip("pypdfium2")
    import io

    pdf = pdfium.PdfDocument(pdf_of(_bill()))
    image = pdf[0].render(scale=200 / 72).to_pil().convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    doc = read(buffer.getvalue(), media_type="image/png")
    model = PageModel.build(doc)
    assert all(w.source == "ocr" for line in model.lines for w in line.words)
    assert any(w.confidence < 1.0 for line in model.lines for w in line.words)
    _check(model)


def test_an_ocr_line_whose_cents_were_set_apart_by_a_space_still_has_its_amount() -> None:
    from billintake_devkit.corpora import document_of_lines

    texts = ["Rounding Adjustment 0.02", "Total After Rounding 48. 95", "No. 12 Jalan 3. 4",
             "Item 2. 50%"]
    lines = tuple({"text": t, "box": [10, 20 + 20 * i, 300, 35 + 20 * i]}
                  for i, t in enumerate(texts))
    spans = PageModel.build(document_of_lines(lines)).spans_of("amount")
    assert [(s.text, s.value) for s in spans] == [("0.02", Decimal("0.02")),
                                                  ("48. 95", Decimal("48.95"))]
    # a text layer has its own spaces: there the two numbers stay apart
    printed = PageModel.build(read(pdf_of(row(100, (60, "Total After Rounding 48. 95")))))
    assert Decimal("48.95") not in {s.value for s in printed.spans_of("amount")}


def test_an_amount_after_a_misread_of_the_documents_currency_marker_is_an_amount() -> None:
    from billintake_devkit.corpora import document_of_lines

    texts = ["Parking Fee RMD.94", "GST(Included) 6.00 % RMO.06", "Total PM1.00", "Paid M1.00",
             "NO.59 JALAN PERMAS 9/5", "CHANGE RM 0.00", "TOTAL RM 14-10", "DATE 14-10-18",
             "TAX AMT (E) 6% RN 0.50 GST EXCL"]
    lines = tuple({"text": t, "box": [10, 20 + 20 * i, 300, 35 + 20 * i]}
                  for i, t in enumerate(texts))
    spans = PageModel.build(document_of_lines(lines)).spans_of("amount")
    assert [(s.text, s.value) for s in spans] == [
        ("RMD.94", Decimal("0.94")), ("RMO.06", Decimal("0.06")), ("PM1.00", Decimal("1.00")),
        ("M1.00", Decimal("1.00")), ("RM 0.00", Decimal("0.00")),
        ("RM 14-10", Decimal("14.10")), ("0.50", Decimal("0.50"))]  # once, not twice
    # without the marker printed anywhere, letters before a number stay a word
    alone = tuple({"text": t, "box": [10, 20 + 20 * i, 300, 35 + 20 * i]}
                  for i, t in enumerate(["Total PM1.00", "NO.59"]))
    assert PageModel.build(document_of_lines(alone)).spans_of("amount") == []


def _numbered(heading: str) -> PageModel:
    return PageModel.build(read(pdf_of([
        Text(60, 50, "Nordlicht Bau GmbH", 20, bold=True),
        Text(60, 150, heading, 11, bold=True),
        *row(300, (60, "Erdarbeiten"), (450, "100,00 EUR")),
        *row(340, (350, "Gesamtbetrag:"), (450, "100,00 EUR")),
    ])))


def test_a_number_of_several_words_before_a_date_phrase_is_one_identifier() -> None:
    model = _numbered("Teilrechnung Bau Nr. 210111 mit LV vom 30.05.2026")
    several = [s for s in model.spans_of("identifier") if len(s.words) > 1]
    assert [s.value for s in several] == ["210111 mit LV"]
    span = several[0]
    assert [w.text for w in span.words] == ["210111", "mit", "LV"]
    assert span.bbox[0] == span.words[0].bbox[0] and span.bbox[2] == span.words[-1].bbox[2]


@pytest.mark.parametrize("heading", [
    "Rechnung Nr. 210112 vom 06.06.2025",  # one word: the one-word span is the number
    "Rechnung Nr. 210112 mit LV",  # no date phrase closes it
    "Rechnung Nr. 210112 Kunde 4711 Projekt 12 Bau vom 06.06.2025",  # too many words
])
def test_no_number_of_several_words_without_a_closing_date_phrase(heading: str) -> None:
    model = _numbered(heading)
    assert not [s for s in model.spans_of("identifier") if len(s.words) > 1]


def test_identifier_candidates_say_whether_a_date_phrase_follows() -> None:
    from billintake.extraction.finders import identifiers

    found = {c.value: c.features for c in identifiers.candidates(
        _numbered("Invoice No. INV-2026-17 dated 1 May 2026"))}
    assert found["INV-2026-17"]["before_date_phrase"] == 1.0
    assert found["INV-2026-17"]["id_words"] == 1.0
    several = {c.value: c.features for c in identifiers.candidates(
        _numbered("Teilrechnung Nr. 210111 mit LV vom 30.05.2026"))}
    assert several["210111 mit LV"]["before_date_phrase"] == 1.0
    assert several["210111 mit LV"]["id_words"] == 3.0
    assert several["210111"]["before_date_phrase"] == 0.0
