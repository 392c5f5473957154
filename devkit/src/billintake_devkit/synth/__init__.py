"""Synthetic bills for training and evaluating extraction (needs reportlab: the `test` extra).

`generate(seed, split, count)` yields `SyntheticBill`s: a digital PDF (`pdf_bytes`), maybe a
scanned variant (`scan_bytes`, kind "scanned-pdf" | "image"), the truth in the devset's form
(`truth`) and `labels`: per field the exact printed string with its page and box
(`labels["fields"]["total"] == {"text": "1.234,50 €", "page": 1, "bbox": [x0, top, x1,
bottom]}`, PDF points, top-left origin), per line item the same for description, quantity,
unit_price and amount (`labels["line_items"]`), several tax lines under
`labels["extra"]["tax_parts"]`. Train and test splits never share a layout (see `layout`).
"""

from .generate import SyntheticBill, generate, make_bill
from .layout import split_of

__all__ = ["SyntheticBill", "generate", "make_bill", "split_of"]
