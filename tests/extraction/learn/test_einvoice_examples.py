"""E-invoice PDFs as labelled examples: every XML value at the place the page prints it.

The PDFs are the devkit's Factur-X fixtures: reportlab pages whose layout `render_pdf` fixes
(facts right-aligned at 50 pt from the right edge, one every 14 pt from 90 pt down; the seller
at 50 pt from the left), with the XML embedded by the factur-x library.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import cases, specs
from billintake_devkit.einvoice_fixtures.pdf import embed_facturx, render_pdf
from billintake_devkit.einvoice_fixtures.spec import InvoiceSpec
from reportlab.lib.pagesizes import A4

from billintake.domain.extracted import ExtractedBill
from billintake.extraction.learn.einvoice_examples import (
    FIELD_KINDS,
    EinvoiceExample,
    Location,
    NoEinvoiceXml,
    examples_from_pdf,
)
from billintake.settings import Settings

WIDTH, _ = A4
RIGHT = WIDTH - 50  # where render_pdf right-aligns the facts, the amounts and the totals
SPEC = specs()["en16931"]
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def facturx(spec: InvoiceSpec, **printed: object) -> bytes:
    return embed_facturx(render_pdf(spec, **printed),  # type: ignore[arg-type]
                         cii.cii_xml(spec, "en16931"), "en16931")


@pytest.fixture(scope="module")
def data() -> bytes:
    return facturx(SPEC)


@pytest.fixture(scope="module")
def example(data: bytes) -> EinvoiceExample:
    return examples_from_pdf(data, SETTINGS, file="invoices/fx.pdf")


def only(example: EinvoiceExample, name: str) -> Location:
    [location] = example.fields[name].locations
    return location


def test_every_field_looked_for_is_a_field_of_the_bill() -> None:
    assert set(FIELD_KINDS) <= set(ExtractedBill.model_fields)


def test_identity_of_the_document(example: EinvoiceExample, data: bytes) -> None:
    assert example.file == "invoices/fx.pdf"
    assert example.sha256 == hashlib.sha256(data).hexdigest()
    assert example.einvoice_format == "factur-x:en16931"


@pytest.mark.parametrize(("name", "text", "baseline"), [
    ("bill_number", SPEC.number, 90),
    ("bill_date", SPEC.issue_date.strftime("%d.%m.%Y"), 104),
    ("due_date", SPEC.due_date.strftime("%d.%m.%Y") if SPEC.due_date else "", 118),
    ("po_number", SPEC.po_number, 132),
])
def test_facts_are_located_at_the_box_they_were_drawn_in(
        example: EinvoiceExample, name: str, text: str, baseline: float) -> None:
    location = only(example, name)
    _, top, x1, bottom = location.bbox
    assert (location.page, location.text, location.words) == (1, text, 1)
    assert x1 == pytest.approx(RIGHT, abs=0.5) and top < baseline < bottom


def test_parties_amounts_and_account_are_located(example: EinvoiceExample) -> None:
    vendor = only(example, "vendor_name")
    assert vendor.text == SPEC.seller.name and vendor.bbox[0] == pytest.approx(50)
    assert vendor.bbox[1] < 60 < vendor.bbox[3]  # 16 pt bold, baseline 60 pt from the top
    assert only(example, "buyer_name").text == SPEC.buyer.name
    total = only(example, "total")
    assert total.text == f"{SPEC.grand_total:,.2f} EUR"
    assert total.bbox[2] == pytest.approx(RIGHT, abs=0.5)
    assert only(example, "amount_due").text == f"{SPEC.due_payable:,.2f} EUR"
    assert only(example, "subtotal").text == f"{SPEC.line_total:,.2f} EUR"
    assert only(example, "vendor_iban").text == SPEC.iban
    assert only(example, "vendor_tax_id").text == SPEC.seller.vat_id
    assert {loc.text for loc in example.fields["currency"].locations} == {"EUR"}


def test_values_the_page_does_not_print_are_reported_not_guessed(
        example: EinvoiceExample) -> None:
    # render_pdf prints the VAT per rate but not its sum, no buyer VAT id, no registration
    # ids and no contract reference; the XML has them all.
    assert set(example.not_found) == {"tax", "buyer_tax_id", "vendor_registration_id",
                                      "buyer_registration_id", "contract_reference"}
    for name in example.not_found:
        assert example.fields[name].locations == []


def test_a_page_that_prints_other_values_than_the_xml_labels_nothing_for_them() -> None:
    example = examples_from_pdf(facturx(SPEC, printed_total=Decimal("1584.84"),
                                        printed_number="FX-OTHER-1"), SETTINGS)
    assert {"total", "bill_number"} <= set(example.not_found)
    assert example.fields["amount_due"].locations  # the rest is still labelled


def test_every_line_item_on_its_row(example: EinvoiceExample) -> None:
    assert [item.description for item in example.line_items] == [li.name for li in SPEC.lines]
    for item, line in zip(example.line_items, SPEC.lines, strict=True):
        assert item.location is not None, item.description
        description, amount = item.parts["description"], item.parts["amount"]
        assert (description.text, description.bbox[0]) == (line.name, pytest.approx(50))
        assert amount.text == f"{line.amount:,.2f}"
        assert amount.bbox[2] == pytest.approx(RIGHT, abs=0.5)  # not the unit price column
        assert amount.bbox[1] == pytest.approx(description.bbox[1], abs=1)
        assert item.parts["unit_price"].text == f"{line.unit_price:,.2f}"
        assert item.parts["quantity"].text == f"{line.quantity.normalize():f}"


def test_credit_note_amounts_are_found_as_printed() -> None:
    spec = specs()["credit"]
    example = examples_from_pdf(facturx(spec), SETTINGS)
    assert abs(example.fields["total"].value) == spec.grand_total  # type: ignore[arg-type]
    assert only(example, "total").text == f"{spec.grand_total:,.2f} EUR"
    assert example.line_items[0].location is not None


def test_the_json_line_is_typed_and_reads_back(example: EinvoiceExample) -> None:
    line = example.model_dump_json()
    body = json.loads(line)
    assert list(body) == ["file", "sha256", "einvoice_format", "fields", "line_items",
                          "not_found"]
    assert body["fields"]["total"]["kind"] == "amount"
    assert body["fields"]["total"]["value"] == str(SPEC.grand_total)
    assert body["fields"]["bill_date"] == {
        "kind": "date", "value": SPEC.issue_date.isoformat(),
        "locations": [only(example, "bill_date").model_dump(mode="json")]}
    assert set(body["fields"]["total"]["locations"][0]) == {"page", "bbox", "text", "words"}
    assert EinvoiceExample.model_validate_json(line) == example


@pytest.mark.parametrize("case", [c for c in cases() if c.is_pdf], ids=lambda c: c.id)
def test_every_flavour_of_einvoice_pdf_teaches(case) -> None:  # type: ignore[no-untyped-def]
    example = examples_from_pdf(case.make(case.spec), SETTINGS)
    for name in ("bill_number", "bill_date", "vendor_name", "total"):
        assert example.fields[name].locations, name
    assert all(item.location for item in example.line_items)


def test_a_pdf_without_einvoice_xml_is_refused_with_a_message() -> None:
    with pytest.raises(NoEinvoiceXml, match="carries no e-invoice XML"):
        examples_from_pdf(render_pdf(SPEC), SETTINGS)
