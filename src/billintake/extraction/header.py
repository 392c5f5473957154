"""Header field candidates from word positions: a label, then its value right of it or below.

Every plausible value becomes a `Candidate` with the features that made it plausible, so the
finders and the trained ranker (`decide.py`) can weigh them too, and reconciliation can
choose among totals by arithmetic. Nothing here decides; it proposes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from billintake.reading.document import ReadDocument, Word, Worded, words_box

from . import nlp
from .candidate import Candidate
from .labels import (
    CUSTOMER_LABEL,
    EXTRACTED_FIELDS,
    FIELD_LABEL,
    LEXICON,
    PAYMENT_LABEL,
    VENDOR_LABEL,
    Label,
)
from .layout import Layout, Segment
from .model import load
from .parsing import DecimalMark, find_amounts, find_dates, parse_amount
from .values import parse_amount_value, parse_identifier, parse_tax_id
from .vocabulary.normalize import compact

BBox = tuple[float, float, float, float]
AMOUNT_FIELDS = ("subtotal", "tax", "total", "shipping", "discount")
IDENTIFIER_FIELDS = ("bill_number", "po_number")
DATE_FIELDS = ("bill_date", "due_date")
_RATE_RE = re.compile(r"\(?\s*\d{1,2}(?:[.,]\d{1,3})?\s*%\s*\)?")
# A document's title word ("rechnung", "invoice", "facture"), also ending a compound
# ("Handelsrechnung", "Schlussrechnung"): a number label right after it is the bill's number.
TITLE_KEYS = tuple(sorted(key for key, labels in LEXICON[FIELD_LABEL].items() if len(key) >= 6
                          and any(lab.field == "document_type" and lab.strength >= 1.0
                                  for lab in labels)))
# How much less likely a weak number label ("Nummer", "No.") names the bill's number when it
# stands in a party's block, under a "Verkäufer"/"Seller"/"Bill to" heading: there it is the
# party's own number (a customer or supplier number).
PARTY_NUMBER_FACTOR = 0.5
PARTY_SECTION_ROWS = 8
# How a party label that names one value ends ("Guest Name", "Customer Name", "Nom du client"):
# with its value on its line, it labels that value only, not a block of lines under it.
NAME_KEYS = ("name", "nom", "naam")


@dataclass
class LabelHit(Worded):
    labels: list[Label]
    segment: Segment
    start: int  # first word index of the label in the segment
    end: int  # one past its last word

    @property
    def words(self) -> list[Word]:
        return self.segment.words[self.start:self.end]

    @property
    def at_start(self) -> bool:
        """First in its phrase, or after a rate only ("21 % TVA", "(7%) MwSt")."""
        return self.start == 0 or bool(_RATE_RE.fullmatch(
            " ".join(w.text for w in self.segment.words[:self.start])))

    @property
    def after_title(self) -> bool:
        """After the document's title only, a code in brackets aside: "Handelsrechnung (380)
        Nr.", "Teilrechnung Bau (875) Nr." (the title names what the number is of)."""
        before = [k for w in self.segment.words[:self.start] if (k := compact(w.text))
                  and not k.isdigit()]
        return (0 < len(before) <= 2 and before[0].endswith(TITLE_KEYS)) or (
            len(before) == 1 and any(key in before[0] for key in TITLE_KEYS))

    @property
    def ends_with_colon(self) -> bool:
        return self.words[-1].text.rstrip().endswith(":") or (
            self.end < len(self.segment.words) and self.segment.words[self.end].text == ":")


@dataclass
class DocContext:
    """What the whole document says about how to read its values."""

    doc: ReadDocument
    layout: Layout
    decimal_mark: DecimalMark | None
    dayfirst: bool | None
    customer_boxes: list[tuple[int, BBox]] = field(default_factory=list)
    label_hits: list[LabelHit] = field(default_factory=list)
    table_rows: set[tuple[int, int]] = field(default_factory=set)  # (page, row) in item tables

    def in_customer_block(self, page: int, bbox: BBox) -> bool:
        x_mid, y_mid = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        return any(p == page and box[0] <= x_mid <= box[2] and box[1] <= y_mid <= box[3]
                   for p, box in self.customer_boxes)


# --- labels -----------------------------------------------------------------------------------
# The labels themselves are found by the `field_labels` component of the spaCy pipeline
# (`nlp.py`) of the shipped pipeline (`model.load`) over the layout's segments; here is only
# what the header makes of them.


def _leads(seg: Segment, start: int) -> bool:
    """Nothing but punctuation before word `start` of the segment."""
    return not any(compact(w.text) for w in seg.words[:start])


def label_lookup(key: str) -> list[Label] | None:
    """The labels of extracted fields a compact key names (the lexicon, the buyer's own
    reference, or another spelling of "number": "documentnr" is "document number")."""
    found = nlp.label_component(load()).lookup(key)
    kept = [lab for lab in found or [] if lab.field in EXTRACTED_FIELDS]
    return kept or None


def _qualified(labels: list[Label]) -> list[Label]:
    """A total named after something ("Goods total", "Items total") may be a part of the
    bill rather than all of it: such a label also proposes its value as the subtotal."""
    totals = [lab for lab in labels if lab.field == "total"]
    if not totals or any(lab.field == "subtotal" for lab in labels):
        return labels
    weaker = [Label(lab.field, lab.text, round(0.8 * lab.strength, 3)) if lab.field == "total"
              else lab for lab in labels]
    return [*weaker, Label("subtotal", totals[0].text, 0.6)]


def find_label_hits(layout: Layout) -> list[LabelHit]:
    """Every field label the pipeline finds (longest match first, left to right within each
    segment) that stands where a label stands: weak or very short labels only at a phrase's
    start. A label of a field not extracted ("Customer No.", "Delivery date") is kept too:
    it ends the value of the label before it and is no value's label itself."""
    hits: list[LabelHit] = []
    for match in nlp.layout_labels(layout, load())[FIELD_LABEL]:
        hit = LabelHit(list(match.labels), match.segment, match.start, match.end)
        extracted = [lab for lab in hit.labels if lab.field in EXTRACTED_FIELDS]
        if extracted and not hit.at_start:
            hit.labels = _qualified(hit.labels)
        considered = extracted or hit.labels
        titled = hit.after_title and any(lab.field == "bill_number" for lab in hit.labels)
        if hit.at_start or titled or \
                any(lab.strength >= 1.0 and len(lab.text) > 3 for lab in considered):
            hits.append(hit)
    return hits


def _match_key(match: nlp.LabelMatch) -> str:
    return "".join(compact(w.text) for w in match.segment.words[match.start:match.end])


def customer_blocks(layout: Layout) -> list[tuple[int, BBox]]:
    """Boxes of the blocks introduced by "Bill to", "Kunde", "Facturé à" ... (the buyer)."""
    boxes: list[tuple[int, BBox]] = []
    done: set[int] = set()
    for match in nlp.layout_labels(layout, load())[CUSTOMER_LABEL]:
        seg, n = match.segment, match.end
        if id(seg) in done or not _leads(seg, match.start):
            continue
        if n == len(seg.words) or seg.words[n - 1].text.endswith(":") or \
                len(_match_key(match)) > 4:
            height = seg.height
            if n < len(seg.words) and _match_key(match).endswith(NAME_KEYS):
                # "Guest Name: Sanjay": a field with its one value, not a block's heading
                boxes.append((seg.page, (seg.x0 - 2, seg.top - 1, seg.x1, seg.bottom + 1)))
                done.add(id(seg))
                continue
            row = layout.page(seg.page).rows[seg.row]
            right = min((s.x0 - 2 for s in row if s.x0 > seg.x1), default=seg.x0 + 220)
            right = max(seg.x1, min(seg.x0 + 220, right))
            box = (seg.x0 - 2, seg.top - 1, right, seg.top + 7.5 * height)
            boxes.append((seg.page, box))
            done.add(id(seg))
    return boxes


def vendor_label_segments(layout: Layout) -> list[tuple[Segment, int]]:
    """Segments with a vendor label ("From", "Remit to", ...) and the word index after it."""
    found: list[tuple[Segment, int]] = []
    done: set[int] = set()
    for match in nlp.layout_labels(layout, load())[VENDOR_LABEL]:
        seg = match.segment
        # Mid-phrase, only unmistakable labels before a colon ("Titulaire du compte : X"),
        # not a word of a name ("LE FOURNISSEUR").
        if id(seg) not in done and (_leads(seg, match.start) or (
                len(_match_key(match)) >= 8 and _colon_after(seg, match.end))):
            found.append((seg, match.end))
            done.add(id(seg))
    return found


def party_headings(layout: Layout) -> list[tuple[str, Segment]]:
    """Headings of a party's block, with the party: a vendor or buyer label standing alone on
    its line ("Verkäufer", "Käufer/Leistungsempfänger", "Seller", "Bill to:")."""
    found: list[tuple[str, Segment]] = []
    for kind, party in ((VENDOR_LABEL, "vendor"), (CUSTOMER_LABEL, "buyer")):
        for match in nlp.layout_labels(layout, load())[kind]:
            seg = match.segment
            rest = [w for w in seg.words[match.end:] if compact(w.text)]
            if _leads(seg, match.start) and not rest:
                found.append((party, seg))
    return found


def party_section(layout: Layout, seg: Segment, headings: list[tuple[str, Segment]]
                  ) -> str | None:
    """The party ("vendor" or "buyer") whose block the segment stands in: the nearest heading
    above it in its column, a few rows up; a value right of a "Name:" field label counts as
    in the column of its label."""
    row = layout.page(seg.page).rows[seg.row]
    first = min(row, key=lambda s: s.x0)
    columns = [seg.x0]
    if first is not seg and first.text.rstrip().endswith(":"):
        columns.append(first.x0)
    best: tuple[int, str] | None = None
    for party, heading in headings:
        rows_down = seg.row - heading.row
        if heading.page != seg.page or not 0 < rows_down <= PARTY_SECTION_ROWS:
            continue
        if all(abs(heading.x0 - x) >= 3 * max(1.0, heading.height) for x in columns):
            continue
        if best is None or rows_down < best[0]:
            best = (rows_down, party)
    return best[1] if best is not None else None


def _colon_after(seg: Segment, end: int) -> bool:
    """The label that ends before word `end` is followed by a colon."""
    return seg.words[end - 1].text.endswith(":") or (
        end < len(seg.words) and seg.words[end].text.startswith(":"))


def item_table_rows(layout: Layout, hits: list[LabelHit]) -> set[tuple[int, int]]:
    """Rows inside items tables: after a heading row of several text-only cells, up to the
    first row that starts with an amount label (subtotal, total, tax)."""
    closing = {(h.segment.page, h.segment.row) for h in hits if h.at_start and
               any(lab.field in {"subtotal", "total"} and lab.strength >= 1.0
                   for lab in h.labels)}
    rows: set[tuple[int, int]] = set()
    inside = False  # a table left open at the foot of a page goes on at the top of the next
    for page in layout.pages:
        for index, row in enumerate(page.rows):
            texts = [s.text for s in row]
            span = (row[-1].x1 - row[0].x0) / (page.page.width or 595.0)
            with_digits = sum(any(c.isdigit() for c in t) for t in texts)
            heading = (len(row) >= 4 and with_digits <= 1) or (
                len(row) == 3 and with_digits == 0 and span > 0.5)
            if heading and _amounts_follow(page.rows[index + 1: index + 3]):
                inside = True
                continue
            if (page.page.number, index) in closing:
                inside = False
            if inside:
                rows.add((page.page.number, index))
    return rows


def _amounts_follow(rows: list[list[Segment]]) -> bool:
    text = " ".join(s.text for row in rows for s in row)
    return len(re.findall(r"\d[.,]\d{2}(?!\d)", text)) >= 2


# --- values -----------------------------------------------------------------------------------

@dataclass
class ValueSpot(Worded):
    words: list[Word]
    relation: str  # inline | right | below
    distance: float  # points from the label
    row: int | None = None  # the row of a value below its label


def value_spots(hit: LabelHit, ctx: DocContext, hits_by_segment: dict[int, list[LabelHit]]
                ) -> list[ValueSpot]:
    """Where the value of a label may be: after it in its phrase, right of it, below it."""
    seg = hit.segment
    spots: list[ValueSpot] = []
    next_label = [h for h in hits_by_segment.get(id(seg), []) if h.start >= hit.end]
    stop = min((h.start for h in next_label), default=len(seg.words))
    inline = [w for w in seg.words[hit.end:stop] if w.text not in {":", "-", "#"}]
    label_box = hit.bbox
    if inline:
        spots.append(ValueSpot(inline, "inline", max(0.0, inline[0].x0 - label_box[2])))
    if stop == len(seg.words):
        right = ctx.layout.right_of(seg)
        if right is not None and right.text.strip() in {":", "-", "#", "|"}:
            right = ctx.layout.right_of(right)  # a colon set apart ("INV NO  :  CS96682")
        if right is not None and not _starts_with_label(right, hits_by_segment):
            gap = right.x0 - seg.x1
            if gap < 0.8 * ctx.layout.page(seg.page).page.width:
                spots.append(ValueSpot(right.words, "right", gap))
    ends_phrase = hit.end == len(seg.words) and any(
        lab.field in DATE_FIELDS and lab.strength >= 1.0 for lab in hit.labels)
    if stop == len(seg.words) and (hit.start == 0 or ends_phrase):
        below = _below(hit, ctx, hits_by_segment)
        if below:
            spots.append(below)
    return spots


def _starts_with_label(seg: Segment, hits_by_segment: dict[int, list[LabelHit]]) -> bool:
    return any(h.start == 0 for h in hits_by_segment.get(id(seg), []))


def _below(hit: LabelHit, ctx: DocContext, hits_by_segment: dict[int, list[LabelHit]]
           ) -> ValueSpot | None:
    seg = hit.segment
    _, _, x1, bottom = hit.bbox
    x0 = seg.x0  # the phrase's column, also when the label ends it ("Please pay by")
    row = ctx.layout.page(seg.page).rows[seg.row]
    # The value column ends where the next label on the label's row begins.
    right_limit = min((s.x0 for s in row if s.x0 > x1 + 1), default=x1 + 160)
    height = seg.height
    for offset, below_row in enumerate(ctx.layout.rows_below(seg, max_rows=2), start=1):
        words = [w for s in below_row for w in s.words]
        if not words or min(w.top for w in words) - bottom > 2.2 * height:
            return None
        column = [w for w in words if w.x1 > x0 - 0.5 * height and w.x0 < right_limit - 1
                  and w.x0 >= x0 - 3 * height]
        if column:
            column_segs = {id(s) for s in below_row for w in s.words if w in column}
            if any(_starts_with_label(s, hits_by_segment) for s in below_row
                   if id(s) in column_segs):
                return None
            column.sort(key=lambda w: w.x0)
            return ValueSpot(column, "below", min(w.top for w in column) - bottom,
                             row=seg.row + offset)
    return None


# --- candidate generation ---------------------------------------------------------------------

RELATION_WEIGHT = {"inline": 1.0, "right": 0.95, "below": 0.85}


def header_candidates(ctx: DocContext) -> dict[str, list[Candidate]]:
    """Label-anchored candidates for every header field, best rule score first."""
    hits_by_segment: dict[int, list[LabelHit]] = {}
    for hit in ctx.label_hits:
        hits_by_segment.setdefault(id(hit.segment), []).append(hit)
    out: dict[str, list[Candidate]] = {}
    page_count = len(ctx.layout.pages)
    headings = party_headings(ctx.layout)
    for hit in ctx.label_hits:
        spots = value_spots(hit, ctx, hits_by_segment)
        in_party = party_section(ctx.layout, hit.segment, headings) is not None
        for label in hit.labels:
            if label.field not in EXTRACTED_FIELDS:
                continue  # "Customer No.", "Delivery date": not a field of ours
            parser = _parser_for(label.field, ctx)
            on_row = False  # a value beside the label: the next row's is not its value
            for rank, spot in enumerate(spots):
                if on_row and spot.relation == "below":
                    continue
                if label.field in AMOUNT_FIELDS and spot.row is not None and \
                        (hit.segment.page, spot.row) in ctx.table_rows:
                    continue  # a column heading over an item's amount ("Total", "Betrag")
                parsed = parser(spot.text)
                if parsed is None:
                    continue
                value, raw = parsed
                if label.field in (*DATE_FIELDS, *IDENTIFIER_FIELDS) and \
                        label.strength < 1.0 and spot.relation == "inline" and \
                        _qualified_label(hit, raw):
                    continue  # "Date de début de prestation : 01/01/2022", "N° bon de vente :"
                on_row = on_row or (spot.relation != "below" and label.field in AMOUNT_FIELDS)
                words = _words_of(spot.words, raw) or spot.words
                box = _box(words)
                seg = hit.segment
                page_height = ctx.layout.page(seg.page).page.height or 842.0
                features = {
                    "label_strength": label.strength,
                    "relation_inline": float(spot.relation == "inline"),
                    "relation_right": float(spot.relation == "right"),
                    "relation_below": float(spot.relation == "below"),
                    "distance": min(1.0, spot.distance / 200.0),
                    "spot_rank": float(rank),
                    "label_at_start": float(hit.at_start),
                    "label_colon": float(hit.ends_with_colon),
                    "y_rel": seg.top / page_height,
                    "page_rel": (seg.page - 1) / max(1, page_count - 1) if page_count > 1 else 0.0,
                    "first_page": float(seg.page == 1),
                    "last_page": float(seg.page == page_count),
                    "bold": float(seg.bold),
                    "in_customer_block": float(ctx.in_customer_block(seg.page, box)),
                    "label_words": float(hit.end - hit.start),
                    "table_header": float(len(ctx.layout.page(seg.page).rows[seg.row]) >= 4),
                    "in_table": float((seg.page, seg.row) in ctx.table_rows),
                    "after_title": float(hit.after_title),
                    "in_party_section": float(in_party),
                }
                score = label.strength * RELATION_WEIGHT[spot.relation]
                score *= 1.0 - 0.25 * features["distance"]
                if not (hit.at_start or hit.after_title) and label.strength < 1.0:
                    score *= 0.7
                if in_party and label.strength < 1.0 and label.field in IDENTIFIER_FIELDS:
                    score *= PARTY_NUMBER_FACTOR
                if features["table_header"] and spot.relation == "below":
                    score *= 0.5  # a column heading: the value below is one row's
                if features["in_table"] and label.field not in AMOUNT_FIELDS:
                    score *= 0.6  # "Order ref." inside an item's description
                out.setdefault(label.field, []).append(Candidate(
                    field=label.field, value=value, text=raw, page=seg.page, bbox=box,
                    source=seg.source, features=features, score=round(score, 4),
                    label=label.text))
                if label.field == "bill_number" and spot.relation == "inline":
                    dated = _dated_number(spot, raw, ctx, seg, features, score, label.text)
                    if dated is not None:
                        out.setdefault("bill_date", []).append(dated)
    out.update(payment_candidates(ctx))
    out.setdefault("bill_date", []).extend(place_date_candidates(ctx))
    for cands in out.values():
        cands.sort(key=lambda c: c.score, reverse=True)
    return out


_QUALIFIER_RE = re.compile(r"[^\W\d_]{3,}[^:]*:\s*$")


def _qualified_label(hit: LabelHit, raw: str) -> bool:
    """Words and a colon between a label and its value: the label is longer than the one
    found ("Date | de début de prestation : 01/01/2022", "Date | fin : ..."), and unknown."""
    text = " ".join(w.text for w in hit.segment.words[hit.end:])
    at = text.find(raw)
    return at > 0 and bool(_QUALIFIER_RE.search(text[:at]))


# How much a date printed right after the bill's number ("Rechnung Nr. 5 vom 3.4.2025",
# "Invoice #12 dated 1 May 2024") is worth as the bill date, against a date labelled as such.
DATED_NUMBER_WEIGHT = 0.8


def _dated_number(spot: ValueSpot, number: str, ctx: DocContext, seg: Segment,
                  features: dict[str, float], score: float, label: str) -> Candidate | None:
    """The date that follows the bill's number in its phrase, as a bill date candidate."""
    text = spot.text
    at = text.find(number)
    rest = text[at + len(number):] if at >= 0 else ""
    dates = find_dates(rest, ctx.dayfirst)
    if not dates:
        return None
    value, raw = dates[0]
    words = _words_of(spot.words, raw) or spot.words
    return Candidate(field="bill_date", value=value, text=raw, page=seg.page,
                     bbox=_box(words), source=seg.source,
                     features={**features, "after_number": 1.0},
                     score=round(DATED_NUMBER_WEIGHT * score, 4), label=label)


def payment_candidates(ctx: DocContext) -> dict[str, list[Candidate]]:
    """Tip and change amounts: a tip is part of what was paid, change is not."""
    out: dict[str, list[Candidate]] = {}
    done: set[int] = set()
    for match in nlp.layout_labels(ctx.layout, load())[PAYMENT_LABEL]:
        seg, n = match.segment, match.end
        if id(seg) in done or not _leads(seg, match.start):
            continue
        done.add(id(seg))
        role = match.labels[0].field
        rest = [w for w in seg.words[n:] if not _RATE_RE.fullmatch(w.text)]
        parsed = parse_amount_value(" ".join(w.text for w in rest), ctx.decimal_mark) \
            if rest else None
        words = rest
        if parsed is None:
            right = ctx.layout.right_of(seg)
            if right is None:
                continue
            parsed = parse_amount_value(right.text, ctx.decimal_mark)
            words = right.words
        if parsed is not None and (parsed[0] >= 0 or role == "rounding"):
            page_height = ctx.layout.page(seg.page).page.height or 842.0
            out.setdefault(role, []).append(Candidate(
                field=role, value=parsed[0], text=parsed[1], page=seg.page,
                bbox=_box(_words_of(words, parsed[1]) or words), source=seg.source,
                score=0.9, label=seg.text,
                features={"label_strength": 1.0, "y_rel": seg.top / page_height}))
    return out


def _parser_for(field_name: str, ctx: DocContext) -> Callable[[str], tuple[Any, str] | None]:
    if field_name in AMOUNT_FIELDS:
        return lambda text: parse_amount_value(text, ctx.decimal_mark)
    if field_name in DATE_FIELDS:
        def parse_first_date(text: str) -> tuple[date, str] | None:
            dates = find_dates(text, ctx.dayfirst)
            return dates[0] if dates else _compact_date(text)
        return parse_first_date
    if field_name == "vendor_tax_id":
        return parse_tax_id
    return parse_identifier


_COMPACT_DATE_RE = re.compile(r"^\W*((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")


def _compact_date(text: str) -> tuple[date, str] | None:
    """A date written as YYYYMMDD right after its label ("Date : 20260815"); only there is
    eight digits read as a date."""
    match = _COMPACT_DATE_RE.match(text)
    if match is None:
        return None
    try:
        value = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return value, match.group(0).strip(" :")


# A letter's place and date: "München, den 01.11.2024", "Issy les Moulineaux, le 31 octobre
# 2017", "Berlin, am 3. Mai 2024": the date the bill was written.
_PLACE_DATE_RE = re.compile(r"^[A-ZÀ-Ý][\w .'()/-]{1,40},\s*(?:den|le|am|the|on)\b\.?\s*",
                            re.IGNORECASE)
PLACE_DATE_SCORE = 0.8  # as sure as a "Date" label with its value right of it (0.8 · 1.0)


def place_date_candidates(ctx: DocContext) -> list[Candidate]:
    """Bill date candidates from a letter's place-and-date line, its date inline or right."""
    out: list[Candidate] = []
    for seg in ctx.layout.segments:
        match = _PLACE_DATE_RE.match(seg.text)
        if match is None or seg.text[:1].islower():
            continue
        rest_words = seg.words
        dates = find_dates(seg.text[match.end():], ctx.dayfirst)
        if not dates:
            right = ctx.layout.right_of(seg)
            if right is None:
                continue
            dates = find_dates(right.text, ctx.dayfirst)
            rest_words = right.words
        if not dates or not (seg.text[match.end():].strip() == "" or
                             seg.text[match.end():].lstrip().startswith(dates[0][1])):
            continue
        value, raw = dates[0]
        words = _words_of(rest_words, raw) or rest_words
        page_height = ctx.layout.page(seg.page).page.height or 842.0
        out.append(Candidate(
            field="bill_date", value=value, text=raw, page=seg.page, bbox=_box(words),
            source=seg.source, score=PLACE_DATE_SCORE, label=match.group(0).strip(),
            features={"label_strength": 0.8, "place_date": 1.0, "y_rel": seg.top / page_height,
                      "label_at_start": 1.0}))
    return out


def _words_of(words: list[Word], raw: str) -> list[Word]:
    """The words a raw value text came from (for a tight evidence box)."""
    pieces = set(raw.split())
    chosen = [w for w in words if w.text in pieces or any(w.text in p for p in pieces)]
    return chosen


def _box(words: list[Word]) -> BBox:
    x0, top, x1, bottom = words_box(words)
    return (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))


# --- unlabelled fallbacks ---------------------------------------------------------------------

def unlabelled_amounts(ctx: DocContext) -> list[Candidate]:
    """Every amount on the page that is not a rate or a date: material for the total's
    fallback and for reconciliation (values that may be the total though no label says so)."""
    out: list[Candidate] = []
    for seg in ctx.layout.segments:
        for value, raw in find_amounts(seg.text, ctx.decimal_mark):
            if value <= 0 or not re.search(r"[.,]\d{2}\b|[€$£¥₹]|Rs", raw):
                continue
            words = _words_of(seg.words, raw) or seg.words
            page_height = ctx.layout.page(seg.page).page.height or 842.0
            out.append(Candidate(
                field="total", value=value, text=raw, page=seg.page, bbox=_box(words),
                source=seg.source, score=0.2,
                features={"unlabelled": 1.0, "y_rel": seg.top / page_height,
                          "bold": float(seg.bold), "label_strength": 0.0}))
    return out


def unlabelled_dates(ctx: DocContext) -> list[Candidate]:
    """Dates with no label, top of the document first (a receipt's date often stands alone)."""
    out: list[Candidate] = []
    for seg in ctx.layout.segments:
        for value, raw in find_dates(seg.text, ctx.dayfirst):
            words = _words_of(seg.words, raw) or seg.words
            page_height = ctx.layout.page(seg.page).page.height or 842.0
            out.append(Candidate(
                field="bill_date", value=value, text=raw, page=seg.page, bbox=_box(words),
                source=seg.source, score=0.3 - 0.1 * (seg.top / page_height) - 0.05 * seg.page,
                features={"unlabelled": 1.0, "y_rel": seg.top / page_height}))
    out.sort(key=lambda c: c.score, reverse=True)
    return out


def amount_in_words(words: list[Word], mark: DecimalMark | None) -> Decimal | None:
    return parse_amount(" ".join(w.text for w in words), mark)
