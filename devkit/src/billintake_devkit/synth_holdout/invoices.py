"""Digital invoices in six arrangements the main generator does not use.

swap       customer window top-left, vendor letterhead top-right, meta as a table-header row,
           totals boxed on the left
footer     a big brand word at the top; the legal name only in a three-column footer
statement  From/To columns side by side, account summary (previous balance, payments),
           a long legal footer with amounts in its prose
remit      remittance slip at the foot repeating the amount, bank block beside the totals
multipage  items over two pages, "Page 1 of 2", carried/brought forward sums
fx         centred letterhead, a grid of meta fields, an equivalent in another currency
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4, LETTER

from .content import Document, Line, Locale, date_text, money
from .sheet import Sheet
from .wording import Words, tax_label

LAYOUTS = ("swap", "footer", "statement", "remit", "multipage", "fx")


def rate_text(rate: Decimal, loc: Locale) -> str:
    text = format(rate.normalize(), "f").replace(".", loc.mark)
    return f"{text} %" if loc.lang in {"de", "fr"} else f"{text}%"


def quantity_text(quantity: Decimal, loc: Locale) -> str:
    return format(quantity.normalize(), "f").replace(".", loc.mark)


class InvoiceDrawer:
    """Draws one `Document` in one arrangement; remembers which fields it printed."""

    def __init__(self, doc: Document, layout: str, rng: random.Random) -> None:
        self.doc, self.layout, self.rng = doc, layout, rng
        self.loc = doc.loc
        self.w = Words(self.loc.lang, rng)
        size = LETTER if self.loc.code in {"en-US", "en-CA"} else A4
        self.sheet = Sheet(size, rng.choice(("sans", "serif", "narrow", "helvetica")))
        self.shown: set[str] = {"vendor_name", "bill_date", "total", "currency", "bill_number"}
        self.money_style = rng.choice(("symbol", "plain", "code")) if self.loc.currency != "CHF" \
            else rng.choice(("plain", "code"))

    # --- shared pieces ----------------------------------------------------------------------

    def amount(self, value: Decimal, *, strong: bool = False) -> str:
        if self.money_style == "code":
            return money(value, self.loc, code=True)
        if self.money_style == "plain" and not strong:
            return money(value, self.loc, symbol=False)
        return money(value, self.loc)

    def vendor_lines(self, *, name: bool = True, tax_id: bool = True) -> list[str]:
        v = self.doc.vendor
        lines = [v.name] if name else []
        lines += [v.street, v.city, f"Tel. {v.phone}" if self.rng.random() < 0.5 else v.phone]
        if v.email:
            lines.append(v.email)
        if v.web:
            lines.append(v.web)
        if tax_id and v.tax_id:
            lines.append(f"{self.tax_id_label()} {v.tax_id}")
            self.shown.add("vendor_tax_id")
        return lines

    def tax_id_label(self) -> str:
        return {"en": self.rng.choice(("VAT Reg. No.", "VAT no.:", "Tax ID:")),
                "de": self.rng.choice(("USt-IdNr.:", "USt-ID", "UID-Nr.")),
                "fr": self.rng.choice(("N° TVA :", "TVA intracom.")),
                "nl": self.rng.choice(("Btw-nr.:", "BTW nummer"))}[self.loc.lang] \
            if self.loc.code not in {"en-US", "en-CA"} else "EIN:" if self.loc.code == "en-US" \
            else "GST/HST No."

    def customer_lines(self) -> list[str]:
        c = self.doc.customer
        assert c is not None
        return [c.name, "Attn: Accounts Payable" if self.loc.lang == "en" and
                self.rng.random() < 0.3 else c.street, c.city]

    def meta_pairs(self) -> list[tuple[str, str]]:
        doc, w = self.doc, self.w
        pairs = [(w("number"), doc.number or ""), (w("date"), date_text(doc.issued, self.loc))]
        if doc.due:
            pairs.append((w("due"), date_text(doc.due, self.loc)))
            self.shown.add("due_date")
        if doc.po:
            pairs.append((w("po"), doc.po))
            self.shown.add("po_number")
        if self.rng.random() < 0.5:
            pairs.append((w("customer_no"), f"K{self.rng.randint(10000, 99999)}"))
        if self.rng.random() < 0.35:
            served = doc.issued.replace(day=max(1, doc.issued.day - 3))
            pairs.append((w("delivery_date"), date_text(served, self.loc)))
        return pairs

    def items_table(self, x0: float, x1: float, y: float, lines: list[Line]) -> float:
        s, w = self.sheet, self.w
        qty_x, price_x, amount_x = x1 - 210, x1 - 80, x1
        s.text(x0, y, w("desc"), 8.5, bold=True)
        s.text(qty_x, y, w("qty"), 8.5, bold=True, align="right")
        s.text(price_x, y, w("price"), 8.5, bold=True, align="right")
        s.text(amount_x, y, w("amount"), 8.5, bold=True, align="right")
        s.rule(x0, y + 13, x1)
        y += 19
        for line in lines:
            s.text(x0, y, line.description, 9)
            s.text(qty_x, y, quantity_text(line.quantity, self.loc), 9, align="right")
            s.text(price_x, y, self.amount(line.unit_price), 9, align="right")
            s.text(amount_x, y, self.amount(line.amount), 9, align="right")
            y += 15
        s.rule(x0, y, x1)
        return y + 10

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        doc, w = self.doc, self.w
        rows = [(w("subtotal"), self.amount(doc.subtotal), False)]
        self.shown.add("subtotal")
        if doc.shipping:
            rows.append((w("shipping"), self.amount(doc.shipping), False))
        if doc.tax_rate:
            rows.append((tax_label(self.loc.tax_word, rate_text(doc.tax_rate, self.loc),
                                   self.rng), self.amount(doc.tax), False))
            self.shown.add("tax")
        rows.append((w("total"), self.amount(doc.total, strong=True), True))
        return rows

    def totals(self, x_label: float, x_value: float, y: float) -> float:
        for label, value, strong in self.totals_rows():
            size = 10.5 if strong else 9
            self.sheet.text(x_label, y, label, size, bold=strong)
            self.sheet.text(x_value, y, value, size, bold=strong, align="right")
            y += 16 if strong else 14
        return y

    def bank_block(self, x: float, y: float, *, size: float = 7.5) -> float:
        iban = _iban(self.rng, self.loc)
        lines = [self.w("bank"), f"IBAN {iban}" if iban else
                 f"Account {self.rng.randint(10000000, 99999999)}  Sort code "
                 f"{self.rng.randint(10, 99)}-{self.rng.randint(10, 99)}-"
                 f"{self.rng.randint(10, 99)}",
                 f"BIC {self.rng.choice(('COBADEFFXXX', 'INGBNL2A', 'BNPAFRPP', 'NWBKGB2L'))}"]
        return self.sheet.lines(x, y, lines, size, bold_first=True)

    # --- arrangements -----------------------------------------------------------------------

    def draw(self) -> bytes:
        getattr(self, f"_draw_{self.layout}")()
        return self.sheet.pdf()

    def _draw_swap(self) -> None:
        s, doc, v = self.sheet, self.doc, self.doc.vendor
        right = s.width - 50
        s.text(55, 118, f"{v.name} · {v.street} · {v.city}", 6.5)
        s.rule(55, 127, 300, width=0.3)
        if self.rng.random() < 0.5:
            s.text(55, 133, self.w("bill_to"), 7.5)
            s.lines(55, 144, self.customer_lines(), 10)
        else:
            s.lines(55, 136, self.customer_lines(), 10)
        s.text(right, 45, v.name, 14, bold=True, align="right")
        s.lines(right, 66, self.vendor_lines(name=False), 8, align="right")
        s.text(55, 215, self.w("title"), 17, bold=True)
        pairs = self.meta_pairs()
        col = (right - 55) / len(pairs)
        for i, (label, value) in enumerate(pairs):
            s.text(55 + i * col, 245, label, 7.5, bold=True)
            s.text(55 + i * col, 258, value, 9)
        s.rule(55, 273, right, width=0.3)
        y = self.items_table(55, right, 290, doc.lines)
        rows = self.totals_rows()
        height = 16 * len(rows) + 10
        s.box(52, y + 4, 230, height)
        yy = y + 11
        for label, value, strong in rows:
            s.text(60, yy, label, 10 if strong else 9, bold=strong)
            s.text(275, yy, value, 10 if strong else 9, bold=strong, align="right")
            yy += 16
        self.bank_block(330, y + 8)
        s.text(55, s.height - 60, self.w("thanks"), 8)

    def _draw_footer(self) -> None:
        s, doc, v = self.sheet, self.doc, self.doc.vendor
        right = s.width - 50
        brand = _brand(v.name)
        s.text(50, 40, brand, 24, bold=True)
        s.text(50, 70, self.rng.choice(("Since 1987", "Quality you can measure",
                                        "Your partner on site", "Est. 2004")), 8)
        s.text(right, 40, self.w("title"), 15, bold=True, align="right")
        y = 64
        for label, value in self.meta_pairs():
            s.text(right - 95, y, label, 8.5, align="right")
            s.text(right, y, value, 8.5, align="right")
            y += 13
        s.text(50, 150, self.w("bill_to"), 8, bold=True)
        s.lines(50, 162, self.customer_lines(), 9.5)
        y = self.items_table(50, right, max(y + 30, 240), doc.lines)
        y = self.totals(right - 190, right, y + 4)
        s.text(50, y + 20, self.w("thanks"), 8.5)
        top = s.height - 95
        s.rule(50, top - 6, right, width=0.3)
        s.lines(50, top, [v.name, v.street, v.city], 7)
        self.bank_block(230, top, size=7)
        contact = [v.phone] + ([v.email] if v.email else [])
        if v.tax_id:
            contact.append(f"{self.tax_id_label()} {v.tax_id}")
            self.shown.add("vendor_tax_id")
        contact.append(self.rng.choice(("Reg. no. ", "HRB ", "RCS ", "KvK ")) +
                       str(self.rng.randint(100000, 9999999)))
        s.lines(400, top, contact, 7)

    def _draw_statement(self) -> None:
        s, doc = self.sheet, self.doc
        right = s.width - 50
        s.text(right, 40, self.w("title"), 16, bold=True, align="right")
        s.text(50, 90, self.w("from"), 8, bold=True)
        s.lines(50, 102, self.vendor_lines(), 9, bold_first=True)
        s.text(310, 90, self.w("bill_to"), 8, bold=True)
        s.lines(310, 102, self.customer_lines(), 9, bold_first=True)
        pairs = self.meta_pairs()[:4]
        col = (right - 50) / len(pairs)
        s.box(50, 205, right - 50, 32, fill=0.92)
        for i, (label, value) in enumerate(pairs):
            s.text(56 + i * col, 209, label, 7.5, bold=True)
            s.text(56 + i * col, 222, value, 9)
        y = self.items_table(50, right, 255, doc.lines)
        y = self.totals(right - 190, right, y + 4)
        previous = Decimal(self.rng.randint(2000, 300000)) / 100
        rows = [(self.w("previous"), self.amount(previous)),
                (self.w("payments"), self.amount(-previous)),
                (self.w("this_invoice"), self.amount(doc.total))]
        yy = y + 18
        s.box(48, yy - 4, 250, 14 * len(rows) + 8)
        for label, value in rows:
            s.text(54, yy, label, 8.5)
            s.text(292, yy, value, 8.5, align="right")
            yy += 14
        legal = _legal_text(self.loc, self.rng, self.amount)
        s.lines(50, s.height - 120, legal, 6.5, leading=8.5)

    def _draw_remit(self) -> None:
        s, doc, v = self.sheet, self.doc, self.doc.vendor
        right = s.width - 50
        s.text(50, 28, v.name, 15, bold=True)
        s.lines(50, 50, self.vendor_lines(name=False), 8.5)
        s.text(right, 30, self.w("title"), 20, bold=True, align="right")
        y = 62
        for label, value in self.meta_pairs():
            s.text(right - 150, y, f"{label}:", 8.5, bold=True)
            s.text(right, y, value, 8.5, align="right")
            y += 13
        s.text(50, 170, self.w("bill_to"), 8, bold=True)
        s.lines(50, 182, self.customer_lines(), 9.5)
        y = self.items_table(50, right, max(y + 40, 250), doc.lines)
        end = self.totals(right - 190, right, y + 4)
        self.bank_block(50, y + 6)
        cut = max(end + 40, s.height - 170)
        s.rule(40, cut, s.width - 40, dashed=True)
        s.text(50, cut + 8, self.w("remit_title"), 7.5)
        s.text(50, cut + 28, v.name, 9, bold=True)
        s.lines(50, cut + 41, [v.street, v.city], 8)
        rows = [(self.w("number"), doc.number or ""),
                (self.w("total"), self.amount(doc.total, strong=True)),
                (self.w("enclosed"), "______________")]
        yy = cut + 28
        for label, value in rows:
            s.text(right - 170, yy, label, 8.5)
            s.text(right, yy, value, 8.5, align="right")
            yy += 15

    def _draw_multipage(self) -> None:
        s, doc, v = self.sheet, self.doc, self.doc.vendor
        right = s.width - 50
        extra = []
        for i in range(self.rng.randint(24, 30)):
            base = doc.lines[i % len(doc.lines)]
            extra.append(Line(f"{base.description} - lot {i + 1}", base.quantity,
                              base.unit_price + Decimal(i)))
        doc.lines = extra
        s.text(50, 40, v.name, 13, bold=True)
        s.lines(50, 58, self.vendor_lines(name=False), 8)
        s.text(right, 40, self.w("title"), 16, bold=True, align="right")
        y = 62
        for label, value in self.meta_pairs():
            s.text(right - 160, y, label, 8.5)
            s.text(right, y, value, 8.5, align="right")
            y += 13
        s.text(330, 150, self.w("bill_to"), 8, bold=True)
        s.lines(330, 162, self.customer_lines(), 9.5)
        split = 16
        first, second = doc.lines[:split], doc.lines[split:]
        y = self.items_table(50, right, 230, first)
        carried = sum((line.amount for line in first), Decimal(0))
        s.text(right - 190, y, self.w("carried"), 9)
        s.text(right, y, self.amount(carried), 9, align="right")
        page_label = self.w("page")
        s.text(s.width / 2, s.height - 40, page_label.format(i=1, n=2), 8, align="center")
        s.new_page()
        s.text(50, 40, f"{v.name} - {self.w('title')} {doc.number}", 8.5)
        s.text(right - 190, 70, self.w("brought"), 9)
        s.text(right, 70, self.amount(carried), 9, align="right")
        y = self.items_table(50, right, 92, second)
        y = self.totals(right - 190, right, y + 4)
        self.bank_block(50, y + 20)
        s.text(s.width / 2, s.height - 40, page_label.format(i=2, n=2), 8, align="center")

    def _draw_fx(self) -> None:
        s, doc, v = self.sheet, self.doc, self.doc.vendor
        mid, right = s.width / 2, s.width - 50
        s.text(mid, 36, v.name.upper() if self.rng.random() < 0.4 else v.name, 16, bold=True,
               align="center")
        s.text(mid, 58, f"{v.street}, {v.city} | {v.phone}", 8, align="center")
        if v.tax_id:
            s.text(mid, 70, f"{self.tax_id_label()} {v.tax_id}", 8, align="center")
            self.shown.add("vendor_tax_id")
        s.rule(50, 84, right)
        s.text(50, 100, self.w("title"), 14, bold=True)
        pairs = self.meta_pairs()
        for i, (label, value) in enumerate(pairs):
            x = 50 + (i % 2) * 250
            y = 124 + (i // 2) * 26
            s.text(x, y, label, 7.5)
            s.text(x, y + 10, value, 9.5, bold=True)
        y = 124 + ((len(pairs) + 1) // 2) * 26 + 8
        s.text(50, y, self.w("bill_to"), 7.5)
        s.lines(50, y + 11, self.customer_lines(), 9)
        y = self.items_table(50, right, y + 60, doc.lines)
        y = self.totals(right - 200, right, y + 4)
        other, rate = (("EUR", Decimal("0.9213")) if self.loc.currency != "EUR"
                       else ("USD", Decimal("1.0854")))
        converted = (doc.total * rate).quantize(Decimal("0.01"))
        note = {"en": f"For information: {other} {converted} at rate {rate}",
                "de": f"Zur Information: {other} {str(converted).replace('.', ',')} "
                      f"(Kurs {str(rate).replace('.', ',')})",
                "fr": f"À titre indicatif : {other} {str(converted).replace('.', ',')} "
                      f"(taux {str(rate).replace('.', ',')})",
                "nl": f"Ter informatie: {other} {str(converted).replace('.', ',')} "
                      f"(koers {str(rate).replace('.', ',')})"}[self.loc.lang]
        s.text(right, y + 2, note, 7.5, align="right")
        self.bank_block(50, y + 30)


def _brand(name: str) -> str:
    words = name.split()
    while len(words) > 1 and (any(c in words[-1] for c in ".()") or words[-1] in {
            "GmbH", "KG", "OHG", "Ltd", "Limited", "LLP", "LLC", "Inc.", "Corp.", "SAS", "SARL",
            "SNC", "SRL", "SA", "SPRL", "AG", "BV", "NV", "CommV", "DAC", "Sàrl", "e.K."}):
        words = words[:-1]
    return " ".join(words)


def _iban(rng: random.Random, loc: Locale) -> str | None:
    country = loc.code.split("-")[1]
    if country in {"US", "CA"}:
        return None
    length = {"DE": 18, "AT": 16, "CH": 17, "FR": 23, "BE": 12, "NL": 14, "GB": 18,
              "IE": 18}[country]
    bban = "".join(str(rng.randint(0, 9)) for _ in range(length))
    if country in {"NL", "GB", "IE"}:
        bban = "ABNA" + bban[4:] if country == "NL" else "NWBK" + bban[4:]
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _legal_text(loc: Locale, rng: random.Random, amount: Any) -> list[str]:
    fee = amount(Decimal(40))
    capital = amount(Decimal(rng.choice((10000, 25000, 50000))))
    return {
        "en": [f"Terms: payment within the agreed period. Late payments incur interest at 8% "
               f"above base rate and a fixed fee of {fee}.",
               f"Registered office as above. Share capital {capital}. Goods remain our "
               "property until paid in full.",
               "Disputes must be raised in writing within 14 days of the invoice date."],
        "de": [f"Bei Zahlungsverzug berechnen wir Verzugszinsen sowie eine Pauschale von {fee}.",
               f"Stammkapital {capital}. Die Ware bleibt bis zur vollständigen Bezahlung unser "
               "Eigentum.", "Es gelten unsere Allgemeinen Geschäftsbedingungen."],
        "fr": ["Pénalités de retard : trois fois le taux d'intérêt légal. Indemnité forfaitaire "
               f"pour frais de recouvrement : {fee}.",
               f"Société au capital de {capital}. Pas d'escompte pour paiement anticipé.",
               "Tout litige relève du tribunal de commerce du siège social."],
        "nl": [f"Bij te late betaling rekenen wij wettelijke rente en {fee} incassokosten.",
               f"Maatschappelijk kapitaal {capital}. Op al onze leveringen zijn onze algemene "
               "voorwaarden van toepassing.", "Klachten binnen 8 dagen schriftelijk melden."],
    }[loc.lang]
