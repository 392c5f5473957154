"""UN/CEFACT CII (Factur-X / ZUGFeRD 2.x / XRechnung CII) and ZUGFeRD 1.0 → ExtractedBill.

Both generations share the structure; ZUGFeRD 1.0 names some containers differently
(`HeaderExchangedDocument`, `ApplicableSupplyChainTradeSettlement`, ...). `Layout` holds
those names so one reader serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billintake.domain.extracted import ExtractedBill, ExtractedLineItem, TaxLine

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


CII_LAYOUT = Layout(
    namespaces=NS_CII,
    context="rsm:ExchangedDocumentContext",
    document="rsm:ExchangedDocument",
    transaction="rsm:SupplyChainTradeTransaction",
    agreement="ram:ApplicableHeaderTradeAgreement",
    settlement="ram:ApplicableHeaderTradeSettlement",
    summation="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    line_agreement="ram:SpecifiedLineTradeAgreement",
    line_delivery="ram:SpecifiedLineTradeDelivery",
    line_settlement="ram:SpecifiedLineTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementLineMonetarySummation",
    rate="ram:RateApplicablePercent",
    reference_id="ram:IssuerAssignedID",
)
ZUGFERD1_LAYOUT = Layout(
    namespaces=NS_ZUGFERD1,
    context="rsm:SpecifiedExchangedDocumentContext",
    document="rsm:HeaderExchangedDocument",
    transaction="rsm:SpecifiedSupplyChainTradeTransaction",
    agreement="ram:ApplicableSupplyChainTradeAgreement",
    settlement="ram:ApplicableSupplyChainTradeSettlement",
    summation="ram:SpecifiedTradeSettlementMonetarySummation",
    line_agreement="ram:SpecifiedSupplyChainTradeAgreement",
    line_delivery="ram:SpecifiedSupplyChainTradeDelivery",
    line_settlement="ram:SpecifiedSupplyChainTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementMonetarySummation",
    rate="ram:ApplicablePercent",
    reference_id="ram:ID",
)


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
        city = " ".join(filter(None, [doc.text(address, "ram:PostcodeCode"),
                                      doc.text(address, "ram:CityName")]))
        text = common.join_address(
            doc.text(address, "ram:LineOne"), doc.text(address, "ram:LineTwo"),
            doc.text(address, "ram:LineThree"), city or None,
            doc.text(address, "ram:CountrySubDivisionName"), doc.text(address, "ram:CountryID"))
        bill[f"{role}_address"] = doc.field(text, address)
    email = doc.first(party, "ram:DefinedTradeContact/ram:EmailURIUniversalCommunication"
                             "/ram:URIID")
    if email is None:
        email = doc.first(party, "ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']")
    bill[f"{role}_email"] = doc.field(doc.text_of(email), email)


def _tax_lines(doc: XmlDoc, settlement: Node | None, layout: Layout) -> tuple[list[TaxLine],
                                                                            list[str]]:
    lines: list[TaxLine] = []
    categories: list[str] = []
    for tax in doc.all(settlement, "ram:ApplicableTradeTax"):
        amount = doc.amount_of(doc.first(tax, "ram:CalculatedAmount"))
        category = doc.text(tax, "ram:CategoryCode")
        if category:
            categories.append(category)
        if amount is None:
            continue
        lines.append(TaxLine(rate=doc.amount_of(doc.first(tax, layout.rate)),
                             basis=doc.amount_of(doc.first(tax, "ram:BasisAmount")),
                             amount=amount))
    return lines, categories


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
        items.append(common.line_item(
            name or "(no name)",
            quantity=doc.amount_of(quantity_node),
            unit=None if quantity_node is None else quantity_node.get("unitCode"),
            unit_price=common.unit_price(price, base),
            amount=doc.amount_of(doc.first(
                settlement, f"{layout.line_summation}/ram:LineTotalAmount")),
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

    currency_field = doc.string_field(settlement, "ram:InvoiceCurrencyCode")
    if currency_field is not None:
        currency_field = currency_field.model_copy(
            update={"value": currency_field.value.upper()})
    bill["currency"] = currency_field
    currency = None if currency_field is None else currency_field.value
    iban = doc.first(settlement, "ram:SpecifiedTradeSettlementPaymentMeans"
                                 "/ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
    bill["vendor_iban"] = doc.field(common.normalise_iban(doc.text_of(iban)), iban)

    terms = doc.all(settlement, "ram:SpecifiedTradePaymentTerms")
    descriptions = [(n, doc.text_of(n)) for t in terms
                    for n in doc.all(t, "ram:Description")]
    if descriptions:
        bill["payment_terms"] = doc.field(
            " ".join(text for _, text in descriptions if text) or None, descriptions[0][0])
    due = next((n for t in terms for n in doc.all(t, "ram:DueDateDateTime/udt:DateTimeString")),
               None)
    bill["due_date"] = doc.field(doc.date_of(due), due)

    tax_lines, tax_categories = _tax_lines(doc, settlement, layout)
    bill["tax_lines"] = tax_lines
    line_items, line_categories = _line_items(doc, transaction, layout)
    bill["line_items"] = line_items

    def amount(path: str) -> Any:
        node = doc.first(summation, path)
        return doc.field(doc.amount_of(node), node)

    bill["subtotal"] = amount("ram:TaxBasisTotalAmount")
    tax_node = _amount_in_currency(doc, summation, "ram:TaxTotalAmount", currency)
    bill["tax"] = doc.field(doc.amount_of(tax_node), tax_node)
    if bill["tax"] is None and summation is not None and tax_lines:
        bill["tax"] = doc.field(sum((t.amount for t in tax_lines), Decimal(0)), summation)
    bill["total"] = amount("ram:GrandTotalAmount")
    bill["amount_due"] = amount("ram:DuePayableAmount")
    allowances = amount("ram:AllowanceTotalAmount")
    bill["discount"] = allowances if allowances is not None and allowances.value else None

    warnings = doc.warnings
    common.check_mandatory(bill, warnings)
    common.check_code_lists(bill, type_code, warnings, tax_categories + line_categories)
    common.check_arithmetic(
        bill,
        prepaid=doc.amount_of(doc.first(summation, "ram:TotalPrepaidAmount")),
        rounding=doc.amount_of(doc.first(summation, "ram:RoundingAmount")),
        line_total=doc.amount_of(doc.first(summation, "ram:LineTotalAmount")),
        warnings=warnings,
    )
    return common.build(bill, warnings=warnings, einvoice_format=einvoice_format)
