"""The bill's payment data (`PaymentData`): the payee's IBAN and BIC, the payment reference,
the amount, currency and payee, from a payment QR code when the page carries one (exact: its
values win) and else from the printed text (IBAN, BIC, RF or Swiss QR reference, a labelled
free-text reference), each checked by its own rules (`domain.banking`).

`with_payment` is the one step the extractor calls: it returns the bill with `payment` set,
the fields the bill lacks filled from the QR code, and a warning (and review) where the QR code
and the print disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from billintake.domain.banking import compact, iban_error, qrr_valid, rf_valid, valid_bic
from billintake.domain.extracted import Evidence, ExtractedBill, FieldValue, PaymentData
from billintake.reading.document import Line, ReadDocument
from billintake.reading.qr import QrCode

from .qrpay import QrPayment, parse_payload

QR_CONFIDENCE = 0.99
_BIC_RE = re.compile(r"\b(?:BIC|SWIFT)(?:[\s/-]*(?:code|BIC))?\s*[:.]?\s*"
                     r"([A-Z]{4}\s?[A-Z]{2}\s?[A-Z0-9]{2}(?:\s?[A-Z0-9]{3})?)\b")
_RF_RE = re.compile(r"\bRF\d{2}(?:\s?[A-Z0-9]){1,21}")
_QRR_RE = re.compile(r"(?<!\d)(?<!\d )(\d{2}(?: ?\d{5}){5})(?! ?\d)")
_FREE_REF_RE = re.compile(
    r"(?:payment\s+reference|reference\s+for\s+(?:the\s+)?payment|please\s+quote|"
    r"verwendungszweck|zahlungsreferenz|référence\s+de\s+paiement|communication|"
    r"betalingskenmerk|mitteilung)\s*[:#]?\s*(\S.{2,60})$", re.IGNORECASE)
_PAYEE_RE = re.compile(
    r"(?:account\s+(?:holder|name)|beneficiary|kontoinhaber(?:in)?|zahlungsempfänger|"
    r"empfänger|bénéficiaire|titulaire(?:\s+du\s+compte)?)\s*[:]\s*(\S.{1,80})$",
    re.IGNORECASE)


def with_payment(bill: ExtractedBill, doc: ReadDocument | None,
                 codes: Sequence[QrCode] = ()) -> ExtractedBill:
    """The bill with its payment data: a payment QR code's values first, the print's after;
    an e-invoice's payment data (from its XML, exact) is kept, a QR code differing from it
    a warning."""
    qr, qr_code, problems = _payment_code(codes)
    if bill.payment is not None and _is_xml(bill.payment):
        return _xml_against_qr(bill, qr)
    lines = [] if doc is None else [(page.number, line) for page in doc.pages
                                    for line in page.lines]
    warnings = list(bill.warnings)
    needs_review = bill.needs_review
    updates: dict[str, Any] = {}
    payment = PaymentData()
    printed_iban = bill.vendor_iban
    if printed_iban is not None and iban_error(printed_iban.value) is not None:
        # kept on the bill (the payment guard still compares it), never paid to; an
        # e-invoice's reader has said so already
        if printed_iban.evidence is None or printed_iban.evidence.source != "xml":
            warnings.append(f"the printed IBAN {printed_iban.value} is not valid: "
                            f"{iban_error(printed_iban.value)}")
        printed_iban = None
    if qr is not None and qr_code is not None:
        payment = _from_qr(qr, qr_code)
        warnings.extend(f"payment QR code: {p}" for p in problems)
        needs_review = needs_review or bool(problems)
    if payment.iban is None and printed_iban is not None:
        payment.iban = printed_iban
    elif payment.iban is not None and printed_iban is not None and \
            compact(printed_iban.value) != payment.iban.value:
        warnings.append(f"the printed IBAN {printed_iban.value} differs from the QR code's "
                        f"{payment.iban.value}")
        needs_review = True
    if payment.iban is not None and _is_qr(payment.iban):
        updates["vendor_iban"] = payment.iban  # the QR code's account wins over the print
    if payment.bic is None:
        payment.bic = _printed_bic(lines)
    if payment.reference is None:
        found = _printed_reference(lines)
        if found is not None:
            payment.reference, payment.reference_type = found
    if payment.iban is None and payment.reference is None:
        return bill.model_copy(update={**updates, "warnings": warnings,
                                       "needs_review": needs_review})
    if payment.payee_name is None:
        payment.payee_name = _printed_payee(lines) or _scaled(bill.vendor_name, 0.85)
    printed_amount = bill.amount_due or bill.total
    if payment.amount is None:
        payment.amount = printed_amount
    elif printed_amount is not None and payment.amount.value != printed_amount.value:
        which = "amount due" if bill.amount_due is not None else "total"
        warnings.append(f"the QR code's amount {payment.amount.value} differs from the printed "
                        f"{which} {printed_amount.value}")
        needs_review = True
    if payment.currency is None:
        payment.currency = bill.currency
    elif bill.currency is not None and bill.currency.value != payment.currency.value:
        warnings.append(f"the QR code's currency {payment.currency.value} differs from the "
                        f"bill's {bill.currency.value}")
        needs_review = True
    # What the bill lacks, the QR code states exactly.
    for name, value in (("total", payment.amount), ("currency", payment.currency),
                        ("vendor_name", payment.payee_name)):
        if getattr(bill, name) is None and value is not None and _is_qr(value):
            updates[name] = value
    return bill.model_copy(update={**updates, "payment": payment, "warnings":
                                   list(dict.fromkeys(warnings)), "needs_review": needs_review})


# --- the QR code ------------------------------------------------------------------------------

def _payment_code(codes: Iterable[QrCode]
                  ) -> tuple[QrPayment | None, QrCode | None, list[str]]:
    """The first payment QR code without problems, else the first payment code at all."""
    first: tuple[QrPayment | None, QrCode | None, list[str]] = (None, None, [])
    for code in codes:
        parsed = parse_payload(code.text)
        if parsed is None:
            continue
        if not parsed.problems:
            return parsed, code, []
        if first[0] is None:
            first = (parsed, code, list(parsed.problems))
    return first


def _from_qr(qr: QrPayment, code: QrCode) -> PaymentData:
    """The code's values at QR confidence, a value its rules reject left out."""
    def field(value: Any, text: str | None = None) -> FieldValue[Any] | None:
        if value is None or value == "":
            return None
        evidence = Evidence(source="qr", page=code.page, bbox=code.bbox,
                            text=text if text is not None else str(value))
        return FieldValue[Any](value=value, confidence=QR_CONFIDENCE, evidence=evidence)

    iban_ok = bool(qr.iban) and iban_error(qr.iban) is None
    reference_ok = qr.reference is not None and (
        qr.reference_type == "free"
        or (qr.reference_type == "qrr" and qrr_valid(qr.reference))
        or (qr.reference_type == "scor" and rf_valid(qr.reference)))
    return PaymentData(
        iban=field(qr.iban) if iban_ok else None,
        bic=field(qr.bic) if qr.bic and valid_bic(qr.bic) else None,
        reference=field(qr.reference) if reference_ok else None,
        reference_type=qr.reference_type if reference_ok else None,
        amount=field(qr.amount),
        currency=field(qr.currency),
        payee_name=field(qr.payee_name, ", ".join(
            p for p in (qr.payee_name, qr.payee_address) if p)),
        qr=qr.format)


def _is_qr(value: FieldValue[Any]) -> bool:
    return value.evidence is not None and value.evidence.source == "qr"


def _is_xml(payment: PaymentData) -> bool:
    return any(field is not None and field.evidence is not None
               and field.evidence.source == "xml"
               for field in (payment.iban, payment.reference))


def _xml_against_qr(bill: ExtractedBill, qr: QrPayment | None) -> ExtractedBill:
    """An e-invoice's own payment data, with a warning (and review) where a payment QR code
    printed on its page names another account or amount."""
    payment = bill.payment
    if qr is None or payment is None:
        return bill
    problems = []
    if qr.iban and payment.iban is not None and compact(qr.iban) != payment.iban.value:
        problems.append(f"the QR code's IBAN {qr.iban} differs from the e-invoice's "
                        f"{payment.iban.value}")
    if qr.amount is not None and payment.amount is not None and \
            qr.amount != payment.amount.value:
        problems.append(f"the QR code's amount {qr.amount} differs from the e-invoice's "
                        f"{payment.amount.value}")
    if not problems:
        return bill
    return bill.model_copy(update={"warnings": list(dict.fromkeys([*bill.warnings, *problems])),
                                   "needs_review": True})


# --- the print --------------------------------------------------------------------------------

def _printed_bic(lines: list[tuple[int, Line]]) -> FieldValue[str] | None:
    for page, line in lines:
        for match in _BIC_RE.finditer(line.text.upper()):
            bic = valid_bic(match.group(1))
            if bic is not None:
                return _line_field(bic, 0.85, page, line)
    return None


def _printed_reference(lines: list[tuple[int, Line]]
                       ) -> tuple[FieldValue[str], Any] | None:
    """An RF creditor reference or a Swiss QR reference whose check digits hold, else a
    reference after a payment label (free text, lower confidence)."""
    for page, line in lines:
        text = line.text.upper()
        for match in _RF_RE.finditer(text):
            candidate = compact(match.group(0))
            while len(candidate) >= 5:  # the pattern may run into the next word
                if rf_valid(candidate):
                    return _line_field(candidate, 0.9, page, line), "scor"
                candidate = candidate[:-1]
        for match in _QRR_RE.finditer(text):
            if qrr_valid(match.group(1)):
                return _line_field(compact(match.group(1)), 0.9, page, line), "qrr"
    for page, line in lines:
        match = _FREE_REF_RE.search(line.text)
        if match is not None:
            return _line_field(match.group(1).strip(), 0.6, page, line), "free"
    return None


def _printed_payee(lines: list[tuple[int, Line]]) -> FieldValue[str] | None:
    for page, line in lines:
        match = _PAYEE_RE.search(line.text)
        if match is not None:
            return _line_field(match.group(1).strip(), 0.75, page, line)
    return None


def _line_field(value: str, confidence: float, page: int, line: Line) -> FieldValue[str]:
    source = "ocr" if any(w.source == "ocr" for w in line.words) else "text"
    box = tuple(round(v, 2) for v in line.bbox)
    return FieldValue[str](value=value, confidence=confidence, evidence=Evidence(
        source=source, page=page, bbox=box, text=line.text))  # type: ignore[arg-type]


def _scaled(field: FieldValue[Any] | None, factor: float) -> FieldValue[Any] | None:
    if field is None:
        return None
    return field.model_copy(update={"confidence": round(field.confidence * factor, 3)})

