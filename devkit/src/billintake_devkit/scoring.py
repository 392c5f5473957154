"""How an extracted value is compared with the truth: the devset's scoring conventions.

Bill numbers compare without punctuation or case; vendor names after removing case,
punctuation and legal suffixes, with a small tolerance; amounts as decimals to the cent; dates
as dates. The benchmarks score with these, and training labels candidates with the same rules,
so "right" means one thing everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rapidfuzz import fuzz

from billintake.domain.extracted import ExtractedBill

FIELDS = ExtractedBill.HEADER_FIELDS
AMOUNT_FIELDS = frozenset({"subtotal", "tax", "total"})
IDENTIFIER_FIELDS = frozenset({"bill_number", "po_number", "vendor_tax_id"})
DATE_FIELDS = frozenset({"bill_date", "due_date"})
LEGAL_SUFFIXES = re.compile(
    r"\b(gmbh|ag|kg|mbh|ug|se|sarl|sas|sa|eurl|bv|nv|vof|ltd|limited|llc|inc|incorporated|"
    r"corp|corporation|co|plc|llp|pvt|private|pty|spa|srl|oy|ab|as|aps|company)\b")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def norm_identifier(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _plain(value))


def norm_vendor(value: str) -> str:
    text = re.sub(r"[^\w\s]", " ", _plain(value).replace(".", ""))
    text = LEGAL_SUFFIXES.sub(" ", text)
    return " ".join(text.split())


def same(field_name: str, truth: Any, got: Any) -> bool:
    """Whether `got` counts as the true value of `field_name`."""
    if got is None or truth is None:
        return False
    if field_name in AMOUNT_FIELDS:
        try:
            return Decimal(str(truth)).quantize(Decimal("0.01")) == \
                Decimal(str(got)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return False
    if field_name in IDENTIFIER_FIELDS:
        return norm_identifier(str(truth)) == norm_identifier(str(got))
    if field_name == "vendor_name":
        a, b = norm_vendor(str(truth)), norm_vendor(str(got))
        return a == b or (min(len(a), len(b)) >= 4 and fuzz.ratio(a, b) >= 90)
    if field_name in DATE_FIELDS:
        try:
            return date.fromisoformat(str(truth)) == date.fromisoformat(str(got))
        except ValueError:
            return False
    return str(truth).strip().upper() == str(got).strip().upper()
