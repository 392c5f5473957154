"""Draw a bill's content in a layout with reportlab, recording where each field was printed.

All recorded boxes are in PDF points with the origin at the page's top-left corner (the
coordinates of `reading.document`), computed from the font metrics pdfminer also uses: a
string's box spans from baseline + descent to baseline + descent + font size.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from .content import BillContent, Item, Row
from .layout import InvoiceLayout, ReceiptLayout
from .locales import (
    DATE_STYLES,
    LABELS,
    RECEIPT_LABELS,
    format_date,
    format_money,
    format_number,
    format_quantity,
)

BOLD = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}
GREY = Color(0.45, 0.45, 0.45)
LIGHT = Color(0.9, 0.9, 0.92)
# What joins a number to its date in one phrase ("Invoice No. 7 dated 1 May 2026")
DATE_CONNECTORS = {"en": ("dated", "of"), "de": ("vom", "vom"), "fr": ("du", "du"),
                   "nl": ("van", "d.d.")}
ZEBRA = Color(0.95, 0.95, 0.97)

Box = tuple[float, float, float, float]


@dataclass
class Mark:
    text: str
    page: int
    bbox: Box

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "page": self.page, "bbox": [round(v, 2) for v in self.bbox]}


def union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass
class Rendered:
    pdf: bytes
    fields: dict[str, Mark] = field(default_factory=dict)
    extra: dict[str, list[Mark]] = field(default_factory=dict)  # e.g. several tax lines
    items: list[dict[str, Mark]] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)  # truth fields the document shows
    pages: int = 1


class Drawer:
    """A reportlab canvas addressed in top-left coordinates, recording field boxes."""

    def __init__(self, size: tuple[float, float], font: str) -> None:
        self.buffer = io.BytesIO()
        self.width, self.height = size
        self.canvas = Canvas(self.buffer, pagesize=size, invariant=1)
        self.font = font
        self.page = 1
        self.out = Rendered(pdf=b"")

    def text(self, x: float, top: float, text: str, size: float = 9.0, *, bold: bool = False,
             align: str = "left", color: Color = black) -> Box:
        """Draw `text` with its box's top at `top`; return the box (x0, top, x1, bottom)."""
        font = BOLD[self.font] if bold else self.font
        width = pdfmetrics.stringWidth(text, font, size)
        _, descent = pdfmetrics.getAscentDescent(font, size)
        x0 = x - width if align == "right" else x - width / 2 if align == "center" else x
        baseline = top + size + descent  # top-left coordinates
        self.canvas.setFillColor(color)
        self.canvas.setFont(font, size)
        self.canvas.drawString(x0, self.height - baseline, text)
        self.canvas.setFillColor(black)
        return (x0, top, x0 + width, top + size)

    def width_of(self, text: str, size: float, bold: bool = False) -> float:
        return pdfmetrics.stringWidth(text, BOLD[self.font] if bold else self.font, size)

    def mark(self, name: str, text: str, box: Box) -> None:
        if name not in self.out.fields:
            self.out.fields[name] = Mark(text, self.page, box)

    def rect(self, x0: float, top: float, x1: float, bottom: float, *, fill: Color | None = None,
             stroke: bool = True) -> None:
        c = self.canvas
        if fill is not None:
            c.setFillColor(fill)
        c.setLineWidth(0.6)
        c.rect(x0, self.height - bottom, x1 - x0, bottom - top, stroke=int(stroke),
               fill=int(fill is not None))
        c.setFillColor(black)

    def hline(self, x0: float, x1: float, y: float, width: float = 0.6) -> None:
        self.canvas.setLineWidth(width)
        self.canvas.line(x0, self.height - y, x1, self.height - y)

    def show_page(self) -> None:
        self.canvas.showPage()
        self.page += 1

    def finish(self) -> Rendered:
        self.canvas.save()
        self.out.pdf = self.buffer.getvalue()
        self.out.pages = self.page
        return self.out


# --------------------------------------------------------------------------------- invoices

COLUMN_WIDTH = {"pos": 26.0, "code": 58.0, "qty": 38.0, "unit": 34.0, "unit_price": 66.0,
                "vat": 40.0, "amount": 74.0}
NUMERIC = {"pos", "qty", "unit_price", "vat", "amount"}


class InvoiceRenderer:
    def __init__(self, content: BillContent, layout: InvoiceLayout, rng: random.Random, *,
                 repeat_header: bool | None = None) -> None:
        self.repeat_header = repeat_header
        self.c = content
        self.lay = layout
        self.rng = rng
        self.loc = content.locale
        self.labels = {k: rng.choice(v) for k, v in LABELS[self.loc.lang].items()}
        size = LETTER if layout.page == "letter" else A4
        self.d = Drawer(size, layout.font)
        self.left = 48.0
        self.right = self.d.width - 48.0
        self.bottom_limit = self.d.height - 95.0
        self.date_style = rng.choice(DATE_STYLES[self.loc.code])
        self.money_style = rng.choice(("symbol", "symbol", "code"))
        self.negative = "parens" if self.loc.lang == "en" and rng.random() < 0.6 else "minus"
        self.tax_id_in_header = content.vendor.tax_id is not None and rng.random() < 0.35
        self.pages_total = 1
        terms = content.terms_days
        self.print_due = content.due_date is not None and (terms is None or rng.random() < 0.75)
        self.print_terms = terms is not None and (not self.print_due or rng.random() < 0.3)

    # -- helpers
    def money(self, value: Decimal, *, symbol: bool = True) -> str:
        return format_money(value, self.loc, symbol=symbol, style=self.money_style,
                            negative=self.negative)

    def date(self, value: Any) -> str:
        return format_date(value, self.loc, self.date_style)

    def label(self, key: str) -> str:
        return self.labels[key]

    # -- blocks
    def vendor_block(self, x: float, top: float, align: str, name_size: float = 15) -> float:
        d, v = self.d, self.c.vendor
        box = d.text(x, top, v.name, name_size, bold=True, align=align)
        d.mark("vendor_name", v.name, box)
        y = box[3] + 4
        lines = list(v.lines)
        if self.rng.random() < 0.5 and v.phone:
            lines.append(f"Tel. {v.phone}")
        if self.rng.random() < 0.5 and v.email:
            lines.append(v.email)
        for line in lines:
            y = d.text(x, y, line, 8.5, align=align, color=GREY)[3] + 2
        if self.tax_id_in_header and v.tax_id:
            y = self.tax_id_line(x, y, align)
        return y

    def tax_id_line(self, x: float, top: float, align: str, size: float = 8.5) -> float:
        v = self.c.vendor
        assert v.tax_id
        label = f"{self.label('vat_id')}: "
        whole = self.d.text(x, top, label + v.tax_id, size, align=align)
        x_value = whole[0] + self.d.width_of(label, size)
        self.d.mark("vendor_tax_id", v.tax_id, (x_value, whole[1], whole[2], whole[3]))
        self.out_shown("vendor_tax_id")
        return whole[3] + 2

    def out_shown(self, name: str) -> None:
        self.d.out.shown.add(name)

    def title(self, x: float, top: float, align: str, size: float = 20) -> float:
        return self.d.text(x, top, self.label("title"), size, bold=True, align=align)[3]

    def header(self) -> float:
        d, lay = self.d, self.lay
        top = 42.0
        if lay.header == "left":
            y = self.vendor_block(self.left, top, "left")
            t = self.title(self.right, top, "right")
        elif lay.header == "right":
            t = self.title(self.left, top, "left")
            y = self.vendor_block(self.right, top, "right")
        elif lay.header == "center":
            box = d.text(d.width / 2, top, self.c.vendor.name, 17, bold=True, align="center")
            d.mark("vendor_name", self.c.vendor.name, box)
            y = d.text(d.width / 2, box[3] + 4, "  ·  ".join(self.c.vendor.lines), 8.5,
                       align="center", color=GREY)[3] + 3
            if self.tax_id_in_header:
                y = self.tax_id_line(d.width / 2, y, "center")
            t = self.title(self.left, y + 14, "left", 16)
        else:  # letterhead band
            d.rect(0, 0, d.width, 74, fill=Color(0.16, 0.3, 0.5), stroke=False)
            box = d.text(self.left, 24, self.c.vendor.name, 19, bold=True, color=white)
            d.mark("vendor_name", self.c.vendor.name, box)
            yy = 22.0
            for line in self.c.vendor.lines:
                yy = d.text(self.right, yy, line, 8, align="right", color=white)[3] + 2
            y = 84.0
            if self.tax_id_in_header:
                y = self.tax_id_line(self.left, y, "left")
            t = self.title(self.left, y + 8, "left", 16)
        return max(y, t) + 22

    def party(self, x: float, top: float, label: str, name: str, lines: list[str]) -> float:
        d = self.d
        y = d.text(x, top, label, 8, bold=True, color=GREY)[3] + 3
        y = d.text(x, y, name, 9.5, bold=self.rng.random() < 0.5)[3] + 2
        for line in lines:
            y = d.text(x, y, line, 9)[3] + 2
        return y

    def meta_pairs(self) -> list[tuple[str, str, str | None]]:
        """(label, value, field name) for the invoice details block."""
        c = self.c
        pairs: list[tuple[str, str, str | None]] = []
        if c.bill_number:
            pairs.append((self.label("number"), c.bill_number, "bill_number"))
        pairs.append((self.label("date"), self.date(c.bill_date), "bill_date"))
        if self.print_due and c.due_date:
            pairs.append((self.label("due"), self.date(c.due_date), "due_date"))
        if self.print_terms and c.terms_days:
            terms = self.label("net_days").format(n=c.terms_days)
            pairs.append((self.label("terms"), terms, "payment_terms"))
        if c.po_number:
            pairs.append((self.label("po"), c.po_number, "po_number"))
        return pairs

    def meta_block(self, x: float, top: float, width: float) -> float:
        d, style = self.d, self.lay.meta
        pairs = self.meta_pairs()
        y = top
        colon = ":" if self.rng.random() < 0.6 else ""
        if self.c.number_heading:
            y = top = self.number_heading(x, y, width) + 6
            pairs = [p for p in pairs if p[2] not in ("bill_number", "bill_date")]
        if style == "pairs_right":
            label_w = max((d.width_of(lab + colon, 9, bold=True) for lab, _, _ in pairs),
                          default=0.0) + 10
            for lab, value, name in pairs:
                d.text(x, y, lab + colon, 9, bold=True)
                box = d.text(x + label_w, y, value, 9)
                self.record(name, value, box)
                y += 14
        elif style == "stacked":
            for lab, value, name in pairs:
                y = d.text(x, y, lab, 7.5, color=GREY)[3] + 2
                box = d.text(x, y, value, 10, bold=name == "bill_number")
                self.record(name, value, box)
                y = box[3] + 7
        elif style == "grid":
            cell_w = width / 2
            for index, (lab, value, name) in enumerate(pairs):
                cx = x + (index % 2) * cell_w
                cy = top + (index // 2) * 30
                d.rect(cx, cy, cx + cell_w, cy + 30)
                d.text(cx + 4, cy + 4, lab, 7, color=GREY)
                size = 9.5
                while size > 6 and d.width_of(value, size) > cell_w - 8:
                    size -= 0.5
                box = d.text(cx + 4, cy + 15, value, size)
                self.record(name, value, box)
            y = top + ((len(pairs) + 1) // 2) * 30 + 4
        else:  # inline: "Label: value" as one run
            for lab, value, name in pairs:
                prefix = f"{lab}: "
                whole = d.text(x, y, prefix + value, 9)
                self.record(name, value, (whole[0] + d.width_of(prefix, 9), whole[1],
                                          whole[2], whole[3]))
                y += 14
        return y

    def number_heading(self, x: float, top: float, width: float) -> float:
        """The number and the date as one phrase ("Rechnung Nr. 210111 vom 30.05.2026")."""
        c, d = self.c, self.d
        assert c.bill_number
        label, date_text = self.label("number"), self.date(c.bill_date)
        connector = DATE_CONNECTORS[self.loc.lang][len(c.bill_number) % 2]
        head, middle = f"{label} ", f" {connector} "
        size = 9.5
        while size > 6 and d.width_of(head + c.bill_number + middle + date_text, size) > width:
            size -= 0.5
        whole = d.text(x, top, head + c.bill_number + middle + date_text, size, bold=True)
        start = whole[0] + d.width_of(head, size, bold=True)
        end = start + d.width_of(c.bill_number, size, bold=True)
        self.record("bill_number", c.bill_number, (start, whole[1], end, whole[3]))
        date_start = end + d.width_of(middle, size, bold=True)
        self.record("bill_date", date_text, (date_start, whole[1], whole[2], whole[3]))
        return whole[3]

    def record(self, name: str | None, value: str, box: Box) -> None:
        if name:
            self.d.mark(name, value, box)
            self.out_shown(name)

    def parties_and_meta(self, top: float) -> float:
        c, lay, d = self.c, self.lay, self.d
        assert c.customer
        meta_x = d.width * 0.57
        meta_w = self.right - meta_x
        bill_x = self.left
        if lay.parties == "bill_right":
            meta_x, bill_x = self.left, d.width * 0.6
            meta_w = d.width * 0.5 - self.left
        bottom = self.party(bill_x, top, self.label("bill_to"), c.customer.name,
                            c.customer.lines)
        if c.ship_to is not None and lay.parties == "bill_ship":
            ship_x = self.left + 150
            meta_x = max(meta_x, ship_x + 150)
            meta_w = self.right - meta_x
            bottom = max(bottom, self.party(ship_x, top, self.label("ship_to"),
                                            c.ship_to.name, c.ship_to.lines))
        meta_bottom = self.meta_block(meta_x, top, meta_w)
        return max(bottom, meta_bottom) + 22

    # -- table
    def columns(self) -> list[tuple[str, float, float]]:
        keys = self.lay.columns
        fixed = sum(COLUMN_WIDTH[k] for k in keys if k != "description")
        desc_w = self.right - self.left - fixed
        cols, x = [], self.left
        for key in keys:
            w = desc_w if key == "description" else COLUMN_WIDTH[key]
            cols.append((key, x, x + w))
            x += w
        return cols

    def table_header(self, top: float) -> float:
        d, style = self.d, self.lay.table
        bottom = top + 18
        if style in ("band", "zebra"):
            d.rect(self.left, top, self.right, bottom, fill=LIGHT, stroke=False)
        for key, x0, x1 in self.cols:
            text = self.header_labels[key]
            size = 8.5
            while size > 6 and d.width_of(text, size, bold=True) > x1 - x0 - 6:
                size -= 0.5
            if key in NUMERIC and self.lay.num_align == "center":
                d.text((x0 + x1) / 2, top + 5, text, size, bold=True, align="center")
            elif key in NUMERIC:
                d.text(x1 - 3, top + 5, text, size, bold=True, align="right")
            else:
                d.text(x0 + 3, top + 5, text, size, bold=True)
            if style == "grid":
                d.rect(x0, top, x1, bottom)
        if style == "rule":
            d.hline(self.left, self.right, bottom, 1.0)
        return bottom + 5

    def cell_text(self, key: str, item: Item, index: int) -> str | None:
        money = self.lay.money_in_table
        if key == "qty":
            return format_quantity(item.quantity, self.loc)
        if key == "unit_price":
            return self.money(item.unit_price, symbol=money)
        if key == "amount":
            return self.money(item.amount, symbol=money)
        if key == "vat":
            return f"{format_number(item.vat_rate or Decimal(0), self.loc, places=0)}%" \
                if (item.vat_rate or 0) == int(item.vat_rate or 0) else \
                f"{format_quantity(item.vat_rate or Decimal(0), self.loc)}%"
        if key == "unit":
            return item.unit
        if key == "code":
            return item.code
        if key == "pos":
            return str(index)
        return None

    def item_height(self, item: Item, desc_w: float) -> tuple[list[str], float]:
        lines: list[str] = []
        for i, text in enumerate(item.description):
            size = 9 if i == 0 else 8
            lines.extend(simpleSplit(text, self.d.font, size, desc_w - 8))
        return lines, len(lines) * 11.5 + 5

    def draw_item(self, item: Item, index: int, top: float, zebra: bool) -> float:
        d = self.d
        desc_col = next(c for c in self.cols if c[0] == "description")
        lines, height = self.item_height(item, desc_col[2] - desc_col[1])
        if zebra and self.lay.table == "zebra" and index % 2 == 0:
            d.rect(self.left, top - 3, self.right, top + height - 3, fill=ZEBRA, stroke=False)
        marks: dict[str, Mark] = {}
        boxes = []
        first_count = len(simpleSplit(item.description[0], d.font, 9, desc_col[2] -
                                      desc_col[1] - 8))
        for i, line in enumerate(lines):
            size = 9 if i < first_count else 8
            boxes.append(d.text(desc_col[1] + 4, top + i * 11.5, line, size,
                                color=black if i < first_count else GREY))
        marks["description"] = Mark(item.description_text, d.page, union(boxes))
        number_top = top + (len(lines) - 1) * 11.5 if self.lay.amounts_at == "bottom" else top
        for key, x0, x1 in self.cols:
            if key == "description":
                continue
            text = self.cell_text(key, item, index)
            if text is None:
                continue
            if key in NUMERIC and self.lay.num_align == "center":
                box = d.text((x0 + x1) / 2, number_top, text, 9, align="center")
            elif key in NUMERIC:
                box = d.text(x1 - 4, number_top, text, 9, align="right")
            else:
                box = d.text(x0 + 4, number_top, text, 9)
            name = {"qty": "quantity", "unit_price": "unit_price", "amount": "amount"}.get(key)
            if name:
                marks[name] = Mark(text, d.page, box)
        if self.lay.table == "grid":
            for _, x0, x1 in self.cols:
                d.rect(x0, top - 4, x1, top + height - 4)
        self.d.out.items.append(marks)
        return top + height

    def new_page(self, repeat_header: bool) -> float:
        d = self.d
        d.text(self.right, self.bottom_limit + 8, self.label("continued"), 8, align="right",
               color=GREY)
        self.footer()
        d.show_page()
        self.pages_total += 1
        top = 45.0
        if self.c.bill_number and self.rng.random() < 0.7:
            top = d.text(self.left, top, f"{self.label('number')} {self.c.bill_number}", 9,
                         color=GREY)[3] + 20
        return self.table_header(top) if repeat_header else top + 6

    def table(self, top: float) -> float:
        self.cols = self.columns()
        self.header_labels = {k: self.labels[k] for k in self.lay.columns}
        y = self.table_header(top)
        repeat = self.rng.random() < 0.65
        if self.repeat_header is not None:
            repeat = self.repeat_header
        index = 0
        rows: list[Row] = list(self.c.rows)
        for row in rows:
            if row.kind == "section":
                if y + 40 > self.bottom_limit:
                    y = self.new_page(repeat)
                d = self.d
                y = d.text(self.left + 4, y + 4, row.text, 9.5, bold=True)[3] + 6
                continue
            assert row.item
            desc_col = next(c for c in self.cols if c[0] == "description")
            _, height = self.item_height(row.item, desc_col[2] - desc_col[1])
            if y + height > self.bottom_limit:
                y = self.new_page(repeat)
            index += 1
            y = self.draw_item(row.item, index, y, zebra=True)
        for note in self.c.notes:
            y = self.d.text(self.left + 4, y + 8, note, 8, color=GREY)[3] + 4
        if self.lay.table in ("rule", "band", "zebra"):
            self.d.hline(self.left, self.right, y + 2)
        return y + 14

    # -- totals
    def totals_rows(self) -> list[tuple[str, Decimal, str | None, bool]]:
        c = self.c
        rows: list[tuple[str, Decimal, str | None, bool]] = []
        if c.show_subtotal:
            rows.append((self.label("subtotal"), c.subtotal, "subtotal", False))
        if c.discount:
            rows.append((self.label("discount"), -c.discount, None, False))
        if c.shipping:
            rows.append((self.label("shipping"), c.shipping, None, False))
        for line in c.tax_lines:
            rate = format_quantity(line.rate, self.loc)
            name = "tax" if len(c.tax_lines) == 1 else "tax_part"
            rows.append((f"{self.label('tax')} {rate}%", line.amount, name, False))
        if len(c.tax_lines) > 1 and self.rng.random() < 0.5:
            rows.append((f"{self.label('tax')}", c.tax, "tax", False))
        if c.total_label_kind == "amount_due":
            if self.rng.random() < 0.5:
                rows.append((self.label("total"), c.total, "total", True))
                rows.append((self.label("amount_due"), c.total, "amount_due", True))
            else:
                rows.append((self.label("amount_due"), c.total, "total", True))
        else:
            rows.append((self.label("total"), c.total, "total", True))
        return rows

    def totals(self, top: float) -> float:
        d, style = self.d, self.lay.totals
        rows = self.totals_rows()
        if top + len(rows) * 15 + 30 > self.bottom_limit:
            self.footer()
            d.show_page()
            self.pages_total += 1
            top = 60.0
        if style == "wide":
            label_x, label_align = self.left, "left"
        else:
            label_x, label_align = self.right - 100, "right"
        y = top
        box_top = top - 5
        for label, value, name, strong in rows:
            if strong and style == "ruled_box":
                d.hline(label_x - 90, self.right, y - 3, 1.0)
            d.text(label_x, y, label + (":" if style == "wide" else ""), 9.5, bold=strong,
                   align=label_align)
            text = self.money(value, symbol=strong or self.rng.random() < 0.5)
            box = d.text(self.right, y, text, 9.5, bold=strong, align="right")
            if name == "tax_part":
                d.out.extra.setdefault("tax_parts", []).append(Mark(text, d.page, box))
                self.out_shown("tax")
            elif name:
                self.record(name, text, box)
            if style == "wide":
                d.hline(self.left, self.right, y + 12, 0.3)
            y += 15
        if style == "boxed":
            d.rect(label_x - 110, box_top, self.right + 6, y)
        if style == "ruled_box":
            d.hline(label_x - 90, self.right, y, 1.0)
            d.hline(label_x - 90, self.right, y + 2, 1.0)
        y += 16
        if self.rng.random() < 0.5:
            y = d.text(self.left, y, self.label("thanks"), 9, color=GREY)[3] + 4
        return y

    def footer(self) -> None:
        d, v, style = self.d, self.c.vendor, self.lay.footer
        top = d.height - 62
        d.hline(self.left, self.right, top - 6, 0.3)
        show_tax = v.tax_id is not None and not self.tax_id_in_header
        if style == "columns":
            col_w = (self.right - self.left) / 3
            left = [v.name, *v.lines]
            middle = [f"IBAN {v.iban}"] if v.iban else []
            middle += [v.email] if v.email else []
            right_col: list[str] = []
            if v.registration:
                right_col.append(f"{self.label('reg')} {v.registration}")
            for i, text in enumerate(left):
                d.text(self.left, top + i * 10, text, 7, color=GREY)
            for i, text in enumerate(middle):
                d.text(self.left + col_w, top + i * 10, text, 7, color=GREY)
            x = self.left + 2 * col_w
            y = top
            for text in right_col:
                y = d.text(x, y, text, 7, color=GREY)[3] + 2.5
            if show_tax:
                self.tax_id_line(x, y, "left", size=7)
        elif style == "line":
            parts = [v.name]
            if v.iban:
                parts.append(f"IBAN {v.iban}")
            if v.email:
                parts.append(v.email)
            d.text(d.width / 2, top, "  |  ".join(parts), 7, align="center", color=GREY)
            if show_tax:
                self.tax_id_line(d.width / 2, top + 11, "center", size=7)
        if d.page > 1:
            d.text(self.right, top + 34, self.label("page").format(p=d.page, n=d.page), 7,
                   align="right", color=GREY)

    def render(self) -> Rendered:
        y = self.header()
        y = self.parties_and_meta(y)
        y = self.table(y)
        self.totals(y)
        self.footer()
        out = self.d.finish()
        out.shown.update({"bill_date", "vendor_name", "total"})
        if "subtotal" in out.fields:
            out.shown.add("subtotal")
        if self.print_terms and self.c.due_date:
            out.shown.add("due_date")
        return out


# --------------------------------------------------------------------------------- receipts

class ReceiptRenderer:
    def __init__(self, content: BillContent, layout: ReceiptLayout, rng: random.Random) -> None:
        self.c = content
        self.lay = layout
        self.rng = rng
        self.loc = content.locale
        self.labels = {k: rng.choice(v) for k, v in RECEIPT_LABELS[self.loc.lang].items()}
        self.date_style = rng.choice(DATE_STYLES[self.loc.code])
        self.width = layout.width

    def plan_height(self) -> float:
        lines = 9 + len(self.c.vendor.lines) + 2 * len(self.c.rows)
        return 36 + lines * 12.5

    def render(self) -> Rendered:
        c, lay, rng = self.c, self.lay, self.rng
        d = Drawer((self.width, self.plan_height()), lay.font)
        left, right = 10.0, self.width - 10.0
        centre = self.width / 2
        x_head, align = (centre, "center") if lay.header == "center" else (left, "left")
        box = d.text(x_head, 14, c.vendor.name, 10.5, bold=True, align=align)
        d.mark("vendor_name", c.vendor.name, box)
        y = box[3] + 3
        for line in c.vendor.lines:
            y = d.text(x_head, y, line, 7, align=align)[3] + 2
        shown = {"vendor_name", "bill_date", "total"}
        if c.vendor.tax_id:
            prefix = "VAT " if self.loc.lang == "en" else "USt-ID " if self.loc.lang == "de" \
                else "TVA " if self.loc.lang == "fr" else "BTW "
            whole = d.text(x_head, y, prefix + c.vendor.tax_id, 7, align=align)
            d.mark("vendor_tax_id", c.vendor.tax_id,
                   (whole[0] + d.width_of(prefix, 7), whole[1], whole[2], whole[3]))
            shown.add("vendor_tax_id")
            y = whole[3] + 2
        y += 6
        date_text = format_date(c.bill_date, self.loc, self.date_style)
        time_text = f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}"
        box = d.text(left, y, date_text, 7.5)
        d.mark("bill_date", date_text, box)
        d.text(box[2] + 8, y, time_text, 7.5)
        if c.bill_number:
            label = self.labels["number"]
            whole = d.text(right, y, f"{label} {c.bill_number}", 7.5, align="right")
            d.mark("bill_number", c.bill_number,
                   (whole[2] - d.width_of(c.bill_number, 7.5), whole[1], whole[2], whole[3]))
            shown.add("bill_number")
        y += 12
        dash = "-" * int((right - left) / d.width_of("-", 7.5))
        y = d.text(left, y, dash, 7.5)[3] + 3
        for row in c.rows:
            assert row.item
            y = self.item(d, row.item, y, left, right)
        y = d.text(left, y, dash, 7.5)[3] + 4
        total_text = format_money(c.total, self.loc, style=rng.choice(("symbol", "code")))
        d.text(left, y, self.labels["total"], 10, bold=True)
        box = d.text(right, y, total_text, 10, bold=True, align="right")
        d.mark("total", total_text, box)
        y = box[3] + 4
        if c.included_tax:
            rate, amount = c.included_tax
            d.text(left, y, f"{self.labels['tax']} {format_quantity(rate, self.loc)}%", 7.5)
            text = format_number(amount, self.loc)
            box = d.text(right, y, text, 7.5, align="right")
            d.mark("tax", text, box)
            shown.add("tax")
            y = box[3] + 3
        d.text(left, y, self.labels["paid"], 7.5)
        y = d.text(right, y, format_number(c.total, self.loc), 7.5, align="right")[3] + 8
        d.text(centre, y, self.labels["thanks"], 7.5, align="center")
        out = d.finish()
        out.shown = shown
        return out

    def item(self, d: Drawer, item: Item, y: float, left: float, right: float) -> float:
        style = self.lay.style
        amount = format_number(item.amount, self.loc)
        qty = format_quantity(item.quantity, self.loc)
        price = format_number(item.unit_price, self.loc)
        marks: dict[str, Mark] = {}
        size = 7.5
        desc = item.description_text
        if style == "qty_x":
            prefix = f"{qty} x "
            whole = d.text(left, y, prefix + desc, size)
            marks["quantity"] = Mark(qty, d.page, (whole[0], whole[1],
                                                   whole[0] + d.width_of(qty, size), whole[3]))
            marks["description"] = Mark(desc, d.page, (whole[0] + d.width_of(prefix, size),
                                                       whole[1], whole[2], whole[3]))
            marks["unit_price"] = Mark(price, d.page, d.text(right - 48, y, price, size,
                                                             align="right"))
            marks["amount"] = Mark(amount, d.page, d.text(right, y, amount, size, align="right"))
            y += 11
        elif style == "qty_first":
            marks["quantity"] = Mark(qty, d.page, d.text(left, y, qty, size))
            marks["description"] = Mark(desc, d.page, d.text(left + 18, y, desc, size))
            marks["amount"] = Mark(amount, d.page, d.text(right, y, amount, size, align="right"))
            y += 11
        else:  # at_line / simple
            marks["description"] = Mark(desc, d.page, d.text(left, y, desc, size))
            marks["amount"] = Mark(amount, d.page, d.text(right, y, amount, size, align="right"))
            y += 11
            if style == "at_line" and item.quantity != 1:
                whole = d.text(left + 10, y, f"{qty} @ {price}", size)
                marks["quantity"] = Mark(qty, d.page, (whole[0], whole[1],
                                                       whole[0] + d.width_of(qty, size),
                                                       whole[3]))
                marks["unit_price"] = Mark(price, d.page, (whole[2] - d.width_of(price, size),
                                                           whole[1], whole[2], whole[3]))
                y += 11
        d.out.items.append(marks)
        return y
