"""The spaCy pipeline shipped in `models/`: rule components that find amounts, dates,
identifiers and field labels on the lines of a bill (and, when trained, the field scorer).

The pipeline is a blank multi-language spaCy pipeline (no downloaded pretrained model):

    tokenizer        spaCy's, minus the split inside `2024-03-12` / `INV-2024-0012`
    entity_ruler     MONEY, PERCENT, DATE, EMAIL, IBAN, VAT_ID and FIELD_LABEL (its `ent_id_`
                     is the field the label names: "total", "due_date", ...), from the data in
                     `patterns/*.jsonl`
    identifier_check keeps an IBAN or VAT id only when it is well-formed (IBAN mod-97 check),
                     trimming tokens a pattern took too many of
    fallback_ruler   IDENTIFIER (a code with a digit: invoice/order numbers) and CURRENCY,
                     only where nothing above matched
    field_scorer     the trained candidate scorer (`scorer.py`), in the shipped model only

`scripts/train_model.py` writes the pipeline to `models/billintake_fields/`; it is loaded
from there once per process, offline. Without a shipped model the rule components are built
from the patterns, so the rules always work.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex

from billintake.reading.document import Line, Page, ReadDocument, Word

from .parsing import iban_is_valid

log = logging.getLogger(__name__)

PATTERNS_DIR = Path(__file__).with_name("patterns")
RULE_PATTERN_FILES = ("amounts.jsonl", "dates.jsonl", "identifiers.jsonl", "labels.jsonl")
FALLBACK_PATTERN_FILES = ("fallback.jsonl",)
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[3] / "models" / "billintake_fields"

VALUE_LABELS = ("MONEY", "PERCENT", "DATE", "EMAIL", "IBAN", "VAT_ID", "IDENTIFIER", "CURRENCY")
FIELD_LABEL = "FIELD_LABEL"

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
                    if row["label"] == "CUSTOMER_LABEL":  # the buyer's block
                        row = {**row, "label": "FIELD_LABEL", "id": "buyer"}
                    elif row["label"] in ("VENDOR_LABEL", "PAYMENT_LABEL"):
                        continue
                    patterns.append({k: row[k] for k in ("label", "pattern", "id") if k in row})
    return patterns


def patterns_fingerprint() -> str:
    """A hash of the pattern files, stored in the model's meta to notice a stale model."""
    digest = hashlib.sha256()
    for name in (*RULE_PATTERN_FILES, *FALLBACK_PATTERN_FILES):
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
    nlp.meta["description"] = "billintake: bill field rules (+ trained field scorer)"
    nlp.meta["billintake"] = {"patterns_sha256": patterns_fingerprint()}
    return nlp


def _add_rules(nlp: Language, *, before: str | None = None) -> None:
    config = {"phrase_matcher_attr": "LOWER", "validate": True}
    ruler = nlp.add_pipe("entity_ruler", config=config, before=before)
    ruler.add_patterns(read_patterns(RULE_PATTERN_FILES))  # type: ignore[attr-defined]
    nlp.add_pipe("identifier_check", before=before)
    fallback = nlp.add_pipe("entity_ruler", name="fallback_ruler", before=before,
                            config={**config, "overwrite_ents": False})
    fallback.add_patterns(read_patterns(FALLBACK_PATTERN_FILES))  # type: ignore[attr-defined]


def _refresh_rules(nlp: Language) -> None:
    """Replace the rule components of a loaded model by ones built from the current patterns."""
    before = "field_scorer" if "field_scorer" in nlp.pipe_names else None
    for name in ("entity_ruler", "identifier_check", "fallback_ruler"):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    _add_rules(nlp, before=before)
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


# --- loading --------------------------------------------------------------------------------

_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()
_LOADED: dict[Path, Language] = {}


def load(model_dir: Path | None = None) -> Language:
    """The pipeline from `model_dir` (default: the shipped `models/billintake_fields`), loaded
    once per process. Falls back to the rule components alone when no model is shipped."""
    path = (model_dir or DEFAULT_MODEL_DIR).resolve()
    with _LOCK:
        nlp = _LOADED.get(path)
        if nlp is None:
            nlp = _load_uncached(path)
            _LOADED[path] = nlp
        return nlp


def _load_uncached(path: Path) -> Language:
    from billintake.extraction import scorer  # noqa: F401  (registers the field_scorer factory)

    if not (path / "config.cfg").is_file():
        log.warning("no spaCy model at %s; using the rule components only "
                    "(rebuild it with scripts/train_model.py)", path)
        return build_rules_pipeline()
    nlp = spacy.load(path)
    shipped = nlp.meta.get("billintake", {}).get("patterns_sha256")
    if shipped != patterns_fingerprint():
        log.warning("the patterns changed since the model at %s was built; using the current "
                    "patterns (rebuild it with scripts/train_model.py)", path)
        _refresh_rules(nlp)
    return nlp


# --- using ----------------------------------------------------------------------------------

def entities(text: str, nlp: Language | None = None) -> list[Span]:
    """The entities the rules find in a piece of text (label_, ent_id_, text, char offsets)."""
    pipeline = nlp or load()
    with _RUN_LOCK:
        return list(pipeline(text).ents)


@dataclass(frozen=True)
class LineEntity:
    """An entity found on a line of a read document, with the words it covers."""

    label: str  # MONEY, DATE, ..., or FIELD_LABEL
    field: str  # for FIELD_LABEL: the field the label names ("total"); else ""
    text: str  # the entity's text as tokenized (words joined by single spaces)
    page: int  # 1-based
    line_index: int  # index of the line in `page.lines`
    words: tuple[Word, ...]  # the words the entity touches, left to right

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (min(w.x0 for w in self.words), min(w.top for w in self.words),
                max(w.x1 for w in self.words), max(w.bottom for w in self.words))

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
                  nlp: Language | None = None) -> list[LineEntity]:
    """The entities on one line of words."""
    text, offsets = line_text(line.words)
    pipeline = nlp or load()
    with _RUN_LOCK:
        spacy_doc = pipeline(text)
    return _to_line_entities(spacy_doc, line.words, offsets, page, line_index)


def document_entities(doc: ReadDocument, nlp: Language | None = None) -> list[LineEntity]:
    """Every entity on every line of a read document, in reading order (pages, then lines).

    The result for the last few documents is remembered, so the candidate generator and the
    scorer can both ask without running the pipeline twice.
    """
    pipeline = nlp or load()
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
        docs = list(pipeline.pipe(text for *_, text, _ in items))
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

