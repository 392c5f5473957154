"""The vendor block: who issued the bill, and never the business it is addressed to.

Every short name-like phrase is a candidate; its features say what makes issuers stand out —
top of the first page, the largest or bold text, a legal form ("GmbH", "B.V."), an address and
registration numbers beneath it, a footer with the company's registration, a "From"/"Remit to"/
"Account holder" label, a match with the e-mail or web domain printed on the bill. A candidate
inside a "Bill to"/"Ship to"/"Customer" block is the buyer and loses.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from billintake.reading.document import Word

from .header import (
    _PLACE_DATE_RE,
    Candidate,
    DocContext,
    _box,
    _colon_after,
    party_headings,
    party_section,
    vendor_label_segments,
)
from .labels import CUSTOMER_KEYS, LABELS, VENDOR_KEYS
from .layout import Layout, Segment
from .parsing import find_ibans
from .vocabulary.business_words import BUSINESS_WORDS, MIN_LENGTH, TRADE_PHRASES
from .vocabulary.free_mail import NO_VENDOR_NAMES
from .vocabulary.legal_forms import LEGAL_FORM_PATTERN, MISREAD_FORMS, PAIRED_FORMS
from .vocabulary.lookalikes import IN_CAPITALS
from .vocabulary.normalize import compact, one_letter_off
from .vocabulary.streets import HOUSE_STREET_ENDINGS, STREET_ENDINGS, STREET_WORDS

_LEGAL_RE = re.compile(rf"(?<![\w])({LEGAL_FORM_PATTERN})(?![\w])", re.IGNORECASE)
_LEGAL_TAIL_RE = re.compile(rf"[\s,]+({LEGAL_FORM_PATTERN})\s*$", re.IGNORECASE)
_DOC_TITLE_RE = re.compile(
    r"^((simplified\s*)?tax\s*invoice|invoice|bill|receipt|payment\s+receipt|credit\s+note|rechnung|quittung|"
    r"gutschrift|facture|reçu|avoir|factuur|kwitantie|bon|statement)\b[.:]?\s*", re.IGNORECASE)
_REJECT_WORDS_LIST = (
    "details", "description", "summary", "information", "payment", "receipt", "invoice", "bill",
    "statement", "page", "tel", "telephone", "phone", "fax", "email", "e-mail", "iban", "bic",
    "swift", "account", "bank", "thank", "thanks", "customer", "www", "total", "subtotal",
    "date", "quantity", "qty", "price", "amount", "tax", "vat", "number", "order", "delivery",
    "shipping", "item", "items", "unit", "rate", "net", "gross", "terms", "due", "balance",
    "paid", "cash", "change", "card", "rechnung", "datum", "menge", "preis", "betrag", "summe",
    "steuer", "kunde", "seite", "bestellung", "facture", "montant", "quantité", "prix",
    "client", "commande", "livraison", "paiement", "factuur", "bedrag", "aantal", "prijs",
    "klant", "bestelling", "betaling", "levering", "omschrijving", "beschreibung",
    "bezeichnung", "désignation", "libellé", "eenheid", "einheit", "unité", "artikel",
    "article", "leistung", "stück", "menge", "qté", "aantal", "hours", "uom", "sku", "code",
    # till slips: payment, tax and counter words, and the closing greeting
    "pin", "contant", "especes", "espèces", "visa", "mastercard", "amex", "debit", "eftpos",
    "contactless", "girocard", "kartenzahlung", "rounding", "adj", "gst", "mwst", "btw", "tva",
    "ust", "totaal", "rendu", "rückgeld", "kasse", "cashier", "salesperson", "steward",
    "danke", "dank", "merci", "bedankt", "einkauf", "visite", "savings", "tendered", "ph",
    "amt", "please", "again", "wiedersehen", "bientôt", "bientot", "graag"
)
_REJECT_WORDS = frozenset(compact(w) for w in _REJECT_WORDS_LIST)
_TRADE_PHRASE_RE = re.compile("|".join(re.escape(p) for p in TRADE_PHRASES), re.IGNORECASE)
_ADDRESS_RE = re.compile(
    r"\b\d{4,6}\b|\b\d{4}\s?[A-Z]{2}\b|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s\d[A-Z]{2}\b|"
    rf"\b({'|'.join(STREET_WORDS)})\b\.?|"
    # a compound street name: "Hauptstr.", "Bahnhofstraße", "Kerkstraat", "Lindenallee"
    rf"\b[A-Za-zÀ-ÿ]{{3,}}(?:{'|'.join(STREET_ENDINGS)}|str\.|str(?=\s+\d|\s*$))(?=\W|$)|"
    # other compounds only with a house number, or standing alone ("Lindenallee 4")
    rf"\b[A-Za-zÀ-ÿ]{{3,}}(?:{'|'.join(HOUSE_STREET_ENDINGS)})(?=\s+\d)|"
    rf"^\s*[A-Za-zÀ-ÿ]{{3,}}(?:{'|'.join(HOUSE_STREET_ENDINGS)})\.?\s*$|"
    # a house number and its comma opening the line: "No. 53, Jalan Sagu", "NO.31G,JALAN"
    r"^\s*no\.?\s?\d[\w./-]*\s*,",
    re.IGNORECASE)
# A house number opening the line ("No. 1 Pizza Ltd" is a name, but "NO.59 JALAN PERM AS"
# is an address whatever legal form it seems to end with)
_HOUSE_NUMBER_RE = re.compile(r"^\s*no\.?\s?\d", re.IGNORECASE)
_REGISTRATION_RE = re.compile(
    r"\b(siret|siren|rcs|rsc|kvk|hrb|hra|handelsregister|amtsgericht|registered|"
    r"company\s+no|company\s+number|reg\.?\s*no|capital|ust-?id|vat|tva|btw|gstin|cin|abn|"
    r"geschäftsführer|siège|steuernummer|registergericht|chamber of commerce|"
    r"uen|fssai|gst\s+reg|st\.?-?nr|mwst)\b|"
    r"\(\d{5,8}-[A-Z]\)",  # a Malaysian company number under the name: "(123456-X)"
    re.IGNORECASE)
_DOMAIN_RE = re.compile(r"(?:[\w.+-]+@|www\.|https?://)([\w-]+(?:\.[\w-]+)*)", re.IGNORECASE)

WEIGHTS = {
    "top_zone": 0.45, "font_rel": 0.3, "bold": 0.1, "legal_form": 0.35, "domain_match": 0.7,
    "address_below": 0.3, "block_first": 0.2, "registration_near": 0.5, "vendor_label": 0.6,
    "repeats": 0.1,
    "in_customer_block": -1.2, "sentence_like": -0.4, "customer_label_near": -0.3,
    "price_on_row": -0.6, "ocr_doubt": -1.0, "tiny": -0.3,
    # one line of a name printed over two ("POPULAR BOOK" / "CO. (M) SDN BHD"): the whole
    # name is the other candidate
    "wrapped_part": -0.5,
    # in the block under a "Seller"/"Verkäufer" or a "Buyer"/"Käufer" heading (a labelled
    # field list: "Name:  Musterbetrieb AG"): as a vendor label beside it, as the buyer's block
    "vendor_section": 0.6, "buyer_section": -1.2,
}
GLUED_LENGTH = 14  # capitals this long with a word of trade inside are words run together
_LONGEST_FIRST = sorted(BUSINESS_WORDS, key=lambda word: (-len(word), word))  # (a fixed order)
OCR_DOUBT = 0.6  # mean word confidence below which an OCR'd phrase is likely a logo or a smear
SPECK = 0.2  # an OCR'd word this unsure at either end of a line is noise, not part of a name
# A price printed on the same row: an item or a totals line of a slip, not a company name.
_PRICE_RE = re.compile(r"^[-(]?\s?(?:[$€£₹]|[A-Z]{2,3}\$?)?\s?\d{1,3}(?:[,.' ]\d{3})*[.,]\d{2}"
                       r"(?:\s?(?:[$€£]|[A-Z]{1,3}))?\)?-?$")


# Words that name a party or a name's kind rather than being a name: a placeholder or label
# line ("SELLER TRADE NAME", "CLIENT NOM COMMERCIAL", "Buyer contact name") is mostly these,
# a company's name seldom is (with the party labels of the lexicon, `labels.py`).
ROLE_WORDS = frozenset({
    "name", "names", "trade", "tradename", "legal", "company", "business", "contact", "dep",
    "department", "nom", "commercial", "raison", "sociale", "enseigne", "société", "societe",
    "firma", "firmenname", "handelsname", "unternehmen", "naam", "bedrijfsnaam", "handelsnaam",
    "line", "ligne", "zeile", "address", "adresse", "adres", "tax", "rep", "representative",
    "représentant", "fiscal", "vertreter"})
_PARTY_WORDS = frozenset(key for key in VENDOR_KEYS | CUSTOMER_KEYS if len(key) >= 4)


def role_share(name: str) -> float:
    """The share of a name's words that name a party or a kind of name (`ROLE_WORDS`)."""
    words = [compact(w) for w in re.split(r"[\s,;/]+", name) if compact(w)]
    if not words:
        return 0.0
    return sum(w in ROLE_WORDS or w in _PARTY_WORDS for w in words) / len(words)


@dataclass
class _Phrase:
    text: str
    seg: Segment
    features: dict[str, float]


def vendor_candidates(ctx: DocContext) -> list[Candidate]:
    """Vendor name candidates, best first; the same name seen twice is one candidate."""
    domains = _document_domains(ctx)
    phrases: list[_Phrase] = []
    labelled = {id(seg): n for seg, n in vendor_label_segments(ctx.layout)}
    headings = party_headings(ctx.layout)
    for page_layout in ctx.layout.pages:
        max_font = max((s.font_size for s in page_layout.segments if not _doubtful(s)),
                       default=10.0) or 10.0
        page_height = page_layout.page.height or 842.0
        absorbed: set[int] = set()  # words a name on their left already took in
        for seg in page_layout.segments:
            if seg.words and all(id(w) in absorbed for w in seg.words):
                continue  # "SARL" split off "CAVE DES HALLES  SARL" is no name of its own
            label_words = labelled.get(id(seg))
            if label_words and (_named_after_label(seg, label_words) or
                                _opens_sentence(seg, label_words)):
                label_words = None  # "Lieferant GmbH & Co. KG": a name, not a label
            words = seg.words[label_words:] if label_words else _joined_words(ctx, seg)
            absorbed.update(id(w) for w in words[len(seg.words):])
            name = clean_name(" ".join(w.text for w in _trim_doubtful(words)))
            if label_words and not name:
                below = _next_in_column(ctx, seg)
                if below is not None:
                    phrases.extend(_phrase(ctx, below, clean_name(below.text), max_font,
                                           page_height, domains, headings, vendor_label=True))
                continue
            wrapped = _wrapped_name(ctx, seg, name) if name and not label_words else None
            if name:
                found = _phrase(ctx, seg, name, max_font, page_height, domains,
                                headings, vendor_label=bool(label_words))
                for phrase in found:
                    phrase.features["wrapped_part"] = float(
                        wrapped is not None or continues_above(ctx.layout, seg, name))
                phrases.extend(found)
            if wrapped is not None:
                found = _phrase(ctx, seg, wrapped, max_font, page_height, domains,
                                headings, vendor_label=False)
                above = continues_above(ctx.layout, seg, wrapped)
                for phrase in found:
                    phrase.features["wrapped_part"] = float(above)
                phrases.extend(found)
            if label_words and not _colon_after(seg, label_words):
                # "FOURNISSEUR F", "Supplier Direct Ltd": the label word may be the name's
                whole = clean_name(" ".join(w.text for w in _joined_words(ctx, seg)))
                if whole and whole != name:
                    phrases.extend(_phrase(ctx, seg, whole, max_font, page_height, domains,
                                           headings, vendor_label=False))
    merged: dict[str, Candidate] = {}
    counts: dict[str, int] = {}
    for phrase in phrases:
        key = vendor_name_key(phrase.text)
        if not key:
            continue
        counts[key] = counts.get(key, 0) + 1
        candidate = merged.get(key)
        if candidate is None:
            merged[key] = Candidate(
                field="vendor_name", value=phrase.text, text=phrase.seg.text,
                page=phrase.seg.page, bbox=_box(phrase.seg.words), source=phrase.seg.source,
                features=dict(phrase.features))
        else:
            for name, value in phrase.features.items():
                if name in {"in_customer_block", "sentence_like", "buyer_section"}:
                    candidate.features[name] = min(candidate.features.get(name, 0.0), value)
                else:
                    candidate.features[name] = max(candidate.features.get(name, 0.0), value)
            if (phrase.seg.page == 1 and candidate.page != 1) or (
                    _LEGAL_RE.search(phrase.text) and not _LEGAL_RE.search(str(candidate.value))):
                candidate.value, candidate.bbox = phrase.text, _box(phrase.seg.words)
                candidate.page, candidate.text = phrase.seg.page, phrase.seg.text
    out = []
    for key, candidate in merged.items():
        candidate.features["repeats"] = float(min(3, counts[key] - 1))
        candidate.score = round(sum(WEIGHTS.get(n, 0.0) * v
                                    for n, v in candidate.features.items()), 4)
        out.append(candidate)
    out.sort(key=lambda c: c.score, reverse=True)
    return out


def _phrase(ctx: DocContext, seg: Segment, name: str, max_font: float, page_height: float,
            domains: list[str], headings: list[tuple[str, Segment]], *, vendor_label: bool
            ) -> list[_Phrase]:
    if not name or not _name_like(name) or (_STREET_LINE_RE.search(seg.text.strip())
                                            and not _LEGAL_RE.search(name)):
        return []  # "12 Main Street", but not "99 SPEED MART S/B"
    if seg.text.rstrip().endswith(":") or _PLACE_DATE_RE.match(seg.text):
        return []  # a field's label ("Nummer:"), a letter's place and date ("Paris, le 3 mai")
    if role_share(name) >= 1.0:
        return []  # a label or placeholder line: "SELLER TRADE NAME" (its "TRADE NAME" too)
    at = seg.text.find(name)
    rest = seg.text[at + len(name):].strip(" |") if at >= 0 else ""
    if not rest:  # the postcode may stand apart on the row
        following = sorted((s for s in ctx.layout.page(seg.page).rows[seg.row]
                            if s.x0 > seg.x1), key=lambda s: s.x0)
        rest = " ".join(s.text for s in following[:2]).strip(" |")
    if _POSTCODE_AFTER_RE.match(rest) and not _LEGAL_RE.search(name):
        return []  # "Mumbai - 560001", "Leeds, 12345": a town with its postcode
    if rest == ":":
        return []  # a label whose colon OCR set apart ("Owned By :")
    y_rel = seg.top / page_height
    first_page = seg.page == 1
    section = party_section(ctx.layout, seg, headings)
    features = {
        "top_zone": float(first_page and y_rel < 0.25) * (1.0 - y_rel),
        "font_rel": min(1.0, seg.font_size / max_font),
        "bold": float(seg.bold),
        "legal_form": float(_legal_after_first_word(name)),
        "domain_match": domain_match(name, domains),
        "address_below": float(_address_below(ctx, seg)),
        "block_first": float(_first_in_block(ctx, seg)),
        "registration_near": float(_registration_near(ctx, seg)),
        "vendor_label": float(vendor_label),
        "vendor_section": float(section == "vendor"),
        "buyer_section": float(section == "buyer"),
        "in_customer_block": float(ctx.in_customer_block(seg.page, seg.bbox)),
        "sentence_like": float(_sentence_like(seg.text, name)),
        "price_on_row": float(_price_on_row(ctx, seg)),
        "ocr_doubt": float(_doubtful(seg)),
        # two letters or fewer, not in capitals ("Th"): a fragment rather than a name ("BP")
        "tiny": float(sum(c.isalpha() for c in name) <= 2 and not name.isupper()),
        "y_rel": y_rel,
        "first_page": float(first_page),
    }
    return [_Phrase(name, seg, features)]


# How a name's second line begins when it goes on from the first: a legal form ("CO. (M) SDN
# BHD", "GmbH"), an ampersand ("& TEA LEAF"), or the rest of a bracket ("ALAM) SDN BHD").
_GOES_ON_RE = re.compile(rf"^\s*(?:&|\+|and\b|[^()]*\)|\(?({LEGAL_FORM_PATTERN})(?![\w]))",
                         re.IGNORECASE)


def goes_on(first: str, second: str) -> bool:
    """The second line continues the first as one name: the first is cut ("HARDWARE &",
    "ENTERPRISE (SETIA") or the second opens with what only follows a name, or is a legal
    form or opens with a word of trade below a name without one."""
    return _unfinished(first) or bool(_GOES_ON_RE.match(second)) or (
        bool(_LEGAL_RE.search(second) or _opens_with_trade(second)) and
        not _LEGAL_RE.search(first) and len(second.split()) <= 6 and
        second.isupper() == first.isupper())


def _opens_with_trade(line: str) -> bool:
    """A line that opens with a word of trade ("TRADING", "ENTERPRISE SETIA"): the rest of a
    name ("TSH POWER HARDWARE" / "TRADING"), not a name of its own."""
    words = line.split()
    return bool(words) and words[0].upper().strip(".,") in BUSINESS_WORDS


def line_below(layout: Layout, seg: Segment) -> Segment | None:
    """The next line of a name's block: one row down, close, centred on it or aligned."""
    found = _column_below(layout, seg, 1)
    if not found or found[0].top - seg.bottom > 1.0 * seg.height:
        return None
    return found[0]


def _wrapped_name(ctx: DocContext, seg: Segment, name: str) -> str | None:
    """The name with the line under it, when that line goes on with it (two lines, or three
    when the second is cut too: "AIK HUAT HARDWARE" / "ENTERPRISE (SETIA" / "ALAM) SDN BHD")."""
    if any(c.isdigit() for c in name):
        return None
    parts, current = [name], seg
    for _ in range(2):
        below = line_below(ctx.layout, current)
        if below is None or any(c.isdigit() for c in below.text) or ":" in below.text:
            break  # numbers, or a label ("OWN BY: CHEF LEE SDN BHD"): not the same name
        following = clean_name(below.text)
        ahead = following
        if _unfinished(following):  # judge a cut second line with the line that ends it
            third = line_below(ctx.layout, below)
            if third is not None and not any(c.isdigit() for c in third.text):
                ahead = f"{following} {clean_name(third.text)}"
        if not following or not goes_on(parts[-1], ahead) or \
                _REGISTRATION_RE.search(below.text):
            break
        parts.append(following)
        current = below
        if not _unfinished(following):
            break
    if len(parts) == 1:
        return None
    joined = clean_name(" ".join(parts))  # "... SDN BHD" + "(CO.REG": the label ends it
    if joined == name:
        return None
    return joined if len(joined) <= 60 and _name_like(joined) else None


def _legal_after_first_word(name: str) -> bool:
    """A legal form in the name after its first word: "KG.BATU" (Kampung Batu, a village)
    begins with a form's letters but is no company."""
    words = name.split()
    return bool(_LEGAL_RE.search(name, len(words[0]) if words else 0))


def continues_above(layout: Layout, seg: Segment, name: str) -> bool:
    """This line goes on from a name-like line right above it ("CO. (M) SDN BHD")."""
    rows = layout.page(seg.page).rows
    if seg.row == 0:
        return False
    for above in rows[seg.row - 1]:
        if line_below(layout, above) is seg:
            first = clean_name(above.text)
            return bool(first) and not any(c.isdigit() for c in first) and goes_on(first, name)
    return False


def _unfinished(name: str) -> bool:
    """A line cut inside a name: "HARDWARE &", "ENTERPRISE (SETIA"."""
    return name.rstrip().endswith(("&", "(", "-", ",", "/")) or name.count("(") > name.count(")")


def _named_after_label(seg: Segment, label_words: int) -> bool:
    """A vendor label word that is the name itself: no colon after it, and only a legal form
    follows ("Lieferant GmbH & Co. KG")."""
    if seg.words[label_words - 1].text.endswith(":") or (
            label_words < len(seg.words) and seg.words[label_words].text.startswith(":")):
        return False
    rest = " ".join(w.text for w in seg.words[label_words:])
    return bool(rest.strip()) and not _LEGAL_RE.sub("", rest).strip(" .,&")


# More words than this after a vendor label with no colon: a sentence the label word opens
# ("FOURNISSEUR F SARL au capital de 50 000 EUR - RCS ..."), where it is no label.
LABEL_SENTENCE_WORDS = 8


def _opens_sentence(seg: Segment, label_words: int) -> bool:
    """A vendor label word with no colon, followed by a long phrase: the opening word of a
    sentence (a footer's legal mention), not a label of the name after it."""
    return not _colon_after(seg, label_words) and \
        len(seg.words) - label_words > LABEL_SENTENCE_WORDS


def _trim_doubtful(words: list[Word]) -> list[Word]:
    """Without the specks OCR read at either end of a line ("recreates LOTUS DELI")."""
    start, end = 0, len(words)
    while start < end and _speck(words[start]):
        start += 1
    while end > start and _speck(words[end - 1]):
        end -= 1
    return words[start:end] if start < end else words


def _speck(word: Word) -> bool:
    """Noise read at the edge of a line: very unsure, or unsure and in lower case."""
    if word.source != "ocr":
        return False
    return word.confidence < SPECK or (word.confidence < 2 * SPECK and word.text.islower())


def _doubtful(seg: Segment) -> bool:
    """OCR read it with little confidence: a logo's shapes or a smear, not printed text."""
    if seg.source != "ocr" or not seg.words:
        return False
    return sum(w.confidence for w in seg.words) / len(seg.words) < OCR_DOUBT


def _price_on_row(ctx: DocContext, seg: Segment) -> bool:
    tail = seg.text.split()[-1] if seg.text.split() else ""
    if len(seg.words) > 1 and _PRICE_RE.match(tail):
        return True
    row = ctx.layout.page(seg.page).rows[seg.row]
    return any(other.x0 > seg.x1 and _PRICE_RE.match(other.text.strip()) for other in row)


def _joined_words(ctx: DocContext, seg: Segment) -> list[Word]:
    """The segment's words plus name pieces a wide gap split off ("Kestrel Logistics  Co.")."""
    words = list(seg.words)
    row = sorted(ctx.layout.page(seg.page).rows[seg.row], key=lambda s: s.x0)
    following = [s for s in row if s.x0 > seg.x1]
    for nxt in following[:2]:
        text = nxt.text
        if nxt.x0 - words[-1].x1 > 2.2 * seg.height or len(nxt.words) > 3:
            break
        if any(c.isdigit() for c in text) or ":" in text or "@" in text:
            break
        if _DOC_TITLE_RE.match(text) or any(compact(w) in _REJECT_WORDS for w in text.split()):
            break
        if not (_LEGAL_RE.fullmatch(text.strip(" ,")) or text[:1].isupper()):
            break
        words.extend(nxt.words)
    return words


# A company's registration number printed after its name: "(519537-X)", "(139386 X)",
# "862725-U", "(CO. NO:20154-T)", "BHD(728384-M)"; four digits or more, an optional check letter.
_COMPANY_NUMBER_RE = re.compile(
    r"(?:\(|(?<![\w/.-]))\s*(?:co\.?\s*(?:reg\.?\s*)?no\.?\s*:?\s*)?\d{4,}(?:[-\s]?[A-Z])?"
    r"\s*\)?(?![\w/.-])"
    # in brackets, its first digit read by OCR as a letter: "BHD(I39386X)"
    r"|\(\s*[IlO]?\d{4,}[-\s]?[A-Z]?\s*\)", re.IGNORECASE)


# A registration number whose digits OCR read partly as their look-alike letters ("BOZ7Z5-U"
# for 802725-U): digits and look-alikes of digits (one at least), two real digits at least, a
# check letter.
_MISREAD_NUMBER_RE = re.compile(
    r"\s\(?(?=(?:[A-Z]*\d){2})(?=\d*[OIlZSB])[0-9OIlZSB]{5,8}\s?-\s?[A-Z]\)?$")
_REGISTRATION_LABEL_RE = re.compile(
    r"\s*\(\s*(?:co\.?\s*(?:reg|no)|company\s*(?:reg|no)|roc|gst)\b[^)]*$", re.IGNORECASE)
_ZEROS_IN_WORD_RE = re.compile(r"(?<=[A-Z])0+(?=[A-Z])")
# A form of three letters or more at the end of a name, with OCR's spaces inside ("bh d").
_SPLIT_FORM_END_RE = re.compile(
    r"(?<!\w)(?=\w+ \w)(?:" + "|".join(" ?".join(form) for form in MISREAD_FORMS) +
    r")\.?$", re.IGNORECASE)
# A bookkeeper's rubber stamp on the name's line ("YONG CEN ENTERPRISE POSTED"): its word in
# capitals at the end is not the name's.
_STAMP_AFTER_RE = re.compile(
    r"(?<=\S)\s+(?:POSTED|PAID|RECEIVED|ENTERED|APPROVED|VERIFIED|CHECKED|CANCELLED|VOID)$")


@functools.lru_cache(maxsize=4096)  # the finders clean the same lines again and again
def clean_name(text: str) -> str:
    """A company name from its line: no document title, label colon, trailing number run."""
    # "Name · Street 1 · City" (a sender line): the name ends at the first separator.
    text = re.split(r"\s[·•|]\s|\s[-–—]\s(?=\S)", text.strip(), maxsplit=1)[0].strip()
    # "#000002 BAIFU (M) SDN BHD": a till's counter before the name is not the name's
    text = re.sub(r"^#\s?\d{3,}\s+(?=\S)", "", text)
    # "99 SPEED MART S/B (519537-X)": a company registration number after the name ends it.
    number = _COMPANY_NUMBER_RE.search(text)
    if number is not None and text[:number.start()].strip(" ,"):
        text = text[:number.start()].strip()
    # "... SON DHD BOZ7Z5-U": one whose digits OCR read partly as letters, at the end
    text = _MISREAD_NUMBER_RE.sub("", text).strip() or text
    # "MR. D.I.Y. (M) SDN BHD (CO.REG": the label of a registration number ends it too
    text = _REGISTRATION_LABEL_RE.sub("", text).strip() or text
    text = _STAMP_AFTER_RE.sub("", text)
    # OCR's spaces inside a bracket or a legal form at the end: "(M ) Sdn bh d"
    text = _SPLIT_FORM_END_RE.sub(lambda m: m.group().replace(" ", ""),
                                  re.sub(r"\(\s+|\s+\)", lambda m: m.group().strip(), text))
    previous = None
    while previous != text:
        previous = text
        text = _DOC_TITLE_RE.sub("", text).strip(" :-–|,").lstrip(".").strip()
    text = re.sub(r"^(from|von|de|van|name|nom|naam|firma|company|raison sociale)\s*:\s*", "",
                  text, flags=re.IGNORECASE)
    # "FOURNISSEUR F SARL au capital de 50 000 EUR": a legal line goes on after the name
    legal_line = re.search(rf"(?<![\w])(?i:{LEGAL_FORM_PATTERN})(?![\w])(?=\s+[a-zà-ÿ]{{2}})",
                           text)
    if legal_line is not None:
        text = text[:legal_line.end()]
    label = re.match(r"^([^:]{2,24}):\s*(?=\S)", text)  # "Supplier: Kestrel Hock Sdn Bhd"
    if label is not None and compact(label.group(1)) in VENDOR_KEYS:
        text = text[label.end():]
    # OCR specks: tokens with neither letters nor digits ("¢", "~") are not part of a name.
    words = [w for w in text.split() if any(c.isalnum() for c in w) or w == "&"]
    # "OYO 4189 Resort ..." — a number after the first word ends the name, unless only a
    # legal form follows it ("ZEN AND COFFEE 28 S/B": the number is part of the name).
    for i, word in enumerate(words[1:], start=1):
        if re.fullmatch(r"[\d.,/-]+,?", word):
            rest = " ".join(words[i + 1:])
            if not rest or _LEGAL_RE.sub("", rest).strip(" .,&()"):
                words = words[:i]
            break
    # "YONG S00N FATT": zeros between capitals in a word of letters are OCR's O
    words = [_ZEROS_IN_WORD_RE.sub(lambda m: "O" * len(m.group()), w)
             if not re.search(r"[1-9]", w) else w for w in words]
    words = [_business_word_misread(w) for w in _business_words_mended(words)]
    if len(words) >= 2:
        words[-1] = _legal_form_misread(words[-1])
    if len(words) >= 3 and words[-1].rstrip(".").upper() in PAIRED_FORMS:  # "SON BHD"
        words[-2] = _legal_form_misread(words[-2],
                                        PAIRED_FORMS[words[-1].rstrip(".").upper()])
    return " ".join(words).strip(" ,;:-–|")


def _business_words_mended(words: list[str]) -> list[str]:
    """A word of trade in capitals that OCR split ("STATION ER Y") joined again, and one it
    ran into the words beside it ("SANYOSTATIONERYSHOP") set apart."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2):
            parts = words[i:i + size]
            joined = "".join(parts)
            if len(parts) == size and joined.isalpha() and joined.isupper() and \
                    joined in BUSINESS_WORDS:
                out.append(joined)
                i += size
                break
        else:
            out.extend(_unglued_business_word(words[i]))
            i += 1
    return out


def _unglued_business_word(token: str) -> list[str]:
    """A long run of capitals with a word of trade inside and a few letters either side of
    it, as its words ("SANYOSTATIONERYSHOP"); any other token as it is."""
    if len(token) < GLUED_LENGTH or not token.isalpha() or not token.isupper():
        return [token]
    for word in _LONGEST_FIRST:
        before, found, after = token.partition(word)
        if found and all(not side or len(side) >= 3 for side in (before, after)):
            return [part for part in (before, word, after) if part]
    return [token]


def _business_word_misread(token: str) -> str:
    """A long word of trade in capitals misread by one letter ("COMFANY"), set right; one
    as near to two of them ("STATIONERX") is left as read."""
    core = token.rstrip(".,")
    if len(core) < MIN_LENGTH or not core.isalpha() or not core.isupper() or \
            core in BUSINESS_WORDS:
        return token
    near = [word for word, _ in one_letter_off(core, BUSINESS_WORDS)]
    return near[0] + token[len(core):] if len(near) == 1 else token  # one word, or none


def _legal_form_misread(token: str, forms: tuple[str, ...] = MISREAD_FORMS) -> str:
    """A legal form misread by one look-alike letter, set right; any other word unchanged."""
    core = token.rstrip(".,")
    if len(core) < 3 or not core[:-1].isupper():
        return token
    if core.upper() in forms:
        return token
    form = next((form for form, misread in one_letter_off(core.upper(), forms)
                 if misread in IN_CAPITALS), None)
    return token if form is None else form + token[len(core):]


_PARTICLES = frozenset(("de", "du", "des", "la", "le", "van", "der", "den", "von", "und", "&",
                        "of", "the", "et", "en", "and", "di", "da", "y"))


def _sentence_like(raw: str, name: str) -> bool:
    """Prose or a label, not a name: several lower-case words, a verb-like run, a colon."""
    words = name.split()
    lower = [w for w in words if w[:1].islower() and w.lower() not in _PARTICLES]
    if len(words) > (9 if _LEGAL_RE.search(name) else 6) or len(lower) >= 2:
        return True
    after = raw[raw.find(name) + len(name):].lstrip() if name in raw else ""
    return after.startswith(":")


def _name_like(name: str) -> bool:
    if len(name) < 2 or len(name) > 60 or "@" in name or re.search(r"www\.|https?:", name):
        return False
    if not _LEGAL_RE.sub("", name).strip(" .,&"):
        return False  # only a legal form ("B.V.", "SARL")
    letters = sum(c.isalpha() for c in name)
    if letters < 2 or sum(c.isdigit() for c in name) > 0.3 * len(name):
        return False
    keys = [compact(w) for w in name.split()]
    if any(compact(w) in _REJECT_WORDS for w in _TRADE_PHRASE_RE.sub(" ", name).split()):
        return False
    if "".join(keys) in LABELS or (keys[0] in LABELS and (len(keys) == 1 or len(keys[0]) > 3)):
        return False  # a label ("Invoice date"), but "Le Fournisseur" ("le" dates a letter)
    if name[0].islower() or _REGISTRATION_RE.search(name):
        return False
    if name.lower() in _COUNTRIES or _CITY_STATE_RE.match(name):
        return False
    return not address_words(name) or (bool(_LEGAL_RE.search(name)) and
                                        not _HOUSE_NUMBER_RE.match(name))


_SURNAME_PARTICLES = frozenset(("van", "de", "der", "den", "ten", "ter", "von", "vom", "la", "le",
                                "du", "des"))


def address_words(name: str) -> bool:
    """An address sign in a name, but not a surname such as "Van Dijk" or "De la Place"."""
    for match in _ADDRESS_RE.finditer(name):
        before = name[:match.start()].split()
        if match.group(1) and before and before[-1].lower() in _SURNAME_PARTICLES:
            continue
        return True
    return False


_COUNTRIES_LIST = (
    "united states", "usa", "united kingdom", "uk", "deutschland", "germany", "france",
    "nederland", "netherlands", "the netherlands", "belgium", "belgique", "belgië", "schweiz",
    "suisse", "switzerland", "österreich", "austria", "india", "canada", "australia",
    "luxembourg", "italia", "italy", "españa", "spain", "ireland"
)
_COUNTRIES = frozenset(name.strip() for name in _COUNTRIES_LIST)
# "Calgary, AB T2P 1J9", "Austin, TX 78701": a city with its state or province code.
_CITY_STATE_RE = re.compile(r"^[A-Z][\w .'-]+,\s?[A-Z]{2}(?:\s+[A-Z0-9]|\s*$)")
_POSTCODE_AFTER_RE = re.compile(r"^[-–,]?\s*\d{4,6}$")
_STREET_LINE_RE = re.compile(
    r"^[^\d]{2,40}\s\d{1,5}\s?[a-zA-Z]?$|^\d{1,5}[a-zA-Z]?,?\s+[A-Za-zÀ-ÿ]|"
    r"^(?:no|nr|n°)\.?\s?\d{1,5}[a-zA-Z]?\b", re.IGNORECASE)


def _first_in_block(ctx: DocContext, seg: Segment) -> bool:
    """No line right above it in the same column: the block's first line."""
    rows = ctx.layout.page(seg.page).rows
    for row in reversed(rows[max(0, seg.row - 2): seg.row]):
        for above in row:
            if seg.top - above.bottom < 1.2 * seg.height and above.x0 < seg.x1 and \
                    above.x1 > seg.x0:
                return False
    return True


def vendor_name_key(name: str) -> str:
    """A name as compared: letters and digits, without its legal form."""
    return compact(_LEGAL_TAIL_RE.sub("", name)) or compact(name)


def _next_in_column(ctx: DocContext, seg: Segment) -> Segment | None:
    for row in ctx.layout.rows_below(seg, max_rows=2):
        for below in row:
            overlaps = below.x0 <= seg.x1 and below.x1 >= seg.x0
            if abs(below.x0 - seg.x0) < 3 * seg.height or overlaps:
                return below
    return None


def _column_below(layout: Layout, seg: Segment, rows: int) -> list[Segment]:
    found: list[Segment] = []
    last_bottom = seg.bottom
    for row in layout.rows_below(seg, max_rows=rows):
        for below in row:
            centred = abs((below.x0 + below.x1) - (seg.x0 + seg.x1)) < 5 * seg.height and \
                below.x0 >= seg.x0 - 4 * seg.height  # a centred slip header
            aligned = abs(below.x0 - seg.x0) < 2.5 * seg.height or centred
            if aligned and below.top - last_bottom < 3 * seg.height:
                found.append(below)
                last_bottom = below.bottom
                break
    return found


def _address_below(ctx: DocContext, seg: Segment) -> bool:
    return any(_ADDRESS_RE.search(s.text) for s in _column_below(ctx.layout, seg, 3))


def _registration_near(ctx: DocContext, seg: Segment) -> bool:
    """Registration numbers right under the name: a letterhead column or the page footer."""
    page = ctx.layout.page(seg.page)
    page_height = page.page.height or 842.0
    in_footer = seg.top > 0.75 * page_height
    if in_footer:
        rows = page.rows[seg.row + 1: seg.row + 4]
        texts = [s.text for row in rows for s in row if s.top - seg.bottom < 6 * seg.height]
    elif seg.top < 0.3 * page_height:
        texts = [s.text for s in _column_below(ctx.layout, seg, 7)]
    else:
        return False
    return any(_REGISTRATION_RE.search(t) for t in texts)


def _document_domains(ctx: DocContext) -> list[str]:
    domains: list[str] = []
    for seg in ctx.layout.segments:
        if ctx.in_customer_block(seg.page, seg.bbox):
            continue
        for match in _DOMAIN_RE.finditer(seg.text):
            parts = [p for p in match.group(1).lower().split(".") if p]
            while len(parts) > 2 and (parts[-2] in _SECOND_LEVEL or (len(parts[-1]) == 2
                                      and parts[-2] in _SECOND_LEVEL)):
                parts.pop()  # "popularonline.com.my": the name is before "com.my"
            if len(parts) >= 2:
                core = parts[-2] if parts[0] not in {"www"} else parts[1]
                if core not in NO_VENDOR_NAMES and len(core) >= 2:
                    domains.append(core)
    return domains


_SECOND_LEVEL = frozenset(("com", "co", "net", "org", "gov", "edu", "ac", "or", "ne", "gv"))


def domain_match(name: str, domains: list[str]) -> float:
    """How well a name matches a web/e-mail domain printed on the bill (0..1)."""
    key = compact(_LEGAL_TAIL_RE.sub("", name))
    best = 0.0
    for domain in domains:
        core = re.sub(r"[^a-z0-9]", "", domain)
        if not core or not key:
            continue
        if core == key:
            return 1.0
        if len(key) >= 3 and (core.startswith(key) or key.startswith(core)):
            best = max(best, 0.8)
        else:
            best = max(best, max(0.0, (fuzz.ratio(core, key) - 70) / 30))
    return best


# --- the vendor's contact details -------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def vendor_iban(ctx: DocContext) -> tuple[str, Segment] | None:
    """The first valid IBAN outside the customer block (the account to pay into)."""
    for seg in ctx.layout.segments:
        if ctx.in_customer_block(seg.page, seg.bbox):
            continue
        for iban, _ in find_ibans(seg.text):
            return iban, seg
    return None


def vendor_email(ctx: DocContext, vendor_name: str | None) -> tuple[str, Segment] | None:
    """An e-mail address outside the customer block, the one matching the vendor first."""
    found: list[tuple[float, str, Segment]] = []
    for seg in ctx.layout.segments:
        if ctx.in_customer_block(seg.page, seg.bbox):
            continue
        for match in _EMAIL_RE.finditer(seg.text):
            email = match.group(0).strip(".")
            domain = email.split("@", 1)[1].split(".")[0]
            score = domain_match(vendor_name, [domain]) if vendor_name else 0.0
            found.append((score, email, seg))
    if not found:
        return None
    best = max(found, key=lambda item: item[0])
    return best[1], best[2]


def vendor_address(ctx: DocContext, name_box: tuple[int, tuple[float, float, float, float]]
                   ) -> tuple[str, list[Segment]] | None:
    """The address lines right under the vendor's name, in its column."""
    page, box = name_box
    layout = ctx.layout.page(page)
    for seg in layout.segments:
        if abs(seg.x0 - box[0]) < 1 and abs(seg.top - box[1]) < 1:
            lines = []
            for below in _column_below(ctx.layout, seg, 4):
                text = below.text
                if _EMAIL_RE.search(text) or _REGISTRATION_RE.search(text) or re.search(
                        r"\b(tel|phone|fax|iban|bic|www)\b", text, re.IGNORECASE):
                    break
                lines.append(below)
            if lines and any(_ADDRESS_RE.search(s.text) for s in lines):
                return ", ".join(s.text for s in lines), lines
            return None
    return None
