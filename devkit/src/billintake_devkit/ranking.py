"""Training material for the ranker, its cross-validation, and the shipped fit.

`collect` runs the rules and the finders on labelled documents and labels every candidate
by the truth (`scoring.same`); `folds` splits documents by group (source repository or
vendor: a group is never both trained on and scored); `fit` trains the per-field models and
their isotonic calibrations, the calibration on out-of-fold scores only. Everything is in
a fixed order, so the same documents give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from billintake.domain.errors import BillintakeError
from billintake.extraction import calibration, ranker
from billintake.extraction.candidate import Candidate
from billintake.extraction.decide import AMOUNTS, HEADER
from billintake.extraction.extractor import Extractor
from billintake.extraction.finders.context import feature_names
from billintake.reading.document import ReadDocument
from billintake.settings import Settings

from .corpora import LabelledDocument, read_cached
from .scoring import same

FIELDS = (*HEADER, *AMOUNTS)


@dataclass
class Example:
    """One document's candidates per field, labelled."""

    doc: LabelledDocument
    proposed: dict[str, list[Candidate]]
    labels: dict[str, list[int]] = field(default_factory=dict)
    items_sum: Decimal | None = None


def label(doc: LabelledDocument, proposed: dict[str, list[Candidate]]) -> Example:
    example = Example(doc, proposed)
    for name in FIELDS:
        truth = doc.truth.get(name)
        example.labels[name] = [int(truth not in (None, "") and same(name, truth, c.value))
                                for c in proposed.get(name, [])]
    return example


def collect(docs: Iterable[LabelledDocument], settings: Settings, cache: Path | None,
            extractor: Extractor | None = None) -> list[Example]:
    extractor = extractor or Extractor(settings, use_model=False)
    out: list[Example] = []
    for doc in docs:
        try:
            pages = read_cached(doc, settings, cache)
            bill, proposed = extractor.propose(pages)
        except (BillintakeError, OSError):
            continue
        example = label(doc, proposed)
        amounts = [i.amount for i in bill.line_items]
        if amounts and all(a is not None for a in amounts):
            example.items_sum = sum((a for a in amounts if a is not None), Decimal(0))
        out.append(example)
    return out


def collect_read(items: Sequence[tuple[LabelledDocument, ReadDocument]],
                 extractor: Extractor | None = None) -> list[Example]:
    """`collect` for documents already read (tests, generated bills)."""
    extractor = extractor or Extractor(use_model=False)
    return [label(doc, extractor.propose(pages)[1]) for doc, pages in items]


def fold_of(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % k


def _rows(examples: Sequence[Example], name: str) -> tuple[np.ndarray, np.ndarray]:
    names = feature_names(name)
    rows, targets = [], []
    for ex in examples:
        if ex.doc.truth.get(name) in (None, ""):
            continue  # unknown truth: the field may not be printed at all
        cands = ex.proposed.get(name, [])
        if cands:
            rows.append(ranker.matrix(cands, names))
            targets.extend(ex.labels[name])
    if not rows:
        return np.zeros((0, len(names))), np.zeros(0)
    return np.vstack(rows), np.asarray(targets, dtype=np.float64)


def train_models(examples: Sequence[Example]) -> ranker.Ranker:
    """The per-field models (no calibration) from the examples."""
    out = ranker.Ranker()
    for name in FIELDS:
        rows, targets = _rows(examples, name)
        if len(targets) == 0 or targets.sum() == 0 or targets.sum() == len(targets):
            continue
        out.boosters[name] = ranker.train(rows, targets, feature_names(name))
        out.features[name] = feature_names(name)
    return out


def top_outcomes(model: ranker.Ranker, examples: Sequence[Example], name: str
                 ) -> list[tuple[float, bool]]:
    """For each example with a truth: the best candidate's score and whether it is right."""
    found: list[tuple[float, bool]] = []
    if name not in model.boosters:
        return found
    for ex in examples:
        truth = ex.doc.truth.get(name)
        cands = ex.proposed.get(name, [])
        if truth in (None, "") or not cands:
            continue
        scores = model.scores(name, cands)
        best = int(np.argmax(scores))
        found.append((float(scores[best]), bool(ex.labels[name][best])))
    return found


def cross_fit(examples: Sequence[Example], k: int = 5) -> dict[int, ranker.Ranker]:
    """Per fold: models trained on the other folds, calibrated on out-of-fold scores that
    exclude the fold itself (so a fold's confidences come from documents never used)."""
    folds = {i: [e for e in examples if fold_of(e.doc.group, k) == i] for i in range(k)}
    models = {i: train_models([e for j, f in folds.items() if j != i for e in f])
              for i in range(k)}
    oof: dict[int, dict[str, list[tuple[float, bool]]]] = {
        i: {name: top_outcomes(models[i], folds[i], name) for name in FIELDS} for i in range(k)}
    for i in range(k):
        for name in models[i].boosters:
            pairs = [p for j in range(k) if j != i for p in oof[j][name]]
            models[i].calibrations[name] = calibration.fit([s for s, _ in pairs],
                                                           [r for _, r in pairs])
    return models


def fit(examples: Sequence[Example], k: int = 5) -> ranker.Ranker:
    """The shipped ranker: models on all examples, calibrated on out-of-fold scores."""
    folds = {i: [e for e in examples if fold_of(e.doc.group, k) == i] for i in range(k)}
    pairs: dict[str, list[tuple[float, bool]]] = {name: [] for name in FIELDS}
    for i in range(k):
        model = train_models([e for j, f in folds.items() if j != i for e in f])
        for name in FIELDS:
            pairs[name].extend(top_outcomes(model, folds[i], name))
    final = train_models(examples)
    for name in final.boosters:
        final.calibrations[name] = calibration.fit([s for s, _ in pairs[name]],
                                                   [r for _, r in pairs[name]])
    final.info = {"documents": len(examples), "folds": k,
                  "sources": sorted({e.doc.source for e in examples})}
    return final


def extractor_for(model: Any, settings: Settings | None = None) -> Extractor:
    return Extractor(settings, ranker=model)
