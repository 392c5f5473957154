"""Printed pages for generated e-invoices (reportlab), and embedding their XML.

`embed_facturx` uses the factur-x library (PDF/A-3 with the XML as `factur-x.xml`);
`attach` adds any file under any name with pypdf (ZUGFeRD 1.0's `ZUGFeRD-invoice.xml`,
`xrechnung.xml`, or a non-invoice attachment).
"""

from __future__ import annotations

import io
from decimal import Decimal

from .spec import InvoiceSpec

TITLES = {"380": "INVOICE", "381": "CREDIT NOTE", "384": "CORRECTED INVOICE"}


def amount_text(value: Decimal, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def render_pdf(spec: InvoiceSpec, *, printed_total: Decimal | None = None,
               printed_number: str | None = None) -> bytes:
    """A one-page A4 bill showing `spec` (optionally with a different total or number)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"{TITLES.get(spec.type_code, 'INVOICE').title()} {spec.number}")
    width, height = A4
    y = height - 60
    c.setFont("Helvetica-Bold", 16)
    c.drawString(50, y, spec.seller.name)
    c.setFont("Helvetica", 9)
    for text in (spec.seller.street, f"{spec.seller.postcode} {spec.seller.city}",
                 f"VAT ID: {spec.seller.vat_id}", spec.seller.email or ""):
        y -= 12
        c.drawString(50, y, text)
    c.setFont("Helvetica-Bold", 20)
    c.drawRightString(width - 50, height - 60, TITLES.get(spec.type_code, "INVOICE"))
    c.setFont("Helvetica", 10)
    facts = [("Invoice number:", printed_number or spec.number),
             ("Invoice date:", spec.issue_date.strftime("%d.%m.%Y"))]
    if spec.due_date:
        facts.append(("Due date:", spec.due_date.strftime("%d.%m.%Y")))
    if spec.po_number:
        facts.append(("Order number:", spec.po_number))
    if spec.preceding_invoice:
        facts.append(("Refers to invoice:", spec.preceding_invoice))
    fy = height - 90
    for label, value in facts:
        c.drawString(width - 250, fy, label)
        c.drawRightString(width - 50, fy, value)
        fy -= 14
    y = min(y, fy) - 30
    c.setFont("Helvetica-Bold", 10)
    c.drawString(50, y, "Bill to:")
    c.setFont("Helvetica", 10)
    for text in (spec.buyer.name, spec.buyer.street,
                 f"{spec.buyer.postcode} {spec.buyer.city}"):
        y -= 13
        c.drawString(50, y, text)
    y -= 35
    c.setFont("Helvetica-Bold", 10)
    columns = (50, 330, 370, 460, width - 50)
    c.drawString(columns[0], y, "Description")
    c.drawRightString(columns[1] + 20, y, "Qty")
    c.drawString(columns[2], y, "Unit")
    c.drawRightString(columns[3] + 20, y, "Unit price")
    c.drawRightString(columns[4], y, "Amount")
    c.line(50, y - 4, width - 50, y - 4)
    c.setFont("Helvetica", 10)
    for li in spec.lines:
        y -= 18
        c.drawString(columns[0], y, li.name)
        c.drawRightString(columns[1] + 20, y, f"{li.quantity.normalize():f}")
        c.drawString(columns[2], y, li.unit)
        c.drawRightString(columns[3] + 20, y, f"{li.unit_price:,.2f}")
        c.drawRightString(columns[4], y, f"{li.amount:,.2f}")
    y -= 10
    c.line(300, y, width - 50, y)
    rows = [("Subtotal", spec.line_total)]
    rows += [(f"VAT {t.rate.normalize():f}%", t.amount) for t in spec.tax_breakdown]
    rows.append(("Total", printed_total if printed_total is not None else spec.grand_total))
    if spec.prepaid:
        rows += [("Paid in advance", spec.prepaid), ("Amount due", spec.due_payable)]
    for label, value in rows:
        y -= 16
        c.setFont("Helvetica-Bold" if label in ("Total", "Amount due") else "Helvetica", 10)
        c.drawString(330, y, label)
        c.drawRightString(width - 50, y, amount_text(value, spec.currency))
    y -= 40
    c.setFont("Helvetica", 9)
    if spec.payment_terms:
        c.drawString(50, y, spec.payment_terms)
        y -= 12
    if spec.iban:
        c.drawString(50, y, f"IBAN: {spec.iban}")
    c.showPage()
    c.save()
    return buf.getvalue()


def embed_facturx(pdf: bytes, xml: bytes, level: str) -> bytes:
    """A Factur-X PDF/A-3 made by the factur-x library (checks the XML against its XSD)."""
    import facturx

    return bytes(facturx.generate_from_binary(pdf, xml, flavor="factur-x", level=level,
                                              check_xsd=True, lang="en-GB"))


def attach(pdf: bytes, name: str, content: bytes) -> bytes:
    """The PDF with one more embedded file, under any name."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
