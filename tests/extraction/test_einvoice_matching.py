"""The seller's VAT id, IBAN and email from the XML find the vendor before its name does."""

from __future__ import annotations

from billintake_devkit.einvoice_fixtures import ubl
from billintake_devkit.einvoice_fixtures.build import specs

from billintake.domain.model import Vendor
from billintake.extraction.einvoice import parse_einvoice
from billintake.matching.vendors import VendorCandidate, match_vendor

SPEC = specs()["peppol-invoice"]


def _candidate() -> VendorCandidate:
    bill = parse_einvoice(ubl.ubl_xml(SPEC))
    return VendorCandidate(name=bill.value("vendor_name"), tax_id=bill.value("vendor_tax_id"),
                           email=bill.value("vendor_email"), iban=bill.value("vendor_iban"))


def test_vat_id_wins_over_a_similar_name() -> None:
    vendors = [
        Vendor(organization_id="o", name="Polder Software B.V.", tax_id="NL999999999B01"),
        Vendor(organization_id="o", name="PSW Amsterdam", tax_id="NL 1234.56789.B01"),
    ]
    match = match_vendor(_candidate(), vendors)
    assert match.vendor is not None and match.vendor.name == "PSW Amsterdam"
    assert match.method == "tax_id"


def test_iban_then_email_when_no_vat_id_is_on_file() -> None:
    by_iban = Vendor(organization_id="o", name="Old name", iban="NL91 ABNA 0417 1643 00")
    match = match_vendor(_candidate(), [by_iban])
    assert match.vendor is by_iban and match.method == "iban"
    by_email = Vendor(organization_id="o", name="Other", email=SPEC.seller.email)
    match = match_vendor(_candidate(), [by_email])
    assert match.vendor is by_email and match.method == "email"
