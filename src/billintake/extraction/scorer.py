"""The trained candidate scorer: how likely each candidate value is the field's true value.

It implements the extractor's `CandidateScorer` hook (`score(field, candidates, doc)`). Each
candidate is described by layout features — the field labels the rule pipeline (`nlp.py`) finds
left of it and above it, the words there, its position on the page, its font size rank, its
value type, how its value relates to the other candidates and amounts — and a small per-field
model (logistic regression, numpy) turns them into a probability. The weights live in the
`field_scorer` component of the spaCy pipeline in `models/`, trained by
`scripts/train_model.py` on generated bills; a field gets a model only where cross-validation
showed it choosing better than the rules, and every other field keeps the rules' scores.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from spacy.language import Language

from billintake.reading.document import ReadDocument, Word, words_box

from . import nlp
from .labels import CUSTOMER_LABEL, FIELD_LABEL
from .layout import Layout
from .parsing import parse_amount
from .vocabulary.normalize import word_key

log = logging.getLogger(__name__)

BBox = tuple[float, float, float, float]

# The header extractor's own candidate features that the model reads (absent ones are 0).
HEADER_FEATURES = (
    "label_strength", "relation_inline", "relation_right", "relation_below", "distance",
    "spot_rank", "label_at_start", "label_colon", "y_rel", "page_rel", "first_page",
    "last_page", "bold", "in_customer_block", "label_words", "unlabelled",
)
LABEL_FIELDS = (
    "bill_number", "bill_date", "due_date", "total", "amount_due", "subtotal", "tax",
    "vendor_tax_id", "vendor_registration_id", "po_number", "currency", "vendor_iban", "bic",
    "vendor_email", "phone", "customer_number", "other_date", "payment_terms", "buyer",
    "shipping", "discount", "document_type",
)
VALUE_TYPES = ("MONEY", "DATE", "IDENTIFIER", "VAT_ID", "IBAN", "PERCENT", "EMAIL", "CURRENCY")
HASH_BUCKETS = 64
KEYWORDS = {
    "kw_gross": re.compile(r"incl|inkl|brutto|gross|ttc|inclusief|due|payable|zahl|payer|betalen"),
    "kw_net": re.compile(r"excl|exkl|netto|net\b|\bht\b|hors|before|subtotal|zwischen|sous"),
    "kw_percent": re.compile(r"%"),
    "kw_customer": re.compile(r"customer|kunde|client|klant|account|debiteur"),
    "kw_order": re.compile(r"order|bestell|commande|auftrag"),
}


class HasCandidateShape(Protocol):
    """What the scorer reads of a header `Candidate`."""

    field: str
    value: Any
    text: str
    page: int
    bbox: BBox
    features: dict[str, float]
    score: float


# --- features -------------------------------------------------------------------------------

def feature_names() -> list[str]:
    names = ["bias", "rule_score", "rule_is_best", "rule_gap", "rule_rank", "group_size"]
    names += [f"h_{name}" for name in HEADER_FEATURES]
    names += ["x_rel", "y_rel", "first_page", "last_page", "right_half", "top_third",
              "bottom_third", "height_ratio", "height_rank", "is_largest_font", "bold"]
    names += [f"type_{t}" for t in (*VALUE_TYPES, "none")]
    names += ["value_is_max", "value_is_min", "value_rank", "same_value_share",
              "value_occurrences", "value_log", "value_is_sum", "value_is_addend",
              "value_is_largest_amount", "date_is_earliest", "date_is_latest", "date_span_days"]
    names += [f"left_{f}" for f in (*LABEL_FIELDS, "none")]
    names += [f"above_{f}" for f in (*LABEL_FIELDS, "none")]
    names += ["left_is_field", "above_is_field", "left_distance", "above_distance",
              "label_on_line", "money_on_line", "words_left"]
    names += list(KEYWORDS)
    names += [f"lw_{i}" for i in range(HASH_BUCKETS)]
    names += [f"aw_{i}" for i in range(HASH_BUCKETS)]
    return names


FEATURE_NAMES = feature_names()
N_FEATURES = len(FEATURE_NAMES)
_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


@dataclass
class _PageView:
    """One page's words and entities, arranged for neighbour look-ups."""

    width: float
    height: float
    words: list[Word]
    labels: list[tuple[frozenset[str], BBox]]  # (fields, bbox) of the labels found
    values: list[tuple[str, BBox]]  # (entity label, bbox) of value entities
    median_height: float
    heights_desc: list[float]


@dataclass
class DocumentView:
    """What the features need of a read document, computed once per document."""

    pages: dict[int, _PageView]
    page_count: int
    amounts: list[Decimal] = field(default_factory=list)
    text_compact: str = ""


def document_view(doc: ReadDocument, pipeline: Language) -> DocumentView:
    """The labels and entities the rule pipeline finds, and page geometry. Labels come from
    the `field_labels` component over the layout's segments, the same labels the header
    extractor reads; a buyer's block label counts as "buyer"."""
    entities = nlp.document_entities(doc, pipeline)
    found = nlp.layout_labels(Layout.of(doc), pipeline)
    pages: dict[int, _PageView] = {}
    for page in doc.pages:
        words = [w for w in page.words if w.text.strip()]
        heights = sorted({round(w.height, 1) for w in words}, reverse=True)
        median = float(np.median([w.height for w in words])) if words else 10.0
        pages[page.number] = _PageView(page.width or 595.0, page.height or 842.0, words, [], [],
                                       max(median, 1.0), heights)
    for kind in (FIELD_LABEL, CUSTOMER_LABEL):
        for match in found[kind]:
            view = pages.get(match.segment.page)
            fields = frozenset(lab.field for lab in match.labels) if kind == FIELD_LABEL \
                else frozenset({"buyer"})
            if view is not None and fields:
                view.labels.append((fields, words_box(
                    match.segment.words[match.start:match.end])))
    amounts: set[Decimal] = set()
    for ent in entities:
        view = pages.get(ent.page)
        if view is None:
            continue
        view.values.append((ent.label, ent.bbox))
        if ent.label == "MONEY":
            amount = parse_amount(ent.text)
            if amount is not None and amount > 0:
                amounts.add(amount)
    return DocumentView(pages, len(doc.pages), sorted(amounts),
                        word_key(doc.text))


_VIEWS: list[tuple[ReadDocument, DocumentView]] = []
_VIEWS_LOCK = threading.Lock()


def cached_view(doc: ReadDocument, pipeline: Language) -> DocumentView:
    """The document view of `doc`, remembered for the last few documents."""
    with _VIEWS_LOCK:
        for seen, view in _VIEWS:
            if seen is doc:
                return view
    view = document_view(doc, pipeline)
    with _VIEWS_LOCK:
        _VIEWS.insert(0, (doc, view))
        del _VIEWS[4:]
    return view


def featurize(field_name: str, candidates: Sequence[HasCandidateShape],
              view: DocumentView) -> np.ndarray:
    """One row of features per candidate of one field."""
    rows = np.zeros((len(candidates), N_FEATURES), dtype=np.float32)
    if not candidates:
        return rows
    # the rules' own score (the extractor keeps it under features['rule_score'] once re-ranked)
    rule_scores = [float(c.features.get("rule_score", c.score)) for c in candidates]
    best_rule = max(rule_scores)
    order = sorted(range(len(candidates)), key=lambda i: -rule_scores[i])
    rule_rank = {index: rank for rank, index in enumerate(order)}
    numbers = [_as_number(c.value) for c in candidates]
    known = [n for n in numbers if n is not None]
    values_text = [_value_key(c.value) for c in candidates]
    for i, cand in enumerate(candidates):
        row = rows[i]
        put = _setter(row)
        put("bias", 1.0)
        put("rule_score", rule_scores[i])
        put("rule_is_best", float(rule_scores[i] >= best_rule))
        put("rule_gap", best_rule - rule_scores[i])
        put("rule_rank", min(rule_rank[i], 5) / 5.0)
        put("group_size", math.log1p(len(candidates)))
        for name in HEADER_FEATURES:
            put(f"h_{name}", float(cand.features.get(name, 0.0)))
        _layout_features(put, cand, view)
        _value_features(put, i, numbers, known, values_text, cand, view)
    return rows


def _setter(row: np.ndarray) -> Callable[[str, float], None]:
    def put(name: str, value: float) -> None:
        row[_INDEX[name]] = value
    return put


def _layout_features(put: Callable[[str, float], None], cand: HasCandidateShape,
                     view: DocumentView) -> None:
    page = view.pages.get(cand.page)
    if page is None:
        return
    x0, top, x1, bottom = cand.bbox
    x_mid, y_mid = (x0 + x1) / 2, (top + bottom) / 2
    put("x_rel", x_mid / page.width)
    put("y_rel", y_mid / page.height)
    put("first_page", float(cand.page == 1))
    put("last_page", float(cand.page == view.page_count))
    put("right_half", float(x_mid > page.width / 2))
    put("top_third", float(y_mid < page.height / 3))
    put("bottom_third", float(y_mid > 2 * page.height / 3))
    mine = [w for w in page.words if _inside(w.bbox, cand.bbox)]
    height = max((w.height for w in mine), default=bottom - top)
    put("height_ratio", min(height / page.median_height, 4.0))
    rank = next((r for r, h in enumerate(page.heights_desc) if h <= round(height, 1) + 0.05),
                len(page.heights_desc))
    put("height_rank", min(rank, 10) / 10.0)
    put("is_largest_font", float(rank == 0))
    put("bold", float(any(w.bold for w in mine)))
    value_type = next((label for label, box in page.values if _overlaps(box, cand.bbox)), "none")
    put(f"type_{value_type}", 1.0)

    band = max(height, 4.0)
    left = [(x0 - box[2], fields) for fields, box in page.labels
            if box[2] <= x0 + 2 and _same_band(box, cand.bbox)]
    above = [(top - box[3], fields) for fields, box in page.labels
             if box[3] <= top + 2 and top - box[3] < 3.5 * band
             and box[0] < x1 + 2 * band and box[2] > x0 - 2 * band]
    left_gap, left_fields = _nearest(left)
    above_gap, above_fields = _nearest(above)
    for name in left_fields:
        put(f"left_{name}", 1.0)
    for name in above_fields:
        put(f"above_{name}", 1.0)
    put("left_is_field", float(any(_names_field(f, cand.field) for f in left_fields)))
    put("above_is_field", float(any(_names_field(f, cand.field) for f in above_fields)))
    put("left_distance", 1.0 if left_gap is None else min(left_gap / page.width, 1.0))
    put("above_distance", 1.0 if above_gap is None else min(above_gap / (10 * band), 1.0))
    put("label_on_line", float(bool(left)))
    put("money_on_line", min(sum(1 for label, box in page.values
                                 if label == "MONEY" and _same_band(box, cand.bbox)), 4) / 4.0)

    left_words = sorted((w for w in page.words if w.x1 <= x0 + 1 and _same_band(w.bbox, cand.bbox)),
                        key=lambda w: -w.x1)
    put("words_left", min(len(left_words), 10) / 10.0)
    above_words = [w for w in page.words if w.bottom <= top + 1 and top - w.bottom < 2.5 * band
                   and w.x0 < x1 + band and w.x1 > x0 - band]
    for word in left_words[:4]:
        _hash_into(put, "lw", word.text)
    for word in above_words[:6]:
        _hash_into(put, "aw", word.text)
    context = " ".join(w.text.lower() for w in left_words[:4])
    for name, pattern in KEYWORDS.items():
        put(name, float(bool(pattern.search(context))))


def _value_features(put: Callable[[str, float], None], i: int, numbers: list[float | None],
                    known: list[float], values_text: list[str], cand: HasCandidateShape,
                    view: DocumentView) -> None:
    number = numbers[i]
    same = sum(1 for v in values_text if v == values_text[i])
    put("same_value_share", same / len(values_text))
    key = word_key(values_text[i])
    if key:
        put("value_occurrences", min(view.text_compact.count(key), 5) / 5.0)
    if number is None or not known:
        return
    put("value_is_max", float(number >= max(known)))
    put("value_is_min", float(number <= min(known)))
    distinct = sorted(set(known), reverse=True)
    put("value_rank", min(distinct.index(number), 5) / 5.0)
    if isinstance(cand.value, date):
        put("date_is_earliest", float(number <= min(known)))
        put("date_is_latest", float(number >= max(known)))
        put("date_span_days", min((max(known) - min(known)) / 90.0, 2.0))
        return
    if isinstance(cand.value, Decimal):
        put("value_log", math.log10(1.0 + abs(number)) / 6.0)
        amounts = view.amounts
        amount = Decimal(str(cand.value))
        if amounts:
            put("value_is_largest_amount", float(amount >= amounts[-1]))
        present = set(amounts)
        put("value_is_sum", float(any(amount - a in present and a != amount - a
                                      for a in amounts if a < amount)))
        put("value_is_addend", float(any((amount + a) in present for a in amounts if a != amount)))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    if isinstance(value, date):
        return float(value.toordinal())
    return None


def _value_key(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _nearest(found: list[tuple[float, frozenset[str]]]) -> tuple[float | None, list[str]]:
    """The gap to the nearest label(s) and the known fields they name ("none" if none)."""
    if not found:
        return None, ["none"]
    gap = min(g for g, _ in found)
    fields = sorted({f for g, names in found if g == gap for f in names if f in _LABEL_FIELD_SET})
    return gap, fields or ["none"]


_LABEL_FIELD_SET = frozenset(LABEL_FIELDS)


def _names_field(label_field: str, candidate_field: str) -> bool:
    return label_field == candidate_field or (
        {label_field, candidate_field} <= {"total", "amount_due"})


def _hash_into(put: Callable[[str, float], None], prefix: str, text: str) -> None:
    key = word_key(text)
    if key:
        put(f"{prefix}_{zlib.crc32(key.encode()) % HASH_BUCKETS}", 1.0)


def _inside(inner: BBox, outer: BBox) -> bool:
    return (inner[0] >= outer[0] - 1 and inner[2] <= outer[2] + 1
            and inner[1] >= outer[1] - 1 and inner[3] <= outer[3] + 1)


def _overlaps(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def _same_band(a: BBox, b: BBox) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1])


# --- the model ------------------------------------------------------------------------------

@dataclass
class LinearModel:
    """Logistic regression over standardized features."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        logits = ((rows - self.mean) / self.scale) @ self.weights
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def fit_logistic(rows: np.ndarray, targets: np.ndarray, *, l2: float = 1.0,
                 steps: int = 400, learning_rate: float = 0.1) -> LinearModel:
    """Fit a logistic regression by full-batch Adam (deterministic: no randomness at all)."""
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    mean[_INDEX["bias"]] = 0.0
    scale[scale < 1e-6] = 1.0
    x = ((rows - mean) / scale).astype(np.float64)
    y = targets.astype(np.float64)
    w = np.zeros(x.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    positive_weight = max(1.0, (len(y) - y.sum()) / max(y.sum(), 1.0)) ** 0.5
    sample_weight = np.where(y > 0, positive_weight, 1.0)
    norm = sample_weight.sum()
    for step in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ ((p - y) * sample_weight) / norm + l2 * w / norm
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return LinearModel(w.astype(np.float32), mean.astype(np.float32), scale.astype(np.float32))


class FieldScorer:
    """Per-field models; a field without one keeps the rules' own scores."""

    def __init__(self, models: dict[str, LinearModel] | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        self.models = models or {}
        self.meta = meta or {}
        self.pipeline: Language | None = None  # the rule pipeline it was shipped with

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(sorted(self.models))

    def score(self, field: str, candidates: Sequence[HasCandidateShape],
              doc: ReadDocument) -> list[float]:
        """The probability that each candidate's value is the field's true value."""
        model = self.models.get(field)
        if model is None or not candidates:
            return [float(c.score) for c in candidates]
        if self.pipeline is None:
            raise RuntimeError("the field scorer has no rule pipeline: load it with "
                               "model.load_scorer")
        rows = featurize(field, candidates, cached_view(doc, self.pipeline))
        return [round(float(p), 4) for p in model.probabilities(rows)]

    def to_disk(self, path: Path) -> None:
        """weights.npy (fields × [weights, mean, scale] × features) and meta.json; both
        byte-for-byte the same for the same model."""
        path.mkdir(parents=True, exist_ok=True)
        fields = self.fields
        stacked = np.stack([np.stack([self.models[f].weights, self.models[f].mean,
                                      self.models[f].scale]) for f in fields]) if fields \
            else np.zeros((0, 3, N_FEATURES), dtype=np.float32)
        with open(path / "weights.npy", "wb") as out:
            np.save(out, stacked.astype(np.float32), allow_pickle=False)
        meta = {**self.meta, "fields": list(fields), "features": FEATURE_NAMES}
        (path / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")

    @classmethod
    def from_disk(cls, path: Path) -> FieldScorer:
        """The saved scorer; an empty one (rules only) when it was trained on other features."""
        meta = json.loads((path / "meta.json").read_text())
        if meta.get("features") != FEATURE_NAMES:
            log.warning("the field scorer at %s was trained on other features; ignoring it "
                        "(rebuild it with scripts/train_model.py)", path)
            return cls()
        stacked = np.load(path / "weights.npy", allow_pickle=False)
        models = {name: LinearModel(stacked[i, 0], stacked[i, 1], stacked[i, 2])
                  for i, name in enumerate(meta["fields"])}
        return cls(models, {k: v for k, v in meta.items() if k not in ("features", "fields")})


# --- the spaCy component --------------------------------------------------------------------

class FieldScorerComponent:
    """Holds the trained `FieldScorer` inside the spaCy pipeline (Docs pass through)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.nlp = nlp
        self.scorer = FieldScorer()
        self.scorer.pipeline = nlp

    def __call__(self, doc: Any) -> Any:
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        self.scorer.to_disk(Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> FieldScorerComponent:
        self.scorer = FieldScorer.from_disk(Path(path))
        self.scorer.pipeline = self.nlp
        return self


@Language.factory("field_scorer")
def make_field_scorer(nlp: Language, name: str) -> FieldScorerComponent:
    return FieldScorerComponent(nlp, name)
