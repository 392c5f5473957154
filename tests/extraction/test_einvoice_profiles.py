"""Every generated profile and syntax reads back exactly, with XPath evidence that holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
import pytest
from billintake_devkit.einvoice_fixtures.build import Case, build_all, cases, truth, xml_of
from lxml import etree

from billintake.domain.kinds import kind_of
from billintake.domain.model import BillKind
from billintake.extraction.einvoice import find_einvoice_xml, parse_einvoice
from billintake.extraction.einvoice.xmldoc import NS_CII, NS_UBL_COMMON, NS_ZUGFERD1

CASES = cases()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("einvoices")
    build_all(out)
    return out


def _media_type(case: Case) -> str:
    return "application/pdf" if case.is_pdf else "application/xml"


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_detected_by_content_and_valid_against_the_official_schema(
        case: Case, generated: Path) -> None:
    found = find_einvoice_xml((generated / case.file).read_bytes(), _media_type(case))
    assert found is not None
    root = etree.fromstring(found.xml)
    assert facturx.xml_check_xsd(root, flavor=found.flavour)
    if case.is_pdf:
        assert found.name is not None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_field_reads_back_exactly(case: Case, generated: Path) -> None:
    found = find_einvoice_xml((generated / case.file).read_bytes(), _media_type(case))
    assert found is not None
    bill = parse_einvoice(found.xml)
    expected = truth(case)
    got = {name: _plain(bill.value(name)) for name in expected if name != "line_items"}
    assert got == {k: v for k, v in expected.items() if k != "line_items"}
    if "line_items" in expected:
        assert [{"description": li.description, "quantity": _plain(li.quantity),
                 "unit_price": _plain(li.unit_price), "amount": _plain(li.amount)}
                for li in bill.line_items] == expected["line_items"]
    assert bill.source == "xml"
    assert bill.einvoice_format == case.einvoice_format
    assert bill.warnings == [] and not bill.needs_review
    assert bill.reconciled


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_confidence_one_and_evidence_xpath_points_at_the_value(case: Case) -> None:
    xml = xml_of(case)
    bill = parse_einvoice(xml)
    root = etree.fromstring(xml)
    namespaces = {**NS_UBL_COMMON, **(NS_ZUGFERD1 if "zugferd" in case.id else NS_CII)}
    for name, field in bill.field_values().items():
        assert field.confidence == 1.0, name
        assert field.evidence is not None and field.evidence.source == "xml", name
        path = field.evidence.path
        assert path is not None and path.startswith("/"), name
        if root.nsmap.get(None):  # UBL: the root's own elements are unprefixed in the path
            path = _with_default_prefix(path, root.nsmap[None])
            namespaces["d"] = root.nsmap[None]
        nodes = root.xpath(path, namespaces=namespaces)
        assert len(nodes) == 1, (name, path)
    for item in bill.line_items:
        assert item.confidence == 1.0 and item.evidence and item.evidence.path


def _with_default_prefix(path: str, _namespace: str) -> str:
    return "/".join(step if (not step or ":" in step.split("[")[0]) else f"d:{step}"
                    for step in path.split("/"))


def test_ubl_paths_read_like_the_standard() -> None:
    case = next(c for c in CASES if c.id == "peppol-invoice")
    bill = parse_einvoice(xml_of(case))
    assert bill.bill_number and bill.bill_number.evidence
    assert bill.bill_number.evidence.path == "/Invoice/cbc:ID"
    assert bill.total and bill.total.evidence
    assert bill.total.evidence.path == "/Invoice/cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"


def test_cii_paths_read_like_the_standard() -> None:
    case = next(c for c in CASES if c.id == "fx-en16931")
    bill = parse_einvoice(xml_of(case))
    assert bill.bill_number and bill.bill_number.evidence
    assert bill.bill_number.evidence.path == \
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"
    assert bill.due_date and bill.due_date.evidence
    assert bill.due_date.evidence.path.endswith(
        "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")


@pytest.mark.parametrize("case_id", ["fx-credit-note", "peppol-credit-note"])
def test_credit_notes_come_out_as_printed_and_book_as_vendor_credits(case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    bill = parse_einvoice(xml_of(case))
    assert bill.value("document_type") == "credit_note"
    assert kind_of(bill) is BillKind.VENDOR_CREDIT
    for name in ("subtotal", "tax", "total", "amount_due"):
        assert bill.value(name) > 0, name
    assert bill.value("total") == case.spec.grand_total
    assert all(t.amount > 0 for t in bill.tax_lines)
    assert all(li.amount is not None and li.amount > 0 for li in bill.line_items)
    assert bill.value("preceding_invoice") == case.spec.preceding_invoice


def test_corrected_invoice_and_its_reference() -> None:
    case = next(c for c in CASES if c.id == "xrechnung-ubl-corrected")
    bill = parse_einvoice(xml_of(case))
    assert bill.value("document_type") == "corrected_invoice"
    assert bill.value("preceding_invoice") == "XRU-2024-6"
    assert bill.value("total") > 0


def test_tax_per_rate_and_prepaid_amount() -> None:
    case = next(c for c in CASES if c.id == "fx-en16931")
    bill = parse_einvoice(xml_of(case))
    assert [(t.rate, t.basis, t.amount) for t in bill.tax_lines] == [
        (Decimal("19"), Decimal("1185.00"), Decimal("225.15")),
        (Decimal("7"), Decimal("69.80"), Decimal("4.89"))]
    assert bill.value("amount_due") == bill.value("total") - Decimal("100.00")
    cable_ties = bill.line_items[-1]  # priced per 100 pieces
    assert (cable_ties.quantity, cable_ties.unit_price, cable_ties.amount) == (
        Decimal("250"), Decimal("0.12"), Decimal("30.00"))
