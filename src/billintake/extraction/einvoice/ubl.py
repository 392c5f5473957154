"""UBL 2.1 `Invoice` and `CreditNote` (Peppol BIS Billing 3.0, XRechnung UBL) → ExtractedBill."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billintake.domain.extracted import ExtractedBill, ExtractedLineItem
from billintake.domain.text import normalize_identifier

from . import common
from .xmldoc import NS_UBL_COMMON, UBL_CREDIT_NOTE_NS, Node, XmlDoc, local_name


def ubl_doc(root: Node) -> XmlDoc:
    """A view with the root's namespace as prefix `doc` (left out of evidence paths)."""
    return XmlDoc(root, {**NS_UBL_COMMON, "doc": root.nsmap.get(None) or
                         root.tag[1:].split("}")[0]}, default_prefix="doc")


def customization_id(root: Node) -> str | None:
    doc = ubl_doc(root)
    return doc.text(root, "cbc:CustomizationID")


def _party(doc: XmlDoc, party: Node | None, bill: dict[str, Any], role: str) -> None:
    if party is None:
        return
    name = doc.first(party, "cac:PartyLegalEntity/cbc:RegistrationName", "cac:PartyName/cbc:Name")
    bill[f"{role}_name"] = doc.field(doc.text_of(name), name)
    tax = doc.first(party, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID",
                    "cac:PartyTaxScheme/cbc:CompanyID")
    bill[f"{role}_tax_id"] = doc.field(doc.text_of(tax), tax)
    bill[f"{role}_registration_id"] = doc.string_field(party,
                                                       "cac:PartyLegalEntity/cbc:CompanyID")
    address = doc.first(party, "cac:PostalAddress")
    if address is not None:
        text = common.postal_address(
            doc, address,
            ("cbc:StreetName", "cbc:AdditionalStreetName", "cac:AddressLine/cbc:Line"),
            "cbc:PostalZone", "cbc:CityName", "cbc:CountrySubentity",
            "cac:Country/cbc:IdentificationCode")
        bill[f"{role}_address"] = doc.field(text, address)
    email = doc.first(party, "cac:Contact/cbc:ElectronicMail", "cbc:EndpointID[@schemeID='EM']")
    bill[f"{role}_email"] = doc.field(doc.text_of(email), email)


def _tax_total(doc: XmlDoc, root: Node, currency: str | None) -> Node | None:
    """The TaxTotal in the document currency (a second one may be in the VAT currency)."""
    totals = doc.all(root, "cac:TaxTotal")
    for total in totals:
        amount = doc.first(total, "cbc:TaxAmount")
        if amount is not None and (currency is None or amount.get("currencyID") == currency):
            return total
    return totals[0] if totals else None


def _line_items(doc: XmlDoc, root: Node, credit: bool) -> tuple[list[ExtractedLineItem],
                                                                 list[str]]:
    line_tag, qty_tag = ("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit else (
        "cac:InvoiceLine", "cbc:InvoicedQuantity")
    items: list[ExtractedLineItem] = []
    categories: list[str] = []
    for line in doc.all(root, line_tag):
        name = doc.text(line, "cac:Item/cbc:Name") or doc.text(line, "cac:Item/cbc:Description")
        if not name:
            doc.warnings.append(f"{doc.path_of(line)}: the line has no item name (BT-153).")
        quantity = doc.first(line, qty_tag)
        amount = doc.amount_of(doc.first(line, "cbc:LineExtensionAmount"))
        category = doc.text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        if category:
            categories.append(category)
        items.append(common.line_item(
            name or "(no name)",
            quantity=doc.amount_of(quantity),
            unit=None if quantity is None else quantity.get("unitCode"),
            unit_price=common.unit_price(
                doc.amount_of(doc.first(line, "cac:Price/cbc:PriceAmount")),
                doc.amount_of(doc.first(line, "cac:Price/cbc:BaseQuantity")),
                quantity=doc.amount_of(quantity), amount=amount, warnings=doc.warnings),
            amount=amount,
            tax_rate=doc.amount_of(doc.first(line, "cac:Item/cac:ClassifiedTaxCategory"
                                                   "/cbc:Percent")),
            evidence=doc.evidence(line),
        ))
    return items, categories


def parse_ubl(root: Node, *, einvoice_format: str) -> ExtractedBill:
    doc = ubl_doc(root)
    credit_root = doc.ns["doc"] == UBL_CREDIT_NOTE_NS and local_name(root) == "CreditNote"
    bill: dict[str, Any] = {}
    bill["bill_number"] = doc.string_field(root, "cbc:ID")
    type_node = doc.first(root, "cbc:CreditNoteTypeCode" if credit_root else
                          "cbc:InvoiceTypeCode")
    type_code = doc.text_of(type_node)
    document_type = common.document_type_for(type_code)
    if credit_root and document_type == "invoice":
        document_type = "credit_note"  # the root says so, whatever the code
    bill["document_type"] = doc.field(document_type, type_node if type_node is not None
                                      else root)
    issue = doc.first(root, "cbc:IssueDate")
    bill["bill_date"] = doc.field(doc.date_of(issue), issue)
    due = doc.first(root, "cbc:DueDate")
    if due is None:  # a CreditNote carries BT-9 under PaymentMeans
        due = doc.first(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    bill["due_date"] = doc.field(doc.date_of(due), due)
    notes = doc.all(root, "cac:PaymentTerms/cbc:Note")
    if notes:
        bill["payment_terms"] = doc.field(
            " ".join(filter(None, (doc.text_of(n) for n in notes))) or None, notes[0])
    bill["currency"] = common.upper(doc.string_field(root, "cbc:DocumentCurrencyCode"))
    currency = None if bill["currency"] is None else bill["currency"].value

    bill["po_number"] = doc.string_field(root, "cac:OrderReference/cbc:ID")
    bill["contract_reference"] = doc.string_field(root, "cac:ContractDocumentReference/cbc:ID")
    bill["preceding_invoice"] = doc.string_field(
        root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")

    _party(doc, doc.first(root, "cac:AccountingSupplierParty/cac:Party"), bill, "vendor")
    _party(doc, doc.first(root, "cac:AccountingCustomerParty/cac:Party"), bill, "buyer")
    means = doc.first(root, "cac:PaymentMeans[cac:PayeeFinancialAccount/cbc:ID]")
    iban = doc.first(means, "cac:PayeeFinancialAccount/cbc:ID")
    bill["vendor_iban"] = doc.field(normalize_identifier(doc.text_of(iban)), iban)

    tax_total = _tax_total(doc, root, currency)
    tax_node = doc.first(tax_total, "cbc:TaxAmount")
    bill["tax"] = doc.field(doc.amount_of(tax_node), tax_node)
    tax_lines, tax_categories = common.tax_breakdown(
        doc, doc.all(tax_total, "cac:TaxSubtotal"), amount="cbc:TaxAmount",
        category="cac:TaxCategory/cbc:ID", rate="cac:TaxCategory/cbc:Percent",
        basis="cbc:TaxableAmount")
    bill["tax_lines"] = tax_lines
    line_items, line_categories = _line_items(doc, root, credit_root)
    bill["line_items"] = line_items

    totals = doc.first(root, "cac:LegalMonetaryTotal")

    bill["subtotal"] = doc.amount_field(totals, "cbc:TaxExclusiveAmount")
    bill["total"] = doc.amount_field(totals, "cbc:TaxInclusiveAmount")
    bill["amount_due"] = doc.amount_field(totals, "cbc:PayableAmount")
    bill["discount"] = common.nonzero(doc.amount_field(totals, "cbc:AllowanceTotalAmount"))
    if bill["tax"] is None and tax_lines and totals is not None:
        bill["tax"] = doc.field(sum((t.amount for t in tax_lines), Decimal(0)), totals)

    bill["payment"] = common.payment_data(
        doc, bill, iban=iban,
        bic=doc.first(means, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        reference=doc.first(root, "cac:PaymentMeans/cbc:PaymentID"),
        payee=doc.first(root, "cac:PayeeParty/cac:PartyName/cbc:Name",
                        "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:Name"))
    paths = ("cbc:PrepaidAmount", "cbc:PayableRoundingAmount", "cbc:LineExtensionAmount")
    return common.checked_bill(doc, bill, type_code, tax_categories + line_categories, totals,
                               paths, einvoice_format=einvoice_format)
