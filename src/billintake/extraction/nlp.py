"""The spaCy pipeline shipped in `models/`: rule components that find amounts, dates,
identifiers and field labels on a bill.

The pipeline is a blank multi-language spaCy pipeline (no downloaded pretrained model):

    tokenizer        spaCy's, minus the split inside `2024-03-12` / `INV-2024-0012`
    entity_ruler     MONEY, PERCENT, DATE, EMAIL, IBAN, VAT_ID, from `patterns/*.jsonl`
    identifier_check keeps an IBAN or VAT id only when it is well-formed (IBAN mod-97 check),
                     trimming tokens a pattern took too many of
    fallback_ruler   IDENTIFIER (a code with a digit: invoice/order numbers) and CURRENCY,
                     only where nothing above matched
    field_labels     the label lexicon `patterns/labels.jsonl` (see `labels.py`): field labels
                     with their field and strength ("Invoice No.:" → bill_number 1.0), the
                     buyer's and the vendor's block labels, a till slip's tip/change words;
                     matched by compact keys over words (`FieldLabels`), written to span groups

A trained component (`field_scorer`, a per-field logistic regression over layout features)
was removed: cross-validated on every real set (`bench/realsets.py --cv --no-field-scorer`),
with and without it every field's figures were the same (it had kept a model of one field,
po_number, which no real set labels), so it was decoration. The trained ranker
(`ranker.py`) is the learned part of extraction.

Values are found on a page's lines (`document_entities`). Labels are found on the layout's
segments (`layout_labels`): the words of every segment make one Doc, a sentence per segment,
so each token is one word and a label never runs from one phrase into the next. The header
extractor (`header.py`) and the finders' label features (`finders/context.py`) read them.

`scripts/build_pipeline.py` writes the pipeline to `models/billintake_fields/` (the lexicon is
saved with it); `model.py` loads it from there, and every function here takes the pipeline to
run. A model built from other pattern files gets its rule components rebuilt from the current
ones (`refresh_rules`), so the rules always follow the files.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import spacy
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import compile_infix_regex
from spacy.vocab import Vocab

from billintake.reading.document import Line, Page, ReadDocument, Word, words_box

from .labels import (
    CUSTOMER_LABEL,
    EXTRACTED_FIELDS,
    FIELD_LABEL,
    KINDS,
    LEXICON_PATH,
    MAX_LABEL_WORDS,
    PAYMENT_LABEL,
    VENDOR_LABEL,
    Label,
    index_lexicon,
    read_lexicon,
)
from .layout import Layout, Segment
from .parsing import iban_is_valid
from .vocabulary.normalize import compact

PATTERNS_DIR = Path(__file__).with_name("patterns")
RULE_PATTERN_FILES = ("amounts.jsonl", "dates.jsonl", "identifiers.jsonl")
FALLBACK_PATTERN_FILES = ("fallback.jsonl",)

VALUE_LABELS = ("MONEY", "PERCENT", "DATE", "EMAIL", "IBAN", "VAT_ID", "IDENTIFIER", "CURRENCY")

# A gap between two words wider than this many word heights is a column break, not a space.
COLUMN_GAP_HEIGHTS = 0.9


# --- building -------------------------------------------------------------------------------

def read_patterns(names: Iterable[str]) -> list[dict[str, object]]:
    """The entity-ruler patterns in the given files of `patterns/` (keys label, pattern, id)."""
    patterns: list[dict[str, object]] = []
    for name in names:
        with open(PATTERNS_DIR / name, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    row = json.loads(line)
                    patterns.append({k: row[k] for k in ("label", "pattern", "id") if k in row})
    return patterns


def patterns_fingerprint() -> str:
    """A hash of the pattern files and the label lexicon, stored in the model's meta to notice
    a stale model."""
    digest = hashlib.sha256()
    for name in (*RULE_PATTERN_FILES, *FALLBACK_PATTERN_FILES, LEXICON_PATH.name):
        digest.update(name.encode())
        digest.update((PATTERNS_DIR / name).read_bytes())
    return digest.hexdigest()


def build_rules_pipeline() -> Language:
    """A fresh pipeline with the tokenizer tweak and the rule components, from the patterns."""
    nlp = spacy.blank("xx")
    infixes = [p for p in nlp.Defaults.infixes if not p.startswith("(?<=[0-9])[+\\-")]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    _add_rules(nlp)
    nlp.meta["name"] = "billintake_fields"
    nlp.meta["version"] = "0.1.0"
    nlp.meta["description"] = "billintake: bill field rules"
    nlp.meta["billintake"] = {"patterns_sha256": patterns_fingerprint()}
    return nlp


def _add_rules(nlp: Language) -> None:
    config = {"phrase_matcher_attr": "LOWER", "validate": True}
    ruler = nlp.add_pipe("entity_ruler", config=config)
    ruler.add_patterns(read_patterns(RULE_PATTERN_FILES))  # type: ignore[attr-defined]
    nlp.add_pipe("identifier_check")
    fallback = nlp.add_pipe("entity_ruler", name="fallback_ruler",
                            config={**config, "overwrite_ents": False})
    fallback.add_patterns(read_patterns(FALLBACK_PATTERN_FILES))  # type: ignore[attr-defined]
    nlp.add_pipe("field_labels")


def refresh_rules(nlp: Language) -> None:
    """Replace the rule components of a loaded model by ones built from the current patterns."""
    for name in ("entity_ruler", "identifier_check", "fallback_ruler", "field_labels"):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    _add_rules(nlp)
    nlp.meta.setdefault("billintake", {})["patterns_sha256"] = patterns_fingerprint()


# --- identifier checks ----------------------------------------------------------------------

def _single_token_regex(label: str) -> re.Pattern[str]:
    """The regex of the first one-token pattern for `label` in identifiers.jsonl."""
    for row in read_patterns(["identifiers.jsonl"]):
        pattern = row["pattern"]
        if row["label"] == label and isinstance(pattern, list) and len(pattern) == 1:
            return re.compile(pattern[0]["TEXT"]["REGEX"])
    raise LookupError(f"no one-token {label} pattern in identifiers.jsonl")


_VAT_RE = _single_token_regex("VAT_ID")


def vat_id_is_valid(text: str) -> bool:
    """True when `text` (spaces and dots allowed) has the shape of an EU/UK/CH VAT id."""
    compact = re.sub(r"[\s.]", "", text).upper().replace("-", "")
    if compact.startswith("CHE"):
        compact = "CHE" + compact[3:]
    return bool(_VAT_RE.match(compact))


_CHECKS = {"IBAN": iban_is_valid, "VAT_ID": vat_id_is_valid}


@Language.component("identifier_check")
def identifier_check(doc: Doc) -> Doc:
    """Keep IBAN / VAT_ID entities that validate, trimmed to the longest valid token prefix."""
    kept: list[Span] = []
    for ent in doc.ents:
        check = _CHECKS.get(ent.label_)
        if check is None:
            kept.append(ent)
            continue
        for end in range(ent.end, ent.start, -1):
            if check(doc[ent.start:end].text):
                kept.append(Span(doc, ent.start, end, label=ent.label_))
                break
    doc.ents = kept
    return doc


# --- using ----------------------------------------------------------------------------------

_LOCK = threading.Lock()  # the caches of recent documents and layouts
_RUN_LOCK = threading.Lock()  # one run of a pipeline at a time


def entities(text: str, nlp: Language) -> list[Span]:
    """The entities the rules find in a piece of text (label_, ent_id_, text, char offsets)."""
    with _RUN_LOCK:
        return list(nlp(text).ents)


@dataclass(frozen=True)
class LineEntity:
    """An entity found on a line of a read document, with the words it covers."""

    label: str  # MONEY, DATE, ...
    field: str  # the pattern's id, if any; else ""
    text: str  # the entity's text as tokenized (words joined by single spaces)
    page: int  # 1-based
    line_index: int  # index of the line in `page.lines`
    words: tuple[Word, ...]  # the words the entity touches, left to right

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return words_box(self.words)

    @property
    def word_text(self) -> str:
        """The full text of the words covered (may be wider than `text`, e.g. "Total:")."""
        return " ".join(w.text for w in self.words)


def line_text(words: Sequence[Word]) -> tuple[str, list[tuple[int, int]]]:
    """The words of a line as text, with each word's character span.

    Words far apart (a column gap) are joined by two spaces, which spaCy keeps as a whitespace
    token, so no pattern joins "2" and "100.00" from two columns into one amount.
    """
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    previous: Word | None = None
    for word in words:
        if previous is not None:
            gap = word.x0 - previous.x1
            height = max(min(word.height, previous.height), 1.0)
            separator = "  " if gap > COLUMN_GAP_HEIGHTS * height else " "
            parts.append(separator)
            position += len(separator)
        parts.append(word.text)
        offsets.append((position, position + len(word.text)))
        position += len(word.text)
        previous = word
    return "".join(parts), offsets


def page_lines(page: Page) -> list[Line]:
    """The page's lines; when the reader gave words only, words grouped by their vertical band."""
    if page.lines:
        return list(page.lines)
    lines: list[list[Word]] = []
    for word in sorted(page.words, key=lambda w: (w.top, w.x0)):
        if lines and abs(lines[-1][0].y_center - word.y_center) < 0.5 * max(word.height, 1.0):
            lines[-1].append(word)
        else:
            lines.append([word])
    return [Line(words=sorted(ws, key=lambda w: w.x0)) for ws in lines]


def line_entities(line: Line, *, page: int = 1, line_index: int = 0,
                  nlp: Language) -> list[LineEntity]:
    """The entities on one line of words."""
    text, offsets = line_text(line.words)
    with _RUN_LOCK:
        spacy_doc = nlp(text)
    return _to_line_entities(spacy_doc, line.words, offsets, page, line_index)


def document_entities(doc: ReadDocument, nlp: Language) -> list[LineEntity]:
    """Every entity on every line of a read document, in reading order (pages, then lines).

    The result for the last few documents is remembered, so the candidate generator and the
    scorer can both ask without running the pipeline twice.
    """
    pipeline = nlp
    key = (id(doc), id(pipeline))
    with _LOCK:
        for cached_key, cached_doc, cached in _RECENT:
            if cached_key == key and cached_doc is doc:
                return cached
    items: list[tuple[int, int, Line, str, list[tuple[int, int]]]] = []
    for page in doc.pages:
        for index, line in enumerate(page_lines(page)):
            text, offsets = line_text(line.words)
            items.append((page.number, index, line, text, offsets))
    found: list[LineEntity] = []
    with _RUN_LOCK:  # spaCy's tokenizer cache is not made for concurrent writers
        skip = [name for name in ("field_labels",) if name in pipeline.pipe_names]
        docs = list(pipeline.pipe((text for *_, text, _ in items), disable=skip))
    for (page_number, index, line, _, offsets), spacy_doc in zip(items, docs, strict=True):
        found.extend(_to_line_entities(spacy_doc, line.words, offsets, page_number, index))
    with _LOCK:
        _RECENT.insert(0, (key, doc, found))
        del _RECENT[4:]
    return found


_RECENT: list[tuple[tuple[int, int], ReadDocument, list[LineEntity]]] = []


def _to_line_entities(spacy_doc: Doc, words: Sequence[Word], offsets: list[tuple[int, int]],
                      page: int, line_index: int) -> list[LineEntity]:
    found: list[LineEntity] = []
    for ent in spacy_doc.ents:
        covered = tuple(word for word, (start, end) in zip(words, offsets, strict=True)
                        if start < ent.end_char and end > ent.start_char)
        if covered:
            found.append(LineEntity(label=ent.label_, field=ent.ent_id_, text=ent.text,
                                    page=page, line_index=line_index, words=covered))
    return found



# --- field labels ---------------------------------------------------------------------------

LABEL_GROUPS = {FIELD_LABEL: "field_labels", CUSTOMER_LABEL: "customer_labels",
                VENDOR_LABEL: "vendor_labels", PAYMENT_LABEL: "payment_labels"}
_LABEL_TABLE = "billintake_labels"  # doc.user_data: (kind, start, end) → the span's labels
_BUYER_POSSESSIVES = ("your", "ihre", "ihr", "votre", "vos", "uw")
_IDENTIFIER_FIELDS = frozenset({"bill_number", "po_number", "vendor_tax_id"})
_OTHER_NUMBER_FIELDS = frozenset({"customer_number", "vendor_registration_id"})
_NUMBER_WORDS = ("number", "nummer", "numero", "num", "nr", "no", "n°", "#", "nbr")
_GLUED_RE = re.compile(r"\d+([^\d#°]{3,}.*)")  # digits, then a word of three letters or more
FUZZY_MIN = 8  # shorter labels are too alike ("datum"/"daten") to forgive a misread


def _span_labels(span: Span) -> tuple[Label, ...]:
    table = span.doc.user_data.get(_LABEL_TABLE, {})
    return tuple(table.get((span.id_, span.start, span.end), ()))


if not Span.has_extension("labels"):
    Span.set_extension("labels", getter=_span_labels)
if not Token.has_extension("ocr"):
    Token.set_extension("ocr", default=False)


class FieldLabels:
    """The `field_labels` component: labels found the way a reader finds them on a bill.

    Works on any Doc; on a Doc made from a page's words (`words_doc`) its tokens are the words
    and its sentences are the layout's segments (phrases), so "Invoice No.:", "INVOICE NO",
    OCR's split "F actuurnummer" and "GST/HST" are matched by comparing *compact* keys
    (`vocabulary.normalize.compact`) over consecutive tokens, never across two segments.
    Writes four span groups:

        doc.spans["field_labels"]     leftmost-longest, left to right: labels of the fields
                                      the header extracts; a label of another field (other_date,
                                      customer_number, ...) where it covers and outgrows them
                                      ("Delivery date" is not "Delivery" + "date")
        doc.spans["customer_labels"]  "Bill to", "Kunde" ...: the longest at each word
        doc.spans["vendor_labels"]    "Remit to", "Fournisseur" ...: the longest at each word
        doc.spans["payment_labels"]   "Tip", "Change due" ...: the longest at each word

    Each span's `label_` is the field of its first label, `id_` its kind, and `span._.labels`
    the labels (field, lexicon text, strength). At the start of an OCR'd segment (tokens with
    `token._.ocr`), a label misread by one character counts, 10 % weaker. The lexicon is
    `patterns/labels.jsonl`, saved with the model.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.set_lexicon(read_lexicon())

    def set_lexicon(self, rows: list[dict[str, object]]) -> None:
        self.rows = [dict(row) for row in rows]
        self.index = index_lexicon(self.rows)
        fields = self.index[FIELD_LABEL]
        # keys naming at least one field the header extracts (with all their labels) ...
        self.extracted = {key: labels for key, labels in fields.items()
                          if any(lab.field in EXTRACTED_FIELDS for lab in labels)}
        # ... and keys naming only other fields, which block
        self.blocking = {key: labels for key, labels in fields.items()
                         if key not in self.extracted}
        self.fuzzy_keys = [key for key in self.extracted if len(key) >= FUZZY_MIN]

    # --- lookups --------------------------------------------------------------------------

    def lookup(self, key: str) -> list[Label] | None:
        """The labels a compact key names, when one names an extracted field: the lexicon,
        else the buyer's own reference ("Your PO", "Ihre Ref."), else the same stem with
        another spelling of "number" ("documentnr" is "document number")."""
        found = self.extracted.get(key)
        if found or not key:
            return found
        for possessive in _BUYER_POSSESSIVES:
            rest = key[len(possessive):] if key.startswith(possessive) else ""
            if rest and any(lab.field in {"po_number", "bill_number"}
                            for lab in (self.lookup(rest) or [])):
                return [Label("po_number", key, 0.9)]
        return self._number_variant(key, self.extracted, _IDENTIFIER_FIELDS)

    def blocking_lookup(self, key: str) -> list[Label] | None:
        """The labels a compact key names when it names only fields not extracted."""
        return self.blocking.get(key) or self._number_variant(key, self.blocking,
                                                              _OTHER_NUMBER_FIELDS)

    @staticmethod
    def _number_variant(key: str, index: dict[str, list[Label]], fields: frozenset[str]
                        ) -> list[Label] | None:
        for suffix in _NUMBER_WORDS:
            if key.endswith(suffix) and len(key) > len(suffix) - 1:
                stem = key[: len(key) - len(suffix)]
                for other in ("", *_NUMBER_WORDS):
                    if other == suffix or (not other and len(stem) < 3):
                        continue
                    found = index.get(stem + other)
                    if found and any(lab.field in fields for lab in found):
                        return [lab for lab in found if lab.field in fields]
        return None

    def _misread(self, keys: list[str]) -> tuple[list[Label] | None, int]:
        """A label OCR misread by one character ("Zahibar bis", "Rechnungsdatvm") at the
        start of a phrase: the lexicon's label one edit away, slightly weaker."""
        for n in range(min(len(keys), MAX_LABEL_WORDS), 0, -1):
            joined = "".join(keys[:n])
            if len(joined) < FUZZY_MIN or not joined.isalpha():
                continue
            match = process.extractOne(joined, self.fuzzy_keys, scorer=Levenshtein.distance,
                                       score_cutoff=1)
            if match is not None:
                return [Label(lab.field, lab.text, round(0.9 * lab.strength, 3))
                        for lab in self.extracted[match[0]]], n
        return None, 0

    def _slashed(self, text: str, following: str) -> tuple[list[Label] | None, int]:
        """"GST/HST", "MwSt./USt.": one label spelt two ways, when every part names one field;
        with the next word when a part makes a label with it ("GST/HST No."). Returns the
        labels and how many words they take."""
        parts = [compact(p) for p in text.split("/")]
        if len(parts) < 2 or not all(parts):
            return None, 0
        if following:
            for part in parts:
                found_with = self.lookup(part + following)
                if found_with:
                    return found_with, 2
        found = [self.extracted.get(p) or [] for p in parts]
        shared = set.intersection(*({lab.field for lab in labs} for labs in found))
        if not shared:
            return None, 0
        return [lab for lab in found[0] if lab.field in shared], 1

    # --- matching -------------------------------------------------------------------------

    def field_matches(self, texts: Sequence[str], keys: Sequence[str], ocr: bool = False
                      ) -> list[tuple[int, int, list[Label]]]:
        """(start, end, labels) of the field labels in one phrase, leftmost-longest."""
        hits: list[tuple[int, int, list[Label]]] = []
        count = len(keys)
        i = 0
        while i < count:
            if not keys[i]:  # punctuation ("%", ":") never starts a label
                i += 1
                continue
            end, labels = _longest_at(keys, i, self.lookup)
            if end is None and i == 0 and ocr:
                labels, used = self._misread(list(keys))
                end = used if labels else None
            if end is None:
                following = keys[i + 1] if i + 1 < count else ""
                labels, used = self._slashed(texts[i], following)
                end = i + used if labels else None
            if end is None and (glued := _GLUED_RE.match(keys[i])):
                # a time or number run into the label in the text layer ("10:21Transactie")
                end, labels = _longest_at(keys, i, self.lookup, glued.group(1))
            if end is None or not labels:
                i += 1
                continue
            hits.append((i, end, labels))
            i = end
        return self._with_blockers(keys, hits)

    def _with_blockers(self, keys: Sequence[str], hits: list[tuple[int, int, list[Label]]]
                       ) -> list[tuple[int, int, list[Label]]]:
        """Labels of other fields, where one covers the extracted fields' labels it overlaps
        and is longer than each ("Delivery date" over "Delivery", "Tax invoice" over "Tax");
        never where it would cut one short ("Please pay" in "Please pay by")."""
        if not self.blocking:
            return hits
        count = len(keys)
        i = 0
        while i < count:
            if not keys[i]:
                i += 1
                continue
            end, labels = _longest_at(keys, i, self.blocking_lookup)
            if end is None or not labels:
                i += 1
                continue
            overlapping = [h for h in hits if h[0] < end and h[1] > i]
            if all(i <= h[0] and h[1] <= end and end - i > h[1] - h[0] for h in overlapping):
                hits = [h for h in hits if h not in overlapping]
                hits.append((i, end, labels))
                i = end
            else:
                i += 1
        hits.sort(key=lambda h: h[0])
        return hits

    def kind_matches(self, kind: str, keys: Sequence[str]) -> list[tuple[int, int, list[Label]]]:
        """(start, end, labels) of the longest label of `kind` starting at each word."""
        found: list[tuple[int, int, list[Label]]] = []
        for i, key in enumerate(keys):
            if key:
                end, labels = _longest_at(keys, i, self.index[kind].get)
                if end is not None and labels:
                    found.append((i, end, labels))
        return found

    def __call__(self, doc: Doc) -> Doc:
        spans: dict[str, list[Span]] = {kind: [] for kind in KINDS}
        table: dict[tuple[str, int, int], list[Label]] = {}
        sentences = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        for sent in sentences:
            texts = [token.text for token in sent]
            keys = [compact(text) for text in texts]
            matches = {FIELD_LABEL: self.field_matches(texts, keys, bool(len(sent))
                                                       and sent[0]._.ocr)}
            for kind in (CUSTOMER_LABEL, VENDOR_LABEL, PAYMENT_LABEL):
                matches[kind] = self.kind_matches(kind, keys)
            for kind, found in matches.items():
                for start, end, labels in found:
                    span = Span(doc, sent.start + start, sent.start + end,
                                label=labels[0].field, span_id=kind)
                    spans[kind].append(span)
                    table[(kind, span.start, span.end)] = labels
        for kind, group in spans.items():
            doc.spans[LABEL_GROUPS[kind]] = group
        doc.user_data[_LABEL_TABLE] = table
        return doc

    # --- serialization --------------------------------------------------------------------

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with open(path / "labels.jsonl", "w", encoding="utf-8") as out:
            for row in self.rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> FieldLabels:
        self.set_lexicon(read_lexicon(Path(path) / "labels.jsonl"))
        return self


def _longest_at(keys: Sequence[str], start: int,
                lookup: Callable[[str], list[Label] | None], lead: str = ""
                ) -> tuple[int | None, list[Label] | None]:
    """The longest run of words from `start` (at most MAX_LABEL_WORDS) whose compact keys,
    joined after `lead` with the first key replaced by it when given, `lookup` knows: (end,
    labels), or (None, None)."""
    first = start + 1 if lead else start
    for end in range(min(len(keys), start + MAX_LABEL_WORDS), start, -1):
        labels = lookup(lead + "".join(keys[first:end]))
        if labels:
            return end, labels
    return None, None


@Language.factory("field_labels")
def make_field_labels(nlp: Language, name: str) -> FieldLabels:
    return FieldLabels(nlp, name)


def words_doc(vocab: Vocab, phrases: Sequence[Sequence[Word]],
              ocr: Sequence[bool] | None = None) -> Doc:
    """A Doc whose tokens are the given words, one sentence per phrase (a layout segment), so
    each token maps 1:1 back to a word. `ocr[i]` marks phrase i as read by OCR."""
    texts = [word.text or "_" for phrase in phrases for word in phrase]
    starts = [k == 0 for phrase in phrases for k in range(len(phrase))]
    doc = Doc(vocab, words=texts, spaces=[True] * len(texts), sent_starts=starts)
    if ocr is not None:
        position = 0
        for phrase, is_ocr in zip(phrases, ocr, strict=True):
            if is_ocr:
                for token in doc[position:position + len(phrase)]:
                    token._.ocr = True
            position += len(phrase)
    return doc


@dataclass(frozen=True)
class LabelMatch:
    """A label found on a segment of a layout: its kind, the words it takes, its labels."""

    kind: str
    segment: Segment
    start: int  # first word index in the segment
    end: int  # one past its last word
    labels: tuple[Label, ...]


def label_component(pipeline: Language) -> FieldLabels:
    """The `field_labels` component of the pipeline."""
    component = pipeline.get_pipe("field_labels")
    assert isinstance(component, FieldLabels)
    return component


def layout_labels(layout: Layout, pipeline: Language) -> dict[str, list[LabelMatch]]:
    """The labels of every kind on a layout's segments, found by the `field_labels` component
    over a Doc of the segments' words; remembered for the last few layouts."""
    pipe = pipeline
    with _LOCK:
        for seen, seen_pipe, cached in _RECENT_LAYOUTS:
            if seen is layout and seen_pipe is pipe:
                return cached
    segments = [seg for seg in layout.segments if seg.words]
    component = label_component(pipe)
    with _RUN_LOCK:
        doc = component(words_doc(pipe.vocab, [seg.words for seg in segments],
                                  [seg.source == "ocr" for seg in segments]))
    first_token: list[int] = []
    position = 0
    for seg in segments:
        first_token.append(position)
        position += len(seg.words)
    found: dict[str, list[LabelMatch]] = {}
    for kind, group in LABEL_GROUPS.items():
        matches: list[LabelMatch] = []
        for span in doc.spans[group]:
            index = bisect.bisect_right(first_token, span.start) - 1
            offset = first_token[index]
            matches.append(LabelMatch(kind, segments[index], span.start - offset,
                                      span.end - offset, span._.labels))
        found[kind] = matches
    with _LOCK:
        _RECENT_LAYOUTS.insert(0, (layout, pipe, found))
        del _RECENT_LAYOUTS[4:]
    return found


_RECENT_LAYOUTS: list[tuple[Layout, Language, dict[str, list[LabelMatch]]]] = []
