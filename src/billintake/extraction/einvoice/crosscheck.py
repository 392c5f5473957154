"""Comparing an e-invoice's XML with what the printed page says (the XML's values stand).

Both give amounts as printed, so a credit note's compare as they are.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from billintake.domain.extracted import ExtractedBill

CHECKED = (
    ("bill_number", "invoice number"),
    ("bill_date", "issue date"),
    ("due_date", "due date"),
    ("currency", "currency"),
    ("subtotal", "total without VAT"),
    ("tax", "VAT total"),
    ("total", "total"),
)


def _same(name: str, xml_value: Any, page_value: Any) -> bool:
    if name == "bill_number":
        def norm(v: Any) -> str:
            return re.sub(r"[^0-9a-z]", "", str(v).lower())
        return norm(xml_value) == norm(page_value)
    if isinstance(xml_value, Decimal) and isinstance(page_value, Decimal):
        return xml_value.quantize(Decimal("0.01")) == page_value.quantize(Decimal("0.01"))
    return bool(xml_value == page_value)


def _show(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cross_check(xml_bill: ExtractedBill, visual_bill: ExtractedBill) -> list[str]:
    """Warnings where the page disagrees with the XML; fields the page lacks are not compared."""
    warnings: list[str] = []
    for name, label in CHECKED:
        xml_value, page_value = xml_bill.value(name), visual_bill.value(name)
        if xml_value is None or page_value is None or _same(name, xml_value, page_value):
            continue
        warnings.append(
            f"The printed page shows {label} {_show(page_value)}, but the e-invoice "
            f"XML says {_show(xml_value)}; the XML's value was kept."
        )
    return warnings
