"""The items table, read from word positions without templates.

1. The rows are the page model's (`layout.Layout`, built once per document); each row is cut
   into phrases (words closer than a space or so), so "Unit Price" and "1 234,50 €" stay whole.
2. The header is the first row, or few close rows of stacked labels ("Prix" / "Unitaire" /
   "de Base"), naming at least a description column and a money column (en/de/fr/nl labels,
   with their qualifiers: "Total HT", "Amount (EUR)", "Line Amount Excl. VAT").
3. Below it, each phrase goes to a column: numbers by alignment with a numeric column's label
   (right, left or centre edge), text by where it starts.
4. Rows with an amount are items; text rows go with the item whose figures they stand by: under
   them (the figures on an item's first line), above them (on its last line), or around them
   (the figures half-way down a cell); bold/far-off rows are section headers, notes and
   document allowances/charges ("REMISE : ...", "5 % sur 100,00") are skipped. The table ends
   at the totals block: a totals label, a row with an amount but no quantity or price that
   starts with a totals or tax word (Positionssumme, zuzüglich MwSt., Montant total), or a row
   whose amount is the sum of the items above; it resumes on the next page (with or without a
   repeated header).
5. Without any header (till receipts), the levelled rows are read by pattern: "2 x Coffee 3.50
   7.00", "Coffee 3.50 A", a description line with "2 x 3.50  7.00" (or "2 @ 3.50") under it;
   lone marks at the photo's edges are dropped; totals, tax, tip, payment and change lines
   (also misread by a letter) end the items.
6. The printed subtotal/total checks the items: one amount misread where quantity x price
   makes the sum, or (receipts) one item line that lost its amount.

Quantity x unit price = amount validates a row and sets its confidence.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from rapidfuzz.distance import Levenshtein

from billintake.domain.extracted import Evidence, ExtractedLineItem
from billintake.extraction.layout import Layout, PageLayout, WordRun
from billintake.extraction.parsing import DecimalMark, infer_decimal_mark, parse_amount
from billintake.extraction.vocabulary.lookalikes import IN_WORDS
from billintake.extraction.vocabulary.normalize import fold
from billintake.reading.document import Page, ReadDocument, Word, Worded, words_box

# --- column labels ----------------------------------------------------------------------------

COLUMN_LABELS: dict[str, tuple[str, ...]] = {
    "description": (
        "description", "item", "items", "details", "item description", "product", "products",
        "service", "product / service", "product/service", "services", "particulars", "article",
        "beschreibung", "bezeichnung", "artikel", "leistung", "artikelbezeichnung",
        "designation", "libelle", "produit", "prestation", "omschrijving", "beschrijving",
        "artikel omschrijving", "activity", "descripcion", "line item description",
        "item description", "artikelbeschreibung", "leistungsbeschreibung", "nom & designation",
        "designation article", "intitule", "description des services", "product name",
    ),
    "qty": (
        "qty", "qty.", "quantity", "units", "hours", "hrs", "menge", "anzahl", "stuck",
        "stk", "stk.", "anz.", "anz", "qte", "quantite", "qte.", "aantal", "hoeveelheid", "aant.",
        "nb",
        "nombre", "nbre", "qty/hrs", "no. of units", "pieces", "ordered", "shipped",
        "mengeeinheit", "menge einheit", "liefermenge", "qte facturee",
    ),
    "unit_price": (
        "unit price", "price", "rate", "unit cost", "price each", "unit rate", "einzelpreis",
        "e-preis", "preis", "ep", "stuckpreis", "prix unitaire", "p.u.", "p.u. ht", "pu ht",
        "prix unit.", "prix", "pu", "stukprijs", "prijs", "tarief", "eenheidsprijs",
        "price/unit", "nettopreis", "einzelpreis netto", "netto einzelpreis", "stuckpreis netto",
        "prix unitaire ht", "prix unitaire", "prix unit. ht", "unit price excl", "net price",
        "nettoeinzelpreis", "preis je einheit", "prix ht",
    ),
    "amount": (
        "amount", "total", "line total", "net", "net amount", "subtotal", "betrag", "gesamt",
        "gesamtpreis", "summe", "gesamtbetrag", "montant", "total ht", "montant ht",
        "bedrag", "totaal", "subtotaal", "amount (net)", "ext. price", "extended",
        "nettobetrag", "line amount", "net amount", "gesamtpreis netto", "positionsbetrag",
        "nettowert", "betrag netto", "gesamt netto", "montant net ht", "total net", "gross",
        "line total", "montant ht ligne", "montant total ht",
    ),
    "unit": ("unit", "uom", "einheit", "me", "unite", "u.", "eenheid"),
    "vat": ("vat %", "tax %", "vat", "tax", "mwst. %", "mwst", "mwst.", "ust %", "ust",
            "tva %", "tva", "btw %", "btw", "vat rate", "gst %", "gst", "steuersatz",
            "ust.-satz", "mwst.-satz", "mwst-satz", "taux tva", "taux de tva", "tax rate",
            "vat [%]", "tax [%]", "taux"),
    "code": ("item code", "sku", "code", "art.-nr.", "art.nr.", "artikelnummer", "reference",
             "ref.", "ref. article", "artikelnr.", "item no.", "part no.", "product code",
             "ref", "referenzen", "artikelnummer", "artikel-nr.", "art.-nr", "ean", "gtin",
             "code article", "article code", "references"),
    "pos": ("#", "no.", "pos.", "pos", "nr.", "n°", "no", "line"),
}
NUMERIC_COLUMNS = frozenset({"qty", "unit_price", "amount", "vat", "pos"})
MONEY_COLUMNS = frozenset({"unit_price", "amount"})
_LABEL_INDEX = {label: kind for kind, labels in COLUMN_LABELS.items() for label in labels}
_MAX_LABEL_WORDS = 3


def _label_key(text: str) -> str:
    """A label as compared: folded, without dots ("H.T." = "HT", "P.U." = "PU")."""
    return re.sub(r"\s+", " ", fold(text).replace(".", "")).strip()


_LABEL_KEYS = {_label_key(label): kind for label, kind in _LABEL_INDEX.items()}
# Words that qualify the label before them ("Total HT", "Amount (EUR)", "Price excl. VAT"):
# part of that label, not a column of their own.
_QUALIFIERS = frozenset({
    "ht", "ttc", "net", "netto", "brutto", "gross", "eur", "(eur)", "€", "(€)", "usd", "(usd)",
    "chf", "(chf)", "gbp", "%", "[%]", "(%)", "in", "excl", "incl", "exkl", "inkl", "zzgl",
    "hors", "taxe", "taxes", "vat", "tax", "mwst", "ust", "tva", "(net)", "(gross)", "(ht)",
    "(ttc)", "ligne", "line", "unit", "unitaire", "de", "base", "en", "per", "each",
})
_QUALIFIED_BY = frozenset({"excl", "incl", "exkl", "inkl", "zzgl", "hors", "in", "en", "per"})


def _label_kind(text: str) -> str | None:
    """The column a label names, read as written or without its dots."""
    return _LABEL_INDEX.get(fold(text)) or _LABEL_KEYS.get(_label_key(text))


def _leading_label_kind(text: str) -> str | None:
    """The column named by the longest known label that a (stacked) header cell starts with,
    else by a known label of two words or more inside it ("Nom & désignation")."""
    words = _label_key(text).split()
    for n in range(min(len(words), 5), 0, -1):
        kind = _LABEL_KEYS.get(" ".join(words[:n]))
        if kind:
            return kind
    inside = {kind for n in (3, 2) for i in range(1, max(1, len(words) - n + 1))
              if (kind := _LABEL_KEYS.get(" ".join(words[i:i + n])))}
    return inside.pop() if len(inside) == 1 else None

TOTALS_WORDS = (
    "subtotal", "sub-total", "sub total", "net total", "total", "totals", "grand total",
    "invoice total", "amount due", "balance due", "total due", "balance", "tax", "sales tax",
    "vat", "shipping", "freight", "delivery", "discount", "less discount", "gst",
    "zwischensumme", "nettobetrag", "summe netto", "summe", "summe brutto", "gesamtbetrag",
    "rechnungsbetrag", "gesamt", "mwst", "mwst.", "ust", "ust.", "umsatzsteuer", "versand",
    "versandkosten", "fracht", "rabatt", "nachlass", "zahlbetrag", "offener betrag",
    "total ht", "sous-total", "montant ht", "tva", "montant tva", "frais de port", "livraison",
    "remise", "escompte", "total ttc", "montant ttc", "net a payer", "reste a payer",
    "subtotaal", "totaal excl. btw", "totaal", "totaal incl. btw", "btw", "verzendkosten",
    "vracht", "korting", "te betalen", "openstaand bedrag", "carried forward", "ubertrag",
    "brought forward", "a reporter", "report", "goods total", "total amount", "items total",
    "merchandise total", "total goods", "netto bedrag", "nettobedrag excl. btw",
    "sous-total ht", "sous total ht", "totaal netto", "total hors taxes", "gst/hst", "hst",
    "pst", "qst", "gst/pst", "tps", "tvq", "tps/tvq", "cgst", "sgst", "igst",
    "net amount", "total net", "warenwert", "warenwert netto", "endbetrag", "totaalbedrag",
    "montant net", "nettobedrag",
)
_TOTALS_RE = re.compile(
    r"^(?:\d{1,2}(?:[.,]\d{1,2})?\s*%\s*)?(?:"
    + "|".join(re.escape(w) for w in sorted(TOTALS_WORDS, key=len, reverse=True))
    + r")(?:\s*\(?\d+(?:[.,]\d+)?\s*%\)?)?(?:\s*(?:eur|usd|gbp|chf|inr|[€$£]))?\s*:?$")
_SUBTOTAL_RE = re.compile(r"^(?:subtotal|sub-total|sub total|zwischensumme|summe|sous-total|"
                          r"subtotaal)\b")
_NOTE_RE = re.compile(r"^(?:note|notes|hinweis|remarque|opmerking|nb|n\.b\.|\*|please|bitte)\b",
                      re.IGNORECASE)
_CONTINUED_RE = re.compile(
    r"continued|fortsetzung|ubertrag|suite page|a reporter|vervolg|page \d|seite \d|pagina \d",
    re.IGNORECASE)
_CARRIED_RE = re.compile(r"^(?:carried forward|brought forward|ubertrag|a reporter|report|"
                         r"transport|vervolg|saldo vorige pagina)\b")
_PERCENT_RE = re.compile(r"^(\d{1,2}(?:[.,]\d{1,2})?)\s*%$")
_NUMBERISH_RE = re.compile(r"^[(\-−]?\s*(?:[A-Z]{3}|[€$£]|Rs\.?|CHF)?\s*[(\-−]?[\d.,' ]*\d"
                           r"[\d.,' ]*\)?\s*(?:[€$£]|[A-Z]{3})?\)?-?$")


# --- rows and phrases -------------------------------------------------------------------------

@dataclass
class Phrase(Worded):
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row(WordRun):
    page: int
    words: list[Word]
    phrases: list[Phrase]

    @property
    def height(self) -> float:
        return median(w.height for w in self.words)


def _layout_rows(page: PageLayout) -> list[Row]:
    """The page model's rows as table rows, each cut into cells (phrases) more finely than
    the layout's segments: a table's columns may stand closer than a word space and a half."""
    rows = []
    for segments in page.rows:
        words = sorted((w for seg in segments for w in seg.words), key=lambda w: w.x0)
        rows.append(Row(page.page.number, words, _phrases(words)))
    return rows


def _gap_limit(left: Word, right: Word) -> float:
    size = min(left.height, right.height)
    chars = max(len(left.text) + len(right.text), 1)
    avg_char = ((left.x1 - left.x0) + (right.x1 - right.x0)) / chars
    return max(1.5, min(0.75 * size, 1.2 * avg_char))


def _phrases(words: list[Word]) -> list[Phrase]:
    phrases: list[Phrase] = []
    for word in words:
        if phrases and word.x0 - phrases[-1].words[-1].x1 <= _gap_limit(
                phrases[-1].words[-1], word):
            phrases[-1].words.append(word)
        else:
            phrases.append(Phrase([word]))
    return phrases


# --- header -----------------------------------------------------------------------------------

@dataclass
class Column:
    kind: str  # a key of COLUMN_LABELS, or "other"
    x0: float
    x1: float
    text: str = ""  # the label as printed

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


_RULE_CHARS = "|¦"


def _without_rules(words: list[Word]) -> list[Word]:
    """Words without the table's vertical rules that OCR reads as "|" (alone or glued on:
    "Quancite|u." is two labels)."""
    out: list[Word] = []
    for word in words:
        parts = [p for p in re.split(r"[|¦]", word.text)]
        if len(parts) == 1:
            out.append(word)
            continue
        width = (word.x1 - word.x0) / max(len(word.text), 1)
        start = word.x0
        for part in parts:
            if part.strip():
                out.append(word.model_copy(update={"text": part, "x0": start,
                                                   "x1": start + width * len(part)}))
            start += width * (len(part) + 1)
    return out


def _misread_label(text: str) -> str | None:
    """The column a label names when OCR got a letter of it wrong ("Quancite")."""
    if len(text) < 5 or not text.isalpha():
        return None
    allowed = 1 if len(text) <= 8 else 2
    found = {kind for label, kind in _LABEL_INDEX.items()
             if abs(len(label) - len(text)) <= allowed and label.isalpha()
             and Levenshtein.distance(text, label) <= allowed}
    return found.pop() if len(found) == 1 else None


def _label_columns(row: Row, *, misread: bool = False) -> list[Column]:
    """The row's phrases read as column labels (longest known label first, word by word);
    with `misread`, a word one or two letters off a label names that label's column."""
    columns: list[Column] = []
    # labels are matched over runs of words a little wider than phrases (OCR spaces vary)
    runs: list[list[Word]] = []
    for word in _without_rules(row.words):
        if runs and word.x0 - runs[-1][-1].x1 <= 1.1 * max(word.height, 6.0):
            runs[-1].append(word)
        else:
            runs.append([word])
    for words in runs:
        i = 0
        while i < len(words):
            for n in range(min(_MAX_LABEL_WORDS, len(words) - i), 0, -1):
                text = " ".join(w.text for w in words[i:i + n])
                kind = _label_kind(text) or (
                    _misread_label(fold(text)) if misread and n == 1 else None)
                if kind:
                    end = i + n + _qualifier_words(words[i + n:])
                    columns.append(Column(kind, words[i].x0, words[end - 1].x1,
                                          " ".join(w.text for w in words[i:end])))
                    i = end
                    break
            else:
                word = words[i]
                if columns and columns[-1].kind == "other" and word.x0 - columns[-1].x1 < 8:
                    columns[-1].x1 = word.x1
                    columns[-1].text += " " + word.text
                else:
                    columns.append(Column("other", word.x0, word.x1, word.text))
                i += 1
    return columns


def _qualifier_words(words: list[Word]) -> int:
    """How many of the words after a label qualify it ("HT", "(EUR)", "excl. VAT")."""
    count = 0
    while count < len(words):
        key = _label_key(words[count].text)
        if key in _QUALIFIED_BY and count + 1 < len(words):
            count += 2
        elif (key in _QUALIFIERS and not _label_kind(words[count].text)) or key in {"%", "[%]"}:
            count += 1
        else:
            break
    return count


def _header_columns(row: Row) -> list[Column] | None:
    """The columns if `row` is a table header, else None."""
    if not _may_be_header(row):
        return None
    return _header_of([row])


def _may_be_header(row: Row) -> bool:
    return not (_TOTALS_RE.match(fold(_label_part(row))) or _has_amount(row, None))


def _header_of(rows: list[Row]) -> list[Column] | None:
    """The columns if `rows` (one, or labels stacked over a few rows) are a table header."""
    exact = [c.kind for c in _stacked([_label_columns(r) for r in rows]) if c.kind != "other"]
    if len(exact) < 2 or not MONEY_COLUMNS & set(exact):
        return None
    # a header read with clean labels may complete itself with misread ones
    columns = _stacked([_label_columns(r, misread=True) for r in rows])
    kinds = [c.kind for c in columns]
    known = [k for k in kinds if k != "other"]
    if len(known) < 2 or not MONEY_COLUMNS & set(known):
        return None
    if kinds.count("other") > len(known):
        return None
    if "description" not in kinds:
        if "other" not in kinds:
            if len(known) < 3:
                return None
            # the description label was lost (OCR): the descriptions fill the space on the left
            left = min(c.x0 for c in columns)
            columns.insert(0, Column("description", max(0.0, left - 200), left - 40))
            kinds = [c.kind for c in columns]
        else:
            # an unknown label left of the money columns names the descriptions
            first_other = next(c for c in columns if c.kind == "other")
            first_other.kind = "description"
    # Two price columns and no amount ("Prijs per stuk" ... "Prijs incl. BTW"): the rightmost
    # is the line's amount.
    prices = [c for c in columns if c.kind == "unit_price"]
    if len(prices) > 1 and "amount" not in kinds:
        prices[-1].kind = "amount"
    # Several money columns of one kind: "Amount"+"Total" - keep the rightmost as the amount.
    amounts = [c for c in columns if c.kind == "amount"]
    for extra in amounts[:-1]:
        extra.kind = "amount_alt"
    if kinds.count("description") > 1:
        for extra in [c for c in columns if c.kind == "description"][1:]:
            extra.kind = "other"
    return columns


def _stacked(per_row: list[list[Column]]) -> list[Column]:
    """Labels stacked over a few rows ("Prix" / "Unitaire" / "de Base") as one column each:
    labels that overlap in x join, read top to bottom. A label spanning several columns of
    another row (a title over the header) is dropped."""
    if len(per_row) == 1:
        return per_row[0]
    order = sorted(range(len(per_row)), key=lambda r: -len(per_row[r]))
    groups: list[list[tuple[int, Column]]] = []
    for r in order:
        for column in per_row[r]:
            hits = [g for g in groups if any(column.x0 < m.x1 + 1 and column.x1 > m.x0 - 1
                                             for _, m in g)]
            if len(hits) > 1 or (hits and any(row == r for row, _ in hits[0])):
                continue
            if hits:
                hits[0].append((r, column))
            else:
                groups.append([(r, column)])
    out: list[Column] = []
    for group in groups:
        group.sort(key=lambda m: (m[0], m[1].x0))
        text = " ".join(m.text for _, m in group)
        kind = _leading_label_kind(text) or next(
            (m.kind for _, m in group if m.kind != "other"), "other")
        out.append(Column(kind, min(m.x0 for _, m in group), max(m.x1 for _, m in group), text))
    return sorted(out, key=lambda c: c.x0)


_HEADER_ROWS = 4  # at most this many rows of stacked labels


def _has_digit(row: Row) -> bool:
    """Labels stacked in a header carry no figures (an address or a dates block does)."""
    return any(ch.isdigit() for ch in row.text)


def _find_header(rows: Sequence[Row], index: int) -> tuple[list[Column], int] | None:
    """The table header starting at `rows[index]`, in one row or stacked over a few close
    rows: its columns and the index of the first row after it."""
    if not _may_be_header(rows[index]):
        return None
    band = [rows[index]]
    for row in rows[index + 1:index + _HEADER_ROWS]:
        last = band[-1]
        if row.top - last.bottom > 0.8 * max(last.height, row.height) or \
                not _may_be_header(row) or _has_digit(row) or _has_digit(rows[index]):
            break
        band.append(row)
    best: tuple[int, int, list[Column]] | None = None  # (known columns, -rows, columns)
    for n in range(1, len(band) + 1):
        columns = _header_of(band[:n])
        if columns is None:
            continue
        known = sum(c.kind != "other" for c in columns)
        if best is None or known > best[0]:
            best = (known, n, columns)
    if best is None:
        return None
    return best[2], index + best[1]


# --- assignment -------------------------------------------------------------------------------

_QTY_WITH_UNIT_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([A-Za-zµ]{1,6}\.?)$")


def _add_unlabelled_amounts(columns: list[Column], rows: Sequence[Row]) -> list[Column]:
    """A header whose amount label was lost (OCR, a pale band): numbers standing right of every
    label in several rows make the amount column."""
    if any(c.kind == "amount" for c in columns):
        return columns
    right_edge = max(c.x1 for c in columns)
    found = [p for row in rows for p in row.phrases
             if p.x0 > right_edge + 4 and _NUMBERISH_RE.match(p.text.strip())
             and parse_amount(p.text) is not None]
    if len({id(p) for p in found}) < 2:
        return columns
    return [*columns, Column("amount", min(p.x0 for p in found), max(p.x1 for p in found))]


def _is_numberish(text: str) -> bool:
    text = text.strip()
    return bool(_NUMBERISH_RE.match(text) or _PERCENT_RE.match(text)
                or _QTY_WITH_UNIT_RE.match(text))


def _assign(row: Row, columns: list[Column]) -> dict[str, list[Phrase]]:
    """Phrases of a row by column kind."""
    cells: dict[str, list[Phrase]] = {}
    numeric = [c for c in columns if c.kind in NUMERIC_COLUMNS or c.kind == "amount_alt"]
    ordered = sorted(columns, key=lambda c: c.x0)
    text_edges = [c.x0 - 6 for c in ordered if c.kind not in NUMERIC_COLUMNS
                  and c.kind != "amount_alt"]
    for phrase in _split_mixed(_split_at_edges(row.phrases, text_edges)):
        kind = None
        if _is_numberish(phrase.text) and numeric:
            best = min(numeric, key=lambda c: _alignment(phrase, c))
            if _alignment(phrase, best) <= max(40.0, (best.x1 - best.x0)):
                kind = best.kind
            if _alignment(phrase, best) >= 0:
                # a figure right under a column of another kind ("Remise (-)", "Unit") and
                # under no numeric one belongs to that column
                under = [c for c in columns if c.kind not in NUMERIC_COLUMNS
                         and c.kind not in ("amount_alt", "description")
                         and _alignment(phrase, c) < 0]
                if under:
                    kind = "unit" if under[0].kind == "unit" else "other"
        if kind is None:
            kind = ordered[0].kind
            for column in ordered:
                if phrase.x0 >= column.x0 - 6:
                    kind = column.kind
            if kind in NUMERIC_COLUMNS or kind == "amount_alt":
                # text under a number column: a unit printed beside the quantity, or noise
                kind = "unit" if kind == "qty" else "other"
        cells.setdefault(kind, []).append(phrase)
    return cells


def _split_at_edges(phrases: list[Phrase], edges: list[float]) -> list[Phrase]:
    """Cut phrases where a word starts past a text column's left edge and the word before it
    does not (OCR often runs "MC-3714 Compact oak towels" together across columns)."""
    out: list[Phrase] = []
    for phrase in phrases:
        current = [phrase.words[0]]
        for word in phrase.words[1:]:
            if any(current[-1].x0 < edge <= word.x0 for edge in edges):
                out.append(Phrase(current))
                current = [word]
            else:
                current.append(word)
        out.append(Phrase(current))
    return out


def _split_amounts(phrase: Phrase) -> list[Phrase]:
    """Two amounts run together ("USD 3,219.33 USD 12,877.32") as two phrases."""
    words = phrase.words
    if len(words) < 2 or parse_amount(phrase.text) is not None:
        return [phrase]
    for cut in range(1, len(words)):
        left = Phrase(words[:cut])
        if parse_amount(left.text) is not None:
            rest = _split_amounts(Phrase(words[cut:]))
            if all(parse_amount(p.text) is not None for p in rest):
                return [left, *rest]
    return [phrase]


def _split_mixed(phrases: list[Phrase]) -> Iterable[Phrase]:
    """Split a phrase whose words end in numbers after text (e.g. desc + qty run together)."""
    for whole in phrases:
        has_digits = any(ch.isdigit() for ch in whole.words[-1].text)
        parts = _split_amounts(whole) if has_digits else [whole]
        if len(parts) > 1:
            yield from parts
            continue
        phrase = whole
        words = phrase.words
        if len(words) > 1 and _is_numberish(words[-1].text) and not _is_numberish(phrase.text):
            # keep "coffee beans 1kg" whole; split only when the gap is wider than a space
            gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(words)]
            if gaps[-1] > 2.5 * (min(gaps[:-1]) if len(gaps) > 1 else 99):
                yield Phrase(words[:-1])
                yield Phrase(words[-1:])
                continue
        yield phrase


def _alignment(phrase: Phrase, column: Column) -> float:
    """How far a number is from sitting under a column label (0 when they overlap)."""
    if phrase.x0 <= column.x1 and phrase.x1 >= column.x0:
        overlap = min(phrase.x1, column.x1) - max(phrase.x0, column.x0)
        return -overlap
    return min(abs(phrase.x1 - column.x1), abs(phrase.x0 - column.x0),
               abs(phrase.center - column.center))


# --- values -----------------------------------------------------------------------------------

def _number(text: str, mark: DecimalMark | None) -> Decimal | None:
    value = parse_amount(text, mark)
    if value is None:
        return None
    return value


def _quantity(text: str, mark: DecimalMark | None) -> tuple[Decimal | None, str | None]:
    """A quantity, and the unit printed with it ("1.00 kg" -> 1.00, "kg")."""
    match = _QTY_WITH_UNIT_RE.match(text.strip())
    if match and not match.group(2).lower().startswith(("eur", "usd", "gbp", "chf")):
        return _number(match.group(1), mark), match.group(2)
    return _number(text, mark), None


def _percent(text: str) -> Decimal | None:
    match = _PERCENT_RE.match(text.strip())
    if not match:
        value = parse_amount(text.strip().rstrip("%"))
        return value if value is not None and 0 <= value <= 30 else None
    return Decimal(match.group(1).replace(",", "."))


@dataclass
class _Draft:
    page: int
    description: list[str]
    boxes: list[tuple[float, float, float, float]]
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    amount_alt: Decimal | None = None
    tax_rate: Decimal | None = None
    source: str = "text"
    bottom: float = 0.0
    height: float = 10.0
    bold: bool = False
    x0: float = 0.0
    anchor: float = 0.0  # the middle of the row with the item's figures
    from_totals: bool = False  # its amount was worked out from the sum printed below


@dataclass
class LineItemsResult:
    items: list[ExtractedLineItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # An item's amount was worked out from the subtotal/total printed below: the items' sum
    # then repeats that line and cannot vouch for it (a misread total would confirm itself).
    sum_from_totals: bool = False


def _row_values(cells: dict[str, list[Phrase]], mark: DecimalMark | None) -> dict[str, object]:
    def text_of(kind: str) -> str:
        return " ".join(p.text for p in cells.get(kind, []))

    values: dict[str, object] = {}
    if cells.get("amount"):
        values["amount"] = _number(text_of("amount"), mark)
    if cells.get("amount_alt"):
        values["amount_alt"] = _number(text_of("amount_alt"), mark)
    if cells.get("unit_price"):
        values["unit_price"] = _number(text_of("unit_price"), mark)
    if cells.get("qty"):
        values["quantity"], unit = _quantity(text_of("qty"), mark)
        if unit:
            values["unit"] = unit
    if cells.get("vat"):
        values["tax_rate"] = _percent(text_of("vat"))
    if cells.get("unit"):
        values["unit"] = text_of("unit")
    return values


# --- the table reader -------------------------------------------------------------------------

class _TableReader:
    def __init__(self, doc: ReadDocument, layout: Layout) -> None:
        self.doc = doc
        self.rows_by_page = [_layout_rows(page) for page in layout.pages]
        self.mark = infer_decimal_mark(r.text for rows in self.rows_by_page for r in rows)
        self.items: list[_Draft] = []
        self.warnings: list[str] = []
        self.convention: str | None = None  # "top" | "bottom", decided on the first page
        self.columns_now: list[Column] = []
        self.totals: list[Decimal] = []  # amounts of the totals block, to check the items by

    def read(self) -> list[_Draft]:
        columns: list[Column] | None = None
        for page, rows in zip(self.doc.pages, self.rows_by_page, strict=True):
            start = 0
            page_columns = None
            for index in range(len(rows)):
                found = _find_header(rows, index)
                if found:
                    page_columns, start = found
                    break
            if page_columns is None:
                if columns is None or not self.items:
                    continue
                page_columns = columns  # the table runs on without a repeated header
                start = 0
            columns = _add_unlabelled_amounts(page_columns, rows[start:start + 30])
            self.columns_now = columns
            ended = self._read_rows(rows[start:], columns, page)
            if ended:
                break
        return self.items

    def _classify(self, rows: Sequence[Row], columns: list[Column], page: Page
                  ) -> list[_Classified]:
        """Each row of the table region as an item, a text row, or the end of the table."""
        out: list[_Classified] = []
        footer_line = page.height * 0.93
        seen_item = bool(self.items)
        for row in rows:
            folded = fold(row.text)
            if row.top > footer_line:
                break
            label = _totals_label(row)
            if label is not None and _CARRIED_RE.match(label):
                # "Übertrag 19.301,09": the sum so far, brought forward or carried to the next
                # page; the table goes on there
                if any(entry.kind == "item" for entry in out):
                    break
                continue
            if label is not None and seen_item \
                    and not self._items_follow(rows, row, columns):
                out.append(_Classified("end", row))
                later = [r for r in rows if r.top >= row.top][:8]
                self.totals = _row_amounts(later, self.mark)
                break
            if _CONTINUED_RE.search(folded) and not _has_amount(row, self.mark):
                continue
            cells = _assign(row, columns)
            values = _row_values(cells, self.mark)
            description = " ".join(p.text for p in cells.get("description", []))
            amount = _dec(values.get("amount"))
            priced = values.get("unit_price") is not None or values.get("quantity") is not None
            if amount is not None and not priced and seen_item and (
                    (_totals_head(row) and _has_priced_columns(columns))
                    or self._sums_items_above(out, amount)) \
                    and not self._items_follow(rows, row, columns):
                # "Rechnungssumme netto 845,00", "zuzüglich 19% MwSt.", or a row whose amount
                # is the sum of the items above: the totals block has begun
                out.append(_Classified("end", row))
                later = [r for r in rows if r.top >= row.top][:8]
                self.totals = _row_amounts(later, self.mark)
                break
            if amount is not None and _is_allowance_or_charge(
                    row, description, values.get("unit_price") is not None):
                # a document-level allowance or charge printed under the items: not an item
                out.append(_Classified("aside", row, cells, values, description))
                continue
            if amount is not None or (
                    values.get("unit_price") is not None and values.get("quantity") is not None):
                out.append(_Classified("item", row, cells, values, description))
                seen_item = True
            elif description and not any(values.get(k) is not None
                                          for k in ("unit_price", "quantity")):
                kind = "aside" if _NOTE_RE.match(description) or row.bold else "text"
                out.append(_Classified(kind, row, cells, values, description))
        return out

    def _sums_items_above(self, rows: list[_Classified], amount: Decimal) -> bool:
        """Whether `amount` is the sum of two or more items read so far (a subtotal)."""
        amounts = [d.amount for d in self.items] + [
            _dec(e.values.get("amount")) for e in rows if e.kind == "item"]
        known = [a for a in amounts if a is not None]
        return len(known) >= 2 and len(known) == len(amounts) and sum(known) == amount

    def _convention(self, rows: list[_Classified]) -> str:
        """"bottom" when an item's numbers sit on its last line, "middle" when they sit
        half-way down a cell of several text lines (most items have description lines right
        above and right below them), else "top"."""
        items = [i for i, e in enumerate(rows) if e.kind == "item"]
        framed = sum(1 for i in items if 0 < i < len(rows) - 1
                     and rows[i - 1].kind == "text" and _close(rows[i - 1].row, rows[i].row)
                     and rows[i + 1].kind == "text" and _close(rows[i].row, rows[i + 1].row))
        if items and 2 * framed > len(items):
            return "middle"
        bottom = top = 0
        for index, entry in enumerate(rows):
            if entry.kind != "text":
                continue
            before = rows[index - 1] if index else None
            ahead = _chain_end(rows, index)
            if before is None and ahead is not None and ahead.kind == "item":
                bottom += 2
            elif before is not None and before.kind == "item" and _close(before.row, entry.row) \
                    and (ahead is None or ahead.kind != "item"):
                top += 1
        return "bottom" if bottom > top else "top"

    def _read_rows(self, rows: Sequence[Row], columns: list[Column], page: Page) -> bool:
        """Read item rows until the totals block; True when the table has ended."""
        classified = self._classify(rows, columns, page)
        if self.convention is None:
            self.convention = self._convention(classified) if any(
                e.kind == "item" for e in classified) else None
        bottom_first = self.convention == "bottom"
        pending: list[Row] = []  # text rows that open the next item
        last_item: _Draft | None = None
        desc_col = next(c for c in columns if c.kind == "description")
        for index, entry in enumerate(classified):
            row = entry.row
            if entry.kind == "end":
                return True
            if entry.kind == "item":
                self.items.append(self._start_item(row, entry.cells, entry.values,
                                                   entry.description, pending))
                last_item = self.items[-1]
                pending = []
                continue
            if entry.kind == "aside":
                pending, last_item = [], None
                continue
            ahead = _chain_end(classified, index)
            opens_next = ahead is not None and ahead.kind == "item"
            continues = last_item is not None and not pending and \
                self._continues(last_item, entry, desc_col)
            if continues and opens_next and self.convention == "middle" and \
                    last_item is not None and ahead is not None:
                # the row goes with the nearer of the two items' figures
                middle = (row.top + row.bottom) / 2
                continues = middle - last_item.anchor < (ahead.row.top + ahead.row.bottom) / 2 \
                    - middle
            elif continues and opens_next:
                gap_before = row.top - (last_item.bottom if last_item else 0)
                gap_after = _gap_to_chain_end(classified, index)
                continues = not bottom_first and gap_before <= gap_after + 1.5
            if continues and last_item is not None:
                last_item.description.append(entry.description)
                last_item.boxes.append(row.bbox)
                last_item.bottom = row.bottom
            elif opens_next:
                pending.append(row)
            else:
                pending, last_item = [], None
        return False

    def _items_follow(self, rows: Sequence[Row], row: Row, columns: list[Column]) -> bool:
        """Whether item rows come right after a subtotal row (a group's subtotal)."""
        if not _SUBTOTAL_RE.match(_totals_label(row) or ""):
            return False
        after = [r for r in rows if r.top > row.bottom][:3]
        for later in after:
            if _totals_label(later) is not None:
                return False
            cells = _assign(later, columns)
            values = _row_values(cells, self.mark)
            if values.get("amount") is not None and cells.get("description"):
                return True
        return False

    def _continues(self, item: _Draft, entry: _Classified, desc_col: Column) -> bool:
        row, folded = entry.row, fold(entry.row.text)
        gap = row.top - item.bottom
        if gap > 0.9 * max(item.height, row.height):
            return False
        if row.bold and not item.bold:
            return False
        if _NOTE_RE.match(folded):
            return False
        # where the row's description starts (a code column may stand left of it)
        start = min((p.x0 for p in entry.cells.get("description", [])), default=row.bbox[0])
        return start >= min(desc_col.x0, item.x0) - 8

    def _start_item(self, row: Row, cells: dict[str, list[Phrase]], values: dict[str, object],
                    description: str, prefix: list[Row]) -> _Draft:
        desc_words = [w for p in cells.get("description", []) for w in p.words]
        parts: list[str] = []
        boxes: list[tuple[float, float, float, float]] = []
        for pre in prefix:  # text rows right above that open this item's description
            parts.append(" ".join(p.text for p in _assign(pre, self.columns_now)
                                  .get("description", [])) or pre.text)
            boxes.append(pre.bbox)
        if description:
            parts.append(description)
        if cells.get("code") and not parts:
            parts.append(" ".join(p.text for p in cells["code"]))
        boxes.append(row.bbox)
        draft = _Draft(
            page=row.page, description=parts, boxes=boxes,
            quantity=_dec(values.get("quantity")), unit=_str(values.get("unit")),
            unit_price=_dec(values.get("unit_price")), amount=_dec(values.get("amount")),
            amount_alt=_dec(values.get("amount_alt")), tax_rate=_dec(values.get("tax_rate")),
            source=row.words[0].source, bottom=row.bottom, height=row.height,
            anchor=(row.top + row.bottom) / 2,
            bold=all(w.bold for w in desc_words) if desc_words else False,
            x0=desc_words[0].x0 if desc_words else row.bbox[0],
        )
        if draft.amount is None and draft.quantity is not None and draft.unit_price is not None:
            draft.amount = draft.quantity * draft.unit_price
        return draft


_TRAILING_AMOUNT_RE = re.compile(
    r"\s+(?:[A-Z]{3}|[€$£]|Rs\.?)?\s?\(?-?[\d.,' ]*\d\)?\s?(?:[€$£]|[A-Z]{3})?$")


@dataclass
class _Classified:
    kind: str  # "item" | "text" | "aside" (note, section header) | "end"
    row: Row
    cells: dict[str, list[Phrase]] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    description: str = ""


def _close(upper: Row, lower: Row) -> bool:
    return lower.top - upper.bottom <= 0.9 * max(upper.height, lower.height)


def _chain_end(rows: list[_Classified], index: int) -> _Classified | None:
    """The first non-text row after a run of closely stacked text rows from `index`."""
    current = rows[index]
    for entry in rows[index + 1:]:
        if not _close(current.row, entry.row):
            return None
        if entry.kind != "text":
            return entry
        current = entry
    return None


def _gap_to_chain_end(rows: list[_Classified], index: int) -> float:
    return rows[index + 1].row.top - rows[index].row.bottom if index + 1 < len(rows) else 99.0


def _label_part(row: Row) -> str:
    """A row's text without its numbers: "VAT 20% 1,522.65" -> "VAT 20%"."""
    kept = [p.text for p in row.phrases if not _NUMBERISH_RE.match(p.text.strip())]
    text = " ".join(kept)
    stripped = _TRAILING_AMOUNT_RE.sub("", text)
    return stripped if re.search(r"[A-Za-z]", stripped) else text


def _row_amounts(rows: Iterable[Row], mark: DecimalMark | None) -> list[Decimal]:
    return [value for row in rows for p in row.phrases
            if _NUMBERISH_RE.match(p.text.strip())
            and (value := parse_amount(p.text, mark)) is not None]


def _repair_misread_amount(drafts: list[_Draft], totals: list[Decimal]) -> None:
    """One item whose amount is not quantity x unit price, where quantity x unit price makes
    the items add up to the subtotal or total printed below: the amount was misread."""
    amounts = [d.amount for d in drafts]
    if not totals or any(a is None for a in amounts):
        return
    current = sum(a for a in amounts if a is not None)
    if current in totals:
        return
    fixes = []
    for draft in drafts:
        if draft.quantity is None or draft.unit_price is None or draft.amount is None or \
                _fits(draft.quantity, draft.unit_price, draft.amount):
            continue
        product = (draft.quantity * draft.unit_price).quantize(Decimal("0.01"))
        if current - draft.amount + product in totals:
            fixes.append((draft, product))
    if len(fixes) == 1:
        draft, product = fixes[0]
        draft.amount = product  # the line's own quantity x price: evidence of its own


def _totals_label(row: Row) -> str | None:
    """The row's totals label (folded), whether it is the row's whole text or one phrase of it:
    a remittance block prints "Bank details" on the left of "Net amount 3,097.00"."""
    label = fold(_label_part(row))
    if _TOTALS_RE.match(label):
        return label
    # runs of words with no number and no wide gap between them: one cell each
    runs: list[list[Phrase]] = []
    for phrase in row.phrases:
        if _NUMBERISH_RE.match(phrase.text.strip()):
            runs.append([])
        elif runs and runs[-1] and phrase.x0 - runs[-1][-1].x1 < 2.5 * row.height:
            runs[-1].append(phrase)
        else:
            runs.append([phrase])
    for run in runs:
        folded = fold(" ".join(p.text for p in run))
        if run and _TOTALS_RE.match(folded):
            return folded
    return None


# The first word of a totals, tax or payment line ("Rechnungssumme netto", "zuzüglich 19 %
# MwSt.", "Montant total HT", "Total amount (net)"): in a table with quantity or price
# columns, a row with an amount but neither of those that starts so is not an item.
TOTALS_HEADS = frozenset({
    "summe", "zwischensumme", "gesamtsumme", "positionssumme", "rechnungssumme", "bruttosumme",
    "nettosumme", "endsumme", "gesamtbetrag", "rechnungsbetrag", "zahlbetrag", "endbetrag",
    "bruttobetrag", "steuerbetrag", "umsatzsteuer", "mehrwertsteuer", "mwst", "ust", "zzgl",
    "zuzuglich", "abzuglich", "inkl", "enthaltene", "erhaltene", "anzahlung", "anzahlungen",
    "gesamt", "warenwert", "total", "totals", "subtotal", "sub-total", "grand", "balance",
    "vat", "tax", "paid", "prepaid", "prepayment", "sous-total", "montant", "tva", "reste",
    "acompte", "acomptes", "solde", "net", "totaal", "subtotaal", "btw", "te",
})
_HEAD_RE = re.compile(r"[^\W\d_][\w/-]*")


def _totals_head(row: Row) -> bool:
    label = fold(_label_part(row))
    match = _HEAD_RE.search(label)
    return bool(match and match.start() <= 8 and match.group().lower() in TOTALS_HEADS)


def _has_priced_columns(columns: list[Column]) -> bool:
    return any(c.kind in ("qty", "unit_price") for c in columns)


_ALLOWANCE_RE = re.compile(
    r"^(?:remise|rabais|ristourne|charge|majoration|frais|rabatt|nachlass|zuschlag|abschlag|"
    r"discount|allowance|surcharge)s?\s*[:\-–]", re.IGNORECASE)
_PERCENT_OF_RE = re.compile(r"\d\s*%\s*(?:sur|of|on|auf|von|de)\s+\d", re.IGNORECASE)


# "Incl. Thuiskopieheffing 4,24", "dont éco-participation 0,50": what the item above includes
_INCLUDED_RE = re.compile(r"^(?:incl|inkl|including|inclusief|dont|davon|hiervan|whereof)\b")


def _is_allowance_or_charge(row: Row, description: str, priced: bool) -> bool:
    """"REMISE : Remise commerciale  5,00 % sur 100,00 EUR  -5,00": an allowance or charge on
    the whole document, printed in the table; or, without a unit price of its own, a part of
    the item above ("Incl. Thuiskopieheffing  4,24")."""
    folded = fold(description)
    return bool(_ALLOWANCE_RE.match(folded) or (_INCLUDED_RE.match(folded) and not priced)
                or _PERCENT_OF_RE.search(row.text))


def _has_amount(row: Row, mark: DecimalMark | None) -> bool:
    return any(_NUMBERISH_RE.match(p.text.strip()) and parse_amount(p.text, mark) is not None
               for p in row.phrases)


def _dec(value: object) -> Decimal | None:
    return value if isinstance(value, Decimal) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- receipts: no header ----------------------------------------------------------------------

_AMT = r"\(?-?(?:[€$£]|Rs\.?\s?|CHF\s?|EUR\s?)?\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}\)?(?:\s?€)?"
_RECEIPT_PATTERNS = (
    re.compile(rf"^(?P<qty>\d+(?:[.,]\d+)?)\s*[xX×*]\s*(?P<desc>.*?[^\d\s].*?)\s+"
               rf"(?P<price>{_AMT})\s+(?P<amount>{_AMT})$"),
    re.compile(rf"^(?P<qty>\d+(?:[.,]\d+)?)\s*[xX×*]\s*(?P<desc>.*?[^\d\s].*?)\s+"
               rf"(?P<amount>{_AMT})$"),
    re.compile(rf"^(?P<desc>.*?[^\d\s].*?)\s+(?P<qty>\d+(?:[.,]\d+)?)\s*[xX×@]\s*"
               rf"(?P<price>{_AMT})\s+(?P<amount>{_AMT})$"),
    re.compile(rf"^(?P<qty>\d{{1,3}})\s*(?:[xX×]\s+|@\s*(?P<price>{_AMT})\s+)?"
               rf"(?P<desc>[^\d\s].*?)\s+(?P<amount>{_AMT})$"),
    re.compile(rf"^(?P<desc>[^\d\s].*?)\s+(?P<amount>{_AMT})$"),
)
# "2 x 3.55", "3x 22.46", "2 @ 3.80", "2 pcs @ 1.50": a quantity line under its description
_QTY_AT_PRICE = re.compile(rf"^(?P<qty>\d{{1,3}}(?:[.,]\d{{1,3}})?)\s*(?:[xX×*@]|pcs?\s*@|"
                           rf"St\.?\s*[xX@]?)\s*:?\s*(?P<price>{_AMT})$")
_AMOUNT_CELL = re.compile(rf"^(?P<amount>{_AMT})(?:\s?[A-D*]{{1,2}})?$")  # "7.60 A": VAT class
_RECEIPT_STOP = re.compile(
    r"^(total|totaal|summe|gesamt|amount|subtotal|sub-total|sub total|zwischensumme|sous-total|"
    r"subtotaal|to pay|zu zahlen|a payer|te betalen|bar|cash|card|credit|debit|cb|pin|especes|"
    r"ec-karte|change|incl|enth|inkl|dont|tva|mwst|ust|vat|btw|tax|sales tax|tip|gratuity|fooi|"
    r"trinkgeld|pourboire|rendu|ruckgeld|wechselgeld|monnaie|balance|grand|bezahlt|paye|"
    r"visa|mastercard|amex|maestro|girocard|pinbetaling|contactless|kreditkarte|payment|net|"
    r"gegeven|wisselgeld|terug)\b", re.IGNORECASE)
# single words that end the items, also when the reader got one letter of them wrong
_STOP_WORDS = ("total", "totaal", "subtotal", "amount", "change", "summe", "gesamt", "betrag",
               "zwischensumme", "subtotaal", "sous-total", "gratuity", "ruckgeld", "wechselgeld",
               "balance", "mastercard", "girocard", "pinbetaling", "especes")


# a tax rate with its tax word anywhere in a line ("Nettobetrag (zzgl. 19,00% MwSt.)")
_TAX_RATE_RE = re.compile(r"\d\s*%\s*(?:mwst|ust|vat|tva|tax|btw|gst|iva)\b|"
                          r"\b(?:mwst|ust|vat|tva|btw)\.?\s*\d{1,2}(?:[.,]\d{1,2})?\s*%")


def _is_receipt_stop(text: str) -> bool:
    """Totals, tax, payment and change lines: where a receipt's items have ended."""
    folded = fold(text)
    if _RECEIPT_STOP.match(folded) or _TAX_RATE_RE.search(folded):
        return True
    first = folded.split(" ", 1)[0].strip(".:")
    if len(first) < 5:
        return False
    deglyphed = first.translate(IN_WORDS)
    return bool(_RECEIPT_STOP.match(deglyphed)) or any(
        Levenshtein.distance(deglyphed, word) <= 1 for word in _STOP_WORDS)


_NOT_AN_ITEM = re.compile(
    r"\d{1,2}:\d{2}|\b(?:tel|phone|fax|receipt|beleg|bon|ticket|table|tafel|tisch|server|"
    r"kasse|pos|trans|auth|approved|iban|www|vat no|tax id)\b|#|\*{3}|@\S+\.", re.IGNORECASE)
_EDGE_JUNK = " |‘’'\"`:;,._-~=*()[]{}!"


@dataclass
class _ReceiptRow:
    page: int
    segments: list[str]  # phrase texts, left to right, edge marks dropped
    bbox: tuple[float, float, float, float]
    height: float
    source: str

    @property
    def text(self) -> str:
        return " ".join(self.segments)


def _receipt_rows(layout: Layout) -> list[_ReceiptRow]:
    """The levelled rows (skewed photos read as straight lines), without the lone marks a
    camera's edges and creases leave ("|", a stray letter beside the text)."""
    rows: list[_ReceiptRow] = []
    for page in layout.pages:
        for row in page.rows:
            texts = [s.text.strip() for s in row]
            keep = [i for i, t in enumerate(texts) if t.strip(_EDGE_JUNK)]
            if not keep:
                continue
            segments = [texts[i] for i in keep]
            # a single character standing apart at either end is noise, unless it is all
            while len(segments) > 1 and _leading_noise(segments):
                segments.pop(0)
            while len(segments) > 1 and _edge_noise(segments[-1]):
                segments.pop()
            words = [w for i in keep for w in row[i].words]
            rows.append(_ReceiptRow(page.page.number, segments, words_box(words),
                                    median(w.height for w in words),
                                    "ocr" if any(w.source == "ocr" for w in words) else "text"))
    return rows


def _leading_noise(segments: list[str]) -> bool:
    """A lone character at the start of a row: noise, unless it is the quantity of an item
    printed on that row ("2  x  Orange juice  10,29  20,58")."""
    first = segments[0].strip(_EDGE_JUNK)
    if len(first) != 1:
        return False
    if not first.isdigit():
        return True
    return segments[1][:1].isdigit() or not any(ch.isdigit() for ch in segments[-1])


def _edge_noise(text: str) -> bool:
    """A stray mark or letter after a row's amount (or a VAT class letter standing apart)."""
    core = text.strip(_EDGE_JUNK)
    return len(core) == 1 or (len(core) == 2 and not core.isdigit())


def _clean_description(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(_EDGE_JUNK + " ")


def _is_description(text: str) -> bool:
    """Words that can name an item: letters, no date, time, phone or receipt number."""
    if not re.search(r"[^\W\d_]{3}", text) or _NOT_AN_ITEM.search(text):
        return False
    return not re.search(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}", text)


def _receipt_amounts(rows: Iterable[_ReceiptRow], mark: DecimalMark | None) -> list[Decimal]:
    found = []
    for row in rows:
        match = _AMOUNT_CELL.match(row.segments[-1].strip(_EDGE_JUNK + " "))
        value = _number(match.group("amount"), mark) if match else None
        if value is not None:
            found.append(value)
    return found


def _receipt_items(layout: Layout) -> list[_Draft]:
    rows = _receipt_rows(layout)
    mark = infer_decimal_mark(row.text for row in rows)
    items: list[_Draft] = []
    pending: _ReceiptRow | None = None  # a description line whose numbers follow below
    orphans: list[tuple[int, _ReceiptRow]] = []  # description lines left without numbers

    def near(upper: _ReceiptRow | None, lower: _ReceiptRow, limit: float = 1.7) -> bool:
        return upper is not None and upper.page == lower.page and \
            lower.bbox[1] - upper.bbox[3] < limit * max(upper.height, lower.height)

    def add(row: _ReceiptRow, desc: str, qty: Decimal | None, price: Decimal | None,
            amount: Decimal | None, above: _ReceiptRow | None = None) -> None:
        boxes = [row.bbox] if above is None else [above.bbox, row.bbox]
        items.append(_Draft(page=row.page, description=[desc], boxes=boxes, quantity=qty,
                            unit_price=price, amount=amount, source=row.source,
                            bottom=row.bbox[3], height=row.height))

    for index, row in enumerate(rows):
        text = _clean_description(row.text)
        if _is_receipt_stop(text):
            if items:
                totals = _receipt_amounts(rows[index:index + 8], mark)
                _repair_misread_amount(items, totals)
                _fill_amountless_item(items, orphans, totals)
                return items
            pending = None
            continue
        amount_match = _AMOUNT_CELL.match(row.segments[-1].strip(_EDGE_JUNK + " "))
        amount = _number(amount_match.group("amount"), mark) if amount_match else None
        left = " ".join(row.segments[:-1]) if amount is not None else row.text
        left = left.strip(_EDGE_JUNK + " ")
        qty_line = _QTY_AT_PRICE.match(left)
        if qty_line is None and amount is None and len(row.segments) > 1:
            qty_line = _QTY_AT_PRICE.match(" ".join(row.segments[:-1]).strip(_EDGE_JUNK + " "))
        if qty_line:
            qty, price = _number(qty_line.group("qty"), mark), \
                _number(qty_line.group("price"), mark)
            if near(pending, row) and pending is not None:
                if amount is None and qty is not None and price is not None:
                    amount = qty * price  # the amount was not readable: quantity x price
                add(row, _clean_description(pending.text), qty, price, amount, pending)
            elif amount is None and items and items[-1].quantity is None and \
                    near(_ReceiptRow(row.page, [], (0, 0, 0, items[-1].bottom), 0, ""), row):
                items[-1].quantity, items[-1].unit_price = qty, price
                items[-1].boxes.append(row.bbox)
            pending = None
            continue
        if amount is None:
            pending = row if _is_description(text) else None
            continue
        if items and len(items) >= 2 and amount == sum(i.amount or 0 for i in items):
            return items  # the subtotal, however its label was misread
        if re.search(r"\d", left) and not _is_description(re.sub(r"^\d+\s*", "", left)) \
                and near(pending, row) and pending is not None:
            # a quantity line the reader garbled ("9°%.8.13 16.26"): the amount still counts
            qty = price = None
            prices = re.findall(_AMT, left)
            price = _number(prices[-1], mark) if prices else None
            if price and amount is not None and (amount / price) == (amount / price).to_integral():
                qty = amount / price
            else:
                price = None
            add(row, _clean_description(pending.text), qty, price, amount, pending)
            pending = None
            continue
        unused = pending if near(pending, row) else None
        pending = None
        full = f"{left} {row.segments[-1].strip(_EDGE_JUNK + ' ')}"
        full = re.sub(r"(\d)\s?[A-D*]{1,2}$", r"\1", full)
        for pattern in _RECEIPT_PATTERNS:
            match = pattern.match(full)
            if not match:
                continue
            groups = match.groupdict()
            desc = _clean_description(groups["desc"])
            if not _is_description(desc):
                break
            value = _number(groups["amount"], mark)
            if value is None:
                break
            add(row, desc,
                _number(groups["qty"], mark) if groups.get("qty") else None,
                _number(groups["price"], mark) if groups.get("price") else None, value)
            if unused is not None and _is_description(_clean_description(unused.text)) \
                    and items[-1].unit_price is None:  # else the line above may be its name
                orphans.append((len(items) - 1, unused))
            break
    return items


def _fill_amountless_item(items: list[_Draft], orphans: list[tuple[int, _ReceiptRow]],
                          totals: list[Decimal]) -> None:
    """One item line whose amount the reader lost, right above another item: it is what the
    first sum below (subtotal or total) has over the other items."""
    if len(orphans) != 1 or not totals or any(i.amount is None for i in items):
        return
    rest = totals[0] - sum(i.amount for i in items if i.amount is not None)
    if not Decimal(0) < rest < totals[0]:
        return
    index, row = orphans[0]
    items.insert(index, _Draft(page=row.page, description=[_clean_description(row.text)],
                               boxes=[row.bbox], amount=rest, source=row.source,
                               bottom=row.bbox[3], height=row.height, from_totals=True))


# --- entry point ------------------------------------------------------------------------------

def extract_line_items(doc: ReadDocument, layout: Layout | None = None) -> LineItemsResult:
    """The bill's line items, each with confidence and evidence; warnings for doubtful rows.
    `layout` is the page model's rows of the document (made here when not given)."""
    layout = layout or Layout.of(doc)
    reader = _TableReader(doc, layout)
    drafts = reader.read()
    _repair_misread_amount(drafts, reader.totals)
    warnings = list(reader.warnings)
    headerless = False
    if not drafts:
        drafts = _receipt_items(layout)
        headerless = bool(drafts)
    drafts = _choose_amounts(drafts)
    items = []
    for draft in drafts:
        item, warning = _finish(draft, headerless)
        if item is not None:
            items.append(item)
        if warning:
            warnings.append(warning)
    return LineItemsResult(items=items, warnings=warnings,
                           sum_from_totals=any(d.from_totals for d in drafts))


def _choose_amounts(drafts: list[_Draft]) -> list[_Draft]:
    """With two money columns (net and gross), keep the one that is quantity x unit price."""
    if not any(d.amount_alt is not None for d in drafts):
        return drafts
    fits_main = sum(1 for d in drafts if _fits(d.quantity, d.unit_price, d.amount))
    fits_alt = sum(1 for d in drafts if _fits(d.quantity, d.unit_price, d.amount_alt))
    if fits_alt > fits_main:
        for draft in drafts:
            draft.amount, draft.amount_alt = draft.amount_alt, draft.amount
    return drafts


def _fits(qty: Decimal | None, price: Decimal | None, amount: Decimal | None) -> bool:
    if qty is None or price is None or amount is None:
        return False
    return abs(qty * price - amount) <= Decimal("0.011") * max(Decimal(1), abs(qty))


def _joined(parts: list[str]) -> str:
    """A description's lines as one text: a line printed twice (above and below the figures)
    once, a word broken at a hyphen ("MUELLSACK-" / "EXTRASTARK-BLAU") whole."""
    text = ""
    seen: set[str] = set()
    for part in (p.strip() for p in parts):
        if not part or part in seen:
            continue
        seen.add(part)
        glued = len(text) > 1 and text.endswith("-") and text[-2].isalnum() \
            and (part[0].isalnum() or part[0] in "([")
        text = f"{text}{part}" if glued or not text else f"{text} {part}"
    return text


def _finish(draft: _Draft, headerless: bool) -> tuple[ExtractedLineItem | None, str | None]:
    description = _joined(draft.description)
    if not description:
        return None, None
    warning = None
    qty, price, amount = draft.quantity, draft.unit_price, draft.amount
    if qty is None and price is None:
        confidence = 0.55
    elif _fits(qty, price, amount):
        confidence = 0.95
    elif qty is not None and price is not None and amount is not None:
        confidence = 0.35
        warning = f"line item {description[:40]!r}: {qty} x {price} != {amount}"
    else:
        confidence = 0.6
    if qty is None and amount is not None and price is not None and price != 0:
        ratio = amount / price
        if ratio == ratio.to_integral_value():
            qty = ratio
    if price is None and qty is not None and qty > 0 and amount is not None:
        derived = amount / qty
        if derived == derived.quantize(Decimal("0.01")):
            price = derived.quantize(Decimal("0.01"))
    if headerless:
        confidence *= 0.85
    box = (min(b[0] for b in draft.boxes), min(b[1] for b in draft.boxes),
           max(b[2] for b in draft.boxes), max(b[3] for b in draft.boxes))
    evidence = Evidence(source="ocr" if draft.source == "ocr" else "text", page=draft.page,
                        bbox=tuple(round(v, 2) for v in box),  # type: ignore[arg-type]
                        text=description)
    return ExtractedLineItem(
        description=description, quantity=qty, unit=draft.unit, unit_price=price,
        amount=amount, tax_rate=draft.tax_rate, confidence=round(confidence, 3),
        evidence=evidence,
    ), warning
