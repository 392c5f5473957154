"""Values next to a label: an identifier (invoice or PO number), a tax id, an amount.

Each parser takes the text where a label's value may be and returns (value, raw text as
printed), or None when the text holds no such value.
"""

from __future__ import annotations

import re
from decimal import Decimal

from billintake.domain.currency import ISO_4217

from .ocr_repair import repair_tax_id
from .parsing import DecimalMark, find_amounts, find_dates, number_before_date

_IDENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.\-]*[A-Za-z0-9]|[0-9]")
_TAX_ID_RE = re.compile(
    r"\b(\d{2}[A-Z]{5}\d{4}[A-Z][0-9A-Z]Z[0-9A-Z]|"  # GSTIN
    r"[A-Z]{2}[ ]?[0-9A-Z]{2}[0-9A-Z .]{5,14}[0-9A-Z]|CHE[- ]?\d{3}\.\d{3}\.\d{3}|"
    r"\d{2}[ ./-]?\d{3}[ ./-]?\d{3}[ ./-]?\d{2,5}|\d{2}-\d{7}|\d{9,12})\b")


def parse_identifier(text: str) -> tuple[str, str] | None:
    """An invoice/PO number: the first token with a digit that is not a date or an amount;
    or the words up to the date phrase that closes the number ("210111 mit LV vom ...")."""
    words = text.split()
    count = number_before_date(words, None)
    if count is not None and parse_identifier(words[0]) is not None:
        number = " ".join(words[:count])
        return number, number
    split = re.fullmatch(r"\s*([A-Z]{2,5})\s([0-9][0-9A-Z/\-]{2,})\s*", text)
    if split and split.group(1) not in ISO_4217 and split.group(1) not in {"NO", "NR", "REF"}:
        return f"{split.group(1)} {split.group(2)}", text.strip()  # "IBZY 2087": OCR split one
    for token in re.split(r"[\s:]+", text):
        token = token.strip(".,;()[]{}#°|_'\"`")  # "|INV-12": a table rule read as a bar
        if not token or len(token) > 40 or not any(c.isdigit() for c in token):
            continue
        if find_dates(token, True) or re.fullmatch(r"\d{1,3}([.,]\d{3})*[.,]\d{2}", token):
            return None
        if re.search(r"[€$£%]", token):
            return None
        match = _IDENT_RE.fullmatch(token)
        if match:
            return token, token
        return None
    return None


def parse_tax_id(text: str) -> tuple[str, str] | None:
    match = _TAX_ID_RE.search(text.upper())
    if not match:
        return _misread_vat_id(text)
    raw = match.group(1).strip()
    digits = sum(c.isdigit() for c in raw)
    if digits < 6:
        return None
    return re.sub(r"[ .]", "", raw) if not raw.startswith("CHE") else raw, raw


def parse_amount_value(text: str, mark: DecimalMark | None) -> tuple[Decimal, str] | None:
    """The amount in a value text: the last one (after rates like "20%" and bases)."""
    found = find_amounts(text, mark)
    if not found:
        return None
    value, raw = found[-1]
    if not re.search(r"[.,]\d{2}\b|[€$£¥₹]|Rs|[A-Z]{3}", raw):
        return None  # a bare integer is a count, a rate or a number, rarely money
    return value, raw


def _misread_vat_id(text: str) -> tuple[str, str] | None:
    """A VAT id whose country prefix OCR read with a digit ("1E3572199WA" for IE...): the
    token as read, when setting its look-alikes right makes a VAT id of that country's
    format (the extractor repairs OCR'd values; a text layer's stay as printed)."""
    for token in re.split(r"[\s:;,()]+", text.upper()):
        if len(token) < 8 or not any(c.isdigit() for c in token[:2]):
            continue
        repaired = repair_tax_id(token)
        if repaired != token and repaired[:2].isalpha() and _TAX_ID_RE.fullmatch(repaired):
            return token, token
    return None
