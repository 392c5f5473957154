"""Factur-X / ZUGFeRD 2.x / XRechnung CII documents in every profile, from an InvoiceSpec.

The element order and the content of each profile follow the Factur-X 1.0 XSDs (which the
tests check every generated document against, with factur-x's `xml_check_xsd`).
"""

from __future__ import annotations

from lxml import etree

from .spec import InvoiceSpec, Party
from .xmlbuild import Builder, serialise

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
PROFILES = ("minimum", "basicwl", "basic", "en16931", "extended", "xrechnung")
GUIDELINES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    "xrechnung": "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
}
RANK = {"minimum": 0, "basicwl": 1, "basic": 2, "en16931": 3, "extended": 4, "xrechnung": 3}

# The ExtractedBill fields each profile carries (the truth files list only these).
HEADER_FIELDS = {
    "minimum": {"bill_number", "bill_date", "vendor_name", "vendor_tax_id", "buyer_name",
                "currency", "subtotal", "tax", "total", "amount_due", "po_number",
                "document_type", "vendor_registration_id"},
}
HEADER_FIELDS["basicwl"] = HEADER_FIELDS["minimum"] | {
    "due_date", "payment_terms", "vendor_iban", "contract_reference", "preceding_invoice",
    "vendor_address"}
HEADER_FIELDS["basic"] = HEADER_FIELDS["basicwl"] | {"line_items"}
HEADER_FIELDS["en16931"] = HEADER_FIELDS["basic"] | {"vendor_email"}
HEADER_FIELDS["extended"] = HEADER_FIELDS["en16931"]
HEADER_FIELDS["xrechnung"] = HEADER_FIELDS["en16931"]


def _date(b: Builder, parent: etree._Element, name: str, value: object) -> None:
    holder = b.add(parent, name)
    b.add(holder, "udt:DateTimeString", value.strftime("%Y%m%d"),  # type: ignore[attr-defined]
          format="102")


def _party(b: Builder, parent: etree._Element, name: str, party: Party, profile: str,
           seller: bool) -> None:
    rank = RANK[profile]
    el = b.add(parent, name)
    b.add(el, "ram:Name", party.name)
    if party.registration_id and (seller or rank >= 0):
        legal = b.add(el, "ram:SpecifiedLegalOrganization")
        b.add(legal, "ram:ID", party.registration_id, schemeID="0002")
    if seller and party.email and rank >= 3:
        contact = b.add(el, "ram:DefinedTradeContact")
        b.add(contact, "ram:PersonName", "Accounts receivable")
        b.add(b.add(contact, "ram:TelephoneUniversalCommunication"), "ram:CompleteNumber",
              "+49 30 1234567")
        b.add(b.add(contact, "ram:EmailURIUniversalCommunication"), "ram:URIID", party.email)
    if seller or rank >= 1:
        address = b.add(el, "ram:PostalTradeAddress")
        if rank >= 1:
            b.add(address, "ram:PostcodeCode", party.postcode)
            b.add(address, "ram:LineOne", party.street)
            b.add(address, "ram:CityName", party.city)
        b.add(address, "ram:CountryID", party.country)
    if profile == "xrechnung" and party.email:
        b.add(el, "ram:URIUniversalCommunication").append(
            _uri(b, party.email))
    if party.vat_id and (seller or rank >= 1):
        b.add(b.add(el, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")


def _uri(b: Builder, email: str) -> etree._Element:
    el = etree.Element(b.qname("ram:URIID"))
    el.text = email
    el.set("schemeID", "EM")
    return el


def _line(b: Builder, tx: etree._Element, index: int, spec: InvoiceSpec, profile: str) -> None:
    li = spec.lines[index]
    el = b.add(tx, "ram:IncludedSupplyChainTradeLineItem")
    b.add(b.add(el, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index + 1))
    product = b.add(el, "ram:SpecifiedTradeProduct")
    if RANK[profile] >= 3:
        b.add(product, "ram:SellerAssignedID", f"ART-{index + 1:03d}")
    b.add(product, "ram:Name", li.name)
    agreement = b.add(el, "ram:SpecifiedLineTradeAgreement")
    gross = b.add(agreement, "ram:GrossPriceProductTradePrice")
    b.add(gross, "ram:ChargeAmount", li.price)
    if li.base_quantity != 1:
        b.add(gross, "ram:BasisQuantity", li.base_quantity, unitCode=li.unit)
    net = b.add(agreement, "ram:NetPriceProductTradePrice")
    b.add(net, "ram:ChargeAmount", li.price)
    if li.base_quantity != 1:
        b.add(net, "ram:BasisQuantity", li.base_quantity, unitCode=li.unit)
    b.add(b.add(el, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", li.quantity,
          unitCode=li.unit)
    settlement = b.add(el, "ram:SpecifiedLineTradeSettlement")
    tax = b.add(settlement, "ram:ApplicableTradeTax")
    b.add(tax, "ram:TypeCode", "VAT")
    b.add(tax, "ram:CategoryCode", li.category)
    b.add(tax, "ram:RateApplicablePercent", li.rate)
    b.add(b.add(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
          "ram:LineTotalAmount", li.amount)


def cii_xml(spec: InvoiceSpec, profile: str) -> bytes:
    """A CII document (Factur-X profile `profile`, or `xrechnung`) for `spec`."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    rank = RANK[profile]
    b = Builder({"rsm": NS["rsm"], "qdt": NS["qdt"], "ram": NS["ram"], "udt": NS["udt"]})
    root = b.root("rsm:CrossIndustryInvoice")
    context = b.add(root, "rsm:ExchangedDocumentContext")
    if profile == "xrechnung":
        b.add(b.add(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID",
              "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
    b.add(b.add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID",
          GUIDELINES[profile])
    header = b.add(root, "rsm:ExchangedDocument")
    b.add(header, "ram:ID", spec.number)
    b.add(header, "ram:TypeCode", spec.type_code)
    _date(b, header, "ram:IssueDateTime", spec.issue_date)
    if rank >= 1:
        for note in spec.notes:
            b.add(b.add(header, "ram:IncludedNote"), "ram:Content", note)

    tx = b.add(root, "rsm:SupplyChainTradeTransaction")
    if rank >= 2:
        for index in range(len(spec.lines)):
            _line(b, tx, index, spec, profile)

    agreement = b.add(tx, "ram:ApplicableHeaderTradeAgreement")
    if spec.buyer_reference:
        b.add(agreement, "ram:BuyerReference", spec.buyer_reference)
    _party(b, agreement, "ram:SellerTradeParty", spec.seller, profile, seller=True)
    _party(b, agreement, "ram:BuyerTradeParty", spec.buyer, profile, seller=False)
    if spec.po_number:
        b.add(b.add(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID",
              spec.po_number)
    if spec.contract and rank >= 1:
        b.add(b.add(agreement, "ram:ContractReferencedDocument"), "ram:IssuerAssignedID",
              spec.contract)

    b.add(tx, "ram:ApplicableHeaderTradeDelivery")
    settlement = b.add(tx, "ram:ApplicableHeaderTradeSettlement")
    if rank >= 1:
        b.add(settlement, "ram:PaymentReference", spec.payment_reference or spec.number)
    b.add(settlement, "ram:InvoiceCurrencyCode", spec.currency)
    if rank >= 1 and spec.iban:
        means = b.add(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        b.add(means, "ram:TypeCode", "58")
        b.add(b.add(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", spec.iban)
        if rank >= 3 and spec.bic:
            b.add(b.add(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID",
                  spec.bic)
    if rank >= 1:
        for tax in spec.tax_breakdown:
            el = b.add(settlement, "ram:ApplicableTradeTax")
            b.add(el, "ram:CalculatedAmount", tax.amount)
            b.add(el, "ram:TypeCode", "VAT")
            b.add(el, "ram:BasisAmount", tax.basis)
            b.add(el, "ram:CategoryCode", tax.category)
            b.add(el, "ram:RateApplicablePercent", tax.rate)
        if spec.payment_terms or spec.due_date:
            terms = b.add(settlement, "ram:SpecifiedTradePaymentTerms")
            if spec.payment_terms:
                b.add(terms, "ram:Description", spec.payment_terms)
            if spec.due_date:
                _date(b, terms, "ram:DueDateDateTime", spec.due_date)
    total = b.add(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    if rank >= 1:
        b.add(total, "ram:LineTotalAmount", spec.line_total)
    b.add(total, "ram:TaxBasisTotalAmount", spec.line_total)
    b.add(total, "ram:TaxTotalAmount", spec.tax_total, currencyID=spec.currency)
    b.add(total, "ram:GrandTotalAmount", spec.grand_total)
    if rank >= 1 and spec.prepaid:
        b.add(total, "ram:TotalPrepaidAmount", spec.prepaid)
    b.add(total, "ram:DuePayableAmount", spec.due_payable)
    if rank >= 1 and spec.preceding_invoice:
        ref = b.add(settlement, "ram:InvoiceReferencedDocument")
        b.add(ref, "ram:IssuerAssignedID", spec.preceding_invoice)
        if spec.preceding_date:
            holder = b.add(ref, "ram:FormattedIssueDateTime")
            b.add(holder, "qdt:DateTimeString", spec.preceding_date.strftime("%Y%m%d"),
                  format="102")
    return serialise(root)
