"""Schema and business-rule problems: warnings on an otherwise read bill, sent to review.

Also checks the reader against the standard itself: the XPaths it reports for each business
term are the ones factur-x's EN 16931 table gives for CII and UBL.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from billintake_devkit.einvoice_fixtures import cii, ubl, zugferd1
from billintake_devkit.einvoice_fixtures.build import specs
from facturx.generate_xml import EN16931_FIELDS
from lxml import etree

from billintake.extraction.einvoice import parse_einvoice

SPEC = specs()["en16931"]
CREDIT = specs()["peppol-credit"]

# Our field → the EN 16931 business term it carries.
BUSINESS_TERMS = {
    "bill_number": "BT-1", "bill_date": "BT-2", "document_type": "BT-3", "currency": "BT-5",
    "due_date": "BT-9", "contract_reference": "BT-12", "po_number": "BT-13",
    "payment_terms": "BT-20", "subtotal": "BT-109", "tax": "BT-110", "total": "BT-112",
    "amount_due": "BT-115", "vendor_iban": "BT-84",
}


def _standard_paths(term: str, syntax: str) -> list[str]:
    spec = EN16931_FIELDS[term]
    paths = spec.get(f"{syntax}_xpath")
    if syntax == "ubl_creditnote":
        paths = paths or spec["ubl_xpath"].replace("/Invoice/", "/CreditNote/")
    paths = paths if isinstance(paths, list) else [paths]
    return [re.sub(r"\[@currencyID=[^\]]*\]", "", p) for p in paths]


@pytest.mark.parametrize(("syntax", "xml"), [
    ("cii", cii.cii_xml(SPEC, "en16931")),
    ("ubl", ubl.ubl_xml(SPEC)),
    ("ubl_creditnote", ubl.ubl_xml(CREDIT)),
])
def test_evidence_paths_are_the_standards_paths(syntax: str, xml: bytes) -> None:
    bill = parse_einvoice(xml)
    checked = 0
    for name, term in BUSINESS_TERMS.items():
        field = getattr(bill, name)
        if field is None:
            continue
        assert field.evidence is not None and field.evidence.path is not None
        path = re.sub(r"\[\d+\]", "", field.evidence.path)
        assert path in _standard_paths(term, syntax), (name, path)
        checked += 1
    assert checked >= 11


def _edit(xml: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    root = etree.fromstring(xml)
    edit(root)
    return etree.tostring(root)


NS = {"rsm": cii.NS["rsm"], "ram": cii.NS["ram"], "cbc": ubl.CBC, "cac": ubl.CAC}


def _remove(path: str):  # type: ignore[no-untyped-def]
    def edit(root: etree._Element) -> None:
        for node in root.xpath(path, namespaces=NS):
            node.getparent().remove(node)
    return edit


def _set(path: str, text: str):  # type: ignore[no-untyped-def]
    def edit(root: etree._Element) -> None:
        for node in root.xpath(path, namespaces=NS):
            node.text = text
    return edit


def test_missing_mandatory_field_is_a_warning_and_the_rest_is_read() -> None:
    xml = _edit(cii.cii_xml(SPEC, "en16931"), _remove("//rsm:ExchangedDocument/ram:ID"))
    bill = parse_einvoice(xml)
    assert bill.bill_number is None
    assert bill.value("total") == SPEC.grand_total
    assert any("schema (XSD)" in w for w in bill.warnings)
    assert any("invoice number (BT-1)" in w for w in bill.warnings)
    assert bill.needs_review


def test_wrong_codes_are_warnings() -> None:
    xml = _edit(cii.cii_xml(SPEC, "en16931"), _set("//ram:InvoiceCurrencyCode", "EURO"))
    xml = _edit(xml, _set("//rsm:ExchangedDocument/ram:TypeCode", "999"))
    xml = _edit(xml, _set("//ram:ApplicableTradeTax/ram:CategoryCode", "X"))
    bill = parse_einvoice(xml)
    warnings = " ".join(bill.warnings)
    assert "'EURO' (BT-5) is not an ISO 4217 code" in warnings
    assert "'999' (BT-3)" in warnings
    assert "VAT category 'X'" in warnings
    assert bill.currency is None and bill.needs_review
    assert bill.value("bill_number") == SPEC.number


def test_totals_that_do_not_add_up_are_reported_not_corrected() -> None:
    xml = _edit(ubl.ubl_xml(SPEC), _set("//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
                                        "9999.99"))
    bill = parse_einvoice(xml)
    assert bill.value("total") == Decimal("9999.99")
    assert any("BR-CO-15" in w for w in bill.warnings)
    assert not bill.reconciled and bill.needs_review


def test_bad_date_and_amount_are_warnings_with_their_path() -> None:
    xml = _edit(ubl.ubl_xml(SPEC), _set("//cbc:DueDate", "31/12/2024"))
    xml = _edit(xml, _set("//cac:LegalMonetaryTotal/cbc:PayableAmount", "12,50"))
    bill = parse_einvoice(xml)
    assert bill.due_date is None and bill.amount_due is None
    assert any(w.startswith("/Invoice/cbc:DueDate:") for w in bill.warnings)
    assert any("/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount" in w for w in bill.warnings)


def test_tax_total_in_the_invoice_currency_is_chosen() -> None:
    """BT-111 (VAT in accounting currency) appears as a second TaxTotal; BT-110 stands."""
    def add_second_tax_total(root: etree._Element) -> None:
        first = root.find(f"{{{ubl.CAC}}}TaxTotal")
        second = etree.Element(f"{{{ubl.CAC}}}TaxTotal")
        amount = etree.SubElement(second, f"{{{ubl.CBC}}}TaxAmount", currencyID="SEK")
        amount.text = "2500.00"
        first.addprevious(second)
    bill = parse_einvoice(_edit(ubl.ubl_xml(SPEC), add_second_tax_total))
    assert bill.value("tax") == SPEC.tax_total
    assert len(bill.tax_lines) == 2


def test_credit_note_line_with_negative_quantity_stays_as_printed() -> None:
    """As in Peppol's credit-note example: a line that reverses a credit (quantity -3)."""
    def negative_line(root: etree._Element) -> None:
        line = root.find(f"{{{ubl.CAC}}}CreditNoteLine")
        line.find(f"{{{ubl.CBC}}}CreditedQuantity").text = "-7.5"
        line.find(f"{{{ubl.CBC}}}LineExtensionAmount").text = "-675.00"
    bill = parse_einvoice(_edit(ubl.ubl_xml(CREDIT), negative_line))
    item = bill.line_items[0]
    assert (item.quantity, item.unit_price, item.amount) == (
        Decimal("-7.5"), Decimal("90.00"), Decimal("-675.00"))


def test_trading_name_differs_from_legal_name_the_legal_name_is_the_seller() -> None:
    def trading_name(root: etree._Element) -> None:
        node = root.find(f"{{{ubl.CAC}}}AccountingSupplierParty/{{{ubl.CAC}}}Party/"
                         f"{{{ubl.CAC}}}PartyName/{{{ubl.CBC}}}Name")
        node.text = "Polder Cloud"
    bill = parse_einvoice(_edit(ubl.ubl_xml(SPEC), trading_name))
    assert bill.value("vendor_name") == SPEC.seller.name


def test_other_prefixes_and_a_default_namespace_read_the_same() -> None:
    """Producers choose their own prefixes; only namespaces count."""
    xml = cii.cii_xml(SPEC, "en16931").replace(b"ram:", b"r:").replace(
        b"xmlns:ram=", b"xmlns:r=").replace(b"rsm:", b"").replace(b"xmlns:rsm=", b"xmlns=")
    bill = parse_einvoice(xml)
    assert bill.value("total") == SPEC.grand_total
    assert bill.bill_number and bill.bill_number.evidence
    assert bill.bill_number.evidence.path == \
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"


def test_zugferd_1_and_2_namespaces_are_told_apart() -> None:
    one = parse_einvoice(zugferd1.zugferd1_xml(SPEC, "comfort"))
    two = parse_einvoice(cii.cii_xml(SPEC, "extended"))
    assert one.einvoice_format == "zugferd-1.0:comfort"
    assert two.einvoice_format == "factur-x:extended"
    assert one.value("total") == two.value("total") == SPEC.grand_total


def test_unknown_cii_guideline_is_checked_against_extended() -> None:
    xml = _edit(cii.cii_xml(SPEC, "en16931"), _set(
        "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "urn:example:custom:1"))
    bill = parse_einvoice(xml)
    assert any("Unknown specification identifier" in w for w in bill.warnings)
    assert bill.value("total") == SPEC.grand_total


def test_price_per_base_quantity_unless_the_line_total_says_it_is_per_unit() -> None:
    from billintake.extraction.einvoice.common import unit_price

    d = Decimal
    assert unit_price(d("52.52"), d("100"), quantity=d("200"), amount=d("105.04")) == d("0.5252")
    warnings: list[str] = []  # base quantity = billed quantity, price already per unit
    assert unit_price(d("205.90"), d("6"), quantity=d("6"), amount=d("1235.40"),
                      warnings=warnings) == d("205.90")
    assert warnings and "per unit" in warnings[0]
    # a line allowance: neither fits exactly, so the standard's reading holds
    assert unit_price(d("30"), d("3"), quantity=d("3"), amount=d("28")) == d("10")
