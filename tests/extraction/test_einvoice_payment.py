"""Payment data read exactly from e-invoice XML: CII (Factur-X, ZUGFeRD, XRechnung) and UBL
(Peppol, XRechnung) give the payee's IBAN and BIC, the remittance information and the payee;
an IBAN or BIC whose rules fail is refused with a warning; the realdev Factur-X files that
carry payment data read back as an independent XPath reading of their XML says."""

from __future__ import annotations

from pathlib import Path

import pytest
from billintake_devkit.einvoice_fixtures.build import Case, cases, xml_of
from lxml import etree

from billintake.domain.banking import compact, valid_bic, valid_iban
from billintake.extraction.einvoice import find_einvoice_xml, parse_einvoice

REALDEV = Path("/work/shared/realdev/facturx")


def _carries_payment(case: Case) -> bool:
    return "vendor_iban" in case.fields


@pytest.mark.parametrize("case", [c for c in cases() if _carries_payment(c)],
                         ids=lambda c: c.id)
def test_generated_einvoices_give_their_payment_data_exactly(case: Case) -> None:
    bill = parse_einvoice(xml_of(case))
    spec = case.spec
    payment = bill.payment
    assert payment is not None
    assert payment.value("iban") == compact(spec.iban or "")
    assert payment.iban is not None and payment.iban.confidence == 1.0
    assert payment.iban.evidence is not None and payment.iban.evidence.path
    assert payment.iban.evidence.path.endswith(("IBANID", "cac:PayeeFinancialAccount/cbc:ID"))
    assert payment.value("reference") == (spec.payment_reference or spec.number)
    expected_type = "scor" if (spec.payment_reference or "").startswith("RF") else "free"
    assert payment.reference_type == expected_type
    assert payment.value("amount") == (bill.value("amount_due") or bill.value("total"))
    assert payment.value("currency") == spec.currency
    assert payment.value("payee_name") == spec.seller.name  # no payee: the seller is paid
    if spec.bic and (case.einvoice_format.startswith(("peppol", "xrechnung-ubl"))
                     or case.id in {"fx-en16931", "fx-extended", "xrechnung-cii-xml"}):
        assert payment.value("bic") == spec.bic
    assert bill.warnings == []


CII = """<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>R-77</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240301</udt:DateTimeString>
  </ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Seller GmbH</ram:Name></ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Buyer AG</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery/>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:CreditorReferenceID>DE98ZZZ09999999999</ram:CreditorReferenceID>
   <ram:PaymentReference>{reference}</ram:PaymentReference>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:PayeeTradeParty><ram:Name>Factor Bank Ltd</ram:Name></ram:PayeeTradeParty>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>59</ram:TypeCode>
    <ram:PayerPartyDebtorFinancialAccount><ram:IBANID>DE02100100100006820101</ram:IBANID>
    </ram:PayerPartyDebtorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{iban}</ram:IBANID>
     <ram:AccountName>Seller GmbH account</ram:AccountName></ram:PayeePartyCreditorFinancialAccount>
    <ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>{bic}</ram:BICID>
    </ram:PayeeSpecifiedCreditorFinancialInstitution>
   </ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
    <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""


def _cii(iban: str = "DE89 3704 0044 0532 0130 00", bic: str = "COBADEFFXXX",
         reference: str = "RF18 5390 0754 7034") -> bytes:
    return CII.format(iban=iban, bic=bic, reference=reference).encode()


def test_cii_takes_the_payee_account_not_the_debited_one_nor_the_creditor_id() -> None:
    payment = parse_einvoice(_cii()).payment
    assert payment is not None
    assert payment.value("iban") == "DE89370400440532013000"
    assert payment.value("bic") == "COBADEFFXXX"
    assert payment.value("reference") == "RF18 5390 0754 7034"
    assert payment.reference_type == "scor"
    assert payment.value("payee_name") == "Factor Bank Ltd"  # BT-59 before the account name
    assert str(payment.value("amount")) == "119.00" and payment.value("currency") == "EUR"
    assert payment.bic is not None and payment.bic.evidence is not None
    assert payment.bic.evidence.path is not None and payment.bic.evidence.path.endswith(
        "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")


def test_a_swiss_qr_reference_and_free_text_are_typed() -> None:
    qrr = parse_einvoice(_cii(reference="21 00000 00003 13947 14300 09017")).payment
    assert qrr is not None and qrr.reference_type == "qrr"
    free = parse_einvoice(_cii(reference="Invoice R-77")).payment
    assert free is not None and free.reference_type == "free"


@pytest.mark.parametrize(("iban", "bic", "refused"), [
    ("DE89 3704 0044 0532 0130 01", "COBADEFFXXX", "IBAN"),  # check digits broken
    ("DE89 3704 0044 0532 0130 00", "COBA99FF", "BIC"),      # no country in its place
])
def test_an_invalid_iban_or_bic_is_refused_with_a_warning(iban: str, bic: str,
                                                          refused: str) -> None:
    bill = parse_einvoice(_cii(iban=iban, bic=bic))
    assert bill.payment is not None
    field = bill.payment.iban if refused == "IBAN" else bill.payment.bic
    assert field is None
    assert any(f"is not a valid {refused}" in warning for warning in bill.warnings)
    assert bill.payment.value("reference") == "RF18 5390 0754 7034"


UBL = """<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>
 <cbc:ID>U-5</cbc:ID><cbc:IssueDate>2024-03-01</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>
  <cbc:RegistrationName>Leverancier BV</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>
 </cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity>
  <cbc:RegistrationName>Koper NV</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party>
 </cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
  <cbc:PaymentID>+++090/9337/55493+++</cbc:PaymentID>
  <cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID><cbc:Name>Leverancier BV</cbc:Name>
   <cac:FinancialInstitutionBranch><cbc:ID>ABNANL2A</cbc:ID></cac:FinancialInstitutionBranch>
  </cac:PayeeFinancialAccount></cac:PaymentMeans>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">21.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">121.00</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">121.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</Invoice>"""


def test_ubl_gives_account_bank_reference_and_payee() -> None:
    payment = parse_einvoice(UBL.encode()).payment
    assert payment is not None
    assert (payment.value("iban"), payment.value("bic")) == ("NL91ABNA0417164300", "ABNANL2A")
    assert payment.value("reference") == "+++090/9337/55493+++"
    assert payment.reference_type == "free"
    assert payment.value("payee_name") == "Leverancier BV"
    assert str(payment.value("amount")) == "121.00"


def _xpath_payment(xml: bytes) -> dict[str, str | None]:
    """The payee's account, bank and reference as a plain XPath reading finds them."""
    root = etree.fromstring(xml)
    ns = {"ram": root.nsmap.get("ram")}

    def text(path: str) -> str | None:
        found = root.xpath(path, namespaces=ns)
        return " ".join("".join(found[0].itertext()).split()) if found else None

    means = "//ram:SpecifiedTradeSettlementPaymentMeans"
    iban = text(f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
    bic = text(f"{means}/ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID")
    return {"iban": iban and valid_iban(iban), "bic": bic and valid_bic(bic),
            "reference": text("//ram:PaymentReference")}


@pytest.mark.skipif(not REALDEV.is_dir(), reason="the realdev set is not on this machine")
def test_realdev_facturx_payment_data_reads_exactly() -> None:
    carried = {"iban": 0, "bic": 0, "reference": 0}
    for pdf in sorted(REALDEV.glob("*.pdf")):
        found = find_einvoice_xml(pdf.read_bytes(), "application/pdf")
        assert found is not None, pdf.name
        expected = _xpath_payment(found.xml)
        payment = parse_einvoice(found.xml).payment
        got = {name: None if payment is None else payment.value(name) for name in expected}
        assert got == expected, pdf.name
        for name, value in expected.items():
            carried[name] += value is not None
    # what the set carries (valid identifiers only; the rest are refused with warnings)
    assert carried == {"iban": 16, "bic": 12, "reference": 15}
