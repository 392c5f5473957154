"""ZUGFeRD 1.0 documents (BASIC, COMFORT, EXTENDED) from an InvoiceSpec."""

from __future__ import annotations

from lxml import etree

from .spec import InvoiceSpec, Party
from .xmlbuild import Builder, serialise

NS = {
    "rsm": "urn:ferd:CrossIndustryDocument:invoice:1p0",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15",
}
PROFILES = ("basic", "comfort", "extended")
HEADER_FIELDS = {
    "basic": {"bill_number", "bill_date", "vendor_name", "vendor_tax_id", "buyer_name",
              "currency", "subtotal", "tax", "total", "amount_due", "document_type",
              "due_date", "payment_terms", "vendor_iban", "vendor_address", "line_items"},
}
HEADER_FIELDS["comfort"] = HEADER_FIELDS["basic"] | {"po_number", "contract_reference",
                                                     "vendor_email"}
HEADER_FIELDS["extended"] = HEADER_FIELDS["comfort"]


def _date(b: Builder, parent: etree._Element, name: str, value: object) -> None:
    b.add(b.add(parent, name), "udt:DateTimeString",
          value.strftime("%Y%m%d"), format="102")  # type: ignore[attr-defined]


def _party(b: Builder, parent: etree._Element, name: str, party: Party, rich: bool) -> None:
    el = b.add(parent, name)
    b.add(el, "ram:Name", party.name)
    if rich and party.email:
        contact = b.add(el, "ram:DefinedTradeContact")
        b.add(contact, "ram:PersonName", "Buchhaltung")
        b.add(b.add(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    address = b.add(el, "ram:PostalTradeAddress")
    b.add(address, "ram:PostcodeCode", party.postcode)
    b.add(address, "ram:LineOne", party.street)
    b.add(address, "ram:CityName", party.city)
    b.add(address, "ram:CountryID", party.country)
    if party.vat_id:
        b.add(b.add(el, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def zugferd1_xml(spec: InvoiceSpec, profile: str) -> bytes:
    if profile not in PROFILES:
        raise ValueError(f"unknown ZUGFeRD 1.0 profile {profile!r}")
    rich = profile != "basic"
    b = Builder(dict(NS))
    root = b.root("rsm:CrossIndustryDocument")
    context = b.add(root, "rsm:SpecifiedExchangedDocumentContext")
    b.add(b.add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID",
          f"urn:ferd:CrossIndustryDocument:invoice:1p0:{profile}")
    header = b.add(root, "rsm:HeaderExchangedDocument")
    b.add(header, "ram:ID", spec.number)
    b.add(header, "ram:Name", "GUTSCHRIFT" if spec.is_credit_note else "RECHNUNG")
    b.add(header, "ram:TypeCode", spec.type_code)
    _date(b, header, "ram:IssueDateTime", spec.issue_date)
    for note in spec.notes:
        b.add(b.add(header, "ram:IncludedNote"), "ram:Content", note)

    tx = b.add(root, "rsm:SpecifiedSupplyChainTradeTransaction")
    agreement = b.add(tx, "ram:ApplicableSupplyChainTradeAgreement")
    if spec.buyer_reference and rich:
        b.add(agreement, "ram:BuyerReference", spec.buyer_reference)
    _party(b, agreement, "ram:SellerTradeParty", spec.seller, rich)
    _party(b, agreement, "ram:BuyerTradeParty", spec.buyer, False)
    if rich and spec.po_number:
        b.add(b.add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:ID", spec.po_number)
    if rich and spec.contract:
        b.add(b.add(agreement, "ram:ContractReferencedDocument"), "ram:ID", spec.contract)
    b.add(tx, "ram:ApplicableSupplyChainTradeDelivery")
    settlement = b.add(tx, "ram:ApplicableSupplyChainTradeSettlement")
    b.add(settlement, "ram:PaymentReference", spec.number)
    b.add(settlement, "ram:InvoiceCurrencyCode", spec.currency)
    if spec.iban:
        means = b.add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        b.add(means, "ram:TypeCode", "58")
        b.add(b.add(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", spec.iban)
    for tax in spec.tax_breakdown:
        el = b.add(settlement, "ram:ApplicableTradeTax")
        b.add(el, "ram:CalculatedAmount", tax.amount, currencyID=spec.currency)
        b.add(el, "ram:TypeCode", "VAT")
        b.add(el, "ram:BasisAmount", tax.basis, currencyID=spec.currency)
        b.add(el, "ram:CategoryCode", tax.category)
        b.add(el, "ram:ApplicablePercent", tax.rate)
    if spec.payment_terms or spec.due_date:
        terms = b.add(settlement, "ram:SpecifiedTradePaymentTerms")
        if spec.payment_terms:
            b.add(terms, "ram:Description", spec.payment_terms)
        if spec.due_date:
            _date(b, terms, "ram:DueDateDateTime", spec.due_date)
    total = b.add(settlement, "ram:SpecifiedTradeSettlementMonetarySummation")
    cur = {"currencyID": spec.currency}
    b.add(total, "ram:LineTotalAmount", spec.line_total, **cur)
    b.add(total, "ram:ChargeTotalAmount", "0.00", **cur)
    b.add(total, "ram:AllowanceTotalAmount", "0.00", **cur)
    b.add(total, "ram:TaxBasisTotalAmount", spec.line_total, **cur)
    b.add(total, "ram:TaxTotalAmount", spec.tax_total, **cur)
    b.add(total, "ram:GrandTotalAmount", spec.grand_total, **cur)
    if spec.prepaid:
        b.add(total, "ram:TotalPrepaidAmount", spec.prepaid, **cur)
    b.add(total, "ram:DuePayableAmount", spec.due_payable, **cur)

    for index, li in enumerate(spec.lines):
        el = b.add(tx, "ram:IncludedSupplyChainTradeLineItem")
        b.add(b.add(el, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index + 1))
        net = b.add(b.add(el, "ram:SpecifiedSupplyChainTradeAgreement"),
                    "ram:NetPriceProductTradePrice")
        b.add(net, "ram:ChargeAmount", li.price, **cur)
        if li.base_quantity != 1:
            b.add(net, "ram:BasisQuantity", li.base_quantity, unitCode=li.unit)
        b.add(b.add(el, "ram:SpecifiedSupplyChainTradeDelivery"), "ram:BilledQuantity",
              li.quantity, unitCode=li.unit)
        line_settlement = b.add(el, "ram:SpecifiedSupplyChainTradeSettlement")
        tax = b.add(line_settlement, "ram:ApplicableTradeTax")
        b.add(tax, "ram:TypeCode", "VAT")
        b.add(tax, "ram:CategoryCode", li.category)
        b.add(tax, "ram:ApplicablePercent", li.rate)
        b.add(b.add(line_settlement, "ram:SpecifiedTradeSettlementMonetarySummation"),
              "ram:LineTotalAmount", li.amount, **cur)
        b.add(b.add(el, "ram:SpecifiedTradeProduct"), "ram:Name", li.name)
    return serialise(root)
