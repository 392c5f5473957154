"""The sample parties and invoices the generated e-invoices are made of."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from .spec import InvoiceSpec, Line, Party

NORDWIND = Party(
    name="Nordwind Bürotechnik GmbH", street="Hafenstraße 12", postcode="20457",
    city="Hamburg", country="DE", vat_id="DE811234567", registration_id="HRB 123456",
    email="rechnung@nordwind-buero.example")
LUMEN = Party(
    name="Lumen Éclairage SARL", street="12 rue des Lampes", postcode="69002", city="Lyon",
    country="FR", vat_id="FR44732829320", registration_id="73282932000074",
    email="factures@lumen-eclairage.example")
HARBOUR = Party(
    name="Harbour Print Ltd", street="4 Quay Street", postcode="BS1 4DJ", city="Bristol",
    country="GB", vat_id="GB123456789", registration_id="09876543",
    email="accounts@harbourprint.example")
POLDER = Party(
    name="Polder Software B.V.", street="Keizersgracht 100", postcode="1015 AA",
    city="Amsterdam", country="NL", vat_id="NL123456789B01", registration_id="12345678",
    email="billing@poldersoftware.example")
BUYER = Party(
    name="Kestrel Analytics GmbH", street="Torstraße 5", postcode="10119", city="Berlin",
    country="DE", vat_id="DE298765432", registration_id="HRB 98765 B",
    email="ap@kestrel-analytics.example")

OFFICE_LINES = (
    Line("Laser printer LX-200", D("2"), "C62", D("249.00")),
    Line("Toner cartridge black", D("5"), "C62", D("38.50")),
    Line("Copy paper A4, 500 sheets", D("20"), "C62", D("4.95")),
)
LIGHT_LINES = (
    Line("Suspension lamp Opale", D("4"), "C62", D("129.90"), rate=D("20")),
    Line("LED bulb 9 W (pack of 10)", D("3"), "C62", D("24.00"), rate=D("20")),
    Line("Installation work", D("6.5"), "HUR", D("55.00"), rate=D("20")),
)
MIXED_LINES = (
    Line("Cloud hosting, March", D("1"), "C62", D("480.00")),
    Line("Support hours", D("7.5"), "HUR", D("90.00")),
    Line("Technical handbook", D("2"), "C62", D("34.90"), rate=D("7")),
    Line("Cable ties", D("250"), "C62", D("12.00"), base_quantity=D("100")),
)


def invoice(number: str, issued: date, seller: Party, lines: tuple[Line, ...],
            **extra: object) -> InvoiceSpec:
    defaults: dict[str, object] = dict(
        buyer=BUYER, due_date=date.fromordinal(issued.toordinal() + 30),
        payment_terms="Payable within 30 days without deduction",
        iban="DE02120300000000202051", po_number=f"PO-{number[-4:]}",
        buyer_reference="04011000-12345-34")
    defaults.update(extra)
    return InvoiceSpec(number=number, issue_date=issued, seller=seller, lines=lines,
                       **defaults)  # type: ignore[arg-type]
