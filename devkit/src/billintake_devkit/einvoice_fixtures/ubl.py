"""UBL 2.1 Invoice and CreditNote following Peppol BIS Billing 3.0, from an InvoiceSpec.

Structure compared with OpenPEPPOL's base-example.xml and base-creditnote-correction.xml;
the tests check each document against the UBL 2.1 XSD with factur-x's `xml_check_xsd`.
"""

from __future__ import annotations

from lxml import etree

from .spec import InvoiceSpec, Party
from .xmlbuild import Builder, serialise

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT_NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}
PEPPOL = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
HEADER_FIELDS = {
    "bill_number", "bill_date", "due_date", "payment_terms", "vendor_name", "vendor_tax_id",
    "vendor_registration_id", "vendor_address", "vendor_email", "vendor_iban", "buyer_name",
    "currency", "subtotal", "tax", "total", "amount_due", "po_number", "contract_reference",
    "preceding_invoice", "document_type", "line_items"}


def _party(b: Builder, parent: etree._Element, name: str, party: Party) -> None:
    el = b.add(b.add(parent, name), "cac:Party")
    b.add(el, "cbc:EndpointID", party.email or party.vat_id or party.name, schemeID="EM")
    b.add(b.add(el, "cac:PartyName"), "cbc:Name", party.name)
    address = b.add(el, "cac:PostalAddress")
    b.add(address, "cbc:StreetName", party.street)
    b.add(address, "cbc:CityName", party.city)
    b.add(address, "cbc:PostalZone", party.postcode)
    b.add(b.add(address, "cac:Country"), "cbc:IdentificationCode", party.country)
    if party.vat_id:
        scheme = b.add(el, "cac:PartyTaxScheme")
        b.add(scheme, "cbc:CompanyID", party.vat_id)
        b.add(b.add(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    legal = b.add(el, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", party.name)
    if party.registration_id:
        b.add(legal, "cbc:CompanyID", party.registration_id)
    if party.email:
        contact = b.add(el, "cac:Contact")
        b.add(contact, "cbc:Name", "Accounts")
        b.add(contact, "cbc:ElectronicMail", party.email)


def _tax_category(b: Builder, parent: etree._Element, name: str, category: str,
                  rate: object) -> None:
    el = b.add(parent, name)
    b.add(el, "cbc:ID", category)
    b.add(el, "cbc:Percent", rate)
    b.add(b.add(el, "cac:TaxScheme"), "cbc:ID", "VAT")


def ubl_xml(spec: InvoiceSpec, *, customization: str = PEPPOL) -> bytes:
    """A UBL Invoice, or a CreditNote when `spec` is a credit note (type code 381)."""
    kind = "CreditNote" if spec.is_credit_note else "Invoice"
    b = Builder({None: ROOT_NS[kind], "cac": CAC, "cbc": CBC})
    root = b.root(kind)
    cur = {"currencyID": spec.currency}
    b.add(root, "cbc:CustomizationID", customization)
    b.add(root, "cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
    b.add(root, "cbc:ID", spec.number)
    b.add(root, "cbc:IssueDate", spec.issue_date.isoformat())
    if kind == "Invoice" and spec.due_date:
        b.add(root, "cbc:DueDate", spec.due_date.isoformat())
    b.add(root, f"cbc:{kind}TypeCode", spec.type_code)
    for note in spec.notes:
        b.add(root, "cbc:Note", note)
    b.add(root, "cbc:DocumentCurrencyCode", spec.currency)
    if spec.buyer_reference:
        b.add(root, "cbc:BuyerReference", spec.buyer_reference)
    if spec.po_number:
        b.add(b.add(root, "cac:OrderReference"), "cbc:ID", spec.po_number)
    if spec.preceding_invoice:
        ref = b.add(b.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.add(ref, "cbc:ID", spec.preceding_invoice)
        if spec.preceding_date:
            b.add(ref, "cbc:IssueDate", spec.preceding_date.isoformat())
    if spec.contract:
        b.add(b.add(root, "cac:ContractDocumentReference"), "cbc:ID", spec.contract)
    _party(b, root, "cac:AccountingSupplierParty", spec.seller)
    _party(b, root, "cac:AccountingCustomerParty", spec.buyer)
    if spec.iban:
        means = b.add(root, "cac:PaymentMeans")
        b.add(means, "cbc:PaymentMeansCode", "30", name="Credit transfer")
        if kind == "CreditNote" and spec.due_date:
            b.add(means, "cbc:PaymentDueDate", spec.due_date.isoformat())
        b.add(means, "cbc:PaymentID", spec.payment_reference or spec.number)
        account = b.add(means, "cac:PayeeFinancialAccount")
        b.add(account, "cbc:ID", spec.iban)
        if spec.bic:
            b.add(b.add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", spec.bic)
    if spec.payment_terms:
        b.add(b.add(root, "cac:PaymentTerms"), "cbc:Note", spec.payment_terms)
    tax_total = b.add(root, "cac:TaxTotal")
    b.add(tax_total, "cbc:TaxAmount", spec.tax_total, **cur)
    for tax in spec.tax_breakdown:
        sub = b.add(tax_total, "cac:TaxSubtotal")
        b.add(sub, "cbc:TaxableAmount", tax.basis, **cur)
        b.add(sub, "cbc:TaxAmount", tax.amount, **cur)
        _tax_category(b, sub, "cac:TaxCategory", tax.category, tax.rate)
    totals = b.add(root, "cac:LegalMonetaryTotal")
    b.add(totals, "cbc:LineExtensionAmount", spec.line_total, **cur)
    b.add(totals, "cbc:TaxExclusiveAmount", spec.line_total, **cur)
    b.add(totals, "cbc:TaxInclusiveAmount", spec.grand_total, **cur)
    if spec.prepaid:
        b.add(totals, "cbc:PrepaidAmount", spec.prepaid, **cur)
    b.add(totals, "cbc:PayableAmount", spec.due_payable, **cur)
    quantity_tag = "cbc:CreditedQuantity" if kind == "CreditNote" else "cbc:InvoicedQuantity"
    for index, li in enumerate(spec.lines):
        line = b.add(root, f"cac:{kind}Line")
        b.add(line, "cbc:ID", str(index + 1))
        b.add(line, quantity_tag, li.quantity, unitCode=li.unit)
        b.add(line, "cbc:LineExtensionAmount", li.amount, **cur)
        item = b.add(line, "cac:Item")
        b.add(item, "cbc:Name", li.name)
        b.add(b.add(item, "cac:SellersItemIdentification"), "cbc:ID", f"ART-{index + 1:03d}")
        _tax_category(b, item, "cac:ClassifiedTaxCategory", li.category, li.rate)
        price = b.add(line, "cac:Price")
        b.add(price, "cbc:PriceAmount", li.price, **cur)
        if li.base_quantity != 1:
            b.add(price, "cbc:BaseQuantity", li.base_quantity, unitCode=li.unit)
    return serialise(root)
