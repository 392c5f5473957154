"""Where a candidate stands: label, region, print and block features shared by every field,
and the merge of the rule finders' candidates into the finders' own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..candidate import Candidate
from ..page import PageModel

# The label kinds whose position relative to a candidate is a feature.
KINDS = ("bill_number", "bill_date", "due_date", "total", "amount_due", "subtotal", "tax",
         "discount", "shipping", "po_number", "customer_number", "other_date", "payment_terms",
         "phone", "vendor_tax_id", "vendor_registration_id", "vendor_iban", "currency", "buyer",
         "vendor", "change", "rounding", "tip", "item_count", "savings", "document_type")
SECTION_KINDS = ("vendor", "buyer")
SECTION_ROWS = 12
KEYWORDS = {
    "kw_gross": re.compile(r"incl|inkl|brutto|gross|ttc|payable|zahlbetrag|to pay|a payer|"
                           r"à payer|amount due|balance", re.I),
    "kw_net": re.compile(r"excl|exkl|netto|\bnet\b|\bht\b|hors|before|subtotal|zwischen|sous|"
                         r"positions", re.I),
    "kw_percent": re.compile(r"%"),
    "kw_cash": re.compile(r"cash|tunai|tender|change|baki|bayar|paid|visa|master|card|kredit|"
                          r"rounding|round|adj|bezahlt|gegeben|rendu|espèces|especes", re.I),
    "kw_prepaid": re.compile(r"prepa|anzahlung|acompte|voraus|already|bereits|déjà|deja|"
                             r"abschlag|deposit", re.I),
    "kw_gst": re.compile(r"gst|vat|mwst|ust|tva|tax|steuer", re.I),
    "kw_total": re.compile(r"total|summe|betrag|montant|amount|jumlah", re.I),
    "kw_period": re.compile(r"period|zeitraum|période|periode|from|bis|vom|du |au |leistung|"
                            r"delivery|liefer|livraison", re.I),
}


def value_key(name: str, value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).lower()
    return re.sub(r"[^0-9a-z\u00c0-\u024f]", "", text) if name != "vendor_name" else \
        " ".join(re.sub(r"[^\w]", " ", text).split())


def line_of(page: PageModel, cand: Candidate) -> int | None:
    """The page-model line whose box holds the candidate's middle."""
    if cand.line is not None:
        return cand.line
    x, y = (cand.bbox[0] + cand.bbox[2]) / 2, (cand.bbox[1] + cand.bbox[3]) / 2
    best: tuple[float, int] | None = None
    for i, line in enumerate(page.lines):
        if line.page != cand.page:
            continue
        x0, top, x1, bottom = line.bbox
        if top - 1 <= y <= bottom + 1:
            dx = 0.0 if x0 - 1 <= x <= x1 + 1 else min(abs(x - x0), abs(x - x1))
            if best is None or dx < best[0]:
                best = (dx, i)
    return best[1] if best else None


def merge(page: PageModel, name: str, found: Sequence[Candidate],
          rules: Sequence[Candidate], rule_choice: Any) -> list[Candidate]:
    """The finders' candidates with the rule finders' merged in (same value on the same line is
    one candidate): the rules' score, rank and features become `rule_*` / `r_*` features."""
    out: dict[tuple[str, int | None, str], Candidate] = {}
    for cand in found:
        cand.line = line_of(page, cand)
        key = (name, cand.line, value_key(name, cand.value))
        if key not in out:
            out[key] = cand
        else:  # the same value twice on a line: keep the first, count it
            out[key].features["same_line_repeat"] = 1.0
    for rank, rule in enumerate(rules):
        line = line_of(page, rule)
        key = (name, line, value_key(name, rule.value))
        cand = out.get(key)
        if cand is None:
            cand = Candidate(field=name, value=rule.value, text=rule.text, page=rule.page,
                             bbox=rule.bbox, source=rule.source, label=rule.label, line=line)
            out[key] = cand
            cand.reasons.append("found by the rules only")
        if cand.features.get("rule_found"):
            continue
        cand.features["rule_found"] = 1.0
        cand.features["rule_score"] = float(rule.score)
        cand.features["rule_rank"] = float(min(rank, 9))
        for fname, fvalue in rule.features.items():
            cand.features["r_" + fname] = float(fvalue)
        cand.label = cand.label or rule.label
        if rule.label:
            cand.reasons.append(f"label {rule.label!r}")
    choice_key = value_key(name, rule_choice) if rule_choice is not None else None
    for (_, _, key), cand in out.items():
        if choice_key is not None and key == choice_key:
            cand.features["rule_choice"] = 1.0
    return list(out.values())


def add_features(page: PageModel, cand: Candidate) -> None:
    """Region, print, block and label-neighbourhood features of one candidate."""
    f = cand.features
    width, height = page.page_size(cand.page)
    x0, top, x1, _bottom = cand.bbox
    f["y_rel"] = top / height
    f["x_rel"] = (x0 + x1) / 2 / width
    f["x1_rel"] = x1 / width
    f["page_first"] = float(cand.page == 1)
    f["page_last"] = float(cand.page == len(page.layout.pages))
    f["in_customer"] = float(page.in_customer_block(cand.page, cand.bbox))
    if cand.line is None:
        return
    line = page.lines[cand.line]
    rows = page.layout.page(line.page).rows
    f["row_rel"] = line.row / max(1, len(rows) - 1)
    f["font_rank"] = page.font_rank.get(cand.line, 1.0)
    f["font_size"] = float(line.font_size)
    f["bold"] = float(line.bold)
    f["ocr_conf"] = page.word_confidence(line.words)
    f["in_table"] = float((line.page, line.row) in page.table_rows)
    f["line_words"] = float(len(line.words))
    f["value_first_in_line"] = float(x0 <= line.x0 + 1)
    f["value_last_in_line"] = float(x1 >= line.x1 - 1)
    row_segments = rows[line.row]
    f["row_segments"] = float(len(row_segments))
    f["rightmost_in_row"] = float(all(s.x1 <= x1 + 1 for s in row_segments))
    block = page.blocks[page.block_of[cand.line]]
    f["block_lines"] = float(len(block.lines))
    f["block_pos"] = float(block.lines.index(cand.line))
    f["block_first"] = float(block.lines[0] == cand.line)
    for kw, pattern in KEYWORDS.items():
        f[kw] = float(bool(pattern.search(line.text)))
    _label_features(page, cand, line.row)


def document_features(page: PageModel) -> dict[str, float]:
    """What kind of document this is: read by OCR or from a text layer, how long, its shape
    (a receipt is a tall narrow slip), how many labels it prints."""
    width, height = page.page_size(1)
    ocr = sum(1 for line in page.lines if line.source == "ocr")
    return {
        "doc_ocr": ocr / max(1, len(page.lines)),
        "doc_pages": float(len(page.layout.pages)),
        "doc_lines": float(len(page.lines)),
        "doc_aspect": height / max(1.0, width),
        "doc_amounts": float(len(page.spans_of("amount"))),
        "doc_labels": float(len(page.marks)),
    }


def _label_features(page: PageModel, cand: Candidate, row: int) -> None:
    f = cand.features
    width = page.page_size(cand.page)[0]
    x0, x1 = cand.bbox[0], cand.bbox[2]
    left: tuple[float, Any] | None = None
    above: tuple[int, Any] | None = None
    section: tuple[int, Any] | None = None
    for mark in page.marks:
        if mark.page != cand.page:
            continue
        mrow = page.lines[mark.line].row
        if mark.kind in SECTION_KINDS and row - SECTION_ROWS <= mrow <= row and \
                _heading_over(page, mark, cand) and (section is None or mrow > section[0]):
            section = (mrow, mark)
        if mrow == row:
            f["row_" + mark.kind] = max(f.get("row_" + mark.kind, 0.0), mark.strength)
            if mark.bbox[2] <= x0 + 2:
                gap = x0 - mark.bbox[2]
                if left is None or gap < left[0]:
                    left = (gap, mark)
        elif row - 4 <= mrow < row and min(x1, mark.bbox[2]) - max(x0, mark.bbox[0]) > -10 \
                and (above is None or mrow > above[0]):
            above = (mrow, mark)
    if left is not None:
        gap, mark = left
        f["left_" + mark.kind] = mark.strength
        f["left_dist"] = gap / width
        f["left_at_start"] = float(mark.at_start)
        f["left_same_line"] = float(mark.line == cand.line)
    else:
        f["left_dist"] = 1.0
    if above is not None:
        mrow, mark = above
        f["above_" + mark.kind] = mark.strength
        f["above_rows"] = float(row - mrow)
    if section is not None:  # under a heading "Verkäufer", "Bill to", "Seller"...
        mrow, mark = section
        f["section_" + mark.kind] = 1.0 / (1.0 + row - mrow)


def _heading_over(page: PageModel, mark: Any, cand: Candidate) -> bool:
    """A party's label heads the candidate's block: it stands alone at the start of its line
    ("Verkäufer", "Bill to:"; not "Guest Name: Sanjay", a field with its value, nor "SELLER
    TRADE NAME") and in the candidate's column (not the other party's block beside it)."""
    line = page.lines[mark.line]
    if not mark.at_start or mark.bbox[2] < line.x1 - 2:
        return False
    if mark.line == cand.line:
        return True
    height = max(1.0, line.bbox[3] - line.bbox[1])
    x0, x1 = cand.bbox[0], cand.bbox[2]
    return abs(line.x0 - x0) < 3 * height or min(x1, line.x1) - max(x0, line.x0) > 0


def feature_names(field: str) -> list[str]:
    """The ranker's features of a field, in a fixed order."""
    from . import amounts, dates, identifiers, names

    own = {"bill_number": identifiers.FEATURES, "vendor_name": names.FEATURES,
           "bill_date": dates.FEATURES, "due_date": dates.FEATURES}.get(field, amounts.FEATURES)
    base = ["y_rel", "x_rel", "x1_rel", "page_first", "page_last", "in_customer", "row_rel",
            "font_rank", "font_size", "bold", "ocr_conf", "in_table", "line_words",
            "value_first_in_line", "value_last_in_line", "row_segments", "rightmost_in_row",
            "block_lines", "block_pos", "block_first", "same_line_repeat", *KEYWORDS,
            "left_dist", "left_at_start", "left_same_line", "above_rows",
            *(f"section_{k}" for k in SECTION_KINDS),
            *(f"left_{k}" for k in KINDS), *(f"above_{k}" for k in KINDS),
            *(f"row_{k}" for k in KINDS),
            "rule_found", "rule_score", "rule_rank", "rule_choice",
            "r_label_strength", "r_relation_inline", "r_relation_right", "r_relation_below",
            "r_distance", "r_spot_rank", "r_label_at_start", "r_label_colon", "r_unlabelled",
            "r_in_customer_block", "r_table_header", "r_in_table", "r_bold",
            "r_after_title", "r_in_party_section", "r_after_number", "r_place_date",
            "doc_ocr", "doc_pages", "doc_lines", "doc_aspect", "doc_amounts", "doc_labels"]
    if own is amounts.FEATURES and not amounts.READS_RULES:
        base = [n for n in base if not n.startswith(("rule_", "r_"))]
    return list(dict.fromkeys([*base, *own]))
