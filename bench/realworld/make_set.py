# ruff: noqa: E501  (tables of wording and layouts read better on one line)
"""A harder, real-world-like evaluation set: till slips and a few invoices from many countries.

    python bench/realworld/make_set.py OUT_DIR --seed 101 --count 60

Independent of `billintake_devkit.synth*` (evaluation data only; nothing in src/ imports it). Writes
`OUT_DIR/truth.jsonl` in the devset form and the documents beside it: digital PDFs, scans
(slight tilt, noise, low dpi) and phone photos (perspective, blur, uneven light, crumple
shadows, JPEG). Receipts follow the conventions of real slips: Malaysian/Singaporean (SROIE
style: "SDN BHD", "(123456-X)", "GST REG NO", "ROUNDING ADJ"), Indian ("GSTIN", "CGST/SGST",
"Grand Total", lakh grouping), US (grocery, restaurant with tip, fuel), UK, German Kassenbon,
French ticket de caisse, Dutch, Swiss and Australian slips, with traps (item counts, loyalty
points, savings, card and phone numbers, change larger than the total, tax tables).
"""

from __future__ import annotations

import argparse
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
C = Decimal("0.01")


def _register_fonts() -> None:
    for name, file in (("Mono", "DejaVuSansMono.ttf"), ("Mono-Bold", "DejaVuSansMono-Bold.ttf"),
                       ("Sans", "DejaVuSans.ttf"), ("Sans-Bold", "DejaVuSans-Bold.ttf"),
                       ("Cond-Bold", "DejaVuSansCondensed-Bold.ttf"),
                       ("Serif-Bold", "DejaVuSerif-Bold.ttf")):
        if (FONT_DIR / file).exists():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


# --- money and dates ----------------------------------------------------------------------------

def q(value: Decimal | float | int) -> Decimal:
    return Decimal(value).quantize(C, rounding=ROUND_HALF_UP)


def group(digits: str, style: str) -> str:
    if style == "lakh" and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        parts = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        return ",".join(parts) + "," + tail
    sep = {"dot": ",", "comma": ".", "ch": "'", "space": " "}.get(style)
    if sep is None:
        return digits
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def money(value: Decimal, style: str = "plain", grouped: bool = False) -> str:
    """`style` picks the decimal mark: plain/dot/lakh/ch use '.', comma/space use ','."""
    value = q(value)
    sign = "-" if value < 0 else ""
    whole, cents = f"{abs(value):.2f}".split(".")
    whole = group(whole, style) if grouped else whole
    mark = "," if style in ("comma", "space") else "."
    return f"{sign}{whole}{mark}{cents}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(d: datetime, form: str) -> str:
    mon = MONTHS[d.month - 1]
    h12 = f"{(d.hour % 12) or 12}:{d.minute:02d} {'PM' if d.hour >= 12 else 'AM'}"
    return {
        "dmy/": f"{d:%d/%m/%Y}", "dmy/ hm": f"{d:%d/%m/%Y %H:%M}", "dmy/ hms": f"{d:%d/%m/%Y %H:%M:%S}",
        "dmy-": f"{d:%d-%m-%Y}", "dmy- hm": f"{d:%d-%m-%Y %H:%M}", "dmy2/": f"{d:%d/%m/%y}",
        "dmy2/ hm": f"{d:%d/%m/%y %H:%M}", "dmy.": f"{d:%d.%m.%Y}", "dmy. hm": f"{d:%d.%m.%Y %H:%M}",
        "dmy2. hm": f"{d:%d.%m.%y %H:%M}", "dmy2. hms": f"{d:%d.%m.%y %H:%M:%S}",
        "iso": f"{d:%Y-%m-%d}", "iso hms": f"{d:%Y-%m-%d %H:%M:%S}",
        "mdy/": f"{d:%m/%d/%Y}", "mdy/ 12h": f"{d:%m/%d/%Y} {h12}", "mdy2/ hm": f"{d:%m/%d/%y %H:%M}",
        "mdy2/ 12h": f"{d:%m/%d/%y} {h12}", "mon'": f"{mon} {d.day} '{d:%y}",
        "MON d, y": f"{mon.upper()} {d.day}, {d.year}", "d-Mon-y": f"{d.day:02d}-{mon}-{d.year}",
        "d-Mon-y hm": f"{d.day:02d}-{mon}-{d.year} {d:%H:%M}", "d Mon y": f"{d.day} {mon} {d.year}",
        "dMONy2": f"{d.day:02d}{mon.upper()}{d:%y} {d:%H:%M}",
    }[form]


# --- the document model ------------------------------------------------------------------------

@dataclass
class Row:
    text: str = ""
    scale: float = 1.0
    bold: bool = False
    align: str = "l"  # l, c, r
    kind: str = "text"  # text, rule, logo, barcode, gap


@dataclass
class Slip:
    width_chars: int
    rows: list[Row] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)

    def add(self, text: str = "", **kw: object) -> None:
        self.rows.append(Row(text, **kw))  # type: ignore[arg-type]

    def lr(self, left: str, right: str, **kw: object) -> None:
        room = max(1, self.width_chars - len(left) - len(right))
        self.add(left + " " * room + right, **kw)

    def cols(self, cells: list[str], widths: list[int], **kw: object) -> None:
        out = ""
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            out += cell.ljust(w) if i == 0 else cell.rjust(w)
        self.add(out, **kw)

    def rule(self, ch: str = "-") -> None:
        self.add(ch * self.width_chars, kind="rule")


# --- vocabulary --------------------------------------------------------------------------------

WORDS = ("Golden", "Harbor", "Sunrise", "Maple", "Lotus", "Riverside", "Summit", "Evergreen",
         "Pioneer", "Crescent", "Orchid", "Falcon", "Jade", "Coral", "Silver", "Royal", "Union",
         "Bright", "Prime", "Green Leaf", "Blue Bay", "Kingsway", "Hilltop", "Northstar")
ITEMS_EN = ("MILK 1L", "WHITE BREAD", "BANANAS", "EGGS 12PK", "CHEDDAR", "COFFEE BEANS",
            "PAPER TOWEL", "DISH SOAP", "APPLE JUICE", "RICE 5KG", "CHICKEN BREAST", "YOGHURT",
            "TOMATOES", "PASTA", "OLIVE OIL", "BATTERIES AA", "NOTEBOOK A5", "BALL PEN BLUE",
            "CABLE TIES", "SCREWDRIVER SET", "LATTE", "CAPPUCCINO", "CLUB SANDWICH", "CAESAR SALAD",
            "FRIES", "BURGER", "ICED TEA", "CHEESECAKE", "SOUP OF DAY", "PIZZA MARGHERITA")
ITEMS_DE = ("Vollmilch 3,5%", "Brötchen", "Bananen", "Butter", "Gouda", "Kaffee", "Mineralwasser",
            "Apfelsaft", "Nudeln", "Tomaten", "Joghurt", "Brezel", "Pfand", "Spülmittel",
            "Schnitzel", "Apfelschorle", "Weizenbier", "Currywurst", "Kuchen")
ITEMS_FR = ("BAGUETTE", "CROISSANT", "LAIT DEMI-ECR", "BEURRE DOUX", "CAFE", "EAU MINERALE",
            "POMMES", "FROMAGE", "JAMBON", "YAOURT", "VIN ROUGE", "PAIN AU CHOCOLAT", "CAFE CREME")
ITEMS_NL = ("Halfvolle melk", "Brood volkoren", "Kaas jong", "Appels", "Koffie", "Pindakaas",
            "Hagelslag", "Eieren", "Tomaten", "Karnemelk", "Stroopwafels", "Bier")
ITEMS_MY = ("NASI LEMAK", "TEH TARIK", "MILO ICE", "ROTI CANAI", "MEE GORENG", "KOPI O",
            "A4 PAPER 80GSM", "GLUE STICK", "PVC PIPE 1/2", "CABLE 2.5MM", "SPANNER 10MM",
            "CHICKEN RICE", "KUEY TEOW", "100PLUS", "MINERAL WATER 1.5L", "CORRECTION TAPE")
ITEMS_IN = ("Masala Dosa", "Idli Vada", "Paneer Tikka", "Veg Biryani", "Butter Naan",
            "Dal Makhani", "Filter Coffee", "Lassi", "Gulab Jamun", "Paracetamol 500",
            "Basmati Rice 1kg", "Toor Dal", "Sunflower Oil 1L", "Chai", "Samosa")


def vendor_name(rng: random.Random, country: str) -> str:
    w = rng.choice(WORDS)
    if country in ("MY", "SG"):
        first = rng.choice(("SIN", "LIAN", "HUP", "TECK", "WAH", "JAYA", "MAJU", "BINTANG",
                            "KIM", "SENG", "HENG", "AIK")) + " " + rng.choice(
            ("SENG", "HUAT", "LEONG", "HOCK", "MAKMUR", "SENTOSA", "CHUAN", "FATT"))
        kind = rng.choice(("TRADING", "HARDWARE", "ENTERPRISE", "RESTAURANT", "BOOK STORE",
                           "STATIONERY", "MINI MARKET", "MARKETING"))
        tail = "SDN BHD" if country == "MY" else rng.choice(("PTE LTD", "PTE. LTD."))
        return f"{first} {kind} {tail}"
    if country == "IN":
        return rng.choice((f"Hotel {rng.choice(('Saravana', 'Annapoorna', 'Udupi', 'Sagar'))} "
                           f"{rng.choice(('Bhavan', 'Residency', 'Palace'))}",
                           f"Shree {rng.choice(('Ganesh', 'Krishna', 'Balaji', 'Lakshmi'))} "
                           f"{rng.choice(('Traders', 'Medicals', 'Sweets', 'Stores'))}",
                           f"{w} {rng.choice(('Supermart', 'Kirana', 'Foods'))} Pvt Ltd"))
    if country == "DE":
        return rng.choice((f"{rng.choice(('Bäckerei', 'Metzgerei', 'Getränkemarkt', 'Café'))} "
                           f"{rng.choice(('Müller', 'Schmidt', 'Wagner', 'Becker', 'Hofmann'))}",
                           f"{rng.choice(('Frischmarkt', 'Stadtkauf', 'Nahkauf Weber'))} GmbH",
                           f"Drogerie {rng.choice(('Lindner', 'Krause'))} e.K."))
    if country == "FR":
        return rng.choice((f"{rng.choice(('Boulangerie', 'Pharmacie', 'Brasserie', 'Epicerie'))} "
                           f"{rng.choice(('du Centre', 'Martin', 'de la Gare', 'Saint-Michel'))}",
                           f"{rng.choice(('Superette Lavoisier', 'Cave des Halles'))} SARL"))
    if country == "NL":
        return (f"{rng.choice(('Bakkerij', 'Slagerij', 'Eetcafé', 'Supermarkt'))} "
                f"{rng.choice(('De Molen', 'Jansen', 'Het Anker', 'Van Dijk', 'De Zon'))}")
    if country == "CH":
        return (f"{rng.choice(('Bäckerei', 'Apotheke', 'Café', 'Metzgerei'))} "
                f"{rng.choice(('Zürcher', 'Steiner', 'Alpenblick', 'Keller'))} AG")
    if country == "AU":
        return f"{w} {rng.choice(('Cafe', 'Bottle Shop', 'Pharmacy', 'Hardware'))} Pty Ltd"
    if country == "UK":
        return f"{w} {rng.choice(('Bakery', 'Stores', 'Pharmacy', 'Butchers', 'Cafe'))} Ltd"
    return f"{w} {rng.choice(('Market', 'Grocery', 'Diner', 'Grill', 'Hardware', 'Deli'))}" + \
        rng.choice(("", "", " Inc.", " LLC"))


def items(rng: random.Random, pool: tuple[str, ...], lo: float, hi: float, n: int
          ) -> list[tuple[str, int, Decimal]]:
    out = []
    for name in rng.sample(pool, min(n, len(pool))):
        qty = rng.choice((1, 1, 1, 1, 2, 3))
        out.append((name, qty, q(rng.uniform(lo, hi))))
    return out


def address(rng: random.Random, country: str) -> list[str]:
    n = rng.randint(1, 300)
    return {
        "MY": [f"NO {n}, JALAN {rng.choice(('BUKIT BINTANG', 'AMPANG', 'KLANG LAMA', 'SS2/24'))},",
               f"{rng.randint(40000, 59999)} {rng.choice(('KUALA LUMPUR', 'PETALING JAYA', 'SHAH ALAM'))}"],
        "SG": [f"{n} {rng.choice(('Orchard Rd', 'Tampines Ave 4', 'Jurong West St 52'))} #01-{n:02d}",
               f"Singapore {rng.randint(100000, 799999)}"],
        "IN": [f"{n}, {rng.choice(('MG Road', 'Anna Salai', 'Brigade Rd', 'Linking Rd'))}",
               f"{rng.choice(('Bengaluru', 'Chennai', 'Mumbai', 'Pune'))} - {rng.randint(400001, 600099)}"],
        "US": [f"{n} {rng.choice(('Main St', 'Oak Ave', 'Elm Street', 'Highway 9'))}",
               f"{rng.choice(('Springfield, IL', 'Austin, TX', 'Portland, OR', 'Dover, DE'))} "
               f"{rng.randint(10000, 99999)}"],
        "UK": [f"{n} {rng.choice(('High Street', 'Church Road', 'Station Rd'))}",
               f"{rng.choice(('Leeds', 'Bristol', 'York'))} {rng.choice(('LS1', 'BS8', 'YO1'))} "
               f"{rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"],
        "DE": [f"{rng.choice(('Hauptstr.', 'Bahnhofstraße', 'Marktplatz'))} {n}",
               f"{rng.randint(10000, 99999)} {rng.choice(('Köln', 'Leipzig', 'Freiburg'))}"],
        "FR": [f"{n} {rng.choice(('rue de la Paix', 'avenue Jean Jaurès', 'bd Voltaire'))}",
               f"{rng.randint(10000, 95999)} {rng.choice(('Lyon', 'Nantes', 'Paris'))}"],
        "NL": [f"{rng.choice(('Kerkstraat', 'Dorpsstraat', 'Marktplein'))} {n}",
               f"{rng.randint(1000, 9999)} {rng.choice('ABCDGHJK')}{rng.choice('ABDHKL')} "
               f"{rng.choice(('Utrecht', 'Zwolle', 'Haarlem'))}"],
        "CH": [f"{rng.choice(('Bahnhofstrasse', 'Seestrasse'))} {n}",
               f"{rng.randint(1000, 9999)} {rng.choice(('Zürich', 'Bern', 'Luzern'))}"],
        "AU": [f"Shop {n}, {rng.choice(('George St', 'Chapel St', 'Queen St'))}",
               f"{rng.choice(('Sydney NSW 2000', 'Melbourne VIC 3000', 'Brisbane QLD 4000'))}"],
    }[country]


def phone(rng: random.Random, country: str) -> str:
    return {"MY": f"TEL: 03-{rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "SG": f"Tel: +65 {rng.randint(6000, 6999)} {rng.randint(1000, 9999)}",
            "IN": f"Ph: +91 {rng.randint(70000, 99999)} {rng.randint(10000, 99999)}",
            "US": f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            "UK": f"Tel: 0{rng.randint(113, 191)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "DE": f"Tel. 0{rng.randint(30, 89)}/{rng.randint(100000, 999999)}",
            "FR": f"Tel : 0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            "NL": f"Tel: 0{rng.randint(10, 79)}-{rng.randint(1000000, 9999999)}",
            "CH": f"Tel. 0{rng.randint(31, 91)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)}",
            "AU": f"Ph ({rng.randint(2, 8):02d}) {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            }[country]


# --- receipts by country -----------------------------------------------------------------------

def _head(slip: Slip, rng: random.Random, country: str, name: str, extra: list[str]) -> str:
    """The vendor block; returns the placement (big, caps, plain, footer)."""
    mode = rng.choice(("big", "big", "caps", "plain", "footer"))
    if mode == "footer":
        slip.add(kind="logo")
    elif mode == "big":
        slip.add(name.upper() if rng.random() < 0.5 else name, scale=rng.choice((1.5, 1.8, 2.2)),
                 bold=True, align="c")
    else:
        slip.add(name.upper() if mode == "caps" else name, bold=rng.random() < 0.5, align="c")
    for line in extra:
        slip.add(line, align="c")
    if mode != "footer" or rng.random() < 0.5:
        for line in address(rng, country):
            slip.add(line, align="c")
    if rng.random() < 0.8:
        slip.add(phone(rng, country), align="c")
    slip.add(kind="gap")
    return mode


def _foot(slip: Slip, rng: random.Random, country: str, name: str, mode: str,
          thanks: tuple[str, ...]) -> None:
    slip.add(kind="gap")
    slip.add(rng.choice(thanks), align="c")
    if mode == "footer":
        slip.add(name.upper() if rng.random() < 0.5 else name, bold=True, align="c")
        for line in address(rng, country):
            slip.add(line, align="c")
    if rng.random() < 0.4:
        slip.add(kind="barcode")


def _stamp(rng: random.Random) -> datetime:
    day = date(2017, 1, 1) + timedelta(days=rng.randint(0, 365 * 9))
    return datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randint(0, 59),
                    rng.randint(0, 59))


def _item_rows(slip: Slip, lines: list[tuple[str, int, Decimal]], fmt, rng: random.Random,
               suffix: str = "") -> Decimal:
    total = Decimal(0)
    style = rng.choice(("inline", "qty-below", "cols"))
    for name, qty, unit in lines:
        amount = q(unit * qty)
        total += amount
        if style == "cols" and slip.width_chars >= 40:
            slip.cols([name[:18], str(qty), fmt(unit), fmt(amount) + suffix],
                      [18, 5, slip.width_chars - 18 - 5 - 11, 11])
        elif qty > 1 and style == "qty-below":
            slip.add(name)
            slip.lr(f"  {qty} x {fmt(unit)}", fmt(amount) + suffix)
        else:
            slip.lr(f"{qty} {name}" if qty > 1 else name, fmt(amount) + suffix)
    return total


def receipt_my(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    reg = f"({rng.randint(100000, 999999)}-{rng.choice('XUKHADPMVTW')})"
    extra = [reg] if country == "MY" else [f"UEN: {rng.randint(199000000, 202099999)}{rng.choice('KMNZ')}"]
    gst_no = f"{rng.randint(0, 9999):04d}{rng.randint(0, 99999999):08d}"
    if country == "MY" or rng.random() < 0.5:
        extra.append(f"GST REG NO : {gst_no}" if country == "MY" else f"GST Reg No: M{gst_no[:9]}")
    mode = _head(slip, rng, country, name, extra)
    ts = _stamp(rng)
    number = f"{rng.choice(('CS', 'INV', 'OR', 'T'))}{rng.randint(10000, 9999999)}"
    slip.add(rng.choice(("TAX INVOICE", "SIMPLIFIED TAX INVOICE", "CASH RECEIPT", "RECEIPT")),
             bold=True, align="c")
    form = rng.choice(("dmy/", "dmy/ hm", "dmy- hm", "iso hms", "dmy2/", "d-Mon-y hm", "dMONy2"))
    if rng.random() < 0.5:
        slip.lr(f"{rng.choice(('INVOICE NO', 'RECEIPT #', 'BILL NO', 'DOC NO'))}: {number}",
                f"{date_text(ts, form)}" if len(date_text(ts, form)) < 12 else "")
        if len(date_text(ts, form)) >= 12:
            slip.add(f"DATE: {date_text(ts, form)}")
    else:
        slip.add(f"DATE : {date_text(ts, form.split(' ')[0])}   TIME : {ts:%H:%M:%S}"
                 if slip.width_chars >= 42 else f"DATE: {date_text(ts, form.split(' ')[0])}")
        slip.add(f"{rng.choice(('CASHIER', 'SALESPERSON', 'TABLE'))}: {rng.randint(1, 30)}")
        slip.add(f"{rng.choice(('INV NO', 'RECEIPT NO', 'DOCUMENT NO'))} : {number}")
    slip.truth.update(bill_number=number)
    slip.rule()
    fmt = money
    lines = items(rng, ITEMS_MY, 1.5, 45, rng.randint(2, 7))
    gst = rng.random() < 0.6 and country == "MY"
    sub = _item_rows(slip, lines, fmt, rng, " SR" if gst and rng.random() < 0.5 else "")
    slip.rule()
    count = sum(n for _, n, _ in lines)
    if rng.random() < 0.6:
        slip.lr("TOTAL QTY:", f"{count}")
    rate = Decimal("0.06") if country == "MY" else Decimal("0.07")
    if gst or country == "SG":
        tax = q(sub * rate / (1 + rate))  # prices include GST
        excl = sub - tax
        gross = sub
        slip.lr("TOTAL SALES (EXCLUDING GST)", fmt(excl))
        slip.lr(f"GST @{int(rate * 100)}%", fmt(tax))
        slip.truth.update(tax=str(tax), subtotal=str(excl))
    else:
        gross = sub
    rounded = (gross * 20).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 20
    rounded = q(rounded)
    adj = rounded - gross
    cur = "RM" if country == "MY" else "S$"
    slip.lr(rng.choice((f"TOTAL ({cur})", "TOTAL INCL. GST", "TOTAL", "NETT TOTAL")),
            fmt(gross), bold=True)
    if adj or rng.random() < 0.5:
        slip.lr("ROUNDING ADJ", fmt(adj))
        slip.lr(rng.choice(("ROUNDED TOTAL (RM)" if cur == "RM" else "ROUNDED TOTAL",
                            "TOTAL AMOUNT", "GRAND TOTAL")), fmt(rounded), bold=True)
    paid = q(rng.choice((rounded, Decimal(50), Decimal(100), Decimal(200))))
    paid = max(paid, rounded)
    if rng.random() < 0.3:
        slip.lr("VISA", fmt(rounded))
        slip.add(f"CARD NO: ************{rng.randint(1000, 9999)}")
    else:
        slip.lr("CASH", fmt(paid))
        slip.lr("CHANGE", fmt(paid - rounded))
    if gst and rng.random() < 0.7:
        slip.rule()
        slip.lr("GST SUMMARY", "AMOUNT(RM)  TAX(RM)")
        slip.lr("SR @ 6%", f"{fmt(gross - slip_tax(slip))}     {fmt(slip_tax(slip))}")
    slip.truth.update(vendor_name=name, bill_date=ts.date().isoformat(), total=str(rounded),
                      currency="MYR" if country == "MY" else "SGD")
    _foot(slip, rng, country, name, mode, ("THANK YOU. PLEASE COME AGAIN",
                                           "GOODS SOLD ARE NOT RETURNABLE", "THANK YOU!"))


def slip_tax(slip: Slip) -> Decimal:
    return Decimal(slip.truth.get("tax", "0"))


def receipt_in(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    state = rng.randint(10, 36)
    gstin = f"{state}{''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ') for _ in range(5))}" \
            f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGH')}1Z{rng.randint(1, 9)}"
    mode = _head(slip, rng, country, name, [f"GSTIN: {gstin}"])
    ts = _stamp(rng)
    number = str(rng.randint(100, 99999))
    form = rng.choice(("dmy2/ hm", "dmy/", "d-Mon-y", "dmy.", "dmy- hm"))
    slip.lr(f"Bill No: {number}", f"Dt: {date_text(ts, form)}" if slip.width_chars >= 42 or
            len(date_text(ts, form)) <= 10 else "")
    if not (slip.width_chars >= 42 or len(date_text(ts, form)) <= 10):
        slip.add(f"Dt: {date_text(ts, form)}")
    if rng.random() < 0.5:
        slip.lr(f"Table: {rng.randint(1, 25)}", f"Steward: {rng.choice(('Ravi', 'Anil', 'Meena'))}")
    slip.truth["bill_number"] = number
    slip.rule()
    slip.lr("Item          Qty", "Amt")
    slip.rule()
    cur = rng.choice(("Rs", "Rs.", "₹", "INR"))
    fmt = lambda v: money(v, "lakh", True)  # noqa: E731
    lines = items(rng, ITEMS_IN, 20, 450, rng.randint(2, 6))
    sub = _item_rows(slip, lines, fmt, rng)
    slip.rule()
    slip.lr("Sub Total", fmt(sub))
    slip.truth["subtotal"] = str(sub)
    half = rng.choice((Decimal("0.025"), Decimal("0.06"), Decimal("0.09")))
    cgst = q(sub * half)
    slip.lr(f"CGST @{half * 100:g}%", fmt(cgst))
    slip.lr(f"SGST @{half * 100:g}%", fmt(cgst))
    tax = cgst * 2
    if rng.random() < 0.5:
        slip.lr("Total GST", fmt(tax))
        slip.truth["tax"] = str(tax)
    gross = sub + tax
    rounded = q(gross.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if rounded != gross:
        slip.lr("Round Off", fmt(rounded - gross))
    label = rng.choice(("Grand Total", "GRAND TOTAL", "Net Amount", "Total Amount"))
    slip.lr(f"{label} {cur}" if rng.random() < 0.5 else label, fmt(rounded), bold=True)
    slip.lr(f"Total Qty: {sum(n for _, n, _ in lines)}", f"Items: {len(lines)}")
    if rng.random() < 0.5:
        slip.add(f"Paid by: {rng.choice(('UPI', 'CASH', 'CARD'))}")
    slip.truth.update(vendor_name=name, bill_date=ts.date().isoformat(), total=str(rounded),
                      currency="INR")
    _foot(slip, rng, country, name, mode, ("Thank You! Visit Again", "** THANK YOU **"))


def receipt_us(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    kind = rng.choice(("grocery", "restaurant", "fuel"))
    extra = [f"STORE #{rng.randint(100, 9999)}"] if rng.random() < 0.4 else []
    if country == "AU":
        extra = [f"ABN {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)} "
                 f"{rng.randint(100, 999)}"]
    mode = _head(slip, rng, country, name, extra)
    ts = _stamp(rng)
    form = rng.choice(("mdy/ 12h", "mdy2/ hm", "mdy2/ 12h", "mon'", "MON d, y", "iso")) \
        if country == "US" else rng.choice(("dmy/ hm", "d Mon y", "dmy2/ hm"))
    number = str(rng.randint(1000, 999999))
    tax_rate = Decimal(rng.choice(("0.0625", "0.0825", "0.07", "0.045"))) if country == "US" \
        else Decimal("0.10")
    fmt = money
    if rng.random() < 0.5:
        slip.lr(date_text(ts, form), f"{rng.choice(('TRANS', 'CHK', 'Order'))} #{number}")
        slip.truth["bill_number"] = number
    else:
        slip.add(date_text(ts, form))
        slip.add(f"REG {rng.randint(1, 9)}  OPER {rng.randint(10, 99)}  "
                 f"TR {rng.randint(1000, 9999)}")
    slip.rule()
    if kind == "fuel":
        gal = Decimal(rng.randint(5000, 18000)) / 1000
        price = Decimal(rng.randint(2899, 4699)) / 1000
        amount = q(gal * price)
        slip.add(f"PUMP # {rng.randint(1, 12)}")
        slip.lr(f"{rng.choice(('REGULAR', 'UNLEADED', 'PREMIUM'))}", "")
        slip.add(f"  {gal:.3f} GAL @ ${price:.3f}/GAL")
        slip.lr("FUEL SALE", fmt(amount))
        sub, tax = amount, Decimal(0)
        if rng.random() < 0.5:
            extra_item = q(rng.uniform(1.5, 6))
            slip.lr("COFFEE 16OZ", fmt(extra_item))
            sub += extra_item
            tax = q(extra_item * tax_rate)
    else:
        lines = items(rng, ITEMS_EN, 0.99, 18 if kind == "grocery" else 24, rng.randint(2, 8))
        sub = _item_rows(slip, lines, fmt, rng)
        tax = q(sub * tax_rate)
        if kind == "grocery" and rng.random() < 0.5:
            saved = q(rng.uniform(0.5, 8))
            slip.lr("  MEMBER SAVINGS", f"-{fmt(saved)}")
            sub -= saved
            tax = q(sub * tax_rate)
    slip.rule()
    gst_inc = country == "AU"
    if gst_inc:
        total = sub
        tax = q(total / 11)
    else:
        slip.lr(rng.choice(("SUBTOTAL", "Subtotal", "SUB TOTAL")), fmt(sub))
        slip.truth["subtotal"] = str(sub)
        if tax:
            slip.lr(rng.choice(("TAX", "Sales Tax", f"TAX {tax_rate * 100:.2f}%")), fmt(tax))
            slip.truth["tax"] = str(tax)
        total = sub + tax
    total_label = rng.choice(("TOTAL", "Total", "BALANCE DUE", "AMOUNT DUE"))
    slip.lr(f"{total_label}" + (" AUD" if country == "AU" and rng.random() < 0.3 else ""),
            f"${fmt(total)}" if rng.random() < 0.6 else fmt(total), bold=True,
            scale=rng.choice((1.0, 1.0, 1.3)))
    if gst_inc:
        slip.lr(rng.choice(("GST incl", "Includes GST", "TOTAL INCLUDES GST")), fmt(tax))
        slip.truth["tax"] = str(tax)
    grand = total
    card = rng.random() < 0.6
    if kind == "restaurant" and card:
        tip = q(total * Decimal(rng.choice((15, 18, 20))) / 100)
        slip.rule()
        slip.add(f"{rng.choice(('VISA', 'MASTERCARD', 'AMEX'))} ****{rng.randint(1000, 9999)}")
        slip.lr("AMOUNT", fmt(total))
        if rng.random() < 0.6:
            slip.lr("TIP", fmt(tip))
            grand = total + tip
            slip.lr("TOTAL", fmt(grand), bold=True)
        else:
            slip.lr("TIP", "________")
            slip.lr("TOTAL", "________")
        slip.add(kind="gap")
        slip.add("X______________________", align="c")
        slip.add("CUSTOMER COPY", align="c")
    elif card:
        slip.lr(f"{rng.choice(('VISA', 'MC', 'DEBIT', 'EFTPOS'))} ****{rng.randint(1000, 9999)}",
                fmt(total))
        slip.add(f"AUTH CODE: {rng.randint(100000, 999999)}")
    else:
        paid = q(max(total, Decimal(rng.choice((20, 50, 100)))))
        slip.lr("CASH", fmt(paid))
        slip.lr(rng.choice(("CHANGE", "CHANGE DUE")), fmt(paid - total))
    if kind == "grocery":
        slip.add(f"TOTAL NUMBER OF ITEMS SOLD = {rng.randint(2, 12)}")
        if rng.random() < 0.6:
            slip.add(f"YOU SAVED ${fmt(q(rng.uniform(1, 9)))} TODAY!", align="c")
        if rng.random() < 0.5:
            slip.lr("REWARDS POINTS EARNED", str(rng.randint(5, 90)))
            slip.lr("POINTS BALANCE", f"{rng.randint(100, 9000):,}")
    slip.truth.update(vendor_name=name, bill_date=ts.date().isoformat(), total=str(grand),
                      currency="USD" if country == "US" else "AUD")
    _foot(slip, rng, country, name, mode, ("THANK YOU FOR SHOPPING WITH US", "Thank you!",
                                           "PLEASE COME AGAIN", "Have a nice day"))


def receipt_uk(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    vat_no = f"GB {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(10, 99)}"
    mode = _head(slip, rng, country, name, [f"VAT Reg No. {vat_no}"] if rng.random() < 0.7 else [])
    ts = _stamp(rng)
    form = rng.choice(("dmy/ hm", "d-Mon-y hm", "d Mon y", "dmy2/ hm"))
    slip.lr(date_text(ts, form), f"Till {rng.randint(1, 8)}")
    number = f"{rng.randint(1000, 9999)}"
    if rng.random() < 0.5:
        slip.add(f"Receipt No: {number}")
        slip.truth["bill_number"] = number
    slip.rule()
    lines = items(rng, ITEMS_EN, 0.5, 9, rng.randint(2, 7))
    gross = _item_rows(slip, lines, lambda v: "£" + money(v), rng)
    slip.rule()
    slip.lr(f"{sum(n for _, n, _ in lines)} BALANCE DUE" if rng.random() < 0.3 else
            rng.choice(("Total to pay", "TOTAL", "Total")), f"£{money(gross)}", bold=True)
    if rng.random() < 0.5:
        paid = q(max(gross, Decimal(rng.choice((10, 20, 50)))))
        slip.lr("Cash", f"£{money(paid)}")
        slip.lr("Change", f"£{money(paid - gross)}")
    else:
        slip.lr(f"Contactless ****{rng.randint(1000, 9999)}", f"£{money(gross)}")
    vat = q(gross / 6)
    slip.add(kind="gap")
    slip.lr("VAT RATE   NET     VAT", "GROSS")
    slip.lr(f"A 20%  {money(gross - vat):>7} {money(vat):>6}", money(gross))
    slip.truth.update(tax=str(vat), vendor_name=name, bill_date=ts.date().isoformat(),
                      total=str(gross), currency="GBP")
    if rng.random() < 0.5:
        slip.lr("Clubcard points this visit", str(rng.randint(1, 60)))
    _foot(slip, rng, country, name, mode, ("Thank you for shopping with us", "See you soon!"))


def receipt_de(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    chf = country == "CH"
    extra = []
    if rng.random() < 0.6:
        extra.append(f"St.Nr. {rng.randint(10, 99)}/{rng.randint(100, 999)}/{rng.randint(10000, 99999)}"
                     if not chf else f"MWST-Nr. CHE-{rng.randint(100, 999)}.{rng.randint(100, 999)}."
                                     f"{rng.randint(100, 999)} MWST")
    mode = _head(slip, rng, country, name, extra)
    ts = _stamp(rng)
    fmt = (lambda v: money(v, "ch", True)) if chf else (lambda v: money(v, "comma"))
    cur = "CHF" if chf else "EUR"
    if not chf and rng.random() < 0.5:
        slip.lr("", cur)
    lines = items(rng, ITEMS_DE, 0.39, 12, rng.randint(2, 8))
    gross = _item_rows(slip, lines, fmt, rng, rng.choice((" A", " B", " 1", "")))
    slip.rule()
    if rng.random() < 0.3:
        slip.lr("Zwischensumme", fmt(gross))
        slip.truth["subtotal"] = str(gross)
    slip.lr(rng.choice((f"Summe {cur}", "SUMME", f"Total {cur}", f"Gesamt {cur}", "Zu zahlen")),
            fmt(gross), bold=True, scale=rng.choice((1.0, 1.3)))
    paid = q(max(gross, Decimal(rng.choice((10, 20, 50, 100)))))
    if rng.random() < 0.5:
        slip.lr(f"Bar {cur}" if rng.random() < 0.5 else "Bar", fmt(paid))
        slip.lr("Rückgeld" if not chf else "Zurück", fmt(paid - gross))
    else:
        slip.lr(rng.choice(("EC-Karte", "Girocard", "Kartenzahlung")), fmt(gross))
        slip.add(f"Karte: ############{rng.randint(1000, 9999)}")
    rate = Decimal("0.081") if chf else rng.choice((Decimal("0.19"), Decimal("0.07")))
    tax = q(gross * rate / (1 + rate))
    slip.add(kind="gap")
    if chf:
        slip.lr(f"MWST {rate * 100:.1f}%  Total  {fmt(gross)}", fmt(tax))
    else:
        slip.lr("MwSt        Netto    MwSt", "Brutto")
        slip.lr(f"A {int(rate * 100)}%  {fmt(gross - tax):>10} {fmt(tax):>7}", fmt(gross))
    slip.truth["tax"] = str(tax)
    form = rng.choice(("dmy2. hm", "dmy. hm", "dmy2. hms", "dmy."))
    number = str(rng.randint(1000, 99999))
    slip.add(kind="gap")
    slip.lr(date_text(ts, form), f"Beleg-Nr. {number}" if not chf else f"Bon {number}")
    slip.truth["bill_number"] = number
    slip.add(f"Kasse {rng.randint(1, 9)}  Bed. {rng.randint(100, 999)}")
    slip.truth.update(vendor_name=name, bill_date=ts.date().isoformat(), total=str(gross),
                      currency=cur)
    _foot(slip, rng, country, name, mode, ("Vielen Dank für Ihren Einkauf!", "Danke und auf Wiedersehen"))


def receipt_fr(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    mode = _head(slip, rng, country, name, [f"SIRET {rng.randint(100, 999)} {rng.randint(100, 999)} "
                                           f"{rng.randint(100, 999)} {rng.randint(10000, 99999)}"])
    ts = _stamp(rng)
    fmt = lambda v: money(v, "comma")  # noqa: E731
    lines = items(rng, ITEMS_FR, 0.5, 15, rng.randint(2, 7))
    gross = _item_rows(slip, lines, fmt, rng, rng.choice(("", " €")))
    slip.rule("=")
    slip.lr(rng.choice(("TOTAL TTC", "TOTAL EUR", "TOTAL")), fmt(gross) + " €", bold=True)
    slip.lr(f"{len(lines)} ARTICLE(S)", "")
    paid = q(max(gross, Decimal(rng.choice((10, 20, 50)))))
    if rng.random() < 0.5:
        slip.lr("ESPECES", fmt(paid))
        slip.lr("RENDU", fmt(paid - gross))
    else:
        slip.lr("CB", fmt(gross))
        slip.add(f"CARTE XXXX XXXX XXXX {rng.randint(1000, 9999)}")
    tva = q(gross / 6)
    slip.add(kind="gap")
    slip.lr("TVA      HT     TVA", "TTC")
    slip.lr(f"20,00% {fmt(gross - tva):>7} {fmt(tva):>6}", fmt(gross))
    slip.truth["tax"] = str(tva)
    number = str(rng.randint(100, 99999))
    form = rng.choice(("dmy/ hms", "dmy/ hm", "dmy-"))
    slip.add(kind="gap")
    slip.add(f"Ticket N° {number}  {date_text(ts, form)}" if slip.width_chars >= 42 else
             f"Ticket {number}")
    if slip.width_chars < 42:
        slip.add(date_text(ts, form))
    slip.truth.update(bill_number=number, vendor_name=name, bill_date=ts.date().isoformat(),
                      total=str(gross), currency="EUR")
    _foot(slip, rng, country, name, mode, ("MERCI DE VOTRE VISITE", "A BIENTOT"))


def receipt_nl(rng: random.Random, slip: Slip, country: str) -> None:
    name = vendor_name(rng, country)
    mode = _head(slip, rng, country, name, [])
    ts = _stamp(rng)
    fmt = lambda v: money(v, "comma")  # noqa: E731
    slip.lr(date_text(ts, rng.choice(("dmy- hm", "dmy/ hm", "dmy-"))),
            f"Bonnr. {(number := str(rng.randint(1000, 99999)))}")
    slip.truth["bill_number"] = number
    slip.rule()
    lines = items(rng, ITEMS_NL, 0.5, 9, rng.randint(2, 8))
    gross = _item_rows(slip, lines, fmt, rng)
    slip.rule()
    slip.lr(rng.choice(("Totaal", "TOTAAL", "Te betalen")), fmt(gross), bold=True)
    if rng.random() < 0.6:
        slip.lr("PIN", fmt(gross))
    else:
        paid = q(max(gross, Decimal(rng.choice((10, 20, 50)))))
        slip.lr("Contant", fmt(paid))
        slip.lr("Wisselgeld", fmt(paid - gross))
    btw = q(gross * Decimal("0.09") / Decimal("1.09"))
    slip.lr("BTW 9% over " + fmt(gross - btw), fmt(btw))
    slip.truth["tax"] = str(btw)
    if rng.random() < 0.4:
        slip.lr("Bonuspunten", str(rng.randint(1, 80)))
    slip.truth.update(vendor_name=name, bill_date=ts.date().isoformat(), total=str(gross),
                      currency="EUR")
    _foot(slip, rng, country, name, mode, ("Bedankt en tot ziens!", "Dank u wel"))


RECEIPTS = (("MY", receipt_my, 5), ("SG", receipt_my, 1), ("IN", receipt_in, 3),
            ("US", receipt_us, 4), ("AU", receipt_us, 1), ("UK", receipt_uk, 2),
            ("DE", receipt_de, 3), ("CH", receipt_de, 1), ("FR", receipt_fr, 2),
            ("NL", receipt_nl, 2))


# --- A4 invoices ---------------------------------------------------------------------------------

@dataclass
class Sheet:
    """An A4 page drawn as positioned text."""
    ops: list[tuple[float, float, str, str, float]] = field(default_factory=list)  # x, y, t, f, s
    truth: dict[str, str] = field(default_factory=dict)

    def text(self, x: float, y: float, t: str, font: str = "Sans", size: float = 9.5,
             right: bool = False) -> None:
        if right:
            x -= pdfmetrics.stringWidth(t, font, size)
        self.ops.append((x, y, t, font, size))


def rupees_words(n: int) -> str:
    ones = ("", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
            "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
            "Eighteen", "Nineteen")
    tens = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")

    def two(k: int) -> str:
        return ones[k] if k < 20 else (tens[k // 10] + (" " + ones[k % 10] if k % 10 else ""))
    parts = []
    for size, word in ((10000000, "Crore"), (100000, "Lakh"), (1000, "Thousand"), (100, "Hundred")):
        if n >= size:
            parts.append(f"{two(n // size)} {word}")
            n %= size
    if n:
        parts.append(two(n))
    return " ".join(parts)


def invoice_in(rng: random.Random) -> Sheet:
    s = Sheet()
    seller = f"{rng.choice(WORDS)} {rng.choice(('Engineering', 'Infotech', 'Textiles', 'Polymers'))} " \
             f"Pvt. Ltd."
    buyer = f"{rng.choice(WORDS)} {rng.choice(('Industries', 'Exports', 'Builders'))} Ltd."
    ts = _stamp(rng)
    number = f"{rng.choice(('INV', 'GST', 'TI'))}/{ts.year % 100}-{ts.year % 100 + 1}/{rng.randint(1, 999):03d}"
    s.text(230, 800, "TAX INVOICE", "Sans-Bold", 14)
    s.text(40, 770, seller, "Sans-Bold", 13)
    for i, line in enumerate(address(rng, "IN")):
        s.text(40, 755 - 12 * i, line)
    s.text(40, 729, f"GSTIN: 27{rng.randint(10000, 99999)}ABCDE1Z{rng.randint(1, 9)}   "
                    f"PAN: ABCDE{rng.randint(1000, 9999)}F")
    s.text(360, 770, f"Invoice No.: {number}")
    form = rng.choice(("dmy.", "dmy/", "d-Mon-y"))
    s.text(360, 756, f"Invoice Date: {date_text(ts, form)}")
    s.text(360, 742, "Place of Supply: Maharashtra (27)")
    s.text(40, 700, "Bill To:", "Sans-Bold")
    s.text(40, 686, buyer)
    s.text(40, 674, f"GSTIN: 27{rng.randint(10000, 99999)}PQRSX1Z{rng.randint(1, 9)}")
    s.text(300, 700, "Ship To:", "Sans-Bold")
    s.text(300, 686, buyer)
    y = 640
    heads = ((40, "Sr"), (65, "Description"), (270, "HSN"), (330, "Qty"), (420, "Rate"),
             (550, "Amount (Rs)"))
    for x, h in heads:
        s.text(x, y, h, "Sans-Bold", 9, right=x > 300)
    sub = Decimal(0)
    for i in range(rng.randint(2, 6)):
        desc = rng.choice(("Hydraulic pump assembly", "Software licence (annual)", "Steel flange 4in",
                           "Installation charges", "Cotton yarn 40s", "PVC granules"))
        qty = rng.randint(1, 40)
        rate = q(rng.uniform(500, 60000))
        amt = q(rate * qty)
        sub += amt
        y -= 16
        s.text(40, y, str(i + 1))
        s.text(65, y, desc)
        s.text(270, y, str(rng.randint(8400, 9999)))
        s.text(330, y, str(qty), right=True)
        s.text(420, y, money(rate, "lakh", True), right=True)
        s.text(550, y, money(amt, "lakh", True), right=True)
    y -= 30
    inter = rng.random() < 0.4
    rate = Decimal("0.18")
    tax = q(sub * rate)
    total = q((sub + tax).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    rows = [("Taxable Value", sub)]
    if inter:
        rows.append(("IGST @ 18%", tax))
    else:
        rows += [("CGST @ 9%", q(tax / 2)), ("SGST @ 9%", tax - q(tax / 2))]
    if total != sub + tax:
        rows.append(("Round Off", total - sub - tax))
    rows.append(("Total Invoice Value", total))
    for label, value in rows:
        bold = label.startswith("Total")
        s.text(360, y, label, "Sans-Bold" if bold else "Sans")
        s.text(550, y, ("₹ " if bold else "") + money(value, "lakh", True), "Sans-Bold" if bold
               else "Sans", right=True)
        y -= 15
    s.text(40, y - 10, f"Amount in words: Rupees {rupees_words(int(total))} Only")
    s.text(40, y - 40, f"Bank: {rng.choice(('HDFC Bank', 'State Bank of India'))}  A/c No. "
                       f"{rng.randint(10**11, 10**12)}  IFSC: HDFC000{rng.randint(1000, 9999)}")
    s.text(380, y - 80, f"For {seller}", "Sans-Bold")
    s.text(400, y - 110, "Authorised Signatory")
    s.truth.update(vendor_name=seller, bill_date=ts.date().isoformat(), total=str(total),
                   currency="INR", subtotal=str(sub), tax=str(tax), bill_number=number)
    return s


def invoice_us(rng: random.Random) -> Sheet:
    s = Sheet()
    vendor = f"{rng.choice(WORDS)} {rng.choice(('Landscaping', 'Plumbing', 'IT Services', 'Cleaning Co.'))}" \
             + rng.choice(("", " LLC", ", Inc."))
    client = f"{rng.choice(WORDS)} {rng.choice(('Dental', 'Realty', 'Bakery'))}"
    ts = _stamp(rng)
    number = str(rng.randint(1000, 99999))
    left = rng.random() < 0.5
    x0 = 40 if left else 330
    s.text(x0, 790, vendor, "Sans-Bold", 16)
    for i, line in enumerate([*address(rng, "US"), phone(rng, "US")]):
        s.text(x0, 772 - 12 * i, line)
    xi = 330 if left else 40
    s.text(xi, 790, "INVOICE", "Sans-Bold", 20)
    form = rng.choice(("mdy/", "MON d, y", "iso"))
    s.text(xi, 768, f"Invoice #: {number}")
    s.text(xi, 754, f"Date: {date_text(ts, form)}")
    due = ts + timedelta(days=30)
    s.text(xi, 740, f"Due Date: {date_text(due, form)}")
    s.text(40, 690, "BILL TO", "Sans-Bold")
    s.text(40, 676, client)
    for i, line in enumerate(address(rng, "US")):
        s.text(40, 664 - 12 * i, line)
    y = 610
    for x, h in ((40, "Description"), (360, "Hours"), (450, "Rate"), (550, "Amount")):
        s.text(x, y, h, "Sans-Bold", right=x > 300)
    sub = Decimal(0)
    for _ in range(rng.randint(1, 5)):
        hours = rng.choice((1, 2, 2.5, 4, 8))
        rate = Decimal(rng.choice((45, 65, 85, 120, 150)))
        amt = q(Decimal(str(hours)) * rate)
        sub += amt
        y -= 16
        s.text(40, y, rng.choice(("Lawn mowing and edging", "Emergency call-out", "Network setup",
                                  "Monthly maintenance", "Deep cleaning - office")))
        s.text(360, y, str(hours), right=True)
        s.text(450, y, f"${money(rate, 'dot', True)}", right=True)
        s.text(550, y, f"${money(amt, 'dot', True)}", right=True)
    y -= 30
    tax = q(sub * Decimal("0.07")) if rng.random() < 0.5 else Decimal(0)
    s.text(400, y, "Subtotal")
    s.text(550, y, f"${money(sub, 'dot', True)}", right=True)
    if tax:
        y -= 15
        s.text(400, y, "Sales Tax (7%)")
        s.text(550, y, f"${money(tax, 'dot', True)}", right=True)
        s.truth["tax"] = str(tax)
    paid = q(sub / 2) if rng.random() < 0.3 else Decimal(0)
    y -= 15
    s.text(400, y, "Total", "Sans-Bold")
    s.text(550, y, f"${money(sub + tax, 'dot', True)}", "Sans-Bold", right=True)
    total = sub + tax
    if paid:
        y -= 15
        s.text(400, y, "Payments/Credits")
        s.text(550, y, f"-${money(paid, 'dot', True)}", right=True)
        y -= 15
        s.text(400, y, "Balance Due", "Sans-Bold")
        s.text(550, y, f"${money(total - paid, 'dot', True)}", "Sans-Bold", right=True)
    s.text(40, y - 50, f"Make checks payable to {vendor}. Thank you for your business!")
    s.truth.update(vendor_name=vendor, bill_date=ts.date().isoformat(), total=str(total),
                   currency="USD", subtotal=str(sub), bill_number=number)
    return s


def invoice_utility(rng: random.Random) -> Sheet:
    s = Sheet()
    vendor = f"{rng.choice(WORDS)} {rng.choice(('Power & Light', 'Water District', 'Gas Company'))}"
    ts = _stamp(rng)
    account = f"{rng.randint(1000, 9999)}-{rng.randint(10000, 99999)}"
    s.text(40, 800, vendor, "Serif-Bold", 15)
    s.text(40, 786, f"Customer service {phone(rng, 'US')}  www.{vendor.split()[0].lower()}utility.com",
           size=8)
    amount = q(rng.uniform(30, 400))
    prev = q(rng.uniform(30, 400))
    form = rng.choice(("mdy/", "MON d, y"))
    s.text(40, 760, f"Account {account}   Statement date {date_text(ts, form)}   Amount due "
                    f"${money(amount)}   Due by {date_text(ts + timedelta(days=21), form)}",
           "Sans", 8.5)
    s.text(40, 730, f"Previous balance ${money(prev)}   Payment received -${money(prev)}   "
                    f"Current charges ${money(amount)}", size=8.5)
    s.text(40, 700, f"Usage {rng.randint(200, 1500)} kWh  Meter {rng.randint(10**7, 10**8)}", size=8.5)
    s.truth.update(vendor_name=vendor, bill_date=ts.date().isoformat(), total=str(amount),
                   currency="USD")
    return s


INVOICES = (invoice_in, invoice_in, invoice_us, invoice_utility)


# --- rendering ---------------------------------------------------------------------------------

def slip_pdf(slip: Slip, paper_mm: int, rng: random.Random) -> bytes:
    width = paper_mm / 25.4 * 72
    margin = 8.0
    font_size = (width - 2 * margin) / (0.602 * slip.width_chars)
    lead = font_size * rng.uniform(1.2, 1.45)
    height = 2 * margin + 20
    for row in slip.rows:
        height += {"logo": 50, "barcode": 40, "gap": lead * 0.8}.get(row.kind, lead * row.scale)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height))
    y = height - margin - 10
    for row in slip.rows:
        if row.kind == "gap":
            y -= lead * 0.8
            continue
        if row.kind == "logo":
            c.setFillGray(0.25)
            c.circle(width / 2, y - 20, 18, fill=1, stroke=0)
            c.setFillGray(1)
            c.rect(width / 2 - 9, y - 29, 18, 18, fill=1, stroke=0)
            c.setFillGray(0)
            y -= 50
            continue
        if row.kind == "barcode":
            x = width / 2 - 60
            while x < width / 2 + 60:
                w = rng.choice((0.8, 1.2, 2.0))
                c.rect(x, y - 30, w, 28, fill=1, stroke=0)
                x += w + rng.choice((0.8, 1.2, 2.0))
            y -= 40
            continue
        size = font_size * row.scale
        font = "Mono-Bold" if row.bold else "Mono"
        if row.scale > 1.4:
            font = rng.choice(("Sans-Bold", "Cond-Bold", "Serif-Bold", "Mono-Bold"))
        text = row.text
        w = pdfmetrics.stringWidth(text, font, size)
        if w > width - 2 * margin:
            size *= (width - 2 * margin) / w
            w = pdfmetrics.stringWidth(text, font, size)
        y -= lead * row.scale
        x = margin if row.align == "l" else (width - w) / 2 if row.align == "c" else width - margin - w
        c.setFont(font, size)
        c.drawString(x, y, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def sheet_pdf(sheet: Sheet) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.27, 841.89))
    for x, y, t, font, size in sheet.ops:
        c.setFont(font, size)
        c.drawString(x, y, t)
    c.showPage()
    c.save()
    return buf.getvalue()


def raster(pdf: bytes, max_px: int, dpi: int) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        h_in = page.get_height() / 72
        dpi = min(dpi, int(max_px / h_in))
        return page.render(scale=dpi / 72).to_pil().convert("L")
    finally:
        doc.close()


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    small = rng.normal(0, 1, (cells, max(2, cells * shape[1] // max(1, shape[0]))))
    img = Image.fromarray(((small - small.min()) / (np.ptp(small) + 1e-6) * 255).astype(np.uint8))
    return np.asarray(img.resize((shape[1], shape[0]), Image.Resampling.BICUBIC),
                      dtype=np.float32) / 255.0


def scan(img: Image.Image, rng: random.Random) -> Image.Image:
    g = img.rotate(rng.uniform(-2, 2), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    a = np.asarray(g, dtype=np.float32)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    a = a * rng.uniform(0.9, 1.0) + nrng.normal(0, rng.uniform(3, 12), a.shape)
    if rng.random() < 0.5:  # speckle
        mask = nrng.random(a.shape) < 0.002
        a[mask] = 0
    g = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rng.random() < 0.5:
        g = g.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    return g


def photo(img: Image.Image, rng: random.Random) -> Image.Image:
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    bg = rng.randint(50, 160)
    mx, my = int(img.width * rng.uniform(0.08, 0.2)), int(img.height * rng.uniform(0.03, 0.08))
    canvas_img = Image.new("L", (img.width + 2 * mx, img.height + 2 * my), bg)
    # paper is slightly grey/yellowed thermal paper
    canvas_img.paste(Image.eval(img, lambda p: int(p * rng.uniform(0.85, 0.97))), (mx, my))
    w, h = canvas_img.size
    k1, k2 = rng.uniform(0, 0.06) * w, rng.uniform(0, 0.03) * h
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(k1, k2), (w - k1 * rng.uniform(0.3, 1), 0), (w, h), (0, h - k2)]
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(rows, float), np.array([c for p in src for c in p], float))
    g = canvas_img.transform((w, h), Image.Transform.PERSPECTIVE, list(coeffs),
                             Image.Resampling.BICUBIC, fillcolor=bg)
    g = g.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, fillcolor=bg)
    a = np.asarray(g, dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    light = 1 - rng.uniform(0.15, 0.4) * np.clip(np.hypot((xx - cx) / w, (yy - cy) / h), 0, 1.2)
    crumple = 1 - rng.uniform(0.05, 0.18) * _smooth_field(nrng, (h, w), rng.randint(4, 9))
    a = a * light * crumple + nrng.normal(0, rng.uniform(3, 8), a.shape)
    g = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    g = g.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    if g.height > 1200:
        g = g.resize((int(g.width * 1200 / g.height), 1200), Image.Resampling.LANCZOS)
    return g


def build(out: Path, seed: int, count: int) -> None:
    _register_fonts()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    weights = [w for _, _, w in RECEIPTS]
    records = []
    for i in range(count):
        invoice = rng.random() < 0.12
        if invoice:
            sheet = rng.choice(INVOICES)(rng)
            pdf, truth, tag, max_px, dpi = sheet_pdf(sheet), sheet.truth, "inv", 1700, 150
        else:
            country, fn, _ = rng.choices(RECEIPTS, weights)[0]
            paper = rng.choice((58, 80, 80))
            slip = Slip(width_chars=32 if paper == 58 else rng.choice((40, 42, 48)))
            fn(rng, slip, country)
            pdf, truth, tag, max_px, dpi = slip_pdf(slip, paper, rng), slip.truth, \
                country.lower(), 1150, 200
        medium = rng.choices(("pdf", "scan", "photo"), (0.3, 0.35, 0.35))[0]
        name = f"rw{seed}-{i:03d}-{tag}"
        if medium == "pdf":
            file, kind = f"{name}.pdf", "text-pdf"
            (out / file).write_bytes(pdf)
        elif medium == "scan":
            img = scan(raster(pdf, max_px, rng.choice((150, 180, 200)) if not invoice else dpi), rng)
            if rng.random() < 0.5:
                file, kind = f"{name}.pdf", "scanned-pdf"
                img.save(out / file, format="PDF", resolution=150.0)
            else:
                file, kind = f"{name}.png", "image"
                img.save(out / file, format="PNG")
        else:
            img = photo(raster(pdf, max_px, rng.choice((170, 200))), rng)
            file, kind = f"{name}.jpg", "image"
            img.save(out / file, format="JPEG", quality=rng.choice((55, 70, 85)))
        records.append({"id": name, "source": f"realworld-seed{seed}", "file": file,
                        "kind": kind, "truth": dict(sorted(truth.items()))})
    with (out / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--count", type=int, default=60)
    args = parser.parse_args(argv)
    build(args.out, args.seed, args.count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
