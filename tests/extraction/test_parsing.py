"""Amounts, dates and currencies as bills print them, in each locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from billintake.extraction.parsing import (
    detect_currency,
    find_amounts,
    find_dates,
    infer_dayfirst,
    infer_decimal_mark,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("$1,234.50", "1234.50"),
    ("1.234,50 €", "1234.50"),
    ("1 234,50", "1234.50"),
    ("1\u202f234,50 €", "1234.50"),
    ("CHF 1'234.50", "1234.50"),
    ("(12.00)", "-12.00"),
    ("12.00-", "-12.00"),
    ("€ -9,32", "-9.32"),
    ("Rs 1939", "1939"),
    ("£82.71", "82.71"),
    ("EUR 4.053,67", "4053.67"),
    ("45,93 €", "45.93"),
    ("0,75 €", "0.75"),
    ("14,78,629.01", "1478629.01"),  # Indian lakh grouping
    ("₹ 1,23,456.00", "123456.00"),
])
def test_amounts_in_each_locale(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


def test_a_lone_three_digit_group_follows_the_documents_decimal_mark() -> None:
    assert parse_amount("1,234") == Decimal("1234")
    assert parse_amount("1,234", ",") == Decimal("1.234")
    assert parse_amount("1.234", ".") == Decimal("1.234")


@pytest.mark.parametrize("text", ["", "abc", "12/03/2026", "1.2.3", "INV-2024"])
def test_non_amounts_are_refused(text: str) -> None:
    assert parse_amount(text) is None


def test_find_amounts_skips_rates_and_glued_codes() -> None:
    found = [value for value, _ in find_amounts("Tax 15% on $ 112.90 $ 16.94")]
    assert found == [Decimal("112.90"), Decimal("16.94")]
    assert [v for v, _ in find_amounts("Umsatzsteuer 8.1% 885.06")] == [Decimal("885.06")]
    assert [v for v, _ in find_amounts("GST(Included) 6.00 % RM 0.06")] == [Decimal("0.06")]
    assert [v for v, _ in find_amounts("TVA 20,00\u202f% 41,20", ",")] == [Decimal("41.20")]
    assert find_amounts("VAT GB178238268") == [] or all(
        v != Decimal(58) for v, _ in find_amounts("VAT GB178238268"))


@pytest.mark.parametrize(("text", "expected"), [
    ("03/14/2026", date(2026, 3, 14)),
    ("14.03.2026", date(2026, 3, 14)),
    ("14 mars 2026", date(2026, 3, 14)),
    ("1er février 2025", date(2025, 2, 1)),
    ("19 april 2014", date(2014, 4, 19)),
    ("9. Juli 2023", date(2023, 7, 9)),
    ("14. März 2026", date(2026, 3, 14)),
    ("March 14, 2026", date(2026, 3, 14)),
    ("Apr 30, 2023", date(2023, 4, 30)),
    ("2026-03-14", date(2026, 3, 14)),
    ("17-Jan-2026", date(2026, 1, 17)),
    ("Date: 28/11/2022", date(2022, 11, 28)),
    ("Dec 25 '18 14:22", date(2018, 12, 25)),  # US till slips
    ("25DEC18 14:22", date(2018, 12, 25)),
    ("DEC 25, 2018", date(2018, 12, 25)),
    ("25/01/20181:22:56PM", date(2018, 1, 25)),  # OCR lost the space before the time
    ("REG #19-24/07/201614:21:51", date(2016, 7, 24)),
])
def test_dates_in_each_locale(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_ambiguous_dates_need_the_documents_order() -> None:
    assert parse_date("03/04/2026") is None
    assert parse_date("03/04/2026", dayfirst=True) == date(2026, 4, 3)
    assert parse_date("03/04/2026", dayfirst=False) == date(2026, 3, 4)
    assert parse_date("31/02/2026", dayfirst=True) is None
    assert parse_date("25/01/201812345") is None  # a year runs into a time, not any digits


def test_a_code_of_capitals_and_digits_is_no_date() -> None:
    assert find_dates("BALL PEN 6BK RC11-23-42 - 12/144", True) == []
    assert find_dates("HD03-04-06 - 5/40/160", True) == []
    # a date label run into its date, and a date after a space, stay dates
    assert find_dates("DATE19/09/2017", True) == [(date(2017, 9, 19), "19/09/2017")]
    assert find_dates("Due date16.09.2026") == [(date(2026, 9, 16), "16.09.2026")]
    assert find_dates("CK 19-09-17 15:39", True) == [(date(2017, 9, 19), "19-09-17")]
    # numbers only the other order reads: no date of a day-first document, and back
    assert find_dates("CK 11-22-31 - 10/400", True) == []
    assert find_dates("CK 11-22-31 - 10/400", False) == [(date(2031, 11, 22), "11-22-31")]
    assert find_dates("CK 11-22-31 - 10/400") == [(date(2031, 11, 22), "11-22-31")]


def test_day_month_order_is_inferred_from_the_document() -> None:
    # an unambiguous date elsewhere decides
    assert infer_dayfirst("Date 03/04/2026  Due 25/04/2026") is True
    assert infer_dayfirst("Date 03/04/2026  Due 04/25/2026") is False
    # else the currency or the language
    assert infer_dayfirst("Date 03/04/2026", currency="USD") is False
    assert infer_dayfirst("Date 03/04/2026", currency="EUR") is True
    assert infer_dayfirst("Datum 03/04/2026", language="de") is True
    assert infer_dayfirst("Date 03/04/2026") is None
    assert infer_dayfirst("DATE: 08/06/25", currency="MYR") is True
    # numbers that are no date in either order ("5/40/160" of a packing code) do not vote
    assert infer_dayfirst("KF12 - 5/40/160\n19-09-17 15:39") is True
    assert infer_dayfirst("HD03-14-06 - 5/40/160\n19-09-17 15:39") is True


@pytest.mark.parametrize(("text", "expected"), [
    ("Total $ 279.84", "USD"),
    ("Totaal € 717,97", "EUR"),
    ("Grand Total Rs 1939", "INR"),
    ("Gesamtbetrag CHF 143.34", "CHF"),
    ("Total £82.71", "GBP"),
    ("Amount due 120.00 SEK", "SEK"),
    ("Total C$ 45.00", "CAD"),
    ("Total $45.00 GST/HST 123456789RT0001 Canada", "CAD"),
    ("SIN HOCK TRADING SDN BHD (402537-M)\nTOTAL (RM) 391.07", "MYR"),
    ("KEDAI MAJU SDN BHD\n(12345-X)\nTOTAL 12.50", "MYR"),  # "BHD" is Berhad, not dinars
    ("LIAN HUAT PTE LTD\nTampines Ave 4\nTOTAL 12.50", "SGD"),
    ("GSTIN: 29ABCDE1234F1Z5\nGrand Total 2,129.00", "INR"),
    ("Total 12.50\nVISA 12.50\nCARD NO: ¥EEKEKEKKE 4349\nTotal € 12.50", "EUR"),
    ("Total BHD 12.500", "BHD"),
    ("GSTIN: 29ABCDE1234F1Z5\nCGST €6.00% 153.87\nGrand Total Rs. 2,872.00", "INR"),
])
def test_currency_from_symbols_codes_and_context(text: str, expected: str) -> None:
    assert detect_currency(text)[0] == expected


def test_no_currency_is_unknown_not_a_guess() -> None:
    assert detect_currency("Total 12.50") == (None, 0.0)
    assert detect_currency("Total 12.50\nCARD NO: ¥EEKEKEKKEKEAZAG")[0] is None  # OCR noise
    assert detect_currency("Rm 12 Night 1 120.00")[0] is None  # a hotel room, not ringgit


def test_decimal_mark_inference() -> None:
    assert infer_decimal_mark(["12,50", "1.234,56"]) == ","
    assert infer_decimal_mark(["12.50", "1,234.56"]) == "."
    assert infer_decimal_mark(["no numbers"]) is None


def test_a_tills_cents_without_their_nought_are_an_amount() -> None:
    assert [v for v, _ in find_amounts("CHANGE RM .40")] == [Decimal("0.40")]
    assert [v for v, _ in find_amounts("Rounding Adj -.02")] == [Decimal("-0.02")]
    assert find_amounts("v.40") == [] and find_amounts("No.12") == []
    assert find_amounts(".123") == [] and find_amounts(".40", ",") == []


def test_a_stray_closing_bracket_after_an_amount_is_ocr_noise() -> None:
    from billintake.extraction.parsing import parse_amount

    assert parse_amount("121.98)") == Decimal("121.98")
    assert parse_amount("(121.98)") == Decimal("-121.98")


def test_a_masked_card_numbers_stars_read_as_a_currency_sign_are_no_currency() -> None:
    from billintake.extraction.parsing import detect_currency

    for mask in ("¥***4821", "****¥¥¥¥1234", "CARD XXXX¥1234"):
        assert detect_currency(f"VISA {mask}\nTOTAL 12.50\nTHANK YOU")[0] != "JPY", mask
    assert detect_currency("TOTAL ¥1200")[0] == "JPY"
