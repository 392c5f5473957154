"""Header fields on layouts seen on real bills: a number after the document's title, parties'
blocks of labelled fields, qualified date labels, a letter's place and date, company numbers and
names printed over two lines."""

from __future__ import annotations

from datetime import date

from billintake.extraction.finders import names
from billintake.extraction.page import PageModel
from billintake.extraction.vendor import clean_name, role_share
from billintake.reading.reader import read

from ._bills import block, extract, pdf_of, row


def _field_list(y: float, heading: str, fields: list[tuple[str, str]]) -> list:  # type: ignore[type-arg]
    """A party's block as a labelled field list: the heading, then "Label:  value" rows."""
    out = block(66, y, [heading], bold_first=True)
    for i, (label, value) in enumerate(fields, start=1):
        out += row(y + 13 * i, (66, label), (305, value))
    return out


def _visualised_invoice() -> list:  # type: ignore[type-arg]
    """An e-invoice printed as field lists (as e-invoice viewers print them)."""
    return [*row(40, (66, "Stylesheet-Version:"), (261, "2.6 vom 10.11.2025")),
            *block(63, 80, ["Handelsrechnung (380) Nr. 471102 vom 15.11.2024"], bold_first=True),
            *row(95, (66, "Währung:"), (305, "EUR")),
            *_field_list(140, "Verkäufer", [("Nummer:", "549910"), ("Name:", "Handwerker GmbH"),
                                            ("Anschrift:", "Handwerkerstraße 20")]),
            *_field_list(220, "Käufer/Leistungsempfänger",
                         [("Nummer:", "GE2020211"), ("Name:", "Kunden AG Mitte"),
                          ("Anschrift:", "Kundenstraße 15")]),
            *row(320, (226, "Bruttosumme"), (513, "3.273,00")),
            *row(340, (226, "Zahlbetrag"), (513, "3.273,00"))]


def test_the_number_after_the_documents_title_is_the_bill_number_and_its_date_the_bill_date(
) -> None:
    bill = extract(_visualised_invoice())
    assert bill.value("bill_number") == "471102"  # not the seller's "Nummer:" 549910
    assert bill.value("bill_date") == date(2024, 11, 15)  # not the stylesheet's date above it


def test_the_name_in_the_sellers_field_list_is_the_vendor_not_the_buyers() -> None:
    assert extract(_visualised_invoice()).value("vendor_name") == "Handwerker GmbH"


def test_a_date_label_followed_by_a_qualifier_is_another_date() -> None:
    page = [*block(44, 40, ["LE VENDEUR SARL", "35 rue d'ici", "75018 PARIS"], bold_first=True),
            *row(40, (295, "FACTURE N° :"), (458, "F20220026")),
            *row(58, (295, "Date :"), (461, "31/01/2022")),
            *block(44, 160, ["DATE DE DEBUT DE PRESTATION : 01/01/2022",
                             "DATE DE FIN DE PRESTATION : 31/12/2022"]),
            *row(300, (326, "NET A PAYER"), (461, "90,00 EUR"))]
    bill = extract(page)
    assert bill.value("bill_number") == "F20220026"
    assert bill.value("bill_date") == date(2022, 1, 31)


def test_a_letters_place_and_date_is_the_bill_date_and_no_vendor() -> None:
    page = [*block(180, 30, ["Alphabet Fuhrparkmanagement GmbH",
                             "Lilienthalallee 26, 80786 München"], bold_first=True),
            *row(170, (330, "Rechnungsnummer:"), (438, "2015738820")),
            *row(182, (330, "München, den"), (438, "01.11.2024")),
            *row(260, (43, "Rechnung")),
            *row(300, (43, "Gesamtbetrag"), (480, "1.190,00")),
            *row(780, (428, "Datum:"), (446, "30.10.2024"))]
    bill = extract(page)
    assert bill.value("bill_date") == date(2024, 11, 1)
    assert bill.value("vendor_name") == "Alphabet Fuhrparkmanagement GmbH"


def test_a_company_number_or_an_owner_label_is_no_part_of_a_name() -> None:
    assert clean_name("99 SPEED MART S/B (519537-X)") == "99 SPEED MART S/B"
    assert clean_name("GARDENIA BAKERIES (KL) SDN BHD (139386 X)") == \
        "GARDENIA BAKERIES (KL) SDN BHD"
    assert clean_name("MOONLIGHT CAKE HOUSE SDN BHD 862725-U") == "MOONLIGHT CAKE HOUSE SDN BHD"
    assert clean_name("DION REALTIES SDN BHD (CO. NO:20154-T)") == "DION REALTIES SDN BHD"
    assert clean_name("SUPPLIER: CHEF LEE SDN BHD") == "CHEF LEE SDN BHD"
    assert clean_name("THE STORE (MALAYSIA) SDN BHD") == "THE STORE (MALAYSIA) SDN BHD"
    assert clean_name("Total: 12") == "Total"  # a label that is no vendor label stays


def _wrapped_slip() -> list:  # type: ignore[type-arg]
    return [*block(55, 40, ["POPULAR BOOK"], size=18),
            *block(40, 62, ["CO. (M) SDN BHD"], size=18),
            *block(40, 90, ["NO 8, JALAN 7/118B, DESA TUN RAZAK", "56000 KUALA LUMPUR"]),
            *row(160, (20, "TOMBOW C/TAPE"), (230, "19.78")),
            *row(180, (20, "TOTAL"), (230, "19.78")),
            *row(195, (20, "CASH"), (230, "20.00"))]


def test_a_name_printed_over_two_lines_is_one_vendor() -> None:
    assert extract(_wrapped_slip()).value("vendor_name") == "POPULAR BOOK CO. (M) SDN BHD"


def test_the_name_finder_marks_a_name_that_goes_on_over_two_lines() -> None:
    page = PageModel.build(read(pdf_of(_wrapped_slip())))
    found = {c.value: c.features for c in names.candidates(page)}
    assert found["POPULAR BOOK CO. (M) SDN BHD"]["goes_on"] == 1.0
    assert "CO. (M) SDN BHD" not in found  # the rest of the name begun above: no name itself
    assert "POPULAR BOOK" not in found  # cut short: the line below only goes on with it


def _placeholder_seller() -> list:  # type: ignore[type-arg]
    """A seller's block opened by a placeholder line ("SELLER TRADE NAME"), the buyer's
    block beside it under its heading, and a footer's legal sentence naming the company."""
    return [*row(40, (296, "FACTURE N° :"), (428, "F20220023")),
            *row(55, (296, "Date :"), (431, "31/01/2022")),
            *block(90, 70, ["SELLER TRADE NAME", "LE VENDEUR", "35 rue d'ici",
                            "75018 PARIS, FR", "SIREN : 123 456 782"], bold_first=True),
            *block(303, 70, ["Adresse du Client", "LE CLIENT", "MON ADRESSE LIGNE 1",
                             "06000 MA VILLE, FR"]),
            *row(300, (60, "Service"), (458, "100,00")),
            *row(700, (320, "NET A PAYER"), (429, "120,00 EUR")),
            *row(790, (100, "VENDEUR V SARL au capital de 50 000 EUR - RCS MAVILLE 123 456 782"),
                 size=7)]


def test_a_placeholder_line_and_a_footers_sentence_are_not_the_vendor() -> None:
    assert extract(_placeholder_seller()).value("vendor_name") == "LE VENDEUR"


def test_a_party_heading_heads_its_own_column_only() -> None:
    """The buyer's heading beside the seller's block does not put the seller in the buyer's
    block; a placeholder line is all role words, a name is not."""
    page = PageModel.build(read(pdf_of(_placeholder_seller())))
    found = {c.value: c for c in names.candidates(page)}
    from billintake.extraction.finders import context

    for cand in found.values():
        context.add_features(page, cand)
    assert found["LE VENDEUR"].features.get("section_buyer", 0.0) == 0.0
    assert found["LE CLIENT"].features.get("section_buyer", 0.0) > 0.0
    assert role_share("SELLER TRADE NAME") == 1.0
    assert role_share("LE VENDEUR") < 1.0


def test_a_field_with_its_value_is_not_a_buyers_block() -> None:
    """"Guest Name: Sanjay" names the guest, not a block: the hotel's name under it stands
    outside the buyer's block."""
    page = [*block(120, 44, ["PAYMENT RECEIPT"], bold_first=True),
            *row(79, (42, "Guest Name: Sanjay"), (420, "Date: 31/12/2017")),
            *row(110, (46, "Hotel Details"), (317, "Check In")),
            *row(121, (46, "OYO 4189 Resort Nanganallur,"), (317, "31/12/2017")),
            *row(269, (51, "Grand Total"), (503, "Rs 1939"))]
    model = PageModel.build(read(pdf_of(page)))
    hotel = next(line for line in model.lines if line.text.startswith("OYO"))
    guest = next(line for line in model.lines if line.text.startswith("Guest"))
    assert not model.in_customer_block(hotel.page, hotel.bbox)
    assert model.in_customer_block(guest.page, guest.bbox)
