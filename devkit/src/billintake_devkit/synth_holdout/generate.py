"""Deterministic holdout documents with their truth in the devset's JSON Lines form."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .content import LOCALES, Document, make_document
from .invoices import LAYOUTS, InvoiceDrawer
from .photo import Degradation, photograph
from .receipts import ReceiptDrawer

LOCALE_CODES = tuple(sorted(LOCALES))
CATEGORIES = ("digital", "scan", "receipt")


@dataclass
class HoldoutDoc:
    id: str
    data: bytes
    extension: str  # .pdf / .png / .jpg
    kind: str  # text-pdf / scanned-pdf / image
    category: str  # digital / scan / receipt
    layout: str
    locale: str
    truth: dict[str, Any]

    def record(self, file: str) -> dict[str, Any]:
        return {"id": self.id, "source": "holdout", "file": file, "kind": self.kind,
                "category": self.category, "layout": self.layout, "locale": self.locale,
                "truth": self.truth}


def plan(count: int) -> list[str]:
    """Categories for `count` documents: 2/3 digital (some PDF receipts), 1/6 scans, 1/6
    photographed receipts."""
    scans = receipts = max(1, count // 6) if count >= 3 else 0
    return ["digital"] * (count - scans - receipts) + ["scan"] * scans + ["receipt"] * receipts


def truth_of(doc: Document, shown: set[str]) -> dict[str, Any]:
    truth: dict[str, Any] = {"vendor_name": doc.vendor.name,
                             "bill_date": doc.issued.isoformat(),
                             "currency": doc.loc.currency, "total": f"{doc.total:.2f}"}
    if doc.number and "bill_number" in shown:
        truth["bill_number"] = doc.number
    if doc.due and "due_date" in shown:
        truth["due_date"] = doc.due.isoformat()
    if "subtotal" in shown:
        truth["subtotal"] = f"{doc.subtotal:.2f}"
    if "tax" in shown:
        truth["tax"] = f"{doc.tax:.2f}"
    if doc.po and "po_number" in shown:
        truth["po_number"] = doc.po
    if doc.vendor.tax_id and "vendor_tax_id" in shown:
        truth["vendor_tax_id"] = doc.vendor.tax_id.removesuffix(" MWST").removesuffix(
            " RT0001")
    truth["line_items"] = [{"description": line.description,
                            "quantity": format(line.quantity.normalize(), "f"),
                            "unit_price": f"{line.unit_price:.2f}",
                            "amount": f"{line.amount:.2f}"} for line in doc.lines]
    return truth


def make_one(index: int, category: str, seed: int) -> HoldoutDoc:
    rng = random.Random(f"holdout-{seed}-{index}")
    locale = rng.choice(LOCALE_CODES)
    loc = LOCALES[locale]
    receipt = category == "receipt" or (category == "digital" and rng.random() < 0.1)
    doc = make_document(rng, loc, receipt=receipt)
    drawer: InvoiceDrawer | ReceiptDrawer
    if receipt:
        layout = "restaurant" if rng.random() < 0.4 else "till"
        drawer = ReceiptDrawer(doc, rng, restaurant=layout == "restaurant")
    else:
        layout = LAYOUTS[(index + seed) % len(LAYOUTS)] if category == "digital" else \
            rng.choice(LAYOUTS)
        drawer = InvoiceDrawer(doc, layout, rng)
    pdf = drawer.draw()
    doc_id = f"ho-{index:03d}-{category}-{layout}-{locale}"
    truth = truth_of(doc, drawer.shown)
    if category == "digital":
        return HoldoutDoc(doc_id, pdf, ".pdf", "text-pdf", category, layout, locale, truth)
    if category == "scan":
        degradation = Degradation.scanner(rng)
        fmt = rng.choice(("png", "pdf", "pdf"))
    else:
        degradation = Degradation.phone(rng)
        fmt = "jpeg"
    data = photograph(pdf, degradation, seed * 1000 + index, fmt)
    pages_pdf = fmt == "pdf" or (layout == "multipage")
    extension = ".pdf" if pages_pdf else (".jpg" if fmt == "jpeg" else ".png")
    kind = "scanned-pdf" if extension == ".pdf" else "image"
    return HoldoutDoc(doc_id, data, extension, kind, category, layout, locale, truth)


def generate(seed: int, count: int, *, categories: tuple[str, ...] = CATEGORIES
             ) -> Iterator[HoldoutDoc]:
    """`count` documents in the planned mix (restricted to `categories`), reproducibly."""
    for index, category in enumerate(plan(count)):
        if category in categories:
            yield make_one(index, category, seed)
