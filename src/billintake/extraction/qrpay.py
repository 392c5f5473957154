"""Payment QR payloads: the EPC QR code ("GiroCode", BCD, versions 001 and 002) and the Swiss
QR-bill (SPC, version 02xx, structured `S` or combined `K` addresses, QRR/SCOR/NON references).

`parse_payload` gives a `QrPayment` (values as the code states them) or None for any other QR
code; `problems` lists what the code's own rules say is wrong (a bad IBAN, a reference whose
check digits fail, a QR reference paid to an ordinary IBAN).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, Field

from billintake.domain.banking import (
    compact,
    iban_error,
    is_qr_iban,
    qrr_valid,
    rf_valid,
    valid_bic,
)

QrFormat = Literal["epc", "spc"]
RefType = Literal["scor", "qrr", "free"]


class QrPayment(BaseModel):
    """What a payment QR code says; None where it says nothing."""

    format: QrFormat
    iban: str = Field(description="the payee's account (EPC line 7, SPC line 4)")
    bic: str | None = Field(default=None, description="EPC only: the Swiss code has none")
    payee_name: str | None = Field(default=None, description="the beneficiary / creditor")
    payee_address: str | None = Field(
        default=None, description="SPC: the creditor's address, joined on one line")
    amount: Decimal | None = Field(default=None, description="None where left open to the payer")
    currency: str | None = Field(default=None, description="ISO 4217, with the amount")
    reference: str | None = Field(
        default=None, description="RF creditor reference, Swiss QR reference or free text")
    reference_type: RefType | None = None
    message: str | None = Field(default=None, description="unstructured remittance information")
    debtor_name: str | None = Field(default=None, description="SPC: the ultimate debtor")
    problems: list[str] = Field(
        default_factory=list, description="what the code's own rules say is wrong")


def parse_payload(text: str) -> QrPayment | None:
    """An EPC or Swiss payment code's values, else None (another QR code, or not a payment)."""
    lines = re.split(r"\r\n|\n|\r", text.strip("\ufeff"))
    head = lines[0].strip() if lines else ""
    if head == "BCD":
        return parse_epc(lines)
    if head == "SPC":
        return parse_spc(lines)
    return None


# --- EPC QR code (EPC069-12, "Quick Response Code: guidelines to enable data capture for the
# initiation of a SEPA credit transfer") ---------------------------------------------------------

_EPC_AMOUNT = re.compile(r"([A-Z]{3})(\d{1,9}(?:\.\d{1,2})?)")


def parse_epc(lines: list[str]) -> QrPayment | None:
    """BCD / 001|002 / charset / SCT / BIC / name / IBAN / amount / purpose / structured
    reference / unstructured text / information: trailing lines may be left out."""
    values = [line.strip() for line in lines] + [""] * 12
    version, identification = values[1], values[3]
    if version not in ("001", "002") or identification != "SCT":
        return None
    bic, name, iban, amount_text = values[4], values[5], compact(values[6]), values[7]
    structured, unstructured = values[9], values[10]
    payment = QrPayment(format="epc", iban=iban, payee_name=name or None,
                        bic=compact(bic) or None, message=unstructured or None)
    _check_iban(payment)
    if version == "001" and not bic:
        payment.problems.append("an EPC code of version 001 must name the BIC")
    if payment.bic and valid_bic(payment.bic) is None:
        payment.problems.append(f"the BIC {payment.bic} is not a valid BIC")
    if not name:
        payment.problems.append("the EPC code names no beneficiary")
    if amount_text:
        match = _EPC_AMOUNT.fullmatch(amount_text)
        if match is None:
            payment.problems.append(f"the EPC amount {amount_text!r} is not of the form EUR12.34")
        else:
            payment.currency, payment.amount = match.group(1), Decimal(match.group(2))
    if structured and unstructured:
        payment.problems.append("an EPC code gives either a reference or a text, not both")
    if structured:
        payment.reference = compact(structured)
        payment.reference_type = "scor" if payment.reference.startswith("RF") else "free"
        if payment.reference_type == "scor" and not rf_valid(payment.reference):
            payment.problems.append(f"the creditor reference {payment.reference} fails its "
                                    "check digits")
    elif unstructured:
        payment.reference, payment.reference_type = unstructured, "free"
    return payment


# --- Swiss QR-bill (Swiss Implementation Guidelines for the QR-bill, version 2.x) ---------------

_SPC_FIELDS = 31  # QRType … Trailer; then billing information and alternative procedures


def parse_spc(lines: list[str]) -> QrPayment | None:
    """SPC / 02xx / 1 / IBAN / creditor (7) / ultimate creditor (7, empty) / amount /
    currency / ultimate debtor (7) / reference type / reference / message / EPD / …"""
    values = [line.strip() for line in lines]
    if len(values) < _SPC_FIELDS or not values[1].startswith("02"):
        return None
    iban = compact(values[3])
    creditor = values[4:11]
    amount_text, currency = values[18], values[19]
    debtor = values[20:27]
    ref_type, reference, message, trailer = values[27], compact(values[28]), values[29], values[30]
    payment = QrPayment(format="spc", iban=iban, payee_name=creditor[1] or None,
                        payee_address=_address(creditor), currency=currency or None,
                        message=message or None, debtor_name=debtor[1] or None)
    _check_iban(payment)
    if trailer != "EPD":
        payment.problems.append("the Swiss QR code does not end its payment part with EPD")
    if payment.currency not in ("CHF", "EUR"):
        payment.problems.append(f"a Swiss QR-bill is in CHF or EUR, not {currency or 'nothing'}")
    if not payment.payee_name:
        payment.problems.append("the Swiss QR code names no creditor")
    if amount_text:
        try:
            payment.amount = Decimal(amount_text)
        except InvalidOperation:
            payment.problems.append(f"the Swiss QR amount {amount_text!r} is not a number")
    qr_iban = is_qr_iban(iban)
    if ref_type == "QRR":
        payment.reference, payment.reference_type = reference, "qrr"
        if not qrr_valid(reference):
            payment.problems.append(f"the QR reference {reference} fails its check digit")
        if not qr_iban:
            payment.problems.append("a QR reference must be paid to a QR-IBAN")
    elif ref_type == "SCOR":
        payment.reference, payment.reference_type = reference, "scor"
        if not rf_valid(reference):
            payment.problems.append(f"the creditor reference {reference} fails its check digits")
    elif ref_type == "NON":
        if reference:
            payment.problems.append("reference type NON with a reference")
        if message:
            payment.reference, payment.reference_type = message, "free"
    else:
        payment.problems.append(f"unknown Swiss QR reference type {ref_type!r}")
    if ref_type in ("SCOR", "NON") and qr_iban:
        payment.problems.append("a QR-IBAN takes only a QR reference")
    return payment


def _address(block: list[str]) -> str | None:
    """A Swiss QR address block (type, name, then street and number with postcode and town
    for `S`, or two address lines for `K`; then the country) as one line after the name."""
    kind, _, first, second, postcode, town, country = block
    if kind == "S":
        parts = [" ".join(p for p in (first, second) if p), " ".join(
            p for p in (postcode, town) if p), country]
    else:  # "K": combined address lines (until November 2025)
        parts = [first, second, country]
    text = ", ".join(p for p in parts if p)
    return text or None


def _check_iban(payment: QrPayment) -> None:
    error = iban_error(payment.iban) if payment.iban else "no IBAN"
    if error is not None:
        payment.problems.append(f"the QR code's IBAN {payment.iban or '(none)'} is not valid: "
                                f"{error}")
