"""What CII and UBL readers share: code lists, document types, addresses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billintake.domain.banking import compact, iban_error, reference_type, valid_bic
from billintake.domain.currency import ISO_4217
from billintake.domain.extracted import (
    DocumentType,
    ExtractedBill,
    ExtractedLineItem,
    FieldValue,
    PaymentData,
    TaxLine,
)

from .xmldoc import Node, XmlDoc

# UNTDID 1001 codes EN 16931 accepts for BT-3, and which of them credit (as factur-x lists).
CREDIT_NOTE_CODES = frozenset(
    ["81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"]
)
CORRECTED_INVOICE_CODES = frozenset({"384"})
EN16931_TYPE_CODES = frozenset((
    "71", "80", "81", "82", "83", "84", "102", "130", "202", "203", "204", "211", "218", "219",
    "261", "262", "295", "296", "308", "325", "326", "331", "380", "381", "382", "383", "384",
    "385", "386", "387", "388", "389", "390", "393", "394", "395", "396", "420", "456", "457",
    "458", "502", "503", "527", "532", "553", "575", "623", "633", "751", "780", "817", "870",
    "875", "876", "877", "935",
))
VAT_CATEGORY_CODES = frozenset(["S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"])


def document_type_for(code: str | None) -> DocumentType:
    """Invoice, credit note or corrected invoice, from a UNTDID 1001 code."""
    if code in CREDIT_NOTE_CODES:
        return "credit_note"
    if code in CORRECTED_INVOICE_CODES:
        return "corrected_invoice"
    return "invoice"


def check_code_lists(bill: dict[str, Any], type_code: str | None, warnings: list[str],
                     vat_categories: list[str]) -> None:
    """Code-list problems (BT-3, BT-5, BT-118) as warnings."""
    if type_code is not None and type_code not in EN16931_TYPE_CODES:
        warnings.append(f"Document type code {type_code!r} (BT-3) is not in the EN 16931 "
                        "code list (UNTDID 1001 subset).")
    currency = bill.get("currency")
    if currency is not None and currency.value not in ISO_4217:
        warnings.append(f"Currency {currency.value!r} (BT-5) is not an ISO 4217 code.")
        bill["currency"] = None
    for code in vat_categories:
        if code not in VAT_CATEGORY_CODES:
            warnings.append(f"VAT category {code!r} (BT-118/BT-151) is not in the UNCL 5305 "
                            "code list EN 16931 allows.")


MANDATORY = {
    "bill_number": "invoice number (BT-1)",
    "bill_date": "issue date (BT-2)",
    "currency": "currency (BT-5)",
    "vendor_name": "seller name (BT-27)",
    "buyer_name": "buyer name (BT-44)",
    "subtotal": "total without VAT (BT-109)",
    "total": "total with VAT (BT-112)",
    "amount_due": "amount due for payment (BT-115)",
}


def check_mandatory(bill: dict[str, Any], warnings: list[str]) -> None:
    missing = [label for name, label in MANDATORY.items() if bill.get(name) is None]
    if missing:
        warnings.append("Mandatory EN 16931 fields are missing: " + ", ".join(missing) + ".")


def check_arithmetic(bill: dict[str, Any], prepaid: Decimal | None, rounding: Decimal | None,
                     line_total: Decimal | None, warnings: list[str]) -> None:
    """EN 16931's BR-CO totals rules, as warnings (the document's figures still stand)."""
    def val(name: str) -> Decimal | None:
        field = bill.get(name)
        return None if field is None else field.value

    subtotal, tax, total, due = val("subtotal"), val("tax"), val("total"), val("amount_due")
    if subtotal is not None and total is not None:
        expected = subtotal + (tax or Decimal(0))
        if expected != total:
            warnings.append(f"Total with VAT {total} is not total without VAT {subtotal} plus "
                            f"VAT {tax or 0} (BR-CO-15).")
    if total is not None and due is not None:
        expected = total - (prepaid or Decimal(0)) + (rounding or Decimal(0))
        if expected != due:
            warnings.append(f"Amount due {due} is not total {total} less prepaid "
                            f"{prepaid or 0} (BR-CO-16).")
    lines = bill.get("line_items") or []
    amounts = [li.amount for li in lines if li.amount is not None]
    if line_total is not None and lines and len(amounts) == len(lines) \
            and sum(amounts, Decimal(0)) != line_total:
        warnings.append(f"Line totals add up to {sum(amounts, Decimal(0))}, not to the sum "
                        f"of line net amounts {line_total} (BR-CO-10).")


def unit_price(price: Decimal | None, base_quantity: Decimal | None, *,
               quantity: Decimal | None = None, amount: Decimal | None = None,
               warnings: list[str] | None = None) -> Decimal | None:
    """Net price per one unit: BT-146 divided by the price base quantity BT-149.

    Some generators write the billed quantity as the base quantity although their price is
    per unit: when the line's own total (`quantity` × price = `amount`, to the cent) says so
    and the division contradicts it, the price is taken as per unit (with a warning).
    """
    if price is None:
        return None
    if base_quantity is None or base_quantity in (0, 1):
        return price
    per_unit = price / base_quantity
    if quantity is not None and amount is not None:
        cent = Decimal("0.01")
        undivided_fits = abs(quantity * price - amount) < cent
        divided_fits = abs(quantity * per_unit - amount) < cent
        if undivided_fits and not divided_fits:
            if warnings is not None:
                warnings.append(f"A line's price {price} is for a base quantity of "
                                f"{base_quantity}, but its total {amount} is {quantity} × "
                                f"{price}: the price was read as per unit.")
            return price
    exact = per_unit.quantize(Decimal("0.000001"))
    return exact.normalize() if exact == per_unit else exact


def join_address(*parts: str | None) -> str | None:
    text = ", ".join(p for p in parts if p)
    return text or None


def tax_breakdown(doc: XmlDoc, taxes: list[Node], *, amount: str, category: str, rate: str,
                  basis: str) -> tuple[list[TaxLine], list[str]]:
    """The VAT breakdown (BG-23): a tax line for each element with an amount, and the
    category codes of them all (each argument the path of its part)."""
    lines: list[TaxLine] = []
    categories: list[str] = []
    for tax in taxes:
        value = doc.amount_of(doc.first(tax, amount))
        code = doc.text(tax, category)
        if code:
            categories.append(code)
        if value is not None:
            lines.append(TaxLine(rate=doc.amount_of(doc.first(tax, rate)),
                                 basis=doc.amount_of(doc.first(tax, basis)), amount=value))
    return lines, categories


def postal_address(doc: XmlDoc, address: Node, streets: tuple[str, ...], postcode: str,
                   city: str, region: str, country: str) -> str | None:
    """An address element as one line: street lines, "postcode city", region, country (each
    argument the path of its part)."""
    town = " ".join(filter(None, [doc.text(address, postcode), doc.text(address, city)]))
    return join_address(*(doc.text(address, street) for street in streets), town or None,
                        doc.text(address, region), doc.text(address, country))


def nonzero(field: FieldValue[Decimal] | None) -> FieldValue[Decimal] | None:
    """An amount field, unless it is zero (no discount at all)."""
    return field if field is not None and field.value else None


def upper(field: FieldValue[str] | None) -> FieldValue[str] | None:
    """A text field in capitals (a currency code written "eur")."""
    return None if field is None else field.model_copy(update={"value": field.value.upper()})


def checked_bill(doc: XmlDoc, bill: dict[str, Any], type_code: str | None,
                 categories: list[str], totals: Node | None, paths: tuple[str, str, str], *,
                 einvoice_format: str) -> ExtractedBill:
    """The bill checked against the rules (mandatory fields, code lists, and the arithmetic
    with the prepaid, rounding and line total amounts at `paths` in `totals`; each break a
    warning) and built."""
    warnings = doc.warnings
    check_mandatory(bill, warnings)
    check_code_lists(bill, type_code, warnings, categories)
    prepaid, rounding, line_total = (doc.amount_of(doc.first(totals, p)) for p in paths)
    check_arithmetic(bill, prepaid=prepaid, rounding=rounding, line_total=line_total,
                     warnings=warnings)
    return build(bill, warnings=warnings, einvoice_format=einvoice_format)


def build(bill: dict[str, Any], *, warnings: list[str], einvoice_format: str) -> ExtractedBill:
    """The ExtractedBill from the collected fields, amounts as the XML gives them (a credit
    note's positive: its `document_type` says what it is)."""
    fields = {k: v for k, v in bill.items() if v is not None}
    return ExtractedBill(**fields, warnings=list(dict.fromkeys(warnings)), reconciled=not any(
        "BR-CO" in w for w in warnings), source="xml", einvoice_format=einvoice_format)


def line_item(description: str, **values: Any) -> ExtractedLineItem:
    return ExtractedLineItem(description=description, confidence=1.0, **values)


def payment_data(doc: XmlDoc, bill: dict[str, Any], *, iban: Node | None, bic: Node | None,
                 reference: Node | None, payee: Node | None) -> PaymentData | None:
    """The payment data the XML states exactly: the payee's IBAN (BT-84) and BIC (BT-86), the
    remittance information (BT-83) and the payee (BT-59, else the account's name BT-85, else
    the seller, who is paid when no payee is named); the amount due (BT-115, else the total)
    and the currency. An IBAN or BIC its rules reject is left out with a warning; None when
    the XML names neither an account nor a reference."""
    account = _checked(doc, iban, iban_error, "IBAN")
    bank = _checked(doc, bic, lambda text: None if valid_bic(text) else "not a BIC", "BIC")
    remittance = doc.field(doc.text_of(reference), reference)
    if account is None and remittance is None:
        return None
    return PaymentData(
        iban=account, bic=bank, reference=remittance,
        reference_type=None if remittance is None else reference_type(remittance.value),
        amount=bill.get("amount_due") or bill.get("total"), currency=bill.get("currency"),
        payee_name=doc.field(doc.text_of(payee), payee) or bill.get("vendor_name"))


def _checked(doc: XmlDoc, node: Node | None, error_of: Any, what: str
             ) -> FieldValue[str] | None:
    """A bank identifier in its compact form, or None (with a warning) when it is invalid."""
    text = doc.text_of(node)
    if text is None or node is None:
        return None
    error = error_of(text)
    if error is not None:
        doc.warnings.append(f"{doc.path_of(node)}: {text!r} is not a valid {what} ({error}); "
                            "it is not paid to.")
        return None
    return doc.field(compact(text), node)

