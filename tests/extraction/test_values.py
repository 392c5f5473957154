"""Value parsers beside a label: identifiers, tax ids, amounts."""

from __future__ import annotations

from decimal import Decimal

from billintake.extraction.values import parse_amount_value, parse_identifier, parse_tax_id


def test_identifier_without_the_bar_of_a_table_rule() -> None:
    assert parse_identifier("_ |INV/2024/59/0479") == ("INV/2024/59/0479", "INV/2024/59/0479")
    assert parse_identifier("[A-451805]") == ("A-451805", "A-451805")


def test_identifier_is_no_date_or_amount() -> None:
    assert parse_identifier("2024-01-05") is None
    assert parse_identifier("1.234,50") is None
    assert parse_identifier("# 33090") == ("33090", "33090")


def test_tax_id_and_amount() -> None:
    assert parse_tax_id("VAT GB 561 1339 00") == ("GB561133900", "GB 561 1339 00")
    assert parse_amount_value("20% 53,76 €", None) == (Decimal("53.76"), "53,76 €")
    assert parse_amount_value("12", None) is None


def test_vat_id_whose_country_prefix_was_read_with_a_digit() -> None:
    assert parse_tax_id("VAT Reg. No. 1E3572199WA") == ("1E3572199WA", "1E3572199WA")
    assert parse_tax_id("0E123456789") is None  # "OE" is no country
    assert parse_tax_id("VAT 20% 150.29") is None
