"""Vendor matching on realistic name variants, identifiers, near misses and ambiguity."""

from __future__ import annotations

import pytest

from billintake.domain.model import Vendor
from billintake.matching.vendors import (
    VendorCandidate,
    match_vendor,
    normalize_name,
    should_store_alias,
)

ORG = "org-1"


def vendor(name: str, **kw: object) -> Vendor:
    return Vendor(organization_id=ORG, name=name, **kw)  # type: ignore[arg-type]


BOOKS = [
    vendor("Acme Corporation", email="billing@acme.example"),
    vendor("Mueller GmbH", tax_id="DE811907980"),
    vendor("Société Générale S.A."),
    vendor("Van Dijk Logistiek B.V."),
    vendor("Northwind Traders Ltd", aliases=["NW Traders"]),
    vendor("Initech LLC", iban="DE89 3704 0044 0532 0130 00"),
]


@pytest.mark.parametrize(("name", "expected"), [
    ("ACME Corp.", "acme"),
    ("Acme Corporation", "acme"),
    ("Müller GmbH", "mueller"),
    ("MUELLER G.m.b.H.", "mueller"),
    ("Schmidt & Söhne GmbH & Co. KG", "schmidt and soehne"),
    ("Société Générale S.A.", "societe generale"),
    ("Van Dijk Logistiek B.V.", "van dijk logistiek"),
    ("Blue Ocean SARL", "blue ocean"),
    ("The Widget Company, Inc.", "widget"),
])
def test_normalize_name(name: str, expected: str) -> None:
    assert normalize_name(name) == expected


@pytest.mark.parametrize(("extracted", "expected"), [
    ("ACME Corp.", "Acme Corporation"),
    ("Müller GmbH", "Mueller GmbH"),
    ("Muller GmbH", "Mueller GmbH"),  # umlaut lost by OCR: fuzzy
    ("SOCIETE GENERALE", "Société Générale S.A."),
    ("Van Dijk Logistiek BV", "Van Dijk Logistiek B.V."),
    ("Northwind Traders Limited", "Northwind Traders Ltd"),
])
def test_realistic_variants_match(extracted: str, expected: str) -> None:
    result = match_vendor(VendorCandidate(name=extracted), BOOKS)
    assert result.vendor is not None, result.reason
    assert result.vendor.name == expected
    assert result.score >= 88
    assert not result.ambiguous


def test_near_miss_does_not_match_and_creates() -> None:
    result = match_vendor(VendorCandidate(name="Acme Systems Ltd"),
                          [vendor("Acme Supplies Ltd"), *BOOKS[1:]])
    assert result.vendor is None
    assert result.should_create
    assert result.candidate is not None and result.candidate.name == "Acme Supplies Ltd"
    assert result.score < 80


def test_a_different_company_with_a_similar_name_is_not_matched() -> None:
    result = match_vendor(VendorCandidate(name="Initrode LLC"), BOOKS)
    assert result.vendor is None


def test_known_alias_matches_exactly() -> None:
    result = match_vendor(VendorCandidate(name="NW Traders"), BOOKS)
    assert result.vendor is not None and result.vendor.name == "Northwind Traders Ltd"
    assert result.method == "alias"
    assert result.score == 100


def test_tax_id_wins_over_a_different_name() -> None:
    result = match_vendor(VendorCandidate(name="Müller Metallbau", tax_id="DE 811 907 980"),
                          BOOKS)
    assert result.vendor is not None and result.vendor.name == "Mueller GmbH"
    assert result.method == "tax_id"


def test_iban_matches_whatever_the_spacing() -> None:
    result = match_vendor(VendorCandidate(name="Unknown", iban="de89370400440532013000"), BOOKS)
    assert result.vendor is not None and result.vendor.name == "Initech LLC"
    assert result.method == "iban"


def test_email_domain_matches_but_free_mail_does_not() -> None:
    by_domain = match_vendor(VendorCandidate(name="ACME Billing Dept",
                                             email="invoices@acme.example"), BOOKS)
    assert by_domain.vendor is not None and by_domain.vendor.name == "Acme Corporation"
    assert by_domain.method == "email_domain"
    books = [vendor("Jane Smith Plumbing", email="jane.smith@gmail.com")]
    free = match_vendor(VendorCandidate(name="Bob's Electrics", email="bob@gmail.com"), books)
    assert free.vendor is None


def test_two_close_candidates_are_ambiguous() -> None:
    books = [vendor("Acme Supply Co"), vendor("ACME Supply, Inc.")]  # two entities, one name
    result = match_vendor(VendorCandidate(name="Acme Supply"), books)
    assert result.vendor is None
    assert result.ambiguous
    assert result.runner_up is not None
    assert abs(result.score - result.runner_up_score) <= 5


def test_fuzzy_runner_up_within_margin_is_ambiguous() -> None:
    books = [vendor("Acme Supplier"), vendor("Acme Supplies")]
    result = match_vendor(VendorCandidate(name="Acme Supplie"), books)
    assert result.score >= 88
    assert result.vendor is None and result.ambiguous


def test_just_below_threshold_is_ambiguous_not_created() -> None:
    books = [vendor("Northwind Trading")]
    result = match_vendor(VendorCandidate(name="Northwind Traders"), books,
                          threshold=85.0, margin=5.0)
    assert 80 <= result.score < 85
    assert result.vendor is None
    assert result.ambiguous
    assert not result.should_create


def test_same_name_but_different_tax_id_is_ambiguous() -> None:
    result = match_vendor(VendorCandidate(name="Mueller GmbH", tax_id="DE999999999"), BOOKS)
    assert result.vendor is None
    assert result.ambiguous


def test_alias_is_stored_only_when_new() -> None:
    acme = BOOKS[0]
    assert should_store_alias("ACME Corp.", acme)
    assert not should_store_alias("acme corporation", acme)
    assert not should_store_alias(None, acme)


def test_nothing_to_compare() -> None:
    result = match_vendor(VendorCandidate(name="Anyone"), [])
    assert result.vendor is None and result.should_create
