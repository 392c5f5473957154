"""Where one bill ends and the next begins in a file of several: page ranges from page evidence.

Each page gets a few observations (its "page k of N" mark, its bill number, whether it carries
a bill header or closing totals, whether it is blank, the words of its header band). Between
two pages a score adds weighted features; a positive score starts a new bill. Blank pages
separate bills and belong to none. A bill continued over pages ("page 2 of 3", no new header,
the same bill number) scores negative and is kept whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from billintake.reading.document import Page, ReadDocument

PageRange = tuple[int, int]  # first and last page, 1-based, inclusive

_PAGE_OF = re.compile(
    r"\b(?:page|seite|pagina|página|blatt|p\.)\s*(\d{1,3})\s*(?:of|von|sur|de|di|van|/)\s*(\d{1,3})\b",
    re.IGNORECASE)
_PAGE_SLASH = re.compile(r"^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$")
_NUMBER_LABEL = re.compile(
    r"\b(?:invoice|bill|receipt|rechnung|rechnungs|facture|factuur|fattura|factura|beleg)"
    r"\s*[-\s]?(?:no\.?|nr\.?|n°|n[ºo]\.?|number|nummer|num[eé]ro|#)\s*[:.]?\s*"
    r"([A-Z0-9][A-Z0-9/\-_.]{2,})",
    re.IGNORECASE)
_TITLE = re.compile(
    r"^\s*(?:tax\s+)?(?:invoice|bill|receipt|rechnung|facture|factuur|fattura|factura|"
    r"gutschrift|credit\s+note|avoir)\b",
    re.IGNORECASE)
_TOTAL = re.compile(
    r"\b(?:total\s+due|amount\s+due|balance\s+due|grand\s+total|total\s+amount|invoice\s+total|"
    r"total\s+ttc|net\s+[àa]\s+payer|gesamtbetrag|rechnungsbetrag|zahlbetrag|endbetrag|"
    r"gesamtsumme|te\s+betalen|totaal|total)\b",
    re.IGNORECASE)
_CONTINUED = re.compile(r"\b(?:continued|fortsetzung|suite|carried\s+forward|übertrag|"
                        r"\(cont(?:'d|\.)?\)|vortrag)\b", re.IGNORECASE)

HEADER_BAND = 0.25  # the top quarter of a page is where a bill's vendor block and title are


@dataclass
class PageEvidence:
    """What one page says about where it sits in a bill."""

    number: int
    blank: bool
    page_of: tuple[int, int] | None = None
    bill_numbers: set[str] = field(default_factory=set)
    title: bool = False
    totals: bool = False
    continued: bool = False
    header_words: set[str] = field(default_factory=set)
    word_count: int = 0


def observe(page: Page) -> PageEvidence:
    """The split-relevant observations of one read page."""
    words = [w for w in page.words if w.text.strip()]
    evidence = PageEvidence(number=page.number, blank=len(words) < 3, word_count=len(words))
    if evidence.blank:
        return evidence
    lines = [line.text for line in page.lines] or [" ".join(w.text for w in words)]
    for line in lines:
        match = _PAGE_OF.search(line) or _PAGE_SLASH.match(line)
        if match and evidence.page_of is None:
            k, n = int(match.group(1)), int(match.group(2))
            if 1 <= k <= n <= 200:
                evidence.page_of = (k, n)
        for number in _NUMBER_LABEL.findall(line):
            if any(ch.isdigit() for ch in number):
                evidence.bill_numbers.add(_norm(number))
        if _TOTAL.search(line):
            evidence.totals = True
        if _CONTINUED.search(line):
            evidence.continued = True
    band = page.height * HEADER_BAND
    top_lines = [line for line in page.lines if line.words and line.words[0].top <= band]
    evidence.title = any(_TITLE.search(line.text) for line in top_lines[:12])
    evidence.header_words = {_norm(w.text) for w in words
                             if w.top <= band and len(w.text) > 2 and not _has_digit(w.text)}
    return evidence


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def boundary_score(previous: PageEvidence, page: PageEvidence, first: PageEvidence) -> float:
    """Evidence that `page` starts a new bill after `previous` (`first`: the current bill's
    first page). Positive: a new bill; zero or negative: the same bill continues."""
    score = 0.0
    # "page k of N" marks are the strongest signal either way.
    if page.page_of is not None:
        k, _ = page.page_of
        score += 4.0 if k == 1 else -4.0
    if previous.page_of is not None:
        k, n = previous.page_of
        score += 4.0 if k == n else -3.0
    # Bill numbers: a different one starts a new bill, the same one continues.
    if page.bill_numbers and previous.bill_numbers | first.bill_numbers:
        if page.bill_numbers & (previous.bill_numbers | first.bill_numbers):
            score -= 1.0 if previous.totals else 3.0  # a closed bill repeated: a duplicate
        else:
            score += 3.0
    elif page.bill_numbers and not (previous.bill_numbers or first.bill_numbers):
        score += 0.5
    # A bill header (title in the top band) on the page; totals closing the previous one.
    score += 1.5 if page.title else -1.0
    score += 1.0 if previous.totals else -1.5
    if previous.continued:
        score -= 2.0
    # A change of layout: the header band's words unlike the current bill's first page.
    if len(page.header_words) >= 3 and len(first.header_words) >= 3:
        similarity = _jaccard(page.header_words, first.header_words)
        if similarity < 0.15:
            score += 1.0
        elif similarity > 0.6 and not page.bill_numbers:
            # The first page's header again: after closing totals, the vendor's next bill;
            # otherwise a continuation page repeating its header.
            score += 1.5 if previous.totals else -1.0
    if page.page_of is None and not page.title and not page.bill_numbers:
        score -= 0.5  # a page without any header evidence reads as a continuation
    return score


def split_pages(document: ReadDocument) -> list[PageRange]:
    """The bills' page ranges in a read document, in page order (at least one range when any
    page has words; blank pages belong to no bill)."""
    observed = [observe(page) for page in document.pages]
    ranges: list[PageRange] = []
    start: PageEvidence | None = None
    last: PageEvidence | None = None
    for evidence in observed:
        if evidence.blank:
            if start is not None and last is not None:
                ranges.append((start.number, last.number))
            start = last = None
            continue
        if start is None or last is None:
            start = last = evidence
            continue
        if boundary_score(last, evidence, start) > 0:
            ranges.append((start.number, last.number))
            start = evidence
        last = evidence
    if start is not None and last is not None:
        ranges.append((start.number, last.number))
    if not ranges and document.pages:
        ranges.append((document.pages[0].number, document.pages[-1].number))
    return ranges


def pages_of(document: ReadDocument, pages: PageRange) -> ReadDocument:
    """The document restricted to a page range, its pages renumbered from 1."""
    first, last = pages
    chosen = [page.model_copy(update={"number": page.number - first + 1})
              for page in document.pages if first <= page.number <= last]
    return document.model_copy(update={"pages": chosen})
