"""Recurring vendors: several generated bills per vendor, as a vendor's bills really come.

Each vendor has one locale, one layout (of the given split: the test split's layouts were never
trained on), one party (name, address, ids) and one way of printing (labels, date and money
style: the renderer's choices are seeded per vendor); each of its bills has its own date,
items and amounts, and a number of the vendor's own pattern.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import replace

from .content import make_customer, make_invoice, make_receipt, make_vendor
from .generate import SyntheticBill, _pick_locale, _simple_items, build_labels, build_truth
from .layout import InvoiceLayout, ReceiptLayout, choose_layout
from .locales import LOCALES
from .render import InvoiceRenderer, ReceiptRenderer


def _renumbered(template: str | None, rng: random.Random) -> str | None:
    """The vendor's number pattern with fresh digits."""
    if template is None:
        return None
    return re.sub(r"\d", lambda _: rng.choice("0123456789"), template)


def vendor_bills(seed: int, split: str, vendor: int, count: int, *,
                 receipt_fraction: float = 0.3) -> Iterator[SyntheticBill]:
    """`count` bills of one generated vendor, deterministic from (seed, split, vendor)."""
    base = f"billintake-recurring:{seed}:{split}:{vendor}"
    vrng = random.Random(base)
    locale = _pick_locale(vrng)
    receipt = vrng.random() < receipt_fraction
    layout = choose_layout(vrng, split, receipt=receipt, us_letter=locale == "en-US")
    first = random.Random(base + ":party")
    if isinstance(layout, ReceiptLayout):
        party = make_receipt(first, locale, n_items=1).vendor
        customer = None
    else:
        party = make_vendor(first, LOCALES[locale])
        customer = make_customer(first, LOCALES[locale], party)
    # its own mail domain (the generator's is the name's first word, which vendors share)
    party = replace(party, email=f"billing@{re.sub(r'[^a-z0-9]+', '-', party.name.lower())}"
                                 ".example")
    # a vendor's numbers follow its template, printed alike (no number heading)
    template = make_invoice(first, locale, n_items=1, multi_rate=False, sections=False,
                           notes=False, negative_line=False,
                           number_headings=False).bill_number
    for index in range(count):
        rng = random.Random(f"{base}:bill:{index}")
        if isinstance(layout, ReceiptLayout):
            content = make_receipt(rng, locale, n_items=rng.randint(1, 8))
            if layout.style == "simple":
                _simple_items(content)
            content.vendor = party
            digits = re.sub(r"\D", "", template or "")[-5:] or "00000"
            content.bill_number = _renumbered(digits, rng) if content.bill_number else None
        else:
            assert isinstance(layout, InvoiceLayout)
            content = make_invoice(rng, locale, n_items=rng.randint(1, 9),
                                   multi_rate="vat" in layout.columns and rng.random() < 0.5,
                                   sections=rng.random() < 0.2, notes=False,
                                   negative_line=False, number_headings=False)
            content.vendor, content.customer = party, customer or content.customer
            content.bill_number = _renumbered(template, rng)
        render_rng = random.Random(base + ":print")  # the vendor prints alike every time
        renderer = ReceiptRenderer if isinstance(layout, ReceiptLayout) else InvoiceRenderer
        rendered = renderer(content, layout, render_rng).render()  # type: ignore[arg-type]
        bill_id = f"recurring-{split}-{seed}-{vendor:03d}-{index:02d}"
        yield SyntheticBill(id=bill_id, pdf_bytes=rendered.pdf,
                            truth=build_truth(content, rendered),
                            labels=build_labels(bill_id, content, layout, rendered),
                            layout=layout, locale=locale)
