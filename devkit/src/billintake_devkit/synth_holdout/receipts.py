"""Till slips from shops and restaurant bills with tips, on narrow paper."""

from __future__ import annotations

import random
from datetime import time
from decimal import Decimal

from .content import Document, date_text, money
from .invoices import quantity_text, rate_text
from .sheet import Sheet
from .wording import Words

PAPER_WIDTH = 227.0  # 80 mm

_GRAND = {"en": ("GRAND TOTAL", "Total paid", "Amount charged"),
          "de": ("Gesamt inkl. Trinkgeld", "Bezahlt"),
          "fr": ("Total payé", "TOTAL AVEC POURBOIRE"),
          "nl": ("Totaal betaald", "Totaal incl. fooi")}


class ReceiptDrawer:
    """Draws a `Document` as a till slip; `restaurant` adds table, server and a tip."""

    def __init__(self, doc: Document, rng: random.Random, *, restaurant: bool) -> None:
        self.doc, self.rng, self.restaurant = doc, rng, restaurant
        self.loc = doc.loc
        self.w = Words(self.loc.lang, rng)
        self.family = rng.choice(("mono", "mono", "narrow"))
        self.shown = {"vendor_name", "bill_date", "total", "currency"}
        self.rows: list[tuple[str, str, float, bool]] = []  # left, right, size, bold
        if restaurant:
            doc.tip = (doc.before_tip * Decimal(rng.choice((10, 12, 15, 18))) / 100
                       ).quantize(Decimal("1") if rng.random() < 0.5 else Decimal("0.10"))

    def amount(self, value: Decimal) -> str:
        return money(value, self.loc, symbol=False)

    def _row(self, left: str, right: str = "", size: float = 8.5, bold: bool = False) -> None:
        self.rows.append((left, right, size, bold))

    def _compose(self) -> None:
        doc, w, v = self.doc, self.w, self.doc.vendor
        name = v.name.upper() if self.rng.random() < 0.5 else v.name
        self._row(f"^{name}", size=12, bold=True)
        self._row(f"^{v.street}")
        self._row(f"^{v.city}")
        self._row(f"^Tel {v.phone}")
        if v.tax_id and self.rng.random() < 0.7:
            label = {"en": "VAT No", "de": "St-Nr", "fr": "TVA", "nl": "BTW"}[self.loc.lang]
            if self.loc.code == "en-US":
                label = "Tax ID"
            self._row(f"^{label} {v.tax_id}", size=7.5)
        self._row("")
        when = time(self.rng.randint(8, 21), self.rng.randint(0, 59))
        style = self.rng.choice((None, "short-month")) if self.loc.lang == "en" else None
        stamp = date_text(doc.issued, self.loc, style)
        if self.rng.random() < 0.5:
            self._row(f"{stamp}  {when:%H:%M}", f"#{self.rng.randint(1000, 99999)}")
        else:
            self._row(f"{stamp}", f"{when:%H:%M}")
            doc.number = str(self.rng.randint(100, 9999))
            self.shown.add("bill_number")
            self._row(f"{w('receipt_no')} {doc.number}",
                      f"{'Kasse' if self.loc.lang == 'de' else 'POS'} {self.rng.randint(1, 6)}")
        if self.restaurant:
            self._row(f"{w('table')} {self.rng.randint(1, 40)}",
                      f"{w('server')}: {self.rng.choice(('Anna', 'Marc', 'Joost', 'Lea'))}")
        self._row("-" * 40, size=7)
        for line in doc.lines:
            if line.quantity != 1:
                self._row(f"{line.description}")
                self._row(f"  {quantity_text(line.quantity, self.loc)} x "
                          f"{self.amount(line.unit_price)}", self.amount(line.amount))
            else:
                self._row(line.description, self.amount(line.amount))
        self._row("-" * 40, size=7)
        rate = rate_text(doc.tax_rate, self.loc)
        if doc.tax_included:
            self._row(w("receipt_total"), self.amount(doc.before_tip), 11, True)
            incl = {"en": f"incl. VAT {rate}", "de": f"enth. MwSt {rate}",
                    "fr": f"dont TVA {rate}", "nl": f"incl. btw {rate}"}[self.loc.lang]
            self._row(incl, self.amount(doc.tax), 8)
            self.shown.add("tax")
        else:
            self._row(w("receipt_sub"), self.amount(doc.subtotal))
            self._row(f"{self.loc.tax_word} {rate}", self.amount(doc.tax))
            self._row(w("receipt_total"), self.amount(doc.before_tip), 11, True)
            self.shown.update({"subtotal", "tax"})
        if self.restaurant:
            self._row(w("tip"), self.amount(doc.tip))
            self._row(self.rng.choice(_GRAND[self.loc.lang]), self.amount(doc.total), 11, True)
        self._row("")
        if self.rng.random() < 0.5 and not self.restaurant:
            given = (doc.total // 10 + 1) * 10
            self._row(w("cash"), self.amount(given))
            self._row(w("change"), self.amount(given - doc.total))
        else:
            self._row(f"{w('card')} **** {self.rng.randint(1000, 9999)}",
                      self.amount(doc.total))
            self._row(self.rng.choice(("APPROVED", "Auth 0" + str(self.rng.randint(10000, 99999)))))
        self._row("")
        self._row(f"^{w('thanks')}")

    def draw(self) -> bytes:
        self._compose()
        height = 40 + sum(size * 1.45 for _, _, size, _ in self.rows)
        sheet = Sheet((PAPER_WIDTH, height), self.family)
        y, left, right = 16.0, 12.0, PAPER_WIDTH - 12.0
        for text, value, size, bold in self.rows:
            if text.startswith("^"):
                sheet.text(PAPER_WIDTH / 2, y, text[1:], size, bold=bold, align="center")
            else:
                sheet.text(left, y, text, size, bold=bold)
                if value:
                    sheet.text(right, y, value, size, bold=bold, align="right")
            y += size * 1.45
        return sheet.pdf()
