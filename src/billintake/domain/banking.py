"""Bank identifiers checked as the banks check them: IBAN (check digits and the country's
format, via `schwifty`), BIC, the ISO 11649 creditor reference (RF…, mod 97) and the Swiss QR
reference (27 digits, recursive mod 10). Pure functions; `schwifty` stays behind this module."""

from __future__ import annotations

import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from .extracted import ReferenceType

# Swiss and Liechtenstein QR-IBANs: the bank id (IID, positions 5-9) is 30000-31999.
_QR_IID = range(30000, 32000)
_RECURSIVE_MOD10 = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


def compact(text: str) -> str:
    """`text` without spaces (and similar), upper case: the form identifiers are compared in."""
    return re.sub(r"[\s\-.]", "", text).upper()


def iban_error(text: str) -> str | None:
    """Why `text` is not a valid IBAN (check digits, the country's length and format), or None."""
    try:
        IBAN(compact(text), validate_bban=True)
    except SchwiftyException as exc:
        return str(exc) or type(exc).__name__
    return None


def valid_iban(text: str) -> str | None:
    """`text` as a compact IBAN when it is valid, else None."""
    value = compact(text)
    return value if iban_error(value) is None else None


def is_qr_iban(iban: str) -> bool:
    """A Swiss/Liechtenstein QR-IBAN (the account a QR reference must be paid to)."""
    value = compact(iban)
    return value[:2] in ("CH", "LI") and value[4:9].isdigit() and int(value[4:9]) in _QR_IID


def valid_bic(text: str) -> str | None:
    """`text` as a BIC (8 or 11 characters, known country) when it is one, else None."""
    value = compact(text)
    if len(value) not in (8, 11):
        return None
    try:
        BIC(value)
    except SchwiftyException:
        return None
    return value


def rf_valid(text: str) -> bool:
    """An ISO 11649 creditor reference: `RF`, two check digits, 1-21 letters or digits, with
    the whole (letters as numbers, `RF` and the check digits moved to the end) ≡ 1 mod 97."""
    value = compact(text)
    if not re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", value):
        return False
    rearranged = value[4:] + value[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def qrr_check_digit(digits: str) -> int:
    """The recursive mod-10 check digit of the Swiss QR reference (and the old ESR)."""
    carry = 0
    for ch in digits:
        carry = _RECURSIVE_MOD10[(carry + int(ch)) % 10]
    return (10 - carry) % 10


def qrr_valid(text: str) -> bool:
    """A Swiss QR reference: 27 digits, the last the recursive mod-10 check of the others."""
    value = compact(text)
    return bool(re.fullmatch(r"\d{27}", value)) and qrr_check_digit(value[:-1]) == int(value[-1])


def same_account(first: str | None, second: str | None) -> bool:
    """Whether two IBANs name the same account (spacing and case aside)."""
    return bool(first and second) and compact(first or "") == compact(second or "")


def reference_type(reference: str) -> ReferenceType:
    """An ISO 11649 creditor reference (RF…), a Swiss QR reference, or free text."""
    if rf_valid(reference):
        return "scor"
    return "qrr" if qrr_valid(reference) else "free"


def reference_error(reference: str) -> str | None:
    """Why a reference that has the form of a structured one fails its check digits (an RF
    creditor reference, a 27-digit QR reference), or None (also for free text)."""
    value = compact(reference)
    if re.fullmatch(r"RF\d{2}[A-Z0-9]{1,21}", value) and not rf_valid(value):
        return "its RF creditor reference check digits do not hold (ISO 11649, mod 97)"
    if re.fullmatch(r"\d{27}", value) and not qrr_valid(value):
        return "its QR reference check digit does not hold (recursive mod 10)"
    return None
