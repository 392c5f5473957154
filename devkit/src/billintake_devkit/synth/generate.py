"""Deterministic generation of synthetic bills with their truth and field labels."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .content import BillContent, Item, make_invoice, make_receipt
from .layout import InvoiceLayout, Layout, ReceiptLayout, choose_layout
from .render import InvoiceRenderer, ReceiptRenderer, Rendered
from .scan import ScanQuality, scan

LOCALE_WEIGHTS = (("en-US", 5), ("en-GB", 4), ("de-DE", 4), ("fr-FR", 3), ("nl-NL", 3),
                  ("de-CH", 2), ("en-IN", 2))


@dataclass
class SyntheticBill:
    """One generated bill: the digital PDF, optionally a scanned variant, truth and labels."""

    id: str
    pdf_bytes: bytes
    truth: dict[str, Any]
    labels: dict[str, Any]
    layout: Layout
    locale: str
    kind: str = "text-pdf"  # or "scanned-pdf" / "image" when scan_bytes is set
    scan_bytes: bytes | None = None
    scan_quality: dict[str, Any] | None = field(default=None)

    @property
    def file_bytes(self) -> bytes:
        """The file this bill is delivered as (the scan when there is one)."""
        return self.scan_bytes if self.scan_bytes is not None else self.pdf_bytes

    @property
    def extension(self) -> str:
        return ".png" if self.kind == "image" else ".pdf"

    def truth_record(self, file: str) -> dict[str, Any]:
        """The line of truth.jsonl, in the devset's form."""
        return {"id": self.id, "source": "synth", "file": file, "kind": self.kind,
                "truth": self.truth}


def _dec(value: Decimal) -> str:
    return format(value, "f")


def _quantity(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() \
        else str(int(value))


def _item_truth(item: Item) -> dict[str, str]:
    return {"description": item.description_text, "quantity": _quantity(item.quantity),
            "unit_price": _dec(item.unit_price), "amount": _dec(item.amount)}


def build_truth(content: BillContent, rendered: Rendered) -> dict[str, Any]:
    shown = rendered.shown
    truth: dict[str, Any] = {}
    if content.bill_number and "bill_number" in shown:
        truth["bill_number"] = content.bill_number
    truth["vendor_name"] = content.vendor.name
    truth["bill_date"] = content.bill_date.isoformat()
    if content.due_date and "due_date" in shown:
        truth["due_date"] = content.due_date.isoformat()
    truth["currency"] = content.locale.currency
    if "subtotal" in shown:
        truth["subtotal"] = _dec(content.subtotal)
    if "tax" in shown:
        tax = content.included_tax[1] if content.included_tax else content.tax
        truth["tax"] = _dec(tax)
    truth["total"] = _dec(content.total)
    truth["line_items"] = [_item_truth(i) for i in content.items]
    if content.po_number and "po_number" in shown:
        truth["po_number"] = content.po_number
    if content.vendor.tax_id and "vendor_tax_id" in shown:
        truth["vendor_tax_id"] = content.vendor.tax_id
    return truth


def build_labels(bill_id: str, content: BillContent, layout: Layout,
                 rendered: Rendered) -> dict[str, Any]:
    return {
        "id": bill_id,
        "locale": content.locale.code,
        "layout": layout.as_dict(),
        "pages": rendered.pages,
        "fields": {name: mark.as_dict() for name, mark in rendered.fields.items()},
        "extra": {name: [m.as_dict() for m in marks] for name, marks in rendered.extra.items()},
        "line_items": [{name: mark.as_dict() for name, mark in item.items()}
                       for item in rendered.items],
    }


def _pick_locale(rng: random.Random) -> str:
    codes, weights = zip(*LOCALE_WEIGHTS, strict=True)
    return rng.choices(codes, weights=weights)[0]


def _simple_items(content: BillContent) -> None:
    """Receipts in the "simple" style print no quantity: make every line a single unit."""
    for row in content.rows:
        if row.item is not None:
            row.item.quantity = Decimal(1)
            row.item.unit_price = row.item.amount


def make_bill(seed: int, split: str, index: int, *, receipt_fraction: float = 0.15,
              scan_fraction: float = 0.0, png_fraction: float = 0.3) -> SyntheticBill:
    """The `index`-th bill of (seed, split); the same arguments give the same bytes."""
    rng = random.Random(f"billintake-synth:{seed}:{split}:{index}")
    locale = _pick_locale(rng)
    receipt = rng.random() < receipt_fraction
    layout = choose_layout(rng, split, receipt=receipt, us_letter=locale == "en-US")
    if isinstance(layout, ReceiptLayout):
        content = make_receipt(rng, locale, n_items=rng.randint(1, 8))
        if layout.style == "simple":
            _simple_items(content)
        rendered = ReceiptRenderer(content, layout, rng).render()
    else:
        assert isinstance(layout, InvoiceLayout)
        long_table = rng.random() < 0.15
        content = make_invoice(
            rng, locale,
            n_items=rng.randint(22, 34) if long_table else rng.randint(1, 9),
            multi_rate="vat" in layout.columns and rng.random() < 0.5,
            sections=rng.random() < 0.2, notes=rng.random() < 0.25,
            negative_line=locale in ("en-US", "en-IN") and rng.random() < 0.1,
        )
        rendered = InvoiceRenderer(content, layout, rng).render()
    bill_id = f"synth-{split}-{seed}-{index:05d}"
    bill = SyntheticBill(
        id=bill_id, pdf_bytes=rendered.pdf, truth=build_truth(content, rendered),
        labels=build_labels(bill_id, content, layout, rendered), layout=layout, locale=locale,
    )
    if rng.random() < scan_fraction:
        quality = ScanQuality.random(rng)
        scan_seed = int.from_bytes(hashlib.sha256(bill_id.encode()).digest()[:4], "big")
        bill.scan_bytes, bill.kind = scan(rendered.pdf, quality, seed=scan_seed,
                                          as_png=rng.random() < png_fraction)
        bill.scan_quality = quality.__dict__
        bill.labels["scan"] = bill.scan_quality
    bill.labels["kind"] = bill.kind
    return bill


def generate(seed: int, split: str, count: int, *, start: int = 0,
             receipt_fraction: float = 0.15, scan_fraction: float = 0.0,
             png_fraction: float = 0.3) -> Iterator[SyntheticBill]:
    """`count` bills of the given split ("train" | "test"), deterministic from the seed."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    for index in range(start, start + count):
        yield make_bill(seed, split, index, receipt_fraction=receipt_fraction,
                        scan_fraction=scan_fraction, png_fraction=png_fraction)
