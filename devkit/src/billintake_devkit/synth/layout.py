"""Layout variants, and which of them belong to the train or the test split.

A layout is a combination of independent choices (where the vendor block sits, how the invoice
details are printed, the table's columns and their order, the table and totals styles). The
split is decided by the layout itself, never by chance, so train and test bills never share a
layout:

- a few component values are reserved for test only (`TEST_ONLY_COLUMNS`, the "inline"
  details style, the "ruled_box" totals style): a test bill uses at least one of them, or
- its whole combination hashes into the test bucket (sha256 of the key, 1 in 4).

Train layouts use no reserved value and hash outside the test bucket. Receipts follow the same
rule on their own key (style, header, width).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass

HEADERS = ("left", "right", "center", "letterhead")
METAS = ("pairs_right", "stacked", "grid", "inline")
PARTIES = ("bill_left", "bill_ship", "bill_right")
TABLES = ("grid", "rule", "band", "zebra")
TOTALS = ("right", "boxed", "wide", "ruled_box")
FOOTERS = ("columns", "line", "none")
FONTS = ("Helvetica", "Helvetica", "Times-Roman", "Courier")

COLUMN_SETS: tuple[tuple[str, ...], ...] = (
    ("description", "qty", "unit_price", "amount"),
    ("code", "description", "qty", "unit", "unit_price", "amount"),
    ("pos", "description", "qty", "unit_price", "vat", "amount"),
    ("description", "unit_price", "qty", "amount"),
    ("pos", "code", "description", "qty", "unit", "unit_price", "vat", "amount"),
    ("description", "qty", "unit", "unit_price", "amount"),
    ("code", "description", "qty", "unit_price", "vat", "amount"),
    # test only:
    ("qty", "description", "unit_price", "amount"),
    ("code", "description", "unit_price", "qty", "vat", "amount"),
)
TEST_ONLY_COLUMNS = frozenset(COLUMN_SETS[-2:])
TEST_ONLY_METAS = frozenset({"inline"})
TEST_ONLY_TOTALS = frozenset({"ruled_box"})

RECEIPT_STYLES = ("qty_x", "at_line", "simple", "qty_first")
RECEIPT_HEADERS = ("center", "left")
RECEIPT_WIDTHS = (164.0, 204.0, 227.0)
TEST_ONLY_RECEIPT_STYLES = frozenset({"qty_first"})


@dataclass(frozen=True)
class InvoiceLayout:
    header: str
    meta: str
    parties: str
    columns: tuple[str, ...]
    table: str
    totals: str
    footer: str
    font: str
    money_in_table: bool
    page: str  # "A4" | "letter"
    amounts_at: str = "top"  # "top" | "bottom": which line of a multi-line item has the numbers
    num_align: str = "right"  # "right" | "center": numbers (and their labels) in their column

    def key(self) -> str:
        return (f"inv|{self.header}|{self.meta}|{','.join(self.columns)}|{self.table}|"
                f"{self.totals}|{self.amounts_at}|{self.num_align}")

    def reserved(self) -> bool:
        return (self.columns in TEST_ONLY_COLUMNS or self.meta in TEST_ONLY_METAS
                or self.totals in TEST_ONLY_TOTALS)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "columns": list(self.columns), "family": "invoice"}


@dataclass(frozen=True)
class ReceiptLayout:
    style: str
    header: str
    width: float
    font: str

    def key(self) -> str:
        return f"rcpt|{self.style}|{self.header}|{self.width}"

    def reserved(self) -> bool:
        return self.style in TEST_ONLY_RECEIPT_STYLES

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "family": "receipt"}


Layout = InvoiceLayout | ReceiptLayout


def split_of(layout: Layout) -> str:
    """"test" or "train": decided by the layout alone (see the module docstring)."""
    if layout.reserved():
        return "test"
    digest = hashlib.sha256(layout.key().encode()).digest()
    return "test" if digest[0] % 4 == 0 else "train"


def _invoice_layout(rng: random.Random, us_letter: bool) -> InvoiceLayout:
    return InvoiceLayout(
        header=rng.choice(HEADERS), meta=rng.choice(METAS), parties=rng.choice(PARTIES),
        columns=rng.choice(COLUMN_SETS), table=rng.choice(TABLES), totals=rng.choice(TOTALS),
        footer=rng.choice(FOOTERS), font=rng.choice(FONTS), money_in_table=rng.random() < 0.3,
        page="letter" if us_letter else "A4",
        amounts_at="bottom" if rng.random() < 0.2 else "top",
        num_align="center" if rng.random() < 0.2 else "right",
    )


def _receipt_layout(rng: random.Random) -> ReceiptLayout:
    return ReceiptLayout(style=rng.choice(RECEIPT_STYLES), header=rng.choice(RECEIPT_HEADERS),
                         width=rng.choice(RECEIPT_WIDTHS),
                         font=rng.choice(("Courier", "Helvetica")))


def choose_layout(rng: random.Random, split: str, *, receipt: bool,
                  us_letter: bool = False) -> Layout:
    """A random layout belonging to `split` (rejection sampling over the choices)."""
    for _ in range(10_000):
        layout = _receipt_layout(rng) if receipt else _invoice_layout(rng, us_letter)
        if split_of(layout) == split:
            return layout
    raise RuntimeError(f"no layout found for split {split!r}")  # pragma: no cover
