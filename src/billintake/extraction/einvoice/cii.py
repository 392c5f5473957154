"""UN/CEFACT CII (Factur-X / ZUGFeRD 2.x / XRechnung CII) and ZUGFeRD 1.0 → ExtractedBill.

Both generations share the structure; ZUGFeRD 1.0 names some containers differently
(`HeaderExchangedDocument`, `ApplicableSupplyChainTradeSettlement`, ...). `Layout` holds
those names so one reader serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billintake.domain.extracted import ExtractedBill, ExtractedLineItem
from billintake.domain.text import normalize_identifier

from . import common
from .xmldoc import NS_CII, NS_ZUGFERD1, Node, XmlDoc


@dataclass(frozen=True)
class Layout:
    namespaces: dict[str, str]
    context: str
    document: str
    transaction: str
    agreement: str
    settlement: str
    summation: str
    line_agreement: str
    line_delivery: str
    line_settlement: str
    line_summation: str
    rate: str
    reference_id: str


# Where the two syntaxes put the same things: (CII of ZUGFeRD 2.x / Factur-X / XRechnung,
# ZUGFeRD 1.0).
_STEPS: dict[str, tuple[str, str]] = {
    "context": ("rsm:ExchangedDocumentContext", "rsm:SpecifiedExchangedDocumentContext"),
    "document": ("rsm:ExchangedDocument", "rsm:HeaderExchangedDocument"),
    "transaction": ("rsm:SupplyChainTradeTransaction",
                    "rsm:SpecifiedSupplyChainTradeTransaction"),
    "agreement": ("ram:ApplicableHeaderTradeAgreement",
                  "ram:ApplicableSupplyChainTradeAgreement"),
    "settlement": ("ram:ApplicableHeaderTradeSettlement",
                   "ram:ApplicableSupplyChainTradeSettlement"),
    "summation": ("ram:SpecifiedTradeSettlementHeaderMonetarySummation",
                  "ram:SpecifiedTradeSettlementMonetarySummation"),
    "line_agreement": ("ram:SpecifiedLineTradeAgreement",
                       "ram:SpecifiedSupplyChainTradeAgreement"),
    "line_delivery": ("ram:SpecifiedLineTradeDelivery", "ram:SpecifiedSupplyChainTradeDelivery"),
    "line_settlement": ("ram:SpecifiedLineTradeSettlement",
                        "ram:SpecifiedSupplyChainTradeSettlement"),
    "line_summation": ("ram:SpecifiedTradeSettlementLineMonetarySummation",
                       "ram:SpecifiedTradeSettlementMonetarySummation"),
    "rate": ("ram:RateApplicablePercent", "ram:ApplicablePercent"),
    "reference_id": ("ram:IssuerAssignedID", "ram:ID"),
}
CII_LAYOUT = Layout(NS_CII, **{name: steps[0] for name, steps in _STEPS.items()})
ZUGFERD1_LAYOUT = Layout(NS_ZUGFERD1, **{name: steps[1] for name, steps in _STEPS.items()})


def guideline_id(root: Node, layout: Layout) -> str | None:
    """BT-24, the specification identifier (profile) the document claims."""
    doc = XmlDoc(root, layout.namespaces)
    return doc.text(root, f"{layout.context}/ram:GuidelineSpecifiedDocumentContextParameter"
                          "/ram:ID")


def _party(doc: XmlDoc, party: Node | None, bill: dict[str, Any], role: str) -> None:
    """Seller (BG-4) or buyer (BG-7): name, VAT id, registration id, address, email."""
    if party is None:
        return
    bill[f"{role}_name"] = doc.string_field(party, "ram:Name")
    vat = doc.first(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']")
    tax_number = doc.first(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']")
    bill[f"{role}_tax_id"] = doc.field(doc.text_of(vat), vat) or \
        doc.field(doc.text_of(tax_number), tax_number)
    bill[f"{role}_registration_id"] = doc.string_field(
        party, "ram:SpecifiedLegalOrganization/ram:ID")
    address = doc.first(party, "ram:PostalTradeAddress")
    if address is not None:
        text = common.postal_address(
            doc, address, ("ram:LineOne", "ram:LineTwo", "ram:LineThree"), "ram:PostcodeCode",
            "ram:CityName", "ram:CountrySubDivisionName", "ram:CountryID")
        bill[f"{role}_address"] = doc.field(text, address)
    email = doc.first(party, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication"
                             "/ram:URIID",
                      "ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']")
    bill[f"{role}_email"] = doc.field(doc.text_of(email), email)


def _line_items(doc: XmlDoc, transaction: Node | None, layout: Layout) -> tuple[
        list[ExtractedLineItem], list[str]]:
    items: list[ExtractedLineItem] = []
    categories: list[str] = []
    for line in doc.all(transaction, "ram:IncludedSupplyChainTradeLineItem"):
        name = doc.text(line, "ram:SpecifiedTradeProduct/ram:Name") or doc.text(
            line, "ram:SpecifiedTradeProduct/ram:Description") or ""
        net_price = doc.first(line, f"{layout.line_agreement}/ram:NetPriceProductTradePrice")
        price = doc.amount_of(doc.first(net_price, "ram:ChargeAmount"))
        base = doc.amount_of(doc.first(net_price, "ram:BasisQuantity"))
        quantity_node = doc.first(line, f"{layout.line_delivery}/ram:BilledQuantity")
        settlement = doc.first(line, layout.line_settlement)
        category = doc.text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode")
        if category:
            categories.append(category)
        if not name:
            doc.warnings.append(f"{doc.path_of(line)}: the line has no item name (BT-153).")
        quantity = doc.amount_of(quantity_node)
        amount = doc.amount_of(doc.first(
            settlement, f"{layout.line_summation}/ram:LineTotalAmount"))
        items.append(common.line_item(
            name or "(no name)",
            quantity=quantity,
            unit=None if quantity_node is None else quantity_node.get("unitCode"),
            unit_price=common.unit_price(price, base, quantity=quantity, amount=amount,
                                         warnings=doc.warnings),
            amount=amount,
            tax_rate=doc.amount_of(doc.first(settlement, f"ram:ApplicableTradeTax/{layout.rate}")),
            evidence=doc.evidence(line),
        ))
    return items, categories


def _amount_in_currency(doc: XmlDoc, ctx: Node | None, path: str,
                        currency: str | None) -> Node | None:
    """The element in the invoice currency when it appears twice (BT-110 and BT-111)."""
    nodes = doc.all(ctx, path)
    for node in nodes:
        if currency and node.get("currencyID") == currency:
            return node
    for node in nodes:
        if node.get("currencyID") is None:
            return node
    return nodes[0] if nodes else None


def parse_cii(root: Node, layout: Layout, *, einvoice_format: str) -> ExtractedBill:
    doc = XmlDoc(root, layout.namespaces)
    bill: dict[str, Any] = {}
    header = doc.first(root, layout.document)
    transaction = doc.first(root, layout.transaction)
    agreement = doc.first(transaction, layout.agreement)
    settlement = doc.first(transaction, layout.settlement)
    summation = doc.first(settlement, layout.summation)

    bill["bill_number"] = doc.string_field(header, "ram:ID")
    type_node = doc.first(header, "ram:TypeCode")
    type_code = doc.text_of(type_node)
    document_type = common.document_type_for(type_code)
    bill["document_type"] = doc.field(document_type, type_node)
    issue = doc.first(header, "ram:IssueDateTime/udt:DateTimeString")
    bill["bill_date"] = doc.field(doc.date_of(issue), issue)

    _party(doc, doc.first(agreement, "ram:SellerTradeParty"), bill, "vendor")
    _party(doc, doc.first(agreement, "ram:BuyerTradeParty"), bill, "buyer")
    bill["po_number"] = doc.string_field(
        agreement, f"ram:BuyerOrderReferencedDocument/{layout.reference_id}")
    bill["contract_reference"] = doc.string_field(
        agreement, f"ram:ContractReferencedDocument/{layout.reference_id}")
    if layout is CII_LAYOUT:
        bill["preceding_invoice"] = doc.string_field(
            settlement, "ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
    else:  # ZUGFeRD 1.0 has no BG-3; the invoice reference travels as a referenced document
        bill["preceding_invoice"] = doc.string_field(
            agreement, "ram:AdditionalReferencedDocument[ram:ReferenceTypeCode='IV' or "
                       "ram:TypeCode='380']/ram:ID")

    bill["currency"] = common.upper(doc.string_field(settlement, "ram:InvoiceCurrencyCode"))
    currency = None if bill["currency"] is None else bill["currency"].value
    means = doc.first(settlement, "ram:SpecifiedTradeSettlementPaymentMeans"
                                  "[ram:PayeePartyCreditorFinancialAccount/ram:IBANID]")
    iban = doc.first(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
    bill["vendor_iban"] = doc.field(normalize_identifier(doc.text_of(iban)), iban)

    terms = doc.all(settlement, "ram:SpecifiedTradePaymentTerms")
    descriptions = [(n, doc.text_of(n)) for t in terms
                    for n in doc.all(t, "ram:Description")]
    if descriptions:
        bill["payment_terms"] = doc.field(
            " ".join(text for _, text in descriptions if text) or None, descriptions[0][0])
    due = next((n for t in terms for n in doc.all(t, "ram:DueDateDateTime/udt:DateTimeString")),
               None)
    bill["due_date"] = doc.field(doc.date_of(due), due)

    tax_lines, tax_categories = common.tax_breakdown(
        doc, doc.all(settlement, "ram:ApplicableTradeTax"), amount="ram:CalculatedAmount",
        category="ram:CategoryCode", rate=layout.rate, basis="ram:BasisAmount")
    bill["tax_lines"] = tax_lines
    line_items, line_categories = _line_items(doc, transaction, layout)
    bill["line_items"] = line_items

    bill["subtotal"] = doc.amount_field(summation, "ram:TaxBasisTotalAmount")
    tax_node = _amount_in_currency(doc, summation, "ram:TaxTotalAmount", currency)
    bill["tax"] = doc.field(doc.amount_of(tax_node), tax_node)
    if bill["tax"] is None and summation is not None and tax_lines:
        bill["tax"] = doc.field(sum((t.amount for t in tax_lines), Decimal(0)), summation)
    bill["total"] = doc.amount_field(summation, "ram:GrandTotalAmount")
    bill["amount_due"] = doc.amount_field(summation, "ram:DuePayableAmount")
    bill["discount"] = common.nonzero(doc.amount_field(summation, "ram:AllowanceTotalAmount"))

    # BT-83 remittance information; CreditorReferenceID (BT-90) is the seller's SEPA direct
    # debit creditor id, not what a transfer quotes.
    bill["payment"] = common.payment_data(
        doc, bill, iban=iban,
        bic=doc.first(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        reference=doc.first(settlement, "ram:PaymentReference"),
        payee=doc.first(settlement, "ram:PayeeTradeParty/ram:Name",
                        "ram:SpecifiedTradeSettlementPaymentMeans"
                        "/ram:PayeePartyCreditorFinancialAccount/ram:AccountName"))
    paths = ("ram:TotalPrepaidAmount", "ram:RoundingAmount", "ram:LineTotalAmount")
    return common.checked_bill(doc, bill, type_code, tax_categories + line_categories,
                               summation, paths, einvoice_format=einvoice_format)
