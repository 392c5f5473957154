"""What a synthetic bill says: parties, numbers, dates and items, with exact Decimal arithmetic.

The content knows nothing of layout; `render` decides where each piece goes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import words
from .locales import LOCALES, TAX_RATES, LocaleSpec

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Party:
    name: str
    lines: list[str]  # address lines under the name
    tax_id: str | None = None
    registration: str | None = None
    iban: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass
class Item:
    description: list[str]  # printed lines; the first may be wrapped further by the renderer
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    unit: str | None = None
    code: str | None = None
    vat_rate: Decimal | None = None

    @property
    def description_text(self) -> str:
        return " ".join(self.description)


@dataclass
class Row:
    """A table row: an item, or a section header / note that is not an item."""

    kind: str  # "item" | "section" | "note"
    item: Item | None = None
    text: str = ""


@dataclass
class TaxLine:
    rate: Decimal
    basis: Decimal
    amount: Decimal


@dataclass
class BillContent:
    locale: LocaleSpec
    kind: str  # "invoice" | "receipt"
    vendor: Party
    customer: Party | None
    ship_to: Party | None
    bill_number: str | None
    bill_date: date
    due_date: date | None
    terms_days: int | None
    po_number: str | None
    rows: list[Row]
    tax_lines: list[TaxLine]
    shipping: Decimal
    discount: Decimal
    show_subtotal: bool = True
    total_label_kind: str = "total"  # "total" | "amount_due"
    notes: list[str] = field(default_factory=list)
    included_tax: tuple[Decimal, Decimal] | None = None  # (rate, amount) inside a receipt total
    number_heading: bool = False  # number and date printed as one phrase: "No. 7 dated 1 May"

    @property
    def items(self) -> list[Item]:
        return [row.item for row in self.rows if row.item is not None]

    @property
    def subtotal(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return sum((t.amount for t in self.tax_lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax + self.shipping - self.discount


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _vendor_name(rng: random.Random, loc: LocaleSpec) -> str:
    second = {
        "de": words.VENDOR_SECOND_DE, "fr": words.VENDOR_SECOND_FR, "nl": words.VENDOR_SECOND_NL,
    }.get(loc.lang, words.VENDOR_SECOND)
    if rng.random() < 0.3:
        second = words.VENDOR_SECOND
    name = f"{rng.choice(words.VENDOR_FIRST)} {rng.choice(second)}"
    if rng.random() < 0.85:
        name = f"{name} {rng.choice(words.LEGAL_SUFFIX[loc.code])}"
    return name


def _address(rng: random.Random, loc: LocaleSpec) -> list[str]:
    lang = loc.lang if loc.lang in words.STREETS else "en"
    street = rng.choice(words.STREETS[lang])
    number = rng.randint(1, 240)
    city, post = rng.choice(words.CITIES[loc.code])
    first = f"{number} {street}" if lang == "en" or lang == "fr" else f"{street} {number}"
    if loc.code == "en-US":
        second = f"{city}, {post}"
    elif loc.code in ("en-GB", "en-IN"):
        second = f"{city} {post}"
    else:
        second = f"{post} {city}"
    return [first, second]


def _tax_id(rng: random.Random, loc: LocaleSpec) -> str:
    return {
        "en-US": f"{_digits(rng, 2)}-{_digits(rng, 7)}",
        "en-GB": f"GB{_digits(rng, 9)}",
        "de-DE": f"DE{_digits(rng, 9)}",
        "fr-FR": f"FR{_digits(rng, 11)}",
        "nl-NL": f"NL{_digits(rng, 9)}B01",
        "de-CH": f"CHE-{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 3)}",
        "en-IN": f"{_digits(rng, 2)}ABCDE{_digits(rng, 4)}F1Z{rng.randint(1, 9)}",
    }[loc.code]


def _iban(rng: random.Random, loc: LocaleSpec) -> str:
    country = {"en-US": "", "en-GB": "GB", "de-DE": "DE", "fr-FR": "FR", "nl-NL": "NL",
               "de-CH": "CH", "en-IN": ""}[loc.code]
    if not country:
        return ""
    raw = f"{country}{_digits(rng, 2)}{_digits(rng, 16)}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def make_vendor(rng: random.Random, loc: LocaleSpec) -> Party:
    name = _vendor_name(rng, loc)
    slug = "".join(ch for ch in name.split()[0].lower() if ch.isalnum())
    return Party(
        name=name,
        lines=_address(rng, loc),
        tax_id=_tax_id(rng, loc) if rng.random() < 0.8 else None,
        registration=f"{_digits(rng, 8)}" if rng.random() < 0.5 else None,
        iban=_iban(rng, loc) or None,
        email=f"{rng.choice(('billing', 'accounts', 'info', 'invoices'))}@{slug}.example",
        phone=f"+{rng.randint(1, 49)} {_digits(rng, 3)} {_digits(rng, 4)}",
    )


def make_customer(rng: random.Random, loc: LocaleSpec, vendor: Party) -> Party:
    while True:
        name = f"{rng.choice(words.CUSTOMER_FIRST)} {rng.choice(words.CUSTOMER_SECOND)}"
        if name != vendor.name:
            break
    lines = _address(rng, loc)
    if rng.random() < 0.5:
        lines.insert(0, f"Attn: {rng.choice(words.PERSON_FIRST)} {rng.choice(words.PERSON_LAST)}")
    return Party(name=name, lines=lines)


def bill_number(rng: random.Random, year: int) -> str:
    patterns = (
        f"INV-{year}-{_digits(rng, 4)}", f"{year}/{_digits(rng, 4)}", f"RE-{_digits(rng, 5)}",
        f"F{year}-{_digits(rng, 3)}", f"A-{_digits(rng, 6)}", f"INV/{year}/{_digits(rng, 2)}/"
        f"{_digits(rng, 4)}", f"{_digits(rng, 8)}", f"{rng.choice('ABCDEFGHJK')}{_digits(rng, 5)}",
    )
    return rng.choice(patterns)


def _quantity(rng: random.Random, service: bool) -> Decimal:
    if service and rng.random() < 0.5:
        return Decimal(rng.choice(("0.5", "1.5", "2.5", "3.25", "7.5", "12", "4", "8")))
    return Decimal(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 24, 50, 100)))


def _price(rng: random.Random, qty: Decimal) -> tuple[Decimal, Decimal]:
    """A unit price such that quantity x price is exact to the cent."""
    while True:
        scale = rng.choice((10, 100, 1000, 5000)) if qty <= 5 else rng.choice((5, 20, 100))
        price = money(Decimal(rng.randint(50, scale * 100)) / 100)
        product = qty * price
        if product == money(product):
            return price, money(product)


def make_item(rng: random.Random, loc: LocaleSpec, *, vat_rate: Decimal | None,
              multiline: bool) -> Item:
    service = rng.random() < 0.35
    if service:
        desc = f"{rng.choice(words.SERVICES)} {rng.choice(words.SERVICE_DETAIL)}"
        unit = rng.choice(("h", "hrs", "day", "pcs")) if rng.random() < 0.6 else "h"
    else:
        desc = f"{rng.choice(words.ITEM_ADJ)} {rng.choice(words.ITEM_MATERIAL)} " \
               f"{rng.choice(words.ITEM_NOUN)}"
        unit = rng.choice(("pcs", "ea", "box", "set", "kg", "Stk", "pc"))
    lines = [desc]
    if multiline:
        detail = rng.choice(words.DETAIL_LINES).format(
            n=_digits(rng, 6), d=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}",
            p=f"{rng.choice(words.PERSON_FIRST)} {rng.choice(words.PERSON_LAST)}")
        lines.append(detail)
    qty = _quantity(rng, service)
    price, amount = _price(rng, qty)
    code = f"{rng.choice('ABCKMPTX')}{rng.choice('ABCKMPTX')}-{_digits(rng, 4)}"
    return Item(lines, qty, price, amount, unit=unit, code=code, vat_rate=vat_rate)


def make_invoice(rng: random.Random, locale_code: str, *, n_items: int,
                 multi_rate: bool, sections: bool, notes: bool,
                 negative_line: bool, number_headings: bool = True) -> BillContent:
    """One invoice's content; `number_headings`: some print their number and date as one
    phrase (`_number_heading`), else none does."""
    loc = LOCALES[locale_code]
    vendor = make_vendor(rng, loc)
    customer = make_customer(rng, loc, vendor)
    ship_to = None
    if rng.random() < 0.35:
        ship_to = Party(name=customer.name if rng.random() < 0.6 else
                        f"{customer.name} - {rng.choice(('Warehouse', 'Site B', 'Depot'))}",
                        lines=_address(rng, loc))
    bill_date = date(2023, 1, 1) + timedelta(days=rng.randint(0, 4 * 365))
    terms = rng.choice((None, 7, 14, 30, 30, 45, 60))
    due = bill_date + timedelta(days=terms) if terms else None
    rates = TAX_RATES[locale_code]
    rows: list[Row] = []
    section_names = words.SECTIONS.get(loc.lang, words.SECTIONS["en"])
    used_sections = rng.sample(section_names, 2) if sections else []
    for index in range(n_items):
        if used_sections and index in (0, max(1, n_items // 2)):
            rows.append(Row("section", text=used_sections.pop(0)))
        rate = rng.choice(rates) if multi_rate else rates[0]
        rows.append(Row("item", make_item(rng, loc, vat_rate=rate,
                                          multiline=rng.random() < 0.25)))
    if negative_line:
        credit = money(Decimal(rng.randint(100, 5000)) / 100)
        label = {"en": "Credit for returned goods", "de": "Gutschrift Rücksendung",
                 "fr": "Avoir retour marchandise", "nl": "Creditering retour"}[loc.lang]
        rows.append(Row("item", Item([label], Decimal(1), -credit, -credit, unit="pcs",
                                     code="CR-0001", vat_rate=rates[0])))
    note_list = []
    if notes:
        note_list.append(rng.choice(words.NOTES.get(loc.lang, words.NOTES["en"])))
    items = [row.item for row in rows if row.item]
    by_rate: dict[Decimal, Decimal] = {}
    for item in items:
        by_rate[item.vat_rate or Decimal(0)] = by_rate.get(item.vat_rate or Decimal(0),
                                                           Decimal("0.00")) + item.amount
    tax_lines = [TaxLine(rate, basis, money(basis * rate / 100))
                 for rate, basis in sorted(by_rate.items(), reverse=True) if rate > 0]
    shipping = money(Decimal(rng.choice((0, 0, 0, 495, 1250, 2500))) / 100)
    discount = money(Decimal(rng.choice((0, 0, 0, 0, 500, 1500))) / 100)
    content = BillContent(
        locale=loc, kind="invoice", vendor=vendor, customer=customer, ship_to=ship_to,
        bill_number=bill_number(rng, bill_date.year), bill_date=bill_date, due_date=due,
        terms_days=terms, po_number=f"PO-{_digits(rng, 5)}" if rng.random() < 0.35 else None,
        rows=rows, tax_lines=tax_lines, shipping=shipping, discount=discount,
        total_label_kind=rng.choice(("total", "total", "amount_due")), notes=note_list,
    )
    if content.total <= 0:  # a credit larger than the goods: drop the discount and shipping
        content.discount = Decimal("0.00")
    if number_headings:
        _number_heading(content)
    return content


HEADING_SHARE = 0.15  # invoices that print "<number label> <number> <dated> <date>"
SPACED_SHARE = 0.5  # of those, a number of several words
NUMBER_SUFFIXES = ("A", "B", "bis", "Rev 2", "part 2", "Teil 1", "Nachtrag", "sup")


def _number_heading(content: BillContent) -> None:
    """Some invoices print their number and date as one phrase, and some of those a number
    of several words ("2026 00417", "40711 bis", "4711 Teil 1"). Drawn from a generator of its
    own, seeded by the bill, so every other draw (and every other bill) stays as it was."""
    assert content.bill_number is not None
    aside = random.Random(f"heading|{content.bill_number}|{content.bill_date.isoformat()}")
    if aside.random() >= HEADING_SHARE:
        return
    content.number_heading = True
    if aside.random() >= SPACED_SHARE:
        return
    digits = "".join(c for c in content.bill_number if c.isdigit())[-6:]
    content.bill_number = aside.choice((
        f"{content.bill_date.year} {_digits(aside, 5)}",
        f"{digits} {aside.choice(NUMBER_SUFFIXES)}",
        f"{content.bill_number} {aside.choice(NUMBER_SUFFIXES)}",
    ))


def make_receipt(rng: random.Random, locale_code: str, *, n_items: int) -> BillContent:
    loc = LOCALES[locale_code]
    shop = f"{rng.choice(words.VENDOR_FIRST)} {rng.choice(words.SHOP_WORDS)}"
    vendor = Party(name=shop, lines=_address(rng, loc),
                   tax_id=_tax_id(rng, loc) if rng.random() < 0.6 else None)
    rows = []
    for _ in range(n_items):
        qty = Decimal(rng.choice((1, 1, 1, 2, 2, 3, 4)))
        price = money(Decimal(rng.randint(50, 1500)) / 100)
        rows.append(Row("item", Item([rng.choice(words.RECEIPT_ITEMS)], qty, price,
                                     money(qty * price))))
    bill_date = date(2023, 1, 1) + timedelta(days=rng.randint(0, 4 * 365))
    rate = TAX_RATES[locale_code][0]
    content = BillContent(
        locale=loc, kind="receipt", vendor=vendor, customer=None, ship_to=None,
        bill_number=_digits(rng, rng.choice((4, 5, 6))) if rng.random() < 0.7 else None,
        bill_date=bill_date, due_date=None, terms_days=None, po_number=None, rows=rows,
        tax_lines=[], shipping=Decimal("0.00"), discount=Decimal("0.00"),
        show_subtotal=False,
    )
    if rate > 0 and rng.random() < 0.6:
        # Tax included in the prices (till slips print "incl. VAT 20% 2.05"): the truth's tax
        # is that included amount; no subtotal is printed.
        total = content.total
        content.included_tax = (rate, money(total * rate / (100 + rate)))
    return content
