"""Locating known values on read pages: the kinds of print real bills use, and near misses
that must not count. Pages are built from positioned words (5 pt a character, 10 pt high)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billintake.extraction.learn.locate import Locator
from billintake.reading.document import Page, ReadDocument, Word
from billintake.reading.layout import build_lines

Cell = tuple[float, str]  # x, text (words split on spaces, one space = 5 pt)


def document(*pages: list[tuple[float, list[Cell]]]) -> ReadDocument:
    """Pages of rows: each row a top y and its cells."""
    read_pages = []
    for number, rows in enumerate(pages, start=1):
        words: list[Word] = []
        for top, cells in rows:
            for x, text in cells:
                for token in text.split(" "):
                    if token:
                        words.append(Word(text=token, x0=x, top=top, x1=x + 5 * len(token),
                                          bottom=top + 10))
                    x += 5 * (len(token) + 1)
        read_pages.append(Page(number=number, width=595, height=842, words=words,
                               lines=build_lines(words)))
    return ReadDocument(media_type="application/pdf", pages=read_pages)


def texts(spans) -> list[str]:  # type: ignore[no-untyped-def]
    return [span.text for span in spans]


GERMAN = document([
    (40, [(40, "Rechnung Nr. 2019-03"), (400, "Datum: 8. Mai 2019")]),
    (60, [(40, "USt-IdNr: DE 123 456 789"), (400, "Fällig: 20260815")]),
    (100, [(40, "1 Superdrachen"), (300, "2"), (340, "20,00"), (450, "40,00")]),
    (120, [(40, "2 Turbo Flyer"), (300, "5"), (340, "40,00"), (450, "200,00")]),
    (160, [(300, "Summe netto"), (450, "27946 ,00")]),
    (180, [(300, "MwSt. 19%"), (450, "5 589,20")]),
    (200, [(300, "Summe brutto"), (450, "33.535,20 €")]),
    (220, [(40, "Zahlbar bis 01.01.0001, Artikel 000001, Version 1.5")]),
])


def test_amounts_to_the_cent_with_the_documents_decimal_mark() -> None:
    locator = Locator(GERMAN, currency="EUR")
    assert locator.decimal_mark == ","
    assert texts(locator.amount(Decimal("40.00"))) == ["40,00", "40,00"]  # every print
    assert texts(locator.amount(Decimal("5589.20"))) == ["5 589,20"]
    assert texts(locator.amount(Decimal("33535.20"))) == ["33.535,20 €"]
    assert texts(locator.amount(Decimal("-33535.20"))) == ["33.535,20 €"]  # a credit note's
    assert locator.amount(Decimal("33535.21")) == []


def test_a_number_the_text_layer_split_is_read_whole() -> None:
    assert texts(Locator(GERMAN).amount(Decimal("27946"))) == ["27946 ,00"]


def test_padded_numbers_and_the_other_decimal_mark_are_no_amounts() -> None:
    locator = Locator(GERMAN)
    assert locator.amount(Decimal("1")) == []  # "000001" is a position number
    assert locator.amount(Decimal("1.5")) == []  # "1.5" on a page written with decimal commas


def test_dates_in_every_printed_form() -> None:
    locator = Locator(GERMAN, currency="EUR")
    assert texts(locator.date(date(2019, 5, 8))) == ["8. Mai 2019"]
    assert texts(locator.date(date(2026, 8, 15))) == ["20260815"]
    assert texts(locator.date(date(1, 1, 1))) == ["01.01.0001,"]  # a placeholder year
    assert locator.date(date(2019, 5, 9)) == []


def test_identifiers_by_letters_and_digits_across_words() -> None:
    locator = Locator(GERMAN)
    [tax_id] = locator.identifier("DE123456789")
    assert tax_id.text == "DE 123 456 789" and len(tax_id.words) == 4
    assert texts(locator.identifier("2019-03")) == ["2019-03"]
    assert locator.identifier("DE12345") == []  # a beginning is not the identifier


def test_identifier_inside_a_longer_token_is_not_found_but_leading_zeros_are_dropped() -> None:
    doc = document([(40, [(40, "Ref: F20180023BUYER")]), (60, [(40, "Bestellung: 1023456789")])])
    locator = Locator(doc)
    assert locator.identifier("F20180023") == []
    assert texts(locator.identifier("00000001023456789")) == ["1023456789"]


def test_identifier_wrapped_in_a_table_cell() -> None:
    doc = document([
        (40, [(40, "Bank"), (200, "IBAN"), (400, "Giro No.")]),
        (52, [(40, "Weltweit"), (200, "DE67 1004 8392 7221"), (400, "888-9999")]),
        (64, [(200, "8882 72")]),
    ])
    [iban] = Locator(doc).identifier("DE67100483927221888272")
    assert iban.text == "DE67 1004 8392 7221 8882 72"
    assert iban.bbox[1] == 52 and iban.bbox[3] == 74


def test_names_closely_spelt_on_one_line_but_not_another_partys_similar_name() -> None:
    doc = document([
        (40, [(40, "LOGO LE FOURNISSEUR FACTURE")]),
        (60, [(40, "Musterkaeufer GmbH")]),
        (80, [(40, "FOURNISSEUR F SARL au capital de 50 000 EUR")]),
        (100, [(40, "1, rue de l'acheteur")]),
        (120, [(40, "L'ACHETEUR")]),
    ])
    locator = Locator(doc)
    assert texts(locator.name("LE FOURNISSEUR")) == ["LE FOURNISSEUR"]
    assert texts(locator.name("Musterkäufer GmbH")) == ["Musterkaeufer GmbH"]
    assert texts(locator.name("L'ACHETEUR")) == ["L'ACHETEUR"]  # not the street's
    assert locator.name("Kraxi GmbH") == []


def test_currency_by_code_sign_or_word() -> None:
    doc = document([(40, [(40, "Total Due: €59,50")]), (60, [(40, "Devise: Euro (EUR)")]),
                    (80, [(40, "Paid $12.00")])])
    locator = Locator(doc)
    assert texts(locator.currency("EUR")) == ["€59,50", "Euro", "(EUR)"]
    assert texts(locator.currency("CAD")) == ["$12.00"]
    assert locator.currency("GBP") == []


def test_line_item_description_and_amount_on_one_row() -> None:
    hit = Locator(GERMAN).line_item("Turbo Flyer", Decimal("200.00"), quantity=Decimal("5"),
                                    unit_price=Decimal("40.00"))
    assert hit is not None and hit.amount is not None
    assert hit.description.text == "Turbo Flyer"
    assert (hit.amount.text, hit.amount.bbox[0]) == ("200,00", 450)
    assert hit.quantity is not None and hit.quantity.text == "5"
    assert hit.unit_price is not None and hit.unit_price.text == "40,00"
    # 20,00 is printed on the row above, another item's: not this item's amount
    assert Locator(GERMAN).line_item("Turbo Flyer", Decimal("20.00")) is None


def test_description_set_above_its_numbers() -> None:
    doc = document([
        (40, [(40, "GWDSTG-DIN976-A-4.8-(A2K)-M10X1000"), (300, "0595810 25")]),
        (52, [(40, "1"), (300, "25,00 pcs"), (360, "2,06"), (400, "19,00"), (450, "51,50")]),
    ])
    hit = Locator(doc).line_item("GWDSTG-DIN976-A-4.8-(A2K)-M10X1000", Decimal("51.50"))
    assert hit is not None and hit.amount is not None
    assert (hit.description.bbox[1], hit.amount.bbox[1]) == (40, 52)


def test_wrapped_description_found_by_its_first_line_and_the_amount_on_the_right() -> None:
    doc = document([
        (40, [(40, "01.02"), (80, "Pflasterfläche"), (200, "480,00"), (300, "1Stk"),
              (450, "480,00")]),
        (52, [(80, "vorbereiten, Planum")]),
    ])
    hit = Locator(doc).line_item("Pflasterfläche vorbereiten, Planum herstellen",
                                 Decimal("480"), quantity=Decimal("1"),
                                 unit_price=Decimal("480"))
    assert hit is not None and hit.amount is not None and hit.unit_price is not None
    assert hit.description.text == "Pflasterfläche"
    assert (hit.amount.bbox[0], hit.unit_price.bbox[0]) == (450, 200)
    assert hit.quantity is not None and hit.quantity.text == "1Stk"
