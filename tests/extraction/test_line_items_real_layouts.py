"""Items tables as real e-invoice generators print them: stacked header labels, the totals
block and document allowances under the items, figures half-way down a cell of text lines,
descriptions wrapped at hyphens, a table running on to the next page."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.line_items import extract_line_items
from billintake.reading.document import Line, Page, ReadDocument, Word

Placed = list[tuple[float, list[tuple[str, float]]]]  # (top, [(text, x0)])


def _page(number: int, rows: Placed, size: float = 7.0) -> Page:
    words = []
    for top, cells in rows:
        for text, x in cells:
            x0 = x
            for token in text.split():
                width = 0.5 * size * len(token)
                words.append(Word(text=token, x0=x0, top=top, x1=x0 + width,
                                  bottom=top + size))
                x0 += width + 0.3 * size
    return Page(number=number, width=595, height=842, words=words, lines=[Line(words=words)])


def _items(*pages: Placed) -> list[tuple[str, Decimal | None, Decimal | None]]:
    doc = ReadDocument(media_type="application/pdf",
                       pages=[_page(n, rows) for n, rows in enumerate(pages, start=1)])
    return [(i.description, i.quantity, i.amount) for i in extract_line_items(doc).items]


# German visualisation of an e-invoice: one header row, the totals block as its own section
FERD_HEADER = [("Pos", 66), ("Referenzen", 126), ("Beschreibung", 186), ("Nettopreis", 278),
               ("MengeEinheit", 345), ("Steuersatz", 457), ("Nettobetrag", 505)]


def _ferd_item(top: float, pos: str, lines: list[str], price: str, qty: str, amount: str
               ) -> Placed:
    rows: Placed = [(top, [(pos, 66), ("Art-Nr-Kunde:", 126), (lines[0], 186), (price, 290),
                           (qty, 355), ("19%", 471), (amount, 520)])]
    for n, text in enumerate(lines[1:], start=1):
        rows.append((top + 6.8 * n, [("Art-Nr-Lieferant:", 126), (text, 186)]))
    rows.append((top + 6.8 * len(lines) + 11.0, [("Bruttopreis :" + price, 186)]))
    return rows


def test_the_totals_block_is_not_read_as_items() -> None:
    page: Placed = [(98.0, FERD_HEADER),
                    *_ferd_item(117.0, "000001", ["GWDSTG-DIN976-", "A-4.8-M10X1000"], "2,06",
                                "25Stk", "51,50"),
                    *_ferd_item(180.0, "000002", ["Kaffee Espresso"], "18,90", "2Stk", "37,80"),
                    (260.0, [("Umsatzsteueraufschlüsselung", 63)]),
                    (280.0, [("Art (Kategorie)", 66), ("Warenwert", 196), ("Basisbetrag", 355),
                             ("Steuersatz [%]", 428), ("Steuerbetrag", 503)]),
                    (300.0, [("Umsatzsteuer (S)", 66), ("89,30", 362), ("19", 454),
                             ("16,97", 517)]),
                    (340.0, [("Positionssumme", 226), ("89,30", 517)]),
                    (365.0, [("Gesamtbetrag der Zuschläge", 226), ("0,00", 521)]),
                    (390.0, [("Rechnungssumme ohne USt.", 226), ("89,30", 517)]),
                    (415.0, [("Bruttosumme", 226), ("106,27", 517)]),
                    (440.0, [("Zahlbetrag", 226), ("106,27", 517)])]
    assert _items(page) == [("GWDSTG-DIN976-A-4.8-M10X1000", Decimal(25), Decimal("51.50")),
                            ("Kaffee Espresso", Decimal(2), Decimal("37.80"))]


def test_a_sum_line_under_the_price_columns_ends_the_table() -> None:
    page: Placed = [(339.0, [("Pos.", 105), ("Artikelbeschreibung", 125), ("Menge", 347),
                             ("Preis", 429), ("Betrag", 494)]),
                    (358.0, [("1", 120), ("Superdrachen", 130), ("2", 376), ("20,00", 428),
                             ("40,00", 501)]),
                    (378.0, [("2", 120), ("Turbo Flyer", 130), ("5", 376), ("40,00", 428),
                             ("200,00", 495)]),
                    (397.0, [("Rechnungssumme netto", 329), ("240,00", 495)]),
                    (416.0, [("zuzüglich 19% MwSt.", 344), ("45,60", 495)]),
                    (436.0, [("Rechnungssumme brutto", 323), ("285,60", 486)])]
    assert [d for d, _, _ in _items(page)] == ["Superdrachen", "Turbo Flyer"]


def test_a_row_adding_up_the_items_ends_the_table_whatever_its_label() -> None:
    page: Placed = [(399.0, [("Description", 123), ("Quantité", 269), ("Prix Unitaire HT", 326),
                             ("TVA", 414), ("Total HT", 481)]),
                    (418.0, [("Chambre du 09/08 au 15/08", 59), ("6", 287), ("205,90", 343),
                             ("10 %", 413), ("1.235,40", 476)]),
                    (436.0, [("Forfait taxe de séjour", 101), ("6", 287), ("1,65", 352),
                             ("0 %", 416), ("9,90", 486)]),
                    (480.0, [("Taux", 44), ("Prix HT", 136), ("Montant", 253),
                             ("1.245,30", 503)]),
                    (501.0, [("10,00 %", 44), ("1.235,40", 120), ("123,54", 193),
                             ("1.358,94", 269), ("0,00", 523)])]
    assert [a for _, _, a in _items(page)] == [Decimal("1235.40"), Decimal("9.90")]


def test_document_allowances_and_charges_printed_in_the_table_are_not_items() -> None:
    page: Placed = [(369.0, [("Ligne", 90), ("NOM & DESIGNATION", 153), ("P.U. HT", 296),
                             ("Qté", 368), ("TOTAL HT", 442), ("TVA", 485)]),
                    (390.0, [("1", 95), ("PRESTATION SUPPORT", 153), ("60,00", 316),
                             ("1,00", 377), ("60,00", 458), ("0,00%", 482)]),
                    (410.0, [("2", 95), ("APPEL", 153), ("7,00", 319), ("1,00", 377),
                             ("7,00", 461), ("20,00%", 480)]),
                    (450.0, [("REMISE : REMISE COMMERCIALE", 153), ("5,00% sur 67,00 EUR", 333),
                             ("-3,35", 460), ("20,00%", 480)]),
                    (460.0, [("CHARGE : FRAIS DEPLACEMENT", 153), ("10,00% sur 67,00 EUR", 333),
                             ("6,70", 459), ("20,00%", 480)])]
    assert [d for d, _, _ in _items(page)] == ["PRESTATION SUPPORT", "APPEL"]


def test_header_labels_stacked_over_three_rows_make_one_header() -> None:
    page: Placed = [(373.0, [("No", 34), ("Référence", 69), ("Désignation", 236),
                             ("Quantité", 305), ("Prix", 354), ("Remise", 403), ("Montant", 495),
                             ("Taux", 545)]),
                    (384.7, [("Ligne", 34), ("Fournis-", 69), ("Unitaire", 354), ("Ligne", 403),
                             ("H.T", 495), ("TVA", 545)]),
                    (396.3, [("seur", 69), ("de Base", 354), ("ligne", 495), ("Ligne", 545)]),
                    (408.3, [("1", 34), ("PROD1", 69), ("PRODUIT 1", 236), ("181", 316),
                             ("91,00", 354), ("16471,00", 495), ("20%", 545)]),
                    (432.3, [("2", 34), ("PROD2", 69), ("PRODUIT 2", 236), ("135", 316),
                             ("85,00", 354), ("11475,00", 495), ("20%", 545)]),
                    (468.2, [("Total H.T.", 71), ("27946,00", 496)])]
    assert _items(page) == [("PRODUIT 1", Decimal(181), Decimal("16471.00")),
                            ("PRODUIT 2", Decimal(135), Decimal("11475.00"))]


def test_figures_half_way_down_a_cell_take_the_text_lines_around_them() -> None:
    def item(top: float, pos: str, first: str, second: str, amount: str) -> Placed:
        return [(top, [(first, 153)]),
                (top + 4.6, [(pos, 95), ("10,00", 316), ("1,00", 377), (amount, 458)]),
                (top + 9.2, [(second, 153)])]

    page: Placed = [(369.0, [("Ligne", 90), ("Désignation", 153), ("P.U. HT", 296),
                             ("Qté", 368), ("Total HT", 442)]),
                    *item(390.0, "1", "SUPPORT - Description", "Période de janvier", "10,00"),
                    *item(403.0, "2", "PAPIER - Description", "Période de février", "10,00"),
                    *item(416.0, "3", "APPEL - Description", "Période de mars", "10,00"),
                    (460.0, [("TOTAL HT", 348), ("30,00", 458)])]
    assert [d for d, _, _ in _items(page)] == [
        "SUPPORT - Description Période de janvier", "PAPIER - Description Période de février",
        "APPEL - Description Période de mars"]


def test_a_table_continued_on_the_next_page_is_read_whole() -> None:
    first: Placed = [(98.0, FERD_HEADER),
                     *_ferd_item(117.0, "000001", ["Schiene BEF"], "198,54", "2Stk", "397,08"),
                     *_ferd_item(180.0, "000002", ["FESTPKT-", "TYPXY 987654"], "102,75", "4Stk",
                                 "411,00"),
                     (818.0, [("Seite 1 von 2", 503)])]
    second: Placed = [(97.0, FERD_HEADER),
                      (116.0, [("• Lieferschein Nr. 8408230047 vom 27.08.2026", 186)]),
                      *_ferd_item(192.0, "000003", ["Spezial-Artikel A"], "16,80", "1Stk",
                                  "16,80"),
                      (300.0, [("Positionssumme", 226), ("824,88", 517)]),
                      (325.0, [("Zahlbetrag", 226), ("824,88", 517)])]
    assert _items(first, second) == [
        ("Schiene BEF", Decimal(2), Decimal("397.08")),
        ("FESTPKT-TYPXY 987654", Decimal(4), Decimal("411.00")),
        ("Spezial-Artikel A", Decimal(1), Decimal("16.80"))]
