"""`Extractor.extract_bytes`: the e-invoice path with cross-check and fallback, CLI included."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from billintake_devkit.einvoice_fixtures import cii
from billintake_devkit.einvoice_fixtures.build import specs
from billintake_devkit.einvoice_fixtures.pdf import attach, embed_facturx, render_pdf
from typer.testing import CliRunner

from billintake.domain.errors import UnsupportedMediaType
from billintake.entrypoints.cli import app
from billintake.extraction.extractor import Extractor

SPEC = specs()["en16931"]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(use_model=False)


def test_printed_total_disagreeing_with_the_embedded_xml_is_a_warning(
        extractor: Extractor) -> None:
    data = embed_facturx(render_pdf(SPEC, printed_total=Decimal("1584.84")),
                         cii.cii_xml(SPEC, "en16931"), "en16931")
    bill = extractor.extract_bytes(data)
    assert bill.source == "xml" and bill.value("total") == SPEC.grand_total
    assert bill.needs_review
    assert any("total 1584.84" in w for w in bill.warnings), bill.warnings


def test_companion_xml_is_the_bill_and_the_page_its_cross_check(extractor: Extractor) -> None:
    page = render_pdf(SPEC, printed_number="FX-EN-2024-9999")
    bill = extractor.extract_bytes(page, companion_xml=cii.cii_xml(SPEC, "xrechnung"))
    assert bill.source == "xml" and bill.value("bill_number") == SPEC.number
    assert bill.einvoice_format == "xrechnung-cii"
    assert any("invoice number FX-EN-2024-9999" in w for w in bill.warnings), bill.warnings


def test_without_a_usable_xml_the_page_is_read_and_the_reason_given(
        extractor: Extractor) -> None:
    data = attach(render_pdf(SPEC), "factur-x.xml", b"<rsm:CrossIndustryInvoice><unclosed>")
    bill = extractor.extract_bytes(data)
    assert bill.source == "visual" and bill.value("bill_number") == SPEC.number
    assert any("not well-formed XML" in w for w in bill.warnings)


def test_xml_that_is_no_einvoice_is_refused(extractor: Extractor) -> None:
    with pytest.raises(UnsupportedMediaType, match="not an e-invoice"):
        extractor.extract_bytes(b"<?xml version='1.0'?><DeliveryNote/>")


def test_cli_extract_shows_the_cross_check_warning(tmp_path: Path) -> None:
    path = tmp_path / "fx.pdf"
    path.write_bytes(embed_facturx(render_pdf(SPEC, printed_total=Decimal("1584.84")),
                                   cii.cii_xml(SPEC, "en16931"), "en16931"))
    result = CliRunner().invoke(app, ["extract", str(path), "--json", "--no-model"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"] == "1484.84" and body["evidence"]["total"]["source"] == "xml"
    assert any("total 1584.84" in w for w in body["warnings"])
