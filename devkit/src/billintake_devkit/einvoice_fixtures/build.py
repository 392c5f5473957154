"""The generated e-invoice set: files plus truth in the devset's JSON Lines form.

    python -m billintake_devkit.einvoice_fixtures OUT_DIR

writes every e-invoice (Factur-X PDFs in each profile, ZUGFeRD 1.0, XRechnung CII and UBL,
Peppol BIS invoices and credit notes), the same PDFs with their XML removed
(`visual/*.pdf`), `truth.jsonl` (the e-invoices) and `truth-visual.jsonl` (the stripped
PDFs, same truth). A field is in the truth only where the XML carries it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import cii, samples, ubl, zugferd1
from .pdf import attach, embed_facturx, render_pdf
from .samples import D
from .spec import InvoiceSpec


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # relative to the output folder
    spec: InvoiceSpec
    fields: frozenset[str]  # ExtractedBill fields the XML carries
    make: Callable[[InvoiceSpec], bytes]
    einvoice_format: str

    @property
    def is_pdf(self) -> bool:
        return self.file.endswith(".pdf")


def _facturx(profile: str) -> Callable[[InvoiceSpec], bytes]:
    def make(spec: InvoiceSpec) -> bytes:
        return embed_facturx(render_pdf(spec), cii.cii_xml(spec, profile), profile)
    return make


def _attached(xml: Callable[[InvoiceSpec], bytes], name: str) -> Callable[[InvoiceSpec], bytes]:
    def make(spec: InvoiceSpec) -> bytes:
        return attach(render_pdf(spec), name, xml(spec))
    return make


def specs() -> dict[str, InvoiceSpec]:
    s = samples
    return {
        "minimum": s.invoice("FX-MIN-2024-0101", date(2024, 1, 15), s.NORDWIND, s.OFFICE_LINES),
        "basicwl": s.invoice("FX-BWL-2024-0102", date(2024, 2, 1), s.LUMEN, s.LIGHT_LINES,
                             contract="CTR-2023-44", prepaid=D("200.00")),
        "basic": s.invoice("FX-BAS-2024-0103", date(2024, 2, 20), s.HARBOUR,
                           tuple(replace(li, rate=D("20")) for li in s.OFFICE_LINES),
                           currency="GBP", iban="GB33BUKB20201555555555"),
        "en16931": s.invoice("FX-EN-2024-0104", date(2024, 3, 5), s.POLDER, s.MIXED_LINES,
                             contract="SLA-7", prepaid=D("100.00"),
                             iban="NL91ABNA0417164300", bic="ABNANL2A",
                             payment_reference="RF18539007547034"),
        "extended": s.invoice("FX-EXT-2024-0105", date(2024, 3, 28), s.NORDWIND,
                              s.LIGHT_LINES[:2] + s.OFFICE_LINES[2:],
                              notes=("Delivery in two parts",)),
        "credit": s.invoice("GS-2024-0042", date(2024, 4, 2), s.LUMEN, s.LIGHT_LINES[:1],
                            type_code="381", preceding_invoice="FX-BWL-2024-0102",
                            preceding_date=date(2024, 2, 1), payment_terms=None),
        "xrechnung": s.invoice("XR-2024-3301", date(2024, 4, 10), s.NORDWIND, s.MIXED_LINES[:3]),
        "zf1-basic": s.invoice("ZF1-2014-0001", date(2014, 6, 30), s.NORDWIND,
                               s.OFFICE_LINES[:2]),
        "zf1-comfort": s.invoice("ZF1-2015-0002", date(2015, 9, 1), s.NORDWIND, s.MIXED_LINES,
                                 contract="RV-12"),
        "zf1-extended": s.invoice("ZF1-2016-0003", date(2016, 11, 11), s.NORDWIND,
                                  s.LIGHT_LINES),
        "peppol-invoice": s.invoice("PEP-INV-889", date(2024, 5, 6), s.POLDER, s.MIXED_LINES[:2],
                                    contract="MSA-2022", iban="NL91ABNA0417164300",
                                    bic="ABNANL2A"),
        "peppol-credit": s.invoice("PEP-CN-14", date(2024, 5, 20), s.POLDER, s.MIXED_LINES[1:2],
                                   type_code="381", preceding_invoice="PEP-INV-889",
                                   preceding_date=date(2024, 5, 6)),
        "xrechnung-ubl": s.invoice("XRU-2024-7", date(2024, 6, 3), s.HARBOUR,
                                   s.OFFICE_LINES, currency="EUR", type_code="384",
                                   preceding_invoice="XRU-2024-6"),
    }


def cases() -> list[Case]:
    sp = specs()
    fx = {p: frozenset(cii.HEADER_FIELDS[p]) for p in cii.PROFILES}
    z1 = {p: frozenset(zugferd1.HEADER_FIELDS[p]) for p in zugferd1.PROFILES}
    u = frozenset(ubl.HEADER_FIELDS)
    return [
        Case("fx-minimum", "fx-minimum.pdf", sp["minimum"], fx["minimum"], _facturx("minimum"),
             "factur-x:minimum"),
        Case("fx-basicwl", "fx-basicwl.pdf", sp["basicwl"], fx["basicwl"], _facturx("basicwl"),
             "factur-x:basicwl"),
        Case("fx-basic", "fx-basic.pdf", sp["basic"], fx["basic"], _facturx("basic"),
             "factur-x:basic"),
        Case("fx-en16931", "fx-en16931.pdf", sp["en16931"], fx["en16931"], _facturx("en16931"),
             "factur-x:en16931"),
        Case("fx-extended", "fx-extended.pdf", sp["extended"], fx["extended"],
             _facturx("extended"), "factur-x:extended"),
        Case("fx-credit-note", "fx-credit-note.pdf", sp["credit"], fx["en16931"],
             _facturx("en16931"), "factur-x:en16931"),
        Case("xrechnung-cii-pdf", "xrechnung-cii.pdf", sp["xrechnung"], fx["xrechnung"],
             _attached(lambda s: cii.cii_xml(s, "xrechnung"), "xrechnung.xml"),
             "xrechnung-cii"),
        Case("xrechnung-cii-xml", "xrechnung-cii.xml", sp["xrechnung"], fx["xrechnung"],
             lambda s: cii.cii_xml(s, "xrechnung"), "xrechnung-cii"),
        Case("zugferd1-basic", "zugferd1-basic.pdf", sp["zf1-basic"], z1["basic"],
             _attached(lambda s: zugferd1.zugferd1_xml(s, "basic"), "ZUGFeRD-invoice.xml"),
             "zugferd-1.0:basic"),
        Case("zugferd1-comfort", "zugferd1-comfort.pdf", sp["zf1-comfort"], z1["comfort"],
             _attached(lambda s: zugferd1.zugferd1_xml(s, "comfort"), "zugferd-invoice.xml"),
             "zugferd-1.0:comfort"),
        Case("zugferd1-extended-xml", "zugferd1-extended.xml", sp["zf1-extended"],
             z1["extended"], lambda s: zugferd1.zugferd1_xml(s, "extended"),
             "zugferd-1.0:extended"),
        Case("peppol-invoice", "peppol-invoice.xml", sp["peppol-invoice"], u, ubl.ubl_xml,
             "peppol-bis-3:invoice"),
        Case("peppol-credit-note", "peppol-credit-note.xml", sp["peppol-credit"], u,
             ubl.ubl_xml, "peppol-bis-3:creditnote"),
        Case("xrechnung-ubl-corrected", "xrechnung-ubl-corrected.xml", sp["xrechnung-ubl"], u,
             lambda s: ubl.ubl_xml(s, customization=ubl.XRECHNUNG), "xrechnung-ubl:invoice"),
    ]


def _amount(value: Decimal) -> str:
    return format(value, "f")


def truth(case: Case) -> dict[str, Any]:
    """The values our ExtractedBill must carry for `case` (amounts as printed, a credit note's
    positive: its `document_type` says what it is)."""
    s, f = case.spec, case.fields
    values: dict[str, Any] = {
        "bill_number": s.number, "vendor_name": s.seller.name,
        "bill_date": s.issue_date.isoformat(),
        "due_date": s.due_date.isoformat() if s.due_date else None, "currency": s.currency,
        "subtotal": _amount(s.line_total), "tax": _amount(s.tax_total),
        "total": _amount(s.grand_total), "po_number": s.po_number,
        "vendor_tax_id": s.seller.vat_id,
        "document_type": {"381": "credit_note", "384": "corrected_invoice"}.get(
            s.type_code, "invoice"),
        "amount_due": _amount(s.due_payable), "buyer_name": s.buyer.name,
        "vendor_iban": s.iban, "vendor_email": s.seller.email,
        "vendor_registration_id": s.seller.registration_id,
        "vendor_address": s.seller.address, "payment_terms": s.payment_terms,
        "contract_reference": s.contract, "preceding_invoice": s.preceding_invoice,
    }
    out = {k: v for k, v in values.items() if v is not None and (k in f or k == "vendor_name")}
    if "line_items" in f:
        out["line_items"] = [
            {"description": li.name, "quantity": format(li.quantity, "f"),
             "unit_price": _amount(li.unit_price), "amount": _amount(li.amount)}
            for li in s.lines]
    return out


def build_all(out_dir: Path) -> list[dict[str, Any]]:
    """Write the set into `out_dir`; returns the truth records."""
    from billintake.extraction.einvoice import strip_embedded_xml

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "visual").mkdir(exist_ok=True)
    records, visual_records = [], []
    for case in cases():
        data = case.make(case.spec)
        (out_dir / case.file).write_bytes(data)
        record = {"id": case.id, "source": "generated-einvoice", "file": case.file,
                  "kind": "einvoice-pdf" if case.is_pdf else "einvoice-xml",
                  "einvoice_format": case.einvoice_format, "truth": truth(case)}
        records.append(record)
        if case.is_pdf:
            stripped = f"visual/{case.file}"
            (out_dir / stripped).write_bytes(strip_embedded_xml(data))
            visual_records.append({**record, "file": stripped, "kind": "text-pdf"})
    for name, rows in (("truth.jsonl", records), ("truth-visual.jsonl", visual_records)):
        (out_dir / name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return records


def xml_of(case: Case) -> bytes:
    """The e-invoice XML of `case` alone (what its PDF carries, or the file itself)."""
    syntax, _, profile = case.einvoice_format.partition(":")
    if syntax == "factur-x":
        return cii.cii_xml(case.spec, profile)
    if syntax == "xrechnung-cii":
        return cii.cii_xml(case.spec, "xrechnung")
    if syntax == "zugferd-1.0":
        return zugferd1.zugferd1_xml(case.spec, profile)
    customization = ubl.XRECHNUNG if syntax == "xrechnung-ubl" else ubl.PEPPOL
    return ubl.ubl_xml(case.spec, customization=customization)
