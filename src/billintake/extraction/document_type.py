"""What a printed document is: invoice, credit note or receipt.

A credit note says so in its title or its number label ("CREDIT NOTE", "Gutschriftsnummer:",
"Avoir n° 12", "Creditnota"), above the items table. A credit *line* inside an invoice
("Gutschrift Rücksendung", "Avoir retour marchandise") does not make it one: only a title or
a label (the term alone, or followed by a number word or an identifier) above the items table
counts, and when an invoice title is also there the larger print wins. Its amounts stay as
printed; `domain.kinds` says how the books take a credit note (a vendor credit, negative).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from billintake.domain.extracted import DocumentType, Evidence, FieldValue

from .layout import Layout, Segment

# Terms in compact form (lower case, no accents, spaces or punctuation), longest first.
CREDIT_NOTE_TERMS = (
    "creditmemorandum", "creditnotice", "creditinvoice", "creditnote", "creditmemo",
    "gutschriftsanzeige", "stornorechnung", "gutschrift",
    "facturedavoir", "notedecredit", "notedavoir", "avoir",
    "creditfactuur", "creditnota", "kredietnota",
)
INVOICE_TERMS = (
    "commercialinvoice", "taxinvoice", "vatinvoice", "invoice",
    "rechnung", "facture", "factuur",
)
# Words that may follow a title to make it a number label ("Credit note no.", "Avoir n°").
NUMBER_WORDS = frozenset({"no", "nr", "n", "n°", "no°", "#", "num", "number", "nummer", "numero",
                          "ref", "id", "nbr"})
# Glued to the term in one word: "Gutschriftsnummer", "Creditnotanummer", "Gutschriftnr".
NUMBER_SUFFIXES = ("snummer", "nummer", "snr", "nr", "no", "number")
CREDIT_SIZE_RATIO = 0.9  # a credit title at least this large against the largest invoice title

_RECEIPT_RE = re.compile(r"receipt|quittung|kassenbon|kassenbeleg|reçu|ticket de caisse|"
                         r"kassabon|kassaticket|bon\b")
_INVOICE_RE = re.compile(r"invoice|rechnung|facture|factuur")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    """Words without punctuation ("d'avoir" → "d", "avoir"; "CN-11" → "cn11")."""
    words = re.split(r"[\s']+", _plain(text))
    return [t for t in (re.sub(r"[^a-z0-9°#]", "", w) for w in words) if t]


def title_term(text: str, terms: Iterable[str]) -> str | None:
    """The term `text` starts with as a title or number label, else None.

    "CREDIT NOTE", "Credit note no.:", "Credit note CN-7", "Gutschriftsnummer:" match
    "creditnote"/"gutschrift"; "Gutschrift Rücksendung" and "Credit for returns" do not.
    """
    tokens = _tokens(text)
    for term in terms:
        for k in range(1, min(4, len(tokens)) + 1):
            head, rest = "".join(tokens[:k]), tokens[k:]
            if head == term:
                if not rest or (len(rest) <= 2 and (rest[0] in NUMBER_WORDS
                                                    or any(c.isdigit() for c in rest[0]))):
                    return term
                break
            if head.startswith(term) and head[len(term):] in NUMBER_SUFFIXES and len(rest) <= 2:
                return term
            if len(head) >= len(term):
                break
    return None


def _above_items(layout: Layout, table_rows: set[tuple[int, int]]) -> list[Segment]:
    """The first page's segments above its items table (all of it when there is none)."""
    if not layout.pages:
        return []
    first = layout.pages[0]
    number = first.page.number
    starts = [row for page, row in table_rows if page == number]
    limit = min(starts) if starts else len(first.rows)
    return [seg for seg in first.segments if seg.row < limit]


def document_type(layout: Layout, table_rows: set[tuple[int, int]]
                  ) -> FieldValue[DocumentType]:
    """Credit note, receipt or invoice, from the titles and number labels above the items."""
    segments = _above_items(layout, table_rows)
    credit = [s for s in segments if title_term(s.text, CREDIT_NOTE_TERMS)]
    invoice = [s for s in segments if title_term(s.text, INVOICE_TERMS)
               and not title_term(s.text, CREDIT_NOTE_TERMS)]
    if credit:
        best = max(credit, key=lambda s: s.font_size)
        largest_invoice = max((s.font_size for s in invoice), default=0.0)
        if best.font_size >= CREDIT_SIZE_RATIO * largest_invoice:
            evidence = Evidence(source="ocr" if best.source == "ocr" else "text", page=best.page,
                                bbox=(round(best.x0, 2), round(best.top, 2), round(best.x1, 2),
                                      round(best.bottom, 2)), text=best.text)
            return FieldValue[DocumentType](value="credit_note", confidence=0.9,
                                            evidence=evidence)
    head = " ".join(seg.text for seg in layout.segments[:40]).lower()
    kind: DocumentType = "receipt" if _RECEIPT_RE.search(head) and not _INVOICE_RE.search(
        head) else "invoice"
    return FieldValue[DocumentType](value=kind, confidence=0.7)

